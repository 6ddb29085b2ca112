//! Validation against a standard version. Reports every failing field at once, in Dutch and English,
//! and returns the normalised content (trimmed, empty values removed, rich text sanitised).

use crate::content::Content;
use crate::fields::{FieldDef, FieldKind, Lang};
use crate::sanitize::{sanitize_rich_text, text_len};
use crate::versions::StandardVersion;
use serde::Serialize;
use serde_json::{Map, Value};

/// How strict to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Saving a draft: everything must be well-formed, required fields may still be empty.
    Draft,
    /// Releasing or publishing: required fields must be filled too.
    Complete,
}

/// The rule a field broke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Rule {
    Required,
    MaxLength { max: usize, actual: usize },
    NotInList { allowed: Vec<String> },
    Url,
    ContactPoint,
    YearMonth,
    EndBeforeBegin,
    Type { expected: &'static str },
    UnknownField,
}

impl Rule {
    /// Structural problems make a record malformed; the others make it incomplete or non-conforming.
    pub fn is_structural(&self) -> bool {
        matches!(self, Rule::Type { .. } | Rule::UnknownField)
    }

    pub fn code(&self) -> &'static str {
        match self {
            Rule::Required => "required",
            Rule::MaxLength { .. } => "max_length",
            Rule::NotInList { .. } => "not_in_list",
            Rule::Url => "url",
            Rule::ContactPoint => "contact_point",
            Rule::YearMonth => "year_month",
            Rule::EndBeforeBegin => "end_before_begin",
            Rule::Type { .. } => "type",
            Rule::UnknownField => "unknown_field",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (Rule::Required, Lang::Nl) => "Dit veld is verplicht.".into(),
            (Rule::Required, Lang::En) => "This field is required.".into(),
            (Rule::MaxLength { max, actual }, Lang::Nl) => {
                format!("Maximaal {max} tekens (zonder opmaak); nu {actual}.")
            }
            (Rule::MaxLength { max, actual }, Lang::En) => {
                format!("At most {max} characters (without markup); now {actual}.")
            }
            (Rule::NotInList { allowed }, Lang::Nl) => {
                format!("Kies een waarde uit de lijst: {}.", allowed.join("; "))
            }
            (Rule::NotInList { allowed }, Lang::En) => {
                format!("Choose a value from the list: {}.", allowed.join("; "))
            }
            (Rule::Url, Lang::Nl) => "Geef een volledige link die begint met https:// of http://.".into(),
            (Rule::Url, Lang::En) => "Give a full link starting with https:// or http://.".into(),
            (Rule::ContactPoint, Lang::Nl) => "Geef een e-mailadres of een link die begint met https://.".into(),
            (Rule::ContactPoint, Lang::En) => "Give an e-mail address or a link starting with https://.".into(),
            (Rule::YearMonth, Lang::Nl) => "Schrijf de maand als jjjj-mm, bijvoorbeeld 2024-03.".into(),
            (Rule::YearMonth, Lang::En) => "Write the month as yyyy-mm, for example 2024-03.".into(),
            (Rule::EndBeforeBegin, Lang::Nl) => "De einddatum ligt voor de begindatum.".into(),
            (Rule::EndBeforeBegin, Lang::En) => "The end date is before the start date.".into(),
            (Rule::Type { expected }, Lang::Nl) => format!("Verkeerd soort waarde; verwacht: {}.", type_nl(expected)),
            (Rule::Type { expected }, Lang::En) => format!("Wrong kind of value; expected: {expected}."),
            (Rule::UnknownField, Lang::Nl) => "Dit veld bestaat niet in deze versie van de standaard.".into(),
            (Rule::UnknownField, Lang::En) => "This field does not exist in this version of the standard.".into(),
        }
    }
}

fn type_nl(expected: &str) -> &str {
    match expected {
        "string" => "tekst",
        "list of strings" => "lijst van teksten",
        "list of {title, link}" => "lijst van {title, link}",
        other => other,
    }
}

/// One failing field. `field` is the key, with a path into link rows (`lawful_basis_grouping[1].link`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    #[serde(flatten)]
    pub rule: Rule,
}

impl FieldError {
    fn new(field: impl Into<String>, rule: Rule) -> FieldError {
        FieldError { field: field.into(), rule }
    }
    pub fn message(&self, lang: Lang) -> String {
        self.rule.message(lang)
    }
}

/// Outcome of [`check`]: the normalised content and everything wrong with it.
#[derive(Debug, Clone)]
pub struct Checked {
    pub content: Content,
    pub errors: Vec<FieldError>,
}

impl Checked {
    pub fn structural(&self) -> impl Iterator<Item = &FieldError> {
        self.errors.iter().filter(|e| e.rule.is_structural())
    }
    pub fn has_structural(&self) -> bool {
        self.structural().next().is_some()
    }
}

/// Validates and normalises; `Err` carries every failing field.
pub fn validate(version: StandardVersion, input: &Content, mode: Mode) -> Result<Content, Vec<FieldError>> {
    let checked = check(version, input, mode);
    if checked.errors.is_empty() {
        Ok(checked.content)
    } else {
        Err(checked.errors)
    }
}

/// Required fields of the version that are empty.
pub fn missing_required(version: StandardVersion, content: &Content) -> Vec<&'static str> {
    version.fields().iter().filter(|f| f.required && !f.system && !content.is_filled(f.key)).map(|f| f.key).collect()
}

/// Normalises and collects every problem, without stopping at the first.
pub fn check(version: StandardVersion, input: &Content, mode: Mode) -> Checked {
    let mut ordered = Map::new();
    let mut errors = Vec::new();
    let strict = version.is_writable();
    // Walk the standard's fields, so that the output keeps the standard's order whatever the input had.
    for def in version.fields() {
        if let Some(value) = input.0.get(def.key) {
            if let Some(v) = check_field(def, value, strict, &mut errors) {
                ordered.insert(def.key.to_string(), v);
            }
        }
    }
    for key in input.0.keys() {
        if version.field(key).is_none() {
            errors.push(FieldError::new(key.clone(), Rule::UnknownField));
        }
    }
    let content = Content(ordered);
    if let (Some(b), Some(e)) = (content.str("begin_date"), content.str("end_date")) {
        if is_year_month(b) && is_year_month(e) && e < b {
            errors.push(FieldError::new("end_date", Rule::EndBeforeBegin));
        }
    }
    if mode == Mode::Complete {
        for key in missing_required(version, &content) {
            errors.push(FieldError::new(key, Rule::Required));
        }
    }
    // Report in the standard's order.
    let pos = |f: &str| {
        let base = f.split('[').next().unwrap_or(f);
        version.fields().iter().position(|d| d.key == base).unwrap_or(usize::MAX)
    };
    errors.sort_by_key(|e| pos(&e.field));
    Checked { content, errors }
}

fn check_field(def: &FieldDef, value: &Value, strict: bool, errors: &mut Vec<FieldError>) -> Option<Value> {
    let key = def.key;
    match (def.kind, value) {
        (_, Value::Null) => None,
        (FieldKind::MultiChoice(list), _) => {
            let items = match strings_of(value) {
                Some(items) => items,
                None => {
                    errors.push(FieldError::new(key, Rule::Type { expected: "list of strings" }));
                    return None;
                }
            };
            let mut seen: Vec<String> = Vec::new();
            for item in items {
                match canonical(list, &item) {
                    Some(c) => {
                        if !seen.iter().any(|s| s == c) {
                            seen.push(c.to_string());
                        }
                    }
                    None if strict => {
                        errors.push(FieldError::new(key, not_in(list)));
                    }
                    None => seen.push(item),
                }
            }
            (!seen.is_empty()).then(|| Value::Array(seen.into_iter().map(Value::String).collect()))
        }
        (FieldKind::List, _) => {
            let Some(items) = strings_of(value) else {
                errors.push(FieldError::new(key, Rule::Type { expected: "list of strings" }));
                return None;
            };
            (!items.is_empty()).then(|| Value::Array(items.into_iter().map(Value::String).collect()))
        }
        (FieldKind::Links { title_max, link_max, link_required, .. }, _) => {
            check_links(key, value, title_max, link_max, link_required, strict, errors)
        }
        (_, Value::String(s)) => {
            let s = s.trim();
            if s.is_empty() {
                return None;
            }
            let s = match def.kind {
                FieldKind::RichText => sanitize_rich_text(s),
                _ => s.to_string(),
            };
            if let Some(max) = def.max_len {
                let n = text_len_of(def.kind, &s);
                if n > max {
                    errors.push(FieldError::new(key, Rule::MaxLength { max, actual: n }));
                }
            }
            match def.kind {
                FieldKind::Choice(list) => match canonical(list, &s) {
                    Some(c) => return Some(Value::String(c.to_string())),
                    None if strict => errors.push(FieldError::new(key, not_in(list))),
                    None => {}
                },
                FieldKind::Url if strict && !is_web_url(&s) => errors.push(FieldError::new(key, Rule::Url)),
                FieldKind::ContactPoint if strict && !is_contact_point(&s) => errors.push(FieldError::new(key, Rule::ContactPoint)),
                FieldKind::YearMonth if strict && !is_year_month(&s) => errors.push(FieldError::new(key, Rule::YearMonth)),
                _ => {}
            }
            Some(Value::String(s))
        }
        (FieldKind::Choice(_), Value::Array(a)) if !strict => {
            // Older records sometimes hold a list here; keep it readable.
            Some(Value::Array(a.clone()))
        }
        _ => {
            errors.push(FieldError::new(key, Rule::Type { expected: "string" }));
            None
        }
    }
}

fn text_len_of(kind: FieldKind, s: &str) -> usize {
    match kind {
        FieldKind::RichText => text_len(s),
        _ => s.chars().count(),
    }
}

fn strings_of(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::String(s) => {
            let s = s.trim();
            Some(if s.is_empty() { vec![] } else { vec![s.to_string()] })
        }
        Value::Array(a) => a
            .iter()
            .filter(|v| !v.is_null())
            .map(|v| v.as_str().map(|s| s.trim().to_string()))
            .filter(|s| !matches!(s, Some(s) if s.is_empty()))
            .collect(),
        _ => None,
    }
}

fn check_links(
    key: &str,
    value: &Value,
    title_max: Option<usize>,
    link_max: usize,
    link_required: bool,
    strict: bool,
    errors: &mut Vec<FieldError>,
) -> Option<Value> {
    let Value::Array(rows) = value else {
        errors.push(FieldError::new(key, Rule::Type { expected: "list of {title, link}" }));
        return None;
    };
    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let Value::Object(obj) = row else {
            errors.push(FieldError::new(format!("{key}[{i}]"), Rule::Type { expected: "list of {title, link}" }));
            continue;
        };
        let mut clean = Map::new();
        for (k, v) in obj {
            if k != "title" && k != "link" {
                errors.push(FieldError::new(format!("{key}[{i}].{k}"), Rule::UnknownField));
                continue;
            }
            match v {
                Value::Null => {}
                Value::String(s) if s.trim().is_empty() => {}
                Value::String(s) => {
                    clean.insert(k.clone(), Value::String(s.trim().to_string()));
                }
                _ => errors.push(FieldError::new(format!("{key}[{i}].{k}"), Rule::Type { expected: "string" })),
            }
        }
        let title = clean.get("title").and_then(Value::as_str);
        let link = clean.get("link").and_then(Value::as_str);
        if title.is_none() && link.is_none() {
            continue; // an empty row is dropped
        }
        match title {
            None => errors.push(FieldError::new(format!("{key}[{i}].title"), Rule::Required)),
            Some(t) => {
                let n = t.chars().count();
                if let Some(max) = title_max.filter(|m| n > *m) {
                    errors.push(FieldError::new(format!("{key}[{i}].title"), Rule::MaxLength { max, actual: n }));
                }
            }
        }
        match link {
            None if link_required && strict => errors.push(FieldError::new(format!("{key}[{i}].link"), Rule::Required)),
            None => {}
            Some(l) => {
                let n = l.chars().count();
                if n > link_max {
                    errors.push(FieldError::new(format!("{key}[{i}].link"), Rule::MaxLength { max: link_max, actual: n }));
                }
                if strict && !is_web_url(l) {
                    errors.push(FieldError::new(format!("{key}[{i}].link"), Rule::Url));
                }
            }
        }
        if !clean.contains_key("link") && !link_required {
            clean.insert("link".into(), Value::Null);
        }
        out.push(Value::Object(clean));
    }
    (!out.is_empty()).then_some(Value::Array(out))
}

fn canonical(list: &'static [&'static str], s: &str) -> Option<&'static str> {
    list.iter().copied().find(|v| v.eq_ignore_ascii_case(s.trim()))
}

fn not_in(list: &[&str]) -> Rule {
    Rule::NotInList { allowed: list.iter().map(|s| s.to_string()).collect() }
}

/// An absolute http(s) URL with a host.
pub fn is_web_url(s: &str) -> bool {
    match url::Url::parse(s) {
        Ok(u) => {
            matches!(u.scheme(), "http" | "https")
                && u.host_str().is_some_and(|h| h.contains('.') || h == "localhost")
                && !s.contains(char::is_whitespace)
        }
        Err(_) => false,
    }
}

/// A plain e-mail address (`local@domain.tld`), with or without `mailto:`.
pub fn is_email(s: &str) -> bool {
    let s = s.strip_prefix("mailto:").unwrap_or(s);
    let Some((local, domain)) = s.split_once('@') else { return false };
    !local.is_empty()
        && !domain.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.contains(char::is_whitespace)
        && !domain.contains('@')
        && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
        && domain.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.')
}

/// An e-mail address or a web URL.
pub fn is_contact_point(s: &str) -> bool {
    is_email(s) || is_web_url(s)
}

/// `yyyy-mm` with a month from 01 to 12.
pub fn is_year_month(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 7
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..].iter().all(u8::is_ascii_digit)
        && matches!(s[5..].parse::<u8>(), Ok(1..=12))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn content(v: Value) -> Content {
        Content(v.as_object().unwrap().clone())
    }

    fn complete() -> Value {
        json!({
            "name": "Parkeervergunning toetsen",
            "description_short": "Toetst aanvragen voor een parkeervergunning.",
            "organization": "Gemeente Voorbeeld",
            "status": "In gebruik",
            "contact_email": "algoritmes@voorbeeld.nl",
            "publication_category": "Overige algoritmes",
        })
    }

    #[test]
    fn complete_record_passes() {
        let c = validate(StandardVersion::V1_0, &content(complete()), Mode::Complete).unwrap();
        assert_eq!(c.str("status"), Some("In gebruik"));
    }

    #[test]
    fn every_failure_is_reported_at_once() {
        let mut v = complete();
        v["name"] = json!("x".repeat(101));
        v["status"] = json!("Kapot");
        v["website"] = json!("geen link");
        v["begin_date"] = json!("2024-13");
        v["contact_email"] = json!("");
        v["bogus"] = json!(1);
        v["category"] = json!(["Verkeer", "Onzin"]);
        v["lawful_basis_grouping"] = json!([{"title": "Wet", "link": "ftp://x"}, {"link": "https://a.nl"}]);
        let errs = validate(StandardVersion::V1_0, &content(v), Mode::Complete).unwrap_err();
        let fields: Vec<(&str, &str)> = errs.iter().map(|e| (e.field.as_str(), e.rule.code())).collect();
        for expected in [
            ("name", "max_length"),
            ("status", "not_in_list"),
            ("website", "url"),
            ("begin_date", "year_month"),
            ("contact_email", "required"),
            ("bogus", "unknown_field"),
            ("category", "not_in_list"),
            ("lawful_basis_grouping[0].link", "url"),
            ("lawful_basis_grouping[1].title", "required"),
        ] {
            assert!(fields.contains(&expected), "missing {expected:?} in {fields:?}");
        }
        for e in &errs {
            assert!(!e.message(Lang::Nl).is_empty() && !e.message(Lang::En).is_empty());
        }
    }

    #[test]
    fn draft_may_be_incomplete_but_not_malformed() {
        assert!(validate(StandardVersion::V1_0, &content(json!({"name": "Alleen een naam"})), Mode::Draft).is_ok());
        let errs = validate(StandardVersion::V1_0, &content(json!({"name": 5})), Mode::Draft).unwrap_err();
        assert_eq!(errs[0].rule.code(), "type");
    }

    #[test]
    fn length_counts_without_html() {
        let mut v = complete();
        v["description_short"] = json!(format!("<p>{}</p>", "a".repeat(400)));
        assert!(validate(StandardVersion::V1_0, &content(v.clone()), Mode::Complete).is_ok());
        v["description_short"] = json!(format!("<p>{}</p>", "a".repeat(401)));
        assert!(validate(StandardVersion::V1_0, &content(v), Mode::Complete).is_err());
    }

    #[test]
    fn rich_text_is_sanitised_and_codes_canonical() {
        let mut v = complete();
        v["goal"] = json!("<p>Doel</p><script>x()</script>");
        v["lang"] = json!("NLD");
        let c = validate(StandardVersion::V1_0, &content(v), Mode::Complete).unwrap();
        assert_eq!(c.str("goal"), Some("<p>Doel</p>"));
        assert_eq!(c.str("lang"), Some("nld"));
    }

    #[test]
    fn end_before_begin() {
        let mut v = complete();
        v["begin_date"] = json!("2024-05");
        v["end_date"] = json!("2023-01");
        let errs = validate(StandardVersion::V1_0, &content(v), Mode::Complete).unwrap_err();
        assert_eq!(errs[0].rule, Rule::EndBeforeBegin);
    }

    #[test]
    fn contact_points() {
        assert!(is_contact_point("a.b@gemeente.nl"));
        assert!(is_contact_point("https://www.gemeente.nl/contact"));
        assert!(!is_contact_point("bel 14 020"));
        assert!(!is_contact_point("a@b"));
    }

    #[test]
    fn legacy_versions_are_readable() {
        let v = content(json!({"name": "Oud", "organization": "Gemeente", "type": "Iets anders", "category": ["a", "b"]}));
        let c = check(StandardVersion::V0_4, &v, Mode::Draft);
        assert!(!c.has_structural(), "{:?}", c.errors);
    }
}

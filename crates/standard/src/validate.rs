//! Validation against a standard version. Reports every failing field at once, in Dutch and English,
//! and returns the normalised content (trimmed, empty values removed, rich text sanitised).

use crate::content::Content;
use crate::fields::{FieldDef, FieldKind, Lang};
use crate::sanitize::{sanitize_rich_text_cow, text_len};
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
    MaxLength {
        max: usize,
        actual: usize,
    },
    NotInList {
        allowed: Vec<String>,
    },
    Url,
    ContactPoint,
    YearMonth,
    EndBeforeBegin,
    Type {
        expected: &'static str,
    },
    UnknownField,
    /// A control character other than tab and line breaks (NUL above all: PostgreSQL cannot store it).
    ControlCharacter,
    /// This field cannot be withheld (see `extensions::may_withhold`).
    NotWithholdable,
    /// The field is marked withheld but still has a value.
    WithheldAndFilled,
    /// A registration cannot be shared and adopt another at once.
    SharedAndAdopting,
    /// A list with more items than any registration needs ([`MAX_ITEMS`]); the list is left out.
    TooManyItems {
        max: usize,
    },
    /// A rich text far longer with its markup than the field's length allows ([`MARKUP_FACTOR`] times,
    /// in bytes); the text is left out.
    MarkupTooLong {
        max: usize,
    },
}

/// Items a list field holds at most.
pub const MAX_ITEMS: usize = 200;
/// Markup and entities may make a rich text longer than what a reader sees, but not more than this many
/// times the field's length, counted in bytes (UTF-8): checked before any work on the text.
pub const MARKUP_FACTOR: usize = 10;

impl Rule {
    /// Structural problems make a record malformed; the others make it incomplete or non-conforming.
    pub fn is_structural(&self) -> bool {
        matches!(self, Rule::Type { .. } | Rule::UnknownField | Rule::ControlCharacter)
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
            Rule::ControlCharacter => "control_character",
            Rule::NotWithholdable => "not_withholdable",
            Rule::WithheldAndFilled => "withheld_and_filled",
            Rule::SharedAndAdopting => "shared_and_adopting",
            Rule::TooManyItems { .. } => "too_many_items",
            Rule::MarkupTooLong { .. } => "markup_too_long",
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
            (Rule::ControlCharacter, Lang::Nl) => "De tekst bevat een onzichtbaar stuurteken; haal het weg.".into(),
            (Rule::ControlCharacter, Lang::En) => "The text holds an invisible control character; remove it.".into(),
            (Rule::NotWithholdable, Lang::Nl) => {
                "Dit veld kan niet worden afgeschermd: naam, organisatie, status en publicatiecategorie zijn altijd openbaar, en het veld moet in deze versie van de standaard bestaan.".into()
            }
            (Rule::NotWithholdable, Lang::En) => {
                "This field cannot be withheld: name, organisation, status and publication category are always public, and the field must exist in this version of the standard.".into()
            }
            (Rule::WithheldAndFilled, Lang::Nl) => {
                "Dit veld is afgeschermd maar heeft nog een waarde. Maak het veld leeg of scherm het niet af.".into()
            }
            (Rule::WithheldAndFilled, Lang::En) => "This field is withheld but still has a value. Empty it or do not withhold it.".into(),
            (Rule::SharedAndAdopting, Lang::Nl) => {
                "Een registratie die een gedeelde registratie overneemt, kan zelf niet gedeeld worden.".into()
            }
            (Rule::SharedAndAdopting, Lang::En) => "A registration that adopts a shared registration cannot itself be shared.".into(),
            (Rule::TooManyItems { max }, Lang::Nl) => format!("Hoogstens {max} onderdelen."),
            (Rule::TooManyItems { max }, Lang::En) => format!("At most {max} items."),
            (Rule::MarkupTooLong { max }, Lang::Nl) => {
                format!("De tekst is met zijn opmaak veel te lang: hoogstens {max} bytes met opmaak en al.")
            }
            (Rule::MarkupTooLong { max }, Lang::En) => format!("The text is far too long with its markup: at most {max} bytes, markup included."),
        }
    }
}

fn type_nl(expected: &str) -> &str {
    match expected {
        "string" => "tekst",
        "list of strings" => "lijst van teksten",
        "list of {title, link}" => "lijst van {title, link}",
        "object" => "object (sleutel: waarde)",
        "fingerprint" => "vingerafdruk (16 hexadecimale tekens)",
        "boolean" => "waar of onwaar (true/false)",
        "algorithm ID" => "algoritme-ID (8 cijfers)",
        "positive whole number" => "positief geheel getal",
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
    pub(crate) fn new(field: impl Into<String>, rule: Rule) -> FieldError {
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
    version
        .fields()
        .iter()
        .filter(|f| f.required && !f.system && !content.is_filled(f.key) && !crate::extensions::is_withheld(content, f.key))
        .map(|f| f.key)
        .collect()
}

/// Normalises and collects every problem, without stopping at the first.
pub fn check(version: StandardVersion, input: &Content, mode: Mode) -> Checked {
    check_owned(version, input.clone(), mode).0
}

/// As [`check`], taking the content, so that values which need no change are moved rather than copied.
/// Also says whether the result is exactly the input: the same fields in the same order with the same
/// values (then a copy of the input's text is a copy of the result's).
pub fn check_owned(version: StandardVersion, input: Content, mode: Mode) -> (Checked, bool) {
    let strict = version.is_writable();
    let fields = version.fields();
    let mut errors = Vec::new();
    let mut unchanged = true;
    let mut input = input.0;
    // algoreg's own keys (withholdings, translations, extra fields) are checked apart and go last.
    let mut reserved: Vec<(String, Value)> = vec![];
    if input.keys().any(|k| crate::extensions::is_reserved(k)) {
        unchanged = false;
        let all = std::mem::take(&mut input);
        for (k, v) in all {
            if crate::extensions::is_reserved(&k) {
                reserved.push((k, v));
            } else {
                input.insert(k, v);
            }
        }
    }
    // Each value is checked in place; `kept` says where each field goes in the standard (none: dropped).
    let mut kept: Vec<Option<usize>> = Vec::with_capacity(input.len());
    let mut last = 0;
    for (key, value) in input.iter_mut() {
        // Input usually comes in the standard's order: look from the last field on first.
        let found = fields[last..].iter().position(|d| d.key == key).map(|p| last + p);
        let Some(pos) = found.or_else(|| fields[..last].iter().position(|d| d.key == key)) else {
            errors.push(FieldError::new(key.clone(), Rule::UnknownField));
            unchanged = false;
            kept.push(None);
            continue;
        };
        let (out, same) = check_field_owned(&fields[pos], std::mem::take(value), strict, &mut errors);
        unchanged &= same && pos >= last;
        last = pos;
        if let Some(v) = out {
            *value = v;
        }
        kept.push(out_pos(pos, value));
    }
    // Unchanged: the input is the result as it is. Otherwise the kept fields in the standard's order.
    let mut content = if unchanged {
        Content(input)
    } else {
        let mut fields: Vec<(usize, String, Value)> =
            input.into_iter().zip(kept).filter_map(|((k, v), pos)| pos.map(|p| (p, k, v))).collect();
        fields.sort_by_key(|(pos, _, _)| *pos);
        Content(fields.into_iter().map(|(_, k, v)| (k, v)).collect())
    };
    if !reserved.is_empty() {
        for (k, v) in crate::extensions::check(version, reserved, &content, strict, &mut errors) {
            content.0.insert(k, v);
        }
        // Withheld and still filled (refused where typed in; an imported or harvested version may have
        // it): the withholding wins, so no API, download or feed shows the value.
        let withheld: Vec<String> =
            content.get(crate::extensions::WITHHELD).and_then(Value::as_object).map(|w| w.keys().cloned().collect()).unwrap_or_default();
        for key in withheld {
            content.remove(&key);
        }
    }
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
        let base = f.split(['[', '.']).next().unwrap_or(f);
        fields.iter().position(|d| d.key == base).unwrap_or(usize::MAX)
    };
    errors.sort_by_key(|e| pos(&e.field));
    cap(&mut errors);
    (Checked { content, errors }, unchanged)
}

/// The most errors reported for one record: far more than one per field and rule of the standard, so
/// a real record is told about all of its errors; a record of thousands of bad list items is told about
/// the first ones, and what it costs to answer stays small.
pub const MAX_ERRORS: usize = 100;

/// Keeps the first [`MAX_ERRORS`] errors, and a structural one among them if there is any (it makes the
/// record malformed, which decides how it is refused).
fn cap(errors: &mut Vec<FieldError>) {
    if errors.len() <= MAX_ERRORS {
        return;
    }
    if let Some(p) = errors.iter().position(|e| e.rule.is_structural()).filter(|p| *p >= MAX_ERRORS) {
        errors.swap(MAX_ERRORS - 1, p);
    }
    errors.truncate(MAX_ERRORS);
}

/// Where a checked field goes: its position in the standard, or none when it was dropped (left null).
fn out_pos(pos: usize, value: &Value) -> Option<usize> {
    (!value.is_null()).then_some(pos)
}

/// Whether any text in `v` holds a control character other than tab, line feed and carriage return.
pub fn holds_control_character(v: &Value) -> bool {
    match v {
        Value::String(s) => is_control_text(s),
        Value::Array(items) => items.iter().any(holds_control_character),
        Value::Object(map) => map.values().any(holds_control_character),
        _ => false,
    }
}

/// Whether `s` holds a control character other than tab, line feed and carriage return, or one of the
/// non-characters U+FFFE and U+FFFF (neither can stand in XML, and no text needs them).
pub fn is_control_text(s: &str) -> bool {
    s.chars().any(|c| (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}'))
}

/// Checks one field's value against its definition (for fields outside the version's table).
pub(crate) fn check_field(def: &FieldDef, value: Value, strict: bool, errors: &mut Vec<FieldError>) -> (Option<Value>, bool) {
    check_field_owned(def, value, strict, errors)
}

/// Checks one field's value, taking it: returns the normalised value (none when empty) and whether it
/// is the input unchanged.
fn check_field_owned(def: &FieldDef, value: Value, strict: bool, errors: &mut Vec<FieldError>) -> (Option<Value>, bool) {
    let key = def.key;
    if holds_control_character(&value) {
        errors.push(FieldError::new(key, Rule::ControlCharacter));
        return (None, false);
    }
    match (def.kind, value) {
        (_, Value::Null) => (None, false),
        (FieldKind::MultiChoice(_) | FieldKind::List | FieldKind::Links { .. }, value) => {
            let out = check_list_field(def, &value, strict, errors);
            let same = out.as_ref() == Some(&value);
            (out, same)
        }
        (_, Value::String(input)) => {
            let trimmed = input.trim();
            if trimmed.is_empty() {
                return (None, false);
            }
            if let Some(max) = def.max_len {
                if matches!(def.kind, FieldKind::RichText) {
                    if trimmed.len() > max.saturating_mul(MARKUP_FACTOR) {
                        errors.push(FieldError::new(key, Rule::MarkupTooLong { max: max.saturating_mul(MARKUP_FACTOR) }));
                        return (None, false);
                    }
                } else if trimmed.len() > max.saturating_mul(4) {
                    // Longer in bytes than the limit's characters can be (four bytes at most each): far too
                    // long, and left out (an older version's over-long text is otherwise kept, reported).
                    errors.push(FieldError::new(key, Rule::MaxLength { max, actual: trimmed.chars().count() }));
                    return (None, false);
                }
            }
            let cleaned = match def.kind {
                FieldKind::RichText => sanitize_rich_text_cow(trimmed),
                _ => std::borrow::Cow::Borrowed(trimmed),
            };
            let mut same = matches!(cleaned, std::borrow::Cow::Borrowed(_)) && trimmed.len() == input.len();
            let changed = if same { None } else { Some(cleaned.into_owned()) };
            // A reference such as `&#1;` becomes the character itself once sanitised.
            if changed.as_deref().is_some_and(is_control_text) {
                errors.push(FieldError::new(key, Rule::ControlCharacter));
                return (None, false);
            }
            let s = changed.unwrap_or(input);
            if let Some(max) = def.max_len {
                let n = text_len_of(def.kind, &s);
                if n > max {
                    errors.push(FieldError::new(key, Rule::MaxLength { max, actual: n }));
                }
            }
            match def.kind {
                FieldKind::Choice(list) => match canonical(list, &s) {
                    Some(c) => {
                        same &= c == s;
                        return (Some(Value::String(if c == s { s } else { c.to_string() })), same);
                    }
                    None if strict => errors.push(FieldError::new(key, not_in(list))),
                    None => {}
                },
                FieldKind::Url if strict && !is_web_url(&s) => errors.push(FieldError::new(key, Rule::Url)),
                FieldKind::ContactPoint if strict && !is_contact_point(&s) => errors.push(FieldError::new(key, Rule::ContactPoint)),
                FieldKind::YearMonth if strict && !is_year_month(&s) => errors.push(FieldError::new(key, Rule::YearMonth)),
                _ => {}
            }
            (Some(Value::String(s)), same)
        }
        // Older records sometimes hold a list here; keep it readable.
        (FieldKind::Choice(_), value @ Value::Array(_)) if !strict => (Some(value), true),
        _ => {
            errors.push(FieldError::new(key, Rule::Type { expected: "string" }));
            (None, false)
        }
    }
}

/// The fields that hold lists: choices from a code list, plain lists, and links.
fn check_list_field(def: &FieldDef, value: &Value, strict: bool, errors: &mut Vec<FieldError>) -> Option<Value> {
    let key = def.key;
    if value.as_array().is_some_and(|a| a.len() > MAX_ITEMS) {
        errors.push(FieldError::new(key, Rule::TooManyItems { max: MAX_ITEMS }));
        return None;
    }
    match def.kind {
        FieldKind::MultiChoice(list) => {
            let items = match strings_of(value) {
                Some(items) => items,
                None => {
                    errors.push(FieldError::new(key, Rule::Type { expected: "list of strings" }));
                    return None;
                }
            };
            let (mut seen, mut chosen): (Vec<String>, std::collections::HashSet<&str>) = (Vec::new(), Default::default());
            let mut outside = false;
            for item in items {
                match canonical(list, &item) {
                    Some(c) => {
                        if chosen.insert(c) {
                            seen.push(c.to_string());
                        }
                    }
                    // One error for the field, however many of its items are not in the list.
                    None if strict => outside = true,
                    None => seen.push(item),
                }
            }
            if outside {
                errors.push(FieldError::new(key, not_in(list)));
            }
            (!seen.is_empty()).then(|| Value::Array(seen.into_iter().map(Value::String).collect()))
        }
        FieldKind::List => {
            let Some(items) = strings_of(value) else {
                errors.push(FieldError::new(key, Rule::Type { expected: "list of strings" }));
                return None;
            };
            (!items.is_empty()).then(|| Value::Array(items.into_iter().map(Value::String).collect()))
        }
        FieldKind::Links { title_max, link_max, link_required, .. } => {
            check_links(key, value, title_max, link_max, link_required, strict, errors)
        }
        _ => None,
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
    if plain_web_url(s) {
        return true;
    }
    match url::Url::parse(s) {
        Ok(u) => {
            matches!(u.scheme(), "http" | "https")
                && u.host_str().is_some_and(|h| h.contains('.') || h == "localhost")
                && !s.contains(char::is_whitespace)
        }
        Err(_) => false,
    }
}

/// A fast yes for the common case that the URL parser would accept anyway: `http(s)://` and a host of
/// lower-case ASCII labels (a letter first in the last one, no punycode), then printable ASCII without
/// spaces. Anything else goes to the parser. Property-tested against it.
fn plain_web_url(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://")) else { return false };
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (host, tail) = rest.split_at(host_end);
    host.contains('.')
        && !host.contains("xn--")
        && host.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'.')
        && host.split('.').all(|label| !label.is_empty())
        && host.rsplit('.').next().is_some_and(|last| last.as_bytes()[0].is_ascii_lowercase())
        && tail.bytes().all(|c| c.is_ascii_graphic() && !matches!(c, b'\\' | b'"' | b'<' | b'>' | b'`' | b'{' | b'}' | b'|' | b'^'))
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
    use proptest::prelude::*;
    use serde_json::json;

    fn field_value() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            "( |<p>|</p>|<script>|&amp;|&|Gemeente|In gebruik|in gebruik|https://x.nl|2024-01|[a-z]{0,3}){0,5}".prop_map(Value::String),
            prop::collection::vec("( |Verkeer|verkeer|[a-z]{0,3}){0,2}", 0..3).prop_map(|v| json!(v)),
            Just(json!([{"title": "Wet", "link": "https://wetten.nl"}])),
            Just(json!([{"title": " Wet ", "link": null}])),
            Just(json!(42)),
        ]
    }

    #[test]
    fn long_lists_of_bad_items_give_few_errors() {
        // Any number of themes outside the list: one error for the field.
        let themes: Vec<String> = (0..MAX_ITEMS).map(|i| format!("thema {i}")).collect();
        let c: Content = serde_json::from_value(json!({"category": themes})).unwrap();
        let checked = check(StandardVersion::V1_0, &c, Mode::Draft);
        assert_eq!(checked.errors.iter().filter(|e| e.field == "category").count(), 1, "{:?}", &checked.errors[..3]);
        // More bad links than errors are kept: the first MAX_ERRORS errors, and the structural one that came last.
        let links: Vec<Value> = (0..MAX_ITEMS).map(|i| json!({"title": format!("wet {i}"), "link": "geen adres"})).collect();
        let c: Content = serde_json::from_value(json!({"lawful_basis_grouping": links, "zz_unknown": 1})).unwrap();
        let checked = check(StandardVersion::V1_0, &c, Mode::Draft);
        assert_eq!(checked.errors.len(), MAX_ERRORS);
        assert!(checked.has_structural(), "the unknown field still makes it malformed");
        assert_eq!(checked.errors[0].field, "lawful_basis_grouping[0].link");
        // Beyond MAX_ITEMS a list is refused whole, before its items are looked at.
        let links: Vec<Value> = (0..=MAX_ITEMS).map(|i| json!({"title": format!("wet {i}"), "link": "https://wet.nl"})).collect();
        let c: Content = serde_json::from_value(json!({"lawful_basis_grouping": links})).unwrap();
        let checked = check(StandardVersion::V1_0, &c, Mode::Draft);
        assert_eq!(checked.errors.iter().map(|e| e.rule.code()).collect::<Vec<_>>(), ["too_many_items"]);
        assert!(checked.content.get("lawful_basis_grouping").is_none(), "left out");
    }

    #[test]
    fn markup_may_lengthen_a_text_only_so_far() {
        // What a reader sees is counted against the field's length, however it is marked up, as long as
        // the text with its markup is at most ten times that length.
        let max = StandardVersion::V1_0.field("goal").and_then(|d| d.max_len).unwrap();
        let link = "<a href=\"https://www.example.nl/a-long-address-for-a-short-word\">x</a>";
        let many = link.repeat(max * MARKUP_FACTOR / link.len() + 1);
        let c: Content = serde_json::from_value(json!({"goal": many})).unwrap();
        let checked = check(StandardVersion::V1_0, &c, Mode::Draft);
        assert_eq!(checked.errors.iter().map(|e| (e.field.as_str(), e.rule.code())).collect::<Vec<_>>(), [("goal", "markup_too_long")]);
        let fewer = link.repeat(max * MARKUP_FACTOR / link.len() - 1);
        let c: Content = serde_json::from_value(json!({"goal": fewer})).unwrap();
        let errors = check(StandardVersion::V1_0, &c, Mode::Draft).errors;
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn plain_web_url_takes_the_common_case_only() {
        for yes in
            ["https://www.gemeente.nl/algoritmes?id=1#top", "http://wetten.overheid.nl/BWBR0005537/2024-01-01", "https://a-b.example.nl"]
        {
            assert!(plain_web_url(yes) && is_web_url(yes), "{yes}");
        }
        for other in [
            "https://1.2.3.4/",
            "https://xn--bcher-kva.example/",
            "https://WWW.example.nl",
            "https://example.nl:8080/",
            "https://localhost/",
            "https://ex ample.nl",
        ] {
            assert!(!plain_web_url(other), "{other}");
        }
        assert!(is_web_url("https://WWW.example.nl") && is_web_url("https://example.nl:8080/"), "the parser still decides the rest");
    }

    proptest! {
        /// The fast path never says yes where the URL parser says no.
        #[test]
        fn plain_web_url_agrees_with_the_parser(s in "(https?://|http:/|ftp://)?([a-z0-9]{0,4}|xn--[a-z]{0,3}|-|\\.|\\.\\.|:80|:99999|@){0,5}(/|\\?|#)?([a-zA-Z0-9]|%|%2|%zz|/|\\?|=|&| |\\\\|<|\\||~|\\.){0,8}") {
            if plain_web_url(&s) {
                let parsed = url::Url::parse(&s);
                prop_assert!(parsed.is_ok(), "{}", s);
                let u = parsed.unwrap();
                prop_assert!(matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| h.contains('.')), "{}", s);
            }
        }

        /// The result is in the standard's order, and "unchanged" means exactly the input.
        #[test]
        fn check_owned_says_truly_whether_anything_changed(picks in prop::collection::vec((0usize..60, field_value()), 0..12)) {
            let keys: Vec<&str> = StandardVersion::CURRENT.fields().iter().map(|f| f.key).chain(["unknown_a", "unknown_b"]).collect();
            let input = Content(picks.into_iter().map(|(i, v)| (keys[i % keys.len()].to_string(), v)).collect());
            let (owned, unchanged) = check_owned(StandardVersion::CURRENT, input.clone(), Mode::Draft);
            let order: Vec<&String> = owned.content.0.keys().collect();
            let positions: Vec<usize> = order.iter().map(|k| keys.iter().position(|x| x == k).unwrap()).collect();
            prop_assert!(positions.windows(2).all(|w| w[0] < w[1]), "standard order");
            if unchanged {
                prop_assert!(owned.content.0.iter().eq(input.0.iter()), "unchanged means the same fields, order and values");
            } else {
                prop_assert!(!owned.content.0.iter().eq(input.0.iter()) || owned.errors.iter().any(|e| e.rule == Rule::UnknownField));
            }
        }
    }

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

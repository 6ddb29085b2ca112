//! What algoreg adds to a registration beyond the standard's fields, kept in the same content under
//! reserved keys so that it is versioned, reviewed and published with the version:
//!
//! * [`WITHHELD`]: fields withheld on a legal ground, `{"<field>": {"ground": "<code>", "explanation":
//!   "..."}}`. A withheld field has no value; it counts as answered for completeness.
//! * [`TRANSLATIONS`]: texts written by the organisation in another language, `{"en": {"<field>": {"text":
//!   "...", "source": "<fingerprint>"}}}`. `source` is the fingerprint of the Dutch text the translation
//!   was written for ([`fingerprint`]); when the Dutch text changes, the translation is out of date.
//!   Input may give a plain string instead of the object, or `"source": "current"` (written for the
//!   Dutch text as it is now); the service then fills in the fingerprint.
//! * [`EXTRA_FIELDS`]: fields readers asked for that the standard lacks (the provider's entry in the
//!   EU database, the cost).
//!
//! Outputs that imitate the live register leave all of this out (a withheld field shows as empty there).

use crate::content::Content;
use crate::fields::{FieldDef, FieldKind};
use crate::validate::{holds_control_character, FieldError, Rule};
use crate::versions::StandardVersion;
use serde::Serialize;
use serde_json::{Map, Value};

pub const WITHHELD: &str = "withheld";
pub const TRANSLATIONS: &str = "translations";
/// `true` on a shared registration: one a supplier or central body publishes for many organisations.
pub const SHARED: &str = "shared";
/// On an organisation's registration of its use of a shared one: `{"record": "<ID>", "version": n}`.
pub const ADOPTS: &str = "adopts";

/// A translation's `source` given as this means: written for the Dutch text as it is now (the service
/// puts the fingerprint in its place).
pub const CURRENT_SOURCE: &str = "current";

/// The longest explanation of a withholding.
pub const EXPLANATION_MAX: usize = 1000;

/// A legal ground on which a field may be withheld.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Ground {
    pub code: &'static str,
    /// Short citation, e.g. "Woo 5.1 lid 2 c".
    pub cite: &'static str,
    pub label_nl: &'static str,
    pub label_en: &'static str,
}

const fn g(code: &'static str, cite: &'static str, label_nl: &'static str, label_en: &'static str) -> Ground {
    Ground { code, cite, label_nl, label_en }
}

/// The grounds of the Open Government Act (Woo) articles 5.1 and 5.2, and the AI Act's non-public
/// section of the EU database (article 49(4)).
pub static GROUNDS: &[Ground] = &[
    g("woo-5.1.1.a", "Woo 5.1 lid 1 a", "de eenheid van de Kroon", "the unity of the Crown"),
    g("woo-5.1.1.b", "Woo 5.1 lid 1 b", "de veiligheid van de Staat", "the security of the State"),
    g(
        "woo-5.1.1.c",
        "Woo 5.1 lid 1 c",
        "bedrijfs- en fabricagegegevens die vertrouwelijk zijn meegedeeld",
        "company and manufacturing data given in confidence",
    ),
    g("woo-5.1.1.d", "Woo 5.1 lid 1 d", "bijzondere persoonsgegevens", "special categories of personal data"),
    g("woo-5.1.1.e", "Woo 5.1 lid 1 e", "identificatienummers", "identification numbers"),
    g(
        "woo-5.1.2.a",
        "Woo 5.1 lid 2 a",
        "de betrekkingen met andere staten en internationale organisaties",
        "relations with other states and international organisations",
    ),
    g(
        "woo-5.1.2.b",
        "Woo 5.1 lid 2 b",
        "de economische of financiële belangen van de Staat",
        "the economic or financial interests of the State",
    ),
    g(
        "woo-5.1.2.c",
        "Woo 5.1 lid 2 c",
        "de opsporing en vervolging van strafbare feiten",
        "the investigation and prosecution of criminal offences",
    ),
    g(
        "woo-5.1.2.d",
        "Woo 5.1 lid 2 d",
        "inspectie, controle en toezicht door bestuursorganen",
        "inspection, control and supervision by public bodies",
    ),
    g("woo-5.1.2.e", "Woo 5.1 lid 2 e", "de eerbiediging van de persoonlijke levenssfeer", "respect for privacy"),
    g(
        "woo-5.1.2.f",
        "Woo 5.1 lid 2 f",
        "concurrentiegevoelige bedrijfs- en fabricagegegevens",
        "competition-sensitive company and manufacturing data",
    ),
    g("woo-5.1.2.g", "Woo 5.1 lid 2 g", "de bescherming van het milieu", "the protection of the environment"),
    g(
        "woo-5.1.2.h",
        "Woo 5.1 lid 2 h",
        "de beveiliging van personen en bedrijven en het voorkomen van sabotage",
        "the security of people and companies and the prevention of sabotage",
    ),
    g(
        "woo-5.1.2.i",
        "Woo 5.1 lid 2 i",
        "het goed functioneren van de Staat en andere overheden",
        "the proper functioning of the State and other public bodies",
    ),
    g(
        "woo-5.2",
        "Woo 5.2",
        "persoonlijke beleidsopvattingen in stukken voor intern beraad",
        "personal views on policy in documents for internal deliberation",
    ),
    g(
        "ai-act-49.4",
        "AI-verordening art. 49 lid 4",
        "niet-openbaar deel van de EU-databank (rechtshandhaving, migratie, asiel en grenstoezicht)",
        "non-public section of the EU database (law enforcement, migration, asylum and border control)",
    ),
];

pub fn ground(code: &str) -> Option<&'static Ground> {
    GROUNDS.iter().find(|g| g.code == code)
}

/// Fields that are never withheld: without them a registration cannot be found or placed.
const NEVER_WITHHELD: &[&str] = &["name", "organization", "publication_category", "status"];

/// Whether `key` may be withheld in `version`.
pub fn may_withhold(version: StandardVersion, key: &str) -> bool {
    !NEVER_WITHHELD.contains(&key) && version.field(key).is_some_and(|f| !f.system && f.public)
}

/// The languages editors write translations in (ISO 639-1): English and Frisian.
pub const TRANSLATION_LANGUAGES: &[&str] = &["en", "fy"];

/// Whether a field is written as text and can therefore be translated.
pub fn translatable(version: StandardVersion, key: &str) -> bool {
    version.field(key).is_some_and(|f| !f.system && f.public && matches!(f.kind, FieldKind::Text | FieldKind::RichText))
}

const fn extra(key: &'static str, label_nl: &'static str, label_en: &'static str, kind: FieldKind, max_len: usize) -> FieldDef {
    FieldDef {
        key,
        label_nl,
        label_en_override: Some(label_en),
        group: "aanvullend",
        kind,
        max_len: Some(max_len),
        required: false,
        show_always: false,
        public: true,
        system: false,
    }
}

/// Fields algoreg adds to every standard version.
pub static EXTRA_FIELDS: &[FieldDef] = &[
    extra(
        "eu_database_url",
        "Link naar de registratie van de aanbieder in de EU-databank",
        "Link to the provider's entry in the EU database",
        FieldKind::Url,
        500,
    ),
    extra("cost", "Kosten", "Cost", FieldKind::Text, 300),
];

/// Every key this module reserves in a registration's content.
pub fn is_reserved(key: &str) -> bool {
    matches!(key, WITHHELD | TRANSLATIONS | SHARED | ADOPTS) || EXTRA_FIELDS.iter().any(|f| f.key == key)
}

/// Keeps what algoreg adds from `from` (an earlier version) in `into`, a content written in a format that
/// cannot hold it (the live register's): every reserved key `into` lacks is copied, except withholdings
/// of fields `into` now fills.
pub fn keep_reserved(from: &Content, into: &mut Content) {
    for (k, v) in from.0.iter().filter(|(k, _)| is_reserved(k)) {
        if into.get(k).is_some() {
            continue;
        }
        if k == WITHHELD {
            if let Value::Object(w) = v {
                let kept: Map<String, Value> = w.iter().filter(|(f, _)| !into.is_filled(f)).map(|(f, x)| (f.clone(), x.clone())).collect();
                if !kept.is_empty() {
                    into.set(WITHHELD, Value::Object(kept));
                }
            }
            continue;
        }
        into.set(k, v.clone());
    }
}

/// The fields an organisation fills in itself when it adopts a shared registration: how and why it
/// uses the product (purpose, legal basis, human oversight, contact, ...). Every other field comes from
/// the shared registration and follows it.
pub const LOCAL_FIELDS: &[&str] = &[
    "name",
    "organization",
    "category",
    "status",
    "begin_date",
    "end_date",
    "contact_email",
    "website",
    "publication_category",
    "url",
    "goal",
    "proportionality",
    "human_intervention",
    "lawful_basis",
    "lawful_basis_grouping",
    "process_index_url",
    "impacttoetsen",
    "impacttoetsen_grouping",
    "lang",
    "standard_version",
    "source_id",
    "tags",
    "cost",
];

/// Whether `key` is filled in by the adopting organisation (see [`LOCAL_FIELDS`]).
pub fn is_local(key: &str) -> bool {
    LOCAL_FIELDS.contains(&key)
}

/// Whether the content is a shared registration.
pub fn is_shared(content: &Content) -> bool {
    content.get(SHARED) == Some(&Value::Bool(true))
}

/// The shared registration a content adopts, and the version of it.
pub fn adopts(content: &Content) -> Option<(crate::AlgorithmId, Option<u32>)> {
    let a = content.get(ADOPTS)?;
    let id = crate::AlgorithmId::parse(a.get("record")?.as_str()?).ok()?;
    let version = a.get("version").and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok());
    Some((id, version))
}

/// An adopting organisation's registration: its own local fields (each one empty there taken from the
/// shared registration, as a start), every other field from `shared`, with the shared part's
/// withholdings and translations; `adopts` names the shared registration and its version.
pub fn adopt(shared: &Content, shared_id: crate::AlgorithmId, shared_version: u32, local: &Content) -> Content {
    let mut out = Content::new();
    for f in StandardVersion::CURRENT.fields().iter().chain(EXTRA_FIELDS) {
        // The organisation is always the adopter's own; other local fields start from the shared text.
        let own = is_local(f.key) && (local.is_filled(f.key) || is_withheld(local, f.key) || f.key == "organization");
        let from = if own { local } else { shared };
        if let Some(v) = from.get(f.key).filter(|_| from.is_filled(f.key)) {
            out.set(f.key, v.clone());
        }
    }
    let mut withheld = Map::new();
    for (source, local_side) in [(shared, false), (local, true)] {
        if let Some(Value::Object(w)) = source.get(WITHHELD) {
            for (k, v) in w {
                if is_local(k) == local_side && !out.is_filled(k) {
                    withheld.insert(k.clone(), v.clone());
                }
            }
        }
    }
    if !withheld.is_empty() {
        out.set(WITHHELD, Value::Object(withheld));
    }
    let mut langs = Map::new();
    for (source, local_side) in [(shared, false), (local, true)] {
        if let Some(Value::Object(l)) = source.get(TRANSLATIONS) {
            for (lang, fields) in l {
                if let Value::Object(fields) = fields {
                    let entry = langs.entry(lang.clone()).or_insert_with(|| Value::Object(Map::new()));
                    for (k, v) in fields {
                        if is_local(k) == local_side {
                            if let Value::Object(e) = entry {
                                e.insert(k.clone(), v.clone());
                            }
                        }
                    }
                }
            }
        }
    }
    langs.retain(|_, v| v.as_object().is_some_and(|o| !o.is_empty()));
    if !langs.is_empty() {
        out.set(TRANSLATIONS, Value::Object(langs));
    }
    out.set(ADOPTS, serde_json::json!({"record": shared_id.to_string(), "version": shared_version}));
    out
}

/// One withholding as read from the content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Withholding {
    pub field: String,
    pub ground: String,
    pub explanation: String,
}

/// The withheld fields of a content, in the content's order.
pub fn withheld(content: &Content) -> Vec<Withholding> {
    let Some(Value::Object(map)) = content.get(WITHHELD) else { return vec![] };
    map.iter()
        .map(|(k, v)| Withholding {
            field: k.clone(),
            ground: v.get("ground").and_then(Value::as_str).unwrap_or_default().to_string(),
            explanation: v.get("explanation").and_then(Value::as_str).unwrap_or_default().to_string(),
        })
        .collect()
}

/// Whether `key` is withheld in `content`.
pub fn is_withheld(content: &Content, key: &str) -> bool {
    matches!(content.get(WITHHELD), Some(Value::Object(m)) if m.contains_key(key))
}

/// The fingerprint of a Dutch text, to tell whether a translation was written for it (FNV-1a, 64 bits,
/// as 16 hex digits; not a security measure).
pub fn fingerprint(value: Option<&Value>) -> String {
    let text = match value {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(other) if !other.is_null() => other.to_string(),
        _ => String::new(),
    };
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// One translated field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Translation {
    pub lang: String,
    pub field: String,
    pub text: String,
    /// The fingerprint of the Dutch text it was written for (empty when not known yet).
    pub source: String,
}

impl Translation {
    /// Whether the Dutch text changed since the translation was written.
    pub fn out_of_date(&self, content: &Content) -> bool {
        self.source != fingerprint(content.get(&self.field))
    }
}

/// Every translation in the content.
pub fn translations(content: &Content) -> Vec<Translation> {
    let Some(Value::Object(langs)) = content.get(TRANSLATIONS) else { return vec![] };
    let mut out = vec![];
    for (lang, fields) in langs {
        let Value::Object(fields) = fields else { continue };
        for (field, v) in fields {
            let (text, source) = match v {
                Value::String(s) => (s.clone(), String::new()),
                Value::Object(o) => (
                    o.get("text").and_then(Value::as_str).unwrap_or_default().to_string(),
                    o.get("source").and_then(Value::as_str).unwrap_or_default().to_string(),
                ),
                _ => continue,
            };
            out.push(Translation { lang: lang.clone(), field: field.clone(), text, source });
        }
    }
    out
}

/// The translation of one field, if written.
pub fn translation<'a>(content: &'a Content, lang: &str, key: &str) -> Option<&'a str> {
    match content.get(TRANSLATIONS)?.get(lang)?.get(key)? {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("text").and_then(Value::as_str),
        _ => None,
    }
}

/// Fills in the `source` of translations given as plain text (or without a source): the fingerprint
/// of the current Dutch text, unless `previous` holds the same translation, whose source is kept (an
/// unchanged translation stays out of date when the Dutch changed).
pub fn stamp_translations(content: &mut Content, previous: Option<&Content>) {
    let current = content.clone();
    let Some(Value::Object(langs)) = content.0.get_mut(TRANSLATIONS) else { return };
    for (lang, fields) in langs.iter_mut() {
        let Value::Object(fields) = fields else { continue };
        for (field, v) in fields.iter_mut() {
            let (text, given) = match v {
                Value::String(s) => (s.clone(), None),
                Value::Object(o) => (
                    o.get("text").and_then(Value::as_str).unwrap_or_default().to_string(),
                    o.get("source").and_then(Value::as_str).filter(|s| !s.is_empty()).map(String::from),
                ),
                _ => continue,
            };
            let given = match given {
                Some(s) if s == CURRENT_SOURCE => Some(fingerprint(current.get(field))),
                other => other,
            };
            let kept = previous.and_then(|p| {
                let before = translations(p).into_iter().find(|t| &t.lang == lang && &t.field == field)?;
                (before.text == text && !before.source.is_empty()).then_some(before.source)
            });
            let source = given.or(kept).unwrap_or_else(|| fingerprint(current.get(field)));
            *v = serde_json::json!({"text": text, "source": source});
        }
    }
}

/// Marks the translation of `key` in `lang` as written for the current Dutch text (the editor says it
/// still holds).
pub fn confirm_translation(content: &mut Content, lang: &str, key: &str) {
    let source = fingerprint(content.get(key));
    if let Some(Value::Object(o)) = content.0.get_mut(TRANSLATIONS).and_then(|t| t.get_mut(lang)).and_then(|f| f.get_mut(key)) {
        o.insert("source".into(), Value::String(source));
    }
}

/// Withholding counts per ground (code → number of fields), over several contents.
pub fn count_by_ground<'a>(contents: impl IntoIterator<Item = &'a Content>) -> Vec<(&'static Ground, usize)> {
    let mut counts = vec![0usize; GROUNDS.len()];
    for c in contents {
        for w in withheld(c) {
            if let Some(i) = GROUNDS.iter().position(|g| g.code == w.ground) {
                counts[i] += 1;
            }
        }
    }
    GROUNDS.iter().zip(counts).filter(|(_, n)| *n > 0).collect()
}

/// Checks and normalises the reserved keys taken out of a content. Returns them in a fixed order
/// (extra fields, then withheld, then translations), ready to be put back after the standard's fields.
/// `content` is the checked standard part (to see which withheld fields are filled).
pub(crate) fn check(
    version: StandardVersion,
    reserved: Vec<(String, Value)>,
    content: &Content,
    strict: bool,
    errors: &mut Vec<FieldError>,
) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = vec![];
    for def in EXTRA_FIELDS {
        if let Some((_, v)) = reserved.iter().find(|(k, _)| k == def.key) {
            let (value, _) = crate::validate::check_field(def, v.clone(), true, errors);
            if let Some(v) = value {
                out.push((def.key.to_string(), v));
            }
        }
    }
    if let Some((_, v)) = reserved.iter().find(|(k, _)| k == WITHHELD) {
        if let Some(w) = check_withheld(version, v, content, strict, errors) {
            out.push((WITHHELD.into(), w));
        }
    }
    if let Some((_, v)) = reserved.iter().find(|(k, _)| k == TRANSLATIONS) {
        if let Some(t) = check_translations(version, v, errors) {
            out.push((TRANSLATIONS.into(), t));
        }
    }
    if let Some((_, v)) = reserved.iter().find(|(k, _)| k == SHARED) {
        match v {
            Value::Bool(true) => out.push((SHARED.into(), Value::Bool(true))),
            Value::String(s) if matches!(s.as_str(), "true" | "on" | "1" | "ja") => out.push((SHARED.into(), Value::Bool(true))),
            Value::Bool(false) | Value::Null => {}
            Value::String(s) if matches!(s.as_str(), "false" | "" | "0" | "nee") => {}
            _ => errors.push(FieldError::new(SHARED, Rule::Type { expected: "boolean" })),
        }
    }
    if let Some((_, v)) = reserved.iter().find(|(k, _)| k == ADOPTS) {
        if let Some(map) = object(v, ADOPTS, errors) {
            for k in map.keys().filter(|k| *k != "record" && *k != "version") {
                errors.push(FieldError::new(format!("{ADOPTS}.{k}"), Rule::UnknownField));
            }
            let record = map.get("record").and_then(Value::as_str).map(str::trim).unwrap_or("");
            let version = match map.get("version") {
                None | Some(Value::Null) => Some(None),
                Some(Value::Number(n)) => n.as_u64().filter(|n| (1..=u64::from(u32::MAX)).contains(n)).map(Some),
                Some(_) => None,
            };
            match (crate::AlgorithmId::parse(record), version) {
                (Ok(id), Some(n)) => {
                    out.push((ADOPTS.into(), serde_json::json!({"record": id.to_string(), "version": n})));
                }
                (Err(_), _) => errors.push(FieldError::new(format!("{ADOPTS}.record"), Rule::Type { expected: "algorithm ID" })),
                (_, None) => errors.push(FieldError::new(format!("{ADOPTS}.version"), Rule::Type { expected: "positive whole number" })),
            }
        }
    }
    if out.iter().any(|(k, _)| k == SHARED) && out.iter().any(|(k, _)| k == ADOPTS) {
        errors.push(FieldError::new(SHARED, Rule::SharedAndAdopting));
    }
    out
}

/// The value as an object; none when null, and a type error naming `field` when it is something else.
fn object<'a>(v: &'a Value, field: &str, errors: &mut Vec<FieldError>) -> Option<&'a Map<String, Value>> {
    match v {
        Value::Null => None,
        Value::Object(m) => Some(m),
        _ => {
            errors.push(FieldError::new(field, Rule::Type { expected: "object" }));
            None
        }
    }
}

fn check_withheld(version: StandardVersion, v: &Value, content: &Content, strict: bool, errors: &mut Vec<FieldError>) -> Option<Value> {
    let map = object(v, WITHHELD, errors)?;
    let mut out = Map::new();
    for (key, w) in map {
        let at = |part: &str| format!("{WITHHELD}.{key}{part}");
        if !may_withhold(version, key) {
            errors.push(FieldError::new(at(""), Rule::NotWithholdable));
            continue;
        }
        let Some(w) = object(w, &at(""), errors) else {
            if w.is_null() {
                errors.push(FieldError::new(at(""), Rule::Type { expected: "object" }));
            }
            continue;
        };
        if holds_control_character(&Value::Object(w.clone())) {
            errors.push(FieldError::new(at(""), Rule::ControlCharacter));
            continue;
        }
        for k in w.keys() {
            if k != "ground" && k != "explanation" {
                errors.push(FieldError::new(at(&format!(".{k}")), Rule::UnknownField));
            }
        }
        let ground = w.get("ground").and_then(Value::as_str).map(str::trim).unwrap_or("");
        let explanation = w.get("explanation").and_then(Value::as_str).map(str::trim).unwrap_or("");
        let mut ok = true;
        if ground.is_empty() {
            errors.push(FieldError::new(at(".ground"), Rule::Required));
            ok = false;
        } else if self::ground(ground).is_none() {
            errors.push(FieldError::new(at(".ground"), Rule::NotInList { allowed: GROUNDS.iter().map(|g| g.code.to_string()).collect() }));
            ok = false;
        }
        if explanation.is_empty() {
            errors.push(FieldError::new(at(".explanation"), Rule::Required));
            ok = false;
        } else if explanation.chars().count() > EXPLANATION_MAX {
            errors.push(FieldError::new(at(".explanation"), Rule::MaxLength { max: EXPLANATION_MAX, actual: explanation.chars().count() }));
            ok = false;
        }
        if strict && content.is_filled(key) {
            errors.push(FieldError::new(key.clone(), Rule::WithheldAndFilled));
            ok = false;
        }
        if ok {
            out.insert(key.clone(), serde_json::json!({"ground": ground, "explanation": explanation}));
        }
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

fn check_translations(version: StandardVersion, v: &Value, errors: &mut Vec<FieldError>) -> Option<Value> {
    let langs = object(v, TRANSLATIONS, errors)?;
    let mut out = Map::new();
    for (lang, fields) in langs {
        if !TRANSLATION_LANGUAGES.contains(&lang.as_str()) {
            errors.push(FieldError::new(
                format!("{TRANSLATIONS}.{lang}"),
                Rule::NotInList { allowed: TRANSLATION_LANGUAGES.iter().map(|s| s.to_string()).collect() },
            ));
            continue;
        }
        let Some(fields) = object(fields, &format!("{TRANSLATIONS}.{lang}"), errors) else { continue };
        let mut kept = Map::new();
        for (key, value) in fields {
            let at = format!("{TRANSLATIONS}.{lang}.{key}");
            let Some(def) = version.field(key).filter(|_| translatable(version, key)) else {
                errors.push(FieldError::new(at, Rule::UnknownField));
                continue;
            };
            let (text, source) = match value {
                Value::Null => continue,
                Value::String(s) => (Value::String(s.clone()), None),
                Value::Object(o) => {
                    if o.keys().any(|k| k != "text" && k != "source") {
                        errors.push(FieldError::new(at.clone(), Rule::UnknownField));
                        continue;
                    }
                    match o.get("source") {
                        None | Some(Value::Null) => {}
                        Some(Value::String(s)) if s == CURRENT_SOURCE || (s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit())) => {}
                        Some(_) => {
                            errors.push(FieldError::new(format!("{at}.source"), Rule::Type { expected: "fingerprint" }));
                            continue;
                        }
                    }
                    (o.get("text").cloned().unwrap_or(Value::Null), o.get("source").and_then(Value::as_str).map(String::from))
                }
                _ => {
                    errors.push(FieldError::new(at, Rule::Type { expected: "string" }));
                    continue;
                }
            };
            let mut field_errors = vec![];
            let (checked, _) = crate::validate::check_field(def, text, true, &mut field_errors);
            for mut e in field_errors {
                e.field = at.clone();
                errors.push(e);
            }
            if let Some(t) = checked {
                kept.insert(
                    key.clone(),
                    match source {
                        Some(s) => serde_json::json!({"text": t, "source": s}),
                        None => t,
                    },
                );
            }
        }
        if !kept.is_empty() {
            out.insert(lang.clone(), Value::Object(kept));
        }
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::{check, Mode};
    use serde_json::json;

    fn content(v: Value) -> Content {
        serde_json::from_value(v).unwrap()
    }

    fn base() -> Value {
        json!({
            "name": "Risicoselectie", "description_short": "Kiest dossiers.", "organization": "Politie",
            "status": "In gebruik", "contact_email": "info@example.org", "publication_category": "Impactvolle algoritmes",
            "lang": "nld", "standard_version": "1.0",
        })
    }

    #[test]
    fn a_withheld_required_field_counts_as_answered() {
        let mut v = base();
        v["withheld"] = json!({"methods_and_models": {"ground": "woo-5.1.2.c", "explanation": "Zou opsporing hinderen."}});
        let c = check(StandardVersion::V1_0, &content(v), Mode::Complete);
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        assert_eq!(withheld(&c.content)[0].ground, "woo-5.1.2.c");
        // The reserved keys come after the standard's fields.
        assert_eq!(c.content.0.keys().next_back().map(String::as_str), Some("withheld"));
        let mut v = base();
        v.as_object_mut().unwrap().remove("contact_email");
        v["withheld"] = json!({"contact_email": {"ground": "woo-5.1.2.e", "explanation": "Privé."}});
        assert!(check(StandardVersion::V1_0, &content(v), Mode::Complete).errors.is_empty());
    }

    #[test]
    fn withholdings_are_checked_per_field_and_rule() {
        let mut v = base();
        v["goal"] = json!("Doel.");
        v["withheld"] = json!({
            "name": {"ground": "woo-5.1.2.c", "explanation": "x"},
            "goal": {"ground": "woo-5.1.2.c", "explanation": "x"},
            "risks": {"ground": "woo-9", "explanation": ""},
            "bogus": {"ground": "woo-5.2", "explanation": "x"},
            "source_data": "woo-5.2",
        });
        let errors: Vec<(String, &str)> =
            check(StandardVersion::V1_0, &content(v), Mode::Draft).errors.into_iter().map(|e| (e.field, e.rule.code())).collect();
        for expected in [
            ("withheld.name", "not_withholdable"),
            ("goal", "withheld_and_filled"),
            ("withheld.risks.ground", "not_in_list"),
            ("withheld.risks.explanation", "required"),
            ("withheld.bogus", "not_withholdable"),
            ("withheld.source_data", "type"),
        ] {
            assert!(errors.iter().any(|(f, r)| f == expected.0 && *r == expected.1), "{expected:?} in {errors:?}");
        }
    }

    #[test]
    fn an_older_version_withheld_and_filled_keeps_the_withholding_not_the_value() {
        // Imported or harvested in an older version, where this is not refused: the value is left out.
        let v =
            json!({"name": "Risicoselectie", "goal": "Geheim doel.", "withheld": {"goal": {"ground": "woo-5.1.2.c", "explanation": "x"}}});
        let checked = check(StandardVersion::V0_4, &content(v), Mode::Draft);
        assert!(checked.errors.is_empty(), "{:?}", checked.errors);
        assert!(checked.content.get("goal").is_none(), "{:?}", checked.content);
        assert!(checked.content.get("withheld").is_some_and(|w| w.get("goal").is_some()));
    }

    #[test]
    fn translations_are_checked_stamped_and_go_out_of_date() {
        let mut v = base();
        v["translations"] = json!({"en": {"name": "Risk selection", "status": "In use"}, "de": {"name": "x"}});
        let errors: Vec<String> = check(StandardVersion::V1_0, &content(v), Mode::Draft).errors.into_iter().map(|e| e.field).collect();
        assert_eq!(errors, ["translations.en.status", "translations.de"]);

        let mut v = base();
        v["translations"] = json!({"en": {"name": "Risk selection", "description_short": "<script>x</script>Picks files."}});
        let mut c = check(StandardVersion::V1_0, &content(v), Mode::Draft).content;
        assert_eq!(translation(&c, "en", "description_short"), Some("Picks files."));
        stamp_translations(&mut c, None);
        assert!(translations(&c).iter().all(|t| !t.out_of_date(&c)));
        // The Dutch name changes; the English one is kept as it was: out of date.
        let previous = c.clone();
        c.set("name", "Risicoselectie dossiers");
        c.0.get_mut("translations").unwrap()["en"]["name"] = json!("Risk selection");
        stamp_translations(&mut c, Some(&previous));
        let stale: Vec<_> = translations(&c).into_iter().filter(|t| t.out_of_date(&c)).map(|t| t.field).collect();
        assert_eq!(stale, ["name"]);
        confirm_translation(&mut c, "en", "name");
        assert!(translations(&c).iter().all(|t| !t.out_of_date(&c)));
        // Round trip: the stamped form is accepted as input unchanged.
        let again = check(StandardVersion::V1_0, &c, Mode::Draft);
        assert!(again.errors.is_empty(), "{:?}", again.errors);
        assert_eq!(again.content, c);
    }

    #[test]
    fn extra_fields_are_checked_like_the_standards() {
        let mut v = base();
        v["eu_database_url"] = json!("not a link");
        v["cost"] = json!("€ 120.000 per jaar");
        let c = check(StandardVersion::V1_0, &content(v), Mode::Draft);
        assert_eq!(c.errors.iter().map(|e| (e.field.as_str(), e.rule.code())).collect::<Vec<_>>(), [("eu_database_url", "url")]);
        assert_eq!(c.content.str("cost"), Some("€ 120.000 per jaar"));
    }

    #[test]
    fn an_adoption_takes_the_shared_part_and_keeps_the_local_one() {
        let id = crate::AlgorithmId::parse("12345672").unwrap_or_else(|_| crate::AlgorithmId::generate(|| 7));
        let mut shared = base();
        shared["organization"] = json!("Leverancier BV");
        shared["methods_and_models"] = json!("Regels en een model.");
        shared["goal"] = json!("Zaken sneller afhandelen.");
        shared["shared"] = json!(true);
        shared["translations"] = json!({"en": {"methods_and_models": "Rules and a model.", "goal": "Faster."}});
        let mut local =
            json!({"organization": "Gemeente Zeist", "goal": "Vergunningen sneller verlenen.", "methods_and_models": "eigen tekst"});
        local["withheld"] = json!({"human_intervention": {"ground": "woo-5.2", "explanation": "x"}});
        let out = adopt(&content(shared), id, 3, &content(local));
        assert_eq!(out.str("organization"), Some("Gemeente Zeist"));
        assert_eq!(out.str("goal"), Some("Vergunningen sneller verlenen."));
        assert_eq!(out.str("methods_and_models"), Some("Regels en een model."), "the shared part follows the shared registration");
        assert_eq!(out.str("name"), Some("Risicoselectie"), "an empty local field starts from the shared text");
        assert!(is_withheld(&out, "human_intervention") && !is_shared(&out));
        assert_eq!(translation(&out, "en", "methods_and_models"), Some("Rules and a model."));
        assert_eq!(translation(&out, "en", "goal"), None, "a local translation is the adopter's own");
        assert_eq!(adopts(&out), Some((id, Some(3))));
        let checked = check(StandardVersion::V1_0, &out, Mode::Complete);
        assert!(checked.errors.is_empty(), "{:?}", checked.errors);
        let mut both = out.clone();
        both.set("shared", true);
        assert!(check(StandardVersion::V1_0, &both, Mode::Draft).errors.iter().any(|e| e.rule.code() == "shared_and_adopting"));
        let mut bad = out;
        bad.set("adopts", json!({"record": "123", "version": 0}));
        let fields: Vec<String> = check(StandardVersion::V1_0, &bad, Mode::Draft).errors.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["adopts.record"]);
    }

    #[test]
    fn counts_by_ground() {
        let mut v = base();
        v["withheld"] =
            json!({"goal": {"ground": "woo-5.1.2.c", "explanation": "x"}, "risks": {"ground": "woo-5.1.2.c", "explanation": "x"}});
        let c = content(v);
        let counts = count_by_ground([&c]);
        assert_eq!(counts.len(), 1);
        assert_eq!((counts[0].0.code, counts[0].1), ("woo-5.1.2.c", 2));
    }
}

//! Carrying a registration written in an older version of the standard (0.1, 0.2.3, 0.3.1, 0.4) over
//! to 1.0, field by field. [`MAPPING`] is the documented table; [`to_current`] applies it and reports
//! every move, and every value that has no place in 1.0 (nothing is dropped silently: the editor sees
//! those values and decides).

use crate::codes::{STATUSES, THEMES};
use crate::content::Content;
use crate::sanitize::plain_text;
use crate::versions::StandardVersion;
use serde::Serialize;
use serde_json::{json, Value};

/// What happens to an old field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum How {
    /// Same key and meaning in 1.0.
    Same,
    /// Added to a 1.0 text field as a paragraph that starts with the old field's label.
    Append { to: &'static str, label: &'static str },
    /// Becomes the 1.0 field when that is still empty; otherwise it is left for the editor.
    IfEmpty { to: &'static str },
    /// Turned into an entry of a 1.0 link grouping (`title` + `link`).
    Link { to: &'static str, title: &'static str },
    /// "Ja" becomes an entry with this title in `impacttoetsen_grouping`.
    Assessment { title: &'static str },
    /// A converted value (code lists, languages); what cannot be converted is left for the editor.
    Convert { to: &'static str },
    /// No place in 1.0: shown to the editor, not carried over.
    None,
}

/// The table: old key → what happens to it. Keys not listed are not part of any older version.
pub const MAPPING: &[(&str, How)] = &[
    ("name", How::Same),
    ("organization", How::Same),
    ("department", How::Append { to: "tags", label: "Afdeling" }),
    ("description_short", How::Same),
    ("type", How::Append { to: "methods_and_models", label: "Type algoritme" }),
    ("category", How::Convert { to: "category" }),
    ("website", How::Same),
    ("status", How::Convert { to: "status" }),
    ("begin_date", How::Same),
    ("end_date", How::Same),
    ("goal", How::Same),
    ("impact", How::Append { to: "goal", label: "Impact" }),
    ("proportionality", How::Same),
    ("decision_making_process", How::Append { to: "human_intervention", label: "Besluitvormingsproces" }),
    ("documentation", How::IfEmpty { to: "website" }),
    ("description", How::Append { to: "methods_and_models", label: "Omschrijving" }),
    ("application_url", How::Append { to: "methods_and_models", label: "Link naar ontwikkelaar" }),
    ("publiccode", How::Same),
    ("mprd", How::Append { to: "source_data", label: "Koppeling met basisregistraties" }),
    ("source_data", How::Same),
    ("source_data_link", How::Link { to: "source_data_grouping", title: "Databronnen" }),
    ("methods_and_models", How::Same),
    ("monitoring", How::Append { to: "risks", label: "Monitoring" }),
    ("human_intervention", How::Same),
    ("risks", How::Same),
    ("performance_standard", How::Append { to: "methods_and_models", label: "Prestatienormen" }),
    ("provider", How::Same),
    ("process_index_url", How::Same),
    ("competent_authority", How::Append { to: "lawful_basis", label: "Bevoegde autoriteit" }),
    ("lawful_basis", How::Same),
    ("lawful_basis_link", How::Link { to: "lawful_basis_grouping", title: "Wettelijke grondslag" }),
    ("iama", How::Assessment { title: "Impact Assessment Mensenrechten en Algoritmes (IAMA)" }),
    ("iama_description", How::Append { to: "impacttoetsen", label: "IAMA" }),
    ("dpia", How::Assessment { title: "Data Protection Impact Assessment (DPIA)" }),
    ("dpia_description", How::Append { to: "impacttoetsen", label: "DPIA" }),
    ("impacttoetsen", How::Convert { to: "impacttoetsen_grouping" }),
    ("objection_procedure", How::Append { to: "human_intervention", label: "Bezwaarprocedure" }),
    ("url", How::Same),
    ("contact_email", How::Same),
    ("area", How::Append { to: "tags", label: "Gebied" }),
    ("lang", How::Convert { to: "lang" }),
    ("standard_version", How::Convert { to: "standard_version" }),
    ("uuid", How::IfEmpty { to: "source_id" }),
    ("source_id", How::Same),
    ("revision_date", How::None),
    ("tags", How::Same),
];

/// One field's fate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Move {
    pub from: String,
    /// The 1.0 field it went to; `None` when it has no place (see `value`).
    pub to: Option<String>,
    pub how: How,
    /// The old value as plain text, for fields that were not carried over.
    pub value: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CarryOver {
    pub content: Content,
    pub moves: Vec<Move>,
}

impl CarryOver {
    /// The fields with a value that could not be placed in 1.0.
    pub fn left(&self) -> impl Iterator<Item = &Move> {
        self.moves.iter().filter(|m| m.to.is_none())
    }
}

fn how_of(key: &str) -> How {
    MAPPING.iter().find(|(k, _)| *k == key).map(|(_, h)| *h).unwrap_or(How::None)
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Array(a) if !a.is_empty() => {
            Some(a.iter().map(|x| x.as_str().map(String::from).unwrap_or_else(|| x.to_string())).collect::<Vec<_>>().join(", "))
        }
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A paragraph "Label: text" (HTML kept as it was when the old value is rich text).
fn paragraph(label: &str, value: &str) -> String {
    if value.contains('<') {
        format!("<p>{label}:</p>{value}")
    } else {
        let lines: Vec<String> = value.lines().map(str::trim).filter(|l| !l.is_empty()).map(escape).collect();
        format!("<p>{label}: {}</p>", lines.join("<br>"))
    }
}

/// Adds rows `{title, link}` to a grouping field, each title once (in one pass: an old list may be long).
fn push_grouping<'a>(c: &mut Content, key: &str, rows: impl IntoIterator<Item = (&'a str, Option<&'a str>)>) {
    let mut items = match c.get(key) {
        Some(Value::Array(a)) => a.clone(),
        _ => vec![],
    };
    let mut titles: std::collections::HashSet<String> =
        items.iter().filter_map(|i| i.get("title").and_then(Value::as_str)).map(String::from).collect();
    for (title, link) in rows {
        if titles.insert(title.to_string()) {
            items.push(json!({"title": title, "link": link}));
        }
    }
    c.set(key, Value::Array(items));
}

fn lang_code(v: &str) -> Option<&'static str> {
    match v.trim().to_lowercase().as_str() {
        "nld" | "nl" | "nederlands" | "dutch" => Some("nld"),
        _ => None,
    }
}

/// Carries `content` written in `from` over to standard 1.0.
/// algoreg's own keys come along: the extra fields as they are, withholdings and translations of the
/// fields that keep their key.
fn carry_reserved(from: &Content, to: &mut Content) {
    use crate::extensions::{EXTRA_FIELDS, TRANSLATIONS, WITHHELD};
    for f in EXTRA_FIELDS {
        if let Some(v) = from.get(f.key) {
            to.set(f.key, v.clone());
        }
    }
    let same = |k: &str| how_of(k) == How::Same && StandardVersion::CURRENT.field(k).is_some();
    if let Some(Value::Object(w)) = from.get(WITHHELD) {
        let kept: serde_json::Map<String, Value> = w.iter().filter(|(k, _)| same(k)).map(|(k, v)| (k.clone(), v.clone())).collect();
        if !kept.is_empty() {
            to.set(WITHHELD, Value::Object(kept));
        }
    }
    if let Some(Value::Object(langs)) = from.get(TRANSLATIONS) {
        let mut out = serde_json::Map::new();
        for (lang, fields) in langs {
            if let Value::Object(fields) = fields {
                let kept: serde_json::Map<String, Value> =
                    fields.iter().filter(|(k, _)| same(k)).map(|(k, v)| (k.clone(), v.clone())).collect();
                if !kept.is_empty() {
                    out.insert(lang.clone(), Value::Object(kept));
                }
            }
        }
        if !out.is_empty() {
            to.set(TRANSLATIONS, Value::Object(out));
        }
    }
}

pub fn to_current(from: StandardVersion, content: &Content) -> CarryOver {
    let mut out = CarryOver::default();
    if from == StandardVersion::CURRENT {
        out.content = content.clone();
        return out;
    }
    let mut c = Content::new();
    let mut moves = vec![];
    let mut appends: Vec<(&'static str, String)> = vec![];
    // First the fields that keep their key, so IfEmpty sees them.
    for (k, v) in content.0.iter() {
        if how_of(k) == How::Same && StandardVersion::CURRENT.field(k).is_some() && text_of(v).is_some() {
            c.set(k, v.clone());
            moves.push(Move { from: k.clone(), to: Some(k.clone()), how: How::Same, value: None });
        }
    }
    for (k, v) in content.0.iter() {
        if crate::extensions::is_reserved(k) {
            continue;
        }
        let Some(text) = text_of(v) else { continue };
        let how = how_of(k);
        let left = |moves: &mut Vec<Move>| moves.push(Move { from: k.clone(), to: None, how, value: Some(plain_text(&text)) });
        match how {
            How::Same => {
                if StandardVersion::CURRENT.field(k).is_none() {
                    left(&mut moves);
                }
            }
            How::Append { to, label } => {
                appends.push((to, paragraph(label, &text)));
                moves.push(Move { from: k.clone(), to: Some(to.into()), how, value: None });
            }
            How::IfEmpty { to } => {
                if c.is_filled(to) {
                    left(&mut moves);
                } else {
                    c.set(to, plain_text(&text));
                    moves.push(Move { from: k.clone(), to: Some(to.into()), how, value: None });
                }
            }
            How::Link { to, title } => {
                push_grouping(&mut c, to, [(title, Some(text.trim()))]);
                moves.push(Move { from: k.clone(), to: Some(to.into()), how, value: None });
            }
            How::Assessment { title } => {
                if matches!(text.trim().to_lowercase().as_str(), "ja" | "yes" | "true") {
                    push_grouping(&mut c, "impacttoetsen_grouping", [(title, None)]);
                    moves.push(Move { from: k.clone(), to: Some("impacttoetsen_grouping".into()), how, value: None });
                } else {
                    // "Nee" says no assessment was done: nothing to carry, but the editor is told.
                    left(&mut moves);
                }
            }
            How::Convert { to } => match *k {
                _ if to == "category" => {
                    let items: Vec<String> = match v {
                        Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(String::from)).collect(),
                        _ => text.split([',', ';']).map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
                    };
                    let (known, other): (Vec<String>, Vec<String>) = items.into_iter().partition(|i| THEMES.contains(&i.as_str()));
                    if !known.is_empty() {
                        c.set("category", json!(known));
                        moves.push(Move { from: k.clone(), to: Some("category".into()), how, value: None });
                    }
                    if !other.is_empty() {
                        moves.push(Move { from: k.clone(), to: None, how, value: Some(other.join(", ")) });
                    }
                }
                _ if to == "status" => match STATUSES.iter().find(|s| s.eq_ignore_ascii_case(text.trim())) {
                    Some(s) => {
                        c.set("status", *s);
                        moves.push(Move { from: k.clone(), to: Some("status".into()), how, value: None });
                    }
                    None => left(&mut moves),
                },
                _ if to == "lang" => match lang_code(&text) {
                    Some(l) => {
                        c.set("lang", l);
                        moves.push(Move { from: k.clone(), to: Some("lang".into()), how, value: None });
                    }
                    None => left(&mut moves),
                },
                _ if to == "impacttoetsen_grouping" => {
                    let titles: Vec<String> = match v {
                        Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(String::from)).collect(),
                        _ => vec![text.clone()],
                    };
                    let rows = titles.iter().map(|t| t.trim()).filter(|t| !t.is_empty()).map(|t| (t, None));
                    push_grouping(&mut c, "impacttoetsen_grouping", rows);
                    moves.push(Move { from: k.clone(), to: Some("impacttoetsen_grouping".into()), how, value: None });
                }
                _ => {} // standard_version: set below
            },
            How::None => left(&mut moves),
        }
    }
    for (to, p) in appends {
        let joined = match c.str(to) {
            Some(existing) if !existing.trim().is_empty() => {
                let existing = if existing.contains('<') { existing.to_string() } else { paragraph_plain(existing) };
                format!("{existing}{p}")
            }
            _ => p,
        };
        c.set(to, joined);
    }
    carry_reserved(content, &mut c);
    c.set("standard_version", StandardVersion::CURRENT.as_str());
    if !c.is_filled("lang") {
        c.set("lang", "nld");
    }
    moves.sort_by(|a, b| a.from.cmp(&b.from));
    out.content = c;
    out.moves = moves;
    out
}

fn paragraph_plain(s: &str) -> String {
    let lines: Vec<String> = s.lines().map(str::trim).filter(|l| !l.is_empty()).map(escape).collect();
    format!("<p>{}</p>", lines.join("<br>"))
}

/// The carry-over table in Markdown (for docs/COMPATIBILITY.md).
pub fn markdown() -> String {
    let mut out = String::from("| field in 0.1–0.4 | in 1.0 |\n|---|---|\n");
    for (k, how) in MAPPING {
        let to = match how {
            How::Same => "the same field".to_string(),
            How::Append { to, label } => format!("added to `{to}` as a paragraph \"{label}: …\""),
            How::IfEmpty { to } => format!("`{to}` when that is empty; otherwise shown to the editor"),
            How::Link { to, title } => format!("an entry \"{title}\" with this link in `{to}`"),
            How::Assessment { title } => format!("\"Ja\": an entry \"{title}\" in `impacttoetsen_grouping`; otherwise shown to the editor"),
            How::Convert { to } => format!("`{to}`, converted (values outside 1.0's code list are shown to the editor)"),
            How::None => "no place in 1.0: shown to the editor".to_string(),
        };
        out.push_str(&format!("| `{k}` | {to} |\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn content(v: Value) -> Content {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn every_field_of_every_older_version_has_a_rule() {
        for v in StandardVersion::ALL.iter().filter(|v| **v != StandardVersion::CURRENT) {
            for f in v.fields() {
                assert!(MAPPING.iter().any(|(k, _)| *k == f.key), "{} of {} has no rule", f.key, v.as_str());
            }
        }
        for (k, how) in MAPPING {
            let target = match how {
                How::Same => Some(*k),
                How::Append { to, .. } | How::IfEmpty { to } | How::Link { to, .. } | How::Convert { to } => Some(*to),
                How::Assessment { .. } => Some("impacttoetsen_grouping"),
                How::None => None,
            };
            if let Some(t) = target {
                assert!(StandardVersion::CURRENT.field(t).is_some(), "{k} → {t}: not a 1.0 field");
            }
        }
    }

    #[test]
    fn a_long_list_of_assessments_is_carried_over_once_each() {
        let titles: Vec<String> = (0..20_000).map(|i| format!("Toets {}", i % 10_000)).collect();
        let old = content(json!({"name": "Lang", "impacttoetsen": titles, "standard_version": "0.4"}));
        let r = to_current(StandardVersion::V0_4, &old);
        let rows = r.content.get("impacttoetsen_grouping").and_then(Value::as_array).unwrap();
        assert_eq!(rows.len(), 10_000, "each title once");
        assert_eq!(rows[1], json!({"title": "Toets 1", "link": null}));
    }

    #[test]
    fn v0_1_record_is_carried_over_without_loss() {
        let old = content(json!({
            "name": "Parkeercontrole", "organization": "Gemeente Rotterdam", "department": "Stadsbeheer",
            "description_short": "Scanauto's controleren parkeerrechten.", "type": "Zelflerend", "category": "Verkeer, Handhaving",
            "status": "In gebruik", "goal": "Leefbare stad.", "impact": "Boetes\nvoor overtreders", "competent_authority": "College",
            "dpia": "Ja", "iama": "Nee", "lang": "Nederlands", "uuid": "79ce4e44", "revision_date": "2023-01", "standard_version": "0.1"
        }));
        let r = to_current(StandardVersion::V0_1, &old);
        let c = &r.content;
        assert_eq!(c.str("standard_version"), Some("1.0"));
        assert_eq!(c.str("lang"), Some("nld"));
        assert_eq!(c.get("category"), Some(&json!(["Verkeer"])));
        assert_eq!(c.str("goal"), Some("<p>Leefbare stad.</p><p>Impact: Boetes<br>voor overtreders</p>"));
        assert!(c.str("methods_and_models").unwrap().contains("Type algoritme: Zelflerend"));
        assert!(c.str("lawful_basis").unwrap().contains("Bevoegde autoriteit: College"));
        assert_eq!(c.get("impacttoetsen_grouping"), Some(&json!([{"title": "Data Protection Impact Assessment (DPIA)", "link": null}])));
        assert_eq!(c.str("source_id"), Some("79ce4e44"));
        assert!(c.str("tags").unwrap().contains("Afdeling: Stadsbeheer"));
        let left: Vec<(&str, &str)> = r.left().map(|m| (m.from.as_str(), m.value.as_deref().unwrap_or(""))).collect();
        assert_eq!(left, vec![("category", "Handhaving"), ("iama", "Nee"), ("revision_date", "2023-01")]);
        // Every old field with a value is accounted for.
        for k in old.0.keys() {
            assert!(r.moves.iter().any(|m| &m.from == k) || k == "standard_version", "{k} unaccounted");
        }
        // And the result passes the structural rules of 1.0.
        let checked = crate::validate::check(StandardVersion::CURRENT, c, crate::validate::Mode::Draft);
        assert!(!checked.has_structural(), "{:?}", checked.errors);
    }

    #[test]
    fn v0_4_lists_and_links() {
        let old = content(json!({
            "name": "X", "category": ["Werk", "Onbekend"], "impacttoetsen": ["IAMA", "DPIA"],
            "lawful_basis_link": "https://wetten.overheid.nl/x", "source_data_link": "https://data.overheid.nl/y"
        }));
        let r = to_current(StandardVersion::V0_4, &old);
        assert_eq!(r.content.get("category"), Some(&json!(["Werk"])));
        assert_eq!(r.content.get("impacttoetsen_grouping").and_then(Value::as_array).map(Vec::len), Some(2));
        assert_eq!(
            r.content.get("lawful_basis_grouping"),
            Some(&json!([{"title": "Wettelijke grondslag", "link": "https://wetten.overheid.nl/x"}]))
        );
        assert_eq!(r.left().count(), 1);
    }

    proptest! {
        #[test]
        fn never_panics_and_always_ends_in_1_0(keys in proptest::collection::vec(proptest::sample::select(MAPPING.iter().map(|(k, _)| *k).collect::<Vec<_>>()), 0..12), text in ".{0,40}") {
            let mut c = Content::new();
            for k in keys {
                c.set(k, text.clone());
            }
            for v in StandardVersion::ALL.into_iter().filter(|v| *v != StandardVersion::CURRENT) {
                let r = to_current(v, &c);
                prop_assert_eq!(r.content.str("standard_version"), Some("1.0"));
            }
        }
    }
}

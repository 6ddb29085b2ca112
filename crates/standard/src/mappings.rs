//! Field maps from a standard-1.0 registration to other standards, each a documented table:
//! * the UK Algorithmic Transparency Recording Standard (ATRS) 3.0;
//! * the older consortium standard 0.3.1 (Amsterdam, Utrecht and other cities);
//! * the EU AI Act database registration of a public-body deployer (Annex VIII, section C).
//!
//! Every target field is listed; fields that a registration cannot fill say so ([`Src::None`]) and are
//! reported per record as `unfilled`. Pure: content and record facts in, a JSON object out.

use crate::codes::english_value;
use crate::content::Content;
use crate::sanitize::plain_text;
use serde_json::{json, Map, Value};

/// Facts about the record that are not in its content.
#[derive(Debug, Clone, Default)]
pub struct RecordFacts {
    pub id: String,
    pub org_name: String,
    /// The organisation type in English ("Municipality").
    pub org_type_en: String,
    /// The organisation's contact details (address, telephone), when known.
    pub org_contact: Option<String>,
    /// Date (yyyy-mm-dd) the current version was published.
    pub published: String,
    /// Date (yyyy-mm-dd) the record was first published.
    pub first_published: String,
}

/// Where a target field's value comes from.
#[derive(Debug, Clone, Copy)]
pub enum Src {
    /// A 1.0 field, as plain text.
    Field(&'static str),
    /// Several 1.0 fields, as plain text paragraphs in this order.
    Fields(&'static [&'static str]),
    /// The titles (or links) of a link grouping, joined by "; ".
    Titles(&'static str),
    Links(&'static str),
    /// Whether a 1.0 field is filled: "Yes" / "No".
    YesNo(&'static str),
    /// The impact-assessment text and link when the grouping names one whose title contains one of these.
    Assessment(&'static [&'static str]),
    AssessmentLink(&'static [&'static str]),
    /// A 1.0 field through a code-list conversion.
    Convert(&'static str, fn(&str) -> Option<&'static str>),
    Id,
    OrgName,
    OrgTypeEn,
    OrgContact,
    Published,
    FirstPublished,
    Const(&'static str),
    /// Cannot be filled from a registration.
    None,
}

pub struct Target {
    pub key: &'static str,
    pub src: Src,
}

const fn t(key: &'static str, src: Src) -> Target {
    Target { key, src }
}

pub struct Mapping {
    /// Name used on the command line and in URLs.
    pub name: &'static str,
    pub title: &'static str,
    pub targets: &'static [Target],
}

fn atrs_phase(status: &str) -> Option<&'static str> {
    match status {
        "In ontwikkeling" => Some("Design and development"),
        "In gebruik" => Some("Production"),
        "Buiten gebruik" => Some("Retired"),
        _ => None,
    }
}

fn english(v: &str) -> Option<&'static str> {
    crate::codes::THEMES.iter().find(|t| **t == v).map(|t| english_value(t))
}

fn consortium_status(status: &str) -> Option<&'static str> {
    match status {
        "In ontwikkeling" => Some("ontwikkeling"),
        "In gebruik" => Some("operationeel"),
        "Buiten gebruik" => Some("beëindigd"),
        _ => None,
    }
}

fn consortium_domain(theme: &str) -> Option<&'static str> {
    Some(match theme {
        "Organisatie en bedrijfsvoering" => "overheid, bestuur en koninkrijk",
        "Cultuur en recreatie" => "cultuur, sport en vrije tijd",
        "Economie" => "economie en ondernemen",
        "Overheidsfinanciën" => "financiën",
        "Wonen" => "bouwen, wonen en leefomgeving",
        "Internationaal" => "internationale- en ontwikkelingssamenwerking",
        "Migratie en integratie" => "immigratie, integratie en inburgering",
        "Natuur en milieu" | "Ruimte en infrastructuur" => "milieu, ruimte en water",
        "Onderwijs en wetenschap" => "onderwijs en wetenschap",
        "Openbare orde en veiligheid" => "openbare orde en veiligheid",
        "Recht" => "rechtspraak",
        "Sociale zekerheid" => "subsidies, uitkeringen en toeslagen",
        "Verkeer" => "verkeer en vervoer",
        "Werk" => "werk en loopbaan",
        "Zorg en gezondheid" => "gezondheid en zorg",
        _ => return None,
    })
}

fn lang_iso(v: &str) -> Option<&'static str> {
    (v == "nld").then_some("nl")
}

const FRIA: &[&str] = &["FRIA", "IAMA", "FRAIA", "Fundamental Rights", "Mensenrechten"];
const DPIA: &[&str] = &["DPIA"];

/// UK ATRS 3.0: every attribute of `atrs_v3.0_fields.csv`.
pub static ATRS: Mapping = Mapping {
    name: "uk-atrs",
    title: "UK Algorithmic Transparency Recording Standard 3.0",
    targets: &[
        t("id", Src::Id),
        t("standard_version", Src::Const("3.0")),
        t("organisation_type", Src::OrgTypeEn),
        t("function", Src::Convert("category", english)),
        t("capability", Src::None),
        t("task", Src::None),
        t("tags", Src::Field("tags")),
        t("date_of_completion", Src::FirstPublished),
        t("date_updated", Src::Published),
        t("date_archived", Src::Field("end_date")),
        t("title", Src::Field("name")),
        t("organisation_name", Src::OrgName),
        t("phase", Src::Convert("status", atrs_phase)),
        t("region", Src::None),
        t("one_sentence_description", Src::Field("description_short")),
        t("name", Src::Field("name")),
        t("description", Src::Field("description_short")),
        t("website_url", Src::Field("website")),
        t("contact_email", Src::Field("contact_email")),
        t("organisation_or_department", Src::Field("organization")),
        t("team", Src::None),
        t("senior_responsible_owner", Src::None),
        t("external_supplier_involvement", Src::YesNo("provider")),
        t("external_supplier", Src::Field("provider")),
        t("companies_house_number", Src::None),
        t("external_supplier_role", Src::None),
        t("procurement_procedure_type", Src::None),
        t("data_access_terms", Src::None),
        t("detailed_description", Src::Field("methods_and_models")),
        t("scope", Src::Field("description_short")),
        t("benefit", Src::Field("goal")),
        t("previous_process", Src::None),
        t("alternatives_considered", Src::Field("proportionality")),
        t("process_integration", Src::None),
        t("provided_information", Src::None),
        t("frequency_and_scale_of_usage", Src::None),
        t("human_decisions_and_review", Src::Field("human_intervention")),
        t("required_training", Src::None),
        t("appeals_and_review", Src::None),
        t("system_architecture", Src::None),
        t("maintenance", Src::None),
        t("models", Src::None),
        t("model_name", Src::None),
        t("model_version", Src::None),
        t("model_task", Src::None),
        t("model_input", Src::None),
        t("model_output", Src::None),
        t("model_architecture", Src::None),
        t("model_performance", Src::None),
        t("datasets", Src::Titles("source_data_grouping")),
        t("dataset_purposes", Src::None),
        t("source_data_name", Src::Titles("source_data_grouping")),
        t("data_modality", Src::None),
        t("data_description", Src::Field("source_data")),
        t("data_quantities", Src::None),
        t("sensitive_attributes", Src::None),
        t("data_completeness_and_representativeness", Src::None),
        t("source_data_url", Src::Links("source_data_grouping")),
        t("data_collection", Src::None),
        t("data_cleaning", Src::None),
        t("data_sharing_agreements", Src::None),
        t("data_access_and_storage", Src::None),
        t("impact_assessment", Src::Fields(&["impacttoetsen"])),
        t("risks_and_mitigations", Src::Field("risks")),
    ],
};

/// The consortium standard 0.3.1: every attribute of `schema-v0_3_1.yaml`.
pub static CONSORTIUM: Mapping = Mapping {
    name: "consortium-0.3.1",
    title: "Algoritmeregister-standaard 0.3.1 (consortium)",
    targets: &[
        t("name", Src::Field("name")),
        t("description_short", Src::Field("description_short")),
        t("organization", Src::Field("organization")),
        t("department", Src::None),
        t("contact_email", Src::Field("contact_email")),
        t("contact_phone", Src::None),
        t("contact_name", Src::None),
        t("area", Src::None),
        t("domain", Src::Convert("category", consortium_domain)),
        t("website", Src::Field("website")),
        t("status", Src::Convert("status", consortium_status)),
        t("remark", Src::None),
        t("decision_making_process", Src::Field("human_intervention")),
        t("goal", Src::Field("goal")),
        t("impact", Src::None),
        t("risks", Src::Field("risks")),
        t("risk_category", Src::None),
        t("proportionality", Src::Field("proportionality")),
        t("lawful_basis", Src::Fields(&["lawful_basis"])),
        t("documentation", Src::Field("url")),
        t("training_data", Src::None),
        t("source_data", Src::Field("source_data")),
        t("data_bias", Src::None),
        t("connected_data_sources", Src::Titles("source_data_grouping")),
        t("DPIA_description", Src::Assessment(DPIA)),
        t("DPIA_url", Src::AssessmentLink(DPIA)),
        t("algorithm_type", Src::None),
        t("description", Src::Field("goal")),
        t("methods_and_models", Src::Field("methods_and_models")),
        t("performance", Src::None),
        t("alternatives_considered", Src::None),
        t("product_information", Src::Field("provider")),
        t("codebase_url", Src::Field("publiccode")),
        t("product_page", Src::None),
        t("AIA_description", Src::Assessment(FRIA)),
        t("AIA_url", Src::AssessmentLink(FRIA)),
        t("monitoring", Src::None),
        t("type", Src::None),
        t("human_intervention", Src::Field("human_intervention")),
        t("objection_procedure", Src::None),
        t("rollback", Src::None),
        t("standard_version", Src::Const("0.3.1")),
        t("uuid", Src::None),
        t("lang", Src::Convert("lang", lang_iso)),
        t("publication_date", Src::FirstPublished),
        t("last_change_date", Src::Published),
        t("revision_date", Src::None),
        t("revision_note", Src::None),
        t("keywords", Src::Field("tags")),
    ],
};

/// EU database, Annex VIII section C (a deployer that is a public authority), items 1 to 5, with the
/// registration's name and purpose to identify the system.
pub static EU_DATABASE: Mapping = Mapping {
    name: "eu-database",
    title: "EU AI Act database: deployer registration (Annex VIII, section C)",
    targets: &[
        t("ai_system_name", Src::Field("name")),
        t("intended_purpose", Src::Field("goal")),
        t("c1_deployer_name", Src::OrgName),
        t("c1_deployer_address", Src::OrgContact),
        t("c1_deployer_contact", Src::Field("contact_email")),
        t("c2_submitter_name", Src::None),
        t("c2_submitter_address", Src::None),
        t("c2_submitter_contact", Src::None),
        t("c3_provider_entry_url", Src::Field("eu_database_url")),
        t("c4_fundamental_rights_impact_assessment_summary", Src::Assessment(FRIA)),
        t("c5_data_protection_impact_assessment_summary", Src::Assessment(DPIA)),
        t("provider", Src::Field("provider")),
        t("national_register_id", Src::Id),
    ],
};

pub static ALL: &[&Mapping] = &[&ATRS, &CONSORTIUM, &EU_DATABASE];

pub fn by_name(name: &str) -> Option<&'static Mapping> {
    ALL.iter().copied().find(|m| m.name == name)
}

fn plain(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(plain_text(s)).filter(|s| !s.is_empty()),
        Value::Array(a) => {
            let parts: Vec<String> = a.iter().filter_map(|x| x.as_str()).map(plain_text).filter(|s| !s.is_empty()).collect();
            (!parts.is_empty()).then(|| parts.join("; "))
        }
        _ => None,
    }
}

fn grouping<'a>(c: &'a Content, key: &str) -> impl Iterator<Item = &'a Value> {
    c.get(key).and_then(Value::as_array).into_iter().flatten()
}

fn assessment<'a>(c: &'a Content, names: &[&str]) -> Option<&'a Value> {
    grouping(c, "impacttoetsen_grouping").find(|i| {
        i.get("title").and_then(Value::as_str).is_some_and(|t| names.iter().any(|n| t.to_lowercase().contains(&n.to_lowercase())))
    })
}

fn value(src: Src, c: &Content, f: &RecordFacts) -> Option<String> {
    let nonempty = |s: &str| (!s.trim().is_empty()).then(|| s.to_string());
    match src {
        Src::Field(k) => c.get(k).and_then(plain),
        Src::Fields(ks) => {
            let parts: Vec<String> = ks.iter().filter_map(|k| c.get(k).and_then(plain)).collect();
            (!parts.is_empty()).then(|| parts.join("\n\n"))
        }
        Src::Titles(k) | Src::Links(k) => {
            let field = if matches!(src, Src::Titles(_)) { "title" } else { "link" };
            let parts: Vec<&str> = grouping(c, k).filter_map(|i| i.get(field).and_then(Value::as_str)).filter(|s| !s.is_empty()).collect();
            (!parts.is_empty()).then(|| parts.join("; "))
        }
        Src::YesNo(k) => Some(if c.is_filled(k) { "Yes" } else { "No" }.to_string()),
        Src::Assessment(names) => assessment(c, names).map(|a| {
            let title = a.get("title").and_then(Value::as_str).unwrap_or("");
            match c.get("impacttoetsen").and_then(plain) {
                Some(text) => format!("{title}: {text}"),
                None => title.to_string(),
            }
        }),
        Src::AssessmentLink(names) => assessment(c, names).and_then(|a| a.get("link")).and_then(Value::as_str).and_then(nonempty),
        Src::Convert(k, conv) => {
            let items: Vec<&str> = match c.get(k) {
                Some(Value::String(s)) => vec![s.as_str()],
                Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            let out: Vec<&str> = items.into_iter().filter_map(conv).collect();
            (!out.is_empty()).then(|| out.join("; "))
        }
        Src::Id => nonempty(&f.id),
        Src::OrgName => nonempty(&f.org_name),
        Src::OrgTypeEn => nonempty(&f.org_type_en),
        Src::OrgContact => f.org_contact.as_deref().and_then(nonempty),
        Src::Published => nonempty(&f.published),
        Src::FirstPublished => nonempty(&f.first_published),
        Src::Const(v) => Some(v.to_string()),
        Src::None => None,
    }
}

/// Maps one registration: `{"mapping", "title", "record", "fields": {...}, "unfilled": [...]}`.
/// Every target key is present in `fields` (null when unfilled), in the table's order.
pub fn apply(m: &Mapping, content: &Content, facts: &RecordFacts) -> Value {
    let mut fields = Map::new();
    let mut unfilled = vec![];
    for tg in m.targets {
        if fields.contains_key(tg.key) {
            continue;
        }
        match value(tg.src, content, facts) {
            Some(v) => {
                fields.insert(tg.key.to_string(), json!(v));
            }
            None => {
                fields.insert(tg.key.to_string(), Value::Null);
                unfilled.push(tg.key);
            }
        }
    }
    json!({"mapping": m.name, "title": m.title, "record": facts.id, "fields": fields, "unfilled": unfilled})
}

/// The documentation table of a mapping, in Markdown.
pub fn markdown(m: &Mapping) -> String {
    let mut out = format!("### {} (`{}`)\n\n| target field | from the registration (standard 1.0) |\n|---|---|\n", m.title, m.name);
    for tg in m.targets {
        let src = match tg.src {
            Src::Field(k) => format!("`{k}`"),
            Src::Fields(ks) => ks.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(" + "),
            Src::Titles(k) => format!("titles of `{k}`"),
            Src::Links(k) => format!("links of `{k}`"),
            Src::YesNo(k) => format!("Yes when `{k}` is filled, else No"),
            Src::Assessment(n) => format!("`impacttoetsen` text, when `impacttoetsen_grouping` names {}", n.join("/")),
            Src::AssessmentLink(n) => format!("link of the {} entry in `impacttoetsen_grouping`", n.join("/")),
            Src::Convert(k, _) => format!("`{k}`, converted to the target's code list"),
            Src::Id => "the algorithm ID".into(),
            Src::OrgName => "the organisation's name".into(),
            Src::OrgTypeEn => "the organisation type (English)".into(),
            Src::OrgContact => "the organisation's contact details".into(),
            Src::Published => "date the current version was published".into(),
            Src::FirstPublished => "date of first publication".into(),
            Src::Const(v) => format!("always `{v}`"),
            Src::None => "**cannot be filled** (not in the standard)".into(),
        };
        out.push_str(&format!("| `{}` | {} |\n", tg.key, src));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_source_field_exists_in_1_0_or_is_algoregs_own() {
        for m in ALL {
            for tg in m.targets {
                let keys: Vec<&str> = match tg.src {
                    Src::Field(k) | Src::Titles(k) | Src::Links(k) | Src::YesNo(k) | Src::Convert(k, _) => vec![k],
                    Src::Fields(ks) => ks.to_vec(),
                    _ => vec![],
                };
                for k in keys {
                    let extra = crate::extensions::EXTRA_FIELDS.iter().any(|f| f.key == k);
                    assert!(crate::StandardVersion::CURRENT.field(k).is_some() || extra, "{}: {} ← {k}", m.name, tg.key);
                }
            }
        }
    }

    #[test]
    fn maps_a_registration() {
        let c: Content = serde_json::from_value(json!({
            "name": "Parkeervergunningen", "description_short": "<p>Toetst aanvragen.</p>", "category": ["Verkeer", "Werk"],
            "status": "In gebruik", "provider": "Leverancier BV", "contact_email": "a@b.nl", "lang": "nld",
            "impacttoetsen_grouping": [{"title": "Data Protection Impact Assessment (DPIA)", "link": "https://x.nl/dpia"}],
            "impacttoetsen": "<p>Uitgevoerd in 2023.</p>"
        }))
        .unwrap();
        let f = RecordFacts {
            id: "12345674".into(),
            org_name: "Gemeente Zeist".into(),
            org_type_en: "Municipality".into(),
            ..Default::default()
        };
        let atrs = apply(&ATRS, &c, &f);
        assert_eq!(atrs["fields"]["phase"], "Production");
        assert_eq!(atrs["fields"]["function"], "Traffic; Work");
        assert_eq!(atrs["fields"]["one_sentence_description"], "Toetst aanvragen.");
        assert_eq!(atrs["fields"]["external_supplier_involvement"], "Yes");
        assert!(atrs["unfilled"].as_array().unwrap().iter().any(|u| u == "team"));
        let cons = apply(&CONSORTIUM, &c, &f);
        assert_eq!(cons["fields"]["domain"], "verkeer en vervoer; werk en loopbaan");
        assert_eq!(cons["fields"]["status"], "operationeel");
        assert_eq!(cons["fields"]["DPIA_url"], "https://x.nl/dpia");
        assert_eq!(cons["fields"]["lang"], "nl");
        let eu = apply(&EU_DATABASE, &c, &f);
        assert_eq!(
            eu["fields"]["c5_data_protection_impact_assessment_summary"],
            "Data Protection Impact Assessment (DPIA): Uitgevoerd in 2023."
        );
        assert_eq!(eu["fields"]["c4_fundamental_rights_impact_assessment_summary"], Value::Null);
        assert!(markdown(&EU_DATABASE).contains("| `c2_submitter_name` | **cannot be filled**"));
        let mut with_entry = c.clone();
        with_entry.set("eu_database_url", "https://ec.europa.eu/ai-database/entry/123");
        assert_eq!(apply(&EU_DATABASE, &with_entry, &f)["fields"]["c3_provider_entry_url"], "https://ec.europa.eu/ai-database/entry/123");
    }
}

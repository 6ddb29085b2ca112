//! Code lists of the standard (facts taken from the register's configuration).

/// Themes ("Thema") of standard 1.0: the government's policy areas.
pub const THEMES: &[&str] = &[
    "Organisatie en bedrijfsvoering",
    "Cultuur en recreatie",
    "Economie",
    "Overheidsfinanciën",
    "Wonen",
    "Internationaal",
    "Migratie en integratie",
    "Natuur en milieu",
    "Onderwijs en wetenschap",
    "Openbare orde en veiligheid",
    "Recht",
    "Ruimte en infrastructuur",
    "Sociale zekerheid",
    "Verkeer",
    "Werk",
    "Zorg en gezondheid",
];

pub const STATUS_IN_DEVELOPMENT: &str = "In ontwikkeling";
pub const STATUS_IN_USE: &str = "In gebruik";
pub const STATUS_OUT_OF_USE: &str = "Buiten gebruik";
/// Status of an algorithm.
pub const STATUSES: &[&str] = &[STATUS_IN_DEVELOPMENT, STATUS_IN_USE, STATUS_OUT_OF_USE];

/// Publication categories A, B and C.
pub const PUBLICATION_CATEGORIES: &[&str] = &["Hoog-risico AI-systeem", "Impactvolle algoritmes", "Overige algoritmes"];

/// The letter (A, B, C) of a publication category.
pub fn publication_category_letter(value: &str) -> Option<char> {
    PUBLICATION_CATEGORIES.iter().position(|c| *c == value).map(|i| (b'A' + i as u8) as char)
}

/// Impact-assessment titles offered for `impacttoetsen_grouping` (suggestions; other titles are allowed).
pub const IMPACT_ASSESSMENTS: &[&str] = &[
    "Data Protection Impact Assessment (DPIA)",
    "Impact Assessment Mensenrechten en Algoritmes (IAMA)",
    "Fundamental Rights Impact Assessment (FRIA)",
    "AI Impact Assessment (AIIA)",
    "Fundamentele Rechten en Algoritme Impact Assessment (FRAIA)",
    "De Ethische Data Assistant (DEDA)",
    "Utrecht Uthiek Assessment",
    "Toetsingskader Algemene Rekenkamer",
    "Z-Inspection",
    "De Ethische Bijsluiter",
    "Privacy Quickscan",
    "Pre-scan DPIA",
    "Overig",
    "Geen",
];

/// Languages a record of standard 1.0 can be written in.
pub const LANGUAGES: &[&str] = &["nld"];

/// English label of a code-list value (our own wording); the value itself when none is known.
pub fn english_value(value: &str) -> &str {
    match value {
        "Organisatie en bedrijfsvoering" => "Organisation and operations",
        "Cultuur en recreatie" => "Culture and recreation",
        "Economie" => "Economy",
        "Overheidsfinanciën" => "Public finance",
        "Wonen" => "Housing",
        "Internationaal" => "International",
        "Migratie en integratie" => "Migration and integration",
        "Natuur en milieu" => "Nature and environment",
        "Onderwijs en wetenschap" => "Education and science",
        "Openbare orde en veiligheid" => "Public order and safety",
        "Recht" => "Law",
        "Ruimte en infrastructuur" => "Spatial planning and infrastructure",
        "Sociale zekerheid" => "Social security",
        "Verkeer" => "Traffic",
        "Werk" => "Work",
        "Zorg en gezondheid" => "Care and health",
        "In ontwikkeling" => "In development",
        "In gebruik" => "In use",
        "Buiten gebruik" => "Out of use",
        "Hoog-risico AI-systeem" => "High-risk AI system",
        "Impactvolle algoritmes" => "Impactful algorithms",
        "Overige algoritmes" => "Other algorithms",
        "Impact Assessment Mensenrechten en Algoritmes (IAMA)" => "Human Rights and Algorithms Impact Assessment (IAMA)",
        "Fundamentele Rechten en Algoritme Impact Assessment (FRAIA)" => "Fundamental Rights and Algorithms Impact Assessment (FRAIA)",
        "De Ethische Data Assistant (DEDA)" => "The Ethical Data Assistant (DEDA)",
        "Toetsingskader Algemene Rekenkamer" => "Assessment framework of the Netherlands Court of Audit",
        "De Ethische Bijsluiter" => "The Ethical Package Leaflet",
        "Overig" => "Other",
        "Geen" => "None",
        other => other,
    }
}

/// The impact assessments a record names, as titles of [`IMPACT_ASSESSMENTS`]: from the
/// `impacttoetsen_grouping` titles (1.0), the `impacttoetsen` list (0.4), or `iama`/`dpia` (older
/// versions). A title outside the list counts as "Overig"; none at all gives an empty list.
pub fn impact_assessment_titles(content: &crate::content::Content) -> Vec<&'static str> {
    fn canonical(t: &str) -> &'static str {
        let t = t.trim();
        let lower = t.to_lowercase();
        IMPACT_ASSESSMENTS
            .iter()
            .find(|x| x.to_lowercase() == lower)
            .or_else(|| {
                // "DPIA", "IAMA", ... written as the abbreviation alone.
                IMPACT_ASSESSMENTS.iter().find(|x| x.ends_with(')') && x.to_lowercase().ends_with(&format!("({lower})")))
            })
            .copied()
            .unwrap_or("Overig")
    }
    let mut out: Vec<&'static str> = vec![];
    fn add(out: &mut Vec<&'static str>, t: &'static str) {
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if let Some(serde_json::Value::Array(items)) = content.get("impacttoetsen_grouping") {
        for it in items {
            if let Some(t) = it.get("title").and_then(|t| t.as_str()).filter(|t| !t.trim().is_empty()) {
                add(&mut out, canonical(t));
            }
        }
    }
    match content.get("impacttoetsen") {
        Some(serde_json::Value::Array(items)) => {
            for t in items.iter().filter_map(|t| t.as_str()).filter(|t| !t.trim().is_empty()) {
                add(&mut out, canonical(t));
            }
        }
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() && out.is_empty() => add(&mut out, "Overig"),
        _ => {}
    }
    let yes = |k: &str| content.str(k).map(|v| v.trim().to_lowercase()).is_some_and(|v| v == "ja" || v == "yes" || v == "true");
    if yes("dpia") {
        add(&mut out, "Data Protection Impact Assessment (DPIA)");
    }
    if yes("iama") {
        add(&mut out, "Impact Assessment Mensenrechten en Algoritmes (IAMA)");
    }
    out
}

#[cfg(test)]
mod ia_tests {
    use super::*;
    use crate::content::Content;

    #[test]
    fn titles_from_every_version() {
        let c: Content = serde_json::from_value(serde_json::json!({
            "impacttoetsen_grouping": [{"title": "data protection impact assessment (dpia)", "link": null}, {"title": "IAMA"}, {"title": "Eigen toets"}]
        }))
        .unwrap();
        assert_eq!(
            impact_assessment_titles(&c),
            vec!["Data Protection Impact Assessment (DPIA)", "Impact Assessment Mensenrechten en Algoritmes (IAMA)", "Overig"]
        );
        let old: Content = serde_json::from_value(serde_json::json!({"dpia": "Ja", "iama": "Nee"})).unwrap();
        assert_eq!(impact_assessment_titles(&old), vec!["Data Protection Impact Assessment (DPIA)"]);
        assert!(impact_assessment_titles(&Content::new()).is_empty());
    }
}

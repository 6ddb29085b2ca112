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
        other => other,
    }
}

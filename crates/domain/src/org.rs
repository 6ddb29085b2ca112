//! Organisations: their types (the register's code list), publication flows and member roles.

use serde::{Deserialize, Serialize};

code_enum!(
    /// The register's organisation types.
    OrgType {
        Adviescollege = "adviescollege" / "Adviescollege" / "Advisory board",
        Agentschap = "agentschap" / "Agentschap" / "Executive agency",
        Brandweer = "brandweer" / "Brandweer" / "Fire service",
        CaribischOpenbaarLichaam = "caribisch_openbaar_lichaam" / "Caribisch openbaar lichaam" / "Caribbean public body",
        Gemeente = "gemeente" / "Gemeente" / "Municipality",
        GrensoverschrijdendRegionaalSamenwerkingsorgaan = "grensoverschrijdend_regionaal_samenwerkingsorgaan" / "Grensoverschrijdend regionaal samenwerkingsorgaan" / "Cross-border regional partnership",
        HoogCollegeVanStaat = "hoog_college_van_staat" / "Hoog college van staat" / "High council of state",
        InterdepartementaleCommissie = "interdepartementale_commissie" / "Interdepartementale commissie" / "Interdepartmental committee",
        KabinetVanDeKoning = "kabinet_van_de_koning" / "Kabinet van de Koning" / "Cabinet of the King",
        Koepelorganisatie = "koepelorganisatie" / "Koepelorganisatie" / "Umbrella organisation",
        Ministerie = "ministerie" / "Ministerie" / "Ministry",
        Omgevingsdienst = "omgevingsdienst" / "Omgevingsdienst" / "Environmental service",
        OpenbaarLichaamVoorBeroepEnBedrijf = "openbaar_lichaam_voor_beroep_en_bedrijf" / "Openbaar lichaam voor beroep en bedrijf" / "Public body for trade and industry",
        OrganisatieMetOverheidsbemoeienis = "organisatie_met_overheidsbemoeienis" / "Organisatie met overheidsbemoeienis" / "Organisation with government involvement",
        Organisatieonderdeel = "organisatieonderdeel" / "Organisatieonderdeel" / "Organisational unit",
        Politie = "politie" / "Politie" / "Police",
        Provincie = "provincie" / "Provincie" / "Province",
        RegionaalSamenwerkingsverband = "regionaal_samenwerkingsverband" / "Regionaal samenwerkingsverband" / "Regional partnership",
        Rechtspraak = "rechtspraak" / "Rechtspraak" / "Judiciary",
        RegionaalSamenwerkingsorgaan = "regionaal_samenwerkingsorgaan" / "Regionaal samenwerkingsorgaan" / "Regional cooperation body",
        Waterschap = "waterschap" / "Waterschap" / "Water authority",
        ZelfstandigBestuursorgaan = "zelfstandig_bestuursorgaan" / "Zelfstandig bestuursorgaan" / "Independent administrative body",
        Overig = "overig" / "Overig" / "Other",
        Veiligheidsregio = "veiligheidsregio" / "Veiligheidsregio" / "Safety region",
        Inspectie = "inspectie" / "Inspectie" / "Inspectorate",
    }
);

impl OrgType {
    /// A best guess from an organisation's name, for imports that carry only the name.
    pub fn guess_from_name(name: &str) -> OrgType {
        let n = name.to_lowercase();
        let starts = |p: &str| n.starts_with(p);
        if starts("gemeente ") || starts("gemeenten ") {
            OrgType::Gemeente
        } else if starts("provincie ") {
            OrgType::Provincie
        } else if starts("waterschap") || starts("hoogheemraadschap") || n.contains("wetterskip") || n.contains("waterschap ") {
            OrgType::Waterschap
        } else if starts("ministerie") {
            OrgType::Ministerie
        } else if starts("omgevingsdienst") {
            OrgType::Omgevingsdienst
        } else if starts("veiligheidsregio") {
            OrgType::Veiligheidsregio
        } else if starts("politie") || n == "nationale politie" {
            OrgType::Politie
        } else if starts("inspectie") || n.contains("inspectie ") {
            OrgType::Inspectie
        } else if starts("brandweer") {
            OrgType::Brandweer
        } else if n.contains("rechtspraak") || starts("rechtbank") || starts("raad van state") {
            OrgType::Rechtspraak
        } else if starts("gemeenschappelijke regeling") || n.contains("samenwerking") {
            OrgType::RegionaalSamenwerkingsverband
        } else if n.contains("agentschap")
            || n.contains("dienst uitvoering")
            || n.contains("rijkswaterstaat")
            || n.contains("belastingdienst")
        {
            OrgType::Agentschap
        } else if [
            "uwv",
            "svb",
            "duo",
            "cjib",
            "rdw",
            "kadaster",
            "cbs",
            "autoriteit",
            "sociale verzekeringsbank",
            "uitvoeringsinstituut",
            "centraal bureau",
        ]
        .iter()
        .any(|k| n.contains(k))
        {
            OrgType::ZelfstandigBestuursorgaan
        } else {
            OrgType::Overig
        }
    }
}

code_enum!(
    /// Who publishes an organisation's released registrations.
    PublicationFlow {
        Central = "central" / "De centrale beheerder publiceert na vrijgave" / "The central operator publishes after release",
        FourEyes = "four_eyes" / "De organisatie publiceert zelf, met vier ogen" / "The organisation publishes itself, four-eyes",
    }
);

code_enum!(
    /// A member's role within one organisation.
    Role {
        Editor = "editor" / "Redacteur" / "Editor",
        Approver = "approver" / "Goedkeurder" / "Approver",
        OrgAdmin = "org_admin" / "Beheerder organisatie" / "Organisation admin",
    }
);

/// Names of one organisation that no spelling rule joins: (the name's key, the key it is known by).
const NAME_ALIASES: &[(&str, &str)] = &[("gemeente nuenen gerwen en nederwetten", "gemeente nuenen c a")];

/// The key by which an organisation's name is matched to another's, as registrations, lists and
/// harvested registers write it differently: case, accents, punctuation and runs of spaces left out
/// ("Gemeente Noardeast-Fryslân" and "gemeente noardeast fryslan", "Bergen (L)" and "Bergen (L.)"), and
/// a few official long names taken to their short form.
pub fn name_key(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = fold_accent(c);
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
    match NAME_ALIASES.iter().find(|(long, _)| *long == out) {
        Some((_, short)) => short.to_string(),
        None => out,
    }
}

fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ä' | 'ã' => 'a',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        c => c,
    }
}

/// Makes a stable organisation code from a name: lowercase letters, digits and dashes.
pub fn code_from_name(name: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in name.chars() {
        let c = fold_accent(c);
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
            dash = false;
        } else if !dash && !out.is_empty() {
            out.push('-');
            dash = true;
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out.truncate(60);
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        out.push_str("organisatie");
    }
    out
}

/// Whether a string is a valid organisation code.
pub fn is_valid_code(code: &str) -> bool {
    (2..=64).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && !code.starts_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_across_spellings() {
        assert_eq!(name_key("Gemeente Noardeast-Fryslân"), name_key("gemeente  noardeast fryslan"));
        assert_eq!(name_key("Gemeente Bergen (L)"), name_key("Gemeente Bergen (L.)"));
        assert_ne!(name_key("Gemeente Bergen (L.)"), name_key("Gemeente Bergen (NH.)"));
        assert_eq!(name_key("Gemeente Nuenen, Gerwen en Nederwetten"), name_key("Gemeente Nuenen c.a."));
        assert_eq!(name_key("  ÉÉN -- twee "), "een twee");
        assert_eq!(name_key("—"), "");
    }

    #[test]
    fn codes_round_trip() {
        for t in OrgType::ALL {
            assert_eq!(OrgType::parse(t.code()), Some(*t));
        }
        assert_eq!(OrgType::ALL.len(), 25);
    }

    #[test]
    fn code_from_names() {
        assert_eq!(code_from_name("Gemeente 's-Hertogenbosch"), "gemeente-s-hertogenbosch");
        assert_eq!(code_from_name("Provincie Fryslân"), "provincie-fryslan");
        assert!(is_valid_code(&code_from_name("Ministerie van Binnenlandse Zaken en Koninkrijksrelaties")));
    }

    #[test]
    fn guesses() {
        assert_eq!(OrgType::guess_from_name("Gemeente Delft"), OrgType::Gemeente);
        assert_eq!(OrgType::guess_from_name("Hoogheemraadschap van Rijnland"), OrgType::Waterschap);
        assert_eq!(OrgType::guess_from_name("Ministerie van Financiën"), OrgType::Ministerie);
    }
}

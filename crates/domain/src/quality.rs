//! Quality checks of a registration that advise and never block: plain language per text field (long
//! sentences, long words, passive constructions, officialese, abbreviations nobody explained) and
//! consistency between fields (personal data without a DPIA, high risk without a human-rights
//! assessment, an end before the beginning, …). Each finding names its field and its rule. Pure and
//! linear in the text: every check walks the words once.

use algoreg_standard::codes::impact_assessment_titles;
use algoreg_standard::sanitize::plain_text;
use algoreg_standard::{Content, FieldKind, StandardVersion};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Words in one sentence above which it counts as long (plain-language guides for level B1 advise
/// 15 to 20 on average).
pub const LONG_SENTENCE: usize = 25;
/// Letters in one word above which it counts as long (Dutch joins words; this allows most compounds).
pub const LONG_WORD: usize = 20;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub field: String,
    /// The rule's name: `long_sentence`, `long_word`, `passive`, `officialese`, `abbreviation`,
    /// `personal_data_without_dpia`, `high_risk_without_fundamental_rights_assessment`,
    /// `high_risk_without_human_intervention`, `end_before_begin`, `out_of_use_without_end_date`.
    pub rule: &'static str,
    pub message_nl: String,
    pub message_en: String,
}

/// Officialese and a plainer word for it.
const OFFICIALESE: &[(&str, &str)] = &[
    ("middels", "met"),
    ("conform", "volgens"),
    ("teneinde", "om"),
    ("alsmede", "en"),
    ("derhalve", "daarom"),
    ("inzake", "over"),
    ("omtrent", "over"),
    ("reeds", "al"),
    ("indien", "als"),
    ("onderhavige", "deze"),
    ("voornoemde", "deze"),
    ("ingevolge", "volgens"),
    ("zulks", "dit"),
    ("dienaangaande", "daarover"),
    ("aldus", "zo"),
    ("tevens", "ook"),
    ("doch", "maar"),
];

/// Abbreviations that need no explanation on a government website.
const KNOWN_ABBREVIATIONS: &[&str] = &["AI", "EU", "ICT", "IT", "NL", "PDF", "URL", "HTML", "CSV", "API", "ID", "BV", "NV"];

/// Words that tell personal data is processed.
const PERSONAL_DATA: &[&str] = &[
    "persoonsgegevens",
    "bsn",
    "burgerservicenummer",
    "geboortedatum",
    "adresgegevens",
    "gezondheidsgegevens",
    "naam en adres",
    "naw-gegevens",
];

fn finding(field: &str, rule: &'static str, nl: String, en: String) -> Finding {
    Finding { field: field.to_string(), rule, message_nl: nl, message_en: en }
}

/// Every finding for a registration under `version`: plain language first, per field in the
/// standard's order, then consistency.
pub fn check(version: StandardVersion, content: &Content) -> Vec<Finding> {
    let mut out = vec![];
    for f in version.fields().iter().filter(|f| !f.system && matches!(f.kind, FieldKind::RichText)) {
        if let Some(text) = content.str(f.key).filter(|t| !t.trim().is_empty()) {
            out.extend(plain_language(f.key, &plain_text(text)));
        }
    }
    out.extend(consistency(content));
    out
}

fn words(sentence: &str) -> impl Iterator<Item = &str> {
    sentence.split_whitespace().map(|w| w.trim_matches(|c: char| !c.is_alphanumeric())).filter(|w| !w.is_empty())
}

/// A past participle, roughly: `ge…d/t/en`, or a verb with a prefix that takes no `ge-`
/// (`beoordeeld`, `verwerkt`, `ontvangen`, `herzien`).
fn is_participle(w: &str) -> bool {
    let w = w.to_lowercase();
    w.chars().count() > 5
        && ["ge", "be", "ver", "ont", "her", "er"].iter().any(|p| w.starts_with(p))
        && (w.ends_with('d') || w.ends_with('t') || w.ends_with("en"))
}

/// Plain-language findings for one field's text (without markup): at most one per rule, with the
/// first example.
pub fn plain_language(field: &str, text: &str) -> Vec<Finding> {
    let mut out = vec![];
    let sentences: Vec<&str> = text.split(['.', '!', '?', '\n', ';']).filter(|s| !s.trim().is_empty()).collect();
    let long: Vec<usize> = sentences.iter().map(|s| words(s).count()).filter(|n| *n > LONG_SENTENCE).collect();
    if let Some(max) = long.iter().max() {
        out.push(finding(
            field,
            "long_sentence",
            format!("{} zin(nen) met meer dan {LONG_SENTENCE} woorden (de langste: {max}). Maak ze korter.", long.len()),
            format!("{} sentence(s) of more than {LONG_SENTENCE} words (the longest: {max}). Make them shorter.", long.len()),
        ));
    }
    if let Some(w) = words(text).find(|w| w.chars().count() > LONG_WORD && !w.contains(['/', '@'])) {
        out.push(finding(
            field,
            "long_word",
            format!("Lang woord: \"{w}\". Kan het in twee woorden of eenvoudiger?"),
            format!("Long word: \"{w}\". Can it be said in two words, or more simply?"),
        ));
    }
    let mut passive = 0;
    let mut example = None;
    for s in &sentences {
        let ws: Vec<&str> = words(s).collect();
        for (i, w) in ws.iter().enumerate() {
            let aux = matches!(w.to_lowercase().as_str(), "wordt" | "worden" | "werd" | "werden");
            if aux {
                // Dutch puts the participle at the end of the clause: look up to the sentence's end.
                if let Some(p) = ws[i + 1..].iter().find(|x| is_participle(x)) {
                    passive += 1;
                    example.get_or_insert_with(|| format!("{w} … {p}"));
                    break;
                }
            }
        }
    }
    if let Some(e) = example {
        out.push(finding(
            field,
            "passive",
            format!("{passive} zin(nen) in de lijdende vorm (zoals \"{e}\"). Zeg wie het doet: \"wij controleren\" in plaats van \"wordt gecontroleerd\"."),
            format!("{passive} sentence(s) in the passive voice (such as \"{e}\"). Say who does it: \"we check\" rather than \"is checked\"."),
        ));
    }
    let lower = text.to_lowercase();
    let lower_words: Vec<&str> = words(&lower).collect();
    if let Some((w, plain)) = OFFICIALESE.iter().find(|(w, _)| lower_words.contains(w)) {
        out.push(finding(
            field,
            "officialese",
            format!("Ambtelijk woord: \"{w}\". Schrijf liever \"{plain}\"."),
            format!("Officialese: \"{w}\". Prefer \"{plain}\"."),
        ));
    }
    // An abbreviation counts as explained when it stands between brackets somewhere in the text
    // ("Dienst Uitvoering Onderwijs (DUO)") or is followed by them ("DUO (Dienst Uitvoering Onderwijs)").
    let raw: Vec<&str> = text.split_whitespace().collect();
    let mut explained = std::collections::HashSet::new();
    for (i, t) in raw.iter().enumerate() {
        let bare = t.trim_matches(|c: char| !c.is_alphanumeric());
        if t.starts_with('(') && t.trim_end_matches(|c: char| !c.is_alphanumeric() && c != ')').ends_with(')') {
            explained.insert(bare);
        }
        if raw.get(i + 1).is_some_and(|n| n.starts_with('(')) {
            explained.insert(bare);
        }
    }
    let abbreviation = words(text).find(|w| {
        let n = w.chars().count();
        (2..=6).contains(&n)
            && w.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && w.chars().filter(|c| c.is_ascii_uppercase()).count() >= 2
            && !KNOWN_ABBREVIATIONS.contains(w)
            && !explained.contains(w)
    });
    if let Some(a) = abbreviation {
        out.push(finding(
            field,
            "abbreviation",
            format!("Afkorting zonder uitleg: \"{a}\". Schrijf de eerste keer voluit wat het betekent, met de afkorting erachter tussen haakjes."),
            format!("Abbreviation not explained: \"{a}\". The first time, write out what it means, with the abbreviation after it in brackets."),
        ));
    }
    out
}

fn text_of(content: &Content, key: &str) -> String {
    content.str(key).map(plain_text).unwrap_or_default()
}

/// Consistency between fields: warnings with the rule named.
pub fn consistency(content: &Content) -> Vec<Finding> {
    let mut out = vec![];
    let titles = impact_assessment_titles(content);
    let has = |needles: &[&str]| titles.iter().any(|t| needles.iter().any(|n| t.contains(n)));
    let data_text = format!(
        "{} {} {}",
        text_of(content, "source_data"),
        content.get("source_data_grouping").map(|v| v.to_string()).unwrap_or_default(),
        text_of(content, "lawful_basis")
    )
    .to_lowercase();
    let personal = PERSONAL_DATA.iter().any(|k| data_text.contains(k)) || content.is_filled("process_index_url");
    if personal && !has(&["DPIA"]) {
        out.push(finding(
            "impacttoetsen_grouping",
            "personal_data_without_dpia",
            "De registratie noemt persoonsgegevens (of een verwerkingsregister), maar geen DPIA. Noem de DPIA, of leg uit waarom die er niet is.".into(),
            "The registration mentions personal data (or a processing register) but no DPIA. Name the DPIA, or explain why there is none.".into(),
        ));
    }
    let high_risk = content.str("publication_category") == Some(crate::statistics::HIGH_RISK);
    if high_risk && !has(&["IAMA", "FRIA", "FRAIA"]) {
        out.push(finding(
            "impacttoetsen_grouping",
            "high_risk_without_fundamental_rights_assessment",
            "Een hoog-risico AI-systeem zonder toets op grondrechten (IAMA, FRIA of FRAIA). Noem de toets.".into(),
            "A high-risk AI system without a fundamental-rights assessment (IAMA, FRIA or FRAIA). Name the assessment.".into(),
        ));
    }
    if high_risk && !content.is_filled("human_intervention") {
        out.push(finding(
            "human_intervention",
            "high_risk_without_human_intervention",
            "Een hoog-risico AI-systeem: beschrijf hoe mensen meekijken en ingrijpen.".into(),
            "A high-risk AI system: describe how people oversee it and step in.".into(),
        ));
    }
    if let (Some(begin), Some(end)) = (content.str("begin_date"), content.str("end_date")) {
        if !begin.is_empty() && !end.is_empty() && end < begin {
            out.push(finding(
                "end_date",
                "end_before_begin",
                format!("De einddatum ({end}) ligt voor de begindatum ({begin})."),
                format!("The end date ({end}) is before the start date ({begin})."),
            ));
        }
    }
    if content.str("status") == Some("Buiten gebruik") && !content.is_filled("end_date") {
        out.push(finding(
            "end_date",
            "out_of_use_without_end_date",
            "Het algoritme is buiten gebruik, maar er is geen einddatum.".into(),
            "The algorithm is out of use, but there is no end date.".into(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn content(v: serde_json::Value) -> Content {
        serde_json::from_value(v).unwrap()
    }
    fn rules(f: &[Finding]) -> Vec<&str> {
        f.iter().map(|f| f.rule).collect()
    }

    #[test]
    fn plain_text_passes() {
        let f = plain_language("goal", "Wij controleren elke aanvraag. Een medewerker kijkt altijd mee. Zo krijgt u sneller een besluit.");
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn each_plain_language_rule_is_found() {
        let long = "Het algoritme berekent op basis van de gegevens die de aanvrager heeft ingevuld en de gegevens uit de basisregistraties een score die aangeeft hoe groot de kans is dat er iets mis is met de aanvraag.";
        assert_eq!(rules(&plain_language("goal", long)), vec!["long_sentence"]);
        assert_eq!(rules(&plain_language("goal", "Dit gaat over arbeidsongeschiktheidsverzekeringen.")), vec!["long_word"]);
        assert_eq!(rules(&plain_language("goal", "De aanvraag wordt door een medewerker gecontroleerd.")), vec!["passive"]);
        assert_eq!(rules(&plain_language("goal", "Aanvragen worden door een team van medewerkers beoordeeld.")), vec!["passive"]);
        assert!(plain_language("goal", "Het wordt beter. Wij werken eraan.").is_empty(), "a copula is no passive");
        assert_eq!(rules(&plain_language("goal", "Wij toetsen middels een model.")), vec!["officialese"]);
        assert_eq!(rules(&plain_language("goal", "Wij delen het met de RDW.")), vec!["abbreviation"]);
        assert!(plain_language("goal", "Wij delen het met de Rijksdienst voor het Wegverkeer (RDW).").is_empty());
        assert!(plain_language("goal", "De EU en de AI-wet.").is_empty(), "known abbreviations");
    }

    #[test]
    fn consistency_rules_name_their_field() {
        let c = content(json!({
            "source_data": "<p>Wij gebruiken naam en adres en het BSN.</p>",
            "publication_category": "Hoog-risico AI-systeem",
            "begin_date": "2024-05", "end_date": "2023-01", "status": "In gebruik",
        }));
        let f = consistency(&c);
        assert_eq!(
            rules(&f),
            vec![
                "personal_data_without_dpia",
                "high_risk_without_fundamental_rights_assessment",
                "high_risk_without_human_intervention",
                "end_before_begin"
            ]
        );
        assert_eq!(f[3].field, "end_date");
        let ok = content(json!({
            "source_data": "<p>Wij gebruiken het BSN.</p>",
            "impacttoetsen_grouping": [{"title": "DPIA"}, {"title": "IAMA"}],
            "publication_category": "Hoog-risico AI-systeem", "human_intervention": "<p>Een medewerker beslist.</p>",
            "begin_date": "2023-01", "end_date": "2024-05",
        }));
        assert!(consistency(&ok).is_empty(), "{:?}", consistency(&ok));
        let out = content(json!({"status": "Buiten gebruik"}));
        assert_eq!(rules(&consistency(&out)), vec!["out_of_use_without_end_date"]);
    }

    #[test]
    fn long_input_is_walked_once() {
        let text = "woord ".repeat(200_000);
        let f = plain_language("goal", &text);
        assert_eq!(rules(&f), vec!["long_sentence"]);
    }
}

code_enum!(
    /// What checking a link found.
    LinkOutcome {
        Ok = "ok" / "werkt" / "works",
        Broken = "broken" / "bestaat niet (meer)" / "does not exist (any more)",
        Refused = "refused" / "geweigerd: geen openbaar adres" / "refused: not a public address",
        Timeout = "timeout" / "geen antwoord op tijd" / "no answer in time",
        Unreachable = "unreachable" / "niet bereikbaar" / "unreachable",
    }
);

impl LinkOutcome {
    /// What an HTTP status after redirects means for a link: 404 and 410 are gone for good; other
    /// errors may pass (a server down, a page behind a login) and are reported, not held against it.
    pub fn of_status(status: u16) -> LinkOutcome {
        match status {
            200..=399 => LinkOutcome::Ok,
            404 | 410 => LinkOutcome::Broken,
            401 | 403 | 405 | 429 => LinkOutcome::Ok,
            _ => LinkOutcome::Unreachable,
        }
    }
    /// Whether a link with this outcome holds a publication back: one that is gone, or that points
    /// where no citizen can follow (a private address).
    pub fn blocks_publication(self) -> bool {
        matches!(self, LinkOutcome::Broken | LinkOutcome::Refused)
    }
}

/// Links a registration holds at most that are checked.
pub const MAX_LINKS: usize = 50;

/// The http(s) links of a registration with the field each stands in: link fields, contact points that
/// are web addresses, the links of reference rows, and `href`s in rich text. Each link once, at most
/// [`MAX_LINKS`], at most 2,000 characters each.
pub fn links(version: StandardVersion, content: &Content) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = vec![];
    let mut add = |field: &str, url: &str| {
        let url = url.trim();
        let web = url.starts_with("https://") || url.starts_with("http://");
        if web && url.len() <= 2000 && out.len() < MAX_LINKS && !out.iter().any(|(_, u)| u == url) {
            out.push((field.to_string(), url.to_string()));
        }
    };
    for f in version.fields().iter().filter(|f| !f.system) {
        match f.kind {
            FieldKind::Url | FieldKind::ContactPoint => {
                if let Some(u) = content.str(f.key) {
                    add(f.key, u);
                }
            }
            FieldKind::Links { .. } => {
                if let Some(rows) = content.get(f.key).and_then(|v| v.as_array()) {
                    for r in rows {
                        if let Some(u) = r.get("link").and_then(|l| l.as_str()) {
                            add(f.key, u);
                        }
                    }
                }
            }
            FieldKind::RichText => {
                if let Some(text) = content.str(f.key) {
                    let mut rest = text;
                    while let Some(i) = rest.find("href=\"") {
                        rest = &rest[i + 6..];
                        let end = rest.find('"').unwrap_or(rest.len());
                        add(f.key, &rest[..end].replace("&amp;", "&"));
                        rest = &rest[end..];
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod link_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn links_come_from_every_kind_of_field_once() {
        let c: Content = serde_json::from_value(json!({
            "website": "https://example.org/a",
            "contact_email": "algoritmes@example.org",
            "lawful_basis_grouping": [{"title": "Wet", "link": "https://wetten.overheid.nl/x"}, {"title": "Zelfde", "link": "https://example.org/a"}],
            "goal": "<p>Zie <a href=\"https://example.org/b?x=1&amp;y=2\">hier</a> en <a href=\"mailto:a@b.nl\">mail</a>.</p>",
        }))
        .unwrap();
        let l = links(StandardVersion::CURRENT, &c);
        let urls: Vec<&str> = l.iter().map(|(_, u)| u.as_str()).collect();
        assert_eq!(
            urls,
            vec!["https://example.org/a", "https://example.org/b?x=1&y=2", "https://wetten.overheid.nl/x"],
            "in the standard's order"
        );
        assert_eq!(l[1].0, "goal");
    }

    #[test]
    fn statuses_mean_what_they_say() {
        assert_eq!(LinkOutcome::of_status(200), LinkOutcome::Ok);
        assert_eq!(LinkOutcome::of_status(404), LinkOutcome::Broken);
        assert_eq!(LinkOutcome::of_status(503), LinkOutcome::Unreachable);
        assert!(LinkOutcome::Refused.blocks_publication() && !LinkOutcome::Timeout.blocks_publication());
    }
}

/// Records of one organisation compared at most for likely duplicates (beyond this, only names that
/// are the same once case, accents and punctuation are set aside).
pub const MAX_COMPARED: usize = 500;
/// Pairs given at most (a long list helps nobody; the first ones make the point).
pub const MAX_PAIRS: usize = 50;

/// The words of a name that say something (short words and the commonest left out).
fn name_words(name: &str) -> BTreeSet<String> {
    const COMMON: &[&str] = &["van", "het", "een", "voor", "met", "bij", "der", "den", "and", "the", "for"];
    // Numbers count ("module 1" is not "module 2"); other short words do not.
    crate::org::name_key(name)
        .split(' ')
        .filter(|w| (w.chars().count() > 2 || w.chars().any(|c| c.is_ascii_digit())) && !COMMON.contains(w))
        .map(String::from)
        .collect()
}

/// Pairs of one organisation's registrations that are likely the same algorithm registered twice:
/// the same name (case, accents and punctuation aside), or names that share at least 80% of their
/// words (three words or more). `records` are (id, name); gives index pairs, each once.
pub fn likely_duplicates(records: &[(String, String)]) -> Vec<(usize, usize)> {
    let keys: Vec<String> = records.iter().map(|(_, n)| crate::org::name_key(n)).collect();
    let mut out = vec![];
    let mut by_key: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, k) in keys.iter().enumerate() {
        if k.is_empty() {
            continue;
        }
        match by_key.get(k.as_str()) {
            Some(&j) => out.push((j, i)),
            None => {
                by_key.insert(k, i);
            }
        }
    }
    if records.len() <= MAX_COMPARED {
        let words: Vec<BTreeSet<String>> = records.iter().map(|(_, n)| name_words(n)).collect();
        for i in 0..records.len() {
            for j in i + 1..records.len() {
                let (a, b) = (words[i].len(), words[j].len());
                // Sets whose sizes differ by more than a fifth cannot share 80% of their words.
                if keys[i] == keys[j] || a.min(b) < 3 || a.min(b) * 5 < a.max(b) * 4 {
                    continue;
                }
                let shared = words[i].intersection(&words[j]).count();
                if shared * 5 >= (a + b - shared) * 4 {
                    out.push((i, j));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out.truncate(MAX_PAIRS);
    out
}

#[cfg(test)]
mod duplicate_tests {
    use super::*;

    fn r(names: &[&str]) -> Vec<(String, String)> {
        names.iter().enumerate().map(|(i, n)| (i.to_string(), n.to_string())).collect()
    }

    #[test]
    fn the_same_algorithm_twice_is_found() {
        let recs = r(&[
            "Parkeervergunning toetsen",
            "Parkeervergunning  Toetsen.",
            "Risicomodel bijstand aanvragen controleren",
            "Risicomodel aanvragen bijstand controleren opnieuw",
            "Afvalinzameling routes plannen wijken",
            "Afvalinzameling routes plannen containers",
        ]);
        // 4 of 5 words shared is 80%: likely the same; 3 of 5 is not.
        assert_eq!(likely_duplicates(&recs), vec![(0, 1), (2, 3)]);
        let recs = r(&["Chatbot gemeentelijke website vragen", "Chatbot vragen gemeentelijke website", "Chatbot"]);
        assert_eq!(likely_duplicates(&recs), vec![(0, 1)]);
        let recs = r(&["Toeslag berekenen module 1 jeugd", "Toeslag berekenen module 2 jeugd"]);
        assert!(likely_duplicates(&recs).is_empty(), "a numbered series is no duplicate");
        let many: Vec<(String, String)> = (0..400).map(|i| (i.to_string(), "Parkeren".to_string())).collect();
        assert_eq!(likely_duplicates(&many).len(), MAX_PAIRS, "the list is capped");
        assert!(likely_duplicates(&r(&["", ""])).is_empty(), "names still empty are not duplicates");
    }
}

/// Days after which a published registration should be looked at again (published anew or confirmed
/// as still current).
pub const REVIEW_AFTER_DAYS: i64 = 365;

/// When a published registration was last looked at: the later of its publication and its last
/// confirmation as still current.
pub fn last_reviewed(
    published_at: chrono::DateTime<chrono::Utc>,
    confirmed_at: Option<chrono::DateTime<chrono::Utc>>,
) -> chrono::DateTime<chrono::Utc> {
    confirmed_at.map_or(published_at, |c| c.max(published_at))
}

#[cfg(test)]
mod review_tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_later_of_publication_and_confirmation_counts() {
        let t = |d| chrono::Utc.with_ymd_and_hms(2026, 1, d, 0, 0, 0).unwrap();
        assert_eq!(last_reviewed(t(5), None), t(5));
        assert_eq!(last_reviewed(t(5), Some(t(9))), t(9));
        assert_eq!(last_reviewed(t(9), Some(t(5))), t(9), "a new version after the confirmation counts");
    }
}

//! The public register as a DCAT-AP 3.0.1 catalogue (`/catalog`): the register a `dcat:Catalog`, every
//! public registration a `dcat:Dataset` with its publisher (the organisation's TOOI identifier where it
//! has one), landing page, themes (the EU data themes), dates, licence and distributions (the record as
//! JSON and as CSV), the OAI-PMH endpoint and the register feed as `dcat:DataService`s. Built as a list
//! of triples, written as Turtle or as JSON-LD (expanded form). The few terms of the EU vocabularies
//! that the official shapes check (`skos:inScheme`, types, labels) are stated in the catalogue itself.
//! See docs/OPEN-DATA.md.

use crate::error::Result;
use crate::App;
use algoreg_standard::sanitize::plain_text;
use algoreg_store::{Organisation, PublishedVersion};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

const DCAT: &str = "http://www.w3.org/ns/dcat#";
const DCT: &str = "http://purl.org/dc/terms/";
const FOAF: &str = "http://xmlns.com/foaf/0.1/";
const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
const VCARD: &str = "http://www.w3.org/2006/vcard/ns#";
const XSD: &str = "http://www.w3.org/2001/XMLSchema#";
const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const DCATAP: &str = "http://data.europa.eu/r5r/";
const RDFS_LABEL: &str = "http://www.w3.org/2000/01/rdf-schema#label";
const EU: &str = "http://publications.europa.eu/resource/authority/";
const CC0: &str = "https://creativecommons.org/publicdomain/zero/1.0/";

const PREFIXES: &[(&str, &str)] = &[
    ("dcat", DCAT),
    ("dct", DCT),
    ("foaf", FOAF),
    ("skos", SKOS),
    ("vcard", VCARD),
    ("xsd", XSD),
    ("dcatap", DCATAP),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
];

/// An RDF term in object position.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Term {
    Iri(String),
    Text(String, &'static str),
    Typed(String, &'static str),
}

/// The catalogue as triples, grouped by subject (in the order subjects were first named).
#[derive(Default)]
pub struct Graph {
    order: Vec<String>,
    by_subject: HashMap<String, Vec<(String, Term)>>,
    /// Every triple once: the catalogue and the OAI service name every dataset, so a check along the
    /// subject's list would cost the square of the register's size.
    seen: std::collections::HashSet<(String, String, Term)>,
}

impl Graph {
    fn add(&mut self, s: &str, p: &str, o: Term) {
        let list = self.by_subject.entry(s.to_string()).or_insert_with(|| {
            self.order.push(s.to_string());
            vec![]
        });
        if self.seen.insert((s.to_string(), p.to_string(), o.clone())) {
            list.push((p.to_string(), o));
        }
    }
    fn iri(&mut self, s: &str, p: &str, o: &str) {
        self.add(s, p, Term::Iri(o.to_string()));
    }
    fn text(&mut self, s: &str, p: &str, o: &str, lang: &'static str) {
        self.add(s, p, Term::Text(o.to_string(), lang));
    }
    fn typed(&mut self, s: &str, p: &str, o: &str, datatype: &'static str) {
        self.add(s, p, Term::Typed(o.to_string(), datatype));
    }
    fn a(&mut self, s: &str, class: &str) {
        self.iri(s, RDF_TYPE, class);
    }

    pub fn len(&self) -> usize {
        self.by_subject.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Turtle, with the usual prefixes.
    pub fn turtle(&self) -> String {
        let mut out = String::new();
        for (p, ns) in PREFIXES {
            let _ = writeln!(out, "@prefix {p}: <{ns}> .");
        }
        for s in &self.order {
            let _ = write!(out, "\n<{}>", iri_text(s));
            let list = &self.by_subject[s];
            for (i, (p, o)) in list.iter().enumerate() {
                let sep = if i == 0 { " " } else { " ;\n    " };
                let pred = if p == RDF_TYPE { "a".to_string() } else { short(p) };
                let _ = write!(out, "{sep}{pred} {}", turtle_term(o));
            }
            out.push_str(" .\n");
        }
        out
    }

    /// JSON-LD in expanded form (no context to fetch).
    pub fn json_ld(&self) -> Value {
        let mut nodes = vec![];
        for s in &self.order {
            let mut node = Map::new();
            node.insert("@id".into(), json!(s));
            let mut props: BTreeMap<String, Vec<Value>> = BTreeMap::new();
            let mut types = vec![];
            for (p, o) in &self.by_subject[s] {
                if p == RDF_TYPE {
                    if let Term::Iri(t) = o {
                        types.push(json!(t));
                    }
                    continue;
                }
                props.entry(p.clone()).or_default().push(match o {
                    Term::Iri(i) => json!({"@id": i}),
                    Term::Text(t, "") => json!({"@value": t}),
                    Term::Text(t, lang) => json!({"@value": t, "@language": lang}),
                    Term::Typed(t, dt) => json!({"@value": t, "@type": format!("{XSD}{dt}")}),
                });
            }
            if !types.is_empty() {
                node.insert("@type".into(), Value::Array(types));
            }
            for (p, v) in props {
                node.insert(p, Value::Array(v));
            }
            nodes.push(Value::Object(node));
        }
        Value::Array(nodes)
    }
}

fn short(iri: &str) -> String {
    for (p, ns) in PREFIXES {
        if let Some(local) = iri.strip_prefix(ns) {
            if !local.is_empty() && local.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return format!("{p}:{local}");
            }
        }
    }
    format!("<{}>", iri_text(iri))
}

/// An IRI as Turtle writes it between `<` and `>` (characters it cannot hold percent-encoded).
fn iri_text(iri: &str) -> String {
    let mut out = String::with_capacity(iri.len());
    for c in iri.chars() {
        if c <= ' ' || "<>\"{}|^`\\".contains(c) {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "%{b:02X}");
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn turtle_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn turtle_term(t: &Term) -> String {
    match t {
        Term::Iri(i) => {
            if i.starts_with(DCAT) || i.starts_with(DCT) || i.starts_with(FOAF) || i.starts_with(VCARD) {
                short(i)
            } else {
                format!("<{}>", iri_text(i))
            }
        }
        Term::Text(s, "") => turtle_string(s),
        Term::Text(s, lang) => format!("{}@{lang}", turtle_string(s)),
        Term::Typed(s, dt) => format!("{}^^xsd:{dt}", turtle_string(s)),
    }
}

fn stamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The EU data theme of a theme of the standard.
pub fn eu_theme(theme: &str) -> &'static str {
    match theme {
        "Economie" | "Overheidsfinanciën" | "Werk" => "ECON",
        "Cultuur en recreatie" | "Onderwijs en wetenschap" => "EDUC",
        "Wonen" | "Ruimte en infrastructuur" => "REGI",
        "Internationaal" => "INTR",
        "Migratie en integratie" | "Sociale zekerheid" => "SOCI",
        "Natuur en milieu" => "ENVI",
        "Openbare orde en veiligheid" | "Recht" => "JUST",
        "Verkeer" => "TRAN",
        "Zorg en gezondheid" => "HEAL",
        _ => "GOVE",
    }
}

fn eu_theme_label(code: &str) -> &'static str {
    match code {
        "ECON" => "Economy and finance",
        "EDUC" => "Education, culture and sport",
        "REGI" => "Regions and cities",
        "INTR" => "International issues",
        "SOCI" => "Population and society",
        "ENVI" => "Environment",
        "JUST" => "Justice, legal system and public safety",
        "TRAN" => "Transport",
        "HEAL" => "Health",
        _ => "Government and public sector",
    }
}

/// The organisation's identifier: its TOOI URI when known, else its page here.
fn org_iri(base: &str, o: Option<&Organisation>, code: &str) -> String {
    match o.and_then(|o| o.tooi.clone()).filter(|t| t.starts_with("http")) {
        Some(t) => t,
        None => format!("{base}/id/organisatie/{code}"),
    }
}

/// Builds the catalogue of the current public register.
pub async fn build(app: &App) -> Result<Graph> {
    let store = app.store.as_ref();
    let base = app.public_url().to_string();
    let orgs: HashMap<String, Organisation> = store.organisations().await?.into_iter().map(|o| (o.code.clone(), o)).collect();
    let records = store.export_published().await?;
    let current: Vec<&PublishedVersion> = records.iter().filter_map(|(_, vs)| vs.iter().find(|v| v.current)).collect();
    let modified = store.last_public_change().await?.unwrap_or_else(Utc::now);
    let mut g = Graph::default();
    vocabulary(&mut g);
    let catalog = format!("{base}/id/catalogus");
    let operator = format!("{base}/id/beheerder");
    let contact = format!("{base}/id/contact");
    let host = base.split("://").nth(1).unwrap_or(&base).to_string();
    g.a(&catalog, &format!("{DCAT}Catalog"));
    g.text(&catalog, &format!("{DCT}title"), &format!("Algoritmeregister ({host})"), "nl");
    g.text(&catalog, &format!("{DCT}title"), &format!("Algorithm register ({host})"), "en");
    g.text(&catalog, &format!("{DCT}description"), "Openbaar register van de algoritmes die overheidsorganisaties gebruiken.", "nl");
    g.text(&catalog, &format!("{DCT}description"), "Public register of the algorithms that government organisations use.", "en");
    g.iri(&catalog, &format!("{DCT}publisher"), &operator);
    g.iri(&catalog, &format!("{DCAT}contactPoint"), &contact);
    g.iri(&catalog, &format!("{FOAF}homepage"), &format!("{base}/nl"));
    g.iri(&catalog, &format!("{DCT}language"), &format!("{EU}language/NLD"));
    g.iri(&catalog, &format!("{DCT}language"), &format!("{EU}language/ENG"));
    g.iri(&catalog, &format!("{DCT}license"), CC0);
    g.typed(&catalog, &format!("{DCT}modified"), &stamp(&modified), "dateTime");
    g.iri(&catalog, &format!("{DCT}spatial"), &format!("{EU}country/NLD"));
    g.iri(&catalog, &format!("{DCAT}themeTaxonomy"), &format!("{EU}data-theme"));
    g.a(&format!("{base}/nl"), &format!("{FOAF}Document"));
    g.a(&operator, &format!("{FOAF}Agent"));
    g.text(&operator, &format!("{FOAF}name"), &format!("Beheer van het algoritmeregister ({host})"), "nl");
    g.a(&contact, &format!("{VCARD}Kind"));
    g.text(&contact, &format!("{VCARD}fn"), "Beheer van het algoritmeregister", "nl");
    g.iri(&contact, &format!("{VCARD}hasEmail"), &format!("mailto:{}", app.admin_email()));
    let services = [
        (
            format!("{base}/id/dienst/oai-pmh"),
            "oai-pmh",
            "OAI-PMH 2.0",
            format!("{base}/oai"),
            format!("{base}/oai?verb=Identify"),
            "http://www.openarchives.org/OAI/2.0/openarchivesprotocol.htm",
        ),
        (
            format!("{base}/id/dienst/feed"),
            "feed",
            "Registerfeed",
            format!("{base}/{}", crate::federation::feed::PATH),
            format!("{base}/{}", crate::federation::feed::PATH),
            "https://algoreg.nl/ns/feed/v1",
        ),
    ];
    for (iri, id, title, endpoint, description, standard) in &services {
        g.iri(&catalog, &format!("{DCAT}service"), iri);
        g.a(iri, &format!("{DCAT}DataService"));
        g.text(iri, &format!("{DCT}identifier"), id, "");
        g.text(iri, &format!("{DCT}title"), title, "nl");
        g.text(iri, &format!("{DCT}description"), "Oogsten van alle openbare registraties.", "nl");
        g.iri(iri, &format!("{DCAT}endpointURL"), endpoint);
        g.iri(iri, &format!("{DCAT}endpointDescription"), description);
        g.iri(iri, &format!("{DCT}conformsTo"), standard);
        g.a(standard, &format!("{DCT}Standard"));
        g.iri(iri, &format!("{DCT}publisher"), &operator);
        g.iri(iri, &format!("{DCAT}contactPoint"), &contact);
        g.iri(iri, &format!("{DCT}license"), CC0);
        g.iri(iri, &format!("{DCT}accessRights"), &format!("{EU}access-right/PUBLIC"));
    }
    for v in current {
        dataset(&mut g, &base, &catalog, &services[0].0, orgs.get(&v.org_code), v);
    }
    Ok(g)
}

fn dataset(g: &mut Graph, base: &str, catalog: &str, oai: &str, org: Option<&Organisation>, v: &PublishedVersion) {
    use algoreg_standard::extensions;
    let c = &v.content;
    let d = format!("{base}/id/algoritme/{}", v.record);
    g.iri(catalog, &format!("{DCAT}dataset"), &d);
    g.iri(oai, &format!("{DCAT}servesDataset"), &d);
    g.a(&d, &format!("{DCAT}Dataset"));
    g.text(&d, &format!("{DCT}identifier"), &v.record.to_string(), "");
    let name = if c.name().trim().is_empty() { v.record.to_string() } else { c.name().to_string() };
    g.text(&d, &format!("{DCT}title"), &name, "nl");
    let description = plain_text(c.str("description_short").unwrap_or(""));
    g.text(&d, &format!("{DCT}description"), if description.trim().is_empty() { &name } else { description.trim() }, "nl");
    if let Some(t) = extensions::translation(c, "en", "name") {
        g.text(&d, &format!("{DCT}title"), t, "en");
    }
    if let Some(t) = extensions::translation(c, "en", "description_short") {
        g.text(&d, &format!("{DCT}description"), plain_text(t).trim(), "en");
    }
    let publisher = org_iri(base, org, &v.org_code);
    g.iri(&d, &format!("{DCT}publisher"), &publisher);
    g.iri(&d, &format!("{DCT}creator"), &publisher);
    g.a(&publisher, &format!("{FOAF}Agent"));
    let org_name = org.map(|o| o.name.clone()).unwrap_or_else(|| c.str("organization").unwrap_or(&v.org_code).to_string());
    g.text(&publisher, &format!("{FOAF}name"), &org_name, "nl");
    let page = format!("{base}/nl/algoritme/{}", v.record);
    g.iri(&d, &format!("{DCAT}landingPage"), &page);
    g.a(&page, &format!("{FOAF}Document"));
    let themes = c.strings("category");
    let mut codes: Vec<&str> = themes.iter().map(|t| eu_theme(t)).collect();
    if codes.is_empty() {
        codes.push("GOVE");
    }
    for code in codes {
        g.iri(&d, &format!("{DCAT}theme"), &format!("{EU}data-theme/{code}"));
        let concept = format!("{EU}data-theme/{code}");
        g.a(&concept, &format!("{SKOS}Concept"));
        g.text(&concept, &format!("{SKOS}prefLabel"), eu_theme_label(code), "en");
        g.iri(&concept, &format!("{SKOS}inScheme"), &format!("{EU}data-theme"));
    }
    for t in themes {
        g.text(&d, &format!("{DCAT}keyword"), t, "nl");
    }
    g.typed(&d, &format!("{DCT}issued"), &stamp(&v.first_published_at), "dateTime");
    g.typed(&d, &format!("{DCT}modified"), &stamp(&v.published_at), "dateTime");
    g.iri(&d, &format!("{DCT}language"), &format!("{EU}language/NLD"));
    g.iri(&d, &format!("{DCT}accessRights"), &format!("{EU}access-right/PUBLIC"));
    g.iri(&d, &format!("{DCT}accrualPeriodicity"), &format!("{EU}frequency/IRREG"));
    // The contact: an e-mail address or a web page; withheld or missing, the register's.
    let contact = format!("{d}/contact");
    match c.str("contact_email").map(|s| s.trim().trim_start_matches("mailto:")) {
        Some(mail) if algoreg_standard::validate::is_email(mail) => {
            g.iri(&d, &format!("{DCAT}contactPoint"), &contact);
            g.a(&contact, &format!("{VCARD}Kind"));
            g.text(&contact, &format!("{VCARD}fn"), &org_name, "nl");
            g.iri(&contact, &format!("{VCARD}hasEmail"), &format!("mailto:{mail}"));
        }
        Some(url) if algoreg_standard::validate::is_web_url(url) => {
            g.iri(&d, &format!("{DCAT}contactPoint"), &contact);
            g.a(&contact, &format!("{VCARD}Kind"));
            g.text(&contact, &format!("{VCARD}fn"), &org_name, "nl");
            g.iri(&contact, &format!("{VCARD}hasURL"), url);
        }
        _ => g.iri(&d, &format!("{DCAT}contactPoint"), &format!("{base}/id/contact")),
    }
    // Fields withheld on a legal ground: said, with the ground, as a rights statement.
    for w in extensions::withheld(c) {
        let r = format!("{d}/afgeschermd/{}", w.field);
        g.iri(&d, &format!("{DCT}rights"), &r);
        g.a(&r, &format!("{DCT}RightsStatement"));
        let cite = extensions::ground(&w.ground).map(|g| g.cite).unwrap_or(&w.ground);
        g.text(&r, RDFS_LABEL, &format!("Niet openbaar: {} ({cite}). {}", w.field, w.explanation), "nl");
    }
    // A harvested registration: where it was first published, the path it came by, and the proof of
    // its origin's log, as a provenance statement (a higher level republishes with provenance intact).
    let harvested = v.provenance.as_ref().filter(|p| p.get("source").and_then(|s| s.as_str()) == Some("harvest"));
    if let Some(origin) = harvested.and_then(|p| p.get("origin")).and_then(|o| o.as_str()) {
        let p = format!("{d}/herkomst");
        g.iri(&d, &format!("{DCT}provenance"), &p);
        g.a(&p, &format!("{DCT}ProvenanceStatement"));
        let via: Vec<&str> =
            harvested.and_then(|h| h.get("via")).and_then(|v| v.as_array()).into_iter().flatten().filter_map(|x| x.as_str()).collect();
        // Said as carried (checked when it was harvested; the record's proof page checks it again).
        let carried = harvested.and_then(|h| h.get("origin_log")).and_then(|p| Some((p["index"].as_u64()?, p["size"].as_u64()?)));
        let (nl_proof, en_proof) = match carried {
            Some((index, size)) => (
                format!(" Met het bewijs dat het logboek van de oorsprong deze inhoud bevat (plaats {} van {size}).", index + 1),
                format!(" With the proof that the origin's log holds this content (entry {} of {size}).", index + 1),
            ),
            None => (String::new(), String::new()),
        };
        g.text(&p, RDFS_LABEL, &format!("Eerst gepubliceerd in {origin}; overgenomen via {}.{nl_proof}", via.join(", ")), "nl");
        g.text(&p, RDFS_LABEL, &format!("First published in {origin}; taken over through {}.{en_proof}", via.join(", ")), "en");
    }
    for (kind, url, ft, media, title) in [
        ("json", format!("{base}/api/v1/algorithms/{}", v.record), "JSON", "application/json", "De registratie als JSON"),
        ("csv", format!("{base}/nl/algoritme/{}/download.csv", v.record), "CSV", "text/csv", "De registratie als CSV"),
        (
            "feed",
            format!("{base}/{}", crate::federation::feed::PATH),
            "JSON",
            "application/json",
            "In de registerfeed, met elke gepubliceerde versie",
        ),
    ] {
        let dist = format!("{d}/{kind}");
        g.iri(&d, &format!("{DCAT}distribution"), &dist);
        g.a(&dist, &format!("{DCAT}Distribution"));
        g.text(&dist, &format!("{DCT}title"), title, "nl");
        g.iri(&dist, &format!("{DCAT}accessURL"), &url);
        g.iri(&dist, &format!("{DCAT}downloadURL"), &url);
        g.iri(&dist, &format!("{DCT}format"), &format!("{EU}file-type/{ft}"));
        let iana = format!("https://www.iana.org/assignments/media-types/{media}");
        g.iri(&dist, &format!("{DCAT}mediaType"), &iana);
        g.a(&iana, &format!("{DCT}MediaType"));
        g.iri(&dist, &format!("{DCT}license"), CC0);
        g.iri(&dist, &format!("{DCATAP}availability"), &format!("{EU}planned-availability/STABLE"));
        g.typed(&dist, &format!("{DCT}modified"), &stamp(&v.published_at), "dateTime");
        if kind == "feed" {
            g.iri(&dist, &format!("{DCAT}accessService"), &format!("{base}/id/dienst/feed"));
        }
    }
}

/// The terms of the EU vocabularies the catalogue uses, as the shapes check them.
fn vocabulary(g: &mut Graph) {
    let concept = |g: &mut Graph, iri: &str, class: Option<&str>, label: &str, scheme: &str| {
        if let Some(c) = class {
            g.a(iri, c);
        }
        g.a(iri, &format!("{SKOS}Concept"));
        g.text(iri, &format!("{SKOS}prefLabel"), label, "en");
        g.iri(iri, &format!("{SKOS}inScheme"), scheme);
    };
    let scheme = format!("{EU}data-theme");
    g.a(&scheme, &format!("{SKOS}ConceptScheme"));
    g.text(&scheme, &format!("{DCT}title"), "Data theme", "en");
    concept(g, &format!("{EU}language/NLD"), Some(&format!("{DCT}LinguisticSystem")), "Dutch", &format!("{EU}language"));
    concept(g, &format!("{EU}language/ENG"), Some(&format!("{DCT}LinguisticSystem")), "English", &format!("{EU}language"));
    concept(g, &format!("{EU}file-type/JSON"), Some(&format!("{DCT}MediaTypeOrExtent")), "JSON", &format!("{EU}file-type"));
    concept(g, &format!("{EU}file-type/CSV"), Some(&format!("{DCT}MediaTypeOrExtent")), "CSV", &format!("{EU}file-type"));
    concept(g, &format!("{EU}access-right/PUBLIC"), Some(&format!("{DCT}RightsStatement")), "public", &format!("{EU}access-right"));
    concept(g, &format!("{EU}frequency/IRREG"), Some(&format!("{DCT}Frequency")), "irregular", &format!("{EU}frequency"));
    concept(g, &format!("{EU}planned-availability/STABLE"), None, "stable", &format!("{EU}planned-availability"));
    concept(g, &format!("{EU}country/NLD"), Some(&format!("{DCT}Location")), "Netherlands", &format!("{EU}country"));
    g.a(CC0, &format!("{DCT}LicenseDocument"));
    g.iri(CC0, &format!("{DCT}type"), "http://purl.org/adms/licencetype/PublicDomain");
    concept(g, "http://purl.org/adms/licencetype/PublicDomain", None, "Public domain", "http://purl.org/adms/licencetype/1.0");
}

impl App {
    /// The catalogue as Turtle or JSON-LD, rendered again only when the public register changed.
    pub async fn catalog(&self, turtle: bool) -> Result<std::sync::Arc<Vec<u8>>> {
        let name = if turtle { "catalog:ttl" } else { "catalog:jsonld" };
        self.cached(name.to_string(), move |app| async move {
            let g = build(&app).await?;
            Ok(if turtle { g.turtle().into_bytes() } else { serde_json::to_vec(&g.json_ld()).unwrap_or_default() })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turtle_escapes_and_shortens() {
        let mut g = Graph::default();
        g.a("https://x.example/a b", &format!("{DCAT}Dataset"));
        g.text("https://x.example/a b", &format!("{DCT}title"), "Een \"naam\"\nmet regels", "nl");
        g.typed("https://x.example/a b", &format!("{DCT}issued"), "2024-01-01T00:00:00Z", "dateTime");
        let t = g.turtle();
        assert!(t.contains("<https://x.example/a%20b> a dcat:Dataset ;"), "{t}");
        assert!(t.contains(r#"dct:title "Een \"naam\"\nmet regels"@nl"#), "{t}");
        assert!(t.contains(r#""2024-01-01T00:00:00Z"^^xsd:dateTime ."#), "{t}");
        let j = g.json_ld();
        assert_eq!(j[0]["@type"][0], format!("{DCAT}Dataset"));
        assert_eq!(j[0][format!("{DCT}title")][0]["@language"], "nl");
        assert_eq!(eu_theme("Verkeer"), "TRAN");
        assert_eq!(eu_theme("iets anders"), "GOVE");
    }
}

//! The government's lists of organisations (`algoreg org import`): the live register's lists, one file
//! per kind (municipalities, provinces, water boards, safety regions, environmental services),
//! `name;identifier;org_id` per line; and the export of the government's organisation register
//! (organisaties.overheid.nl, `exportOO.xml`), with abbreviations, the organisation each is part of and
//! the ministry it belongs to. Every file is read and checked whole before anything is written; then
//! each listed organisation is found in the register (by code, else by name) and given its official
//! identifier and these details, or added. The register then knows the organisations that exist but
//! have not published.

use crate::error::{Result, ServiceError};
use algoreg_domain::org::{is_valid_code, OrgType, PublicationFlow};
use algoreg_store::{NewOrganisation, OrgRelations, Organisation};
use serde::Serialize;
use std::collections::HashMap;

/// Largest list file read, and most organisations in one import.
pub const MAX_LIST_BYTES: usize = 5 * 1024 * 1024;
pub const MAX_LISTED: usize = 20_000;

/// One organisation of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedOrg {
    pub name: String,
    /// The list's identifier (`GM0363`: the statistics office's code for municipalities).
    pub identifier: String,
    /// The organisation's code in the live register (`gm0363`), this register's code for it when new.
    pub code: String,
    pub org_type: OrgType,
    /// The TOOI URI, for the kinds whose TOOI identifier is the code (municipalities, provinces, water
    /// boards, and the cooperative bodies with an `so` code), or as the organisation register gives it.
    pub tooi: Option<String>,
    /// Abbreviation, parent organisation and ministry (from the organisation register's export).
    pub relations: OrgRelations,
}

/// What an import did.
#[derive(Debug, Default, Serialize, PartialEq)]
pub struct ListReport {
    /// Organisations in the lists (a line per name: some are listed under two).
    pub organisations: usize,
    /// Organisations added (they had not been in the register).
    pub created: usize,
    /// Organisations that were in the register and got their official identifier or details
    /// (abbreviation, parent, ministry).
    pub identified: usize,
    /// Organisations that were in the register with it already.
    pub unchanged: usize,
}

fn bad(label: &str, line: usize, nl: &str, en: &str) -> ServiceError {
    ServiceError::bad(format!("{label}:{line}"), format!("regel {line}: {nl}"), format!("line {line}: {en}"))
}

/// Reads one list (`label` names it in errors: the file name). The first line is the header.
pub fn parse(label: &str, text: &str) -> Result<Vec<ListedOrg>> {
    if text.len() > MAX_LIST_BYTES {
        return Err(bad(label, 0, "het bestand is groter dan 5 MB", "the file is larger than 5 MB"));
    }
    let mut lines = text.trim_start_matches('\u{feff}').lines().enumerate().map(|(i, l)| (i + 1, l.trim_end_matches('\r')));
    let header: Vec<String> = lines.next().map(|(_, h)| h.split(';').map(|c| c.trim().to_lowercase()).collect()).unwrap_or_default();
    if header != ["name", "identifier", "org_id"] {
        return Err(bad(label, 1, "de kop moet name;identifier;org_id zijn", "the header must be name;identifier;org_id"));
    }
    let mut out = vec![];
    for (n, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        if out.len() >= MAX_LISTED {
            return Err(bad(label, n, "meer dan 20.000 organisaties", "more than 20,000 organisations"));
        }
        let cols: Vec<&str> = line.split(';').map(str::trim).collect();
        let [name, identifier, code] = cols[..] else {
            return Err(bad(label, n, "verwacht drie kolommen gescheiden door ;", "expected three columns separated by ;"));
        };
        if name.is_empty() || name.chars().count() > 200 || algoreg_standard::validate::is_control_text(name) {
            return Err(bad(label, n, "name: geef een naam van 1 tot 200 tekens", "name: give a name of 1 to 200 characters"));
        }
        let prefix: String = identifier.chars().take_while(|c| c.is_ascii_uppercase()).collect();
        let digits = &identifier[prefix.len()..];
        if !(1..=4).contains(&prefix.len()) || !(1..=6).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(
                label,
                n,
                "identifier: hoofdletters en cijfers, zoals GM0363",
                "identifier: capitals and digits, such as GM0363",
            ));
        }
        if !is_valid_code(code) {
            return Err(bad(
                label,
                n,
                "org_id: kleine letters en cijfers, zoals gm0363",
                "org_id: lowercase letters and digits, such as gm0363",
            ));
        }
        let (org_type, tooi_kind) = match prefix.as_str() {
            "GM" => (OrgType::Gemeente, Some("gemeente")),
            "PV" => (OrgType::Provincie, Some("provincie")),
            "WS" => (OrgType::Waterschap, Some("waterschap")),
            "VR" => (OrgType::Veiligheidsregio, None),
            "OD" => (OrgType::Omgevingsdienst, None),
            _ => (OrgType::guess_from_name(name), None),
        };
        // Safety regions and environmental services are cooperative bodies: TOOI names them by their `so` code.
        let tooi_kind = tooi_kind.or_else(|| code.starts_with("so").then_some("so"));
        out.push(ListedOrg {
            name: name.to_string(),
            identifier: identifier.to_string(),
            code: code.to_string(),
            org_type,
            tooi: tooi_kind.map(|k| format!("https://identifier.overheid.nl/tooi/id/{k}/{code}")),
            relations: OrgRelations::default(),
        });
    }
    Ok(out)
}

/// Largest export of the organisation register read (the whole register is some tens of megabytes).
pub const MAX_ROO_BYTES: usize = 256 * 1024 * 1024;
/// Deepest nesting of elements accepted in it.
const MAX_DEPTH: usize = 64;

/// Whether a file is an export of the government's organisation register (organisaties.overheid.nl).
pub fn is_roo_export(text: &str) -> bool {
    let head: String = text.trim_start_matches('\u{feff}').chars().take(4000).collect();
    head.trim_start().starts_with('<') && head.contains("overheidsorganisaties")
}

/// One organisation as the export has it.
#[derive(Default)]
struct RooOrg {
    system_id: String,
    tooi: Option<String>,
    name: String,
    short_name: Option<String>,
    types: Vec<String>,
    /// The ministry as referred to: its system ID, TOOI URI and name.
    ministry: Option<(String, Option<String>, String)>,
    /// The organisation it is nested in (index).
    parent: Option<usize>,
    ended: bool,
    line: usize,
}

/// The last path segment of a TOOI URI when it is a valid code (`mnre1034`, `gm0363`, `oorg10103`).
fn tooi_code(uri: &str) -> Option<String> {
    let uri = uri.trim();
    if !uri.starts_with("https://identifier.overheid.nl/tooi/id/") {
        return None;
    }
    uri.rsplit('/').next().map(str::to_ascii_lowercase).filter(|c| is_valid_code(c))
}

/// The register's type for a type of the organisation register (`Zelfstandig bestuursorgaan`); parts of
/// organisations (`Organisatieonderdeel`) are not organisations of their own here.
fn roo_type(t: &str) -> Option<OrgType> {
    let code: String = t.trim().to_lowercase().replace([' ', '-'], "_");
    OrgType::parse(&code).filter(|t| *t != OrgType::Organisatieonderdeel)
}

/// What the reader keeps while it walks the export.
#[derive(Default)]
struct RooWalk {
    /// The local names of the open elements.
    path: Vec<String>,
    /// The open `organisatie` elements (indexes into `orgs`).
    open: Vec<usize>,
    orgs: Vec<RooOrg>,
    /// The element whose text is being read, with its attributes, and the text so far.
    capture: Option<Vec<(String, String)>>,
    text: String,
}

impl RooWalk {
    fn start(&mut self, name: String, attrs: Vec<(String, String)>, line: usize) {
        let attr = |k: &str| attrs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        if name == "organisatie" {
            self.orgs.push(RooOrg {
                system_id: attr("systeemId").unwrap_or_default(),
                tooi: attr("resourceIdentifierTOOI"),
                parent: self.open.last().copied(),
                line,
                ..Default::default()
            });
            self.open.push(self.orgs.len() - 1);
        } else if !self.open.is_empty() {
            self.capture = Some(attrs);
            self.text.clear();
        }
        self.path.push(name);
    }

    fn end(&mut self) {
        let Some(name) = self.path.pop() else { return };
        if name == "organisatie" {
            self.open.pop();
            return;
        }
        let Some(&cur) = self.open.last() else { return };
        // Only the organisation's own elements: `naam` directly in it, `type` in its `types`, ...
        let parent = self.path.last().map(String::as_str);
        let grand = self.path.len().checked_sub(2).and_then(|i| self.path.get(i)).map(String::as_str);
        let value = self.text.trim().to_string();
        let attrs = self.capture.take().unwrap_or_default();
        let attr = |k: &str| attrs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let o = &mut self.orgs[cur];
        match (name.as_str(), parent, grand) {
            ("naam", Some("organisatie"), _) => o.name = value,
            ("afkorting", Some("organisatie"), _) if o.short_name.is_none() && !value.is_empty() => o.short_name = Some(value),
            ("type", Some("types"), Some("organisatie")) => o.types.push(value),
            ("eindDatum", Some("organisatie"), _) if !value.is_empty() => o.ended = true,
            ("relatieMetMinisterie", Some("organisatie"), _) => {
                o.ministry = Some((attr("systeemId").unwrap_or_default(), attr("resourceIdentifierTOOI"), value))
            }
            ("resourceIdentifier", Some("identificatiecodes"), Some("organisatie"))
                if attr("naam").as_deref() == Some("resourceIdentifierTOOI") && o.tooi.is_none() =>
            {
                o.tooi = Some(value)
            }
            _ => {}
        }
        self.text.clear();
    }
}

/// The character of an XML reference: a character reference or one of XML's five named entities.
pub(crate) fn entity(r: &quick_xml::events::BytesRef) -> Option<char> {
    r.resolve_char_ref().ok().flatten().or(match r.as_ref() {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => None,
    })
}

/// The line of a position in a text, counted on from the last position asked (the reader only moves
/// forward), so that numbering every element costs one pass over the file.
struct Lines<'t> {
    text: &'t [u8],
    pos: usize,
    line: usize,
}

impl Lines<'_> {
    fn at(&mut self, pos: u64) -> usize {
        let pos = (pos as usize).min(self.text.len());
        if pos < self.pos {
            (self.pos, self.line) = (0, 1);
        }
        self.line += self.text[self.pos..pos].iter().filter(|b| **b == b'\n').count();
        self.pos = pos;
        self.line
    }
}

/// Reads an export of the organisation register (`exportOO.xml`, any schema version: elements are
/// matched by their local name). Organisations that have ended and parts of organisations are left
/// out; an organisation nested in another gets it as its parent.
pub fn parse_roo(label: &str, text: &str) -> Result<Vec<ListedOrg>> {
    use quick_xml::events::Event;
    if text.len() > MAX_ROO_BYTES {
        return Err(bad(label, 0, "het bestand is groter dan 256 MB", "the file is larger than 256 MB"));
    }
    let text = text.trim_start_matches('\u{feff}');
    let mut lines = Lines { text: text.as_bytes(), pos: 0, line: 1 };
    let not_export =
        || bad(label, 1, "dit is geen export van organisaties.overheid.nl", "this is not an export of organisaties.overheid.nl");
    // Not trimmed piece by piece: text around an entity (`Proefzaken &amp; Voorbeelden`) keeps its spaces.
    let mut reader = quick_xml::Reader::from_str(text);
    let mut w = RooWalk::default();
    let mut root_seen = false;
    loop {
        let ev = reader.read_event().map_err(|e| {
            let line = lines.at(reader.error_position());
            bad(label, line, &format!("geen geldige XML ({e})"), &format!("not valid XML ({e})"))
        })?;
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = e.local_name().as_ref().to_string();
                let line = lines.at(reader.buffer_position());
                if w.path.is_empty() {
                    if root_seen || name != "overheidsorganisaties" {
                        return Err(not_export());
                    }
                    root_seen = true;
                }
                if w.path.len() >= MAX_DEPTH {
                    return Err(bad(label, line, "te diep genest", "nested too deeply"));
                }
                if w.orgs.len() >= MAX_LISTED * 4 {
                    return Err(bad(label, line, "meer dan 80.000 organisaties", "more than 80,000 organisations"));
                }
                let attrs = e
                    .attributes()
                    .flatten()
                    .map(|a| {
                        let k = a.key.local_name().as_ref().to_string();
                        let v = a.normalized_value(quick_xml::XmlVersion::Implicit1_0).map(|v| v.to_string()).unwrap_or_default();
                        (k, v)
                    })
                    .collect();
                w.start(name, attrs, line);
                if matches!(ev, Event::Empty(_)) {
                    w.end();
                }
            }
            Event::Text(t) if w.capture.is_some() && w.text.len() < 10_000 => w.text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if w.capture.is_some() => {
                if let Some(c) = entity(&r) {
                    w.text.push(c);
                }
            }
            Event::End(_) => w.end(),
            Event::Eof => break,
            _ => {}
        }
    }
    if !root_seen {
        return Err(not_export());
    }
    roo_listed(label, w.orgs)
}

/// The organisations of the export as listed ones: codes from their TOOI URIs (`roo-{system ID}`
/// without one), types, parents and ministries resolved to codes.
fn roo_listed(label: &str, orgs: Vec<RooOrg>) -> Result<Vec<ListedOrg>> {
    let kept: Vec<bool> = orgs.iter().map(|o| !o.ended && o.types.iter().any(|t| roo_type(t).is_some())).collect();
    let mut codes: Vec<String> = Vec::with_capacity(orgs.len());
    for o in &orgs {
        if o.system_id.is_empty() || o.system_id.len() > 12 || !o.system_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(label, o.line, "systeemId: een getal", "systeemId: a number"));
        }
        codes.push(o.tooi.as_deref().and_then(tooi_code).unwrap_or_else(|| format!("roo-{}", o.system_id)));
    }
    let by_system: HashMap<&str, usize> = orgs.iter().enumerate().map(|(i, o)| (o.system_id.as_str(), i)).collect();
    let by_name: HashMap<String, usize> = orgs
        .iter()
        .enumerate()
        .filter(|(i, o)| kept[*i] && o.types.iter().any(|t| roo_type(t) == Some(OrgType::Ministerie)))
        .map(|(i, o)| (name_key(&o.name), i))
        .collect();
    let mut out = vec![];
    for (i, o) in orgs.iter().enumerate() {
        if !kept[i] {
            continue;
        }
        if o.name.is_empty() || o.name.chars().count() > 200 || algoreg_standard::validate::is_control_text(&o.name) {
            return Err(bad(label, o.line, "naam: geef een naam van 1 tot 200 tekens", "naam: give a name of 1 to 200 characters"));
        }
        if out.len() >= MAX_LISTED {
            return Err(bad(label, o.line, "meer dan 20.000 organisaties", "more than 20,000 organisations"));
        }
        let org_type = o.types.iter().find_map(|t| roo_type(t)).unwrap_or_else(|| OrgType::guess_from_name(&o.name));
        // The nearest enclosing organisation that is one of its own.
        let mut parent = o.parent;
        while let Some(p) = parent.filter(|p| !kept[*p]) {
            parent = orgs[p].parent;
        }
        let ministry = o.ministry.as_ref().and_then(|(sid, tooi, name)| {
            tooi.as_deref().and_then(tooi_code).or_else(|| by_system.get(sid.as_str()).map(|&m| codes[m].clone())).or_else(|| {
                by_name
                    .get(&name_key(name))
                    .or_else(|| by_name.get(&name_key(&format!("Ministerie van {name}"))))
                    .map(|&m| codes[m].clone())
            })
        });
        let short_name = o.short_name.as_ref().filter(|s| s.chars().count() <= 50 && !algoreg_standard::validate::is_control_text(s));
        out.push(ListedOrg {
            name: o.name.clone(),
            identifier: o.system_id.clone(),
            code: codes[i].clone(),
            org_type,
            tooi: o.tooi.clone().filter(|t| t.starts_with("https://identifier.overheid.nl/tooi/id/") && t.len() <= 200),
            relations: OrgRelations {
                short_name: short_name.cloned(),
                parent: parent.map(|p| codes[p].clone()),
                ministry: ministry.filter(|m| *m != codes[i]),
            },
        });
    }
    Ok(out)
}

pub use algoreg_domain::org::name_key;

/// Organisations found by name: the name as written (only case ignored) first, then its
/// [`name_key`] when exactly one organisation has that key (two organisations that differ only in
/// punctuation or accents are both kept, and neither is found by the looser key).
pub(crate) struct NameIndex<T> {
    exact: HashMap<String, T>,
    key: HashMap<String, Option<T>>,
}

impl<T: Clone + PartialEq> NameIndex<T> {
    pub(crate) fn new() -> NameIndex<T> {
        NameIndex { exact: HashMap::new(), key: HashMap::new() }
    }
    pub(crate) fn insert(&mut self, name: &str, value: T) {
        self.exact.insert(name.to_lowercase(), value.clone());
        let k = name_key(name);
        if k.is_empty() {
            return;
        }
        match self.key.get_mut(&k) {
            Some(slot) if slot.as_ref() != Some(&value) => *slot = None,
            Some(_) => {}
            None => {
                self.key.insert(k, Some(value));
            }
        }
    }
    pub(crate) fn get(&self, name: &str) -> Option<&T> {
        self.exact.get(&name.to_lowercase()).or_else(|| self.key.get(&name_key(name)).and_then(Option::as_ref))
    }
}

/// What to do with each listed organisation, given the register's organisations: (new ones, existing
/// ones with their identifier set, how many are there already). Lines with one code are one
/// organisation under several names (the lists name some environmental services twice): the first name
/// is its name, and any of them finds it in the register. One name under two codes is an error (the
/// lists contradict each other).
pub fn plan(existing: &[Organisation], listed: &[ListedOrg]) -> Result<(Vec<NewOrganisation>, Vec<Organisation>, usize)> {
    let mut groups: Vec<(&ListedOrg, Vec<String>)> = vec![];
    let mut group_of: HashMap<&str, usize> = HashMap::new();
    let mut code_of_name: HashMap<String, &str> = HashMap::new();
    for l in listed {
        let key = name_key(&l.name);
        if let Some(other) = code_of_name.insert(key.clone(), &l.code).filter(|c| *c != l.code) {
            return Err(ServiceError::bad(
                "name",
                format!("{} staat in de lijsten met twee codes ({other} en {})", l.name, l.code),
                format!("{} is listed with two codes ({other} and {})", l.name, l.code),
            ));
        }
        match group_of.get(l.code.as_str()) {
            Some(&i) => groups[i].1.push(l.name.clone()),
            None => {
                group_of.insert(&l.code, groups.len());
                groups.push((l, vec![l.name.clone()]));
            }
        }
    }
    let by_code: HashMap<&str, &Organisation> = existing.iter().map(|o| (o.code.as_str(), o)).collect();
    let mut by_name = NameIndex::new();
    for o in existing {
        by_name.insert(&o.name, o);
    }
    let (mut create, mut identify, mut unchanged) = (vec![], vec![], 0);
    let mut matched = std::collections::HashSet::new();
    for (l, names) in &groups {
        let found = by_code.get(l.code.as_str()).or_else(|| names.iter().find_map(|n| by_name.get(n)));
        // One organisation of the register found by two listed ones (by code and by name): the first.
        let found = match found {
            Some(o) if !matched.insert(o.id) => {
                unchanged += 1;
                continue;
            }
            other => other,
        };
        match found {
            Some(o) => {
                // What the list knows is added; what it does not know is kept.
                let r = &l.relations;
                let relations = OrgRelations {
                    short_name: r.short_name.clone().or_else(|| o.relations.short_name.clone()),
                    parent: r.parent.clone().or_else(|| o.relations.parent.clone()),
                    ministry: r.ministry.clone().or_else(|| o.relations.ministry.clone()),
                };
                let tooi = o.tooi.clone().or_else(|| l.tooi.clone());
                if tooi != o.tooi || relations != o.relations {
                    identify.push(Organisation { tooi, relations, ..(*o).clone() });
                } else {
                    unchanged += 1;
                }
            }
            None => create.push(NewOrganisation {
                code: l.code.clone(),
                name: l.name.clone(),
                org_type: l.org_type,
                tooi: l.tooi.clone(),
                relations: l.relations.clone(),
                flow: PublicationFlow::Central,
                about: None,
                contact: None,
            }),
        }
    }
    Ok((create, identify, unchanged))
}

impl crate::orgs::Orgs<'_> {
    /// Merges the listed organisations into the register ([`plan`]); the central operator only. The
    /// lists were checked whole before this, so a failure here is the database's, and running the
    /// import again finishes it (what was done counts as unchanged).
    pub async fn import_lists(&self, actor: &algoreg_domain::workflow::Principal, listed: &[ListedOrg]) -> Result<ListReport> {
        if !actor.central_operator {
            return Err(ServiceError::forbidden(
                "Alleen de centrale beheerder leest lijsten van organisaties in.",
                "Only the central operator imports lists of organisations.",
            ));
        }
        let existing = self.store.organisations().await?;
        let (create, identify, unchanged) = plan(&existing, listed)?;
        for o in &create {
            crate::orgs::check_new_organisation(o)?;
        }
        for o in &create {
            self.store.create_organisation(o).await?;
        }
        for o in &identify {
            self.store.update_organisation(o).await?;
        }
        Ok(ListReport {
            organisations: create.len() + identify.len() + unchanged,
            created: create.len(),
            identified: identify.len(),
            unchanged,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_found_as_written_first_and_by_key_only_when_one_has_it() {
        let mut idx = NameIndex::new();
        idx.insert("Súdwest-Fryslân", 1);
        idx.insert("Sudwest Fryslan", 2);
        idx.insert("Gemeente Bergen (L)", 3);
        assert_eq!(idx.get("súdwest-fryslân"), Some(&1), "as written, case aside");
        assert_eq!(idx.get("Sudwest Fryslan"), Some(&2));
        assert_eq!(idx.get("Súdwest Fryslân"), None, "two have that key: neither is guessed");
        assert_eq!(idx.get("Gemeente Bergen (L.)"), Some(&3));
        assert_eq!(idx.get("—"), None, "an empty key finds nothing");
    }

    /// An export in the organisation register's shape (made up for the test).
    pub const ROO: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<p:overheidsorganisaties p:timestamp="2026-11-30T22:00:00+01:00" xmlns:p="https://organisaties.overheid.nl/static/schema/oo/export/2.6.9">
  <p:organisaties>
    <p:organisatie p:systeemId="100" p:resourceIdentifierTOOI="https://identifier.overheid.nl/tooi/id/ministerie/mnre9001">
      <p:naam>Ministerie van Proefzaken &amp; Voorbeelden</p:naam>
      <p:afkorting>PZV</p:afkorting>
      <p:types><p:type>Ministerie</p:type></p:types>
      <p:organisaties>
        <p:organisatie p:systeemId="101">
          <p:naam>Directoraat-generaal Proeven</p:naam>
          <p:types><p:type>Organisatieonderdeel</p:type></p:types>
          <p:organisaties>
            <p:organisatie p:systeemId="102" p:resourceIdentifierTOOI="https://identifier.overheid.nl/tooi/id/oorg/oorg9002">
              <p:naam>Dienst Proefdraaien</p:naam>
              <p:afkorting>DPD</p:afkorting>
              <p:types><p:type>Agentschap</p:type></p:types>
              <p:relatieMetMinisterie p:systeemId="100" p:resourceIdentifierTOOI="https://identifier.overheid.nl/tooi/id/ministerie/mnre9001">Proefzaken &amp; Voorbeelden</p:relatieMetMinisterie>
            </p:organisatie>
          </p:organisaties>
        </p:organisatie>
      </p:organisaties>
    </p:organisatie>
    <p:organisatie p:systeemId="103">
      <p:naam>Autoriteit Voorbeeldtoezicht</p:naam>
      <p:types><p:type>Zelfstandig bestuursorgaan</p:type></p:types>
      <p:relatieMetMinisterie p:systeemId="100">Proefzaken &amp; Voorbeelden</p:relatieMetMinisterie>
      <p:identificatiecodes>
        <p:resourceIdentifier p:naam="resourceIdentifierTOOI">https://identifier.overheid.nl/tooi/id/zbo/zb009003</p:resourceIdentifier>
      </p:identificatiecodes>
    </p:organisatie>
    <p:organisatie p:systeemId="104" p:resourceIdentifierTOOI="https://identifier.overheid.nl/tooi/id/oorg/oorg9004">
      <p:naam>Opgeheven Raad</p:naam>
      <p:types><p:type>Adviescollege</p:type></p:types>
      <p:eindDatum>2020-01-01</p:eindDatum>
    </p:organisatie>
    <p:organisatie p:systeemId="105"><p:naam>Stichting Zonder Soort</p:naam><p:types/></p:organisatie>
  </p:organisaties>
  <p:gemeenschappelijkeRegelingen>
    <p:regeling p:systeemId="200"><p:titel>Regeling Proef</p:titel></p:regeling>
  </p:gemeenschappelijkeRegelingen>
</p:overheidsorganisaties>
"#;

    #[test]
    fn the_organisation_registers_export_is_read_with_abbreviations_parents_and_ministries() {
        assert!(is_roo_export(ROO));
        assert!(!is_roo_export("name;identifier;org_id\n"));
        let orgs = parse_roo("exportOO.xml", ROO).unwrap();
        type Row<'a> = (&'a str, &'a str, OrgType, Option<&'a str>, Option<&'a str>, Option<&'a str>);
        let got: Vec<Row> = orgs
            .iter()
            .map(|o| {
                (
                    o.code.as_str(),
                    o.name.as_str(),
                    o.org_type,
                    o.relations.short_name.as_deref(),
                    o.relations.parent.as_deref(),
                    o.relations.ministry.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("mnre9001", "Ministerie van Proefzaken & Voorbeelden", OrgType::Ministerie, Some("PZV"), None, None),
                ("oorg9002", "Dienst Proefdraaien", OrgType::Agentschap, Some("DPD"), Some("mnre9001"), Some("mnre9001")),
                ("zb009003", "Autoriteit Voorbeeldtoezicht", OrgType::ZelfstandigBestuursorgaan, None, None, Some("mnre9001")),
            ],
            "parts, ended organisations and those without a type are left out; a part's child hangs under the part's parent"
        );
        assert_eq!(orgs[2].tooi.as_deref(), Some("https://identifier.overheid.nl/tooi/id/zbo/zb009003"), "from identificatiecodes");
        for (text, field) in [
            ("<html><body/></html>", "f:1"),
            ("<p:overheidsorganisaties xmlns:p=\"x\"><p:organisaties>\n<p:organisatie p:systeemId=\"x1\"><p:naam>A</p:naam><p:types><p:type>Ministerie</p:type></p:types></p:organisatie></p:organisaties></p:overheidsorganisaties>", "f:2"),
            ("<p:overheidsorganisaties xmlns:p=\"x\">\n<p:organisaties>\n<p:organisatie p:systeemId=\"1\"><p:naam>A</p:naam></p:organisaties>", "f:3"),
        ] {
            match parse_roo("f", text) {
                Err(ServiceError::BadInput { field: f, .. }) => assert_eq!(f, field, "{text}"),
                other => panic!("{text}: {:?}", other.map(|v| v.len())),
            }
        }
    }

    #[test]
    fn a_list_is_read_and_checked_line_by_line() {
        let ok = parse(
            "Gemeenten.csv",
            "\u{feff}name;identifier;org_id\r\nGemeente Aa en Hunze;GM1680;gm1680\r\n\r\nOmgevingsdienst Achterhoek;OD08;so0718\n",
        )
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(
            (ok[0].org_type, ok[0].tooi.as_deref()),
            (OrgType::Gemeente, Some("https://identifier.overheid.nl/tooi/id/gemeente/gm1680"))
        );
        assert_eq!(
            (ok[1].org_type, ok[1].tooi.as_deref()),
            (OrgType::Omgevingsdienst, Some("https://identifier.overheid.nl/tooi/id/so/so0718"))
        );
        for (text, field) in [
            ("naam;id\nX;GM1;gm1", "f:1"),
            ("name;identifier;org_id\nX;GM1", "f:2"),
            ("name;identifier;org_id\n;GM1;gm1", "f:2"),
            ("name;identifier;org_id\nX;GM1;gm1\nY;gm2;gm2", "f:3"),
            ("name;identifier;org_id\nX;GM1;GM 1", "f:2"),
        ] {
            match parse("f", text) {
                Err(ServiceError::BadInput { field: f, .. }) => assert_eq!(f, field, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }
}

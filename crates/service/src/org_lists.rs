//! The government's lists of organisations (`algoreg org import`): one file per kind (municipalities,
//! provinces, water boards, safety regions, environmental services), `name;identifier;org_id` per line.
//! Every file is read and checked whole before anything is written; then each listed organisation is
//! found in the register (by code, else by name) and given its official identifier, or added. The
//! register then knows the organisations that exist but have not published.

use crate::error::{Result, ServiceError};
use algoreg_domain::org::{is_valid_code, OrgType, PublicationFlow};
use algoreg_store::{NewOrganisation, Organisation};
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
    /// The TOOI URI, for the kinds whose TOOI identifier is the code (municipalities, provinces, water boards).
    pub tooi: Option<String>,
}

/// What an import did.
#[derive(Debug, Default, Serialize, PartialEq)]
pub struct ListReport {
    /// Organisations in the lists (a line per name: some are listed under two).
    pub organisations: usize,
    /// Organisations added (they had not been in the register).
    pub created: usize,
    /// Organisations that were in the register and got their official identifier.
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
        out.push(ListedOrg {
            name: name.to_string(),
            identifier: identifier.to_string(),
            code: code.to_string(),
            org_type,
            tooi: tooi_kind.map(|k| format!("https://identifier.overheid.nl/tooi/id/{k}/{code}")),
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
            Some(o) if o.tooi.is_none() && l.tooi.is_some() => identify.push(Organisation { tooi: l.tooi.clone(), ..(*o).clone() }),
            Some(_) => unchanged += 1,
            None => create.push(NewOrganisation {
                code: l.code.clone(),
                name: l.name.clone(),
                org_type: l.org_type,
                tooi: l.tooi.clone(),
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
        assert_eq!((ok[1].org_type, ok[1].tooi.as_deref()), (OrgType::Omgevingsdienst, None));
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

//! The OAI-PMH 2.0 provider: the public register for incremental harvesting. Every record that was
//! ever public is an item; its datestamp is the time of its latest public change (from the outbox);
//! a record no longer public is a deleted item (a tombstone, kept for good: `deletedRecord` is
//! `persistent`). Sets are organisations (`org:<code>`). Formats: Dublin Core (`oai_dc`) and the
//! registration in algoreg's format (`algoreg`: the content as JSON with its version and provenance).
//!
//! The request is parsed here (every argument rule of the protocol, with its error code), the items
//! are read a page at a time; `web::oai` writes the XML. One request reads at most [`PAGE`] items
//! and looks at most [`WINDOWS`] × [`WINDOW`] outbox positions.

use crate::error::Result;
use crate::App;
use algoreg_standard::AlgorithmId;
use algoreg_store::{ChangeQuery, Organisation, PublishedVersion};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use std::collections::HashMap;

/// Items per page.
pub const PAGE: i64 = 100;
/// Outbox positions one store query looks at, and how many such windows one request may read.
pub const WINDOW: i64 = 5_000;
pub const WINDOWS: usize = 4;

/// The protocol's error codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OaiError {
    BadArgument(String),
    BadResumptionToken,
    BadVerb(String),
    CannotDisseminateFormat,
    IdDoesNotExist,
    NoRecordsMatch,
}

impl OaiError {
    pub fn code(&self) -> &'static str {
        match self {
            OaiError::BadArgument(_) => "badArgument",
            OaiError::BadResumptionToken => "badResumptionToken",
            OaiError::BadVerb(_) => "badVerb",
            OaiError::CannotDisseminateFormat => "cannotDisseminateFormat",
            OaiError::IdDoesNotExist => "idDoesNotExist",
            OaiError::NoRecordsMatch => "noRecordsMatch",
        }
    }

    pub fn message(&self) -> String {
        match self {
            OaiError::BadArgument(m) | OaiError::BadVerb(m) => m.clone(),
            OaiError::BadResumptionToken => "The resumption token is not valid.".into(),
            OaiError::CannotDisseminateFormat => "Formats: oai_dc and algoreg.".into(),
            OaiError::IdDoesNotExist => "No item with this identifier.".into(),
            OaiError::NoRecordsMatch => "No items match.".into(),
        }
    }
}

/// A metadata format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    OaiDc,
    Algoreg,
}

impl Format {
    pub const ALL: [Format; 2] = [Format::OaiDc, Format::Algoreg];

    pub fn prefix(self) -> &'static str {
        match self {
            Format::OaiDc => "oai_dc",
            Format::Algoreg => "algoreg",
        }
    }

    fn parse(s: &str) -> std::result::Result<Format, OaiError> {
        Format::ALL.into_iter().find(|f| f.prefix() == s).ok_or(OaiError::CannotDisseminateFormat)
    }
}

/// What a list asks for; also what its resumption token carries.
#[derive(Debug, Clone, PartialEq)]
pub struct ListArgs {
    pub format: Format,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// An organisation code (set `org:<code>`).
    pub set: Option<String>,
    /// The outbox position the list goes on after.
    pub after: i64,
}

impl ListArgs {
    /// The resumption token of the page after `after`: `format~after~from~until~set`, times as Unix
    /// microseconds. Opaque to harvesters.
    fn token(&self, after: i64) -> String {
        let t = |d: &Option<DateTime<Utc>>| d.map(|d| d.timestamp_micros().to_string()).unwrap_or_default();
        format!("{}~{after}~{}~{}~{}", self.format.prefix(), t(&self.from), t(&self.until), self.set.as_deref().unwrap_or(""))
    }

    fn from_token(token: &str) -> std::result::Result<ListArgs, OaiError> {
        let bad = || OaiError::BadResumptionToken;
        if token.len() > 300 {
            return Err(bad());
        }
        let parts: Vec<&str> = token.split('~').collect();
        let [format, after, from, until, set] = parts.as_slice() else { return Err(bad()) };
        let time = |s: &str| -> std::result::Result<Option<DateTime<Utc>>, OaiError> {
            if s.is_empty() {
                return Ok(None);
            }
            let micros: i64 = s.parse().map_err(|_| bad())?;
            // Only what a datestamp can say (years 0000 to 9999): a made-up token asks nothing else of the store.
            let t = Utc.timestamp_micros(micros).single().filter(|t| (0..=9999).contains(&chrono::Datelike::year(t)));
            t.map(Some).ok_or_else(bad)
        };
        Ok(ListArgs {
            format: Format::parse(format).map_err(|_| bad())?,
            after: after.parse::<i64>().ok().filter(|a| *a >= 0).ok_or_else(bad)?,
            from: time(from)?,
            until: time(until)?,
            set: match *set {
                "" => None,
                code if valid_code(code) => Some(code.to_string()),
                _ => return Err(bad()),
            },
        })
    }
}

fn valid_code(s: &str) -> bool {
    !s.is_empty() && s.len() <= 100 && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// One request.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    Identify,
    ListMetadataFormats { identifier: Option<String> },
    ListSets,
    ListIdentifiers(ListArgs),
    ListRecords(ListArgs),
    GetRecord { identifier: String, format: Format },
}

/// A datestamp argument: a day (`from` its start, `until` its end) or a second in UTC. Also says
/// whether it was a day, so `from` and `until` can be checked for the same granularity.
fn datestamp(name: &str, s: &str, end: bool) -> std::result::Result<(DateTime<Utc>, bool), OaiError> {
    let bad = || OaiError::BadArgument(format!("{name}: use YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ"));
    // Four digits of year (chrono's %Y would also take a sign and more digits: a year the store cannot hold).
    if !s.as_bytes().first().is_some_and(u8::is_ascii_digit) || s.as_bytes().get(4) != Some(&b'-') {
        return Err(bad());
    }
    if s.len() == 10 {
        let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad())?;
        let t = if end { d.and_hms_micro_opt(23, 59, 59, 999_999) } else { d.and_hms_opt(0, 0, 0) }.ok_or_else(bad)?;
        return Ok((Utc.from_utc_datetime(&t), true));
    }
    if s.len() == 20 && s.ends_with('Z') {
        let t = NaiveDateTime::parse_from_str(&s[..19], "%Y-%m-%dT%H:%M:%S").map_err(|_| bad())?;
        // A datestamp is shown to the second: `until` takes in the whole second.
        let t = if end { t + chrono::Duration::microseconds(999_999) } else { t };
        return Ok((Utc.from_utc_datetime(&t), false));
    }
    Err(bad())
}

/// Parses a request's arguments (query string or form), by the protocol's rules: `verb` once; no
/// argument twice; no argument the verb does not take; required ones present; a resumption token
/// alone.
pub fn parse(args: &[(String, String)]) -> std::result::Result<Request, OaiError> {
    if args.len() > 10 || args.iter().any(|(k, v)| k.len() > 30 || v.len() > 300) {
        return Err(OaiError::BadArgument("Too many or too long arguments.".into()));
    }
    let mut seen: Vec<&str> = vec![];
    for (k, _) in args {
        if seen.contains(&k.as_str()) {
            return Err(if k == "verb" {
                OaiError::BadVerb("The verb is given more than once.".into())
            } else {
                OaiError::BadArgument(format!("{k} is given more than once."))
            });
        }
        seen.push(k);
    }
    let get = |k: &str| args.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let Some(verb) = get("verb") else { return Err(OaiError::BadVerb("No verb.".into())) };
    let allowed: &[&str] = match verb {
        "Identify" => &[],
        "ListMetadataFormats" => &["identifier"],
        "ListSets" => &["resumptionToken"],
        "ListIdentifiers" | "ListRecords" => &["metadataPrefix", "from", "until", "set", "resumptionToken"],
        "GetRecord" => &["identifier", "metadataPrefix"],
        other => return Err(OaiError::BadVerb(format!("Unknown verb: {}.", other.chars().take(40).collect::<String>()))),
    };
    if let Some((k, _)) = args.iter().find(|(k, _)| k != "verb" && !allowed.contains(&k.as_str())) {
        return Err(OaiError::BadArgument(format!("{verb} does not take {}.", k.chars().take(30).collect::<String>())));
    }
    if let Some(token) = get("resumptionToken") {
        if args.len() > 2 {
            return Err(OaiError::BadArgument("A resumption token comes alone.".into()));
        }
        if verb == "ListSets" {
            // Sets come in one list: there is never a token to give back.
            return Err(OaiError::BadResumptionToken);
        }
        let a = ListArgs::from_token(token)?;
        return Ok(if verb == "ListRecords" { Request::ListRecords(a) } else { Request::ListIdentifiers(a) });
    }
    Ok(match verb {
        "Identify" => Request::Identify,
        "ListMetadataFormats" => Request::ListMetadataFormats { identifier: get("identifier").map(String::from) },
        "ListSets" => Request::ListSets,
        "GetRecord" => {
            let (Some(identifier), Some(prefix)) = (get("identifier"), get("metadataPrefix")) else {
                return Err(OaiError::BadArgument("GetRecord needs identifier and metadataPrefix.".into()));
            };
            Request::GetRecord { identifier: identifier.to_string(), format: Format::parse(prefix)? }
        }
        _ => {
            let Some(prefix) = get("metadataPrefix") else {
                return Err(OaiError::BadArgument("metadataPrefix is required.".into()));
            };
            let format = Format::parse(prefix)?;
            let from = get("from").map(|s| datestamp("from", s, false)).transpose()?;
            let until = get("until").map(|s| datestamp("until", s, true)).transpose()?;
            if let (Some((_, a)), Some((_, b))) = (&from, &until) {
                if a != b {
                    return Err(OaiError::BadArgument("from and until must have the same granularity.".into()));
                }
            }
            if let (Some((f, _)), Some((u, _))) = (&from, &until) {
                if f > u {
                    return Err(OaiError::BadArgument("from is after until.".into()));
                }
            }
            let set = match get("set") {
                None => None,
                Some(s) => Some(
                    s.strip_prefix("org:")
                        .filter(|c| valid_code(c))
                        .ok_or_else(|| OaiError::BadArgument("Sets are org:<organisation code>.".into()))?
                        .to_string(),
                ),
            };
            let a = ListArgs { format, from: from.map(|f| f.0), until: until.map(|u| u.0), set, after: 0 };
            if verb == "ListRecords" {
                Request::ListRecords(a)
            } else {
                Request::ListIdentifiers(a)
            }
        }
    })
}

/// One item: a public record (with its current version) or the tombstone of one no longer public.
#[derive(Debug, Clone)]
pub struct Item {
    pub id: AlgorithmId,
    pub datestamp: DateTime<Utc>,
    pub org_code: String,
    pub version: Option<PublishedVersion>,
    /// Every published version, oldest first (for the `algoreg` format; empty otherwise).
    pub history: Vec<PublishedVersion>,
}

/// A page of a list, with the token of the next (none on the last page).
#[derive(Debug, Clone)]
pub struct Page {
    pub items: Vec<Item>,
    pub next: Option<String>,
}

/// What Identify says.
#[derive(Debug, Clone)]
pub struct Identity {
    pub name: String,
    pub base_url: String,
    pub earliest: DateTime<Utc>,
    pub host: String,
}

pub struct Oai<'a> {
    pub(crate) app: &'a App,
}

impl Oai<'_> {
    fn host(&self) -> String {
        let url = self.app.public_url();
        url.split("://").nth(1).unwrap_or(url).split(['/', ':']).next().unwrap_or("localhost").to_string()
    }

    /// The item identifier of a record: `oai:<host>:<ID>`.
    pub fn identifier(&self, id: AlgorithmId) -> String {
        format!("oai:{}:{id}", self.host())
    }

    fn parse_identifier(&self, s: &str) -> std::result::Result<AlgorithmId, OaiError> {
        s.strip_prefix(&format!("oai:{}:", self.host())).and_then(|id| AlgorithmId::parse(id).ok()).ok_or(OaiError::IdDoesNotExist)
    }

    pub async fn identify(&self) -> Result<Identity> {
        let store = self.app.store.as_ref();
        // The first item's datestamp is the earliest; looked for in a bounded part of the outbox (when it
        // is not there, the start of 1970 is a true, if loose, lower limit).
        let mut earliest = None;
        let mut after = 0;
        for _ in 0..WINDOWS {
            let first = store.public_changes(&ChangeQuery { after, window: WINDOW, limit: 1, ..Default::default() }).await?;
            if let Some(c) = first.first() {
                earliest = Some(c.at);
                break;
            }
            after += WINDOW;
        }
        Ok(Identity {
            name: format!("Algoritmeregister ({})", self.host()),
            base_url: format!("{}/oai", self.app.public_url()),
            earliest: earliest.unwrap_or_else(|| Utc.timestamp_opt(0, 0).single().unwrap_or_default()),
            host: self.host(),
        })
    }

    /// The organisations as sets (those whose code is a valid set name).
    pub async fn sets(&self) -> Result<Vec<Organisation>> {
        Ok(self.app.store.organisations().await?.into_iter().filter(|o| valid_code(&o.code)).collect())
    }

    /// Whether an item exists (for ListMetadataFormats with an identifier).
    pub async fn exists(&self, identifier: &str) -> Result<std::result::Result<(), OaiError>> {
        let Ok(id) = self.parse_identifier(identifier) else { return Ok(Err(OaiError::IdDoesNotExist)) };
        Ok(if self.app.store.published_history(id).await?.is_empty() { Err(OaiError::IdDoesNotExist) } else { Ok(()) })
    }

    /// One item by its identifier.
    pub async fn item(&self, identifier: &str) -> Result<std::result::Result<Item, OaiError>> {
        let Ok(id) = self.parse_identifier(identifier) else { return Ok(Err(OaiError::IdDoesNotExist)) };
        let history = self.app.store.published_history(id).await?;
        let Some(last) = history.iter().max_by_key(|v| v.number) else { return Ok(Err(OaiError::IdDoesNotExist)) };
        let current = history.iter().find(|v| v.current).cloned();
        let org_code = last.org_code.clone();
        // The datestamp: the record's latest public change.
        let mut datestamp = last.published_at;
        if let Some(h) = self.app.store.history(id).await?.last() {
            datestamp = datestamp.max(h.at);
        }
        let mut history = history;
        history.sort_by_key(|v| v.number);
        Ok(Ok(Item { id, datestamp, org_code, version: current, history }))
    }

    /// A page of a list.
    pub async fn list(&self, a: &ListArgs) -> Result<std::result::Result<Page, OaiError>> {
        let store = self.app.store.as_ref();
        let org = match &a.set {
            None => None,
            Some(code) => match store.organisation_by_code(code).await? {
                Some(o) => Some(o.id),
                None => return Ok(Err(OaiError::NoRecordsMatch)),
            },
        };
        let max = store.outbox_max().await?;
        let mut after = a.after;
        let mut changes = vec![];
        for _ in 0..WINDOWS {
            let q = ChangeQuery { after, window: WINDOW, limit: PAGE - changes.len() as i64, org, from: a.from, until: a.until };
            let found = store.public_changes(&q).await?;
            let full = found.len() as i64 == q.limit;
            after = match found.last() {
                Some(c) if full => c.position,
                _ => after.saturating_add(WINDOW).min(max),
            };
            changes.extend(found);
            if changes.len() as i64 >= PAGE || after >= max {
                break;
            }
        }
        if changes.is_empty() && a.after == 0 && after >= max {
            return Ok(Err(OaiError::NoRecordsMatch));
        }
        let ids: Vec<AlgorithmId> = changes.iter().map(|c| c.record).collect();
        let mut current: HashMap<AlgorithmId, PublishedVersion> =
            store.published_many(&ids).await?.into_iter().map(|v| (v.record, v)).collect();
        let codes: HashMap<algoreg_store::OrgId, String> = store.organisations().await?.into_iter().map(|o| (o.id, o.code)).collect();
        let mut items = vec![];
        for c in changes {
            let version = current.remove(&c.record);
            let org_code = match &version {
                Some(v) => v.org_code.clone(),
                None => store.record(c.record).await?.and_then(|m| codes.get(&m.org_id).cloned()).unwrap_or_default(),
            };
            let history = match (&version, a.format) {
                (Some(_), Format::Algoreg) => {
                    let mut h = store.published_history(c.record).await?;
                    h.sort_by_key(|v| v.number);
                    h
                }
                _ => vec![],
            };
            items.push(Item { id: c.record, datestamp: c.at, org_code, version, history });
        }
        let next = (after < max).then(|| a.token(after));
        Ok(Ok(Page { items, next }))
    }
}

impl App {
    pub fn oai(&self) -> Oai<'_> {
        Oai { app: self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn requests_follow_the_protocols_argument_rules() {
        assert_eq!(parse(&args(&[("verb", "Identify")])), Ok(Request::Identify));
        let code = |a: &[(&str, &str)]| parse(&args(a)).err().map(|e| e.code());
        assert_eq!(code(&[]), Some("badVerb"));
        assert_eq!(code(&[("verb", "Dance")]), Some("badVerb"));
        assert_eq!(code(&[("verb", "Identify"), ("verb", "Identify")]), Some("badVerb"));
        assert_eq!(code(&[("verb", "Identify"), ("set", "x")]), Some("badArgument"));
        assert_eq!(code(&[("verb", "ListRecords")]), Some("badArgument"));
        assert_eq!(code(&[("verb", "ListRecords"), ("metadataPrefix", "marc")]), Some("cannotDisseminateFormat"));
        assert_eq!(code(&[("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2024-13-01")]), Some("badArgument"));
        assert_eq!(
            code(&[("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2024-01-01"), ("until", "2024-02-01T00:00:00Z")]),
            Some("badArgument"),
            "granularities differ"
        );
        assert_eq!(
            code(&[("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2024-02-01"), ("until", "2024-01-01")]),
            Some("badArgument")
        );
        assert_eq!(code(&[("verb", "ListRecords"), ("resumptionToken", "x"), ("metadataPrefix", "oai_dc")]), Some("badArgument"));
        assert_eq!(code(&[("verb", "ListRecords"), ("resumptionToken", "nonsense")]), Some("badResumptionToken"));
        // A made-up token with a time no datestamp can say (the year -262,000).
        let far = (-8_000_000_000_000_000_000i64).to_string();
        assert_eq!(code(&[("verb", "ListRecords"), ("resumptionToken", &format!("oai_dc~0~{far}~~"))]), Some("badResumptionToken"));
        assert_eq!(code(&[("verb", "ListRecords"), ("resumptionToken", "oai_dc~0~0~~")]), None, "1970 is fine");
        // Datestamps have four digits of year: not a sign, not more digits.
        for far in ["-99999-1-1", "+99999-1-1", "99999-1-01", "-0001-01-01T00:00:00Z"] {
            assert_eq!(code(&[("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", far)]), Some("badArgument"), "{far}");
        }
        assert_eq!(code(&[("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "0001-01-01")]), None);
        assert_eq!(code(&[("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"), ("set", "gemeenten")]), Some("badArgument"));
        let Ok(Request::ListRecords(a)) = parse(&args(&[
            ("verb", "ListRecords"),
            ("metadataPrefix", "algoreg"),
            ("from", "2024-01-01"),
            ("until", "2024-01-31"),
            ("set", "org:gm0363"),
        ])) else {
            panic!("a list")
        };
        assert_eq!(a.until.unwrap().to_rfc3339(), "2024-01-31T23:59:59.999999+00:00");
        // The token carries the arguments on.
        let token = a.token(42);
        let Ok(Request::ListRecords(b)) = parse(&args(&[("verb", "ListRecords"), ("resumptionToken", &token)])) else { panic!("{token}") };
        assert_eq!((b.after, b.format, b.set.as_deref(), b.from, b.until), (42, Format::Algoreg, Some("gm0363"), a.from, a.until));
    }
}

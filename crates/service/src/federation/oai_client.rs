//! Reading another register's OAI-PMH answers (`ListRecords` in the `algoreg` format), for incremental
//! harvesting: a source whose address ends in `/oai` is harvested this way. Pure: the harvester fetches.

use algoreg_standard::AlgorithmId;
use serde_json::Value;
use std::collections::HashSet;

/// One page of a `ListRecords` answer.
#[derive(Debug, Default)]
pub struct Page {
    pub response_date: Option<String>,
    /// The protocol's error code, if the answer is one (`noRecordsMatch` means: nothing changed).
    pub error: Option<String>,
    /// Records in the register feed's record shape.
    pub records: Vec<Value>,
    /// Items no longer public at the source.
    pub deleted: HashSet<AlgorithmId>,
    /// The next page's token (none or empty: the list is complete).
    pub token: Option<String>,
}

/// Whether a source address is an OAI-PMH endpoint (harvested incrementally).
pub fn is_oai(url: &str) -> bool {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    path.trim_end_matches('/').ends_with("/oai")
}

/// The relation by which a register's feed names its OAI-PMH address in a `Link` header (an extension
/// relation type, RFC 8288: the OAI-PMH 2.0 namespace).
pub const LINK_REL: &str = "http://www.openarchives.org/OAI/2.0/";

/// The OAI-PMH address a feed at `feed_url` offers in its `Link` header, for one organisation's set:
/// only an address on the same server (scheme, host and port) and ending in `/oai` is taken.
pub fn offered(feed_url: &str, link: &str, org_code: &str) -> Option<String> {
    let base = reqwest::Url::parse(feed_url).ok()?;
    let target = link.split(',').find_map(|part| {
        let (uri, params) = part.trim().strip_prefix('<')?.split_once('>')?;
        params.split(';').any(|p| p.trim().replace(' ', "") == format!("rel=\"{LINK_REL}\"")).then_some(uri.to_string())
    })?;
    let mut url = base.join(&target).ok()?;
    if url.scheme() != base.scheme() || url.host_str() != base.host_str() || url.port_or_known_default() != base.port_or_known_default() {
        return None;
    }
    url.set_query(None);
    url.set_fragment(None);
    let url = url.to_string();
    (is_oai(&url) && org_code.len() <= 100).then(|| format!("{url}?set=org:{org_code}"))
}

/// An OAI-PMH `from` (UTC, whole seconds) for the changes since a feed's `Last-Modified` (its
/// register's clock), or since ten minutes before `now` when it has none.
pub fn from_http_date(last_modified: Option<&str>, now: chrono::DateTime<chrono::Utc>) -> String {
    let since = last_modified
        .and_then(|s| chrono::DateTime::parse_from_rfc2822(&s.trim().replace("GMT", "+0000")).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or(now - chrono::Duration::minutes(10));
    since.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The set a source's address names (`.../oai?set=org:<code>`: one organisation of a register that
/// holds many, such as a national one).
fn set_of(url: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|p| p.strip_prefix("set=")).map(|s| s.replace("%3A", ":").replace("%3a", ":"))
}

/// The address of the first page: everything (of the source's set), or what changed `from` a
/// datestamp on.
pub fn first_url(source: &str, from: Option<&str>) -> String {
    let base = source.split('?').next().unwrap_or(source);
    let mut url = format!("{base}?verb=ListRecords&metadataPrefix=algoreg");
    if let Some(set) = set_of(source) {
        url.push_str(&format!("&set={}", encode(&set)));
    }
    if let Some(f) = from {
        url.push_str(&format!("&from={}", encode(f)));
    }
    url
}

/// The address of the page a resumption token names.
pub fn next_url(base: &str, token: &str) -> String {
    format!("{}?verb=ListRecords&resumptionToken={}", base.split('?').next().unwrap_or(base), encode(token))
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// Reads one answer. Errors say what is wrong, in Dutch and English.
pub fn parse_page(bytes: &[u8]) -> Result<Page, String> {
    use quick_xml::events::Event;
    let text = std::str::from_utf8(bytes).map_err(|_| "het OAI-antwoord is geen UTF-8 / the OAI answer is not UTF-8".to_string())?;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut page = Page::default();
    let mut path: Vec<String> = vec![];
    let mut buf = String::new();
    let mut deleted = false;
    let mut identifier = String::new();
    let mut root = false;
    loop {
        let ev = reader.read_event().map_err(|e| format!("geen geldige XML / not valid XML: {e}"))?;
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = e.local_name().as_ref().to_string();
                if path.is_empty() {
                    if name != "OAI-PMH" {
                        return Err("geen OAI-PMH-antwoord / not an OAI-PMH answer".into());
                    }
                    root = true;
                }
                if path.len() > 32 {
                    return Err("te diep genest / nested too deeply".into());
                }
                let attr = |k: &str| e.attributes().flatten().find(|a| a.key.local_name().as_ref() == k).map(|a| a.value.to_string());
                match name.as_str() {
                    "error" => page.error = Some(attr("code").unwrap_or_default()),
                    "header" => {
                        deleted = attr("status").as_deref() == Some("deleted");
                        identifier.clear();
                    }
                    _ => {}
                }
                buf.clear();
                if matches!(ev, Event::Start(_)) {
                    path.push(name);
                } else if name == "resumptionToken" {
                    page.token = Some(String::new());
                }
            }
            Event::Text(t) => buf.push_str(&t.xml10_content()),
            Event::CData(t) => buf.push_str(&t),
            Event::GeneralRef(r) => {
                if let Some(c) = crate::org_lists::entity(&r) {
                    buf.push(c);
                }
            }
            Event::End(_) => {
                let Some(name) = path.pop() else { break };
                let text = std::mem::take(&mut buf);
                match name.as_str() {
                    // Kept as the next harvest's `from`: only a time in the protocol's own form.
                    "responseDate" => {
                        let t = text.trim();
                        page.response_date = (t.len() == 20 && chrono::DateTime::parse_from_rfc3339(t).is_ok()).then(|| t.to_string());
                    }
                    "identifier" if path.last().map(String::as_str) == Some("header") => identifier = text.trim().to_string(),
                    "header" if deleted => {
                        let id = identifier.rsplit(':').next().unwrap_or("");
                        if let Ok(id) = AlgorithmId::parse(id) {
                            page.deleted.insert(id);
                        }
                    }
                    "json" => {
                        let v: Value = serde_json::from_str(&text)
                            .map_err(|e| format!("een record is geen geldige JSON / a record is not valid JSON: {e}"))?;
                        page.records.push(v);
                    }
                    "resumptionToken" => page.token = Some(text.trim().to_string()),
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !root {
        return Err("geen OAI-PMH-antwoord / not an OAI-PMH answer".into());
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feed_names_its_oai_pmh_address_on_its_own_server_only() {
        let feed = "https://register.example/feed/v1/register.json";
        let rel = format!("rel=\"{LINK_REL}\"");
        assert_eq!(offered(feed, &format!("<../../oai>; {rel}"), "gem-a").as_deref(), Some("https://register.example/oai?set=org:gem-a"));
        assert_eq!(
            offered(feed, &format!("<https://x.example/a>; rel=\"next\", </oai?verb=Identify>; {rel}; type=\"text/xml\""), "gem-a")
                .as_deref(),
            Some("https://register.example/oai?set=org:gem-a")
        );
        for link in [
            format!("<https://elsewhere.example/oai>; {rel}"),
            format!("<http://register.example/oai>; {rel}"),
            format!("<https://register.example:8443/oai>; {rel}"),
            format!("<../../feed>; {rel}"),
            "<../../oai>; rel=\"alternate\"".to_string(),
            "nonsense".to_string(),
        ] {
            assert_eq!(offered(feed, &link, "gem-a"), None, "{link}");
        }
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-04T10:00:00Z").unwrap().with_timezone(&chrono::Utc);
        assert_eq!(from_http_date(Some("Fri, 04 Dec 2026 09:30:05 GMT"), now), "2026-12-04T09:30:05Z");
        assert_eq!(from_http_date(Some("gisteren"), now), "2026-12-04T09:50:00Z");
        assert_eq!(from_http_date(None, now), "2026-12-04T09:50:00Z");
    }

    #[test]
    fn reads_records_deletions_tokens_and_errors() {
        let id = AlgorithmId::generate(|| 3).to_string();
        let xml = format!(
            r#"<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-12-04T10:00:00Z</responseDate>
            <ListRecords><record><header><identifier>oai:x:{id}</identifier><datestamp>2026-12-04T09:00:00Z</datestamp></header>
            <metadata><registration xmlns="https://algoreg.nl/ns/oai/registration/1"><json>{{"id": "{id}", "name": "a &amp; b &lt;c&gt;"}}</json></registration></metadata></record>
            <record><header status="deleted"><identifier>oai:x:{id}</identifier><datestamp>2026-12-04T09:00:00Z</datestamp></header></record>
            <resumptionToken>algoreg~5~~~</resumptionToken></ListRecords></OAI-PMH>"#
        );
        let p = parse_page(xml.as_bytes()).unwrap();
        assert_eq!(p.response_date.as_deref(), Some("2026-12-04T10:00:00Z"));
        assert_eq!(p.records[0]["name"], "a & b <c>");
        assert!(p.deleted.contains(&AlgorithmId::parse(&id).unwrap()));
        assert_eq!(p.token.as_deref(), Some("algoreg~5~~~"));
        let e = parse_page(br#"<OAI-PMH><responseDate>x</responseDate><error code="noRecordsMatch">none</error></OAI-PMH>"#).unwrap();
        assert_eq!(e.error.as_deref(), Some("noRecordsMatch"));
        assert!(parse_page(b"<html/>").is_err());
        assert!(parse_page(b"{}").is_err());
        assert!(is_oai("https://a.example/oai") && is_oai("https://a.example/oai/") && !is_oai("https://a.example/feed/v1/register.json"));
        assert_eq!(next_url("https://a.example/oai", "a~1"), "https://a.example/oai?verb=ListRecords&resumptionToken=a~1");
        assert_eq!(
            first_url("https://a.example/oai", Some("2026-12-04T10:00:00Z")),
            "https://a.example/oai?verb=ListRecords&metadataPrefix=algoreg&from=2026-12-04T10%3A00%3A00Z"
        );
        assert_eq!(
            first_url("https://n.example/oai?set=org:gm0363", None),
            "https://n.example/oai?verb=ListRecords&metadataPrefix=algoreg&set=org%3Agm0363"
        );
        assert!(is_oai("https://n.example/oai?set=org:gm0363"));
    }
}

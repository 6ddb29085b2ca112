//! Fetching a feed from another register, guarded.
//!
//! Every limit that a misbehaving source could push against is enforced here: connect and total
//! timeouts, a maximum body size (counted after decompression, so a gzip bomb stops too), a
//! redirect limit, the content type, and the address the request goes to. Host names are resolved by
//! our own resolver, which refuses private, loopback, link-local and other non-public addresses unless
//! they are allow-listed; literal IP addresses in the URL and in redirects are checked the same way.
//! The connection is made to the checked address, so a second DNS answer cannot slip past the check.

use algoreg_domain::quality::LinkOutcome;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// Limits and the address allow-list for harvesting.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    pub connect_timeout: Duration,
    pub total_timeout: Duration,
    pub max_bytes: u64,
    pub max_redirects: usize,
    /// Networks that may be fetched from although they are not public (for example 127.0.0.0/8 in tests).
    pub allow: Vec<Cidr>,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(60),
            max_bytes: 64 * 1024 * 1024,
            max_redirects: 5,
            allow: vec![],
        }
    }
}

/// A network in CIDR notation (`10.0.0.0/8`, `::1/128`); a bare address is a single host.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Option<Cidr> {
        let (a, p) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let addr: IpAddr = a.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max)?,
            None => max,
        };
        Some(Cidr { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = if self.prefix == 0 { 0 } else { u32::MAX << (32 - self.prefix) };
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = if self.prefix == 0 { 0 } else { u128::MAX << (128 - self.prefix) };
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// IPv6 addresses that carry an IPv4 address (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, 6to4
/// `2002:aabb:ccdd::`) are judged as that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            if let Some(v4) = v6.to_ipv4_mapped() {
                IpAddr::V4(v4)
            } else if s[..6] == [0, 0, 0, 0, 0, 0] && !(s[6] == 0 && s[7] <= 1) {
                IpAddr::V4(std::net::Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8))
            } else if s[0] == 0x2002 {
                IpAddr::V4(std::net::Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8))
            } else {
                ip
            }
        }
        v4 => v4,
    }
}

/// Whether an address is on the public internet (not private, loopback, link-local, shared,
/// multicast, documentation or otherwise reserved).
pub fn is_public(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(a) => {
            let o = a.octets();
            !(a.is_private()
                || a.is_loopback()
                || a.is_link_local()
                || a.is_unspecified()
                || a.is_broadcast()
                || a.is_multicast()
                || a.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                || (o[0] == 198 && (18..20).contains(&o[1]))
                || o[0] >= 240)
        }
        IpAddr::V6(a) => {
            let s = a.segments();
            !(a.is_loopback()
                || a.is_unspecified()
                || a.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] & 0xffc0) == 0xfec0
                || s[0] == 0x2001 && s[1] == 0x0db8
                || s[0] == 0x2001 && s[1] == 0
                || s[0] == 0x0064 && s[1] == 0xff9b
                || s[..4] == [0x0100, 0, 0, 0]
                || s[..6] == [0, 0, 0, 0, 0, 0xffff]
                || s[..6] == [0, 0, 0, 0, 0xffff, 0])
        }
    }
}

fn allowed(ip: IpAddr, allow: &[Cidr]) -> bool {
    is_public(ip) || allow.iter().any(|c| c.contains(ip))
}

/// Why a fetch failed, in plain words (Dutch / English).
#[derive(Debug, Clone, PartialEq)]
pub struct FetchError(pub String);

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn err(nl: impl std::fmt::Display, en: impl std::fmt::Display) -> FetchError {
    FetchError(format!("{nl} / {en}"))
}

struct GuardedResolver {
    allow: Arc<Vec<Cidr>>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow = self.allow.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let ok: Vec<SocketAddr> = found.iter().copied().filter(|a| allowed(a.ip(), &allow)).collect();
            if ok.is_empty() {
                let why: Box<dyn std::error::Error + Send + Sync> = if found.is_empty() {
                    format!("{host}: no address").into()
                } else {
                    // Which internal address a name stands for is for the server's log only.
                    tracing::info!(host = %host, address = %found[0].ip(), "a fetch was refused: the name resolves to an internal address");
                    format!("{host}: refused address").into()
                };
                return Err(why);
            }
            let addrs: reqwest::dns::Addrs = Box::new(ok.into_iter());
            Ok(addrs)
        })
    }
}

/// The result of a conditional fetch.
#[derive(Debug)]
pub enum Fetched {
    NotModified,
    /// With the validators and the `Link` header (where a register names its OAI-PMH address).
    Body {
        bytes: Vec<u8>,
        etag: Option<String>,
        last_modified: Option<String>,
        link: Option<String>,
    },
}

/// An HTTP client for feeds; cheap to clone, shares its connection pool.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    config: Arc<FetchConfig>,
}

impl Fetcher {
    pub fn new(config: FetchConfig) -> Result<Fetcher, FetchError> {
        let allow = Arc::new(config.allow.clone());
        let redirect_allow = allow.clone();
        let max_redirects = config.max_redirects;
        let client = reqwest::Client::builder()
            .user_agent(concat!("algoreg/", env!("CARGO_PKG_VERSION"), " (register harvester)"))
            .connect_timeout(config.connect_timeout)
            .timeout(config.total_timeout)
            .dns_resolver(Arc::new(GuardedResolver { allow }))
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() >= max_redirects {
                    attempt.error(format!("more than {max_redirects} redirects"))
                } else if let Err(e) = check_url(attempt.url(), &redirect_allow) {
                    attempt.error(e.0)
                } else {
                    attempt.follow()
                }
            }))
            .pool_max_idle_per_host(2)
            // No proxy from the environment: a proxy would resolve names itself, past the address check.
            .no_proxy()
            .build()
            .map_err(|e| err(format!("HTTP-client kan niet starten: {e}"), format!("HTTP client cannot start: {e}")))?;
        Ok(Fetcher { client, config: Arc::new(config) })
    }

    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// Fetches `url`, conditionally when validators of an earlier response are given.
    pub async fn fetch(&self, url: &str, etag: Option<&str>, last_modified: Option<&str>) -> Result<Fetched, FetchError> {
        let parsed = check_source_url(url)?;
        check_url(&parsed, &self.config.allow)?;
        let mut req = self.client.get(parsed).header(reqwest::header::ACCEPT, "application/json");
        if let Some(e) = etag {
            req = req.header(reqwest::header::IF_NONE_MATCH, e);
        }
        if let Some(m) = last_modified {
            req = req.header(reqwest::header::IF_MODIFIED_SINCE, m);
        }
        let resp = req.send().await.map_err(describe)?;
        let status = resp.status();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            return Err(status_error(status));
        }
        let header =
            |h: reqwest::header::HeaderName| resp.headers().get(h).and_then(|v| v.to_str().ok()).map(|s| s.chars().take(200).collect());
        let etag: Option<String> = header(reqwest::header::ETAG);
        let last_modified: Option<String> = header(reqwest::header::LAST_MODIFIED);
        let link: Option<String> = header(reqwest::header::LINK);
        let bytes = self.body(resp, false).await?;
        Ok(Fetched::Body { bytes, etag, last_modified, link })
    }

    /// Fetches a small text or JSON document (a source's publication log: its key, checkpoint, proofs)
    /// under the same guard and limits; none when the source has no such document (404).
    pub async fn fetch_text(&self, url: &str) -> Result<Option<String>, FetchError> {
        let parsed = check_source_url(url)?;
        check_url(&parsed, &self.config.allow)?;
        let resp = self.client.get(parsed).send().await.map_err(describe)?;
        let status = resp.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(status_error(status));
        }
        // Keys, checkpoints and proofs are small: a larger answer is not one of them.
        let max: u64 = 64 * 1024;
        let mut resp = resp;
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(describe)? {
            if bytes.len() as u64 + chunk.len() as u64 > max {
                return Err(too_big(max));
            }
            bytes.extend_from_slice(&chunk);
        }
        String::from_utf8(bytes).map(Some).map_err(|_| err("geen UTF-8-tekst", "not UTF-8 text"))
    }

    /// Fetches an OAI-PMH answer (XML) under the same guard and limits as a feed.
    pub async fn fetch_xml(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        let parsed = check_source_url(url)?;
        check_url(&parsed, &self.config.allow)?;
        let resp = self.client.get(parsed).header(reqwest::header::ACCEPT, "text/xml").send().await.map_err(describe)?;
        let status = resp.status();
        if !status.is_success() {
            return Err(status_error(status));
        }
        self.body(resp, true).await
    }

    /// Checks one link of a registration: HEAD, or GET where the server does not answer HEAD; redirects
    /// are followed under the same guard; the body is never read. Gives the outcome, the final HTTP
    /// status when one came, and why it did not work.
    pub async fn check_link(&self, url: &str) -> (LinkOutcome, Option<u16>, String) {
        let parsed = match check_source_url(url) {
            Ok(u) => u,
            Err(e) => return (LinkOutcome::Broken, None, e.0),
        };
        if check_url(&parsed, &self.config.allow).is_err() {
            return (LinkOutcome::Refused, None, "geen openbaar adres / not a public address".into());
        }
        let mut resp = self.client.head(parsed.clone()).send().await;
        if let Ok(r) = &resp {
            // Some servers answer HEAD wrongly (not allowed, or even 404): GET confirms before a link is called broken.
            if matches!(r.status().as_u16(), 404 | 405 | 410 | 501) {
                resp = self.client.get(parsed).send().await;
            }
        }
        match resp {
            Ok(r) => {
                let status = r.status().as_u16();
                let outcome = LinkOutcome::of_status(status);
                let detail =
                    if outcome == LinkOutcome::Ok { String::new() } else { format!("HTTP-status {status} / HTTP status {status}") };
                (outcome, Some(status), detail)
            }
            Err(e) => {
                let timeout = e.is_timeout();
                let why = describe(e);
                if why.0.contains("privé- of intern adres") {
                    // Which internal address a name leads to is not said: the outcome is shown to editors.
                    return (LinkOutcome::Refused, None, "geen openbaar adres / not a public address".into());
                }
                (if timeout { LinkOutcome::Timeout } else { LinkOutcome::Unreachable }, None, why.0)
            }
        }
    }

    /// Posts a form (an OpenID provider's token endpoint) and returns the status and the JSON body,
    /// whatever the status: such endpoints explain a refusal in a JSON body. `basic` is sent as HTTP
    /// Basic authentication (client ID and secret, form-encoded as RFC 6749 section 2.3.1 asks).
    pub async fn post_form(
        &self,
        url: &str,
        form: &[(&str, &str)],
        basic: Option<(&str, &str)>,
    ) -> Result<(reqwest::StatusCode, Vec<u8>), FetchError> {
        let parsed = check_source_url(url)?;
        check_url(&parsed, &self.config.allow)?;
        let mut req = self.client.post(parsed).header(reqwest::header::ACCEPT, "application/json").form(form);
        if let Some((id, secret)) = basic {
            let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            req = req.basic_auth(enc(id), Some(enc(secret)));
        }
        let resp = req.send().await.map_err(describe)?;
        let status = resp.status();
        Ok((status, self.body(resp, false).await?))
    }

    /// The body of a JSON response, refused when of another type or larger than the limit.
    /// The body of a JSON answer (`xml`: of an XML one), within the size limit.
    async fn body(&self, mut resp: reqwest::Response, xml: bool) -> Result<Vec<u8>, FetchError> {
        let ctype = resp.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let mime = ctype.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        let json = mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"));
        let is_xml = mime == "text/xml" || mime == "application/xml";
        if (xml && !is_xml) || (!xml && !json) {
            let shown = if ctype.is_empty() { "(geen / none)".to_string() } else { ctype.chars().take(80).collect() };
            let want = if xml { "text/xml" } else { "application/json" };
            return Err(err(
                format!("verkeerd inhoudstype {shown}: verwacht {want}"),
                format!("wrong content type {shown}: expected {want}"),
            ));
        }
        let max = self.config.max_bytes;
        if resp.content_length().is_some_and(|n| n > max) {
            return Err(too_big(max));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(describe)? {
            if bytes.len() as u64 + chunk.len() as u64 > max {
                return Err(too_big(max));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }
}

fn status_error(status: reqwest::StatusCode) -> FetchError {
    err(format!("de bron antwoordde met HTTP-status {status}"), format!("the source answered with HTTP status {status}"))
}

fn too_big(max: u64) -> FetchError {
    err(format!("de feed is groter dan {max} bytes"), format!("the feed is larger than {max} bytes"))
}

/// A source URL must be http(s), without credentials, at most 2,000 characters.
pub fn check_source_url(url: &str) -> Result<reqwest::Url, FetchError> {
    if url.len() > 2000 {
        return Err(err("de URL is langer dan 2000 tekens", "the URL is longer than 2000 characters"));
    }
    let u = reqwest::Url::parse(url.trim()).map_err(|e| err(format!("geen geldige URL ({e})"), format!("not a valid URL ({e})")))?;
    if u.scheme() != "http" && u.scheme() != "https" {
        return Err(err("alleen http- en https-adressen", "only http and https addresses"));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(err("geen gebruikersnaam of wachtwoord in de URL", "no user name or password in the URL"));
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err(err("de URL heeft geen host", "the URL has no host"));
    }
    Ok(u)
}

/// Refuses literal addresses that are not public (names are checked by the resolver).
fn check_url(u: &reqwest::Url, allow: &[Cidr]) -> Result<(), FetchError> {
    let ip = match u.host() {
        Some(url::Host::Ipv4(a)) => IpAddr::V4(a),
        Some(url::Host::Ipv6(a)) => IpAddr::V6(a),
        _ => return Ok(()),
    };
    if allowed(ip, allow) {
        Ok(())
    } else {
        Err(refused(ip))
    }
}

fn refused(ip: IpAddr) -> FetchError {
    err(
        format!("geweigerd: {ip} is een privé- of intern adres (sta het toe met --harvest-allow)"),
        format!("refused: {ip} is a private or internal address (allow it with --harvest-allow)"),
    )
}

/// Plain words for a transport error, without internals.
fn describe(e: reqwest::Error) -> FetchError {
    let mut chain = String::new();
    let mut src: Option<&dyn std::error::Error> = Some(&e);
    while let Some(s) = src {
        chain.push_str(&s.to_string());
        chain.push(' ');
        src = s.source();
    }
    if chain.contains("refused address") {
        return err(
            "geweigerd: de naam wijst naar een privé- of intern adres (sta het toe met --harvest-allow)",
            "refused: the name points to a private or internal address (allow it with --harvest-allow)",
        );
    }
    if chain.contains("redirects") {
        return err("te veel doorverwijzingen", "too many redirects");
    }
    if chain.contains("private or internal address") {
        return err("doorverwezen naar een privé- of intern adres", "redirected to a private or internal address");
    }
    if e.is_timeout() {
        return err("geen (volledig) antwoord binnen de tijdslimiet", "no (complete) answer within the time limit");
    }
    if e.is_connect() {
        return err("kan geen verbinding maken met de bron", "cannot connect to the source");
    }
    if e.is_decode() || e.is_body() {
        return err("het antwoord is onderbroken of onleesbaar", "the answer was cut off or unreadable");
    }
    err("de bron is niet bereikbaar", "the source cannot be reached")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_and_private_addresses() {
        for a in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:0:10.0.0.1",
            "64:ff9b:1::a00:1",
            "224.0.0.1",
        ] {
            assert!(!is_public(a.parse().unwrap()), "{a}");
        }
        for a in ["145.21.2.1", "8.8.8.8", "2a00:1450:4001::1", "2002:0808:0808::1"] {
            assert!(is_public(a.parse().unwrap()), "{a}");
        }
    }

    #[test]
    fn cidr() {
        let c = Cidr::parse("127.0.0.0/8").unwrap();
        assert!(c.contains("127.9.9.9".parse().unwrap()));
        assert!(c.contains("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!c.contains("128.0.0.1".parse().unwrap()));
        assert!(Cidr::parse("::1").unwrap().contains("::1".parse().unwrap()));
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(Cidr::parse("nonsense").is_none());
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains("10.0.0.1".parse().unwrap()));
    }

    #[test]
    fn urls() {
        assert!(check_source_url("https://example.org/feed/v1/register.json").is_ok());
        assert!(check_source_url("ftp://example.org/x").is_err());
        assert!(check_source_url("https://user:pw@example.org/x").is_err());
        assert!(check_source_url("not a url").is_err());
        let u = reqwest::Url::parse("http://127.0.0.1:8080/").unwrap();
        assert!(check_url(&u, &[]).is_err());
        assert!(check_url(&u, &[Cidr::parse("127.0.0.0/8").unwrap()]).is_ok());
        let u = reqwest::Url::parse("http://[::ffff:10.0.0.1]/").unwrap();
        assert!(check_url(&u, &[]).is_err());
    }
}

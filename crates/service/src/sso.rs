//! Single sign-on with the organisations' own OpenID Connect providers (Keycloak, Microsoft Entra ID,
//! any certified provider): the authorisation code flow with PKCE for people, and the providers' own
//! bearer tokens for tools.
//!
//! - A login starts at [`Sso::begin`]: state, nonce and a PKCE verifier go into a short-lived cookie of
//!   the browser (nothing is kept on the server, so any node can finish the login), and the browser goes
//!   to the provider. [`Sso::complete`] checks the state, redeems the code with the verifier at the
//!   provider's token endpoint, and checks the ID token (signature against the provider's published
//!   keys, issuer, audience, time, nonce).
//! - A person is matched by the e-mail address the provider vouches for (verified, and in one of the
//!   domains the provider may speak for): an account made by an invitation is used at its first login;
//!   a provider configured with organisation and role claims may add the roles those claims name.
//!   That first login pins the account to the person the provider names (its issuer and the subject
//!   claim, `sub` unless configured): later logins go to the pinned account, and an address the
//!   provider has handed on to someone else no longer opens it (the operator undoes a pin with
//!   `algoreg user unpin`).
//! - Bearer tokens of a provider with an `audience` are accepted by the APIs
//!   ([`Sso::principal_for_token`]): signature, issuer, audience and time checked; organisation and role
//!   from the mapped claims, or from the memberships of the e-mail's account.
//!
//! Every fetch from a provider (discovery, keys, token endpoint) goes through the guarded fetcher: time
//! limits, a size limit, and no private addresses unless allowed (`--oidc-allow`).

use crate::audit::{self, Actor, Note};
use crate::error::{Result, ServiceError};
use crate::federation::fetch::{FetchConfig, Fetched, Fetcher};
use algoreg_domain::audit::AuditKind;
use algoreg_domain::org::Role;
use algoreg_domain::workflow::Principal;
use algoreg_store::{NewUser, OrgId, Store, User};
use base64::Engine;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

const B64URL: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The password hash of an account that logs in only through an identity provider: no password matches.
pub const NO_PASSWORD: &str = "!sso";
/// How long a login may take at the provider (the lifetime of the login cookie).
pub const LOGIN_SECONDS: i64 = 600;
/// The provider's discovery document and keys are read again after this long.
const FRESH: Duration = Duration::from_secs(3600);
/// A token signed with a key we do not know reads the keys again, at most this often.
const RETRY: Duration = Duration::from_secs(1);

/// One identity provider, as the operator configures it (`serve --oidc` or `--oidc-config`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// Short name in paths and in the audit log: lower-case letters, digits and hyphens.
    pub name: String,
    /// What the login button says after "Inloggen met" / "Log in with" (default: the name).
    #[serde(default)]
    pub label: Option<String>,
    /// The issuer, exactly as in the provider's discovery document and tokens.
    pub issuer: String,
    pub client_id: String,
    #[serde(default)]
    pub client_secret: Option<String>,
    /// A file holding the client secret (so that it is not on the command line).
    #[serde(default)]
    pub client_secret_file: Option<std::path::PathBuf>,
    /// `client_secret_basic` (default), `client_secret_post`, or `none` (a public client; PKCE only).
    #[serde(default)]
    pub token_auth: Option<String>,
    /// Scopes asked for (default `openid email profile`).
    #[serde(default)]
    pub scopes: Option<String>,
    /// The claim with the e-mail address (default `email`; Entra ID: `email` or `preferred_username`).
    #[serde(default)]
    pub email_claim: Option<String>,
    /// The claim that names the person at the provider for good (default `sub`; Entra ID: `oid`, which
    /// is the same in its ID tokens and in its access tokens for this register).
    #[serde(default)]
    pub subject_claim: Option<String>,
    /// Whether `email_verified` must be true (default true; turn off only for a provider that has no such
    /// claim and whose addresses are all its own, such as one organisation's Entra ID tenant).
    #[serde(default)]
    pub require_verified_email: Option<bool>,
    /// The e-mail domains this provider may speak for (`delft.nl`; `*` for any). Required: a provider
    /// can never log someone in with an address of another organisation unless the operator says so.
    pub email_domains: Vec<String>,
    /// The claim naming organisations (codes) whose role the person gets from this provider.
    #[serde(default)]
    pub org_claim: Option<String>,
    /// The claim naming the role (`editor`, `approver`, `org_admin`) in those organisations.
    #[serde(default)]
    pub role_claim: Option<String>,
    /// The organisations (codes) this provider serves: it may give roles there through the claims, and a
    /// login through it counts where such an organisation requires single sign-on. `*` for every
    /// organisation; empty for none.
    #[serde(default)]
    pub orgs: Vec<String>,
    /// The audience of the provider's access tokens for this register; without it the APIs do not take
    /// the provider's tokens.
    #[serde(default)]
    pub audience: Option<String>,
    /// Whether the provider asks every person for a second factor (then a login there counts as one here).
    #[serde(default)]
    pub second_factor: bool,
    /// Clock difference allowed when checking times in tokens, in seconds (default 60).
    #[serde(default)]
    pub clock_skew_seconds: Option<u64>,
}

/// Why a provider's configuration is refused (at start).
fn config_error(name: &str, why: &str) -> String {
    format!("identity provider {name:?}: {why}")
}

impl ProviderConfig {
    /// Parses `name=...,issuer=...,client_id=...` (the `--oidc` flag); lists (`email_domains`, `orgs`)
    /// separate their items with `;`.
    pub fn parse_flag(s: &str) -> std::result::Result<ProviderConfig, String> {
        let mut obj = serde_json::Map::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').ok_or_else(|| format!("{part:?}: expected key=value"))?;
            let (k, v) = (k.trim(), v.trim());
            let value = match k {
                "email_domains" | "orgs" => Value::from(v.split(';').map(str::trim).filter(|x| !x.is_empty()).collect::<Vec<_>>()),
                "require_verified_email" | "second_factor" => {
                    Value::Bool(v.parse::<bool>().map_err(|_| format!("{k}: give true or false, not {v:?}"))?)
                }
                "clock_skew_seconds" => Value::from(v.parse::<u64>().map_err(|_| format!("{k}: give a number of seconds, not {v:?}"))?),
                _ => Value::from(v),
            };
            obj.insert(k.to_string(), value);
        }
        let c: ProviderConfig = serde_json::from_value(Value::Object(obj)).map_err(|e| e.to_string())?;
        c.check()?;
        Ok(c)
    }

    /// Reads a JSON file with a list of providers (`--oidc-config`).
    pub fn read_file(path: &std::path::Path) -> std::result::Result<Vec<ProviderConfig>, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let list: Vec<ProviderConfig> = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        for c in &list {
            c.check()?;
        }
        Ok(list)
    }

    fn check(&self) -> std::result::Result<(), String> {
        let n = &self.name;
        if n.is_empty() || n.len() > 32 || !n.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return Err(config_error(n, "name: 1 to 32 lower-case letters, digits or hyphens"));
        }
        let issuer = reqwest::Url::parse(&self.issuer).map_err(|e| config_error(n, &format!("issuer is not a URL ({e})")))?;
        if issuer.scheme() != "https" && issuer.scheme() != "http" {
            return Err(config_error(n, "issuer: an https (or, for tests, http) address"));
        }
        if self.client_id.is_empty() {
            return Err(config_error(n, "client_id is empty"));
        }
        if !matches!(self.token_auth.as_deref(), None | Some("client_secret_basic" | "client_secret_post" | "none")) {
            return Err(config_error(n, "token_auth: client_secret_basic, client_secret_post or none"));
        }
        if self.email_domains.is_empty() {
            return Err(config_error(n, "email_domains: name the e-mail domains this provider may speak for (or * for any)"));
        }
        if self.email_domains.iter().any(|d| d.is_empty() || d.contains('@') || (d.contains('*') && d != "*")) {
            return Err(config_error(n, "email_domains: domain names such as delft.nl (without @), or * alone"));
        }
        if self.audience.as_deref() == Some(self.client_id.as_str()) {
            return Err(config_error(n, "audience: not the client ID (the provider's ID tokens would pass as access tokens)"));
        }
        if self.org_claim.is_some() != self.role_claim.is_some() {
            return Err(config_error(n, "org_claim and role_claim go together"));
        }
        Ok(())
    }

    fn secret(&self) -> std::result::Result<Option<String>, String> {
        match (&self.client_secret, &self.client_secret_file) {
            (Some(s), _) => Ok(Some(s.clone())),
            (None, Some(f)) => {
                let s = std::fs::read_to_string(f).map_err(|e| config_error(&self.name, &format!("client_secret_file: {e}")))?;
                Ok(Some(s.trim().to_string()))
            }
            (None, None) if self.token_auth.as_deref() == Some("none") => Ok(None),
            (None, None) => Err(config_error(&self.name, "a client_secret or client_secret_file (or token_auth=none)")),
        }
    }

    pub fn label(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.name)
    }

    fn email_allowed(&self, email: &str) -> bool {
        let domain = email.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase()).unwrap_or_default();
        self.email_domains.iter().any(|d| d == "*" || d.eq_ignore_ascii_case(&domain))
    }

    /// Whether the provider serves the organisation with this code.
    pub fn serves(&self, code: &str) -> bool {
        self.orgs.iter().any(|o| o == "*" || o == code)
    }

    fn skew(&self) -> u64 {
        self.clock_skew_seconds.unwrap_or(60)
    }
}

/// What the provider publishes at `/.well-known/openid-configuration` (what we use of it).
#[derive(Debug, Clone, Deserialize)]
struct Metadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    end_session_endpoint: Option<String>,
}

#[derive(Default)]
struct Cache {
    meta: Option<(Instant, Metadata)>,
    keys: Option<(Instant, jsonwebtoken::jwk::JwkSet)>,
}

/// How long requests that need the provider fail at once after a fetch from it failed.
const PAUSE: Duration = Duration::from_secs(5);

struct Provider {
    config: ProviderConfig,
    secret: Option<String>,
    cache: std::sync::RwLock<Cache>,
    /// Held while fetching from the provider: concurrent requests wait for one fetch instead of each
    /// fetching.
    fetching: tokio::sync::Mutex<()>,
    /// When a fetch from the provider last failed: for [`PAUSE`] after it, requests fail at once instead
    /// of each waiting for the provider's time-out in turn.
    failed: std::sync::Mutex<Option<Instant>>,
}

impl Provider {
    fn paused(&self) -> Result<()> {
        match *self.failed.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(at) if at.elapsed() < PAUSE => Err(unreachable_provider("a fetch failed moments ago")),
            _ => Ok(()),
        }
    }
    /// Records the result of a fetch.
    fn fetched<T>(&self, r: Result<T>) -> Result<T> {
        *self.failed.lock().unwrap_or_else(|e| e.into_inner()) = r.is_err().then(Instant::now);
        r
    }
}

/// The configured providers and their cached metadata and keys (fixed at start: bounded).
pub struct SsoState {
    providers: Vec<Provider>,
    fetcher: Option<Fetcher>,
    /// Callbacks per client address (each may cost a request to the provider's token endpoint).
    callbacks: crate::ratelimit::RateLimiter,
}

impl Default for SsoState {
    fn default() -> Self {
        SsoState { providers: vec![], fetcher: None, callbacks: crate::ratelimit::RateLimiter::new(30, Duration::from_secs(60)) }
    }
}

impl SsoState {
    /// The providers, their secrets read, and a fetcher with `allow` as its private-address allow-list.
    pub fn new(configs: Vec<ProviderConfig>, allow: Vec<crate::federation::fetch::Cidr>) -> std::result::Result<SsoState, String> {
        let mut providers = vec![];
        for c in configs {
            if providers.iter().any(|p: &Provider| p.config.name == c.name) {
                return Err(config_error(&c.name, "two providers have this name"));
            }
            let secret = c.secret()?;
            providers.push(Provider {
                config: c,
                secret,
                cache: Default::default(),
                fetching: Default::default(),
                failed: Default::default(),
            });
        }
        let fetch = FetchConfig {
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(10),
            max_bytes: 1024 * 1024,
            max_redirects: 0,
            allow,
        };
        let fetcher = if providers.is_empty() { None } else { Some(Fetcher::new(fetch).map_err(|e| e.0)?) };
        Ok(SsoState { providers, fetcher, ..Default::default() })
    }

    /// Whether a login through the provider `name` counts for the organisation with this code.
    pub fn serves(&self, name: &str, code: &str) -> bool {
        self.providers.iter().any(|p| p.config.name == name && p.config.serves(code))
    }

    /// Whether any provider serves the organisation with this code.
    pub fn serves_any(&self, code: &str) -> bool {
        self.providers.iter().any(|p| p.config.serves(code))
    }
}

/// What the login cookie holds between [`Sso::begin`] and [`Sso::complete`].
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub provider: String,
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    pub lang: String,
    pub next: String,
}

impl Pending {
    pub fn encode(&self) -> String {
        format!("{}.{}.{}.{}.{}.{}", self.provider, self.state, self.nonce, self.verifier, self.lang, B64URL.encode(&self.next))
    }
    pub fn decode(s: &str) -> Option<Pending> {
        if s.len() > 2000 {
            return None;
        }
        let mut p = s.split('.');
        let mut next = || p.next().map(str::to_string);
        let (provider, state, nonce, verifier, lang, next_b64) = (next()?, next()?, next()?, next()?, next()?, next()?);
        let next = String::from_utf8(B64URL.decode(next_b64).ok()?).ok()?;
        Some(Pending { provider, state, nonce, verifier, lang, next })
    }
}

/// The provider's answer at the callback (query parameters).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    pub iss: Option<String>,
}

/// A login through a provider that went through: the account and how (`sso:{name}`, `+mfa` when the
/// provider vouches for a second factor).
pub struct Done {
    pub user: User,
    pub method: String,
}

fn random() -> String {
    B64URL.encode(rand::random::<[u8; 24]>())
}

/// Whose account a provider's claims name.
enum Found {
    /// The account pinned to the person the provider names.
    Pinned(User),
    /// The account with the address the provider vouches for, not yet pinned at this provider.
    ByAddress(User),
    /// The account with that address, pinned to another person at this provider: the provider has handed
    /// the address on (or the person's subject there changed).
    HandedOn(User),
    Nobody,
}

fn failed(nl: impl Into<String>, en: impl Into<String>) -> ServiceError {
    ServiceError::Forbidden { message_nl: nl.into(), message_en: en.into() }
}

fn unreachable_provider(e: impl std::fmt::Display) -> ServiceError {
    tracing::warn!(error = %e, "identity provider not reachable or not understood");
    failed(
        "De identiteitsprovider is nu niet bereikbaar of gaf een antwoord dat we niet begrijpen. Probeer het later opnieuw.",
        "The identity provider cannot be reached now or gave an answer we do not understand. Try again later.",
    )
}

/// Values of a claim that is a string or a list of strings (at most 20).
fn claim_values(claims: &Value, name: &str) -> Vec<String> {
    match claims.get(name) {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).take(20).map(str::to_string).collect(),
        _ => vec![],
    }
}

/// Whether the provider says the login used more than one factor (`amr` with `mfa`, RFC 8176; single
/// methods such as `otp` or `hwk` may have been the only factor, so they do not count).
fn amr_second_factor(claims: &Value) -> bool {
    claim_values(claims, "amr").iter().any(|m| m == "mfa")
}

/// The session method for a login through `provider` (read back by [`via`]).
fn method(provider: &str, second_factor: bool) -> String {
    if second_factor {
        format!("sso:{provider}+mfa")
    } else {
        format!("sso:{provider}")
    }
}

/// How a session or token was obtained, for which memberships count ([`crate::auth::Auth::principal_for_user_via`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Via {
    /// Through this identity provider.
    pub provider: Option<String>,
    /// A second step was asked: the account's own code at a password login, a passkey, or a provider
    /// that vouches for one.
    pub second_factor: bool,
    /// With a passkey (which is two factors in one).
    pub passkey: bool,
}

/// Reads a session's method back.
pub fn via(method: &str) -> Via {
    if method == crate::passkeys::METHOD || method.strip_prefix(crate::passkeys::METHOD).is_some_and(|r| r.starts_with(':')) {
        // A passkey asks for the person's PIN or fingerprint on the device: two factors in one.
        return Via { provider: None, second_factor: true, passkey: true };
    }
    let (way, second_factor) = match method.strip_suffix("+mfa") {
        Some(way) => (way, true),
        None => (method, false),
    };
    Via { provider: way.strip_prefix("sso:").map(String::from), second_factor, passkey: false }
}

/// The provider's name in a session's method.
pub fn provider_of(method: &str) -> Option<&str> {
    method.strip_prefix("sso:").map(|r| r.trim_end_matches("+mfa"))
}

/// Single sign-on, for one request.
pub struct Sso<'a> {
    pub(crate) store: &'a dyn Store,
    pub(crate) state: &'a SsoState,
    pub(crate) public_url: &'a str,
    pub(crate) auth: crate::auth::Auth<'a>,
}

impl Sso<'_> {
    /// The configured providers: name and label.
    pub fn providers(&self) -> Vec<(String, String)> {
        self.state.providers.iter().map(|p| (p.config.name.clone(), p.config.label().to_string())).collect()
    }

    /// Whether a provider serves the organisation with this code (so that it can require single sign-on).
    pub fn serves_any(&self, code: &str) -> bool {
        self.state.serves_any(code)
    }

    fn provider(&self, name: &str) -> Result<&Provider> {
        self.state.providers.iter().find(|p| p.config.name == name).ok_or(ServiceError::NotFound("identity provider"))
    }

    fn fetcher(&self) -> Result<&Fetcher> {
        self.state.fetcher.as_ref().ok_or(ServiceError::NotFound("identity provider"))
    }

    /// The address the provider sends the browser back to (to be registered with the provider).
    pub fn redirect_uri(&self, name: &str) -> String {
        format!("{}/sso/{name}/callback", self.public_url.trim_end_matches('/'))
    }

    /// The provider's discovery document: cached for an hour; when reading it again fails, the old one
    /// serves on.
    async fn metadata(&self, p: &Provider) -> Result<Metadata> {
        let cached = p.cache.read().unwrap_or_else(|e| e.into_inner()).meta.clone();
        if let Some((at, m)) = &cached {
            if at.elapsed() < FRESH {
                return Ok(m.clone());
            }
        }
        // One fetch at a time per provider; requests served from the cache never wait for it.
        let _fetching = p.fetching.lock().await;
        if let Some((at, m)) = &p.cache.read().unwrap_or_else(|e| e.into_inner()).meta {
            if at.elapsed() < FRESH {
                return Ok(m.clone());
            }
        }
        let fetched = match p.paused() {
            Err(e) => Err(e),
            Ok(()) => {
                let url = format!("{}/.well-known/openid-configuration", p.config.issuer.trim_end_matches('/'));
                let m = self.get_json::<Metadata>(&url).await.and_then(|m| {
                    if m.issuer == p.config.issuer {
                        Ok(m)
                    } else {
                        Err(unreachable_provider(format!("discovery names issuer {:?}, configured {:?}", m.issuer, p.config.issuer)))
                    }
                });
                p.fetched(m)
            }
        };
        match (fetched, cached) {
            (Ok(m), _) => {
                p.cache.write().unwrap_or_else(|e| e.into_inner()).meta = Some((Instant::now(), m.clone()));
                Ok(m)
            }
            (Err(_), Some((_, old))) => Ok(old),
            (Err(e), None) => Err(e),
        }
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T> {
        match self.fetcher()?.fetch(url, None, None).await.map_err(|e| unreachable_provider(e.0))? {
            Fetched::Body { bytes, .. } => serde_json::from_slice(&bytes).map_err(unreachable_provider),
            Fetched::NotModified => Err(unreachable_provider("304 without a request for it")),
        }
    }

    /// The provider's key with this ID: from the cached set, or from a fresh read when the set is old or
    /// does not have it (a rotated key), at most once a [`RETRY`].
    async fn key(&self, p: &Provider, kid: Option<&str>) -> Result<Option<jsonwebtoken::jwk::Jwk>> {
        let find = |set: &jsonwebtoken::jwk::JwkSet| match kid {
            Some(k) => set.find(k).cloned(),
            None if set.keys.len() == 1 => set.keys.first().cloned(),
            None => None,
        };
        let cached = |p: &Provider| {
            let cache = p.cache.read().unwrap_or_else(|e| e.into_inner());
            cache.keys.as_ref().and_then(|(at, set)| {
                let found = find(set);
                (at.elapsed() < FRESH && (found.is_some() || at.elapsed() < RETRY)).then_some(found)
            })
        };
        if let Some(found) = cached(p) {
            return Ok(found);
        }
        let jwks_uri = self.metadata(p).await?.jwks_uri;
        // One fetch at a time; who waited for it looks again before fetching once more.
        let _fetching = p.fetching.lock().await;
        if let Some(found) = cached(p) {
            return Ok(found);
        }
        p.paused()?;
        let set: jsonwebtoken::jwk::JwkSet = p.fetched(self.get_json(&jwks_uri).await)?;
        let found = find(&set);
        p.cache.write().unwrap_or_else(|e| e.into_inner()).keys = Some((Instant::now(), set));
        Ok(found)
    }

    /// Checks a token of the provider (signature, issuer, time, and `audience`); returns its claims.
    async fn verify(&self, p: &Provider, token: &str, audience: &str) -> Result<Value> {
        use jsonwebtoken::Algorithm::*;
        if token.len() > 16 * 1024 {
            return Err(ServiceError::Unauthenticated);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| ServiceError::Unauthenticated)?;
        if !matches!(header.alg, RS256 | RS384 | RS512 | PS256 | PS384 | PS512 | ES256 | ES384 | EdDSA) {
            return Err(ServiceError::Unauthenticated);
        }
        let jwk = self.key(p, header.kid.as_deref()).await?.ok_or(ServiceError::Unauthenticated)?;
        let key = jsonwebtoken::DecodingKey::from_jwk(&jwk).map_err(|_| ServiceError::Unauthenticated)?;
        let mut v = jsonwebtoken::Validation::new(header.alg);
        v.set_audience(&[audience]);
        v.set_issuer(&[&p.config.issuer]);
        v.leeway = p.config.skew();
        v.validate_nbf = true;
        v.set_required_spec_claims(&["exp", "iss", "aud"]);
        let data = jsonwebtoken::decode::<Value>(token, &key, &v).map_err(|e| {
            tracing::info!(provider = %p.config.name, error = %e, "provider token refused");
            ServiceError::Unauthenticated
        })?;
        Ok(data.claims)
    }

    /// Starts a login: the provider's address to send the browser to, and the login cookie's value.
    pub async fn begin(&self, name: &str, lang: &str, next: &str) -> Result<(String, String)> {
        let p = self.provider(name)?;
        let meta = self.metadata(p).await?;
        let pending = Pending {
            provider: name.to_string(),
            state: random(),
            nonce: random(),
            verifier: format!("{}{}", random(), random()),
            lang: lang.to_string(),
            next: next.to_string(),
        };
        let challenge = B64URL.encode(Sha256::digest(pending.verifier.as_bytes()));
        let mut url = reqwest::Url::parse(&meta.authorization_endpoint).map_err(unreachable_provider)?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &p.config.client_id)
            .append_pair("redirect_uri", &self.redirect_uri(name))
            .append_pair("scope", p.config.scopes.as_deref().unwrap_or("openid email profile"))
            .append_pair("state", &pending.state)
            .append_pair("nonce", &pending.nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        Ok((url.to_string(), pending.encode()))
    }

    /// Finishes a login at the callback: checks the answer against the login cookie, redeems the code,
    /// checks the ID token and finds (or, by invitation or mapped claims, sets up) the account.
    pub async fn complete(&self, name: &str, cb: &Callback, pending: Option<&Pending>, source: &str) -> Result<Done> {
        let p = self.provider(name)?;
        self.state
            .callbacks
            .hit(self.auth.shared_store(), "sso-callback", source)
            .await
            .map_err(|retry_after| ServiceError::TooManyRequests { retry_after })?;
        let too_long = |v: &Option<String>| v.as_ref().is_some_and(|s| s.len() > 2048);
        if [&cb.code, &cb.state, &cb.error, &cb.error_description, &cb.iss].into_iter().any(too_long) {
            return Err(ServiceError::bad(
                "code",
                "Het antwoord van de identiteitsprovider is te lang.",
                "The identity provider's answer is too long.",
            ));
        }
        let expired = || {
            failed(
                "Deze inlogpoging is verlopen of in een ander venster begonnen. Begin opnieuw.",
                "This login attempt has expired or was started in another window. Start again.",
            )
        };
        let pending = pending.ok_or_else(expired)?;
        let state_ok = cb.state.as_deref().is_some_and(|s| same(s.as_bytes(), pending.state.as_bytes()));
        if pending.provider != name || !state_ok {
            return Err(expired());
        }
        if let Some(e) = &cb.error {
            let e: String = e.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(64).collect();
            return Err(failed(
                format!("De identiteitsprovider weigerde het inloggen ({e})."),
                format!("The identity provider refused the login ({e})."),
            ));
        }
        let code = cb.code.as_deref().filter(|c| !c.is_empty()).ok_or_else(expired)?;
        let meta = self.metadata(p).await?;
        // RFC 9207: where the provider names itself in the answer, it must be the one we asked.
        if cb.iss.as_deref().is_some_and(|i| i != meta.issuer) {
            return Err(expired());
        }
        let redirect_uri = self.redirect_uri(name);
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri.as_str()),
            ("code_verifier", pending.verifier.as_str()),
        ];
        let mut basic = None;
        match (p.config.token_auth.as_deref(), p.secret.as_deref()) {
            (Some("client_secret_post"), Some(secret)) => {
                form.push(("client_id", &p.config.client_id));
                form.push(("client_secret", secret));
            }
            (Some("none"), _) | (_, None) => form.push(("client_id", &p.config.client_id)),
            (_, Some(secret)) => basic = Some((p.config.client_id.as_str(), secret)),
        }
        let (status, body) = self.fetcher()?.post_form(&meta.token_endpoint, &form, basic).await.map_err(|e| unreachable_provider(e.0))?;
        let answer: Value = serde_json::from_slice(&body).map_err(unreachable_provider)?;
        if !status.is_success() {
            tracing::warn!(provider = %name, status = %status, error = ?answer.get("error"), "code not redeemed");
            return Err(expired());
        }
        let id_token = answer.get("id_token").and_then(Value::as_str).ok_or_else(|| unreachable_provider("no id_token"))?;
        let claims = self.verify(p, id_token, &p.config.client_id).await.map_err(|_| expired())?;
        if claims.get("nonce").and_then(Value::as_str) != Some(pending.nonce.as_str()) {
            return Err(expired());
        }
        let second_factor = p.config.second_factor || amr_second_factor(&claims);
        let user = self.account(p, &claims, source).await?;
        let method = method(name, second_factor);
        let note = Note { kind: AuditKind::Login, org: None, subject: Some(user.id), detail: &method, source: Some(source) };
        audit::write(self.store, Actor::User(user.id, &user.name), note).await;
        Ok(Done { user, method })
    }

    /// The e-mail address the provider vouches for in `claims`, within its domains.
    fn email<'c>(&self, p: &Provider, claims: &'c Value) -> Result<&'c str> {
        let email_claim = p.config.email_claim.as_deref().unwrap_or("email");
        let email = claims.get(email_claim).and_then(Value::as_str).map(str::trim).unwrap_or("");
        if crate::auth::check_email(email).is_err() {
            return Err(failed(
                "De identiteitsprovider gaf geen e-mailadres door. Vraag uw beheerder om het e-mailadres mee te geven.",
                "The identity provider passed on no e-mail address. Ask your administrator to include it.",
            ));
        }
        let verified = claims.get("email_verified").map(|v| v == &Value::Bool(true) || v == "true").unwrap_or(false);
        if p.config.require_verified_email.unwrap_or(true) && !verified {
            return Err(failed(
                "De identiteitsprovider heeft dit e-mailadres niet bevestigd.",
                "The identity provider has not verified this e-mail address.",
            ));
        }
        if !p.config.email_allowed(email) {
            tracing::warn!(provider = %p.config.name, "e-mail address outside the provider's domains");
            return Err(failed(
                "Met deze identiteitsprovider kunt u niet inloggen met dit e-mailadres.",
                "This identity provider cannot log you in with this e-mail address.",
            ));
        }
        Ok(email)
    }

    /// The person the provider names in `claims`, for good: its subject claim.
    fn subject<'c>(&self, p: &Provider, claims: &'c Value) -> Result<&'c str> {
        let name = p.config.subject_claim.as_deref().unwrap_or("sub");
        claims.get(name).and_then(Value::as_str).filter(|s| !s.is_empty() && s.len() <= 255).ok_or_else(|| {
            failed(
                format!("De identiteitsprovider gaf niet door wie u bent (de claim '{name}'). Vraag uw beheerder om die mee te geven."),
                format!("The identity provider did not say who you are (the claim '{name}'). Ask your administrator to include it."),
            )
        })
    }

    /// The account of the person the provider names: the one pinned to its subject, or else the one with
    /// the address it vouches for.
    async fn find(&self, p: &Provider, email: &str, subject: &str) -> Result<Found> {
        if let Some(id) = self.store.subject_account(&p.config.issuer, subject).await? {
            return Ok(self.store.user(id).await?.map_or(Found::Nobody, Found::Pinned));
        }
        let Some(user) = self.store.user_by_email(email).await? else { return Ok(Found::Nobody) };
        if self.store.subjects_of_user(user.id).await?.iter().any(|pin| pin.issuer == p.config.issuer) {
            return Ok(Found::HandedOn(user));
        }
        Ok(Found::ByAddress(user))
    }

    /// Pins an account to the person the provider names (at the first login through it).
    async fn pin(&self, p: &Provider, user: &User, subject: &str) -> Result<()> {
        let pin = algoreg_store::SubjectPin {
            issuer: p.config.issuer.clone(),
            subject: subject.to_string(),
            user_id: user.id,
            created_at: chrono::Utc::now(),
        };
        match self.store.pin_subject(&pin).await {
            Ok(()) => Ok(()),
            // Two first logins at once: the other one pinned.
            Err(algoreg_store::StoreError::Conflict(_)) => Err(failed(
                "Er liep tegelijk een andere inlogpoging. Probeer het opnieuw.",
                "Another login was under way at the same time. Try again.",
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// Roles that the provider's mapped claims give: an organisation it serves and a role.
    async fn mapped(&self, p: &Provider, claims: &Value) -> Result<Vec<(algoreg_store::Organisation, Role)>> {
        let (Some(org_claim), Some(role_claim)) = (&p.config.org_claim, &p.config.role_claim) else { return Ok(vec![]) };
        let mut pairs: Vec<(String, Role)> = vec![];
        let mut plain: Vec<Role> = vec![];
        for value in claim_values(claims, role_claim) {
            match value.split_once(':') {
                // `delft:editor`: a role in one organisation, whatever else the claims hold.
                Some((code, role)) => pairs.extend(Role::parse(role.trim()).map(|r| (code.trim().to_string(), r))),
                None => plain.extend(Role::parse(value.trim()).filter(|r| !plain.contains(r))),
            }
        }
        let mut orgs: Vec<String> = claim_values(claims, org_claim);
        orgs.sort();
        orgs.dedup();
        // Several organisations and several roles side by side do not say which role holds where: read
        // as every role in every organisation, a person with two roles in two places would get both in
        // both. Such a pair of lists gives no role (counted before the organisations this provider does
        // not serve are left out: those may be where the higher role was meant); `code:role` does.
        let ambiguous = orgs.len() > 1 && plain.len() > 1;
        orgs.retain(|c| p.config.serves(c));
        if ambiguous {
            tracing::warn!(provider = %p.config.name, "claims name several organisations and several roles: no role given from them (write roles as code:role)");
        } else {
            pairs.extend(orgs.iter().flat_map(|o| plain.iter().map(move |r| (o.clone(), *r))));
        }
        let mut out: Vec<(algoreg_store::Organisation, Role)> = vec![];
        for (code, role) in pairs {
            if !p.config.serves(&code) || out.iter().any(|(o, r)| o.code == code && *r == role) {
                continue;
            }
            if let Some(o) = self.store.organisation_by_code(&code).await? {
                out.push((o, role));
            }
        }
        Ok(out)
    }

    /// The account for a login: the one with the e-mail address (an invited person's account is set up
    /// for single sign-on at its first login), or a new one when the mapped claims give it a role.
    async fn account(&self, p: &Provider, claims: &Value, source: &str) -> Result<User> {
        let email = self.email(p, claims)?;
        let subject = self.subject(p, claims)?;
        let mapped: Vec<(OrgId, Role)> = self.mapped(p, claims).await?.into_iter().map(|(o, r)| (o.id, r)).collect();
        let found = self.find(p, email, subject).await?;
        let pinned = matches!(found, Found::Pinned(_));
        let user = match found {
            Found::HandedOn(_) => {
                tracing::warn!(provider = %p.config.name, source = %source, "login with an address whose account belongs to another person at the provider");
                return Err(failed(
                    "Dit e-mailadres hoort in het register bij iemand anders van deze identiteitsprovider. Vraag de beheerder van het register om het account na te kijken.",
                    "This e-mail address belongs in the register to someone else at this identity provider. Ask the register's operator to look into the account.",
                ));
            }
            Found::Pinned(u) | Found::ByAddress(u) if u.central_operator || u.supervisor => {
                // Their powers span every organisation, and a provider is configured for some: they log in
                // with their password and the register's own second factor.
                tracing::info!(provider = %p.config.name, source = %source, "provider login refused for an operator or supervisor account");
                return Err(failed(
                    "Een centrale beheerder of toezichthouder logt in met het eigen wachtwoord, niet via een identiteitsprovider.",
                    "A central operator or supervisor logs in with their own password, not through an identity provider.",
                ));
            }
            Found::Pinned(u) | Found::ByAddress(u) => {
                if !pinned {
                    self.pin(p, &u, subject).await?;
                }
                if u.password_temporary_until.is_some() || u.password_by_admin {
                    // A password an admin set (a temporary one of an invitation, or a reset): the
                    // holder of the mailbox logs in here, and the password the admin may know stops
                    // working (a new one can be had with 'Forgot password').
                    self.store.set_password(u.id, NO_PASSWORD, algoreg_store::PasswordSet::Unusable).await?;
                }
                self.store.user(u.id).await?.ok_or(ServiceError::Unauthenticated)?
            }
            Found::Nobody if !mapped.is_empty() => {
                let name = claims.get("name").and_then(Value::as_str).map(str::trim).filter(|n| !n.is_empty() && n.len() <= 200);
                let user = self
                    .store
                    .create_user(&NewUser {
                        email: email.to_string(),
                        name: name.unwrap_or(email).to_string(),
                        password_hash: NO_PASSWORD.into(),
                        central_operator: false,
                        password_temporary_until: None,
                    })
                    .await?;
                self.pin(p, &user, subject).await?;
                user
            }
            Found::Nobody => {
                tracing::info!(provider = %p.config.name, source = %source, "login through a provider without an account");
                return Err(failed(
                    format!("Er is in het register geen account voor {email}. Vraag de beheerder van uw organisatie om u uit te nodigen."),
                    format!("The register has no account for {email}. Ask your organisation's administrator to invite you."),
                ));
            }
        };
        if !mapped.is_empty() {
            let have = self.store.memberships(user.id).await?;
            for (org, role) in mapped {
                if !have.iter().any(|m| m.org_id == org && m.role == role) {
                    self.store.set_membership(user.id, org, role).await?;
                    let detail = format!("{} ({})", role.code(), method(&p.config.name, false));
                    let note = Note { kind: AuditKind::RoleGranted, org: Some(org), subject: Some(user.id), detail: &detail, source: None };
                    audit::write(self.store, Actor::User(user.id, &user.name), note).await;
                }
            }
        }
        Ok(user)
    }

    /// The principal of a provider's access token (`iss` one of the providers with an audience), or
    /// `None` when no provider issued it.
    pub async fn principal_for_token(&self, token: &str) -> Result<Option<Principal>> {
        let Some(iss) = unverified_issuer(token) else { return Ok(None) };
        let Some(p) = self.state.providers.iter().find(|p| p.config.issuer == iss) else { return Ok(None) };
        let Some(audience) = p.config.audience.as_deref() else { return Err(ServiceError::Unauthenticated) };
        let claims = self.verify(p, token, audience).await?;
        // An ID token (it carries a nonce) is not an access token.
        if claims.get("nonce").is_some() {
            return Err(ServiceError::Unauthenticated);
        }
        let sub =
            claims.get("sub").and_then(Value::as_str).filter(|s| !s.is_empty() && s.len() <= 200).ok_or(ServiceError::Unauthenticated)?;
        let via = Via {
            provider: Some(p.config.name.clone()),
            second_factor: p.config.second_factor || amr_second_factor(&claims),
            passkey: false,
        };
        let mapped = self.mapped(p, &claims).await?;
        if !mapped.is_empty() {
            // The same rules as for people: a second factor where the organisation or the role asks for one.
            let mut roles = vec![];
            for (o, r) in mapped {
                if self.auth.role_counts(o.id, r, o.require_second_factor, o.require_sso, &via, via.second_factor).await? {
                    roles.push((o.id, r));
                }
            }
            if roles.iter().any(|(_, r)| *r == Role::OrgAdmin) {
                let admin_of: Vec<OrgId> = roles.iter().filter(|(_, r)| *r == Role::OrgAdmin).map(|(o, _)| *o).collect();
                roles.extend(admin_of.into_iter().map(|o| (o, Role::Editor)));
            }
            let email = claims.get(p.config.email_claim.as_deref().unwrap_or("email")).and_then(Value::as_str);
            // The account the same person logs in with on the site (by the token's verified address):
            // four eyes counts the token and that account as one.
            let person = match (self.email(p, &claims), self.subject(p, &claims)) {
                // Four eyes errs on the side of one person: an address handed on still counts as its account.
                (Ok(address), Ok(subject)) => match self.find(p, address, subject).await? {
                    Found::Pinned(u) | Found::ByAddress(u) | Found::HandedOn(u) => Some(u.id),
                    Found::Nobody => None,
                },
                _ => None,
            };
            return Ok(Some(Principal {
                key: format!("oidc:{}:{sub}", p.config.name),
                user_id: None,
                token_id: None,
                made_by: person,
                display: format!("{} ({})", email.unwrap_or(sub), p.config.label()),
                central_operator: false,
                supervisor: false,
                roles,
                must_change_password: false,
                second_factor: false,
            }));
        }
        // Without mapped claims: the memberships of the account with the token's e-mail address (never
        // a central operator's or supervisor's: see `account`).
        let email = self.email(p, &claims).map_err(|_| ServiceError::Unauthenticated)?;
        let subject = self.subject(p, &claims).map_err(|_| ServiceError::Unauthenticated)?;
        let user = match self.find(p, email, subject).await? {
            Found::Pinned(u) | Found::ByAddress(u) => Some(u),
            // The address belongs to another person at the provider: its account's roles are not theirs.
            Found::HandedOn(_) | Found::Nobody => None,
        };
        let user = user.filter(|u| !u.central_operator && !u.supervisor);
        let user = user.ok_or(ServiceError::Unauthenticated)?;
        let principal = self.auth.principal_for_user_via(&user, via).await?;
        Ok(Some(principal))
    }

    /// Where to send the browser after logging out of a session opened through a provider: the
    /// provider's logout, which comes back to `back`.
    pub async fn logout_url(&self, session_method: &str, back: &str) -> Option<String> {
        let p = self.provider(provider_of(session_method)?).ok()?;
        let end = self.metadata(p).await.ok()?.end_session_endpoint?;
        let mut url = reqwest::Url::parse(&end).ok()?;
        url.query_pairs_mut().append_pair("client_id", &p.config.client_id).append_pair("post_logout_redirect_uri", back);
        Some(url.to_string())
    }
}

/// Constant-time comparison of the state (it is a secret of the browser).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The `iss` claim of a JWT, read without checking anything (only to pick the provider whose keys check it).
pub fn unverified_issuer(token: &str) -> Option<String> {
    if token.len() > 16 * 1024 {
        return None;
    }
    let payload = token.split('.').nth(1)?;
    let bytes = B64URL.decode(payload.trim_end_matches('=')).ok()?;
    #[derive(Deserialize)]
    struct Iss {
        iss: Option<String>,
    }
    serde_json::from_slice::<Iss>(&bytes).ok()?.iss
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse_and_are_checked() {
        let c = ProviderConfig::parse_flag(
            "name=gemeente,issuer=https://login.example.nl/realms/x,client_id=algoreg,client_secret=s,email_domains=delft.nl;example.nl,second_factor=true",
        )
        .unwrap();
        assert_eq!(c.email_domains, vec!["delft.nl", "example.nl"]);
        assert!(c.second_factor && c.email_allowed("a@DELFT.nl") && !c.email_allowed("a@evil.nl"));
        for bad in [
            "name=Gemeente,issuer=https://x,client_id=a,client_secret=s,email_domains=*",
            "name=g,issuer=nope,client_id=a,client_secret=s,email_domains=*",
            "name=g,issuer=https://x,client_id=a,client_secret=s",
            "name=g,issuer=https://x,client_id=a,email_domains=*,org_claim=org",
            "name=g,issuer=https://x,client_id=a,email_domains=*,colour=blue",
            "name=g,issuer=https://x,client_id=a,email_domains=*,second_factor=maybe",
        ] {
            assert!(ProviderConfig::parse_flag(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_login_cookie_round_trips_and_bad_ones_are_none() {
        let p = Pending {
            provider: "g".into(),
            state: random(),
            nonce: random(),
            verifier: random(),
            lang: "nl".into(),
            next: "/nl/beheer?x=1".into(),
        };
        assert_eq!(Pending::decode(&p.encode()), Some(p));
        for bad in ["", "a.b.c", "a.b.c.d.e.!!!", &"x".repeat(3000)] {
            assert_eq!(Pending::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn session_methods_read_back() {
        assert_eq!(via("password"), Via::default());
        assert_eq!(via("password+mfa"), Via { provider: None, second_factor: true, passkey: false });
        assert_eq!(via("organisation-api+mfa"), Via { provider: None, second_factor: true, passkey: false });
        assert_eq!(via(&method("g", true)), Via { provider: Some("g".into()), second_factor: true, passkey: false });
        assert_eq!(via("passkey"), Via { provider: None, second_factor: true, passkey: true });
        assert_eq!(via("passkey:12"), Via { provider: None, second_factor: true, passkey: true });
        assert_eq!(via("passkeys"), Via { provider: None, second_factor: false, passkey: false });
        assert_eq!(provider_of(&method("g-2", true)), Some("g-2"));
        assert_eq!(unverified_issuer("e30.eyJpc3MiOiJodHRwczovL3gifQ.sig").as_deref(), Some("https://x"));
        assert_eq!(unverified_issuer("not a token"), None);
    }
}

//! Application services: what the HTTP layer and the CLI call. Each service checks authorisation with
//! the domain rules, validates with the standard, and writes through the [`Store`] trait.

pub mod aiact;
pub mod alerts;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod compat;
pub mod demo;
pub mod error;
pub mod export;
pub mod federation;
pub mod feedback;
pub mod import;
pub mod limits;
pub mod links;
pub mod log;
pub mod metrics;
pub mod oai;
pub mod oauth;
pub mod operator;
pub mod org_lists;
pub mod orgs;
pub mod passkeys;
pub mod preview;
pub mod ratelimit;
pub mod register;
pub mod runtime;
pub mod search;
pub mod second_factor;
pub mod sso;
pub mod standards;
pub mod statistics;
pub mod supervision;
pub mod webauthn;
pub mod workspace;

pub use error::ServiceError;

use algoreg_store::Store;
use std::sync::Arc;

/// The organisation list and when it was read.
type OrgSnapshot = (std::time::Instant, Arc<Vec<algoreg_store::Organisation>>);

/// Everything a front end needs, cheap to clone.
/// How many public changes the search index may be behind the store for the node to count as ready.
pub const READY_LAG: i64 = 1000;

/// What [`App::readiness`] found.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Readiness {
    pub ready: bool,
    /// Public changes in the store that this node's search index has not taken in yet.
    pub index_lag: i64,
}

#[derive(Clone)]
pub struct App {
    /// Only services read and write the store: front ends call them (see docs/ARCHITECTURE.md).
    store: Arc<dyn Store>,
    /// This node as the holder of background jobs' leases ([`runtime::Lease`]).
    node: Arc<runtime::Node>,
    /// Counts failed logins per account for the lockout.
    pub guard: Arc<auth::LoginGuard>,
    /// The search index (absent in commands that do not search).
    pub search: Option<Arc<algoreg_search::SearchIndex>>,
    /// Limits requests per client address on the compatible APIs (`/api`, `/aanleverapi`); off by default.
    pub api_limit: Arc<ratelimit::RateLimiter>,
    /// Exports of search results per client address (each may read 10,000 records and render a file).
    exports: Arc<ratelimit::RateLimiter>,
    /// Count the API limit in the store, across every node on the same database, instead of in memory.
    shared_limits: bool,
    /// Whether the central operator's powers count only with a second factor (the default).
    operator_second_factor: bool,
    /// Roles that count only with a second factor, in every organisation.
    second_factor_roles: Arc<Vec<algoreg_domain::org::Role>>,
    /// How long the organisation API's access tokens live (default [`oauth::ACCESS_SECONDS`]).
    access_token_seconds: Option<i64>,
    /// The AI Act tree, dates and requirements catalogue in use.
    pub aiact: Arc<aiact::AiAct>,
    /// The organisation list for read-heavy pages and searches, refreshed every two seconds.
    orgs: Arc<std::sync::RwLock<Option<OrgSnapshot>>>,
    /// The live keys that sign access tokens, as read last (see `oauth`): not read per request.
    signing_keys: Arc<std::sync::RwLock<Option<oauth::KeySnapshot>>>,
    /// The configured identity providers for single sign-on, with their cached metadata and keys.
    sso: Arc<sso::SsoState>,
    /// The feedback loop's settings and limiters.
    pub feedback: Arc<feedback::FeedbackState>,
    /// The e-mail alerts' settings and limiters.
    alerts: Arc<alerts::AlertState>,
    /// Reverse proxies whose `X-Forwarded-For` is believed for the client address (rate limits).
    pub trusted_proxies: Arc<Vec<federation::fetch::Cidr>>,
    /// Client addresses that may read `/metrics` (default: loopback).
    pub metrics_allow: Arc<Vec<federation::fetch::Cidr>>,
    /// Harvests other registers' feeds (set by `serve`; absent when there is nothing to harvest).
    pub harvester: Option<federation::harvest::Harvester>,
    /// The rendered feed, with the state of the register it was rendered from.
    feed: Arc<tokio::sync::Mutex<Option<FeedCache>>>,
    /// Whole-register downloads by name, with the state they were rendered from (see [`App::cached`]).
    downloads: Arc<tokio::sync::Mutex<Downloads>>,
    /// The publication log's leaf hashes read so far, and the last checkpoint signed (see [`log`]).
    log_cache: Arc<tokio::sync::Mutex<log::Cache>>,
    /// Held while this node appends to the log: one append at a time (a request that finds it taken
    /// waits a moment for it, and does not start another).
    log_append: Arc<tokio::sync::Mutex<()>>,
    /// The overview's figures, with the state they were counted from (see [`App::statistics`]).
    statistics: Arc<statistics::StatisticsCache>,
    /// Checks the registrations' links on a schedule (set by `serve`).
    links: Option<Arc<links::LinkChecker>>,
}

type DownloadKey = (FeedKey, String);
type Downloads = std::collections::HashMap<String, (DownloadKey, Arc<Vec<u8>>)>;
/// Downloads kept at most (names come from the code, not from callers; this is a backstop).
const MAX_DOWNLOADS: usize = 32;

type FeedKey = (i64, u64);
type FeedCache = (FeedKey, Arc<federation::feed::Rendered>);

/// Exports of search results a client address may ask a minute.
pub const EXPORTS_PER_MINUTE: u32 = 10;

impl App {
    pub fn new(store: Arc<dyn Store>) -> App {
        App {
            store,
            node: runtime::Node::new(),
            guard: Arc::new(auth::LoginGuard::default()),
            search: None,
            api_limit: Arc::new(ratelimit::RateLimiter::off()),
            exports: Arc::new(ratelimit::RateLimiter::new(EXPORTS_PER_MINUTE, std::time::Duration::from_secs(60))),
            shared_limits: false,
            operator_second_factor: true,
            second_factor_roles: Default::default(),
            access_token_seconds: None,
            orgs: Default::default(),
            signing_keys: Default::default(),
            sso: Default::default(),
            aiact: Arc::new(aiact::AiAct::builtin()),
            harvester: None,
            feed: Default::default(),
            downloads: Default::default(),
            log_cache: Default::default(),
            log_append: Default::default(),
            statistics: Default::default(),
            links: None,
            feedback: Default::default(),
            alerts: Default::default(),
            trusted_proxies: Default::default(),
            metrics_allow: Arc::new(["127.0.0.0/8", "::1/128"].iter().filter_map(|c| federation::fetch::Cidr::parse(c)).collect()),
        }
    }
    /// This node: its name as a lease holder and its rounds of background work (each `App` has its own).
    pub fn node(&self) -> Arc<runtime::Node> {
        self.node.clone()
    }

    pub fn with_feedback(mut self, config: feedback::FeedbackConfig) -> App {
        self.feedback = Arc::new(feedback::FeedbackState::new(config));
        self
    }
    pub fn with_alerts(mut self, config: alerts::AlertConfig) -> App {
        self.alerts = Arc::new(alerts::AlertState::new(config));
        self
    }
    /// E-mail alerts: subscribing, confirming, unsubscribing and the digests.
    pub fn alerts(&self) -> alerts::Alerts<'_> {
        alerts::Alerts {
            store: self.store.as_ref(),
            state: &self.alerts,
            search: self.search.as_deref(),
            public_url: &self.feedback.config.public_url,
            shared_limits: self.shared_store(),
        }
    }
    /// The e-mail address of this register's operator (the address mail comes from).
    pub fn admin_email(&self) -> String {
        let from = &self.feedback.config.mail_from;
        let addr = match (from.rfind('<'), from.rfind('>')) {
            (Some(a), Some(b)) if a < b => &from[a + 1..b],
            _ => from.as_str(),
        };
        addr.trim().to_string()
    }

    /// The address this instance is reached at by the public (`--public-url`), without a trailing slash.
    pub fn public_url(&self) -> &str {
        self.feedback.config.public_url.trim_end_matches('/')
    }

    pub fn feedback(&self) -> feedback::Feedback<'_> {
        feedback::Feedback { store: self.store.as_ref(), state: &self.feedback, shared_limits: self.shared_store() }
    }
    /// Client addresses that may read `/metrics`.
    pub fn with_metrics_allow(mut self, allow: Vec<federation::fetch::Cidr>) -> App {
        self.metrics_allow = Arc::new(allow);
        self
    }

    /// Whether a request from `peer` may read the metrics. `forwarded`: the request carries any forwarding
    /// header (`X-Forwarded-For`, `Forwarded`, `X-Real-IP`), readable or not; `forwarded_for`: every
    /// `X-Forwarded-For` line joined, when all of them are readable. A forwarded request is allowed only
    /// from a trusted proxy that says, readably, who the client is, and that client must be allowed;
    /// otherwise the peer itself must be (fail closed: a proxy on loopback that is not trusted hands the
    /// metrics to nobody).
    pub fn may_read_metrics(&self, peer: std::net::IpAddr, forwarded: bool, forwarded_for: Option<&str>) -> bool {
        let allowed = |ip: std::net::IpAddr| self.metrics_allow.iter().any(|c| c.contains(ip));
        if !forwarded {
            return allowed(peer);
        }
        let trusted = self.trusted_proxies.iter().any(|c| c.contains(peer));
        match forwarded_for {
            Some(chain) if trusted => allowed(self.client_ip(peer, Some(chain))),
            _ => false,
        }
    }

    /// This node's metrics in Prometheus's text format, with the gauges read now.
    pub async fn metrics_text(&self) -> String {
        let readiness = self.readiness().await;
        let gauges = metrics::Gauges {
            outbox_lag: readiness.as_ref().map(|r| r.index_lag).unwrap_or(0),
            database_up: readiness.is_ok(),
            pool: self.store.pool_stats(),
        };
        metrics::METRICS.render(&gauges)
    }

    pub fn with_trusted_proxies(mut self, proxies: Vec<federation::fetch::Cidr>) -> App {
        self.trusted_proxies = Arc::new(proxies);
        self
    }
    /// The client's address: the peer, or, when the peer is a trusted reverse proxy, the right-most
    /// address in `X-Forwarded-For` that is not itself a trusted proxy.
    pub fn client_ip(&self, peer: std::net::IpAddr, forwarded_for: Option<&str>) -> std::net::IpAddr {
        let trusted = |ip: std::net::IpAddr| self.trusted_proxies.iter().any(|c| c.contains(ip));
        if !trusted(peer) {
            return peer;
        }
        let chain: Vec<std::net::IpAddr> = forwarded_for.unwrap_or("").split(',').filter_map(|a| a.trim().parse().ok()).collect();
        chain.into_iter().rev().find(|ip| !trusted(*ip)).unwrap_or(peer)
    }
    pub fn with_harvester(mut self, h: federation::harvest::Harvester) -> App {
        self.harvester = Some(h);
        self
    }
    /// The state of the public register: the newest outbox entry and a hash of the organisations.
    async fn public_state(&self) -> Result<FeedKey, ServiceError> {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for o in self.store.organisations().await? {
            (o.id, &o.code, &o.name, o.org_type.code(), &o.tooi, &o.about, &o.contact).hash(&mut h);
        }
        Ok((self.store.outbox_max().await?, h.finish()))
    }

    /// A whole-register file, rendered only when the public register, the organisations or the AI Act
    /// data changed since the last time; otherwise the same bytes again. One render at a time: requests
    /// that arrive meanwhile wait for it instead of rendering too. The render runs as a task of its own
    /// that keeps its result: a request that goes away (or times out) does not leave the work undone
    /// for the next one to start again.
    pub async fn cached<F, Fut>(&self, name: String, render: F) -> Result<Arc<Vec<u8>>, ServiceError>
    where
        F: FnOnce(App) -> Fut,
        Fut: std::future::Future<Output = Result<Vec<u8>, ServiceError>> + Send + 'static,
    {
        let key = (self.public_state().await?, self.store.aiact_state().await?);
        let mut cache = self.downloads.clone().lock_owned().await;
        if let Some((k, bytes)) = cache.get(&name) {
            if *k == key {
                return Ok(bytes.clone());
            }
        }
        let render = render(self.clone());
        let task = tokio::spawn(async move {
            let bytes = Arc::new(render.await?);
            if cache.len() >= MAX_DOWNLOADS {
                cache.clear();
            }
            cache.insert(name, (key, bytes.clone()));
            Ok(bytes)
        });
        task.await.map_err(|e| ServiceError::Internal(format!("rendering a download: {e}")))?
    }

    /// The register feed, rendered again only when a public record or an organisation changed.
    pub async fn feed(&self) -> Result<Arc<federation::feed::Rendered>, ServiceError> {
        let key = self.public_state().await?;
        let mut cached = self.feed.lock().await;
        if let Some((k, r)) = cached.as_ref() {
            if *k == key {
                return Ok(r.clone());
            }
        }
        let rendered = Arc::new(federation::feed::render(self.store.as_ref()).await?);
        *cached = Some((key, rendered.clone()));
        Ok(rendered)
    }
    /// Runs `f` on the search index off the request threads, a few at a time: a search (its spelling
    /// correction above all) is CPU work that would otherwise hold up other requests.
    pub async fn on_index<T, F>(&self, f: F) -> Result<T, ServiceError>
    where
        T: Send + 'static,
        F: FnOnce(&algoreg_search::SearchIndex) -> T + Send + 'static,
    {
        static SEARCHES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(8);
        let index = self.search.clone().ok_or_else(|| ServiceError::Internal("no search index".into()))?;
        // The permit goes with the work: a request that goes away does not free it while the search runs.
        let one = SEARCHES.acquire().await.map_err(|e| ServiceError::Internal(e.to_string()))?;
        tokio::task::spawn_blocking(move || {
            let _one = one;
            f(&index)
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("searching: {e}")))
    }

    pub fn with_search(mut self, index: Arc<algoreg_search::SearchIndex>) -> App {
        self.search = Some(index);
        self
    }
    /// Another AI Act tree, dates or catalogue (from files).
    pub fn with_aiact(mut self, a: aiact::AiAct) -> App {
        self.aiact = Arc::new(a);
        self
    }
    /// Requests per minute per client address on the compatible APIs; 0 is no limit.
    pub fn with_api_limit(mut self, per_minute: u32) -> App {
        self.api_limit = Arc::new(ratelimit::RateLimiter::new(per_minute, std::time::Duration::from_secs(60)));
        self
    }
    /// Exports of search results per minute per client address; 0 is no limit.
    pub fn with_export_limit(mut self, per_minute: u32) -> App {
        self.exports = Arc::new(ratelimit::RateLimiter::new(per_minute, std::time::Duration::from_secs(60)));
        self
    }
    /// How long access tokens of the organisation API's login live.
    pub fn with_access_token_seconds(mut self, seconds: Option<i64>) -> App {
        self.access_token_seconds = seconds.filter(|s| *s > 0);
        self
    }

    /// Identity providers for single sign-on.
    pub fn with_sso(mut self, state: sso::SsoState) -> App {
        self.sso = Arc::new(state);
        self
    }
    pub fn passkeys(&self) -> passkeys::Passkeys<'_> {
        passkeys::Passkeys { store: self.store.as_ref(), public_url: &self.feedback.config.public_url, auth: self.auth() }
    }
    pub fn previews(&self) -> preview::Previews<'_> {
        preview::Previews { store: self.store.as_ref(), public_url: &self.feedback.config.public_url }
    }
    pub fn sso(&self) -> sso::Sso<'_> {
        sso::Sso { store: self.store.as_ref(), state: &self.sso, public_url: &self.feedback.config.public_url, auth: self.auth() }
    }

    /// Whether the central operator needs a second factor for the operator's powers (default true).
    pub fn with_operator_second_factor(mut self, required: bool) -> App {
        self.operator_second_factor = required;
        self
    }

    /// Roles that count only with a second factor, in every organisation (an organisation can require one
    /// of all its members besides).
    pub fn with_second_factor_roles(mut self, roles: Vec<algoreg_domain::org::Role>) -> App {
        self.second_factor_roles = Arc::new(roles);
        self
    }

    /// Counts the API limit in the store (shared by every node on the same database) instead of in memory.
    pub fn with_shared_limits(mut self, shared: bool) -> App {
        self.shared_limits = shared;
        self
    }

    /// One request of a client (its address key) against the API limit: `Err(seconds to wait)` when over
    /// it. Counted in memory, or in the store with shared limits (a store failure falls back to memory).
    pub async fn check_api_limit(&self, key: &str) -> std::result::Result<(), u64> {
        self.api_limit.hit(self.shared_store(), "api", key).await
    }

    /// One export of search results by the client `key`: at most [`EXPORTS_PER_MINUTE`] a minute.
    pub async fn check_export_limit(&self, key: &str) -> std::result::Result<(), ServiceError> {
        self.exports.hit(self.shared_store(), "export", key).await.map_err(|retry_after| ServiceError::TooManyRequests { retry_after })
    }

    /// The store when limits are counted there (`--shared-limits`), else none (memory).
    pub(crate) fn shared_store(&self) -> Option<&dyn Store> {
        self.shared_limits.then_some(self.store.as_ref())
    }

    /// All organisations, from a copy at most two seconds old (searches and listings read it per request).
    pub async fn organisations(&self) -> Result<Arc<Vec<algoreg_store::Organisation>>, ServiceError> {
        const FRESH: std::time::Duration = std::time::Duration::from_secs(2);
        if let Some((at, list)) = self.orgs.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
            if at.elapsed() < FRESH {
                return Ok(list.clone());
            }
        }
        let list = Arc::new(self.store.organisations().await?);
        *self.orgs.write().unwrap_or_else(|e| e.into_inner()) = Some((std::time::Instant::now(), list.clone()));
        Ok(list)
    }
    /// Whether this node can take requests: the database answers and the search index is in step with
    /// it (fewer than [`READY_LAG`] public changes behind). Returns how far behind the index is.
    pub async fn readiness(&self) -> Result<Readiness, ServiceError> {
        let head = self.store.outbox_max().await?;
        let lag = self.search.as_ref().map(|i| (head - i.position()).max(0)).unwrap_or(0);
        Ok(Readiness { ready: lag < READY_LAG, index_lag: lag })
    }
    pub fn register(&self) -> register::Register<'_> {
        register::Register { store: self.store.as_ref() }
    }
    pub fn auth(&self) -> auth::Auth<'_> {
        auth::Auth {
            store: self.store.as_ref(),
            guard: &self.guard,
            public_url: &self.feedback.config.public_url,
            operator_second_factor: self.operator_second_factor,
            second_factor_roles: &self.second_factor_roles,
            sso: &self.sso,
            shared_limits: self.shared_limits,
        }
    }
    /// A forgotten-password request: checked and limited now, the link made and mailed after the answer,
    /// so that the answer is the same, and as fast, whether or not the address has an account.
    pub async fn request_password_reset(&self, email: &str, source: &str, lang_code: &'static str) -> Result<(), ServiceError> {
        let email = self.auth().reset_allowed(email, source).await?;
        let (app, source) = (self.clone(), source.to_string());
        tokio::spawn(async move {
            if let Err(e) = app.auth().send_reset_link(&email, &source, lang_code).await {
                tracing::error!(error = %e, "sending a reset link failed");
            }
        });
        Ok(())
    }
    pub fn audit(&self) -> audit::Audit<'_> {
        audit::Audit { store: self.store.as_ref() }
    }
    pub fn orgs(&self) -> orgs::Orgs<'_> {
        orgs::Orgs { store: self.store.as_ref(), public_url: &self.feedback.config.public_url, sso: &self.sso }
    }
    pub fn workspace(&self) -> workspace::Workspace<'_> {
        workspace::Workspace { store: self.store.as_ref() }
    }
    /// The operator at the machine (the command line and the server's background work).
    pub fn operator(&self) -> operator::Operator<'_> {
        operator::Operator { app: self }
    }
    pub fn sources(&self) -> federation::Sources<'_> {
        federation::Sources { store: self.store.as_ref() }
    }
}

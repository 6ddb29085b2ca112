//! The link checker: every link in the public and released registrations is checked over HTTP on a
//! schedule, through the guarded fetcher (private and internal addresses refused, redirects checked
//! the same way, bodies never read). Outcomes are kept per URL. A link that is gone (404, 410) or that
//! points to a private address holds a publication back, unless the central operator publishes with a
//! reason, which the history keeps.

use crate::error::{Result, ServiceError};
use crate::federation::fetch::{FetchConfig, Fetcher};
use crate::App;
use algoreg_domain::quality::{self, LinkOutcome};
use algoreg_domain::workflow::Principal;
use algoreg_standard::AlgorithmId;
use algoreg_store::{LinkAcceptance, LinkCheck, Store, Version};
use chrono::{DateTime, Utc};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

/// How the link checker runs.
#[derive(Debug, Clone)]
pub struct LinkConfig {
    /// Limits and allow-list of the outbound requests (`--link-check-allow`, empty by default).
    pub fetch: FetchConfig,
    /// How often each link is checked again.
    pub interval: Duration,
    /// Links checked at most in one round (the rest wait for the next).
    pub max_per_round: usize,
    /// Links checked at the same time.
    pub concurrency: usize,
}

/// Links gathered at most in one round (a backstop for a register full of links).
const MAX_GATHERED: usize = 200_000;
/// Links of one host checked at most in one round: no site gets a burst from the register.
const MAX_PER_HOST: usize = 100;
/// How long a round may take: its lease outlives it, and a graceful stop does not wait long.
const ROUND_TIME: Duration = Duration::from_secs(300);
/// Outcomes saved at a time while a round runs (a stop loses at most these).
const SAVE_EVERY: usize = 50;

/// The link checker of a node.
pub struct LinkChecker {
    fetcher: Fetcher,
    config: LinkConfig,
}

/// One link of a registration with what checking it found (none when not checked yet).
#[derive(Debug, Clone)]
pub struct LinkState {
    pub field: String,
    pub url: String,
    pub check: Option<LinkCheck>,
    /// The central operator accepted it although it does not work.
    pub accepted: Option<LinkAcceptance>,
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Round {
    pub checked: usize,
    pub blocking: usize,
}

impl LinkChecker {
    pub fn new(config: LinkConfig) -> Result<LinkChecker> {
        let fetcher = Fetcher::new(config.fetch.clone()).map_err(|e| ServiceError::Internal(e.0))?;
        Ok(LinkChecker { fetcher, config })
    }
}

/// Refuses a publication that holds a link known to be gone or private, naming the field and the
/// link, unless the central operator publishes with a reason or accepted the link.
pub(crate) async fn allows_publication(store: &dyn Store, actor: &Principal, v: &Version, reason: Option<&str>) -> Result<()> {
    let links = quality::links(v.standard_version, &v.content);
    if links.is_empty() {
        return Ok(());
    }
    let urls: Vec<String> = links.iter().map(|(_, u)| u.clone()).collect();
    let known: HashMap<String, LinkCheck> = store.link_checks(&urls).await?.into_iter().map(|c| (c.url.clone(), c)).collect();
    let accepted: BTreeSet<String> = store.link_acceptances(&urls).await?.into_iter().map(|a| a.url).collect();
    let Some((field, url, check)) = links
        .iter()
        .filter(|(_, u)| !accepted.contains(u))
        .find_map(|(f, u)| known.get(u).filter(|c| c.outcome.blocks_publication()).map(|c| (f, u, c)))
    else {
        return Ok(());
    };
    if actor.central_operator && reason.is_some_and(|r| !r.trim().is_empty()) {
        return Ok(());
    }
    Err(ServiceError::bad(
        field.clone(),
        format!(
            "Deze link werkt niet: {url} ({}). Herstel de link; of de centrale beheerder publiceert toch of accepteert de link, met een reden.",
            check.outcome.label_nl()
        ),
        format!(
            "This link does not work: {url} ({}). Mend the link; or the central operator publishes anyway or accepts the link, with a reason.",
            check.outcome.label_en()
        ),
    ))
}

/// The links of a version with what is known of each.
pub(crate) async fn states(store: &dyn Store, v: &Version) -> Result<Vec<LinkState>> {
    let links = quality::links(v.standard_version, &v.content);
    let urls: Vec<String> = links.iter().map(|(_, u)| u.clone()).collect();
    let mut known: HashMap<String, LinkCheck> = store.link_checks(&urls).await?.into_iter().map(|c| (c.url.clone(), c)).collect();
    let mut accepted: HashMap<String, LinkAcceptance> =
        store.link_acceptances(&urls).await?.into_iter().map(|a| (a.url.clone(), a)).collect();
    Ok(links.into_iter().map(|(field, url)| LinkState { check: known.remove(&url), accepted: accepted.remove(&url), field, url }).collect())
}

impl App {
    /// Accepts a link of a registration although the checker finds it gone or private, with a reason:
    /// it no longer holds a publication back, in any registration (also where the organisation's
    /// approver publishes). The central operator only; the link must be in the registration's latest
    /// version.
    pub async fn accept_link(
        &self,
        actor: &Principal,
        id: AlgorithmId,
        url: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<LinkAcceptance> {
        if !actor.central_operator {
            return Err(ServiceError::forbidden(
                "Alleen de centrale beheerder accepteert een link die niet werkt.",
                "Only the central operator accepts a link that does not work.",
            ));
        }
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 2000 || algoreg_standard::validate::is_control_text(reason) {
            return Err(ServiceError::bad("reason", "Geef een reden van 1 tot 2000 tekens.", "Give a reason of 1 to 2,000 characters."));
        }
        let meta = self.store.record(id).await?.ok_or(ServiceError::NotFound("algorithm"))?;
        let v = self.store.version(id, meta.latest_version).await?.ok_or(ServiceError::NotFound("version"))?;
        if !quality::links(v.standard_version, &v.content).iter().any(|(_, u)| u == url) {
            return Err(ServiceError::bad("url", "Deze link staat niet in de registratie.", "This link is not in the registration."));
        }
        let a = LinkAcceptance { url: url.to_string(), reason: reason.to_string(), by: actor.key.clone(), at: now };
        self.store.accept_link(&a).await?;
        Ok(a)
    }

    /// Checks links on this node (set by `serve`).
    pub fn with_link_checker(mut self, checker: LinkChecker) -> App {
        self.links = Some(Arc::new(checker));
        self
    }

    /// One round of the link checker: gathers the links of the published registrations and of those
    /// released for publication, and checks those not checked within the interval (at most
    /// `max_per_round`).
    pub async fn check_links_round(&self, now: DateTime<Utc>, held: &crate::runtime::Held) -> Result<Round> {
        let Some(checker) = self.links.clone() else { return Ok(Round::default()) };
        let mut urls: BTreeSet<String> = BTreeSet::new();
        crate::register::each_published(&*self.store, 1000, |v| {
            for (_, u) in quality::links(v.standard_version, &v.content) {
                urls.insert(u);
                if urls.len() >= MAX_GATHERED {
                    return false;
                }
            }
            true
        })
        .await?;
        for (_, item) in self.store.list_released().await? {
            if urls.len() >= MAX_GATHERED {
                break;
            }
            if let Some(v) = self.store.version(item.id, item.number).await? {
                urls.extend(quality::links(v.standard_version, &v.content).into_iter().map(|(_, u)| u));
            }
        }
        let urls: Vec<String> = urls.into_iter().collect();
        let fresh_after = now - chrono::Duration::from_std(checker.config.interval).unwrap_or_else(|_| chrono::Duration::days(1));
        let fresh: BTreeSet<String> =
            self.store.link_checks(&urls).await?.into_iter().filter(|c| c.checked_at > fresh_after).map(|c| c.url).collect();
        // Hosts take turns (the first link of every host, then the second, …), each at most MAX_PER_HOST.
        let mut per_host: HashMap<String, usize> = HashMap::new();
        let mut due: Vec<(usize, String)> = vec![];
        for u in urls.into_iter().filter(|u| !fresh.contains(u)) {
            let host = reqwest::Url::parse(&u).ok().and_then(|p| p.host_str().map(str::to_lowercase)).unwrap_or_default();
            let n = per_host.entry(host).or_default();
            *n += 1;
            if *n <= MAX_PER_HOST {
                due.push((*n, u));
            }
        }
        due.sort();
        due.truncate(checker.config.max_per_round);
        let started = std::time::Instant::now();
        let mut round = Round::default();
        let mut set = tokio::task::JoinSet::new();
        let mut results: Vec<LinkCheck> = vec![];
        for (_, url) in due {
            if started.elapsed() > ROUND_TIME || self.node.is_stopping() || !held.get() {
                break;
            }
            while set.len() >= checker.config.concurrency.max(1) {
                if let Some(Ok(c)) = set.join_next().await {
                    results.push(c);
                }
            }
            if results.len() >= SAVE_EVERY {
                round.checked += results.len();
                round.blocking += results.iter().filter(|c| c.outcome.blocks_publication()).count();
                self.store.save_link_checks(&results).await?;
                results.clear();
            }
            let fetcher = checker.fetcher.clone();
            set.spawn(async move {
                let (outcome, http_status, detail) = fetcher.check_link(&url).await;
                LinkCheck { url, outcome, http_status, detail, checked_at: Utc::now() }
            });
        }
        while let Some(r) = set.join_next().await {
            if let Ok(c) = r {
                results.push(c);
            }
        }
        round.checked += results.len();
        round.blocking += results.iter().filter(|c| c.outcome.blocks_publication()).count();
        self.store.save_link_checks(&results).await?;
        // Outcomes of links no registration held for a long while.
        let forget = now - chrono::Duration::days(90).max(chrono::Duration::from_std(checker.config.interval * 3).unwrap_or_default());
        self.store.purge_link_checks(forget).await?;
        Ok(round)
    }
}

/// The link checker's schedule: one round every interval (at most once a minute), on one node at a
/// time (a lease).
pub async fn run_background(app: App, every: Duration) {
    let every = every.max(Duration::from_secs(1));
    // A round ends within ROUND_TIME (plus one check's timeout), well within the lease.
    let lease = crate::runtime::Lease::new(app.store.clone(), app.node.clone(), "links", every * 3 + ROUND_TIME * 2);
    loop {
        if let Some(round) = lease.round().await {
            match app.check_links_round(Utc::now(), &round.held()).await {
                Ok(r) if r.checked > 0 => tracing::info!(checked = r.checked, blocking = r.blocking, "links checked"),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "link check failed"),
            }
        }
        tokio::time::sleep(every).await;
    }
}

/// What a link's outcome says, for pages: (Dutch, English).
pub fn outcome_text(c: &Option<LinkCheck>) -> (&'static str, &'static str) {
    match c {
        None => ("nog niet gecontroleerd", "not checked yet"),
        Some(c) => (c.outcome.label_nl(), c.outcome.label_en()),
    }
}

/// Whether the outcome is something an editor should act on.
pub fn needs_attention(c: &Option<LinkCheck>) -> bool {
    c.as_ref().is_some_and(|c| c.outcome != LinkOutcome::Ok)
}

//! Harvesting: the central register keeps itself up to date from the organisations' feeds.
//!
//! One harvest of one source: fetch (conditionally), parse, check every record against the
//! standard, compare with what the register holds, and write the outcome in one transaction
//! ([`Store::commit_harvest`]). Whatever goes wrong before that transaction leaves the register as it
//! was and is recorded as the source's last error; a killed process therefore loses nothing and
//! leaves no half-written source. Rules:
//! - a source publishes only for its own organisation; a record naming another one, or whose ID
//!   belongs to another organisation here, is refused;
//! - the newest version of a record must meet every rule of its standard; a refused record keeps its
//!   current version here and is listed with the reasons per field;
//! - an ID that occurs more than once in a feed is refused as a whole;
//! - a record missing from a feed is retracted only after `retract_after` successful harvests in a row.

use super::feed::content_hash;
use super::fetch::{FetchError, Fetched, Fetcher};
use crate::error::{Result, ServiceError};
use crate::import::{check_candidate, Format, ImportOptions, OrgRef, Ready, Rejected};
use algoreg_domain::federation::HarvestOutcome;
use algoreg_domain::org::PublicationFlow;
use algoreg_domain::workflow::{plan, Action, Principal, VersionState};
use algoreg_standard::AlgorithmId;
use algoreg_store::*;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

/// Harvest settings.
#[derive(Debug, Clone)]
pub struct HarvestConfig {
    pub fetch: super::fetch::FetchConfig,
    /// Time between successful harvests of a source.
    pub interval: Duration,
    /// Random spread of each next harvest, as a fraction of the interval (0.1 = ±10%).
    pub jitter: f64,
    /// Successful harvests in a row that a record must be missing before it is retracted.
    pub retract_after: u32,
    /// A feed with more records than this is refused as a whole.
    pub max_records: usize,
    /// Proofs fetched from one source in one harvest at most; the records beyond wait for the next.
    pub max_proofs: usize,
    /// Sources harvested at the same time.
    pub concurrency: usize,
    /// This register's own feed address: a record that came through it is a loop.
    pub own_feed: Option<String>,
}

impl Default for HarvestConfig {
    fn default() -> Self {
        HarvestConfig {
            fetch: Default::default(),
            interval: Duration::from_secs(15 * 60),
            jitter: 0.1,
            retract_after: 3,
            max_records: 100_000,
            max_proofs: 500,
            concurrency: 8,
            own_feed: None,
        }
    }
}

/// What one harvest of one source did.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Changed { records: usize, new: usize, updated: usize, unchanged: usize, retracted: usize, rejected: usize },
    NotModified,
    Failed { error: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceReport {
    pub source: i64,
    pub url: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The harvester: a guarded HTTP client and the settings, over the store.
#[derive(Clone)]
pub struct Harvester {
    store: Arc<dyn Store>,
    fetcher: Fetcher,
    config: Arc<HarvestConfig>,
}

fn failed(nl: impl std::fmt::Display, en: impl std::fmt::Display) -> String {
    format!("{nl} / {en}")
}

/// What a source says that is kept in its row (an error, a rejected record's ID and name) is cut to a
/// length: the row is read at every round of the schedule.
const KEPT_CHARS: usize = 300;
/// At most this many rejected records are kept in a source's row, the last entry saying how many more.
const KEPT_REJECTIONS: usize = 1_000;

fn clip(s: String) -> String {
    match s.char_indices().nth(KEPT_CHARS) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s,
    }
}

impl Harvester {
    pub fn new(store: Arc<dyn Store>, config: HarvestConfig) -> Result<Harvester> {
        let fetcher = Fetcher::new(config.fetch.clone()).map_err(|e| ServiceError::Internal(e.0))?;
        Ok(Harvester { store, fetcher, config: Arc::new(config) })
    }

    pub fn config(&self) -> &HarvestConfig {
        &self.config
    }

    /// When to try again: [`wait_after`] with jitter.
    pub fn next_due(&self, now: DateTime<Utc>, failures: u32) -> DateTime<Utc> {
        let base = wait_after(self.config.interval, failures);
        let spread = base.as_secs_f64() * self.config.jitter.clamp(0.0, 1.0);
        let offset = if spread > 0.0 { rand::Rng::gen_range(&mut rand::thread_rng(), -spread..=spread) } else { 0.0 };
        let secs = (base.as_secs_f64() + offset).max(0.0);
        now + chrono::Duration::milliseconds((secs * 1000.0) as i64)
    }

    /// Harvests every source (or only those that are due), `concurrency` at a time. A failing
    /// source never stops the others. `progress(done, total)` is called after each source.
    pub async fn harvest_all(
        &self,
        only_due: bool,
        held: &crate::runtime::Held,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Vec<SourceReport>> {
        let now = Utc::now();
        let sources: Vec<Source> =
            self.store.sources().await?.into_iter().filter(|s| !only_due || s.next_due_at.is_none_or(|d| d <= now)).collect();
        let total = sources.len();
        let sem = Arc::new(tokio::sync::Semaphore::new(self.config.concurrency.max(1)));
        let mut set = tokio::task::JoinSet::new();
        for s in sources {
            let me = self.clone();
            let sem = sem.clone();
            let held = held.clone();
            set.spawn(async move {
                let _permit = sem.acquire_owned().await;
                // A round that lost its lease starts no new source: another node may be harvesting them.
                if !held.get() {
                    return None;
                }
                let outcome = me.harvest_guarded(&s).await;
                Some(SourceReport { source: s.id, url: s.url, outcome })
            });
        }
        let mut reports = Vec::with_capacity(total);
        let mut done = 0;
        while let Some(r) = set.join_next().await {
            if let Ok(Some(r)) = r {
                reports.push(r);
            }
            done += 1;
            progress(done, total);
        }
        reports.sort_by_key(|r| r.source);
        Ok(reports)
    }

    /// [`Harvester::harvest`], and should it fail unexpectedly (a bug, never input), the failure is
    /// recorded as an attempt like any other, so the source waits before it is tried again.
    /// A harvest also ends after [`HARVEST_DEADLINE`], however slowly the source answers.
    pub async fn harvest_guarded(&self, source: &Source) -> Outcome {
        let (me, s) = (self.clone(), source.clone());
        let task = tokio::spawn(async move { tokio::time::timeout(HARVEST_DEADLINE, me.harvest(&s)).await });
        let error = match task.await {
            Ok(Ok(outcome)) => return outcome,
            Ok(Err(_)) => failed("het oogsten duurde te lang (meer dan 5 minuten)", "the harvest took too long (more than 5 minutes)"),
            Err(e) if e.is_panic() => {
                tracing::error!(source = source.id, error = %e, "harvest stopped unexpectedly");
                failed("interne fout bij het oogsten", "internal error while harvesting")
            }
            // Stopped from outside (the process ends): nothing to record.
            Err(_) => return Outcome::Failed { error: failed("het oogsten werd afgebroken", "the harvest was stopped") },
        };
        let now = Utc::now();
        let a = SourceAttempt {
            source_id: source.id,
            at: now,
            next_due_at: self.next_due(now, source.failures + 1),
            error: Some(error.clone()),
        };
        if let Err(e) = self.store.source_attempt(&a).await {
            tracing::warn!(source = source.id, error = %e, "could not record the harvest attempt");
        }
        Outcome::Failed { error }
    }

    /// Harvests one source now and records the outcome in its health.
    pub async fn harvest(&self, source: &Source) -> Outcome {
        let started = Utc::now();
        let checked_log = self.check_log(source).await;
        let outcome = if let Err(e) = checked_log {
            Err(e)
        } else if super::oai_client::is_oai(&source.url) {
            self.harvest_oai(source, &source.url, started).await
        } else if let Some(oai) = &source.oai_url {
            // The OAI-PMH address the feed named: incremental from there on. Should it fail, the feed
            // is fetched whole instead (and names the address again, or no longer).
            match self.harvest_oai(source, oai, started).await {
                Err(e) => {
                    tracing::info!(source = source.id, error = %e, "the feed's OAI-PMH address failed; harvesting the feed");
                    self.harvest_feed(source, false, started).await
                }
                done => done,
            }
        } else {
            self.harvest_feed(source, true, started).await
        };
        let (outcome, attempt) = match outcome {
            Ok(Outcome::NotModified) => (Outcome::NotModified, Some(None)),
            Ok(o) => (o, None),
            Err(e) => {
                let e = clip(e);
                (Outcome::Failed { error: e.clone() }, Some(Some(e)))
            }
        };
        if let Some(error) = attempt {
            let failures = if error.is_some() { source.failures + 1 } else { 0 };
            let a = SourceAttempt { source_id: source.id, at: started, next_due_at: self.next_due(started, failures), error };
            if let Err(e) = self.store.source_attempt(&a).await {
                tracing::warn!(source = source.id, error = %e, "could not record the harvest attempt");
            }
        }
        crate::metrics::METRICS.harvested(match &outcome {
            Outcome::Changed { .. } => crate::metrics::Harvested::Changed,
            Outcome::NotModified => crate::metrics::Harvested::NotModified,
            Outcome::Failed { .. } => crate::metrics::Harvested::Failed,
        });
        match &outcome {
            Outcome::Failed { error } => tracing::warn!(source = source.id, url = %public_url(&source.url), %error, "harvest failed"),
            o => tracing::info!(source = source.id, url = %public_url(&source.url), outcome = ?o, "harvested"),
        }
        outcome
    }

    /// A feed source: the feed (conditionally, with `validators` of the last harvest). A feed that names
    /// its register's OAI-PMH address in a `Link` header is harvested there from the next time on.
    async fn harvest_feed(&self, source: &Source, validators: bool, at: DateTime<Utc>) -> std::result::Result<Outcome, String> {
        let (etag, since) = if validators { (source.etag.as_deref(), source.last_modified.as_deref()) } else { (None, None) };
        match self.fetcher.fetch(&source.url, etag, since).await {
            Ok(Fetched::NotModified) => self.unchanged_feed(source, at).await,
            Ok(Fetched::Body { bytes, etag, last_modified, link }) => {
                let oai = link.and_then(|l| super::oai_client::offered(&source.url, &l, &source.org_code));
                let (etag, last_modified) = match &oai {
                    // From now on the OAI-PMH changes since this feed's state (`from` in its own clock).
                    Some(_) => (None, Some(super::oai_client::from_http_date(last_modified.as_deref(), at))),
                    None => (etag, last_modified),
                };
                self.take_in(source, bytes, etag, last_modified, oai, at).await
            }
            Err(FetchError(e)) => Err(e),
        }
    }

    async fn take_in(
        &self,
        source: &Source,
        bytes: Vec<u8>,
        etag: Option<String>,
        last_modified: Option<String>,
        oai_url: Option<String>,
        at: DateTime<Utc>,
    ) -> std::result::Result<Outcome, String> {
        // Parsing and checking are pure CPU work: off the async threads.
        let max_records = self.config.max_records;
        let org_code = source.org_code.clone();
        let url = public_url(&source.url);
        let checked = tokio::task::spawn_blocking(move || check_feed(bytes, max_records, &org_code, &url))
            .await
            .map_err(|_| failed("interne fout bij het lezen", "internal error while reading"))??;
        self.commit(source, checked, (etag, last_modified, oai_url), at, HarvestOutcome::Changed).await
    }

    /// Checks the source's publication log, when it serves one: the checkpoint's signature (with the key
    /// seen the first time) and that the log extends the one accepted last time. A source whose history
    /// was rewritten or removed is refused (its records here stay as they are) until the operator looks
    /// into it; the new checkpoint is kept.
    async fn check_log(&self, source: &Source) -> std::result::Result<(), String> {
        use algoreg_tlog::Checkpoint;
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD;
        let Some(base) = log_base(&source.url) else { return Ok(()) };
        let stored = self.store.source_log(source.id).await.map_err(|e| self.store_error(e.into()))?;
        let fetch = |path: String| {
            let url = format!("{base}{path}");
            async move { self.fetcher.fetch_text(&url).await.map_err(|e| e.0) }
        };
        let key = match &stored {
            Some(s) => s.key.clone(),
            // A source without a log (an older register, a static feed): nothing to check.
            None => match fetch("/log/key".into()).await {
                Ok(Some(k)) if k.len() < 1000 && algoreg_tlog::parse_verifier_key(&k).is_ok() => k.trim().to_string(),
                _ => return Ok(()),
            },
        };
        let rewritten = || {
            failed(
                "de bron heeft haar geschiedenis herschreven: haar logboek sluit niet aan op het vorige",
                "the source rewrote its history: its log does not extend the one seen before",
            )
        };
        let Some(note) = fetch("/log/checkpoint".into()).await? else {
            return if stored.is_some() {
                Err(failed("de bron toont haar logboek niet meer", "the source no longer serves its log"))
            } else {
                Ok(())
            };
        };
        let c = Checkpoint::open(&note, &key)
            .map_err(|e| failed("het controlepunt van de bron klopt niet", format!("the source's checkpoint: {e}")))?;
        if let Some(s) = &stored {
            let old_root: algoreg_tlog::Hash = b64.decode(&s.root).ok().and_then(|r| r.try_into().ok()).ok_or_else(rewritten)?;
            if c.size < s.size || (c.size == s.size && c.root != old_root) {
                return Err(rewritten());
            }
            if c.size > s.size && s.size > 0 {
                let body = fetch(format!("/log/proof/consistency?first={}&second={}", s.size, c.size)).await?.ok_or_else(rewritten)?;
                let v: serde_json::Value = serde_json::from_str(&body).map_err(|_| rewritten())?;
                let proof = crate::log::decode_hashes(&v["proof"]).ok_or_else(rewritten)?;
                if !algoreg_tlog::verify_consistency(s.size, c.size, &proof, &old_root, &c.root) {
                    return Err(rewritten());
                }
            }
        }
        let log = SourceLog { key, size: c.size, root: b64.encode(c.root) };
        self.store.set_source_log(source.id, &log).await.map_err(|e| self.store_error(e.into()))
    }

    /// An OAI-PMH source: only what changed since the last harvest (the `from` of the source's last
    /// answer, kept as its `last_modified`), in pages; a deleted item is retracted at once. The first
    /// harvest takes everything, and what it does not hold counts as missing, as with a feed.
    async fn harvest_oai(&self, source: &Source, oai: &str, at: DateTime<Utc>) -> std::result::Result<Outcome, String> {
        use super::oai_client::{first_url, next_url, parse_page};
        let from = source.last_modified.clone().filter(|s| s.len() == 20 && s.ends_with('Z'));
        let mut url = first_url(oai, from.as_deref());
        let (mut records, mut deleted, mut response_date) = (vec![], HashSet::new(), None);
        let max_pages = self.config.max_records / 10 + 2;
        let mut complete = false;
        // However many pages, their bytes together stay within what one feed may be.
        let mut bytes_read: u64 = 0;
        for _ in 0..max_pages {
            let bytes = self.fetcher.fetch_xml(&url).await.map_err(|e| e.0)?;
            bytes_read += bytes.len() as u64;
            if bytes_read > self.fetcher.config().max_bytes {
                return Err(failed("de antwoorden samen zijn te groot", "the answers together are too large"));
            }
            let page = tokio::task::spawn_blocking(move || parse_page(&bytes))
                .await
                .map_err(|_| failed("interne fout bij het lezen", "internal error while reading"))??;
            if response_date.is_none() {
                response_date = page.response_date.clone();
            }
            match page.error.as_deref() {
                None => {}
                Some("noRecordsMatch") => {
                    complete = true;
                    break;
                }
                Some(code) => {
                    return Err(failed(format!("de bron gaf de OAI-fout {code}"), format!("the source answered with OAI error {code}")));
                }
            }
            records.extend(page.records);
            deleted.extend(page.deleted);
            if records.len() + deleted.len() > self.config.max_records {
                return Err(failed(
                    format!("meer dan {} records", self.config.max_records),
                    format!("more than {} records", self.config.max_records),
                ));
            }
            match page.token.filter(|t| !t.is_empty()) {
                Some(t) => url = next_url(oai, &t),
                None => {
                    complete = true;
                    break;
                }
            }
        }
        if !complete {
            return Err(failed("te veel pagina's", "too many pages"));
        }
        // Nothing changed since the last harvest: a few hundred bytes moved, nothing to write.
        if from.is_some() && records.is_empty() && deleted.is_empty() {
            return Ok(Outcome::NotModified);
        }
        let doc = serde_json::json!({
            "format": super::feed::FORMAT, "format_version": super::feed::FORMAT_VERSION,
            "generated_at": at.to_rfc3339(), "organisations": [], "records": records,
        });
        let bytes = serde_json::to_vec(&doc).map_err(|_| failed("interne fout", "internal error"))?;
        // The pages' records are in `bytes` now: one copy in memory while the feed is checked, not two.
        drop(doc);
        let max_records = self.config.max_records;
        let org_code = source.org_code.clone();
        let shown = public_url(&source.url);
        let mut checked = tokio::task::spawn_blocking(move || check_feed(bytes, max_records, &org_code, &shown))
            .await
            .map_err(|_| failed("interne fout bij het lezen", "internal error while reading"))??;
        if from.is_some() {
            // Incremental: a record not in this answer did not change; it is not missing.
            let tracked = self.store.source_records(source.id).await.map_err(|e| self.store_error(e.into()))?;
            checked.present.extend(tracked.iter().filter(|t| t.missing == 0).map(|t| t.record));
            for d in &deleted {
                checked.present.remove(d);
            }
            checked.total = checked.present.len();
        }
        checked.deleted = deleted;
        // Items at the edge of the last answer's second come again; unchanged, they change nothing.
        match self.commit(source, checked, (None, response_date, source.oai_url.clone()), at, HarvestOutcome::Changed).await? {
            Outcome::Changed { new: 0, updated: 0, retracted: 0, rejected: 0, .. } => Ok(Outcome::NotModified),
            other => Ok(other),
        }
    }

    /// A 304: the feed is as it was, so records missing from it last time are missing once more
    /// (a retraction may fall due). Without such records nothing is written but the attempt.
    async fn unchanged_feed(&self, source: &Source, at: DateTime<Utc>) -> std::result::Result<Outcome, String> {
        let tracked = self.store.source_records(source.id).await.map_err(|e| self.store_error(e.into()))?;
        if tracked.iter().all(|t| t.missing == 0) {
            return Ok(Outcome::NotModified);
        }
        let checked = CheckedFeed {
            ready: vec![],
            rejected: source.rejected.clone(),
            present: tracked.iter().filter(|t| t.missing == 0).map(|t| t.record).collect(),
            total: source.records as usize,
            deleted: HashSet::new(),
        };
        let kept = (source.etag.clone(), source.last_modified.clone(), None);
        match self.commit(source, checked, kept, at, HarvestOutcome::NotModified).await? {
            Outcome::Changed { retracted: 0, .. } => Ok(Outcome::NotModified),
            other => Ok(other),
        }
    }

    async fn commit(
        &self,
        source: &Source,
        checked: CheckedFeed,
        (etag, last_modified, oai_url): (Option<String>, Option<String>, Option<String>),
        at: DateTime<Utc>,
        label: HarvestOutcome,
    ) -> std::result::Result<Outcome, String> {
        let plan = self.plan(source, checked, at).await.map_err(|e| self.store_error(e))?;
        // Records left for the next harvest: it must fetch the whole feed (or the OAI-PMH changes
        // since before this harvest) again. Each harvest proves `max_proofs` more.
        let (etag, last_modified) = if plan.deferred > 0 {
            tracing::info!(source = source.id, deferred = plan.deferred, "records left for the next harvest");
            (None, source.last_modified.clone())
        } else {
            (etag, last_modified)
        };
        let outcome = Outcome::Changed {
            records: plan.records,
            new: plan.commit.fresh.len(),
            updated: plan.updated,
            unchanged: plan.unchanged,
            retracted: plan.retracted,
            rejected: plan.commit.rejected.len(),
        };
        let commit = HarvestCommit { etag, last_modified, oai_url, next_due_at: self.next_due(at, 0), outcome: label, ..plan.commit };
        match self.store.commit_harvest(&commit).await {
            Ok(()) => Ok(outcome),
            Err(StoreError::NotFound) => {
                Err(failed("de bron is verwijderd tijdens het oogsten", "the source was removed during the harvest"))
            }
            Err(StoreError::Stale) => Err(failed(
                "een record veranderde tijdens het oogsten; de volgende keer opnieuw",
                "a record changed during the harvest; will try again next time",
            )),
            Err(e) => Err(self.store_error(e.into())),
        }
    }

    fn store_error(&self, e: ServiceError) -> String {
        tracing::error!(error = %e, "harvest: storage failure");
        failed("opslagfout in het centrale register", "storage failure in the central register")
    }

    async fn plan(&self, source: &Source, feed: CheckedFeed, at: DateTime<Utc>) -> Result<Plan> {
        let CheckedFeed { ready, mut rejected, present, total, deleted } = feed;
        let ids: Vec<AlgorithmId> = ready.iter().map(|r| r.id).collect();
        let mut existing: HashMap<AlgorithmId, RecordMeta> = HashMap::new();
        for chunk in ids.chunks(500) {
            existing.extend(self.store.records(chunk).await?.into_iter().map(|m| (m.id, m)));
        }
        let tracked: HashMap<AlgorithmId, SourceRecord> =
            self.store.source_records(source.id).await?.into_iter().map(|t| (t.record, t)).collect();
        let mut plan = Plan { records: total, ..Default::default() };
        let mut holders: HashMap<algoreg_store::OrgId, String> = HashMap::new();
        let shown_url = public_url(&source.url);
        let actor = format!("harvest:{shown_url}");
        // The source's log (its address and key, when it has one): a version first published there gets
        // the source's proof; a version that came through other registers keeps the origin's proof.
        let base = log_base(&source.url);
        let stored = self.store.source_log(source.id).await?;
        let source_log = SourceLogContext {
            pin: base.as_deref().and_then(|b| pin_name(b, &source.org_code)),
            checked: stored.as_ref().and_then(|l| {
                let root = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &l.root).ok()?;
                Some((l.size, root.try_into().ok()?))
            }),
            key: stored.map(|l| l.key),
            base,
            org: source.org_code.clone(),
        };
        if let (Some(pin), Some(key)) = (&source_log.pin, &source_log.key) {
            // This register's own source is the surest place to learn an origin's key: it replaces
            // one learned through another register.
            if self.store.origin_key(pin, key, true).await? != *key {
                tracing::warn!(source = source.id, "the key kept for this origin was replaced by the source's own");
            }
        }
        let mut work = ProofWork::new(self.store.origin_keys().await?, at);
        let provenance =
            |hash: &str, sv: algoreg_standard::StandardVersion, origin: Option<&serde_json::Value>, proof: Option<serde_json::Value>| {
                let mut p = serde_json::json!({
                    "source": "harvest",
                    "source_url": shown_url,
                    "harvested_at": at.to_rfc3339(),
                    "content_hash": hash,
                });
                if let Some(t) = origin.and_then(|o| o.get("translations")) {
                    p["translations"] = clean_translations(sv, t);
                }
                // Where it was first published and the feeds it came through (at most 16 levels).
                let upstream = origin.map(|o| (o.get("origin").and_then(|x| x.as_str()), via_of(o)));
                let first = upstream.as_ref().and_then(|(o, _)| *o).filter(|o| o.len() <= 2000).unwrap_or(&shown_url).to_string();
                let mut via: Vec<String> = upstream.map(|(_, v)| v).unwrap_or_default();
                via.push(shown_url.clone());
                p["origin"] = serde_json::json!(first);
                p["via"] = serde_json::json!(via.into_iter().rev().take(16).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>());
                if let Some(proof) = proof {
                    p["origin_log"] = proof;
                }
                p
            };
        let mut new_tracked = Vec::with_capacity(ready.len() + tracked.len());
        for r in ready {
            let Some(last) = r.versions.last() else { continue };
            // A record that came through this register itself: a loop between levels.
            let looped = self.config.own_feed.as_ref().is_some_and(|own| {
                let own = public_url(own);
                last.provenance
                    .as_ref()
                    .is_some_and(|p| via_of(p).contains(&own) || p.get("origin").and_then(|o| o.as_str()) == Some(own.as_str()))
            });
            if looped {
                rejected.push(SourceRejection {
                    id: Some(r.id.to_string()),
                    name: Some(last.content.name().to_string()),
                    reasons: vec![
                        "provenance: kwam al via dit register (een kringloop) / already came through this register (a loop)".into()
                    ],
                });
                continue;
            }
            let hash = content_hash(last.standard_version.as_str(), &last.content);
            new_tracked.push(SourceRecord { record: r.id, hash: hash.clone(), missing: 0 });
            match existing.get(&r.id) {
                Some(meta) if meta.org_id != source.org_id => {
                    new_tracked.pop();
                    // Named, so that the operator can see which organisation holds the ID (two sources
                    // claiming one ID is for the operator to settle; the first one's stays meanwhile).
                    if holders.is_empty() {
                        holders = self.store.organisations().await?.into_iter().map(|o| (o.id, o.code)).collect();
                    }
                    // Only for a public registration: the source's organisation learns nothing of a
                    // draft elsewhere.
                    let holder = match meta.published_version {
                        Some(_) => holders.get(&meta.org_id).map(String::as_str).unwrap_or("?"),
                        None => "niet openbaar / not public",
                    };
                    rejected.push(SourceRejection {
                        id: Some(r.id.to_string()),
                        name: Some(last.content.name().to_string()),
                        reasons: vec![format!(
                            "id: hoort in dit register bij een andere organisatie ({holder}) / belongs to another organisation in this register ({holder})"
                        )],
                    });
                }
                Some(meta) => {
                    // Unchanged content stays as it is here, also when it is not public: retracted by
                    // the operator, it stays retracted. Only a record this source had dropped (and that
                    // was retracted for that) comes back.
                    let same_hash =
                        tracked.get(&r.id).is_some_and(|t| t.hash == hash && (t.missing == 0 || meta.published_version.is_some()));
                    if same_hash {
                        plan.unchanged += 1;
                        continue;
                    }
                    // Every version here: the published one (unchanged content stays as it is), and the
                    // latest one with the origin's proof (published or not).
                    let here = self.store.versions(meta.id).await?;
                    let current = meta.published_version.and_then(|n| here.iter().find(|v| v.number == n));
                    if current.is_some_and(|c| c.standard_version == last.standard_version && c.content == last.content) {
                        plan.unchanged += 1;
                        continue;
                    }
                    let before = here.iter().rev().find_map(|v| v.provenance.as_ref().filter(|p| p.get("origin_log").is_some()));
                    let proofs = self.origin_proofs(r.id, std::slice::from_ref(last), before, &source_log, &mut work).await?;
                    let Some(mut proofs) = proofs.held(&mut plan, &mut rejected, &mut new_tracked, r.id, last) else { continue };
                    let proof = proofs.pop().flatten();
                    let last = r.versions.into_iter().next_back().expect("checked above");
                    let step = plan_step(meta, Action::Import, None)?;
                    let version = NewVersion {
                        state: VersionState::Published,
                        created_at: at,
                        created_by: actor.clone(),
                        provenance: Some(provenance(&hash, last.standard_version, last.provenance.as_ref(), proof)),
                        ..last
                    };
                    let history =
                        NewHistory { action: Action::Import, version: meta.latest_version + 1, actor: actor.clone(), reason: None, at };
                    plan.commit
                        .changes
                        .push(Change::planned(meta.id, meta.latest_version, step, Some(version), history).expecting(meta.latest_state));
                    plan.updated += 1;
                }
                None => {
                    let proofs = self.origin_proofs(r.id, &r.versions, None, &source_log, &mut work).await?;
                    let Some(proofs) = proofs.held(&mut plan, &mut rejected, &mut new_tracked, r.id, last) else { continue };
                    let versions = r
                        .versions
                        .into_iter()
                        .zip(proofs)
                        .map(|(v, proof)| {
                            let h = content_hash(v.standard_version.as_str(), &v.content);
                            NewVersion {
                                state: VersionState::Published,
                                created_by: actor.clone(),
                                provenance: Some(provenance(&h, v.standard_version, v.provenance.as_ref(), proof)),
                                ..v
                            }
                        })
                        .collect();
                    plan.commit.fresh.push(ImportRecord { id: r.id, org_id: source.org_id, versions, published: true });
                }
            }
        }
        // Records this source delivered before but not now.
        let retract_after = self.config.retract_after.max(1);
        let gone: Vec<&SourceRecord> = tracked.values().filter(|t| !present.contains(&t.record)).collect();
        let gone_ids: Vec<AlgorithmId> = gone.iter().map(|t| t.record).collect();
        let mut metas: HashMap<AlgorithmId, RecordMeta> = HashMap::new();
        for chunk in gone_ids.chunks(500) {
            metas.extend(self.store.records(chunk).await?.into_iter().map(|m| (m.id, m)));
        }
        for t in gone {
            // Deleted at the source (OAI-PMH): retracted at once.
            let missing = if deleted.contains(&t.record) { (t.missing + 1).max(retract_after) } else { t.missing + 1 };
            new_tracked.push(SourceRecord { record: t.record, hash: t.hash.clone(), missing });
            let Some(meta) = metas.get(&t.record) else { continue };
            if missing >= retract_after && meta.published_version.is_some() && meta.org_id == source.org_id {
                let reason = format!(
                    "Niet meer in de feed van de organisatie ({missing} keer op rij) / No longer in the organisation's feed ({missing} times in a row)"
                );
                let step = plan_step(meta, Action::Retract, Some(&reason))?;
                let history =
                    NewHistory { action: Action::Retract, version: meta.latest_version, actor: actor.clone(), reason: Some(reason), at };
                plan.commit.changes.push(Change::planned(meta.id, meta.latest_version, step, None, history).expecting(meta.latest_state));
                plan.retracted += 1;
            }
        }
        // Refused records that were delivered before stay tracked (they are present, not gone).
        let kept: HashSet<AlgorithmId> = new_tracked.iter().map(|t| t.record).collect();
        for (id, t) in &tracked {
            if present.contains(id) && !kept.contains(id) {
                new_tracked.push(SourceRecord { record: *id, hash: t.hash.clone(), missing: 0 });
            }
        }
        rejected.sort_by(|a, b| a.id.cmp(&b.id));
        if rejected.len() > KEPT_REJECTIONS {
            let more = rejected.len() - KEPT_REJECTIONS + 1;
            rejected.truncate(KEPT_REJECTIONS - 1);
            rejected.push(SourceRejection {
                id: None,
                name: None,
                reasons: vec![format!("en nog {more} geweigerde records / and {more} more records refused")],
            });
        }
        for r in &mut rejected {
            r.id = r.id.take().map(clip);
            r.name = r.name.take().map(clip);
            for reason in &mut r.reasons {
                *reason = clip(std::mem::take(reason));
            }
        }
        plan.commit.source_id = source.id;
        plan.commit.at = at;
        plan.commit.records = total as u64;
        plan.commit.rejected = rejected;
        plan.commit.tracked = new_tracked;
        plan.commit.origin_keys = std::mem::take(&mut work.new_keys);
        Ok(plan)
    }

    /// The origin's proofs of these versions of record `id`, one per version (none where there is
    /// none to have), or why the record is refused:
    /// * a version that came through other registers keeps the proof it carries, which must hold and
    ///   be signed with the key kept for its origin and organisation (taken from this register's own
    ///   source at that address, or else kept the first time it is seen);
    /// * the current version of a record first published at the source gets the source's proof,
    ///   fetched and checked with the source's key; one that cannot be had leaves the version
    ///   without, except past this harvest's limits ([`ProofWork`]): then the record waits
    ///   ([`Proofs::Later`]);
    /// * when a version here (`before`: the provenance of the latest one with the origin's proof)
    ///   carried the origin's proof, the new one must come from the same origin, with a proof unless
    ///   it comes from the origin itself, and not from an earlier entry of the origin's log.
    async fn origin_proofs(
        &self,
        id: AlgorithmId,
        versions: &[NewVersion],
        before: Option<&serde_json::Value>,
        source: &SourceLogContext,
        work: &mut ProofWork,
    ) -> Result<Proofs> {
        let mut out = Vec::with_capacity(versions.len());
        // Origins first seen with this record: kept only when the record is taken.
        let mut learned: Vec<(String, String)> = vec![];
        let refuse = |why: &str| Ok(Proofs::Refused(why.to_string()));
        let mut last_origin = None;
        let mut came_through = false;
        for (i, v) in versions.iter().enumerate() {
            let h = content_hash(v.standard_version.as_str(), &v.content);
            let upstream = v.provenance.as_ref();
            let named = upstream.and_then(|u| u.get("origin"));
            came_through = named.is_some();
            // Came through another register: its origin must be a web address (pinned per address and
            // organisation); else the source itself is the origin.
            let origin = match named {
                Some(o) => match o.as_str().and_then(|o| pin_name(o, &source.org)) {
                    Some(pin) => pin,
                    None => return refuse("the origin is not a web address"),
                },
                None => source.pin.clone().unwrap_or_default(),
            };
            let proof = match (came_through, upstream.and_then(|u| u.get("origin_log"))) {
                (true, Some(carried)) => {
                    if work.checked >= self.config.max_proofs * CHECKS_PER_FETCH {
                        return Ok(Proofs::Later);
                    }
                    work.checked += 1;
                    let p = match crate::log::check_carried_proof(carried, &id.to_string(), &h, None) {
                        Ok(p) => p,
                        Err(e) => return Ok(Proofs::Refused(e)),
                    };
                    let key = p["key"].as_str().unwrap_or_default();
                    let kept = work.known.get(&origin).or_else(|| learned.iter().find(|(o, _)| *o == origin).map(|(_, k)| k));
                    match kept {
                        Some(k) if k != key => return refuse("signed with another key than the one known for its origin"),
                        Some(_) => {}
                        None if work.learned >= MAX_NEW_ORIGINS => return Ok(Proofs::Later),
                        None => {
                            work.learned += 1;
                            learned.push((origin.clone(), key.to_string()));
                        }
                    }
                    Some(p)
                }
                (true, None) => None,
                (false, _) if i + 1 < versions.len() => None,
                (false, _) => match (&source.base, &source.key) {
                    (Some(_), Some(_)) if work.fetched >= self.config.max_proofs || work.out_of_time() => return Ok(Proofs::Later),
                    (Some(base), Some(key)) => {
                        work.fetched += 1;
                        match self.fetch_origin_proof(base, key, source.checked, id, &h, work).await {
                            SourceProof::Held(p) => Some(p),
                            SourceProof::Missing => None,
                            SourceProof::Later => return Ok(Proofs::Later),
                        }
                    }
                    _ => None,
                },
            };
            last_origin = Some(origin);
            out.push(proof);
        }
        // Against the version here that carried the origin's proof: the same origin, a proof (unless
        // from the origin itself), and no earlier entry of its log.
        if let (Some(b), Some(origin), Some(new)) = (before, last_origin, out.last()) {
            let b_origin = b.get("origin").and_then(|o| o.as_str()).and_then(|o| pin_name(o, &source.org));
            let b_log = &b["origin_log"];
            if b_origin.as_deref() != Some(origin.as_str()) {
                return refuse("comes from another origin than the version here, which carried the origin's proof");
            }
            match new {
                None if came_through => return refuse("the version here carried the origin's proof; this one comes without"),
                Some(n) if n["key"] == b_log["key"] && n["index"].as_u64() < b_log["index"].as_u64() => {
                    return refuse("older than the version here (an earlier entry of the origin's log)");
                }
                _ => {}
            }
        }
        // Kept with the harvest's commit (which fails, writing nothing, if another key was kept for
        // the origin meanwhile): a harvest that does not commit teaches nothing.
        for (origin, key) in learned {
            work.known.insert(origin.clone(), key.clone());
            work.new_keys.push((origin, key));
        }
        Ok(Proofs::Held(out))
    }

    /// The source's proof that its current version of `id` (with this content hash) is in its log,
    /// checked with the source's key; none when it cannot be had (the source's log does not hold this
    /// content, the answer is not a proof, or its checkpoint is not of the log `checked` at the start
    /// of this harvest nor consistent with it: a source cannot show one log to the harvester and
    /// another in its proofs).
    async fn fetch_origin_proof(
        &self,
        base: &str,
        key: &str,
        checked: Option<(u64, algoreg_tlog::Hash)>,
        id: AlgorithmId,
        hash: &str,
        work: &mut ProofWork,
    ) -> SourceProof {
        let Ok(Some(body)) = self.fetcher.fetch_text(&format!("{base}/log/proof/record/{id}")).await else { return SourceProof::Missing };
        let Some(p) = serde_json::from_str::<serde_json::Value>(&body).ok().and_then(|mut proof| {
            proof.as_object_mut()?.insert("key".into(), serde_json::json!(key));
            crate::log::check_carried_proof(&proof, &id.to_string(), hash, Some(key)).ok()
        }) else {
            return SourceProof::Missing;
        };
        let Some((size, root)) = checked else { return SourceProof::Missing };
        let Some(c) = p["checkpoint"].as_str().and_then(|n| algoreg_tlog::Checkpoint::open(n, key).ok()) else {
            return SourceProof::Missing;
        };
        let holds = match c.size.cmp(&size) {
            _ if work.consistent.contains(&(c.size, c.root)) => Some(true),
            std::cmp::Ordering::Equal => Some(c.root == root),
            std::cmp::Ordering::Greater if size == 0 => Some(true),
            std::cmp::Ordering::Greater => self.consistent(base, (size, root), (c.size, c.root)).await,
            std::cmp::Ordering::Less => self.consistent(base, (c.size, c.root), (size, root)).await,
        };
        match holds {
            Some(true) => {
                // Proofs against the same checkpoint need no second look (bounded: one per proof fetched).
                work.consistent.insert((c.size, c.root));
                SourceProof::Held(p)
            }
            Some(false) => {
                tracing::warn!(%id, base, "a source's proof is not of the log it showed: left out");
                SourceProof::Missing
            }
            // The check could not be made now: the record waits for the next harvest.
            None => SourceProof::Later,
        }
    }

    /// Whether the source proves that its log of `first` (size, root) is the start of its log of
    /// `second`; none when its answer cannot be had.
    async fn consistent(&self, base: &str, first: (u64, algoreg_tlog::Hash), second: (u64, algoreg_tlog::Hash)) -> Option<bool> {
        let url = format!("{base}/log/proof/consistency?first={}&second={}", first.0, second.0);
        let body = self.fetcher.fetch_text(&url).await.ok()??;
        let v = serde_json::from_str::<serde_json::Value>(&body).ok()?;
        Some(
            crate::log::decode_hashes(&v["proof"])
                .is_some_and(|proof| algoreg_tlog::verify_consistency(first.0, second.0, &proof, &first.1, &second.1)),
        )
    }

    /// The schedule: harvests the sources that are due, then sleeps until the next one is (at most
    /// `tick`). Runs until the process ends.
    /// With several nodes on one database, only the node holding the `harvest` lease harvests.
    pub async fn run_schedule(self, node: Arc<crate::runtime::Node>, tick: Duration) {
        // Longer than a round of harvests with their timeouts, so the holder keeps it while it works.
        let lease = crate::runtime::Lease::new(self.store.clone(), node, "harvest", Duration::from_secs(600).max(tick * 4));
        loop {
            if let Some(round) = lease.round().await {
                crate::metrics::METRICS.job_ran(crate::metrics::Job::Harvest);
                if let Err(e) = self.harvest_all(true, &round.held(), &|_, _| {}).await {
                    tracing::error!(error = %e, "scheduled harvest failed");
                }
            }
            let now = Utc::now();
            let next = match self.store.sources().await {
                Ok(s) => s.iter().filter_map(|s| s.next_due_at).min(),
                Err(_) => None,
            };
            let wait = next.map(|n| (n - now).to_std().unwrap_or(Duration::ZERO)).unwrap_or(tick).min(tick);
            tokio::time::sleep(wait.max(Duration::from_millis(100))).await;
        }
    }
}

/// The wait before the next attempt, without jitter: the interval after a success; after `failures`
/// failures in a row a minute (or the interval, if shorter), doubling with each failure, at most eight
/// intervals (at least a minute): a passing hiccup is retried soon, a dead source is left alone longer.
pub fn wait_after(interval: Duration, failures: u32) -> Duration {
    if failures == 0 {
        return interval;
    }
    let first = interval.min(Duration::from_secs(60));
    let cap = interval.saturating_mul(8).max(Duration::from_secs(60));
    first.saturating_mul(1u32 << (failures - 1).min(16)).min(cap)
}

/// The feeds a harvested version came through, as its feed gives them.
fn via_of(provenance: &serde_json::Value) -> Vec<String> {
    provenance
        .get("via")
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|x| x.as_str()).filter(|s| s.len() <= 2000).take(16).map(String::from).collect())
        .unwrap_or_default()
}

/// The address of the register behind a source (its feed or OAI-PMH address), where its log is.
fn log_base(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next().unwrap_or(url).trim_end_matches('/');
    path.strip_suffix(&format!("/{}", super::feed::PATH)).or_else(|| path.strip_suffix("/oai")).map(String::from)
}

/// A source URL as it may be shown and logged: without query string and fragment (which may hold a
/// token).
pub fn public_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => url.split(['?', '#']).next().unwrap_or_default().to_string(),
    }
}

/// Translations that come with a harvested version are checked and sanitised like the version itself
/// (unknown fields dropped, rich text through the allow-list); anything that is not an object is dropped.
fn clean_translations(sv: algoreg_standard::StandardVersion, t: &serde_json::Value) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    if let Some(langs) = t.as_object() {
        for (lang, v) in langs.iter().take(8) {
            let Some(content) = v.get("content").and_then(|c| c.as_object()) else { continue };
            let checked =
                algoreg_standard::validate::check(sv, &algoreg_standard::Content(content.clone()), algoreg_standard::validate::Mode::Draft);
            out.insert(lang.chars().take(8).collect(), serde_json::json!({ "content": checked.content.0 }));
        }
    }
    serde_json::Value::Object(out)
}

fn plan_step(meta: &RecordMeta, action: Action, reason: Option<&str>) -> Result<algoreg_domain::workflow::Plan> {
    Ok(plan(&crate::register::state_of(meta), action, &Principal::system(), PublicationFlow::Central, reason)?)
}

/// How long the harvest of one source may take, all its fetches together.
const HARVEST_DEADLINE: Duration = Duration::from_secs(300);

/// What the origin's proofs of a record's versions come to.
enum Proofs {
    /// One per version (none where there is none to have).
    Held(Vec<Option<serde_json::Value>>),
    /// The record is refused, for this reason.
    Refused(String),
    /// This harvest fetched enough proofs: the record waits for the next.
    Later,
}

impl Proofs {
    /// The proofs when they are held; else the record is set aside (no longer tracked as taken in):
    /// refused with the reason, or counted as left for the next harvest.
    fn held(
        self,
        plan: &mut Plan,
        rejected: &mut Vec<SourceRejection>,
        tracked: &mut Vec<SourceRecord>,
        id: AlgorithmId,
        v: &NewVersion,
    ) -> Option<Vec<Option<serde_json::Value>>> {
        match self {
            Proofs::Held(p) => return Some(p),
            Proofs::Refused(why) => rejected.push(SourceRejection {
                id: Some(id.to_string()),
                name: Some(v.content.name().to_string()),
                reasons: vec![format!("origin_log: het bewijs van de oorsprong klopt niet / the origin's proof does not hold: {why}")],
            }),
            Proofs::Later => plan.deferred += 1,
        }
        tracked.pop();
        None
    }
}

/// What proving costs in one harvest of a source. Past a limit, the records left wait for the next
/// harvest: proofs fetched (`max_proofs`, and no more fetches after [`PROOF_TIME`]), carried proofs
/// checked ([`CHECKS_PER_FETCH`] times `max_proofs`), and origins seen for the first time
/// ([`MAX_NEW_ORIGINS`]).
struct ProofWork {
    fetched: usize,
    checked: usize,
    learned: usize,
    /// When the harvest started.
    started: DateTime<Utc>,
    /// The keys kept for origins, by name (with those learned in this harvest).
    known: HashMap<String, String>,
    /// Checkpoints of the source's proofs that it showed to extend (or be) the log checked first.
    consistent: HashSet<(u64, algoreg_tlog::Hash)>,
    /// Keys of origins first seen in this harvest, for its commit.
    new_keys: Vec<(String, String)>,
}

impl ProofWork {
    fn new(known: Vec<(String, String)>, started: DateTime<Utc>) -> ProofWork {
        let known = known.into_iter().collect();
        ProofWork { fetched: 0, checked: 0, learned: 0, started, known, consistent: HashSet::new(), new_keys: vec![] }
    }

    /// Whether fetching proofs should stop, so the harvest keeps what it has.
    fn out_of_time(&self) -> bool {
        (Utc::now() - self.started).to_std().is_ok_and(|t| t > PROOF_TIME)
    }
}

/// A source's proof of a version, as fetched: held, not to be had, or not checkable now.
enum SourceProof {
    Held(serde_json::Value),
    Missing,
    Later,
}

/// A carried proof costs a few signature checks, a fetched one a request: this many checks per fetch.
const CHECKS_PER_FETCH: usize = 20;
/// Origins seen for the first time in one harvest of a source, at most.
const MAX_NEW_ORIGINS: usize = 100;
/// How long after its start one harvest goes on fetching proofs: half of [`HARVEST_DEADLINE`], so a
/// slow source's records wait for the next harvest instead of the harvest running out of time with
/// nothing kept.
const PROOF_TIME: Duration = Duration::from_secs(150);

/// The source's log as the harvest of one source uses it: its address, its key, the name its key is
/// pinned under, and the organisation the source is for.
struct SourceLogContext {
    base: Option<String>,
    key: Option<String>,
    /// The source's log as checked at the start of this harvest: (size, root).
    checked: Option<(u64, algoreg_tlog::Hash)>,
    pin: Option<String>,
    org: String,
}

/// The name an origin's key is kept under: its register's address in one spelling (scheme, host in
/// lower case, port only when not the default, path without dot segments, empty segments and the feed
/// or OAI-PMH ending), with the organisation: a source for one organisation cannot set the key of
/// another's. None for what is not an http(s) address.
fn pin_name(origin: &str, org: &str) -> Option<String> {
    // Kept short enough that the name, spelled out, stays within what a database index takes.
    if origin.len() > 500 || origin.chars().any(char::is_control) {
        return None;
    }
    let url = reqwest::Url::parse(origin).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?;
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    let path: Vec<&str> = url.path().split('/').filter(|p| !p.is_empty()).collect();
    let mut path = path.join("/");
    for ending in [super::feed::PATH, "oai"] {
        if path == ending {
            path.clear();
        } else if let Some(p) = path.strip_suffix(&format!("/{ending}")) {
            path = p.to_string();
        }
    }
    Some(format!("{}://{host}{port}/{path}#{org}", url.scheme()))
}

#[derive(Default)]
struct Plan {
    records: usize,
    updated: usize,
    unchanged: usize,
    retracted: usize,
    /// Changed records left for the next harvest: this one fetched enough of the source's proofs.
    deferred: usize,
    commit: HarvestCommit,
}

struct CheckedFeed {
    ready: Vec<Ready>,
    rejected: Vec<SourceRejection>,
    /// Every ID the feed holds, refused or not (a refused record is not "gone").
    present: HashSet<AlgorithmId>,
    total: usize,
    /// Items the source says are deleted (OAI-PMH): retracted at once.
    deleted: HashSet<AlgorithmId>,
}

/// Parses and checks a feed body. A feed that cannot be read at all is an error (nothing changes).
fn check_feed(bytes: Vec<u8>, max_records: usize, org_code: &str, url: &str) -> std::result::Result<CheckedFeed, String> {
    // A feed is a JSON object; nothing else is handed to the format detection (which would unpack a
    // zip archive, for one).
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(failed("de feed is geen JSON-object", "the feed is not a JSON object"));
    }
    // The number of records is counted before any is read: a feed of many tiny items would otherwise
    // take far more memory than its size. A large feed must be an object with a list of records.
    match crate::import::split::count_elements(&bytes, b"records", max_records) {
        Err(()) => {
            return Err(failed(
                format!("de feed heeft meer records dan de grens van {max_records}"),
                format!("the feed has more records than the limit of {max_records}"),
            ))
        }
        Ok(None) if bytes.len() > 1 << 20 => return Err(failed("de feed is onleesbaar", "the feed cannot be read")),
        Ok(_) => {}
    }
    let parsed = crate::import::parse(&bytes).map_err(|e| match e {
        ServiceError::BadInput { message_nl, message_en, .. } => failed(message_nl, message_en),
        _ => failed("de feed is onleesbaar", "the feed cannot be read"),
    })?;
    drop(bytes);
    if !matches!(parsed.format, Format::AlgoregFeed | Format::AlgoregExport) {
        return Err(failed(
            format!("geen algoreg-feed maar {}", parsed.format.name()),
            format!("not an algoreg feed but {}", parsed.format.name()),
        ));
    }
    let total = parsed.candidates.len();
    if total > max_records {
        return Err(failed(
            format!("de feed heeft {total} records, meer dan de grens van {max_records}"),
            format!("the feed has {total} records, more than the limit of {max_records}"),
        ));
    }
    let mut count: HashMap<String, usize> = HashMap::new();
    for c in &parsed.candidates {
        if let Some(id) = &c.id {
            *count.entry(id.clone()).or_default() += 1;
        }
    }
    let present: HashSet<AlgorithmId> = count.keys().filter_map(|s| AlgorithmId::parse(s).ok()).collect();
    let opts = ImportOptions { org: None, publish: true, actor: format!("harvest:{url}") };
    let mut rejected = Vec::new();
    let mut ready = Vec::new();
    use rayon::prelude::*;
    let checked: Vec<(Option<String>, std::result::Result<Ready, Rejected>)> = parsed
        .candidates
        .into_par_iter()
        .map(|c| {
            let no_id = c.id.is_none();
            let claimed = match &c.org {
                OrgRef::Code(code) => Some(code.clone()),
                OrgRef::Full(o) => Some(o.code.clone()),
                _ => None,
            };
            let mut r = check_candidate(c, &opts, true, true);
            if no_id {
                // A feed must name its IDs: a new one each harvest would make a new record each time.
                r = Err(Rejected {
                    index: 0,
                    id: None,
                    name: r.as_ref().ok().and_then(|x| x.versions.last()).map(|v| v.content.name().to_string()),
                    reasons: vec!["id: ontbreekt / missing".into()],
                });
            }
            (claimed, r)
        })
        .collect();
    for (claimed, r) in checked {
        let (id, name, mut reasons, ok) = match r {
            Ok(x) => (Some(x.id.to_string()), x.versions.last().map(|v| v.content.name().to_string()), vec![], Some(x)),
            Err(rej) => (rej.id, rej.name, rej.reasons, None),
        };
        if claimed.as_deref() != Some(org_code) {
            reasons.insert(
                0,
                format!(
                    "organisation: {} is niet de organisatie van deze bron ({org_code}) / is not this source's organisation",
                    claimed.as_deref().unwrap_or("(geen / none)")
                ),
            );
        }
        if id.as_ref().is_some_and(|i| count.get(i).copied().unwrap_or(0) > 1) {
            reasons.push("id: komt vaker voor in de feed / appears more than once in the feed".into());
        }
        match ok {
            Some(x) if reasons.is_empty() => ready.push(x),
            _ => rejected.push(SourceRejection { id, name, reasons }),
        }
    }
    Ok(CheckedFeed { ready, rejected, present, total, deleted: HashSet::new() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_source_says_is_kept_short() {
        assert_eq!(clip("kort".into()), "kort");
        let long = "é".repeat(KEPT_CHARS + 50);
        let kept = clip(long);
        assert_eq!(kept.chars().count(), KEPT_CHARS + 1);
        assert!(kept.ends_with('…'));
    }

    #[test]
    fn an_origins_key_is_kept_under_one_spelling_of_its_address_per_organisation() {
        let pin = |o: &str| pin_name(o, "gem-a");
        let want = Some("https://register.example/#gem-a".to_string());
        for o in [
            "https://register.example/feed/v1/register.json",
            "HTTPS://Register.Example:443/feed/v1/register.json",
            "https://register.example//feed/./v1/register.json",
            "https://register.example/oai",
            "https://register.example/",
        ] {
            assert_eq!(pin(o), want, "{o}");
        }
        assert_eq!(pin("https://register.example:8443/sub/oai").as_deref(), Some("https://register.example:8443/sub#gem-a"));
        assert_eq!(pin("https://register.example/noai").as_deref(), Some("https://register.example/noai#gem-a"));
        assert_ne!(pin_name("https://register.example/oai", "gem-b"), want, "another organisation, another key");
        for bad in ["ftp://register.example/oai", "register.example", "https://register.example/\u{0}", ""] {
            assert_eq!(pin(bad), None, "{bad}");
        }
        assert_eq!(pin(&format!("https://register.example/{}", "a".repeat(2000))), None);
    }

    #[test]
    fn backoff_doubles_from_a_minute_up_to_the_interval() {
        let m = |n: u64| Duration::from_secs(60 * n);
        let i = m(15);
        assert_eq!(wait_after(i, 0), i);
        assert_eq!(wait_after(i, 1), m(1));
        assert_eq!(wait_after(i, 2), m(2));
        assert_eq!(wait_after(i, 3), m(4));
        assert_eq!(wait_after(i, 4), m(8));
        assert_eq!(wait_after(i, 5), m(16));
        assert_eq!(wait_after(i, 8), m(120));
        assert_eq!(wait_after(i, 40), m(120), "eight intervals at most");
        // A short interval (tests): retries start at the interval and stop at a minute.
        let s = Duration::from_secs(1);
        assert_eq!(wait_after(s, 1), s);
        assert_eq!(wait_after(s, 3), Duration::from_secs(4));
        assert_eq!(wait_after(s, 30), m(1));
    }
}

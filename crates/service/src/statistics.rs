//! The public overview's figures (see [`algoreg_domain::statistics`]): read from the store, counted by
//! the domain crate, kept for a minute. Anyone may ask, so a request never starts work of its own: a
//! count runs in a task of its own (a client that hangs up does not cancel it), one at a time, at most
//! once a minute. Requests meanwhile get the figures counted last; only the very first waits.

use crate::error::Result;
use crate::App;
use algoreg_domain::statistics::{self, OrgFacts, RecordFacts, Statistics};
use algoreg_standard::validate::missing_required;
use algoreg_standard::StandardVersion;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long figures are served before they are counted again.
pub const FRESH_FOR: Duration = Duration::from_secs(60);

/// After a failed count, how long before another is tried (requests meanwhile get the error).
const RETRY_AFTER: Duration = Duration::from_secs(5);

/// Registrations read per page while counting.
const PAGE: u64 = 1000;

/// The figures counted last, and the count under way.
#[derive(Default)]
pub(crate) struct StatisticsCache {
    state: std::sync::Mutex<CacheState>,
}

#[derive(Default)]
struct CacheState {
    value: Option<(Instant, Arc<Statistics>)>,
    failed: Option<(Instant, String)>,
    /// Set while a count runs; it sends once the count is done.
    running: Option<tokio::sync::watch::Receiver<bool>>,
}

fn required_count(v: StandardVersion) -> u32 {
    v.fields().iter().filter(|f| f.required && !f.system).count() as u32
}

impl App {
    /// The overview's figures: those counted last when they are less than a minute old or a new count
    /// is under way; otherwise a count starts (and only the first request ever waits for it).
    pub async fn statistics(&self) -> Result<Arc<Statistics>> {
        loop {
            let mut rx = {
                let mut st = self.statistics.state.lock().unwrap_or_else(|e| e.into_inner());
                let fresh = st.value.as_ref().filter(|(at, _)| at.elapsed() < FRESH_FOR).map(|(_, s)| s.clone());
                if let Some(s) = fresh {
                    return Ok(s);
                }
                let running = match &st.running {
                    Some(rx) => rx.clone(),
                    None => {
                        if let Some((_, e)) = st.failed.as_ref().filter(|(at, _)| at.elapsed() < RETRY_AFTER) {
                            // Shortly after a failed count: the figures counted last, if any.
                            return match &st.value {
                                Some((_, s)) => Ok(s.clone()),
                                None => Err(crate::ServiceError::Internal(e.clone())),
                            };
                        }
                        let (tx, rx) = tokio::sync::watch::channel(false);
                        st.running = Some(rx.clone());
                        let app = self.clone();
                        tokio::spawn(async move {
                            // The count in a task of its own: should it panic, the state is still cleared.
                            let counting = app.clone();
                            let result = match tokio::spawn(async move { counting.count_statistics().await }).await {
                                Ok(r) => r,
                                Err(e) => Err(crate::ServiceError::Internal(e.to_string())),
                            };
                            let mut st = app.statistics.state.lock().unwrap_or_else(|e| e.into_inner());
                            match result {
                                Ok(s) => {
                                    st.value = Some((Instant::now(), Arc::new(s)));
                                    st.failed = None;
                                }
                                Err(e) => {
                                    tracing::warn!(error = %e, "counting the overview's figures failed");
                                    st.failed = Some((Instant::now(), e.to_string()));
                                }
                            }
                            st.running = None;
                            let _ = tx.send(true);
                        });
                        rx
                    }
                };
                // Stale figures while the new count runs.
                if let Some((_, s)) = &st.value {
                    return Ok(s.clone());
                }
                running
            };
            // The first count ever: wait for it, then look again.
            let _ = rx.wait_for(|done| *done).await;
            let st = self.statistics.state.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((_, s)) = &st.value {
                return Ok(s.clone());
            }
            if let Some((_, e)) = &st.failed {
                return Err(crate::ServiceError::Internal(e.clone()));
            }
            if st.running.is_none() {
                return Err(crate::ServiceError::Internal("the count ended without figures".into()));
            }
        }
    }

    async fn count_statistics(&self) -> Result<Statistics> {
        let now = chrono::Utc::now();
        let mut records = vec![];
        let mut codes = vec![];
        crate::register::each_published(&*self.store, PAGE, |v| {
            let required = required_count(v.standard_version);
            let missing = missing_required(v.standard_version, &v.content).len() as u32;
            codes.push((v.record, v.org_code));
            records.push(RecordFacts {
                org: algoreg_domain::OrgId(0),
                first_published: v.first_published_at,
                category: v.content.str("publication_category").map(String::from),
                required,
                filled: required.saturating_sub(missing),
                ai_act: None,
            });
            true
        })
        .await?;
        // Read after the registrations, so that every registration's organisation is there.
        let orgs = self.store.organisations().await?;
        let by_code: HashMap<&str, algoreg_domain::OrgId> = orgs.iter().map(|o| (o.code.as_str(), o.id)).collect();
        let index: HashMap<algoreg_standard::AlgorithmId, usize> = codes.iter().enumerate().map(|(i, (id, _))| (*id, i)).collect();
        for (r, (_, code)) in records.iter_mut().zip(&codes) {
            r.org = by_code.get(code.as_str()).copied().unwrap_or(algoreg_domain::OrgId(0));
        }
        // The public AI Act check of each published registration that has one.
        for id in self.store.classified_records().await? {
            let Some(&i) = index.get(&id) else { continue };
            if let Some(c) = self.public_classification(id).await? {
                records[i].ai_act = Some(c.conclusion);
            }
        }
        let mut signals = HashMap::new();
        for o in &orgs {
            let times = self.store.signal_times(o.id, crate::feedback::FIGURES_FROM).await?;
            if !times.is_empty() {
                signals.insert(o.id, times);
            }
        }
        let facts: Vec<OrgFacts> = orgs
            .into_iter()
            .map(|o| OrgFacts { id: o.id, code: o.code, name: o.name, org_type: o.org_type, ministry: o.relations.ministry })
            .collect();
        // Counting is CPU work over every registration: off the request threads.
        tokio::task::spawn_blocking(move || statistics::compute(&facts, &records, &signals, now))
            .await
            .map_err(|e| crate::ServiceError::Internal(e.to_string()))
    }
}

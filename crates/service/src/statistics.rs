//! The public overview's figures (see [`algoreg_domain::statistics`]): read from the store, counted by
//! the domain crate, kept for a minute. Anyone may ask, so one count runs at a time and every request
//! meanwhile waits for it; between counts the same figures are served again.

use crate::error::Result;
use crate::App;
use algoreg_domain::statistics::{self, OrgFacts, RecordFacts, Statistics};
use algoreg_standard::validate::missing_required;
use algoreg_standard::StandardVersion;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long figures are served again before they are counted anew, even when nothing public changed
/// (signals and their answers change the figures without changing the public register).
pub const FRESH_FOR: Duration = Duration::from_secs(60);

/// Registrations read per page while counting.
const PAGE: u64 = 1000;

pub(crate) type StatisticsCache = tokio::sync::Mutex<Option<(crate::FeedKey, String, Instant, Arc<Statistics>)>>;

fn required_count(v: StandardVersion) -> u32 {
    v.fields().iter().filter(|f| f.required && !f.system).count() as u32
}

impl App {
    /// The overview's figures, counted at most once a minute (sooner when the public register changed).
    pub async fn statistics(&self) -> Result<Arc<Statistics>> {
        let key = self.public_state().await?;
        let ai = self.store.aiact_state().await?;
        let mut cache = self.statistics.lock().await;
        if let Some((k, a, at, s)) = cache.as_ref() {
            if *k == key && *a == ai && at.elapsed() < FRESH_FOR {
                return Ok(s.clone());
            }
        }
        let s = Arc::new(self.count_statistics().await?);
        *cache = Some((key, ai, Instant::now(), s.clone()));
        Ok(s)
    }

    async fn count_statistics(&self) -> Result<Statistics> {
        let now = chrono::Utc::now();
        let orgs = self.store.organisations().await?;
        let by_code: HashMap<&str, algoreg_domain::OrgId> = orgs.iter().map(|o| (o.code.as_str(), o.id)).collect();
        let mut conclusions = HashMap::new();
        for id in self.store.classified_records().await? {
            if let Some(c) = self.public_classification(id).await? {
                conclusions.insert(id, c.conclusion);
            }
        }
        let mut records = vec![];
        let mut after = None;
        loop {
            let page = self.store.published_after(after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.record);
            let full = page.len() as u64 == PAGE;
            for v in page {
                let Some(&org) = by_code.get(v.org_code.as_str()) else { continue };
                let required = required_count(v.standard_version);
                let missing = missing_required(v.standard_version, &v.content).len() as u32;
                records.push(RecordFacts {
                    org,
                    first_published: v.first_published_at,
                    category: v.content.str("publication_category").map(String::from),
                    required,
                    filled: required.saturating_sub(missing),
                    ai_act: conclusions.remove(&v.record),
                });
            }
            if !full {
                break;
            }
        }
        // Signals exist only for published registrations: only organisations that publish have any.
        let publishing: std::collections::BTreeSet<_> = records.iter().map(|r| r.org).collect();
        let mut signals = HashMap::new();
        for org in publishing {
            let times = self.store.signal_times(org, crate::feedback::FIGURES_FROM).await?;
            if !times.is_empty() {
                signals.insert(org, times);
            }
        }
        let facts: Vec<OrgFacts> =
            orgs.into_iter().map(|o| OrgFacts { id: o.id, code: o.code, name: o.name, org_type: o.org_type }).collect();
        // Counting is CPU work over every registration: off the request threads.
        tokio::task::spawn_blocking(move || statistics::compute(&facts, &records, &signals, now))
            .await
            .map_err(|e| crate::ServiceError::Internal(e.to_string()))
    }
}

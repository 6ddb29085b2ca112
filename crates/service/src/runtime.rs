//! Runtime state that must be shared when several nodes serve one database. Background work that must
//! run on one node at a time (the harvest schedule; reminders, retention and sending mail) runs only
//! while this node holds the job's lease in the store; a node that dies loses it when it expires, and
//! another takes over. One node alone always holds it, at the cost of one small write per round.

use algoreg_store::Store;
use chrono::Utc;
use std::sync::Arc;
use std::time::Duration;

/// A new name for a node as a lease holder: the host's process ID and a random part. Each [`crate::App`]
/// has its own, fixed for its life (a node is one `serve`; the tests run several in one process).
pub fn new_node_id() -> Arc<str> {
    format!("{}-{:016x}", std::process::id(), rand::random::<u64>()).into()
}

/// The background jobs that run under a lease (the names in the store).
pub const JOBS: &[&str] = &["feedback", "harvest"];

/// Gives up every lease this process holds (at a graceful stop), so that another node takes the work
/// over at once instead of when the lease expires.
pub async fn release_all(store: &dyn Store, holder: &str) {
    for job in JOBS {
        let _ = store.release_lease(job, holder).await;
    }
}

/// The lease on one background job.
#[derive(Clone)]
pub struct Lease {
    store: Arc<dyn Store>,
    holder: Arc<str>,
    job: &'static str,
    ttl: Duration,
}

impl Lease {
    /// `ttl` must be longer than one round of the job plus the pause between rounds: the holder renews
    /// it every round.
    pub fn new(store: Arc<dyn Store>, holder: Arc<str>, job: &'static str, ttl: Duration) -> Lease {
        Lease { store, holder, job, ttl }
    }

    /// Whether this node runs the job now: takes the lease, or renews it when it holds it already. A
    /// store failure counts as not holding it (the job waits a round rather than running twice).
    pub async fn hold(&self) -> bool {
        let now = Utc::now();
        let until = now + chrono::Duration::from_std(self.ttl).unwrap_or(chrono::Duration::minutes(5));
        match self.store.take_lease(self.job, &self.holder, now, until).await {
            Ok(held) => held,
            Err(e) => {
                tracing::warn!(job = self.job, error = %e, "lease not taken");
                false
            }
        }
    }

    /// Gives the lease up (at shutdown, so that another node takes over at once).
    pub async fn release(&self) {
        let _ = self.store.release_lease(self.job, &self.holder).await;
    }
}

//! Runtime state that must be shared when several nodes serve one database. Background work that must
//! run on one node at a time (the harvest schedule; reminders, retention and sending mail) runs only
//! while this node holds the job's lease in the store; a node that dies loses it when it expires, and
//! another takes over. One node alone always holds it, at the cost of one small write per round.

use algoreg_store::Store;
use chrono::Utc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// This node: its name as the holder of leases (the host's process ID and a random part; each
/// [`crate::App`] has its own, since the tests run several in one process), and the rounds of background
/// work running on it, which a graceful stop waits for.
pub struct Node {
    id: Arc<str>,
    stopping: AtomicBool,
    running: Arc<tokio::sync::RwLock<()>>,
}

impl Node {
    pub fn new() -> Arc<Node> {
        Arc::new(Node {
            id: format!("{}-{:016x}", std::process::id(), rand::random::<u64>()).into(),
            stopping: AtomicBool::new(false),
            running: Arc::new(tokio::sync::RwLock::new(())),
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether a graceful stop has begun: long rounds end early.
    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// A graceful stop: no new rounds start, the running ones may finish (within `wait`), and then this
    /// node gives its leases up, so that another node takes the work over at once. A round still running
    /// after the wait keeps its lease (and renews it) until it ends or the process does, after which the
    /// lease expires by itself: no other node starts the same work while it may still be under way here
    /// (a mail sent twice, a harvest run twice).
    pub async fn stop(&self, store: &dyn Store, wait: Duration) -> bool {
        self.stopping.store(true, Ordering::SeqCst);
        let Ok(_idle) = tokio::time::timeout(wait, self.running.write()).await else {
            tracing::warn!("background work still running at the stop: its leases expire by themselves");
            return false;
        };
        for job in JOBS {
            let _ = store.release_lease(job, &self.id).await;
        }
        true
    }
}

/// The background jobs that run under a lease (the names in the store).
pub const JOBS: &[&str] = &["alerts", "feedback", "harvest", "links", "log"];

/// The lease on one background job.
#[derive(Clone)]
pub struct Lease {
    store: Arc<dyn Store>,
    node: Arc<Node>,
    job: &'static str,
    ttl: Duration,
}

/// A round of a job, held while it runs. A task renews the lease every third of its time to live, so a
/// round longer than the lease does not let another node start the same work meanwhile. That task holds
/// the node's running lock, and ends (after a renewal under way, never in the middle of one) when the
/// round is dropped: a graceful stop, which gives the leases up, waits for it.
pub struct Round {
    _ended: tokio::sync::oneshot::Sender<()>,
    held: Held,
}

impl Round {
    /// Whether the round still holds its lease, for long rounds to ask between their steps.
    pub fn held(&self) -> Held {
        self.held.clone()
    }
}

/// Whether a round still holds its lease. It stops holding it when a renewal finds the lease taken by
/// another node, or cannot reach the store: the lease may then have run out, and another node may have
/// started the same work. A long round asks between its steps (a mail, a source, a link, a log entry)
/// and ends early; the next round takes the lease again first.
#[derive(Clone)]
pub struct Held(Arc<AtomicBool>);

impl Held {
    /// For work outside a lease (a command run by hand): always held.
    pub fn always() -> Held {
        Held(Arc::new(AtomicBool::new(true)))
    }

    pub fn get(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

impl Lease {
    /// `ttl` must be longer than the pause between rounds: the holder takes it again at the start of
    /// every round, and renews it while a round runs.
    pub fn new(store: Arc<dyn Store>, node: Arc<Node>, job: &'static str, ttl: Duration) -> Lease {
        Lease { store, node, job, ttl }
    }

    /// Starts a round of the job: `Some` while this node holds the lease (keep it for the whole round; a
    /// graceful stop waits until it is dropped), `None` when another node holds the lease or this node
    /// is stopping.
    pub async fn round(&self) -> Option<Round> {
        if self.node.stopping.load(Ordering::SeqCst) {
            return None;
        }
        let running = self.node.running.clone().read_owned().await;
        // Taking the lease may not hang either: a lease taken after its end was worked out is worth nothing.
        let held = tokio::time::timeout(self.ttl / 3, self.hold()).await.unwrap_or(false);
        if self.node.stopping.load(Ordering::SeqCst) || !held {
            return None;
        }
        let lease = self.clone();
        let (ended, mut over) = tokio::sync::oneshot::channel::<()>();
        let held = Held::always();
        let flag = held.clone();
        tokio::spawn(async move {
            let _running = running;
            loop {
                tokio::select! {
                    _ = &mut over => break,
                    _ = tokio::time::sleep(lease.ttl / 3) => {
                        // A renewal that hangs (the store out of reach) counts as failed before the lease can run out.
                        let renewed = tokio::time::timeout(lease.ttl / 3, lease.hold()).await.unwrap_or(false);
                        if !renewed {
                            tracing::warn!(job = lease.job, "the lease could not be renewed during a round: the round ends early");
                            flag.0.store(false, Ordering::SeqCst);
                            // The round still runs until it notices: a graceful stop waits for it.
                            let _ = (&mut over).await;
                            break;
                        }
                    }
                }
            }
        });
        Some(Round { _ended: ended, held })
    }

    /// Whether this node runs the job now: takes the lease, or renews it when it holds it already. A
    /// store failure counts as not holding it (the job waits a round rather than running twice).
    async fn hold(&self) -> bool {
        let now = Utc::now();
        let until = now + chrono::Duration::from_std(self.ttl).unwrap_or(chrono::Duration::minutes(5));
        match self.store.take_lease(self.job, self.node.id(), now, until).await {
            Ok(held) => held,
            Err(e) => {
                tracing::warn!(job = self.job, error = %e, "lease not taken");
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two nodes on one SQLite store, each with its lease on `job`; the first node's too.
    async fn two_nodes(job: &'static str, ttl: Duration) -> (tempfile::TempDir, Arc<dyn Store>, Arc<Node>, Lease, Lease) {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(algoreg_store_sqlite::SqliteStore::open_dir(dir.path()).await.unwrap());
        let first = Node::new();
        let one = Lease::new(store.clone(), first.clone(), job, ttl);
        let two = Lease::new(store.clone(), Node::new(), job, ttl);
        (dir, store, first, one, two)
    }

    #[tokio::test]
    async fn a_stop_waits_for_the_running_round_and_starts_no_new_one() {
        let node = Node::new();
        let running = node.running.read().await; // a round under way
        let stopper = {
            let node = node.clone();
            tokio::spawn(async move {
                node.stopping.store(true, Ordering::SeqCst);
                let _idle = node.running.write().await;
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!stopper.is_finished(), "the stop waits for the round");
        assert!(node.stopping.load(Ordering::SeqCst));
        drop(running);
        tokio::time::timeout(Duration::from_secs(5), stopper).await.expect("the stop ends once the round has").unwrap();
    }

    #[tokio::test]
    async fn a_round_longer_than_its_lease_keeps_it_and_gives_it_up_when_done() {
        let ttl = Duration::from_millis(900);
        let (_dir, _store, _node, one, two) = two_nodes("harvest", ttl).await;
        let round = one.round().await.expect("the first node takes the lease");
        tokio::time::sleep(ttl * 3).await;
        assert!(two.round().await.is_none(), "a round three times as long as the lease still holds it");
        drop(round);
        tokio::time::sleep(ttl * 2).await;
        assert!(two.round().await.is_some(), "once the round is over the lease runs out, and another node takes it");
    }

    #[tokio::test]
    async fn a_round_whose_lease_another_node_took_stops_holding_it() {
        let ttl = Duration::from_millis(600);
        let (_dir, store, first, one, two) = two_nodes("feedback", ttl).await;
        let round = one.round().await.expect("the first node takes the lease");
        let held = round.held();
        assert!(held.get());
        // As if the first node's renewals had not reached the store for longer than the lease.
        store.release_lease("feedback", first.id()).await.unwrap();
        let other = two.round().await.expect("another node takes the lease that ran out");
        tokio::time::sleep(ttl).await;
        assert!(!held.get(), "the next renewal finds the lease taken: the first round no longer holds it");
        assert!(other.held().get(), "the other node's round does");
        drop(round);
        assert!(one.round().await.is_none(), "nor does the first node take it back while the other holds it");
    }

    #[tokio::test]
    async fn a_stop_waits_for_the_renewal_and_then_gives_the_lease_up() {
        let (_dir, store, node, one, two) = two_nodes("links", Duration::from_secs(60)).await;
        let round = one.round().await.expect("the lease");
        let stopping = {
            let (node, store) = (node.clone(), store.clone());
            tokio::spawn(async move { node.stop(store.as_ref(), Duration::from_secs(10)).await })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!stopping.is_finished(), "the stop waits for the round (and its renewal)");
        drop(round);
        assert!(stopping.await.unwrap(), "and ends once they have");
        assert!(two.round().await.is_some(), "the lease was given up: another node takes it at once");
    }
}

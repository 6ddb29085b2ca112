//! Prometheus metrics of this node, counted in memory with atomics (a fixed set of series: nothing
//! keyed by input) and rendered in the text exposition format at `GET /metrics`.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::LazyLock;

/// Upper bounds (seconds) of the request latency histogram.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Default)]
pub struct Metrics {
    /// Requests answered, by status class (1xx to 5xx).
    requests: [AtomicU64; 5],
    /// Requests per latency bucket (cumulative when rendered), and the sum of latencies in microseconds.
    latency: [AtomicU64; BUCKETS.len()],
    latency_sum_us: AtomicU64,
    /// Rounds of background work this node ran while it held the job's lease: feedback, harvest.
    job_runs: [AtomicU64; 2],
    /// Harvests of one source, by outcome: changed, not modified, failed.
    harvests: [AtomicU64; 3],
}

pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::default);

/// A background job, for [`Metrics::job_ran`].
#[derive(Clone, Copy)]
pub enum Job {
    Feedback = 0,
    Harvest = 1,
}

/// A harvest's outcome, for [`Metrics::harvested`].
#[derive(Clone, Copy)]
pub enum Harvested {
    Changed = 0,
    NotModified = 1,
    Failed = 2,
}

impl Metrics {
    /// One request answered with `status` after `seconds`.
    pub fn request(&self, status: u16, seconds: f64) {
        let class = (status / 100).clamp(1, 5) as usize - 1;
        self.requests[class].fetch_add(1, Relaxed);
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            self.latency[i].fetch_add(1, Relaxed);
        }
        self.latency_sum_us.fetch_add((seconds * 1e6) as u64, Relaxed);
    }

    pub fn job_ran(&self, job: Job) {
        self.job_runs[job as usize].fetch_add(1, Relaxed);
    }

    pub fn harvested(&self, outcome: Harvested) {
        self.harvests[outcome as usize].fetch_add(1, Relaxed);
    }

    /// The text exposition, with the gauges read at this moment.
    pub fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::with_capacity(4096);
        let _ = writeln!(
            out,
            "# HELP algoreg_http_requests_total Requests answered, by status class.\n# TYPE algoreg_http_requests_total counter"
        );
        let mut total = 0;
        for (i, n) in self.requests.iter().enumerate() {
            let n = n.load(Relaxed);
            total += n;
            let _ = writeln!(out, "algoreg_http_requests_total{{class=\"{}xx\"}} {n}", i + 1);
        }
        let _ = writeln!(
            out,
            "# HELP algoreg_http_request_duration_seconds Time to answer a request.\n# TYPE algoreg_http_request_duration_seconds histogram"
        );
        let mut cumulative = 0;
        for (b, n) in BUCKETS.iter().zip(&self.latency) {
            cumulative += n.load(Relaxed);
            let _ = writeln!(out, "algoreg_http_request_duration_seconds_bucket{{le=\"{b}\"}} {cumulative}");
        }
        let _ = writeln!(out, "algoreg_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {total}");
        let _ = writeln!(out, "algoreg_http_request_duration_seconds_sum {}", self.latency_sum_us.load(Relaxed) as f64 / 1e6);
        let _ = writeln!(out, "algoreg_http_request_duration_seconds_count {total}");
        let _ = writeln!(out, "# HELP algoreg_job_runs_total Rounds of background work run on this node (while it held the job's lease).\n# TYPE algoreg_job_runs_total counter");
        for (job, n) in ["feedback", "harvest"].iter().zip(&self.job_runs) {
            let _ = writeln!(out, "algoreg_job_runs_total{{job=\"{job}\"}} {}", n.load(Relaxed));
        }
        let _ = writeln!(
            out,
            "# HELP algoreg_harvests_total Harvests of one source by this node, by outcome.\n# TYPE algoreg_harvests_total counter"
        );
        for (o, n) in ["changed", "not_modified", "failed"].iter().zip(&self.harvests) {
            let _ = writeln!(out, "algoreg_harvests_total{{outcome=\"{o}\"}} {}", n.load(Relaxed));
        }
        let _ = writeln!(out, "# HELP algoreg_outbox_lag Public changes in the store that this node's search index has not taken in.\n# TYPE algoreg_outbox_lag gauge");
        let _ = writeln!(out, "algoreg_outbox_lag {}", gauges.outbox_lag);
        let _ = writeln!(out, "# HELP algoreg_database_up Whether the database answered this scrape.\n# TYPE algoreg_database_up gauge");
        let _ = writeln!(out, "algoreg_database_up {}", u8::from(gauges.database_up));
        let _ = writeln!(
            out,
            "# HELP algoreg_db_pool_connections Connections in the database pool, by state.\n# TYPE algoreg_db_pool_connections gauge"
        );
        let _ = writeln!(out, "algoreg_db_pool_connections{{state=\"open\"}} {}", gauges.pool.0);
        let _ = writeln!(out, "algoreg_db_pool_connections{{state=\"idle\"}} {}", gauges.pool.1);
        out
    }
}

/// What a scrape reads at the moment it is made.
pub struct Gauges {
    pub outbox_lag: i64,
    pub database_up: bool,
    /// Open and idle connections of the database pool.
    pub pool: (u32, u32),
}

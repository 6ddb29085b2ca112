//! `algoreg-bench search`: builds a search index of N generated records (streamed, never all in
//! memory), runs a fixed mixed query set and prints median and 99th percentile latencies of a full
//! search (top 20 + total + facet counts), index size and peak memory. It can also write the same
//! records as TSV and the query set as JSON for the PostgreSQL peer (`bench/pg_search.py`).

use algoreg_search::{Filters, SearchIndex, SearchQuery, Sort};
use algoreg_service::demo;
use algoreg_standard::sanitize::plain_text;
use algoreg_store::PublishedVersion;
use clap::{Parser, Subcommand};
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    Search {
        #[arg(long, default_value_t = 100_000)]
        records: usize,
        /// Index folder (reused when it already holds `records` documents).
        #[arg(long)]
        dir: PathBuf,
        #[arg(long, default_value_t = 10)]
        rounds: usize,
        /// Also write the records as TSV for the PostgreSQL peer.
        #[arg(long)]
        tsv: Option<PathBuf>,
        /// Write the query set as JSON.
        #[arg(long)]
        queries: Option<PathBuf>,
    },
}

/// The fixed query set: common, medium and rare words, phrases, abbreviations, typos and filters.
fn query_set() -> Vec<(String, Filters)> {
    let f = |org_type: Option<&str>, theme: Option<&str>| Filters {
        org_type: org_type.map(String::from),
        theme: theme.map(String::from),
        ..Default::default()
    };
    vec![
        ("gemeente".into(), Filters::default()),
        ("parkeren".into(), Filters::default()),
        ("parkeervergunning".into(), Filters::default()),
        ("uitkering".into(), Filters::default()),
        ("toeslagen".into(), Filters::default()),
        ("fraude".into(), Filters::default()),
        ("risicoprofiel".into(), Filters::default()),
        ("gegevens".into(), Filters::default()),
        ("handhaving vakantieverhuur".into(), Filters::default()),
        ("chatbot inwoners".into(), Filters::default()),
        ("woz waarde woningen".into(), Filters::default()),
        ("grondwaterstand".into(), Filters::default()),
        ("UWV".into(), Filters::default()),
        ("medewerker besluit".into(), Filters::default()),
        ("algoritme".into(), f(Some("gemeente"), None)),
        ("uitkering".into(), f(None, Some("Sociale zekerheid"))),
        ("vergunning".into(), f(Some("provincie"), None)),
        ("parkeervergunnig".into(), Filters::default()),
        ("camerabeelden anonimiseren".into(), Filters::default()),
        ("".into(), f(Some("waterschap"), None)),
    ]
}

fn tsv_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace(['\t', '\n', '\r'], " ")
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

fn dir_size(p: &std::path::Path) -> u64 {
    std::fs::read_dir(p).map(|rd| rd.filter_map(Result::ok).map(|e| e.metadata().map(|m| m.len()).unwrap_or(0)).sum()).unwrap_or(0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let Cmd::Search { records, dir, rounds, tsv, queries } = Cli::parse().cmd;
    let index = SearchIndex::open(&dir).expect("open index");
    let orgs = demo::organisations(300);
    let types: Vec<String> = orgs.iter().map(|o| o.org_type.code().to_string()).collect();
    let mut tsv_out = tsv.map(|p| std::io::BufWriter::new(std::fs::File::create(p).expect("tsv")));
    let mut build_secs = 0.0;
    if index.num_docs() as usize != records || tsv_out.is_some() {
        let started = Instant::now();
        let rebuild = index.num_docs() as usize != records;
        if rebuild {
            index.clear().expect("clear");
        }
        let mut batch = Vec::with_capacity(50_000);
        for r in demo::record_stream(records, &orgs, 2026) {
            let o = &orgs[r.org];
            let Some(content) = r.versions.into_iter().last() else { continue };
            let v = PublishedVersion {
                record: r.id,
                org_code: o.code.clone(),
                number: 1,
                standard_version: algoreg_standard::StandardVersion::V1_0,
                content,
                missing: vec![],
                provenance: None,
                published_at: chrono::Utc::now(),
                first_published_at: chrono::Utc::now(),
                current: true,
            };
            let mut doc = algoreg_service::search::to_doc(&v, None);
            doc.org_name = o.name.clone();
            doc.org_type = types[r.org].clone();
            if let Some(w) = tsv_out.as_mut() {
                let _ = writeln!(
                    w,
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    doc.id,
                    doc.org_code,
                    doc.org_type,
                    tsv_escape(&doc.org_name),
                    tsv_escape(&doc.name),
                    tsv_escape(&plain_text(&doc.description)),
                    tsv_escape(&doc.body),
                    tsv_escape(&doc.themes.join(";")),
                    tsv_escape(doc.category.as_deref().unwrap_or("")),
                    tsv_escape(doc.status.as_deref().unwrap_or(""))
                );
            }
            if rebuild {
                batch.push(doc);
                if batch.len() == 50_000 {
                    index.apply(&batch, &[], None).expect("index");
                    batch.clear();
                }
            }
        }
        if rebuild {
            index.apply(&batch, &[], Some(0)).expect("index");
        }
        if let Some(mut w) = tsv_out.take() {
            w.flush().expect("flush tsv");
        }
        build_secs = started.elapsed().as_secs_f64();
    }
    let set = query_set();
    if let Some(p) = queries {
        let qs: Vec<_> = set.iter().map(|(q, f)| json!({"q": q, "org_type": f.org_type, "theme": f.theme})).collect();
        std::fs::write(p, serde_json::to_vec_pretty(&qs).expect("json")).expect("write queries");
    }
    let query = |q: &String, f: &Filters| SearchQuery {
        text: q.clone(),
        filters: f.clone(),
        sort: Sort::Relevance,
        offset: 0,
        limit: 20,
        ..Default::default()
    };
    // Warm up once, then measure every query `rounds` times.
    for (q, f) in &set {
        let _ = index.search(&query(q, f));
    }
    let mut all = vec![];
    let mut per_query = vec![];
    for (q, f) in &set {
        let mut times = vec![];
        let mut total = 0;
        for _ in 0..rounds {
            let t = Instant::now();
            let r = index.search(&query(q, f)).expect("search");
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            total = r.total;
        }
        times.sort_by(f64::total_cmp);
        all.extend(times.iter().copied());
        per_query.push(json!({"q": q, "org_type": f.org_type, "theme": f.theme, "total": total, "median_ms": percentile(&times, 0.5), "max_ms": times.last()}));
    }
    all.sort_by(f64::total_cmp);
    let out = json!({
        "engine": "algoreg (tantivy, classic Dutch stemmer)",
        "records": index.num_docs(),
        "build_seconds": build_secs,
        "index_bytes": dir_size(&dir),
        "peak_rss_mb": peak_rss_kb() / 1024,
        "searches": all.len(),
        "median_ms": percentile(&all, 0.5),
        "p99_ms": percentile(&all, 0.99),
        "queries": per_query,
    });
    println!("{}", serde_json::to_string_pretty(&out).expect("json"));
}

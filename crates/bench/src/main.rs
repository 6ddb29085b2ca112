//! `algoreg-bench search`: builds a search index of N generated records (streamed, never all in
//! memory), runs a fixed mixed query set and prints median and 99th percentile latencies of a full
//! search (top 20 + total + facet counts), index size and peak memory. It can also write the same
//! records as TSV and the query set as JSON for the PostgreSQL peer (`bench/pg_search.py`).
//!
//! `feeds`, `serve-feeds` and `sources` prepare the harvest benchmark (`scripts/bench-harvest`):
//! many register feeds on loopback servers and a central store with one source per feed.

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
    /// Relevance on the real register: imports the records (the live register's JSON) into a fresh
    /// store as `algoreg import` does, indexes them as `serve` does, runs every judged query and writes
    /// the top 20 IDs per query as JSON; also writes the indexed documents as TSV for the PostgreSQL
    /// peer (`bench/relevance.py` computes nDCG@10 and recall@20 for both).
    Relevance {
        /// The records (`algoritmes.json` of the live register).
        #[arg(long)]
        records: PathBuf,
        /// The judged queries (`bench/relevance/judgements.json`).
        #[arg(long)]
        judgements: PathBuf,
        /// Where to write `algoreg.json` (rankings) and `records.tsv`.
        #[arg(long)]
        out: PathBuf,
    },
    /// The publication log at scale (`scripts/bench-log`): builds the tree of ENTRIES leaves and prints
    /// the median time of an inclusion and a consistency proof from the stored subtree hashes (what
    /// `serve` does), next to the same proofs recomputed from all leaf hashes (the earlier way).
    Log {
        #[arg(long, default_value_t = 1_000_000)]
        entries: usize,
        #[arg(long, default_value_t = 200)]
        rounds: usize,
    },
    /// Writes FEEDS register feeds of RECORDS generated records each (one organisation per feed) to DIR.
    Feeds {
        #[arg(long, default_value_t = 1000)]
        feeds: usize,
        #[arg(long, default_value_t = 100)]
        records: usize,
        #[arg(long)]
        dir: PathBuf,
    },
    /// Serves the feeds in DIR on PORTS loopback listeners (ETag and 304 like a real register);
    /// prints one line with the base URLs.
    ServeFeeds {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long, default_value_t = 4)]
        ports: usize,
    },
    /// Creates the feeds' organisations and one source per feed in a central store.
    Sources {
        #[arg(long)]
        data: PathBuf,
        #[arg(long, default_value_t = 1000)]
        feeds: usize,
        /// Base URLs printed by serve-feeds; feed i is served by base i % n.
        #[arg(long, num_args = 1.., required = true)]
        base: Vec<String>,
        /// Sources at the feeds' OAI-PMH addresses (`/feeds/{i}/oai`) instead of the feeds themselves.
        #[arg(long)]
        oai: bool,
    },
}

fn bench_org(i: usize) -> (String, String) {
    (format!("bench-gemeente-{i:04}"), format!("Gemeente Bench {i:04}"))
}

fn write_feeds(feeds: usize, records: usize, dir: &std::path::Path) {
    std::fs::create_dir_all(dir).expect("feed dir");
    let orgs = demo::organisations(300);
    let mut stream = demo::record_stream(feeds * records, &orgs, 4242);
    let started = Instant::now();
    let mut bytes = 0u64;
    for i in 0..feeds {
        let (code, name) = bench_org(i);
        let recs: Vec<_> = stream
            .by_ref()
            .take(records)
            .map(|r| {
                let mut content = r.versions.into_iter().last().expect("a version");
                content.0.insert("organization".into(), json!(name));
                json!({
                    "id": r.id.to_string(),
                    "organisation": code,
                    "first_published_at": "2026-11-01T10:00:00+00:00",
                    "versions": [{"number": 1, "standard_version": "1.0", "published_at": "2026-11-01T10:00:00+00:00", "content": content}],
                })
            })
            .collect();
        let feed = json!({
            "format": "algoreg-feed", "format_version": 1, "generated_at": "2026-11-01T10:00:00+00:00",
            "organisations": [{"code": code, "name": name, "type": "gemeente", "tooi": null, "about": null, "contact": null}],
            "records": recs,
        });
        let body = serde_json::to_vec(&feed).expect("json");
        bytes += body.len() as u64;
        std::fs::write(dir.join(format!("{i}.json")), body).expect("write feed");
    }
    println!(
        "{feeds} feeds of {records} records written to {} ({} MB) in {:.1}s",
        dir.display(),
        bytes / 1_000_000,
        started.elapsed().as_secs_f64()
    );
}

fn serve_feeds(dir: &std::path::Path, ports: usize) {
    use axum::http::{header, HeaderMap, StatusCode};
    use axum::response::IntoResponse;
    use sha2::Digest;
    let mut feeds: Vec<(Vec<u8>, String)> = vec![];
    for i in 0.. {
        let Ok(body) = std::fs::read(dir.join(format!("{i}.json"))) else { break };
        let etag = format!("\"{}\"", hex::encode(&sha2::Sha256::digest(&body)[..12]));
        feeds.push((body, etag));
    }
    let feeds = std::sync::Arc::new(feeds);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    rt.block_on(async move {
        let oai_feeds = feeds.clone();
        let app = axum::Router::new()
            .route(
                "/feeds/{n}/oai",
                axum::routing::get(
                    move |axum::extract::Path(n): axum::extract::Path<usize>, axum::extract::RawQuery(q): axum::extract::RawQuery| {
                        let feeds = oai_feeds.clone();
                        async move {
                            let Some((body, _)) = feeds.get(n) else { return StatusCode::NOT_FOUND.into_response() };
                            ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], oai_answer(body, q.as_deref().unwrap_or("")))
                                .into_response()
                        }
                    },
                ),
            )
            .route(
                "/feeds/{file}",
                axum::routing::get(move |axum::extract::Path(file): axum::extract::Path<String>, headers: HeaderMap| {
                    let feeds = feeds.clone();
                    async move {
                        let Some((body, etag)) =
                            file.strip_suffix(".json").and_then(|n| n.parse::<usize>().ok()).and_then(|n| feeds.get(n))
                        else {
                            return StatusCode::NOT_FOUND.into_response();
                        };
                        if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
                            return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag.clone())]).into_response();
                        }
                        ([(header::CONTENT_TYPE, "application/json".to_string()), (header::ETAG, etag.clone())], body.clone())
                            .into_response()
                    }
                }),
            );
        let mut bases = vec![];
        let mut tasks = vec![];
        for _ in 0..ports.max(1) {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            bases.push(format!("http://{}", l.local_addr().expect("addr")));
            let app = app.clone();
            tasks.push(tokio::spawn(async move { axum::serve(l, app).await }));
        }
        println!("serving feeds at {}", bases.join(" "));
        let _ = std::io::stdout().flush();
        for t in tasks {
            let _ = t.await;
        }
    });
}

/// An OAI-PMH `ListRecords` answer for a feed, as a register that has not changed since the feed was
/// written: everything on the first harvest, `noRecordsMatch` for one `from` a datestamp on.
fn oai_answer(feed: &[u8], query: &str) -> String {
    let head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\"><responseDate>2026-12-01T00:00:00Z</responseDate><request>x</request>";
    if query.contains("from=") {
        return format!("{head}<error code=\"noRecordsMatch\">No items match.</error></OAI-PMH>");
    }
    let doc: serde_json::Value = serde_json::from_slice(feed).unwrap_or_default();
    let mut out = format!("{head}<ListRecords>");
    for r in doc["records"].as_array().into_iter().flatten() {
        let json = r.to_string().replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        out.push_str(&format!(
            "<record><header><identifier>oai:bench:{}</identifier><datestamp>2026-11-01T10:00:00Z</datestamp></header><metadata><registration xmlns=\"https://algoreg.nl/ns/oai/registration/1\"><json>{json}</json></registration></metadata></record>",
            r["id"].as_str().unwrap_or("")
        ));
    }
    out.push_str("</ListRecords></OAI-PMH>");
    out
}

fn create_sources(data: &std::path::Path, feeds: usize, bases: &[String], oai: bool) {
    use algoreg_store::{FederationStore, OrganisationStore};
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let store = algoreg_store_sqlite::SqliteStore::open_dir(data).await.expect("open store");
        for i in 0..feeds {
            let (code, name) = bench_org(i);
            let org = match store.organisation_by_code(&code).await.expect("org") {
                Some(o) => o,
                None => store
                    .create_organisation(&algoreg_store::NewOrganisation {
                        code,
                        name,
                        org_type: algoreg_domain::org::OrgType::Gemeente,
                        tooi: None,
                        relations: Default::default(),
                        flow: algoreg_domain::PublicationFlow::Central,
                        about: None,
                        contact: None,
                    })
                    .await
                    .expect("create org"),
            };
            let url = if oai {
                format!("{}/feeds/{i}/oai", bases[i % bases.len()])
            } else {
                format!("{}/feeds/{i}.json", bases[i % bases.len()])
            };
            let _ = store.create_source(org.id, &url, chrono::Utc::now()).await;
        }
        println!("{feeds} organisations and sources in {}", data.display());
    });
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

/// See [`Cmd::Log`].
fn log_proofs(entries: usize, rounds: usize) {
    let leaves: Vec<algoreg_tlog::Hash> = (0..entries).map(|i| algoreg_tlog::leaf_hash(format!("entry {i}").as_bytes())).collect();
    let started = Instant::now();
    let mut tree = algoreg_tlog::Tree::new();
    for l in &leaves {
        tree.push(*l);
    }
    println!("entries: {entries}; tree built in {:.2} s", started.elapsed().as_secs_f64());
    let n = entries as u64;
    // Sizes and indexes spread over the log; the same for both ways.
    let picks: Vec<(u64, u64)> = (0..rounds as u64).map(|i| ((i * 7919) % n, n - (i * 104_729) % (n / 2).max(1))).collect();
    let time = |f: &dyn Fn(u64, u64) -> usize, rounds: usize| {
        let mut times: Vec<f64> = picks
            .iter()
            .take(rounds)
            .map(|&(index, size)| {
                let t = Instant::now();
                std::hint::black_box(f(index % size, size));
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        times.sort_by(f64::total_cmp);
        percentile(&times, 0.5)
    };
    let slow_rounds = rounds.min(5);
    let inc_tree = time(&|i, s| tree.inclusion_proof(i, s).map_or(0, |p| p.len()), rounds);
    let inc_all = time(&|i, s| algoreg_tlog::inclusion_proof(&leaves[..s as usize], i as usize).map_or(0, |p| p.len()), slow_rounds);
    let con_tree = time(&|i, s| tree.consistency_proof(i + 1, s).map_or(0, |p| p.len()), rounds);
    let con_all = time(&|i, s| algoreg_tlog::consistency_proof(&leaves[..s as usize], i as usize + 1).map_or(0, |p| p.len()), slow_rounds);
    println!("inclusion proof:   {inc_tree:.3} ms from subtree hashes, {inc_all:.1} ms from all leaves (median)");
    println!("consistency proof: {con_tree:.3} ms from subtree hashes, {con_all:.1} ms from all leaves (median)");
}

fn main() {
    let (records, dir, rounds, tsv, queries) = match Cli::parse().cmd {
        Cmd::Search { records, dir, rounds, tsv, queries } => (records, dir, rounds, tsv, queries),
        Cmd::Feeds { feeds, records, dir } => return write_feeds(feeds, records, &dir),
        Cmd::ServeFeeds { dir, ports } => return serve_feeds(&dir, ports),
        Cmd::Sources { data, feeds, base, oai } => return create_sources(&data, feeds, &base, oai),
        Cmd::Relevance { records, judgements, out } => return relevance(&records, &judgements, &out),
        Cmd::Log { entries, rounds } => return log_proofs(entries, rounds),
    };
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
                org_tooi: None,
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
                write_tsv_row(w, &doc);
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

/// See [`Cmd::Relevance`].
fn relevance(records: &std::path::Path, judgements: &std::path::Path, out: &std::path::Path) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        std::fs::create_dir_all(out).expect("out");
        let dir = tempdir_in(out);
        let store = algoreg_store_sqlite::SqliteStore::open_dir(&dir).await.expect("store");
        let app = algoreg_service::App::new(std::sync::Arc::new(store));
        let bytes = algoreg_service::import::FileBytes::open(records).expect("records");
        let opts = algoreg_service::import::ImportOptions { org: None, publish: true, actor: "bench".into() };
        let report = app.operator().import(bytes, &opts, &|_, _| {}).await.expect("import");
        // The thesaurus as `serve` makes it: with the organisations' abbreviations.
        let mut thesaurus = algoreg_search::thesaurus::Thesaurus::builtin();
        algoreg_service::search::add_organisation_abbreviations(&mut thesaurus, &app.operator().organisations().await.expect("orgs"));
        let index = SearchIndex::in_memory().expect("index").with_thesaurus(thesaurus);
        let n = app.operator().rebuild_index(&index).await.expect("index");
        eprintln!("imported {} records, indexed {n}", report.total);
        // The documents as the index has them, for the PostgreSQL peer.
        let mut tsv = std::io::BufWriter::new(std::fs::File::create(out.join("records.tsv")).expect("tsv"));
        let orgs = app.operator().organisations().await.expect("orgs");
        for v in app.register().all_published(false).await.expect("published") {
            let org = orgs.iter().find(|o| o.code == v.org_code);
            let doc = algoreg_service::search::to_doc(&v, org);
            write_tsv_row(&mut tsv, &doc);
        }
        let judged: serde_json::Value = serde_json::from_slice(&std::fs::read(judgements).expect("judgements")).expect("judgements JSON");
        let mut rankings = serde_json::Map::new();
        for q in judged["queries"].as_array().expect("queries") {
            let text = q["query"].as_str().unwrap_or_default();
            let r = index.search(&SearchQuery { text: text.into(), limit: 20, ..Default::default() }).expect("search");
            rankings.insert(text.to_string(), json!(r.hits.iter().map(|h| h.id.clone()).collect::<Vec<_>>()));
        }
        std::fs::write(out.join("algoreg.json"), serde_json::to_vec_pretty(&rankings).expect("json")).expect("write");
        let _ = std::fs::remove_dir_all(&dir);
    });
}

fn tempdir_in(base: &std::path::Path) -> PathBuf {
    let dir = base.join(format!("store-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("store dir");
    dir
}

/// One indexed document as a line of the TSV the PostgreSQL peers load (`bench/pg_search.py`,
/// `bench/relevance.py`).
fn write_tsv_row(w: &mut impl Write, doc: &algoreg_search::SearchDoc) {
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

//! Compatibility with the live Dutch register: its public API (`/api`), its organisation API
//! (`/aanleverapi/v1_0`) and its file formats, exercised over HTTP and the CLI.

use crate::common::*;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

/// The live record keys: the content fields, then the five record keys.
fn live_keys() -> Vec<&'static str> {
    algoreg_service::compat::LIVE_FIELDS.iter().copied().chain(["lars", "language", "create_dt", "code", "org_id"]).collect()
}

/// An environment with `n` generated records imported.
fn demo_env(n: usize) -> Env {
    let env = Env::new();
    let file = env.dir.path().join("demo.json");
    env.raw(&["demo", "generate", "--records", &n.to_string(), "--orgs", "40", "--out", &file.display().to_string()]);
    env.ok(&["import", &file.display().to_string()]);
    env
}

fn post(s: &Server, path: &str, body: Value) -> (u16, Value) {
    s.send("POST", path, None, Some(body))
}

/// Waits until the search index holds `n` records.
fn wait_indexed(s: &Server, n: u64) {
    let start = Instant::now();
    loop {
        let (_, v) = post(s, "/api/algoritme/NLD", json!({"limit": 1}));
        if v["total_count"].as_u64() == Some(n) {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "index never reached {n}: {v}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn public_api_answers_like_the_live_register() {
    let env = demo_env(260);
    let s = env.serve();
    let total: u64 = s.get_json("/api/algoritme/total-count").as_u64().expect("a bare integer");
    assert!(total >= 200, "{total}");
    wait_indexed(&s, total);

    // Walking every page with limit 100 returns every published record exactly once (page as a number and as a string).
    let mut seen = BTreeSet::new();
    let mut page = 1;
    loop {
        let p = if page % 2 == 0 { json!(page.to_string()) } else { json!(page) };
        let (st, v) = post(&s, "/api/algoritme/NLD", json!({"page": p, "limit": "100"}));
        assert_eq!(st, 200, "{v}");
        assert_eq!(v["total_count"].as_u64(), Some(total));
        let results = v["results"].as_array().unwrap();
        if results.is_empty() {
            break;
        }
        for r in results {
            assert!(seen.insert(r["lars"].as_str().unwrap().to_string()), "{} twice", r["lars"]);
        }
        page += 1;
    }
    assert_eq!(seen.len() as u64, total);
    let (_, v1) = s.send("GET", "/api/v1/algorithms?per_page=100&page=1", None, None);
    assert_eq!(v1["total"].as_u64(), Some(total), "the same records as the store");

    // The record shape: every key, in the live order.
    let (_, v) = post(&s, "/api/algoritme/NLD", json!({}));
    assert_eq!(v["results"].as_array().unwrap().len(), 10, "default limit 10");
    let first = v["results"][0].as_object().unwrap();
    let keys: Vec<&str> = first.keys().map(String::as_str).collect();
    assert_eq!(keys, live_keys());
    assert_eq!(keys.len(), 56);
    assert_eq!(first["language"], "NLD");
    assert!(first["create_dt"].as_str().unwrap().ends_with("+00:00"));
    for k in ["organisationtype", "publicationcategory", "impact_assessment", "organisation"] {
        let f = v["filter_data"][k].as_array().unwrap_or_else(|| panic!("{k}"));
        assert!(!f.is_empty(), "{k}");
        assert!(f.iter().all(|x| x["label"].is_string() && x["key"].is_string() && x["count"].as_u64().unwrap() > 0), "{k}");
    }
    assert_eq!(v["selected_filters"], json!([]));

    // Every facet value used as a filter gives exactly its count.
    for k in ["organisationtype", "publicationcategory", "impact_assessment", "organisation"] {
        let f = &v["filter_data"][k][0];
        let (st, r) = post(&s, "/api/algoritme/NLD", json!({ k: f["key"], "limit": 5 }));
        assert_eq!(st, 200, "{k}: {r}");
        assert_eq!(r["total_count"], f["count"], "{k} = {}", f["key"]);
        assert_eq!(r["selected_filters"][0]["key"], k);
    }
    // The organisation facet is keyed by the code and labelled with the name; the filter also takes the name.
    let o = &v["filter_data"]["organisation"][0];
    assert_ne!(o["key"], o["label"], "{o}");
    let (_, r) = post(&s, "/api/algoritme/NLD", json!({"organisation": o["label"], "limit": 5}));
    assert_eq!(r["total_count"], o["count"]);
    let code = first["code"].as_str().unwrap();
    let (_, r) = post(&s, "/api/algoritme/NLD", json!({"organisation": code, "limit": 100}));
    assert!(r["results"].as_array().unwrap().iter().all(|x| x["code"] == code));
    // Every organisation type answers (the live register fails with 500 on some).
    for t in ["omgevingsdienst", "inspectie", "regionaal_samenwerkingsverband", "gemeente", "overig"] {
        let (st, r) = post(&s, "/api/algoritme/NLD", json!({"organisationtype": t}));
        assert_eq!(st, 200, "{t}: {r}");
    }
    // Search text, English labels, the organisation facet by count.
    let (_, r) = post(&s, "/api/algoritme/ENG", json!({"searchtext": "gemeente", "sort_option": "sort_number"}));
    assert!(r["total_count"].as_u64().unwrap() > 0);
    let orgs = r["filter_data"]["organisation"].as_array().unwrap();
    assert!(orgs.windows(2).all(|w| w[0]["count"].as_u64() >= w[1]["count"].as_u64()), "sorted by count");
    assert_eq!(r["selected_filters"], json!([{"key": "searchtext", "value": "gemeente"}]));

    // Bad input: 422 naming every field.
    let (st, r) = post(&s, "/api/algoritme/NLD", json!({"page": 0, "limit": 101, "organisationtype": "kasteel", "sort_option": "x"}));
    assert_eq!(st, 422);
    let locs: Vec<String> = r["detail"].as_array().unwrap().iter().map(|d| d["loc"][1].as_str().unwrap().to_string()).collect();
    assert_eq!(locs, ["page", "limit", "organisationtype", "sort_option"]);
    let (st, r) = post(&s, "/api/algoritme/NLD", json!({"page": "twee"}));
    assert_eq!((st, r["detail"][0]["type"].as_str()), (422, Some("int_parsing")));
    let (st, _) = post(&s, "/api/algoritme/DEU", json!({}));
    assert_eq!(st, 422);
    let r = s.client.post(s.url("/api/algoritme/NLD")).body("{not json").send().unwrap();
    assert_eq!(r.status(), 422);

    // One record; unknown ID gives the live 404 body.
    let lars = first["lars"].as_str().unwrap();
    let one = s.get_json(&format!("/api/algoritme/NLD/{lars}"));
    assert_eq!(one["lars"], lars);
    assert_eq!(one.as_object().unwrap().keys().map(String::as_str).collect::<Vec<_>>(), live_keys());
    let (st, body) = s.send("GET", "/api/algoritme/NLD/12345678", None, None);
    assert_eq!((st, body), (404, json!({"detail": "Kan algoritme niet vinden."})));

    // Suggestions and similar records.
    let word: String = first["name"].as_str().unwrap().split_whitespace().next().unwrap().chars().take(4).collect();
    let sug = s.get_json(&format!("/api/suggestion/NLD/{word}"));
    let items = sug["algorithms"].as_array().unwrap();
    assert!(!items.is_empty() && items.iter().all(|a| a["name"].is_string() && a["organization"].is_string() && a["lars"].is_string()));
    let sim = s.get_json(&format!("/api/algoritme/NLD/similar/{lars}"));
    assert_eq!(sim["results"].as_array().unwrap().len(), sim["scores"].as_array().unwrap().len());
    assert!(sim["results"].as_array().unwrap().iter().all(|r| r["lars"] != lars));
    for k in ["organisationtype", "publicationcategory", "impact_assessment", "organisation"] {
        assert!(sim["filter_data"][k].is_array(), "a search response's shape: {k}");
    }

    // Downloads: CSV with BOM and the live headers, Excel, history, one record; the errors.
    let r = s.get("/api/downloads/NLD?filetype=csv");
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("Algoritmebeschrijvingen"));
    let bytes = r.bytes().unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF\"name\",\"organization\""));
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.lines().next().unwrap().contains("\"algorithm_id\",\"publication_dt\""));
    assert_eq!(text.lines().count() as u64, total + 1, "one line per record (no line breaks inside cells)");
    let hist = s.get("/api/downloads/history/NLD?filetype=csv").text().unwrap();
    assert!(hist.lines().count() as u64 > total + 1, "history has every published version");
    let x = s.get("/api/downloads/ENG?filetype=excel");
    assert_eq!(x.status(), 200);
    assert!(x.bytes().unwrap().starts_with(b"PK"), "an xlsx file");
    assert_eq!(s.get(&format!("/api/downloads/algorithms/{lars}/NLD?filetype=csv")).text().unwrap().lines().count(), 2);
    assert!(s.get(&format!("/api/downloads/history/algorithms/{lars}/NLD?filetype=excel")).status().is_success());
    assert_eq!(s.get("/api/downloads/NLD?filetype=pdf").status(), 422);
    assert_eq!(s.get("/api/downloads/NLD").status(), 422);
    let (st, body) = s.send("GET", "/api/downloads/algorithms/12345678/NLD?filetype=csv", None, None);
    assert_eq!((st, body), (404, json!({"detail": "NO_DATA_FOUND"})));
    // CORS open, as the live register.
    assert_eq!(s.get("/api/algoritme/total-count").headers()["access-control-allow-origin"], "*");
}

#[test]
fn site_data_export_round_trips() {
    let env = demo_env(60);
    let s = env.serve();
    let r = s.get("/api/downloads/site-data/json");
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("pub_data.json"));
    let first: Value = r.json().unwrap();
    let versions = first["algoritme_versions"].as_array().unwrap();
    assert!(versions.len() >= 60);
    for k in ["language", "owner", "lars", "create_dt", "state", "published"] {
        assert!(versions[0].get(k).is_some(), "{k}");
    }
    for k in ["about", "contact_info", "name", "language", "code", "org_id", "type", "show_page"] {
        assert!(first["organisation_details"][0].get(k).is_some(), "{k}");
    }
    // Served from memory until the register changes, then made again.
    assert_eq!(s.get_json("/api/downloads/site-data/json"), first);
    let (lars, owner) = (versions[0]["lars"].as_str().unwrap(), versions[0]["owner"].as_str().unwrap());
    let admin = env.token(owner, "org_admin");
    s.retract(lars, &admin, "Niet meer in gebruik");
    let after = s.get_json("/api/downloads/site-data/json");
    assert!(!after["algoritme_versions"].as_array().unwrap().iter().any(|v| v["lars"] == lars), "the retracted record is gone");
    drop(s);
    // Import into an empty store, export again: the same records.
    let env2 = Env::new();
    let file = env2.dir.path().join("pub_data.json");
    std::fs::write(&file, serde_json::to_vec(&first).unwrap()).unwrap();
    let out = env2.ok(&["import", &file.display().to_string()]);
    assert!(out.contains("register-site-data") && out.contains("0 rejected"), "{out}");
    let s2 = env2.serve();
    let second: Value = s2.get_json("/api/downloads/site-data/json");
    let sorted = |v: &Value, key: &str| {
        let mut items = v[key].as_array().unwrap().clone();
        items.sort_by_key(|x| x.to_string());
        items
    };
    assert_eq!(sorted(&first, "algoritme_versions"), sorted(&second, "algoritme_versions"));
    assert_eq!(sorted(&first, "organisation_details"), sorted(&second, "organisation_details"));
}

#[test]
fn real_formats_import() {
    let shared = shared().join("anchors/algoritmeregister-data");
    let env = Env::new();
    // The launch-era seed: 90 records as SQL INSERTs, all landing as standard 0.1 with their organisations.
    let seed = shared.join("minbzk-seed-v0_1-90-records/init_testdata.sql");
    let out = env.ok(&["import", &seed.display().to_string()]);
    assert!(out.contains("register-seed-sql") && out.contains("90 imported") && out.contains("0 rejected"), "{out}");
    // Importing again finds the same records.
    let again = env.ok(&["import", &seed.display().to_string()]);
    assert!(again.contains("90 unchanged"), "{again}");
    // The official site-data sample (4 rows: two records in Dutch and English).
    let sample = shared.join("minbzk-etl-seed-pub_data-format/data.json");
    let out = env.ok(&["import", &sample.display().to_string()]);
    assert!(out.contains("register-site-data") && out.contains("2 imported"), "{out}");
    let s = env.serve();
    wait_indexed(&s, 92);
    let (_, r) = post(&s, "/api/algoritme/NLD", json!({"organisation": "Gemeente Utrecht", "limit": 100}));
    let (_, store) = s.send("GET", "/api/v1/algorithms?organisation=gemeente-utrecht", None, None);
    assert!(r["total_count"].as_u64().unwrap() >= 29, "{}", r["total_count"]);
    assert_eq!(r["total_count"], store["total"], "Utrecht's seed records, by name");
    assert!(r["results"].as_array().unwrap().iter().all(|x| x["standard_version"] == "0.1"));
    let (_, d) = s.send("GET", "/api/v1/algorithms?per_page=100", None, None);
    let by_name: HashMap<String, Value> =
        d["items"].as_array().unwrap().iter().map(|i| (i["content"]["name"].as_str().unwrap_or("").to_string(), i.clone())).collect();
    let druk = by_name.get("Druktebeeld (NL)").expect("the sample record");
    let lars = druk["id"].as_str().unwrap();
    // The English translation came along and is served for ENG.
    let eng = s.get_json(&format!("/api/algoritme/ENG/{lars}"));
    assert_eq!(eng["language"], "ENG");
    assert_ne!(eng["name"], "Druktebeeld (NL)");
    // The download in English says the same.
    let csv = s.get(&format!("/api/downloads/algorithms/{lars}/ENG?filetype=csv")).text().unwrap();
    assert!(csv.contains(eng["name"].as_str().unwrap()) && !csv.contains("Druktebeeld (NL)"), "{csv}");
    let nld = s.get_json(&format!("/api/algoritme/NLD/{lars}"));
    assert_eq!(nld["name"], "Druktebeeld (NL)");
    assert_eq!(nld["provider"], Value::Null, "the literal text None of old exports is read as empty");
    // The English translation is searchable, analysed in English ("forecasts" ← "forecasting").
    let (_, r) = post(&s, "/api/algoritme/ENG", json!({"searchtext": "forecasts"}));
    let hits: Vec<&str> = r["results"].as_array().unwrap().iter().map(|x| x["lars"].as_str().unwrap()).collect();
    assert!(hits.contains(&"97246956"), "the Wmo forecasting model, through its English translation: {hits:?}");
}

#[test]
fn rate_limit_answers_429_with_retry_after() {
    let env = Env::new();
    let s = env.serve_with(&["--api-rate-limit", "3"]);
    for _ in 0..3 {
        assert_eq!(s.get("/api/algoritme/total-count").status(), 200);
    }
    let r = s.get("/api/algoritme/total-count");
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait));
    // The own API and the pages are not limited by it.
    assert_eq!(s.get("/api/v1/algorithms").status(), 200);
}

#[test]
fn shared_rate_limit_is_counted_in_the_database() {
    let env = Env::new();
    // The limit counts per minute: start early in a minute, so both servers count in the same one.
    while std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() % 60 > 40 {
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    let args = ["--api-rate-limit", "3", "--shared-limits"];
    {
        let first = env.serve_with(&args);
        for _ in 0..2 {
            assert_eq!(first.get("/api/algoritme/total-count").status(), 200);
        }
    }
    // Another process on the same database (a second node, or this one restarted) goes on counting.
    let second = env.serve_with(&args);
    assert_eq!(second.get("/api/algoritme/total-count").status(), 200);
    let r = second.get("/api/algoritme/total-count");
    assert_eq!(r.status(), 429, "the first node's requests count on the second");
    assert!(r.headers().contains_key("retry-after"));
}

#[test]
fn organisation_api_publishes_like_the_live_register() {
    let env = Env::new();
    env.org("zeist", "four_eyes");
    env.org("baarn", "four_eyes");
    let ed = env.token("zeist", "editor");
    let ap = env.token("zeist", "approver");
    let other = env.token("baarn", "editor");
    let s = env.serve();
    let base = "/aanleverapi/v1_0/organizations/zeist/algorithms";
    let mut body = complete_content("Parkeervergunningen toetsen");
    body["organization"] = json!("Gemeente zeist");
    body["lang"] = json!("nld");
    body["lars"] = json!("99999999");

    // Auth: no token 401, another organisation 403.
    let (st, r) = s.send("GET", base, None, None);
    assert_eq!((st, r), (401, json!({"detail": "TOKEN_NOT_FOUND"})));
    assert_eq!(s.send("GET", base, Some("nonsense"), None).0, 401);
    assert_eq!(s.send("GET", base, Some(&other), None).0, 403);
    // Validation: missing required fields named, in the FastAPI shape.
    let (st, r) = s.send("POST", base, Some(&ed), Some(json!({"name": "x"})));
    assert_eq!(st, 422);
    let missing: Vec<&str> = r["detail"].as_array().unwrap().iter().map(|d| d["loc"][1].as_str().unwrap()).collect();
    assert_eq!(missing, ["description_short", "organization", "status", "contact_email", "publication_category", "lang"]);
    let mut bad = body.clone();
    bad["status"] = json!("Soms");
    let (st, r) = s.send("POST", base, Some(&ed), Some(bad));
    assert_eq!(st, 422, "{r}");
    assert_eq!(r["detail"][0]["loc"], json!(["body", "status"]));

    // Create: the server draws the ID (a given lars is ignored, as in the live API).
    let (st, r) = s.send("POST", base, Some(&ed), Some(body.clone()));
    assert_eq!(st, 200, "{r}");
    let lars = r["lars_code"].as_str().unwrap().to_string();
    assert_ne!(lars, "99999999");
    let one = format!("{base}/{lars}");
    let (_, v) = s.send("GET", &one, Some(&ed), None);
    assert_eq!(
        (v["state"].as_str(), v["language"].as_str(), v["name"].as_str()),
        (Some("STATE_1"), Some("NLD"), Some("Parkeervergunningen toetsen"))
    );
    // Update: an identical body changes nothing; a changed one is a new version.
    assert_eq!(s.send("PUT", &one, Some(&ed), Some(body.clone())), (200, json!({"message": "NO_CHANGES"})));
    // What a read returns can be written back as it is: the keys a read adds, and others outside the
    // standard, are ignored as the live API does.
    let mut back = v.clone();
    back["kleur"] = json!("blauw");
    assert_eq!(s.send("PUT", &one, Some(&ed), Some(back)), (200, json!({"message": "NO_CHANGES"})));
    body["goal"] = json!("<p>Sneller en eerlijker beslissen.</p>");
    assert_eq!(s.send("PUT", &one, Some(&ed), Some(body.clone())), (200, Value::Null));
    // Not published yet.
    let (st, r) = s.send("GET", &format!("/aanleverapi/v1_0/organizations/zeist/published-algorithms/{lars}"), Some(&ed), None);
    assert_eq!(st, 404, "{r}");
    // Release, then release again: 400 with the state.
    assert_eq!(s.send("PUT", &format!("{one}/release"), Some(&ed), None), (200, Value::Null));
    let (st, r) = s.send("PUT", &format!("{one}/release"), Some(&ed), None);
    assert_eq!((st, r), (400, json!({"detail": "INVALID ORIGIN_STATE, CURRENT STATE: STATE_2"})));
    // Four eyes: the approver publishes; the editor may not.
    assert_eq!(s.send("PUT", &format!("{one}/publish"), Some(&ed), None).0, 403);
    assert_eq!(s.send("PUT", &format!("{one}/publish"), Some(&ap), None), (200, Value::Null));
    let (st, p) = s.send("GET", &format!("/aanleverapi/v1_0/organizations/zeist/published-algorithms/{lars}"), Some(&ed), None);
    assert_eq!(st, 200);
    assert_eq!(p["state"], "PUBLISHED");
    assert!(p["publication_dt"].is_string());
    // The summary list.
    let (_, list) = s.send("GET", base, Some(&ed), None);
    let item = &list[0];
    assert_eq!(item["lars"], lars.as_str());
    assert_eq!((item["published"].as_bool(), item["current_version_published"].as_bool()), (Some(true), Some(true)));
    assert_eq!(item["schema_version"], "1.0");
    // Public: visible through the live public API.
    let start = Instant::now();
    while s.get(&format!("/api/algoritme/NLD/{lars}")).status() != 200 {
        assert!(start.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(100));
    }
    // `org_id` is the identifier in the government's list of organisations (the code where there is none).
    assert_eq!(s.get_json(&format!("/api/algoritme/NLD/{lars}"))["org_id"], "zeist");
    env.sql("UPDATE organisations SET tooi = 'https://identifier.overheid.nl/tooi/id/gemeente/gm0355' WHERE code = 'zeist'");
    assert_eq!(s.get_json(&format!("/api/algoritme/NLD/{lars}"))["org_id"], "gm0355");
    // Another organisation's token cannot touch it, not even through its own path.
    assert_eq!(s.send("GET", &format!("/aanleverapi/v1_0/organizations/baarn/algorithms/{lars}"), Some(&other), None).0, 403);
    assert_eq!(s.send("PUT", &format!("{one}/release"), Some(&other), None).0, 403);
    // Preview URL, archive with a version number, retract.
    let (_, pv) = s.send("GET", &format!("{one}/preview"), Some(&ed), None);
    let url = pv["url"].as_str().unwrap_or_default();
    assert!(url.starts_with(&format!("{}/nl/voorbeeld/", s.base)), "at the public address, not the Host header's: {pv}");
    // Anyone with the link reads the latest version without an account, as with the live register's.
    let r = reqwest::blocking::get(url).unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().unwrap().contains("Voorbeeld van een registratie"));
    let (st, r) = s.send("PUT", &format!("{one}/archive_version"), Some(&ap), Some(json!({"algorithm_version_id": 99})));
    assert_eq!(st, 404, "{r}");
    // Archiving takes the whole registration offline: an old version does not name it.
    let (st, r) = s.send("PUT", &format!("{one}/archive_version"), Some(&ap), Some(json!({"algorithm_version_id": 1})));
    assert_eq!(st, 400, "{r}");
    let (st, _) = s.send("DELETE", &format!("/aanleverapi/v1_0/organizations/zeist/published-algorithms/{lars}/retract"), Some(&ap), None);
    assert_eq!(st, 200);
    let (st, _) = s.send("GET", &format!("/aanleverapi/v1_0/organizations/zeist/published-algorithms/{lars}"), Some(&ed), None);
    assert_eq!(st, 404);
}

#[test]
fn mappings_cover_the_other_standards_and_the_docs_match() {
    let env = Env::new();
    let mappings = env.raw(&["docs", "mappings"]);
    let carry = env.raw(&["docs", "carry-over"]);
    let docs = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/COMPATIBILITY.md")).unwrap();
    assert!(docs.contains(mappings.trim()), "docs/COMPATIBILITY.md is behind `algoreg docs mappings`");
    assert!(docs.contains(carry.trim()), "docs/COMPATIBILITY.md is behind `algoreg docs carry-over`");
    // Every attribute of the UK ATRS 3.0 and of the consortium standard 0.3.1 has a row.
    let anchors = shared().join("anchors");
    let mut atrs = csv::Reader::from_path(anchors.join("uk-atrs/atrs_v3.0_fields.csv")).unwrap();
    let mut n = 0;
    for row in atrs.records() {
        let row = row.unwrap();
        let attr = row.get(2).unwrap().trim();
        assert!(mappings.contains(&format!("| `{attr}` |")), "ATRS attribute {attr} missing");
        n += 1;
    }
    assert!(n > 60, "{n}");
    let yaml =
        std::fs::read_to_string(anchors.join("algoritmeregister-standard/algoritmeregister-standard-legacy/schema-v0_3_1.yaml")).unwrap();
    let attrs: Vec<&str> = yaml.lines().filter_map(|l| l.trim().strip_prefix("- attribute:")).map(|a| a.trim().trim_matches('"')).collect();
    assert_eq!(attrs.len(), 49);
    for a in attrs {
        assert!(mappings.contains(&format!("| `{a}` |")), "consortium attribute {a} missing");
    }

    // Over the API and the CLI, on a real record.
    env.org("zeist", "four_eyes");
    let ed = env.token("zeist", "editor");
    let ap = env.token("zeist", "approver");
    let s = env.serve();
    let mut c = complete_content("Parkeervergunningen toetsen");
    c["impacttoetsen_grouping"] = json!([{"title": "Data Protection Impact Assessment (DPIA)", "link": "https://zeist.nl/dpia"}]);
    c["impacttoetsen"] = json!("<p>DPIA uitgevoerd in 2024.</p>");
    let (_, v) = s.send("POST", "/api/v1/organisations/zeist/algorithms", Some(&ed), Some(json!({ "content": c })));
    let id = v["id"].as_str().unwrap().to_string();
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{id}/actions/release"), Some(&ed), None).0, 200);
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{id}/actions/publish"), Some(&ap), None).0, 200);
    let eu = s.get_json(&format!("/api/v1/algorithms/{id}/mappings/eu-database"));
    assert_eq!(eu["fields"]["c1_deployer_name"], "Gemeente zeist");
    assert_eq!(
        eu["fields"]["c5_data_protection_impact_assessment_summary"],
        "Data Protection Impact Assessment (DPIA): DPIA uitgevoerd in 2024."
    );
    assert!(eu["unfilled"].as_array().unwrap().iter().any(|u| u == "c3_provider_entry_url"));
    let atrs = s.get_json(&format!("/api/v1/algorithms/{id}/mappings/uk-atrs"));
    assert_eq!(atrs["fields"]["phase"], "Production");
    assert_eq!(atrs["fields"]["title"], "Parkeervergunningen toetsen");
    assert_eq!(s.get(&format!("/api/v1/algorithms/{id}/mappings/iso-42001")).status(), 404);
    drop(s);
    let out: Value = serde_json::from_str(&env.ok(&["export", "--format", "consortium-0.3.1"])).unwrap();
    assert_eq!(out["records"][0]["fields"]["status"], "operationeel");
    assert_eq!(out["records"][0]["fields"]["DPIA_url"], "https://zeist.nl/dpia");
}

#[test]
fn downloads_import_back_and_the_operator_imports_over_the_api() {
    let env = demo_env(80);
    env.user("beheer@register.nl", None, &[], true);
    env.org("zeist", "central");
    let ed = env.token("zeist", "editor");
    // One public address for both instances: the downloads carry each registration's address.
    let public = ["--public-url", "https://register.example"];
    let s = env.serve_with(&public);
    let csv = s.get("/api/downloads/history/NLD?filetype=csv").bytes().unwrap().to_vec();
    let xlsx = s.get("/api/downloads/history/NLD?filetype=excel").bytes().unwrap().to_vec();
    // Over the API: the central operator only; the report comes back.
    let r = s.client.post(s.url("/api/v1/import")).bearer_auth(&ed).body(csv.clone()).send().unwrap();
    assert_eq!(r.status(), 403);
    let op = s.login("beheer@register.nl");
    let r = op.client.post(format!("{}/api/v1/import", op.base)).body(csv.clone()).send().unwrap();
    assert_eq!(r.status(), 200);
    let report: Value = r.json().unwrap();
    assert_eq!(report["format"], "register-download-csv");
    assert_eq!(report["unchanged"], 80, "{report}");
    let r = op.client.post(format!("{}/api/v1/import", op.base)).body("{\"nothing\": 1}").send().unwrap();
    assert_eq!(r.status(), 422);
    drop(s);
    // The CSV and Excel downloads read back into an empty store give the same download again.
    for (name, bytes) in [("history.csv", &csv), ("history.xlsx", &xlsx)] {
        let env2 = Env::new();
        let file = env2.dir.path().join(name);
        std::fs::write(&file, bytes).unwrap();
        let out = env2.ok(&["import", &file.display().to_string()]);
        assert!(out.contains("80 imported") && out.contains("0 rejected"), "{name}: {out}");
        let s2 = env2.serve_with(&public);
        let again = s2.get("/api/downloads/history/NLD?filetype=csv").bytes().unwrap().to_vec();
        assert!(again == csv, "{name}: the history download differs after the round trip");
    }
}

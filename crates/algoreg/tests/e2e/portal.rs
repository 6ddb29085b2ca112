//! The public portal over HTTP: search kept in step with publications, facets, downloads, feeds,
//! history and comparison.

use crate::common::*;
use serde_json::json;
use std::time::{Duration, Instant};

fn html(s: &Server, path: &str) -> (u16, String) {
    let r = s.get(path);
    (r.status().as_u16(), r.text().unwrap())
}

fn publish(s: &Server, token: &str, approver: &str, content: serde_json::Value) -> String {
    let id = s.create("zeist", token, content);
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{id}/actions/release"), Some(token), None).0, 200);
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{id}/actions/publish"), Some(approver), None).0, 200);
    id
}

/// A register with Gemeente Zeist (four eyes), served, and tokens of its editor and approver.
fn zeist() -> (Env, Server, String, String) {
    let env = Env::new();
    env.org("zeist", "four_eyes");
    let ed = env.token("zeist", "editor");
    let ap = env.token("zeist", "approver");
    let s = env.serve();
    (env, s, ed, ap)
}

fn wait_for(s: &Server, path: &str, needle: &str) -> String {
    let start = Instant::now();
    loop {
        let (_, body) = html(s, path);
        if body.contains(needle) {
            return body;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{needle} never appeared on {path}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn published_versions_become_searchable_and_downloadable() {
    let (_env, s, ed, ap) = zeist();
    let mut c = complete_content("Grondwaterstand voorspellen");
    c["description_short"] = json!("Het model voorspelt de grondwaterstand voor de komende weken met gegevens van peilbuizen.");
    c["category"] = json!(["Natuur en milieu"]);
    let id = publish(&s, &ed, &ap, c.clone());
    let other = publish(&s, &ed, &ap, complete_content("Parkeervergunningen toetsen"));

    // Searchable shortly after publication, with Dutch stemming (grondwaterstanden → grondwaterstand).
    let body = wait_for(&s, "/nl/search?q=grondwaterstanden", &format!("/nl/algoritme/{id}"));
    assert!(body.contains("<strong>1</strong> resultaten"), "one hit");
    // Facets with counts, and a filter.
    let (_, all) = html(&s, "/nl/search");
    assert!(all.contains("Natuur en milieu (1)") && all.contains("Verkeer (1)"), "theme facets");
    // English words find records through the English labels (analysed in English: "traffic" ← Verkeer).
    let en = wait_for(&s, "/en/search?q=traffic", &format!("/en/algoritme/{other}"));
    assert!(!en.contains(&format!("/en/algoritme/{id}\"")), "only the traffic record");
    let (_, filtered) = html(&s, "/nl/search?theme=Verkeer");
    assert!(filtered.contains(&format!("/nl/algoritme/{other}")) && !filtered.contains(&format!("/nl/algoritme/{id}\"")));
    let (st, _) = html(&s, "/nl/search?page=0");
    assert_eq!(st, 422, "a bad page number is refused");
    let (st, _) = html(&s, "/nl/search?sort=random");
    assert_eq!(st, 422);
    // Suggestions while typing.
    let sug: serde_json::Value = s.get("/nl/search/suggest?q=grondw").json().unwrap();
    assert_eq!(sug["algorithms"][0]["id"], id.as_str());

    // A second version: history, comparison, feeds.
    let mut c2 = c.clone();
    c2["description_short"] = json!("Het model voorspelt de grondwaterstand voor de komende maanden met gegevens van peilbuizen.");
    assert_eq!(s.send("PUT", &format!("/api/v1/algorithms/{id}/draft"), Some(&ed), Some(json!({"content": c2}))).0, 200);
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{id}/actions/release"), Some(&ed), None).0, 200);
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{id}/actions/publish"), Some(&ap), None).0, 200);
    let (st, page) = html(&s, &format!("/nl/algoritme/{id}/versies?van=1&naar=2"));
    assert_eq!(st, 200, "{page}");
    assert!(page.contains("<del>") && page.contains("weken") && page.contains("<ins>") && page.contains("maanden"), "word-level diff");
    let (st, _) = html(&s, &format!("/nl/algoritme/{id}/versies?van=7"));
    assert_eq!(st, 422, "version 7 does not exist");
    wait_for(&s, "/nl/search?q=maanden", &format!("/nl/algoritme/{id}"));
    let feed = wait_for(&s, "/feeds/atom.xml", "Gewijzigd: Grondwaterstand voorspellen");
    assert!(feed.starts_with("<?xml") && feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">"));
    // Links go to the public address, whatever Host the request names.
    let spoofed = s.client.get(s.url("/feeds/atom.xml")).header("host", "evil.example").send().unwrap().text().unwrap();
    assert!(!spoofed.contains("evil.example") && spoofed.contains(&s.base), "{spoofed}");
    let (_, org_feed) = html(&s, "/feeds/organisatie/zeist.xml");
    assert!(org_feed.contains("Parkeervergunningen toetsen"));
    let (_, search_feed) = html(&s, "/feeds/search.xml?q=grondwaterstand");
    assert!(search_feed.contains("Grondwaterstand") && !search_feed.contains("Parkeervergunningen"));

    // Downloads: CSV with a byte-order mark, JSON, XLSX (a zip), one record and the whole history.
    let csv = s.get("/downloads/register.csv").bytes().unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBF"));
    assert!(String::from_utf8_lossy(&csv).contains("Grondwaterstand voorspellen"));
    let current: serde_json::Value = s.get("/downloads/register.json").json().unwrap();
    assert_eq!(current.as_array().unwrap().len(), 2);
    let history: serde_json::Value = s.get("/downloads/history.json").json().unwrap();
    assert_eq!(history.as_array().unwrap().len(), 3, "two versions of one record and one of the other");
    let xlsx = s.get("/downloads/register.xlsx");
    assert_eq!(xlsx.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert!(xlsx.bytes().unwrap().starts_with(b"PK"));
    let one: serde_json::Value = s.get(&format!("/nl/algoritme/{id}/download.json")).json().unwrap();
    assert_eq!(one.as_array().unwrap().len(), 2);
    let result = s.get("/nl/search/export.csv?q=grondwaterstand").text().unwrap();
    assert!(result.contains("Grondwaterstand") && !result.contains("Parkeervergunningen"));
    // Without a search or filter it is the register's own download, made once for everyone.
    let whole = s.get("/nl/search/export.csv?q=&sort=name");
    assert_eq!(whole.url().path(), "/downloads/register.csv", "followed to the register's download");
    assert!(whole.text().unwrap().contains("Parkeervergunningen"));
    // Whatever else the address holds: what is not a search or a filter does not make it one.
    let whole = s.get("/nl/search/export.csv?x=1&q=%20");
    assert_eq!(whole.url().path(), "/downloads/register.csv");
    // An export is heavy work: ten a minute from one address (the first one above counts).
    let codes: Vec<u16> = (0..10).map(|_| s.get("/nl/search/export.csv?q=grondwaterstand").status().as_u16()).collect();
    assert_eq!(codes[..9], [200; 9]);
    assert_eq!(codes[9], 429);
    assert_eq!(s.get("/downloads/register.exe").status(), 404);

    // Retracted: gone from search.
    s.retract(&id, &ap, "test");
    let start = Instant::now();
    loop {
        let (_, body) = html(&s, "/nl/search?q=grondwaterstand");
        if body.contains("<strong>0</strong> resultaten") {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "retracted record stayed searchable");
        std::thread::sleep(Duration::from_millis(100));
    }

    // Organisation page and the English side.
    let (st, org) = html(&s, "/nl/organisatie/zeist");
    assert_eq!(st, 200);
    assert!(org.contains("Parkeervergunningen toetsen"));
    let (st, en) = html(&s, "/en/search?q=parkeervergunning");
    assert_eq!(st, 200);
    assert!(en.contains("lang=\"en\"") && en.contains("Search results for"));
}

#[test]
fn reindex_rebuilds_the_index_from_the_store() {
    let env = Env::new();
    let file = env.dir.path().join("demo.json");
    env.raw(&["demo", "generate", "--records", "120", "--orgs", "20", "--out", file.to_str().unwrap()]);
    env.ok(&["import", file.to_str().unwrap()]);
    let out = env.ok(&["reindex"]);
    assert!(out.contains("120 records"), "{out}");
    let s = env.serve();
    let (_, body) = html(&s, "/nl/search");
    assert!(body.contains("<strong>120</strong> resultaten"));
}

/// The hits of a portal search (its JSON download) and of the compatible API, as sets of IDs.
fn both_searches(s: &Server, q: &str) -> (std::collections::BTreeSet<String>, std::collections::BTreeSet<String>) {
    let url = format!("/nl/search/export.json?q={}", url_encode(q));
    let portal: serde_json::Value = s.get(&url).json().unwrap();
    let portal = portal.as_array().unwrap().iter().map(|r| r["id"].as_str().or(r["lars"].as_str()).unwrap_or("").to_string()).collect();
    let (st, v) = s.send("POST", "/api/algoritme/NLD", None, Some(json!({"searchtext": q, "limit": 100})));
    assert_eq!(st, 200, "{v}");
    let mut compat = std::collections::BTreeSet::new();
    let total = v["total_count"].as_u64().unwrap();
    for page in 1..=total.div_ceil(100) {
        let (_, v) = s.send("POST", "/api/algoritme/NLD", None, Some(json!({"searchtext": q, "limit": 100, "page": page})));
        compat.extend(v["results"].as_array().unwrap().iter().map(|r| r["lars"].as_str().unwrap().to_string()));
    }
    (portal, compat)
}

fn url_encode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[test]
fn people_search_the_real_register_as_they_would_a_search_engine() {
    let env = Env::new();
    env.ok(&["import", shared().join("anchors/algoritmeregister-data/schellevis-daily-scrape/algoritmes.json").to_str().unwrap()]);
    let synonyms = env.dir.path().join("synoniemen.txt");
    std::fs::write(&synonyms, "# eigen groepen\nvuilnisauto | afvalinzameling\n").unwrap();
    let s = env.serve_with(&["--search-synonyms", synonyms.to_str().unwrap(), "--search-export-limit", "0"]);
    let count = |q: &str| -> std::collections::BTreeSet<String> {
        let (portal, compat) = both_searches(&s, q);
        assert_eq!(portal, compat, "the portal and the compatible API find the same for {q:?}");
        portal
    };
    let start = Instant::now();
    while count("").len() < 1530 {
        assert!(start.elapsed() < Duration::from_secs(60), "indexing");
        std::thread::sleep(Duration::from_millis(200));
    }
    // OR in any case and the Dutch "of".
    let parkeren = count("parkeren");
    let verkeer = count("verkeer");
    let either = count("parkeren OR verkeer");
    assert!(!parkeren.is_empty() && !verkeer.is_empty());
    assert_eq!(either, parkeren.union(&verkeer).cloned().collect(), "OR is the union");
    assert_eq!(count("parkeren of verkeer"), either);
    assert_eq!(count("parkeren or verkeer"), either);
    // Minus excludes; quotes keep words together.
    let minus = count("parkeren -verkeer");
    assert_eq!(minus, parkeren.difference(&verkeer).cloned().collect());
    assert!(count("\"wet maatschappelijke ondersteuning\"").len() <= count("wet maatschappelijke ondersteuning").len());
    // An abbreviation and its full name find the same registrations, both ways.
    assert_eq!(count("wmo"), count("wet maatschappelijke ondersteuning"));
    assert_eq!(count("cjib"), count("centraal justitieel incassobureau"));
    assert!(count("wmo").len() > 12, "more than the 12 that mention wmo: {}", count("wmo").len());
    // The operator's own groups, from the file given at start.
    assert_eq!(count("vuilnisauto"), count("afvalinzameling"));
    assert!(!count("vuilnisauto").is_empty());
    // Suggestions complete organisations and registrations, offer the other way to write an
    // abbreviation, and correct a misspelling; the compatible endpoint says the same.
    let sug: serde_json::Value = s.get("/nl/search/suggest?q=gemeente%20amst").json().unwrap();
    assert!(sug["organisations"].as_array().unwrap().iter().any(|o| o["name"] == "Gemeente Amsterdam"), "{sug}");
    let sug: serde_json::Value = s.get("/nl/search/suggest?q=tno").json().unwrap();
    assert!(
        sug["queries"].as_array().unwrap().iter().any(|q| q == "nederlandse organisatie voor toegepast natuurwetenschappelijk onderzoek"),
        "an abbreviation written in an organisation's name joins the thesaurus: {sug}"
    );
    let sug: serde_json::Value = s.get("/nl/search/suggest?q=wmo").json().unwrap();
    assert!(sug["queries"].as_array().unwrap().iter().any(|q| q == "wet maatschappelijke ondersteuning"), "{sug}");
    let sug: serde_json::Value = s.get("/nl/search/suggest?q=bijstant").json().unwrap();
    assert_eq!(sug["did_you_mean"].as_str(), Some("bijstand"), "{sug}");
    let compat = s.get_json("/api/suggestion/NLD/gemeente%20amst");
    assert!(compat["organisations"].as_array().unwrap().iter().any(|o| o["name"] == "Gemeente Amsterdam"), "{compat}");
    assert!(compat["algorithms"].is_array());
    // Odd input is never an error.
    for q in ["\"", "-", "OR", "of", "\"open", "--", "de het een"] {
        let (st, _) = s.send("POST", "/api/algoritme/NLD", None, Some(json!({"searchtext": q})));
        assert_eq!(st, 200, "{q}");
        assert_eq!(s.get(&format!("/nl/search?q={}", url_encode(q))).status(), 200, "{q}");
    }
}

#[test]
fn a_search_page_carries_only_what_the_search_takes_into_its_links() {
    let (_env, s, ed, ap) = zeist();
    publish(&s, &ed, &ap, complete_content("Grondwaterstand voorspellen"));
    // A value the search does not take is an error naming its parameter, not silently a wider search.
    let junk = "x".repeat(1100);
    let (st, page) = html(&s, &format!("/nl/search?q=grondwater&org={junk}&theme=Natuur"));
    assert_eq!(st, 422);
    assert!(page.contains("1024 tekens") && !page.contains(&junk), "{page}");
    let (st, page) = html(&s, "/nl/search?q=grondwater&shared=rommel&theme=Natuur");
    assert_eq!(st, 422);
    assert!(page.contains("Kies ja of nee"), "{page}");
    // Parameters the search does not know are left out of the links.
    let (st, page) = html(&s, "/nl/search?q=grondwater&theme=Natuur&utm_source=rommel");
    assert_eq!(st, 200);
    assert!(!page.contains("utm_source"));
    assert!(page.contains("theme=Natuur"), "what the search takes stays in the links");
}

//! Coordination: the public overview's figures on the real register and the government's organisation
//! lists, checked against counts made here from the same files.

use crate::common::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

fn month(date: &str) -> String {
    date[..7].to_string()
}

#[test]
fn the_overview_counts_the_real_register_and_the_government_lists() {
    let file = shared().join("anchors/algoritmeregister-data/schellevis-daily-scrape/algoritmes.json");
    let raw: Value = serde_json::from_slice(&std::fs::read(&file).expect("../shared/anchors with the scraped register")).unwrap();
    let records = raw["algoritmes"].as_array().unwrap();
    let lists = shared().join("anchors/algoritmeregister-data/minbzk-org-lists");
    let mut files: Vec<String> = std::fs::read_dir(&lists).unwrap().map(|e| e.unwrap().path().display().to_string()).collect();
    files.sort();
    let municipalities_listed =
        std::fs::read_to_string(lists.join("Gemeenten.csv")).unwrap().lines().skip(1).filter(|l| !l.trim().is_empty()).count();

    // The lists first: the records' organisations are then found in them by name, however spelled.
    let env = Env::new();
    let mut args = vec!["org", "import"];
    args.extend(files.iter().map(String::as_str));
    env.ok(&args);
    env.ok(&["import", file.to_str().unwrap()]);

    // What the files say, counted here.
    let mut per_org: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut per_month: BTreeMap<String, u64> = BTreeMap::new();
    for r in records {
        let date = r["geregistreerd"].as_str().unwrap();
        per_org.entry(r["organisatie"].as_str().unwrap()).or_default().push(date);
        *per_month.entry(month(date)).or_default() += 1;
    }
    let mut joined: BTreeMap<String, u64> = BTreeMap::new();
    for dates in per_org.values() {
        *joined.entry(month(dates.iter().min().unwrap())).or_default() += 1;
    }
    let is_municipality = |n: &str| {
        let n = n.to_lowercase();
        n.starts_with("gemeente ") || n.starts_with("gemeenten ")
    };
    let publishing_municipalities = per_org.keys().filter(|n| is_municipality(n)).count() as u64;

    let env_user = |org: &str| {
        env.user("redactie@example.org", Some(org), &["editor"], false);
    };
    let s = env.serve();
    let orgs = s.get_json("/api/v1/organisations");
    let orgs = orgs.as_array().unwrap();
    let known_municipalities = orgs.iter().filter(|o| o["type"] == "gemeente").count() as u64;

    // Two signals to one organisation, one answered, before the figures are first counted.
    let first = &records[0];
    let org_code = orgs.iter().find(|o| o["name"] == first["organisatie"]).unwrap()["code"].as_str().unwrap().to_string();
    env_user(&org_code);
    let id = first["id"].as_str().unwrap();
    for text in ["De uitleg over het doel is onduidelijk.", "Welke gegevens worden precies gebruikt?"] {
        let (st, b) = s.send("POST", &format!("/api/v1/algorithms/{id}/signals"), None, Some(json!({"kind": "question", "text": text})));
        assert_eq!(st, 201, "{b}");
    }
    let ed = s.login("redactie@example.org");
    let (_, inbox) = ed.send("GET", &format!("/api/v1/organisations/{org_code}/signals"), None);
    let sid = inbox[0]["id"].as_i64().unwrap();
    let (st, b) =
        ed.send("POST", &format!("/api/v1/signals/{sid}/answer"), Some(json!({"text": "Dat leggen we uit op de pagina.", "public": true})));
    assert_eq!(st, 200, "{b}");

    let stats = s.get_json("/api/v1/statistics");
    let t = &stats["totals"];
    assert_eq!(t["published"], records.len() as u64);
    assert_eq!(t["publishing"], per_org.len() as u64, "every organisation that publishes, once");
    assert_eq!(t["organisations"], orgs.len() as u64, "the listed organisations that publish nothing count too");
    assert_eq!(t["high_risk"], 0, "the scraped records carry no publication category");
    let completeness = t["completeness"].as_f64().unwrap();
    assert!(completeness > 0.0 && completeness < 1.0, "{completeness}");
    assert_eq!((t["signals"]["received"].as_u64(), t["signals"]["answered"].as_u64()), (Some(2), Some(1)));

    let coverage = stats["coverage"].as_array().unwrap();
    let gm = coverage.iter().find(|r| r["org_type"] == "gemeente").unwrap();
    assert_eq!(gm["publishing"], publishing_municipalities);
    assert_eq!(gm["organisations"], known_municipalities);
    assert_eq!(known_municipalities, municipalities_listed as u64, "every municipality of the register is one of the list");
    assert!(gm["organisations"].as_u64() > gm["publishing"].as_u64(), "some municipalities publish nothing");
    assert_eq!(coverage[0]["org_type"], "gemeente", "municipalities first");
    let sum = |k: &str| coverage.iter().map(|r| r[k].as_u64().unwrap()).sum::<u64>();
    assert_eq!(
        (sum("organisations"), sum("publishing"), sum("published")),
        (orgs.len() as u64, per_org.len() as u64, records.len() as u64)
    );

    let months: BTreeMap<String, (u64, u64)> = stats["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["month"].as_str().unwrap().to_string(), (m["published"].as_u64().unwrap(), m["joined"].as_u64().unwrap())))
        .collect();
    for (m, (published, new)) in &months {
        assert_eq!(*published, per_month.get(m).copied().unwrap_or(0), "{m} published");
        assert_eq!(*new, joined.get(m).copied().unwrap_or(0), "{m} joined");
    }
    assert!(per_month.keys().all(|m| months.contains_key(m)), "every month with publications is shown");

    let rows = stats["organisations"].as_array().unwrap();
    assert_eq!(rows.len(), per_org.len());
    let mut counted: Vec<u64> = rows.iter().map(|r| r["published"].as_u64().unwrap()).collect();
    let mut expected: Vec<u64> = per_org.values().map(|d| d.len() as u64).collect();
    counted.sort();
    expected.sort();
    assert_eq!(counted, expected, "registrations per organisation");
    let row: HashMap<&str, &Value> = rows.iter().map(|r| (r["code"].as_str().unwrap(), r)).collect();
    assert_eq!(row[org_code.as_str()]["signals"]["received"], 2);

    // Every figure downloads as CSV and JSON with the same numbers.
    let csv = s.get("/downloads/statistics/coverage.csv").text().unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("\u{feff}org_type,label_nl,label_en,organisations,publishing,share,published"), "with a BOM");
    let csv_rows: BTreeSet<(String, u64, u64)> = lines
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (c[0].to_string(), c[3].parse().unwrap(), c[4].parse().unwrap())
        })
        .collect();
    let json_rows: BTreeSet<(String, u64, u64)> = coverage
        .iter()
        .map(|r| (r["org_type"].as_str().unwrap().to_string(), r["organisations"].as_u64().unwrap(), r["publishing"].as_u64().unwrap()))
        .collect();
    assert_eq!(csv_rows, json_rows);
    for name in ["coverage", "months", "categories", "ai-act", "organisations"] {
        assert_eq!(s.get(&format!("/downloads/statistics/{name}.json")).status(), 200, "{name}");
        assert_eq!(s.get(&format!("/downloads/statistics/{name}.csv")).status(), 200, "{name}");
    }
    let months_json: Value = s.get("/downloads/statistics/months.json").json().unwrap();
    assert_eq!(months_json, stats["months"]);
    for bad in ["coverage.xlsx", "secrets.csv", "coverage", "..%2Fregister.csv"] {
        assert_eq!(s.get(&format!("/downloads/statistics/{bad}")).status(), 404, "{bad}");
    }

    // The page: the municipalities' figure in the chart and in its table, in both languages.
    let page = s.get("/nl/overzicht").text().unwrap();
    let figure = format!("{} van {}", gm["publishing"], gm["organisations"]);
    assert!(page.contains(&figure), "{figure}");
    assert!(page.contains("<svg") && page.contains("role=\"img\"") && page.contains("<caption>"));
    let en = s.get("/en/overview").text().unwrap();
    assert!(en.contains(&format!("{} of {}", gm["publishing"], gm["organisations"])) && en.contains("Municipality"));
}

#[test]
fn supervisors_see_what_needs_attention_across_organisations() {
    let env = Env::new();
    env.org("gem-a", "four_eyes");
    env.org("gem-b", "four_eyes");
    env.ok(&["org", "add", "--code", "pv-x", "--name", "Provincie X", "--type", "provincie"]);
    env.user("redactie@gem-a.nl", Some("gem-a"), &["editor"], false);
    env.user("toezicht@example.org", None, &[], false);
    env.user("beheer@example.org", None, &[], true);
    let out = env.ok(&["user", "supervisor", "--email", "toezicht@example.org"]);
    assert!(out.contains("is a supervisor"), "{out}");
    // Not an account whose password an admin chose: that admin may hold it.
    env.user("gekozen@gem-a.nl", Some("gem-a"), &["editor"], false);
    env.sql("UPDATE users SET password_by_admin = TRUE WHERE email = 'gekozen@gem-a.nl'");
    let out = env.cli(&["user", "supervisor", "--email", "gekozen@gem-a.nl"]);
    assert!(!out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Forgot password"), "{}", String::from_utf8_lossy(&out.stderr));
    let (editor, approver) = (env.token("gem-a", "editor"), env.token("gem-a", "approver"));
    let s = env.serve();
    let mut content = complete_content("Uitkering toetsen");
    content["publication_category"] = json!("Hoog-risico AI-systeem");
    content["category"] = json!(["Sociale zekerheid", "Werk"]);
    content["provider"] = json!("Leverancier BV");
    let id = s.publish_new("gem-a", &editor, &approver, content);

    // What needs attention: an open signal, an incident past its reporting deadline, an evaluation past its date.
    let (st, b) = s.send(
        "POST",
        &format!("/api/v1/algorithms/{id}/signals"),
        None,
        Some(json!({"kind": "question", "text": "Hoe wordt mijn aanvraag getoetst?"})),
    );
    assert_eq!(st, 201, "{b}");
    let ed = s.login("redactie@gem-a.nl");
    let noticed = (chrono::Utc::now() - chrono::Duration::days(20)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (st, b) = ed.send(
        "POST",
        &format!("/api/v1/algorithms/{id}/incidents"),
        Some(json!({"class": "death", "title": "Onterecht stopgezette uitkering", "what_happened": "Een fout in de regels zette uitkeringen stop.",
            "noticed_at": noticed, "public": true, "public_summary": "Uitkeringen werden ten onrechte stopgezet; dat is hersteld.",
            "provider_email": "incidenten@leverancier.nl"})),
    );
    assert_eq!(st, 201, "{b}");
    // A second incident, not public: its title may name people, so the view shows only that it is there.
    let (st, b) = ed.send(
        "POST",
        &format!("/api/v1/algorithms/{id}/incidents"),
        Some(json!({"class": "malfunction", "title": "Klacht van mevrouw Jansen", "what_happened": "Een storing in de koppeling.",
            "noticed_at": noticed, "public": false, "provider_email": "incidenten@leverancier.nl"})),
    );
    assert_eq!(st, 201, "{b}");
    let due = (chrono::Utc::now() - chrono::Duration::days(30)).date_naive().to_string();
    let (st, b) =
        ed.send("PUT", &format!("/api/v1/algorithms/{id}/evaluation-plan"), Some(json!({"interval_months": 12, "next_due": due})));
    assert_eq!(st, 200, "{b}");

    // Only supervisors and the central operator read it.
    assert_eq!(s.send("GET", "/api/v1/supervision", None, None).0, 401);
    assert_eq!(ed.send("GET", "/api/v1/supervision", None).0, 403, "an editor of one organisation");
    assert_eq!(s.send("GET", "/api/v1/supervision", Some(&editor), None).0, 403, "an organisation's token");
    assert_eq!(ed.client.get(s.url("/nl/toezicht")).send().unwrap().status(), 403);
    assert_eq!(s.login("beheer@example.org").send("GET", "/api/v1/supervision", None).0, 200, "the central operator");

    let sup = s.login("toezicht@example.org");
    let (st, v) = sup.send("GET", "/api/v1/supervision", None);
    assert_eq!(st, 200, "{v}");
    let signals: BTreeSet<(String, String, u64, u64)> = v["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["org"]["code"].as_str().unwrap().into(),
                r["theme"].as_str().unwrap().into(),
                r["open"].as_u64().unwrap(),
                r["overdue"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(signals, BTreeSet::from([("gem-a".into(), "Sociale zekerheid".into(), 1, 0), ("gem-a".into(), "Werk".into(), 1, 0)]));
    let inc = &v["incidents"][0];
    assert_eq!(
        (inc["class"].as_str(), inc["overdue"].as_bool(), inc["org"]["code"].as_str()),
        (Some("death"), Some(true), Some("gem-a")),
        "{inc}"
    );
    assert_eq!(v["incidents"].as_array().unwrap().len(), 2);
    assert!(v["incidents"][1]["title"].is_null() && !v.to_string().contains("Jansen"), "a private incident's title stays private");
    assert_eq!(v["evaluations"][0]["days_overdue"], 30);
    assert_eq!(v["high_risk"][0]["record"], id.as_str(), "high-risk category without an AI Act check");
    assert!(v["high_risk"][0]["conclusion"].is_null());
    let silent: BTreeSet<&str> = v["not_publishing"].as_array().unwrap().iter().map(|o| o["code"].as_str().unwrap()).collect();
    assert_eq!(silent, BTreeSet::from(["gem-b", "pv-x"]));
    assert_eq!(v["stale"].as_array().unwrap().len(), 0, "published today");

    // Filters, with bad ones named.
    let (_, v) = sup.send("GET", "/api/v1/supervision?org_type=provincie", None);
    assert_eq!((v["signals"].as_array().unwrap().len(), v["not_publishing"][0]["code"].as_str()), (0, Some("pv-x")));
    let (st, b) = sup.send("GET", "/api/v1/supervision?org_type=kasteel", None);
    assert_eq!((st, b["errors"][0]["field"].as_str()), (422, Some("org_type")), "{b}");
    let (st, b) = sup.send("GET", "/api/v1/supervision?org=bestaat-niet", None);
    assert_eq!((st, b["errors"][0]["field"].as_str()), (422, Some("org")), "{b}");

    // The page and its exports.
    let page = sup.client.get(s.url("/nl/toezicht?org=gem-a")).send().unwrap().text().unwrap();
    assert!(page.contains("Onterecht stopgezette uitkering") && page.contains("Uitkering toetsen"), "{page}");
    let csv = sup.client.get(s.url("/nl/toezicht/incidents.csv?org=gem-a")).send().unwrap().text().unwrap();
    assert!(
        csv.starts_with("\u{feff}organisation,title,class,status,deadline,overdue\n") && csv.contains("Onterecht stopgezette uitkering"),
        "{csv}"
    );
    assert_eq!(sup.client.get(s.url("/nl/toezicht/geheim.csv")).send().unwrap().status(), 404);
    assert_eq!(ed.client.get(s.url("/nl/toezicht/incidents.csv")).send().unwrap().status(), 403, "an editor asks for a table");
    assert_eq!(sup.send("GET", "/api/v1/session", None).1["supervisor"], true);
    assert!(sup.client.get(s.url("/nl/beheer")).send().unwrap().text().unwrap().contains("/nl/toezicht"));
    // Read-only: the supervisor changes nothing in an organisation.
    let (st, _) = sup.send("PUT", &format!("/api/v1/algorithms/{id}/draft"), Some(json!({"content": complete_content("Anders")})));
    assert_eq!(st, 403);

    // Like the operator's powers, the role counts only with a second factor where the instance asks for one.
    let strict = env.serve_node("strict", &["--operator-second-factor", "required"]);
    assert_eq!(strict.login("toezicht@example.org").send("GET", "/api/v1/supervision", None).0, 403, "no second factor yet");
    drop(strict);

    // Taken away: at once.
    env.ok(&["user", "supervisor", "--email", "toezicht@example.org", "--off"]);
    assert_eq!(sup.send("GET", "/api/v1/supervision", None).0, 403);
}

#[test]
fn editors_get_advice_on_plain_language_and_consistency_with_the_rule_named() {
    let env = Env::new();
    env.org("gem-a", "four_eyes");
    env.user("redactie@gem-a.nl", Some("gem-a"), &["editor"], false);
    let editor = env.token("gem-a", "editor");
    let s = env.serve();
    let mut content = complete_content("Fraude opsporen");
    content["goal"] = json!("<p>Aanvragen worden middels een model door de SVB beoordeeld.</p>");
    content["source_data"] = json!("<p>Wij gebruiken naam en adres en het burgerservicenummer.</p>");
    content["publication_category"] = json!("Hoog-risico AI-systeem");
    content["provider"] = json!("Leverancier BV");
    content["status"] = json!("Buiten gebruik");
    let id = s.create("gem-a", &editor, content);
    let (st, w) = s.send("GET", &format!("/api/v1/algorithms/{id}/workspace"), Some(&editor), None);
    assert_eq!(st, 200, "{w}");
    let found: BTreeSet<(String, String)> = field_rules(&w["quality"]).into_iter().collect();
    for (field, rule) in [
        ("goal", "passive"),
        ("goal", "officialese"),
        ("goal", "abbreviation"),
        ("impacttoetsen_grouping", "personal_data_without_dpia"),
        ("impacttoetsen_grouping", "high_risk_without_fundamental_rights_assessment"),
        ("human_intervention", "high_risk_without_human_intervention"),
        ("end_date", "out_of_use_without_end_date"),
    ] {
        assert!(found.contains(&(field.to_string(), rule.to_string())), "{field} {rule} in {found:?}");
    }
    // Advice never blocks: the draft was saved, and it shows while editing, next to its field.
    let ed = s.login("redactie@gem-a.nl");
    let form = ed.client.get(s.url(&format!("/nl/beheer/algoritme/{id}/bewerken"))).send().unwrap().text().unwrap();
    assert!(form.contains("(regel: passive)") && form.contains("Schrijf liever &quot;met&quot;"), "advice in the form");
    let page = ed.client.get(s.url(&format!("/en/beheer/algoritme/{id}"))).send().unwrap().text().unwrap();
    assert!(page.contains("(rule: out_of_use_without_end_date)"), "advice on the record page, in English");

    // The same algorithm registered twice by one organisation shows on its dashboard.
    let dash = ed.client.get(s.url("/nl/beheer/org/gem-a")).send().unwrap().text().unwrap();
    assert!(!dash.contains("Mogelijk dubbel geregistreerd"));
    let (st, v) = s.send(
        "POST",
        "/api/v1/organisations/gem-a/algorithms",
        Some(&editor),
        Some(json!({"content": complete_content("fraude  opsporen.")})),
    );
    assert_eq!(st, 201, "{v}");
    let twin = v["id"].as_str().unwrap();
    let dash = ed.client.get(s.url("/nl/beheer/org/gem-a")).send().unwrap().text().unwrap();
    assert!(
        dash.contains("Mogelijk dubbel geregistreerd") && dash.contains(&format!("({id})")) && dash.contains(&format!("({twin})")),
        "{dash}"
    );
}

/// A server on loopback that answers every request the same way: `Some(response head)`, or `None` to
/// never answer. Runs until the test process ends.
fn loopback_server(answer: Option<&'static str>) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                match answer {
                    Some(head) => {
                        let _ = s.write_all(format!("{head}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes());
                    }
                    None => std::thread::sleep(std::time::Duration::from_secs(30)),
                }
            });
        }
    });
    format!("http://127.0.0.1:{port}")
}

#[test]
fn links_are_checked_and_a_dead_one_holds_publication_back_unless_the_operator_gives_a_reason() {
    let ok = loopback_server(Some("HTTP/1.1 200 OK"));
    let gone = loopback_server(Some("HTTP/1.1 404 Not Found"));
    let slow = loopback_server(None);
    let private = loopback_server(Some("HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/latest/meta-data/"));
    let env = Env::new();
    env.org("gem-c", "central");
    env.user("redactie@gem-c.nl", Some("gem-c"), &["editor"], false);
    env.user("beheer@example.org", None, &[], true);
    let editor = env.token("gem-c", "editor");
    let s = env.serve_with(&[
        "--link-check-allow",
        "127.0.0.1/32",
        "--link-check-max",
        "100",
        "--link-check-interval",
        "1s",
        "--link-check-timeout",
        "1s",
    ]);
    let mut content = complete_content("Parkeren controleren");
    content["website"] = json!(format!("{ok}/pagina"));
    content["url"] = json!(format!("{gone}/weg"));
    content["publiccode"] = json!(format!("{slow}/traag"));
    content["lawful_basis_grouping"] = json!([{"title": "Verordening", "link": format!("{private}/door")}]);
    let id = s.create("gem-c", &editor, content);
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{id}/actions/release"), Some(&editor), None).0, 200);

    // The checker takes released registrations too: every link gets its outcome.
    let outcomes = || -> BTreeMap<String, (Option<String>, Option<u64>)> {
        let (_, w) = s.send("GET", &format!("/api/v1/algorithms/{id}/workspace"), Some(&editor), None);
        w["links"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| (l["field"].as_str().unwrap().to_string(), (l["outcome"].as_str().map(String::from), l["http_status"].as_u64())))
            .collect()
    };
    // Links are checked again every second: wait for a round that found each as expected (a busy machine
    // may time one out now and then).
    let expected = |found: &BTreeMap<String, (Option<String>, Option<u64>)>| {
        found.get("website") == Some(&(Some("ok".into()), Some(200)))
            && found.get("url") == Some(&(Some("broken".into()), Some(404)))
            && found.get("publiccode").is_some_and(|f| f.0.as_deref() == Some("timeout"))
            // A redirect to a private address is refused.
            && found.get("lawful_basis_grouping").is_some_and(|f| f.0.as_deref() == Some("refused"))
    };
    wait_until("every link checked as expected", || expected(&outcomes()));

    // The dead link holds publication back, with the field named; the operator publishes with a reason.
    let op = s.login("beheer@example.org");
    let (st, b) = op.send("POST", &format!("/api/v1/algorithms/{id}/actions/publish"), Some(json!({})));
    assert_eq!((st, b["errors"][0]["field"].as_str()), (422, Some("url")), "{b}");
    assert!(b.to_string().contains("/weg"), "the link is named: {b}");
    let (st, b) = op.send(
        "POST",
        &format!("/api/v1/algorithms/{id}/actions/publish"),
        Some(json!({"reason": "De pagina komt volgende week terug."})),
    );
    assert_eq!(st, 200, "{b}");
    let (_, w) = s.send("GET", &format!("/api/v1/algorithms/{id}/workspace"), Some(&editor), None);
    let last = w["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["action"].as_str(), last["reason"].as_str()),
        (Some("publish"), Some("De pagina komt volgende week terug.")),
        "{last}"
    );

    // The editors see it per record on their dashboard and on the record's page.
    let ed = s.login("redactie@gem-c.nl");
    let dash = ed.client.get(s.url("/nl/beheer/org/gem-c")).send().unwrap().text().unwrap();
    assert!(dash.contains("3 werken niet"), "broken, refused and timed out");
    let page = ed.client.get(s.url(&format!("/nl/beheer/algoritme/{id}"))).send().unwrap().text().unwrap();
    assert!(page.contains("bestaat niet (meer)") && page.contains("HTTP 404") && page.contains("geweigerd: geen openbaar adres"));
}

#[test]
fn a_registration_not_looked_at_for_a_year_is_confirmed_as_still_current() {
    let env = Env::new();
    // A registration of the live register, published more than a year ago.
    let file = env.dir.path().join("oud.json");
    let old = json!({"count": 1, "fetched_at": "2026-08-08T06:20:11Z", "source_url": "https://algoritmes.overheid.nl/api/algoritme/NLD", "algoritmes": [{
        "doel": "Het systeem plant de routes van de vuilniswagens.", "geregistreerd": "2024-03-01", "id": "11136893",
        "impactassessment": "Onbekend", "juridische_basis": "", "organisatie": "Gemeente Oudstad", "status": "in_gebruik",
        "title": "Routes afvalinzameling", "toegevoegd": "2024-03-02", "url": "https://algoritmes.overheid.nl/nl/algoritme/11136893"}]});
    std::fs::write(&file, old.to_string()).unwrap();
    env.ok(&["import", file.to_str().unwrap()]);
    env.org("gem-b", "four_eyes");
    env.user("redactie@oudstad.nl", Some("gemeente-oudstad"), &["editor"], false);
    env.user("redactie@gem-b.nl", Some("gem-b"), &["editor"], false);
    env.user("toezicht@example.org", None, &[], false);
    env.ok(&["user", "supervisor", "--email", "toezicht@example.org"]);
    let smtp = Smtp::start();
    let url = smtp.url();
    let s = env.serve_with(&["--smtp-url", &url, "--feedback-tick", "1s"]);
    let id = "11136893";
    // The organisation's editors are reminded by e-mail, once, listing the registration and its due date.
    let mail = unfold(&smtp.wait_for("redactie@oudstad.nl", "Routes afvalinzameling"));
    assert!(mail.contains("Nog actueel?") && mail.contains("2025-03-0"), "{mail}");
    assert!(mail.contains(&format!("/nl/beheer/algoritme/{id}")), "{mail}");
    assert!(smtp.messages().iter().all(|m| !header(m, "To").contains("redactie@gem-b.nl")), "another organisation is not told");
    let sup = s.login("toezicht@example.org");
    let stale = |sup: &Server2| sup.send("GET", "/api/v1/supervision", None).1["stale"].as_array().unwrap().len();
    assert_eq!(stale(&sup), 1, "published in 2024 and never confirmed");
    let ed = s.login("redactie@oudstad.nl");
    let dash = ed.client.get(s.url("/nl/beheer/org/gemeente-oudstad")).send().unwrap().text().unwrap();
    assert!(dash.contains("Meer dan een jaar niet bevestigd") && dash.contains("Routes afvalinzameling"), "{dash}");

    // Only who may edit it confirms it; then it is current again, and the public page says so.
    assert_eq!(s.login("redactie@gem-b.nl").send("POST", &format!("/api/v1/algorithms/{id}/confirmations"), None).0, 403);
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{id}/confirmations"), None, None).0, 401);
    let (st, b) = ed.send("POST", &format!("/api/v1/algorithms/{id}/confirmations"), None);
    assert_eq!(st, 200, "{b}");
    assert_eq!(stale(&sup), 0);
    let dash = ed.client.get(s.url("/nl/beheer/org/gemeente-oudstad")).send().unwrap().text().unwrap();
    assert!(!dash.contains("Meer dan een jaar niet bevestigd"));
    let public = s.get(&format!("/nl/algoritme/{id}")).text().unwrap();
    assert!(public.contains("id=\"actueel\"") && public.contains("dat deze versie nog klopt"), "the date is shown publicly");

    // A registration that is not published cannot be confirmed: the field is named.
    let token = env.token("gem-b", "editor");
    let (_, v) =
        s.send("POST", "/api/v1/organisations/gem-b/algorithms", Some(&token), Some(json!({"content": complete_content("Nieuw")})));
    let draft = v["id"].as_str().unwrap();
    let (st, b) = s.send("POST", &format!("/api/v1/algorithms/{draft}/confirmations"), Some(&token), None);
    assert_eq!((st, b["errors"][0]["field"].as_str()), (422, Some("record")), "{b}");
}

#[test]
fn in_a_four_eyes_organisation_the_operator_accepts_a_dead_link_with_a_reason() {
    let gone = loopback_server(Some("HTTP/1.1 410 Gone"));
    let env = Env::new();
    env.org("gem-d", "four_eyes");
    env.org("gem-e", "four_eyes");
    env.user("beheer@example.org", None, &[], true);
    let (editor, approver) = (env.token("gem-d", "editor"), env.token("gem-d", "approver"));
    let other = env.token("gem-e", "approver");
    let s = env.serve_with(&["--link-check-allow", "127.0.0.1/32", "--link-check-max", "100", "--link-check-interval", "1s"]);
    let mut content = complete_content("Subsidie toetsen");
    content["url"] = json!(format!("{gone}/oud"));
    let id = s.create("gem-d", &editor, content);
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{id}/actions/release"), Some(&editor), None).0, 200);
    let link = |s: &Server| s.send("GET", &format!("/api/v1/algorithms/{id}/workspace"), Some(&editor), None).1["links"][0].clone();
    wait_until("the link found gone", || link(&s)["outcome"] == "broken");

    // The approver cannot publish; the operator cannot publish in this organisation either.
    let publish = |token: &str| s.send("POST", &format!("/api/v1/algorithms/{id}/actions/publish"), Some(token), None);
    let (st, b) = publish(&approver);
    assert_eq!((st, b["errors"][0]["field"].as_str()), (422, Some("url")), "{b}");

    // Only the operator accepts, with a reason, a link that is in the registration.
    let path = format!("/api/v1/algorithms/{id}/link-acceptances");
    let url = format!("{gone}/oud");
    assert_eq!(s.send("POST", &path, Some(&approver), Some(json!({"url": url, "reason": "Oud adres"}))).0, 403);
    assert_eq!(s.send("POST", &path, Some(&other), Some(json!({"url": url, "reason": "Oud adres"}))).0, 403);
    let op = s.login("beheer@example.org");
    let (st, b) = op.send("POST", &path, Some(json!({"url": url, "reason": " "})));
    assert_eq!((st, b["errors"][0]["field"].as_str()), (422, Some("reason")), "{b}");
    let (st, b) = op.send("POST", &path, Some(json!({"url": "https://elders.example/", "reason": "Oud adres"})));
    assert_eq!((st, b["errors"][0]["field"].as_str()), (422, Some("url")), "{b}");
    let (st, b) = op.send("POST", &path, Some(json!({"url": url, "reason": "Het archief van de gemeente verhuist; de link komt terug."})));
    assert_eq!(st, 200, "{b}");

    // Now the approver publishes; the reason stays with the link for the organisation to see.
    let (st, b) = publish(&approver);
    assert_eq!(st, 200, "{b}");
    let l = link(&s);
    assert_eq!(l["accepted_reason"], "Het archief van de gemeente verhuist; de link komt terug.", "{l}");
    assert_eq!(l["outcome"], "broken", "the link itself is still reported");
    let ed = s.login("beheer@example.org");
    let page = ed.client.get(s.url(&format!("/nl/beheer/algoritme/{id}"))).send().unwrap().text().unwrap();
    assert!(page.contains("Geaccepteerd door de centrale beheerder"), "{page}");
}

//! The authorisation matrix: every route of the router (HTML, JSON API, compatible APIs, feeds), every
//! method, for every kind of caller, compared with the table in `authz_matrix.tsv`. A route without a
//! row fails, so no route ships without someone having looked at who may call it. After a reviewed
//! change, `ALGOREG_UPDATE_MATRIX=1 cargo test -p algoreg --test authz_matrix` rewrites the table; read
//! its diff before committing it.
//!
//! Forms are posted with a valid CSRF token and JSON writes with `{}`, so what the table shows is the
//! authorisation (401, 403, a redirect to the login page) or, for those allowed, how far an empty
//! request gets (422, 400, 404) — never the CSRF check.

use crate::common::*;
use reqwest::blocking::Client;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::PathBuf;

const CALLERS: &[&str] = &[
    "anonymous",
    "editor",
    "approver",
    "org_admin",
    "operator",
    "supervisor",
    "other_org",
    "other_token",
    "own_token",
    "expired_session",
    "revoked_token",
];

struct Caller {
    name: &'static str,
    client: Client,
    /// The account to log in again as, after a route ended the session (logout).
    login: Option<&'static str>,
    bearer: Option<String>,
    csrf: String,
}

fn client() -> Client {
    Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

impl Caller {
    fn new(s: &Server, name: &'static str, login: Option<&'static str>, bearer: Option<String>, session: Option<&str>) -> Caller {
        let client = match session {
            Some(secret) => {
                let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
                jar.add_cookie_str(&format!("algoreg_session={secret}; Path=/"), &s.base.parse().unwrap());
                Client::builder().cookie_provider(jar).redirect(reqwest::redirect::Policy::none()).build().unwrap()
            }
            None => client(),
        };
        let mut c = Caller { name, client, login, bearer, csrf: String::new() };
        c.log_in(s);
        let html = c.client.get(s.url("/nl/login")).send().unwrap().text().unwrap();
        let i = html.find("name=\"_csrf\" value=\"").expect("csrf field") + 20;
        c.csrf = html[i..i + 48].to_string();
        c
    }

    fn log_in(&self, s: &Server) {
        if let Some(email) = self.login {
            let r = self.client.post(s.url("/api/v1/session")).json(&json!({"email": email, "password": PASSWORD})).send().unwrap();
            assert_eq!(r.status(), 200, "{} logs in", self.name);
        }
    }

    fn call(&self, s: &Server, method: &str, path: &str) -> u16 {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut rb = self.client.request(m, s.url(path));
        if let Some(t) = &self.bearer {
            rb = rb.bearer_auth(t);
        }
        if method != "GET" {
            rb = if path.starts_with("/nl/") || path.starts_with("/en/") {
                rb.form(&[("_csrf", self.csrf.as_str())])
            } else {
                rb.json(&json!({}))
            };
        }
        let status = rb.send().unwrap().status().as_u16();
        // A route that ended the session (logout, a password change): log in again for the next one.
        if self.login.is_some() && self.client.get(s.url("/api/v1/session")).send().unwrap().status() == 401 {
            self.log_in(s);
        }
        status
    }
}

struct Fixture {
    record: String,
    tracking_code: String,
    signal_id: String,
    source_id: String,
}

/// A concrete path for a route pattern: every parameter filled with something that exists.
fn concrete(pattern: &str, f: &Fixture) -> String {
    pattern
        .split('/')
        .map(|seg| {
            let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else { return seg.to_string() };
            let has = |s: &str| pattern.contains(s);
            match name {
                "org" => "delft".into(),
                "code" if has("/signaal/") || has("/signals/status/") => f.tracking_code.clone(),
                "code" if has("/incident/") => "0".repeat(64),
                "code" => "delft".into(),
                "id" if has("/beheer/signaal/") || has("/signals/") => f.signal_id.clone(),
                "id" if has("/bronnen/") || has("/sources/") => f.source_id.clone(),
                "id" if has("incident") && !has("/algoritme/") && !has("/algorithms/") => "1".into(),
                "id" if has("/uitnodiging/") => "999".into(),
                // An alert's links are authorised by their token alone: a made-up one finds nothing.
                "id" if has("/meldingen/") => "0".repeat(32),
                "token" => "0".repeat(40),
                "version" => "1.0".into(),
                "id" | "lars" => f.record.clone(),
                "file" if pattern.starts_with("/downloads/") => "register.csv".into(),
                "file" if has("/search/") => "export.csv".into(),
                "file" if has("/feeds/") => "delft.xml".into(),
                "file" => "json".into(),
                "number" => "1".into(),
                "name" => "uk-atrs".into(),
                "urn" => "urn:x".into(),
                "action" => "onbekend".into(),
                "language" => "NLD".into(),
                "search" => "park".into(),
                "secret" => "0".repeat(64),
                "realm" => "algreg".into(),
                // No identity provider is configured here: single sign-on routes answer 404 to everyone
                // (the sso tests run them with a real provider).
                "provider" => "gemeente".into(),
                // The first entry's leaf hash: there once the log has taken in the fixture.
                "*path" => "0/000.p/1".into(),
                other => panic!("no fixture for path parameter {{{other}}} in {pattern}"),
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn table_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/authz_matrix.tsv")
}

fn render(rows: &BTreeMap<String, Vec<u16>>) -> String {
    let mut out = format!("# method path\t{}\n", CALLERS.join("\t"));
    for (k, v) in rows {
        out.push_str(&format!("{k}\t{}\n", v.iter().map(u16::to_string).collect::<Vec<_>>().join("\t")));
    }
    out
}

#[test]
fn every_route_answers_every_kind_of_caller_as_the_table_says() {
    let env = Env::new();
    env.org("delft", "four_eyes");
    env.org("rotterdam", "four_eyes");
    env.user("editor@delft.nl", Some("delft"), &["editor"], false);
    env.user("approver@delft.nl", Some("delft"), &["approver"], false);
    env.user("admin@delft.nl", Some("delft"), &["org_admin"], false);
    env.user("beheer@centraal.nl", None, &[], true);
    env.user("toezicht@centraal.nl", None, &[], false);
    env.with_app(async |app| app.operator().set_supervisor("toezicht@centraal.nl", true).await.expect("supervisor"));
    env.user("alles@rotterdam.nl", Some("rotterdam"), &["editor", "approver", "org_admin"], false);
    let ed = env.token("delft", "editor");
    let ap = env.token("delft", "approver");
    let other_token = env.token("rotterdam", "org_admin");
    // The fourth token (IDs count from 1): revoked below.
    let revoked_secret = env.ok(&["token", "create", "--org", "delft", "--role", "org_admin", "--name", "weg"]).trim().to_string();
    let revoked_id = "4".to_string();
    let s = env.serve_with(&["--signal-limit-address", "0", "--signal-limit-record", "0"]);
    let operator = s.login("beheer@centraal.nl");
    let mut n = 0;
    // A fresh published record of Delft with a signal, and a source of Rotterdam, for every row: what one
    // route did (retract, delete, edit) never changes what the next route meets.
    let mut fresh = || {
        n += 1;
        let record = s.create("delft", &ed, complete_content("Parkeren"));
        assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{record}/actions/release"), Some(&ed), None).0, 200);
        assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{record}/actions/publish"), Some(&ap), None).0, 200);
        let (st, v) = s.send(
            "POST",
            &format!("/api/v1/algorithms/{record}/signals"),
            None,
            Some(json!({"kind": "question", "text": "Hoe wordt de uitkomst gecontroleerd?"})),
        );
        assert_eq!(st, 201, "{v}");
        let tracking_code = v["tracking_code"].as_str().unwrap().to_string();
        let (_, inbox) = s.send("GET", "/api/v1/organisations/delft/signals", Some(&ed), None);
        let signal_id = inbox.as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()).max().unwrap().to_string();
        let (st, v) = operator.send(
            "POST",
            "/api/v1/sources",
            Some(json!({"organisation": "rotterdam", "url": format!("http://127.0.0.1:9/{n}/feed/v1/register.json")})),
        );
        assert_eq!(st, 201, "{v}");
        Fixture { record, tracking_code, signal_id, source_id: v["id"].to_string() }
    };

    // The revoked token: revoked by the organisation's admin.
    let admin = Browser::new(&s);
    admin.login("admin@delft.nl");
    let csrf = admin.csrf();
    assert_eq!(admin.post("/nl/beheer/org/delft/tokens/intrekken", &[("_csrf", &csrf), ("token", &revoked_id)]).0, 200);
    assert_eq!(s.send("GET", "/api/v1/session", Some(&revoked_secret), None).0, 401, "revoked");

    let callers = vec![
        Caller::new(&s, "anonymous", None, None, None),
        Caller::new(&s, "editor", Some("editor@delft.nl"), None, None),
        Caller::new(&s, "approver", Some("approver@delft.nl"), None, None),
        Caller::new(&s, "org_admin", Some("admin@delft.nl"), None, None),
        Caller::new(&s, "operator", Some("beheer@centraal.nl"), None, None),
        Caller::new(&s, "supervisor", Some("toezicht@centraal.nl"), None, None),
        Caller::new(&s, "other_org", Some("alles@rotterdam.nl"), None, None),
        Caller::new(&s, "other_token", None, Some(other_token), None),
        Caller::new(&s, "own_token", None, Some(ed.clone()), None),
        Caller::new(&s, "expired_session", None, None, Some(&"ab".repeat(32))),
        Caller::new(&s, "revoked_token", None, Some(revoked_secret), None),
    ];
    assert_eq!(callers.iter().map(|c| c.name).collect::<Vec<_>>(), CALLERS);

    let mut actual = BTreeMap::new();
    for (methods, pattern) in algoreg_web::route_table() {
        for method in methods.split_whitespace() {
            let f = fresh();
            let path = concrete(&pattern, &f);
            if pattern.starts_with("/log/proof/record/") {
                // The publication log takes in the new record within a second: the same answer for every caller.
                wait_until("the fixture in the publication log", || s.get(&path).status() == 200);
            }
            let row: Vec<u16> = callers.iter().map(|c| c.call(&s, method, &path)).collect();
            actual.insert(format!("{method} {pattern}"), row);
        }
    }
    let rendered = render(&actual);
    if std::env::var("ALGOREG_UPDATE_MATRIX").is_ok() {
        std::fs::write(table_path(), &rendered).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(table_path()).unwrap_or_default();
    let exp: BTreeMap<&str, &str> =
        expected.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).filter_map(|l| l.split_once('\t')).collect();
    let mut problems = vec![];
    for (k, v) in &actual {
        let got = v.iter().map(u16::to_string).collect::<Vec<_>>().join("\t");
        match exp.get(k.as_str()) {
            None => problems.push(format!("no row for {k} (got {got})")),
            Some(e) if *e != got => problems.push(format!("{k}: expected {e}, got {got}")),
            _ => {}
        }
    }
    for k in exp.keys() {
        if !actual.contains_key(*k) {
            problems.push(format!("row for a route that does not exist: {k}"));
        }
    }
    assert!(
        problems.is_empty(),
        "authorisation matrix differs ({} callers: {}):\n{}",
        CALLERS.len(),
        CALLERS.join(", "),
        problems.join("\n")
    );
}

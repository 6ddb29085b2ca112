//! Federation on loopback with real processes: organisations run their own algoreg (or host a static
//! feed), a central algoreg harvests them; every bad-source case is survived with nothing lost.

use crate::common::*;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// A small HTTP server for feeds that misbehave on purpose (and for static feeds).

#[derive(Clone)]
enum Reply {
    /// Status, content type, body.
    Body(u16, &'static str, Vec<u8>),
    /// Headers, then the body in small pieces with a pause between them.
    Slow(Vec<u8>, Duration),
    /// A Content-Length larger than what is sent, then the connection closes.
    Truncated(Vec<u8>),
    /// A redirect to this location.
    Redirect(String),
    /// A gzip-encoded JSON body (Content-Encoding: gzip).
    Gzip(Vec<u8>),
    /// Content type, a `Link` header, body.
    Linked(&'static str, String, Vec<u8>),
}

/// Requests seen: (path, If-None-Match).
type Hits = Arc<Mutex<Vec<(String, Option<String>)>>>;

struct FeedServer {
    pub base: String,
    routes: Arc<Mutex<HashMap<String, Reply>>>,
    pub hits: Hits,
}

impl FeedServer {
    fn start() -> FeedServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let routes: Arc<Mutex<HashMap<String, Reply>>> = Default::default();
        let hits: Hits = Default::default();
        let (r, h) = (routes.clone(), hits.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (r, h) = (r.clone(), h.clone());
                std::thread::spawn(move || serve_one(stream, &r, &h));
            }
        });
        FeedServer { base, routes, hits }
    }

    fn set(&self, path: &str, reply: Reply) {
        self.routes.lock().unwrap().insert(path.to_string(), reply);
    }

    fn json(&self, path: &str, v: &Value) {
        self.set(path, Reply::Body(200, "application/json", serde_json::to_vec(v).unwrap()));
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

fn serve_one(mut stream: TcpStream, routes: &Mutex<HashMap<String, Reply>>, hits: &Mutex<Vec<(String, Option<String>)>>) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    let path = first.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut if_none_match = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("if-none-match") {
                if_none_match = Some(v.trim().to_string());
            }
        }
    }
    hits.lock().unwrap().push((path.clone(), if_none_match.clone()));
    // A route `PATH?*` answers every query on PATH that has no route of its own.
    let reply = {
        let routes = routes.lock().unwrap();
        let any_query = format!("{}?*", path.split('?').next().unwrap_or(""));
        routes.get(&path).or_else(|| routes.get(&any_query)).cloned().unwrap_or(Reply::Body(404, "text/plain", b"not found".to_vec()))
    };
    let _ = match reply {
        Reply::Body(status, ctype, body) => {
            let etag = format!("\"{}\"", body.len() * 31 + body.iter().map(|b| *b as usize).sum::<usize>());
            if status == 200 && if_none_match.as_deref() == Some(etag.as_str()) {
                stream.write_all(format!("HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nConnection: close\r\n\r\n").as_bytes())
            } else {
                let head = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nETag: {etag}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(&body))
            }
        }
        Reply::Slow(body, pause) => {
            let head =
                format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let mut r = stream.write_all(head.as_bytes());
            for piece in body.chunks(64) {
                if r.is_err() {
                    break;
                }
                std::thread::sleep(pause);
                r = stream.write_all(piece);
            }
            r
        }
        Reply::Truncated(body) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len() * 2
            );
            stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(&body))
        }
        Reply::Gzip(body) => {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            enc.write_all(&body).unwrap();
            let z = enc.finish().unwrap();
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                z.len()
            );
            stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(&z))
        }
        Reply::Linked(ctype, link, body) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nLink: {link}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(&body))
        }
        Reply::Redirect(to) => {
            stream.write_all(format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes())
        }
    };
    let _ = stream.flush();
}

// ---------------------------------------------------------------------------------------------
// Helpers.

/// A feed document of `org` with the given records (id, content).
fn feed(org: &str, records: &[(&str, Value)]) -> Value {
    json!({
        "format": "algoreg-feed",
        "format_version": 1,
        "generated_at": "2026-11-23T10:00:00Z",
        "organisations": [{"code": org, "name": format!("Gemeente {org}"), "type": "gemeente"}],
        "records": records.iter().map(|(id, c)| rec(id, org, c.clone())).collect::<Vec<_>>(),
    })
}

/// One feed record; the content names the organisation, as the standard requires.
fn rec(id: &str, org: &str, mut content: Value) -> Value {
    content["organization"] = json!(format!("Gemeente {org}"));
    json!({
        "id": id,
        "organisation": org,
        "first_published_at": "2026-11-01T10:00:00Z",
        "versions": [{"number": 1, "standard_version": "1.0", "published_at": "2026-11-01T10:00:00Z", "content": content}],
    })
}

/// Valid algorithm IDs (8 digits with the check digit) for feeds written by hand.
fn ids(n: usize) -> Vec<String> {
    let env = Env::new();
    let out = env.raw(&["demo", "generate", "--records", &n.to_string(), "--orgs", "1"]);
    let v: Value = serde_json::from_str(&out).expect("demo json");
    v["records"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()).collect()
}

fn harvest(env: &Env, extra: &[&str]) -> (bool, String) {
    let mut args = vec!["harvest", "--harvest-allow", "127.0.0.0/8", "--harvest-timeout", "3s", "--harvest-connect-timeout", "2s"];
    args.extend(extra);
    let out = env.cli(&args);
    (out.status.success(), String::from_utf8_lossy(&out.stdout).to_string())
}

fn source_add(env: &Env, org: &str, url: &str) -> i64 {
    let out = env.ok(&["source", "add", "--org", org, "--url", url]);
    out.split_whitespace().nth(1).and_then(|s| s.trim_end_matches(':').parse().ok()).expect("source id")
}

fn source(env: &Env, id: i64) -> Value {
    serde_json::from_str(&env.ok(&["source", "show", &id.to_string()])).expect("source json")
}

fn export(env: &Env) -> Value {
    serde_json::from_str(&env.ok(&["export", "--format", "json"])).expect("export json")
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(45) {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("timed out waiting for: {what}");
}

struct Org {
    env: Env,
    server: Server,
    code: String,
    editor: String,
    approver: String,
    admin: String,
}

impl Org {
    fn start(code: &str) -> Org {
        let env = Env::new();
        env.org(code, "four_eyes");
        let editor = env.token(code, "editor");
        let approver = env.token(code, "approver");
        let admin = env.token(code, "org_admin");
        let server = env.serve();
        Org { env, server, code: code.to_string(), editor, approver, admin }
    }

    fn publish_new(&self, content: Value) -> String {
        let (st, body) = self.server.send(
            "POST",
            &format!("/api/v1/organisations/{}/algorithms", self.code),
            Some(&self.editor),
            Some(json!({ "content": content })),
        );
        assert_eq!(st, 201, "{body}");
        let id = body["id"].as_str().unwrap().to_string();
        self.release_publish(&id);
        id
    }

    fn release_publish(&self, id: &str) {
        let (st, b) = self.server.send("POST", &format!("/api/v1/algorithms/{id}/actions/release"), Some(&self.editor), None);
        assert_eq!(st, 200, "{b}");
        let (st, b) = self.server.send("POST", &format!("/api/v1/algorithms/{id}/actions/publish"), Some(&self.approver), None);
        assert_eq!(st, 200, "{b}");
    }

    fn change(&self, id: &str, content: Value) {
        let (st, b) =
            self.server.send("PUT", &format!("/api/v1/algorithms/{id}/draft"), Some(&self.editor), Some(json!({ "content": content })));
        assert_eq!(st, 200, "{b}");
        self.release_publish(id);
    }

    fn retract(&self, id: &str) {
        self.server.retract(id, &self.admin, "Niet meer in gebruik");
    }

    fn feed_url(&self) -> String {
        self.server.url("/feed/v1/register.json")
    }
}

// ---------------------------------------------------------------------------------------------

#[test]
fn three_organisations_publish_and_the_central_register_follows_on_schedule() {
    let orgs: Vec<Org> = ["gem-a", "gem-b", "gem-c"].iter().map(|c| Org::start(c)).collect();
    let central = Env::new();
    for o in &orgs {
        central.org(&o.code, "central");
    }
    central.user("beheer@centraal.nl", None, &[], true);
    central.user("redactie@gem-a.nl", Some("gem-a"), &["editor"], false);
    let c = central.serve_with(&["--harvest-allow", "127.0.0.0/8", "--harvest-interval", "1s", "--retract-after", "2"]);
    let op = c.login("beheer@centraal.nl");
    // Sources through the API; the operator only.
    let member = c.login("redactie@gem-a.nl");
    let (st, _) = member.send("POST", "/api/v1/sources", Some(json!({"organisation": "gem-a", "url": orgs[0].feed_url()})));
    assert_eq!(st, 403, "an organisation's member cannot add sources");
    assert_eq!(c.send("GET", "/api/v1/sources", None, None).0, 401);
    let (st, body) = op.send("POST", "/api/v1/sources", Some(json!({"organisation": "gem-a", "url": "ftp://x"})));
    assert_eq!(st, 422, "{body}");
    assert!(body.to_string().contains("url"), "{body}");
    let mut source_ids = vec![];
    for o in &orgs {
        let (st, body) = op.send("POST", "/api/v1/sources", Some(json!({"organisation": o.code, "url": o.feed_url()})));
        assert_eq!(st, 201, "{body}");
        source_ids.push(body["id"].as_i64().unwrap());
    }
    let (st, _) = op.send("POST", "/api/v1/sources", Some(json!({"organisation": "gem-a", "url": orgs[0].feed_url()})));
    assert_eq!(st, 422, "the same feed twice");

    // Each organisation publishes on its own register.
    let mut ids = vec![];
    for o in &orgs {
        ids.push(o.publish_new(complete_content(&format!("Parkeervergunning {}", o.code))));
    }
    for id in &ids {
        wait_for(&format!("{id} harvested"), || c.get(&format!("/api/v1/algorithms/{id}")).status() == 200);
    }
    let rec = c.get_json(&format!("/api/v1/algorithms/{}", ids[0]));
    assert_eq!(rec["content"]["name"], "Parkeervergunning gem-a");
    assert_eq!(rec["provenance"]["source"], "harvest");
    assert_eq!(rec["provenance"]["source_url"], orgs[0].feed_url());
    assert!(rec["provenance"]["content_hash"].as_str().unwrap().starts_with("sha256:"));
    let page = c.get(&format!("/nl/algoritme/{}", ids[0])).text().unwrap();
    assert!(page.contains("Herkomst") && page.contains(&orgs[0].feed_url()), "provenance on the record page");

    // Health: the member sees only their own organisation's source; the operator sees all.
    let (st, mine) = member.send("GET", "/api/v1/sources", None);
    assert_eq!(st, 200);
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["organisation"], "gem-a");
    assert_eq!(member.send("GET", &format!("/api/v1/sources/{}", source_ids[1]), None).0, 404);
    let (_, all) = op.send("GET", "/api/v1/sources", None);
    assert_eq!(all.as_array().unwrap().len(), 3);
    let (_, one) = op.send("GET", &format!("/api/v1/sources/{}", source_ids[0]), None);
    assert!(one["last_success_at"].is_string() && one["last_error"].is_null(), "{one}");
    assert_eq!(one["records"], 1);
    let page = op.client.get(c.url("/nl/beheer/bronnen")).send().unwrap().text().unwrap();
    assert!(page.contains(&orgs[2].feed_url()), "operator's sources page lists every source");

    // A change on an organisation's register arrives as a new published version centrally.
    let mut changed = complete_content("Parkeervergunning gem-a");
    changed["status"] = json!("Buiten gebruik");
    orgs[0].change(&ids[0], changed);
    wait_for("the change harvested", || c.get_json(&format!("/api/v1/algorithms/{}", ids[0]))["content"]["status"] == "Buiten gebruik");
    let history = c.get_json(&format!("/api/v1/algorithms/{}/versions", ids[0]));
    assert_eq!(history.as_array().unwrap().len(), 2, "both published versions are kept centrally");

    // A retraction: the record is gone from the feed; after two successful harvests it is retracted centrally.
    orgs[1].retract(&ids[1]);
    wait_for("the retraction harvested", || c.get(&format!("/api/v1/algorithms/{}", ids[1])).status() == 404);
    assert_eq!(c.get(&format!("/api/v1/algorithms/{}", ids[2])).status(), 200, "the others stay");

    // Harvest now through the API: an unchanged feed answers 304.
    let (st, out) = op.send("POST", &format!("/api/v1/sources/{}/harvest", source_ids[2]), None);
    assert_eq!(st, 200, "{out}");
    assert_eq!(out["outcome"], "not_modified", "{out}");
    assert_eq!(member.send("POST", &format!("/api/v1/sources/{}/harvest", source_ids[0]), None).0, 403);
    // Removing a source keeps its records.
    assert_eq!(op.send("DELETE", &format!("/api/v1/sources/{}", source_ids[2]), None).0, 204);
    assert_eq!(c.get(&format!("/api/v1/algorithms/{}", ids[2])).status(), 200);
}

#[test]
fn the_feed_is_conditional_gzipped_and_the_same_as_the_static_export() {
    let org = Org::start("gem-x");
    let id = org.publish_new(complete_content("Afvalroutes plannen"));
    let r = org.server.get("/feed/v1/register.json");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let last_modified = r.headers()["last-modified"].to_str().unwrap().to_string();
    let served = r.bytes().unwrap().to_vec();
    let v: Value = serde_json::from_slice(&served).unwrap();
    assert_eq!(v["format"], "algoreg-feed");
    assert_eq!(v["format_version"], 1);
    assert_eq!(v["records"][0]["id"], id.as_str());
    assert_eq!(v["records"][0]["organisation"], "gem-x");
    assert_eq!(v["organisations"][0]["code"], "gem-x");
    assert!(v["records"][0]["versions"][0]["published_at"].is_string());

    let get = |h: &str, val: &str| org.server.client.get(org.server.url("/feed/v1/register.json")).header(h, val).send().unwrap();
    assert_eq!(get("If-None-Match", &etag).status(), 304);
    assert_eq!(get("If-None-Match", "\"other\"").status(), 200);
    assert_eq!(get("If-Modified-Since", &last_modified).status(), 304);
    assert_eq!(get("If-Modified-Since", "Mon, 01 Jan 2024 00:00:00 GMT").status(), 200);
    // A client that does not decompress by itself, to see what is on the wire.
    let raw = reqwest::blocking::Client::builder().no_gzip().build().unwrap();
    let gz = raw.get(org.server.url("/feed/v1/register.json")).header("Accept-Encoding", "gzip").send().unwrap();
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let mut unzipped = vec![];
    flate2::read::GzDecoder::new(&gz.bytes().unwrap()[..]).read_to_end(&mut unzipped).unwrap();
    assert_eq!(unzipped, served);

    // A new publication changes the ETag.
    org.publish_new(complete_content("Subsidie toekennen"));
    assert_eq!(get("If-None-Match", &etag).status(), 200);

    // `export --feed DIR` writes the same document as static files.
    let served = org.server.get("/feed/v1/register.json").bytes().unwrap().to_vec();
    let dir = tempfile::tempdir().unwrap();
    org.env.ok(&["export", "--feed", &dir.path().display().to_string()]);
    let file = std::fs::read(dir.path().join("feed/v1/register.json")).unwrap();
    assert_eq!(file, served, "static feed = served feed");
    assert!(dir.path().join("feed/v1/register.json.gz").exists());

    // Hosted on a plain web server, the static feed is harvested like a live one.
    let web = FeedServer::start();
    web.set("/register.json?token=geheim", Reply::Body(200, "application/json", file));
    let central = Env::new();
    central.org("gem-x", "central");
    let sid = source_add(&central, "gem-x", &web.url("/register.json?token=geheim"));
    let (ok, out) = harvest(&central, &[]);
    assert!(ok, "{out}");
    assert!(out.contains("2 new"), "{out}");
    let (ok, out) = harvest(&central, &[]);
    assert!(ok && out.contains("not modified"), "{out}");
    assert!(web.hits.lock().unwrap().last().unwrap().1.is_some(), "the second request was conditional");
    assert_eq!(source(&central, sid)["records"], 2);
    let exported = serde_json::to_string(&export(&central)).unwrap();
    assert!(
        exported.contains(&web.url("/register.json\"")) && !exported.contains("geheim"),
        "provenance without the URL's query (a token)"
    );
    // And `import` reads a feed file too.
    let other = Env::new();
    let f = dir.path().join("feed/v1/register.json");
    let out = other.ok(&["import", &f.display().to_string()]);
    assert!(out.contains("algoreg-feed") && out.contains("2 imported"), "{out}");
}

#[test]
fn bad_sources_are_survived_and_nothing_is_lost() {
    let ids = ids(12);
    let web = FeedServer::start();
    let central = Env::new();
    central.org("gem-a", "central");
    central.org("gem-b", "central");
    let good = |name: &str| complete_content(name);

    // A good source first: its records are the ones that must survive everything below.
    web.json("/a", &feed("gem-a", &[(&ids[0], good("Parkeren")), (&ids[1], good("Subsidies"))]));
    let a = source_add(&central, "gem-a", &web.url("/a"));
    let (ok, out) = harvest(&central, &[]);
    assert!(ok, "{out}");
    let before = export(&central);
    assert_eq!(before["records"].as_array().unwrap().len(), 2, "{out} {}", serde_json::to_string(&source(&central, a)).unwrap());
    assert_eq!(before["records"].as_array().unwrap().len(), 2);

    // Sources for gem-b that misbehave, each in its own way.
    let feed_b = serde_json::to_vec(&feed("gem-b", &[(&ids[2], good("Afval"))])).unwrap();
    let many: Vec<(&str, Value)> = ids[3..9].iter().map(|i| (i.as_str(), good("Veel"))).collect();
    let cases: Vec<(&str, Reply, &str)> = vec![
        ("/malformed", Reply::Body(200, "application/json", b"{\"format\": \"algoreg-feed\", \"records\": [".to_vec()), "JSON"),
        ("/truncated", Reply::Truncated(feed_b.clone()), "onderbroken"),
        ("/html", Reply::Body(200, "text/html", b"<html></html>".to_vec()), "inhoudstype"),
        ("/slow", Reply::Slow(feed_b.clone(), Duration::from_millis(600)), "tijdslimiet"),
        ("/huge", Reply::Body(200, "application/json", vec![b' '; 300_000]), "groter dan"),
        (
            "/many",
            Reply::Body(200, "application/json", serde_json::to_vec(&feed("gem-b", &many)).unwrap()),
            "meer records dan de grens van 5",
        ),
        // Counted before any is read: many tiny items would take far more memory than the feed's size.
        (
            "/tiny",
            Reply::Body(200, "application/json", b"{\"format\": \"algoreg-feed\", \"records\": [1, 1, 1, 1, 1, 1]}".to_vec()),
            "meer records dan de grens",
        ),
        ("/loop", Reply::Redirect("/loop".into()), "doorverwijzingen"),
        ("/status", Reply::Body(500, "text/plain", b"boom".to_vec()), "HTTP-status 500"),
        ("/notafeed", Reply::Body(200, "application/json", b"{\"name\": \"x\"}".to_vec()), "geen algoreg-feed"),
        // An archive is never unpacked, whatever the content type says.
        ("/zip", Reply::Body(200, "application/json", b"PK\x03\x04 not a feed".to_vec()), "geen JSON-object"),
        // 300 kB of spaces compress to almost nothing: the limit counts what comes out of the decompression.
        ("/bomb", Reply::Gzip(vec![b' '; 300_000]), "groter dan"),
        ("/to-private", Reply::Redirect("http://10.255.255.1/feed/v1/register.json".into()), "privé"),
    ];
    let mut sources = vec![];
    for (path, reply, _) in &cases {
        web.set(path, reply.clone());
        sources.push(source_add(&central, "gem-b", &web.url(path)));
    }
    // A server that is not there.
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/feed/v1/register.json", l.local_addr().unwrap())
    };
    let closed_source = source_add(&central, "gem-b", &closed);
    // Not allow-listed: loopback by address and by name is refused.
    let env2 = Env::new();
    env2.org("gem-a", "central");
    let lit = source_add(&env2, "gem-a", &web.url("/a"));
    let name = source_add(&env2, "gem-a", &web.url("/a").replace("127.0.0.1", "localhost"));
    let out = env2.cli(&["harvest"]);
    assert!(!out.status.success());
    for s in [lit, name] {
        let err = source(&env2, s)["last_error"].as_str().unwrap_or("").to_string();
        assert!(err.contains("geweigerd") || err.contains("refused"), "source {s}: {err}");
    }
    // Which internal address a name stands for is not told to the organisation.
    let err = source(&env2, name)["last_error"].as_str().unwrap_or("").to_string();
    assert!(!err.contains("127.0.0.1"), "{err}");
    assert_eq!(export(&env2)["records"].as_array().unwrap().len(), 0);

    // One run harvests them all: the good source is not held up by the bad ones.
    web.json("/a", &feed("gem-a", &[(&ids[0], good("Parkeren")), (&ids[1], good("Subsidies")), (&ids[9], good("Nieuw"))]));
    let started = Instant::now();
    let (ok, out) = harvest(&central, &["--harvest-max-bytes", "200000", "--harvest-max-records", "5", "--harvest-max-redirects", "3"]);
    assert!(!ok, "failures make the exit code non-zero: {out}");
    assert!(started.elapsed() < Duration::from_secs(30), "bounded by the time limits");
    assert!(out.contains("1 new"), "{out}");
    for ((path, _, words), sid) in cases.iter().zip(&sources) {
        let s = source(&central, *sid);
        assert_eq!(s["last_outcome"], "failed", "{path}: {s}");
        let err = s["last_error"].as_str().unwrap();
        assert!(err.contains(words), "{path}: expected {words:?} in {err:?}");
        assert_eq!(s["failures"], 1);
        assert!(s["last_success_at"].is_null());
    }
    let s = source(&central, closed_source);
    assert!(s["last_error"].as_str().unwrap().contains("verbinding"), "{s}");
    assert_eq!(source(&central, a)["last_outcome"], "changed");
    let after = export(&central);
    assert_eq!(after["records"].as_array().unwrap().len(), 3, "the good source's new record came in, nothing else changed");
    for r in before["records"].as_array().unwrap() {
        assert!(after["records"].as_array().unwrap().contains(r), "{} unchanged", r["id"]);
    }

    // A good source that turns bad keeps its records: nothing is removed or corrupted.
    web.set("/a", Reply::Body(200, "application/json", b"{\"format\": \"algoreg-feed\", \"format_version\": 1, \"records\": [{".to_vec()));
    let (_, out) = harvest(&central, &["--source", &a.to_string()]);
    assert!(out.contains("failed"), "{out}");
    assert_eq!(export(&central)["records"], after["records"]);
    // Failures back off: the next attempt is later than the first retry.
    let s = source(&central, a);
    assert_eq!(s["failures"], 1);
    assert!(s["next_due_at"].as_str().unwrap() > s["last_attempt_at"].as_str().unwrap());

    // Records of another organisation, duplicate IDs, invalid records and IDs owned elsewhere are
    // refused one by one, with reasons per field; the valid ones in the same feed come in.
    let mut bad = good("Onvolledig");
    bad.as_object_mut().unwrap().remove("description_short");
    bad["status"] = json!("Misschien");
    let mixed = json!({
        "format": "algoreg-feed", "format_version": 1,
        "organisations": [{"code": "gem-b", "name": "Gemeente gem-b", "type": "gemeente"}, {"code": "gem-a", "name": "Gemeente gem-a", "type": "gemeente"}],
        "records": [
            rec(&ids[2], "gem-b", good("Afval")),
            rec(&ids[10], "gem-a", good("Ander")),
            rec(&ids[11], "gem-b", good("Dubbel 1")),
            rec(&ids[11], "gem-b", good("Dubbel 2")),
            rec(&ids[3], "gem-b", bad),
            rec(&ids[0], "gem-b", good("Kaping")),
        ]
    });
    web.json("/mixed", &mixed);
    let m = source_add(&central, "gem-b", &web.url("/mixed"));
    let (_, out) = harvest(&central, &["--source", &m.to_string()]);
    assert!(out.contains("1 new") && out.contains("5 rejected"), "{out}");
    let s = source(&central, m);
    let reasons = |id: &str| -> String {
        s["rejected"].as_array().unwrap().iter().filter(|r| r["id"] == id).map(|r| r["reasons"].to_string()).collect::<Vec<_>>().join(" ")
    };
    assert!(reasons(&ids[10]).contains("organisation"), "{s}");
    assert!(reasons(&ids[11]).contains("vaker"), "{s}");
    assert!(reasons(&ids[3]).contains("description_short") && reasons(&ids[3]).contains("status"), "{s}");
    assert!(reasons(&ids[0]).contains("andere organisatie (gem-a)"), "the holder named: {s}");
    let now = export(&central);
    let kept = now["records"].as_array().unwrap().iter().find(|r| r["id"] == ids[0].as_str()).unwrap().clone();
    assert_eq!(kept["organisation"], "gem-a", "a feed cannot take over another organisation's record");
    assert_eq!(kept["versions"].as_array().unwrap().len(), 1);

    // An invalid new version of a record already here leaves the current version untouched.
    let mut broken = good("Afval");
    broken["begin_date"] = json!("gisteren");
    web.json(
        "/mixed",
        &json!({"format": "algoreg-feed", "format_version": 1, "organisations": [], "records": [rec(&ids[2], "gem-b", broken)]}),
    );
    let (_, out) = harvest(&central, &["--source", &m.to_string()]);
    assert!(out.contains("1 rejected") && out.contains("0 updated"), "{out}");
    assert!(source(&central, m)["rejected"].to_string().contains("begin_date"));
    let afval = |e: &Value| e["records"].as_array().unwrap().iter().find(|r| r["id"] == ids[2].as_str()).cloned().unwrap();
    assert_eq!(afval(&export(&central)), afval(&now));
}

#[test]
fn a_harvest_killed_halfway_loses_nothing_and_the_next_one_completes() {
    let ids = ids(40);
    let web = FeedServer::start();
    let central = Env::new();
    central.org("gem-a", "central");
    let first: Vec<(&str, Value)> = ids[..10].iter().map(|i| (i.as_str(), complete_content(&format!("Eerste {i}")))).collect();
    web.json("/a", &feed("gem-a", &first));
    let sid = source_add(&central, "gem-a", &web.url("/a"));
    assert!(harvest(&central, &[]).0);
    let before = export(&central);
    let health = source(&central, sid);

    // The next feed is large and arrives slowly; the harvest is killed while it reads.
    let all: Vec<(&str, Value)> = ids.iter().map(|i| (i.as_str(), complete_content(&format!("Tweede {i}")))).collect();
    let body = serde_json::to_vec(&feed("gem-a", &all)).unwrap();
    web.set("/a", Reply::Slow(body.clone(), Duration::from_millis(20)));
    let mut child = central
        .command(&["harvest", "--harvest-allow", "127.0.0.0/8", "--harvest-timeout", "60s"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_for("the slow fetch started", || web.hits.lock().unwrap().len() >= 2);
    std::thread::sleep(Duration::from_millis(500));
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(export(&central)["records"], before["records"], "nothing half-written");
    assert_eq!(source(&central, sid), health, "the source is as it was");

    // Restarted, the harvest completes.
    web.set("/a", Reply::Body(200, "application/json", body));
    let (ok, out) = harvest(&central, &[]);
    assert!(ok, "{out}");
    let now = export(&central);
    assert_eq!(now["records"].as_array().unwrap().len(), 40);
    let one = now["records"].as_array().unwrap().iter().find(|r| r["id"] == ids[0].as_str()).unwrap();
    assert_eq!(one["versions"].as_array().unwrap().len(), 2);
    assert_eq!(source(&central, sid)["records"], 40);
}

#[test]
fn records_missing_from_a_feed_are_retracted_only_after_enough_successful_harvests() {
    let ids = ids(3);
    let web = FeedServer::start();
    let central = Env::new();
    central.org("gem-a", "central");
    let recs: Vec<(&str, Value)> = ids.iter().map(|i| (i.as_str(), complete_content(&format!("Record {i}")))).collect();
    web.json("/a", &feed("gem-a", &recs));
    source_add(&central, "gem-a", &web.url("/a"));
    assert!(harvest(&central, &[]).0);
    let public = |env: &Env| export(env)["records"].as_array().unwrap().len();
    assert_eq!(public(&central), 3);

    // The feed drops one record; a failing harvest in between does not count.
    web.json("/a", &feed("gem-a", &recs[..2]));
    assert!(harvest(&central, &["--retract-after", "3"]).0);
    assert_eq!(public(&central), 3, "missing once");
    web.set("/a", Reply::Body(500, "text/plain", vec![]));
    assert!(!harvest(&central, &["--retract-after", "3"]).0);
    web.json("/a", &feed("gem-a", &recs[..2]));
    let (_, out) = harvest(&central, &["--retract-after", "3"]);
    assert!(out.contains("not modified"), "{out}");
    assert_eq!(public(&central), 3, "missing twice (an unchanged feed counts)");
    let (_, out) = harvest(&central, &["--retract-after", "3"]);
    assert!(out.contains("1 retracted"), "{out}");
    assert_eq!(public(&central), 2, "retracted after the third successful harvest");

    // It comes back when the feed has it again.
    web.json("/a", &feed("gem-a", &recs));
    assert!(harvest(&central, &["--retract-after", "3"]).0);
    assert_eq!(public(&central), 3);
}

#[test]
fn the_operators_retraction_stands_and_harvested_translations_are_sanitised() {
    let ids = ids(3);
    let web = FeedServer::start();
    let central = Env::new();
    central.org("gem-a", "central");
    central.user("beheer@centraal.nl", None, &[], true);
    let mut first = rec(&ids[0], "gem-a", complete_content("Parkeren"));
    first["versions"][0]["provenance"] = json!({"translations": {"ENG": {"content": {
        "name": "Parking",
        "description_short": "<p onclick=\"steal()\">Checks parking permits.</p><script>alert(1)</script>",
        "made_up_field": "x",
    }}}});
    let doc = |records: Vec<Value>| json!({"format": "algoreg-feed", "format_version": 1, "organisations": [], "records": records});
    web.json("/a", &doc(vec![first.clone(), rec(&ids[1], "gem-a", complete_content("Afval"))]));
    source_add(&central, "gem-a", &web.url("/a"));
    assert!(harvest(&central, &[]).0);
    let exported = serde_json::to_string(&export(&central)).unwrap();
    assert!(exported.contains("Checks parking permits."), "the translation is kept");
    assert!(!exported.contains("onclick") && !exported.contains("<script") && !exported.contains("made_up_field"), "{exported}");

    // The operator takes a harvested record down; the next harvest (the feed changed elsewhere) leaves it down.
    let s = central.serve_with(&["--harvest-interval", "1h"]);
    let op = s.login("beheer@centraal.nl");
    let (st, b) = op.send("POST", &format!("/api/v1/algorithms/{}/actions/retract", ids[0]), Some(json!({"reason": "Onjuiste inhoud"})));
    assert_eq!(st, 200, "{b}");
    web.json("/a", &doc(vec![first, rec(&ids[1], "gem-a", complete_content("Afval")), rec(&ids[2], "gem-a", complete_content("Nieuw"))]));
    let (ok, out) = harvest(&central, &[]);
    assert!(ok && out.contains("1 new"), "{out}");
    assert_eq!(s.get(&format!("/api/v1/algorithms/{}", ids[0])).status(), 404, "the operator's retraction stands");
    assert_eq!(s.get(&format!("/api/v1/algorithms/{}", ids[2])).status(), 200);
}

#[test]
fn a_source_with_oai_pmh_is_harvested_incrementally_and_a_retraction_arrives_at_once() {
    let org = Org::start("gem-o");
    let central = Env::new();
    central.org("gem-o", "central");
    central.user("beheer@centraal.nl", None, &[], true);
    let a = org.publish_new(complete_content("Parkeervergunning"));
    let b = org.publish_new(complete_content("Afvalroutes"));
    let c = central.serve_with(&["--harvest-allow", "127.0.0.0/8", "--retract-after", "3"]);
    let op = c.login("beheer@centraal.nl");
    let oai = org.server.url("/oai");
    let (st, body) = op.send("POST", "/api/v1/sources", Some(json!({"organisation": "gem-o", "url": oai})));
    assert_eq!(st, 201, "{body}");
    let source = body["id"].as_i64().unwrap();
    let harvest = || {
        let (st, r) = op.send("POST", &format!("/api/v1/sources/{source}/harvest"), None);
        assert_eq!(st, 200, "{r}");
        r
    };
    // The first harvest takes everything, with every published version.
    let r = harvest();
    assert_eq!((r["outcome"].as_str(), r["new"].as_u64()), (Some("changed"), Some(2)), "{r}");
    assert_eq!(c.get_json(&format!("/api/v1/algorithms/{a}"))["content"]["name"], "Parkeervergunning");
    // Nothing changed: nothing is written.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(harvest()["outcome"], "not_modified");
    // A change and a retraction: the change as a new version, the retraction at once (not after three harvests).
    let mut changed = complete_content("Parkeervergunning");
    changed["status"] = json!("Buiten gebruik");
    org.change(&a, changed);
    org.retract(&b);
    let r = harvest();
    assert_eq!((r["updated"].as_u64(), r["retracted"].as_u64()), (Some(1), Some(1)), "{r}");
    assert_eq!(c.get_json(&format!("/api/v1/algorithms/{a}"))["content"]["status"], "Buiten gebruik");
    assert_eq!(c.get(&format!("/api/v1/algorithms/{b}")).status(), 404, "retracted at the first harvest");
    // And quiet again.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(harvest()["outcome"], "not_modified");
    let (_, s) = op.send("GET", &format!("/api/v1/sources/{source}"), None);
    assert!(s["last_error"].is_null() && s["records"].as_u64() == Some(1), "{s}");
}

#[test]
fn a_source_that_rewrites_its_history_is_refused_and_its_records_here_stay() {
    // The organisation's register on a fixed port and address, so that it can be restarted as itself.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let args = ["--addr", addr.as_str(), "--public-url", "https://gem-l.example"];
    let org = Env::new();
    org.org("gem-l", "four_eyes");
    let (editor, approver) = (org.token("gem-l", "editor"), org.token("gem-l", "approver"));
    let o = org.serve_with(&args);
    let a = o.publish_new("gem-l", &editor, &approver, complete_content("Parkeervergunning"));
    let size = |s: &Server| s.get("/log/checkpoint").text().unwrap().lines().nth(1).and_then(|l| l.parse::<u64>().ok()).unwrap_or(0);
    wait_until("the first entry in the organisation's log", || size(&o) == 1);

    let central = Env::new();
    central.org("gem-l", "central");
    central.user("beheer@centraal.nl", None, &[], true);
    let c = central.serve_with(&["--harvest-allow", "127.0.0.0/8"]);
    let op = c.login("beheer@centraal.nl");
    let (st, body) = op.send("POST", "/api/v1/sources", Some(json!({"organisation": "gem-l", "url": o.url("/feed/v1/register.json")})));
    assert_eq!(st, 201, "{body}");
    let source = body["id"].as_i64().unwrap();
    let harvest = || op.send("POST", &format!("/api/v1/sources/{source}/harvest"), None).1;
    assert_eq!(harvest()["new"], 1);
    // The log grows honestly: accepted.
    let b = o.publish_new("gem-l", &editor, &approver, complete_content("Afvalroutes"));
    wait_until("two entries", || size(&o) == 2);
    let r = harvest();
    assert_eq!((r["outcome"].as_str(), r["new"].as_u64()), (Some("changed"), Some(1)), "{r}");

    // The organisation's register rewrites its first entry and starts again, signing the new log.
    drop(o);
    let file = std::path::Path::new(&org.data()).join("algoreg.db");
    if org.database().is_none() {
        std::thread::spawn(move || {
            block_on(async move {
                use sqlx::{ConnectOptions, Connection};
                let mut c = sqlx::sqlite::SqliteConnectOptions::new().filename(&file).connect().await.unwrap();
                sqlx::query("UPDATE log_entries SET content_hash = 'sha256:00' WHERE idx = 0").execute(&mut c).await.unwrap();
                let _ = c.close().await;
            })
        })
        .join()
        .unwrap();
    } else {
        pg_count(
            org.database().unwrap(),
            "WITH u AS (UPDATE log_entries SET content_hash = $1 WHERE idx = 0 RETURNING 1) SELECT count(*) FROM u",
            "sha256:00",
        );
    }
    let o = org.serve_with(&args);
    let mut changed = complete_content("Parkeervergunning");
    changed["status"] = json!("Buiten gebruik");
    assert_eq!(o.send("PUT", &format!("/api/v1/algorithms/{a}/draft"), Some(&editor), Some(json!({"content": changed}))).0, 200);
    assert_eq!(o.send("POST", &format!("/api/v1/algorithms/{a}/actions/release"), Some(&editor), None).0, 200);
    assert_eq!(o.send("POST", &format!("/api/v1/algorithms/{a}/actions/publish"), Some(&approver), None).0, 200);
    wait_until("three entries", || size(&o) == 3);
    let r = harvest();
    assert_eq!(r["outcome"], "failed", "{r}");
    assert!(r["error"].as_str().unwrap().contains("rewrote its history"), "{r}");
    // Nothing changed here: the records stay as they were, and the operator sees why.
    assert_eq!(c.get_json(&format!("/api/v1/algorithms/{a}"))["content"]["status"], "In gebruik");
    assert_eq!(c.get(&format!("/api/v1/algorithms/{b}")).status(), 200);
    let (_, s) = op.send("GET", &format!("/api/v1/sources/{source}"), None);
    assert!(s["last_error"].as_str().unwrap_or("").contains("rewrote its history"), "{s}");
}

#[test]
fn a_higher_level_harvests_a_central_register_with_the_original_provenance_and_loops_are_refused() {
    let org = Org::start("gem-h");
    let a = org.publish_new(complete_content("Parkeervergunning"));
    // The central register harvests the organisation; the national one harvests the central one.
    let levels: Vec<(Env, Server)> = (0..2)
        .map(|_| {
            let env = Env::new();
            env.org("gem-h", "central");
            env.user("beheer@register.nl", None, &[], true);
            let s = env.serve_with(&["--harvest-allow", "127.0.0.0/8"]);
            (env, s)
        })
        .collect();
    let (central, national) = (&levels[0].1, &levels[1].1);
    let add = |s: &Server, url: String| {
        let op = s.login("beheer@register.nl");
        let (st, body) = op.send("POST", "/api/v1/sources", Some(json!({"organisation": "gem-h", "url": url})));
        assert_eq!(st, 201, "{body}");
        let id = body["id"].as_i64().unwrap();
        move || op.send("POST", &format!("/api/v1/sources/{id}/harvest"), None).1
    };
    let org_feed = org.feed_url();
    let central_feed = central.url("/feed/v1/register.json");
    let harvest_central = add(central, org_feed.clone());
    assert_eq!(harvest_central()["new"], 1);
    let harvest_national = add(national, central_feed.clone());
    assert_eq!(harvest_national()["new"], 1);
    let rec = national.get_json(&format!("/api/v1/algorithms/{a}"));
    assert_eq!(rec["content"]["name"], "Parkeervergunning");
    assert_eq!(rec["provenance"]["source_url"], central_feed.as_str(), "harvested from the central register");
    assert_eq!(rec["provenance"]["origin"], org_feed.as_str(), "first published by the organisation: {rec}");
    assert_eq!(rec["provenance"]["via"], json!([org_feed, central_feed]));
    // A change at the organisation reaches both levels.
    let mut changed = complete_content("Parkeervergunning");
    changed["status"] = json!("Buiten gebruik");
    org.change(&a, changed);
    assert_eq!(harvest_central()["updated"], 1);
    assert_eq!(harvest_national()["updated"], 1);
    assert_eq!(national.get_json(&format!("/api/v1/algorithms/{a}"))["content"]["status"], "Buiten gebruik");
    // The central register harvesting the national one would take back its own records: refused as a loop.
    let harvest_loop = add(central, national.url("/feed/v1/register.json"));
    let r = harvest_loop();
    assert_eq!((r["new"].as_u64(), r["updated"].as_u64(), r["rejected"].as_u64()), (Some(0), Some(0), Some(1)), "{r}");
    let op = central.login("beheer@register.nl");
    let (_, sources) = op.send("GET", "/api/v1/sources", None);
    assert!(sources.to_string().contains("a loop"), "the operator sees why: {sources}");
}

#[test]
fn four_registers_two_organisations_a_national_and_a_european_one_follow_each_other_with_provenance_and_proofs() {
    let (a, b) = (Org::start("gem-a"), Org::start("gem-b"));
    let level = || {
        let env = Env::new();
        env.org("gem-a", "central");
        env.org("gem-b", "central");
        env.user("beheer@register.nl", None, &[], true);
        let s = env.serve_with(&["--harvest-allow", "127.0.0.0/8"]);
        (env, s)
    };
    let ((_n_env, national), (_e_env, european)) = (level(), level());
    let add = |s: &Server, org: &str, url: String| {
        let op = s.login("beheer@register.nl");
        let (st, body) = op.send("POST", "/api/v1/sources", Some(json!({"organisation": org, "url": url})));
        assert_eq!(st, 201, "{body}");
        let id = body["id"].as_i64().unwrap();
        move || {
            let r = op.send("POST", &format!("/api/v1/sources/{id}/harvest"), None).1;
            assert_ne!(r["outcome"], "failed", "{r}");
            r
        }
    };
    // The national register harvests one organisation's feed (which names its OAI-PMH address: after
    // the first harvest it is harvested there) and the other's OAI-PMH; the European one harvests the
    // national register per organisation (its OAI-PMH sets).
    let (a_feed, b_oai, n_oai) = (a.feed_url(), b.server.url("/oai"), national.url("/oai"));
    let n_a = add(&national, "gem-a", a_feed.clone());
    let n_b = add(&national, "gem-b", b_oai.clone());
    let e_a = add(&european, "gem-a", format!("{n_oai}?set=org:gem-a"));
    let e_b = add(&european, "gem-b", format!("{n_oai}?set=org:gem-b"));
    let all = |steps: &[&dyn Fn() -> Value]| steps.iter().for_each(|f| drop(f()));

    // Publish on both organisations' registers: it arrives at both levels.
    let a1 = a.publish_new(complete_content("Parkeervergunningen"));
    let b1 = b.publish_new(complete_content("Afvalroutes"));
    let b2 = b.publish_new(complete_content("Bijstand toetsen"));
    let a2 = a.publish_new(complete_content("Leerlingenvervoer"));
    all(&[&n_a, &n_b]);
    let op = national.login("beheer@register.nl");
    let sources = op.send("GET", "/api/v1/sources", None).1;
    let found = sources.as_array().unwrap().iter().find(|s| s["url"] == a_feed.as_str()).unwrap().clone();
    assert_eq!(found["oai_url"], format!("{}?set=org:gem-a", a.server.url("/oai")), "found in the feed's Link header: {found}");
    all(&[&e_a, &e_b]);
    for id in [&a1, &b1, &b2] {
        assert_eq!(european.get(&format!("/api/v1/algorithms/{id}")).status(), 200, "{id} at the European level");
    }
    let rec = european.get_json(&format!("/api/v1/algorithms/{a1}"));
    assert_eq!(rec["provenance"]["origin"], a_feed.as_str(), "{rec}");
    assert_eq!(rec["provenance"]["via"], json!([a_feed, n_oai]));
    assert_eq!(european.get_json(&format!("/api/v1/algorithms/{b1}"))["provenance"]["origin"], b_oai.as_str());
    // With the origin's proof carried up intact: signed by the organisation's own key, for this content.
    let (a_key, b_key) = (a.server.get("/log/key").text().unwrap(), b.server.get("/log/key").text().unwrap());
    let origin_version = |s: &Server, id: &str, key: &str| -> u64 {
        let rec = s.get_json(&format!("/api/v1/algorithms/{id}"));
        let p = &rec["provenance"]["origin_log"];
        assert_eq!(p["key"].as_str(), Some(key.trim()), "{rec}");
        let c = algoreg_tlog::Checkpoint::open(p["checkpoint"].as_str().unwrap(), key.trim()).unwrap();
        let leaf: Value = serde_json::from_str(p["leaf"].as_str().unwrap()).unwrap();
        assert_eq!((leaf["record"].as_str(), &leaf["content_hash"]), (Some(id), &rec["provenance"]["content_hash"]));
        let proof: Vec<algoreg_tlog::Hash> =
            p["proof"].as_array().unwrap().iter().map(|h| b64(h.as_str().unwrap()).try_into().unwrap()).collect();
        let index = p["index"].as_u64().unwrap();
        assert!(algoreg_tlog::verify_inclusion(
            &algoreg_tlog::leaf_hash(p["leaf"].as_str().unwrap().as_bytes()),
            index,
            c.size,
            &proof,
            &c.root
        ));
        leaf["version"].as_u64().unwrap()
    };
    for s in [&national, &european] {
        assert_eq!(origin_version(s, &a1, &a_key), 1);
        assert_eq!(origin_version(s, &b1, &b_key), 1);
    }
    // The European catalogue republishes them with their provenance, and still passes the shapes.
    let catalogue = european.get("/catalog.ttl").text().unwrap();
    assert!(catalogue.contains("dct:ProvenanceStatement") && catalogue.contains(&format!("Eerst gepubliceerd in {a_feed}")), "{catalogue}");
    assert!(catalogue.contains("het logboek van de oorsprong deze inhoud bevat"), "with the origin's proof");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.ttl"), &catalogue).unwrap();
    let report = crate::open_data::shacl(&[(&dir.path().join("c.ttl"), "turtle")], false);
    assert_eq!(report["turtle"]["count"], 0, "{}", report["turtle"]["violations"]);
    let page = european.get(&format!("/nl/algoritme/{a1}/bewijs")).text().unwrap();
    assert!(
        page.contains("Ook bewezen bij de organisatie zelf") && page.contains("de registers daartussen de inhoud niet hebben veranderd"),
        "{page}"
    );

    // A change arrives as a new version at both levels.
    let mut changed = complete_content("Parkeervergunningen");
    changed["status"] = json!("Buiten gebruik");
    a.change(&a1, changed);
    all(&[&n_a, &e_a]);
    assert_eq!(national.get_json(&format!("/api/v1/algorithms/{a1}"))["content"]["status"], "Buiten gebruik");
    assert_eq!(european.get_json(&format!("/api/v1/algorithms/{a1}"))["content"]["status"], "Buiten gebruik");
    assert_eq!(origin_version(&european, &a1, &a_key), 2, "the new version with its own proof from the organisation");

    // A register on the way that changes a record cannot keep the origin's proof: the change is
    // caught, whether it keeps the proof, drops it, or signs a proof of its own.
    let forger = FeedServer::start();
    let original: Value = national.get_json("/feed/v1/register.json");
    let forge = |change: &dyn Fn(&mut Value)| {
        let mut forged = original.clone();
        forged["records"].as_array_mut().unwrap().retain(|r| r["id"] == a1.as_str());
        let last = forged["records"][0]["versions"].as_array_mut().unwrap().last_mut().unwrap();
        last["content"]["status"] = json!("In gebruik");
        change(last);
        forger.json("/feed/v1/register.json", &forged);
    };
    let harvest_forger = add(&european, "gem-a", forger.url("/feed/v1/register.json"));
    let own_key = |last: &mut Value| {
        // A key of its own under the organisation's log name, and a one-entry log for the new content.
        let name = a_key.trim().split('+').next().unwrap().to_string();
        let signer = algoreg_tlog::Signer::from_pkcs8(&name, &algoreg_tlog::Signer::generate().unwrap()).unwrap();
        let content: algoreg_standard::Content = serde_json::from_value(last["content"].clone()).unwrap();
        let hash = algoreg_service::federation::feed::content_hash(last["standard_version"].as_str().unwrap(), &content);
        let leaf =
            json!({"record": a1, "version": 2, "event": "publish", "content_hash": hash, "at": "2026-12-04T10:00:00.000000Z"}).to_string();
        let note = signer.sign(&algoreg_tlog::Checkpoint { origin: name, size: 1, root: algoreg_tlog::leaf_hash(leaf.as_bytes()) });
        last["provenance"]["origin_log"] =
            json!({"key": signer.verifier_key(), "index": 0, "size": 1, "leaf": leaf, "proof": [], "checkpoint": note});
    };
    // Or serves an older version again, with that version's real proof.
    let first = original["records"].as_array().unwrap().iter().find(|r| r["id"] == a1.as_str()).unwrap()["versions"][0].clone();
    let rollback = |last: &mut Value| {
        last["content"] = first["content"].clone();
        last["provenance"] = first["provenance"].clone();
    };
    for (change, why) in [
        (&(|_: &mut Value| {}) as &dyn Fn(&mut Value), "the origin logged other content"),
        (&|last: &mut Value| drop(last["provenance"].as_object_mut().unwrap().remove("origin_log")), "comes without"),
        (&own_key, "another key than the one known for its origin"),
        (&rollback, "older than the version here"),
        (&|last: &mut Value| drop(last["provenance"].as_object_mut().unwrap().remove("origin")), "another origin than the version here"),
    ] {
        forge(change);
        let r = harvest_forger();
        assert_eq!((r["rejected"].as_u64(), r["updated"].as_u64()), (Some(1), Some(0)), "{why}: {r}");
        let op = european.login("beheer@register.nl");
        assert!(op.send("GET", "/api/v1/sources", None).1.to_string().contains(why), "{why}");
    }
    assert_eq!(european.get_json(&format!("/api/v1/algorithms/{a1}"))["content"]["status"], "Buiten gebruik", "nothing changed");

    // A retraction arrives as a deletion at once, at both levels (OAI-PMH all the way; for the
    // organisation with a feed, at the address its feed named).
    b.retract(&b2);
    a.retract(&a2);
    all(&[&n_a, &n_b, &e_a, &e_b]);
    for id in [&b2, &a2] {
        assert_eq!(national.get(&format!("/api/v1/algorithms/{id}")).status(), 404, "{id}");
        assert_eq!(european.get(&format!("/api/v1/algorithms/{id}")).status(), 404, "{id}");
    }
    assert_eq!(european.get(&format!("/api/v1/algorithms/{b1}")).status(), 200, "the other record stays");

    // Every level's log verifies, with every published version in it.
    let size = |s: &Server| s.get("/log/checkpoint").text().unwrap().lines().nth(1).and_then(|l| l.parse::<u64>().ok()).unwrap_or(0);
    for (name, s, entries) in [("organisation A", &a.server, 2), ("national", &national, 5), ("European", &european, 5)] {
        wait_until(&format!("the {name} log"), || size(s) >= entries);
        let o = std::process::Command::new(BIN).args(["verify", &s.base]).output().unwrap();
        let out = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success() && out.contains("signature and root verified"), "{name}: {out}");
        if name != "organisation A" {
            assert!(out.contains("carry their origin's proof, and every one holds"), "{name}: {out}");
        }
    }
}

fn b64(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

#[test]
fn a_source_whose_proofs_cannot_be_had_is_harvested_without_them() {
    let org = Org::start("gem-w");
    let a = org.publish_new(complete_content("Parkeervergunningen"));
    // A copy of the organisation's register with its log, whose proof answers are not proofs.
    let copy = FeedServer::start();
    copy.json("/feed/v1/register.json", &org.server.get_json("/feed/v1/register.json"));
    for file in ["key", "checkpoint"] {
        copy.set(
            &format!("/log/{file}"),
            Reply::Body(200, "text/plain", org.server.get(&format!("/log/{file}")).bytes().unwrap().to_vec()),
        );
    }
    copy.json(&format!("/log/proof/record/{a}"), &json!([1, 2, 3]));
    let env = Env::new();
    env.org("gem-w", "central");
    let id = source_add(&env, "gem-w", &copy.url("/feed/v1/register.json"));
    let (ok, out) = harvest(&env, &[]);
    assert!(ok, "{out}");
    let rec = export(&env).to_string();
    assert!(rec.contains(&a) && !rec.contains("origin_log"), "taken in, without a proof: {rec}");
    assert!(source(&env, id)["last_error"].is_null(), "{}", source(&env, id));
}

#[test]
fn the_harvest_command_refuses_loops_through_the_public_address_it_is_given() {
    let id = ids(1).remove(0);
    let mut f = feed("gem-l", &[(id.as_str(), complete_content("Parkeervergunningen"))]);
    let own = "https://centraal.example/feed/v1/register.json";
    f["records"][0]["versions"][0]["provenance"] = json!({"origin": "https://gem-l.example/feed/v1/register.json", "via": [own]});
    let server = FeedServer::start();
    server.json("/feed.json", &f);
    let env = Env::new();
    env.org("gem-l", "central");
    let src = source_add(&env, "gem-l", &server.url("/feed.json"));
    // Given the address, this register sees its own feed on the record's path: a loop, refused.
    let (ok, out) = harvest(&env, &["--public-url", "https://centraal.example/"]);
    assert!(ok, "{out}");
    let s = source(&env, src);
    assert!(s.to_string().contains("a loop"), "{s}");
    assert!(!export(&env).to_string().contains(&id));
}

#[test]
fn a_feed_that_names_its_oai_pmh_address_is_harvested_there_page_by_page() {
    let server = FeedServer::start();
    let link = "<../../oai>; rel=\"http://www.openarchives.org/OAI/2.0/\"; type=\"text/xml\"";
    let empty = serde_json::to_vec(&feed("gem-x", &[])).unwrap();
    server.set("/feed/v1/register.json", Reply::Linked("application/json", link.into(), empty));
    // The OAI-PMH answers: 150 registrations on two pages.
    let all = ids(150);
    let page = |ids: &[String], token: Option<&str>| {
        let records: String = ids
            .iter()
            .map(|id| {
                let json = rec(id, "gem-x", complete_content(&format!("Registratie {id}"))).to_string();
                let json = json.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
                format!(
                    "<record><header><identifier>oai:x:{id}</identifier><datestamp>2026-12-04T09:00:00Z</datestamp></header>\
                     <metadata><registration xmlns=\"https://algoreg.nl/ns/oai/registration/1\"><json>{json}</json></registration></metadata></record>"
                )
            })
            .collect();
        let token = token.map(|t| format!("<resumptionToken>{t}</resumptionToken>")).unwrap_or_default();
        format!(
            "<?xml version=\"1.0\"?><OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\"><responseDate>2026-12-04T10:00:00Z</responseDate>\
             <ListRecords>{records}{token}</ListRecords></OAI-PMH>"
        )
        .into_bytes()
    };
    server.set("/oai?*", Reply::Body(200, "text/xml", page(&all[..100], Some("tweede"))));
    server.set("/oai?verb=ListRecords&resumptionToken=tweede", Reply::Body(200, "text/xml", page(&all[100..], None)));
    let env = Env::new();
    env.org("gem-x", "central");
    let id = source_add(&env, "gem-x", &server.url("/feed/v1/register.json"));
    // The first harvest reads the (empty) feed and finds the address; the second pages through it.
    assert!(harvest(&env, &[]).0);
    assert_eq!(source(&env, id)["oai_url"], server.url("/oai?set=org:gem-x"));
    let (ok, out) = harvest(&env, &[]);
    assert!(ok, "{out}");
    let export = export(&env).to_string();
    assert!(all.iter().all(|id| export.contains(id.as_str())), "all 150 taken in");
    let hits: Vec<String> = server.hits.lock().unwrap().iter().map(|(p, _)| p.clone()).collect();
    assert!(hits.iter().any(|p| p.starts_with("/oai?verb=ListRecords&metadataPrefix=algoreg&set=org%3Agem-x&from=")), "{hits:?}");
    assert!(hits.contains(&"/oai?verb=ListRecords&resumptionToken=tweede".to_string()), "{hits:?}");
}

#[test]
fn past_the_proofs_one_harvest_may_fetch_the_records_wait_for_the_next() {
    let org = Org::start("gem-c");
    let ids: Vec<String> = ["Parkeren", "Afval", "Bijstand"].iter().map(|n| org.publish_new(complete_content(n))).collect();
    let env = Env::new();
    env.org("gem-c", "central");
    let src = source_add(&env, "gem-c", &org.feed_url());
    let taken = || {
        let export = export(&env).to_string();
        ids.iter().filter(|id| export.contains(id.as_str())).count()
    };
    // Two proofs per harvest: two records now, with their proofs; the third at the next harvest.
    assert!(harvest(&env, &["--harvest-max-proofs", "2"]).0);
    assert_eq!(taken(), 2);
    assert!(source(&env, src)["etag"].is_null(), "the next harvest fetches the feed whole");
    assert!(harvest(&env, &["--harvest-max-proofs", "2"]).0);
    assert_eq!(taken(), 3);
    assert_eq!(export(&env).to_string().matches("\"origin_log\"").count(), 3, "each with its proof");
    // The operator sees the key kept for the organisation's register, and can forget it.
    let name = format!("{}/#gem-c", org.server.base);
    let key = org.server.get("/log/key").text().unwrap();
    let listed = env.ok(&["source", "origin-keys"]);
    assert!(listed.contains(&format!("{name}\t{}", key.trim())), "{listed}");
    assert!(env.ok(&["source", "origin-keys", "--forget", &name]).contains("forgotten"));
    assert!(!env.ok(&["source", "origin-keys"]).contains(&name));
    let again = env.cli(&["source", "origin-keys", "--forget", &name]);
    assert!(!again.status.success(), "nothing to forget");
}

#[test]
fn a_feed_that_dates_its_versions_in_the_future_or_out_of_order_does_not_bend_the_log() {
    let id = ids(1).remove(0);
    let mut f = feed("gem-t", &[(id.as_str(), complete_content("Parkeervergunningen"))]);
    // Version 1 says it was published in 9999, version 2 (the current one) in 2000.
    let mut second = f["records"][0]["versions"][0].clone();
    second["number"] = json!(2);
    second["published_at"] = json!("2000-01-01T00:00:00Z");
    second["content"]["name"] = json!("Parkeervergunningen toetsen");
    f["records"][0]["versions"][0]["published_at"] = json!("9999-01-01T00:00:00Z");
    f["records"][0]["versions"].as_array_mut().unwrap().push(second);
    let web = FeedServer::start();
    web.json("/feed.json", &f);
    let env = Env::new();
    env.org("gem-t", "central");
    source_add(&env, "gem-t", &web.url("/feed.json"));
    let (ok, out) = harvest(&env, &[]);
    assert!(ok, "{out}");
    let s = env.serve();
    // The current version's proof can be had: the log keeps the versions in their order.
    let proof = s.get_json(&format!("/log/proof/record/{id}"));
    let leaf: Value = serde_json::from_str(proof["leaf"].as_str().unwrap()).unwrap();
    assert_eq!(leaf["version"], 2, "{proof}");
    let entries = s.get_json("/log/entries?start=0&end=2");
    let leaves: Vec<Value> =
        entries["entries"].as_array().unwrap().iter().map(|e| serde_json::from_str(e["leaf"].as_str().unwrap()).unwrap()).collect();
    assert_eq!(leaves.iter().map(|l| l["version"].as_u64().unwrap()).collect::<Vec<_>>(), vec![1, 2], "{entries}");
    // No date from the future is signed into the log.
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    assert!(leaves.iter().all(|l| l["at"].as_str().unwrap() <= now.as_str()), "{entries}");
}

/// A proof as an origin's register carries it for `id`'s version with this content: a one-entry log,
/// signed with a key of its own named after `origin`'s host.
fn carried_proof(origin: &str, id: &str, version: &Value) -> Value {
    let name = origin.trim_start_matches("https://").split('/').next().unwrap().to_string();
    let signer = algoreg_tlog::Signer::from_pkcs8(&name, &algoreg_tlog::Signer::generate().unwrap()).unwrap();
    let content: algoreg_standard::Content = serde_json::from_value(version["content"].clone()).unwrap();
    let hash = algoreg_service::federation::feed::content_hash(version["standard_version"].as_str().unwrap(), &content);
    let leaf =
        json!({"record": id, "version": version["number"], "event": "publish", "content_hash": hash, "at": "2026-12-04T10:00:00.000000Z"})
            .to_string();
    let note = signer.sign(&algoreg_tlog::Checkpoint { origin: name, size: 1, root: algoreg_tlog::leaf_hash(leaf.as_bytes()) });
    json!({"key": signer.verifier_key(), "index": 0, "size": 1, "leaf": leaf, "proof": [], "checkpoint": note})
}

#[test]
fn origins_are_learned_only_from_records_taken_and_only_so_many_in_one_harvest() {
    // A register's feed, as if its records came through it from 23 other registers, each with the
    // proof of its origin.
    let org = Org::start("gem-o");
    let all: Vec<String> = (0..23).map(|i| org.publish_new(complete_content(&format!("Registratie {i}")))).collect();
    let mut f = org.server.get_json("/feed/v1/register.json");
    for (i, r) in f["records"].as_array_mut().unwrap().iter_mut().enumerate() {
        let id = r["id"].as_str().unwrap().to_string();
        let origin = format!("https://herkomst-{i}.example/feed/v1/register.json");
        let v = &mut r["versions"][0];
        v["provenance"] = json!({"origin": origin, "origin_log": carried_proof(&origin, &id, v)});
    }
    // The first record comes with a second version whose proof is for other content: refused, and
    // the origin its first version named is not kept.
    let refused = f["records"][0]["id"].as_str().unwrap().to_string();
    let mut second = f["records"][0]["versions"][0].clone();
    second["number"] = json!(2);
    second["content"]["name"] = json!("Iets anders");
    f["records"][0]["versions"].as_array_mut().unwrap().push(second);
    let web = FeedServer::start();
    web.json("/feed.json", &f);
    let env = Env::new();
    env.org("gem-o", "central");
    let src = source_add(&env, "gem-o", &web.url("/feed.json"));
    let taken = || {
        let export = export(&env).to_string();
        all.iter().filter(|id| export.contains(id.as_str())).count()
    };
    let learned = || env.ok(&["source", "origin-keys"]).lines().filter(|l| l.contains("herkomst-")).count();
    // One proof to fetch per harvest: 20 carried proofs to check, and the records past them wait.
    let (ok, out) = harvest(&env, &["--harvest-max-proofs", "1"]);
    assert!(ok, "{out}");
    let first = taken();
    assert!((15..22).contains(&first), "{first}: {out}");
    assert_eq!(learned(), first, "an origin is kept only with a record taken");
    assert!(source(&env, src)["etag"].is_null(), "the next harvest fetches the feed whole");
    assert!(harvest(&env, &["--harvest-max-proofs", "1"]).0);
    assert_eq!(taken(), 22);
    assert_eq!(learned(), 22);
    assert!(!export(&env).to_string().contains(&refused));
    assert!(!env.ok(&["source", "origin-keys"]).contains("herkomst-0.example"));
}

#[test]
fn a_source_cannot_prove_a_version_with_a_log_other_than_the_one_it_shows() {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let org = Org::start("gem-s");
    let a = org.publish_new(complete_content("Parkeervergunningen"));
    // The log as the copy below shows it: `a` alone; the proofs come from the log after `b` too.
    assert_eq!(org.server.get_json(&format!("/log/proof/record/{a}"))["size"], 1);
    let shown = org.server.get("/log/checkpoint").bytes().unwrap().to_vec();
    let b = org.publish_new(complete_content("Afvalroutes"));
    let real_b = org.server.get_json(&format!("/log/proof/record/{b}"));
    let real_a = org.server.get_json(&format!("/log/proof/record/{a}"));
    let size = real_b["size"].as_u64().unwrap();
    assert_eq!(real_a["size"].as_u64(), Some(size), "both proofs against one checkpoint");
    // The organisation's own key signs a second log of the same size that holds `a`'s entry among
    // other entries: each proof holds on its own, but the two logs cannot both be the one log.
    let key = org.server.get("/log/key").text().unwrap();
    let name = key.trim().split('+').next().unwrap().to_string();
    let pkcs8 = b64.decode(org.env.sql("SELECT pkcs8 FROM log_key")).unwrap();
    let signer = algoreg_tlog::Signer::from_pkcs8(&name, &pkcs8).unwrap();
    let index = real_a["index"].as_u64().unwrap();
    let mut fork = algoreg_tlog::Tree::new();
    for i in 0..size {
        let leaf = if i == index { real_a["leaf"].as_str().unwrap().to_string() } else { format!("{{\"other\":{i}}}") };
        fork.push(algoreg_tlog::leaf_hash(leaf.as_bytes()));
    }
    let root = fork.root(size).unwrap();
    let forked = json!({
        "leaf": real_a["leaf"], "index": index, "size": size,
        "proof": fork.inclusion_proof(index, size).unwrap().iter().map(|h| b64.encode(h)).collect::<Vec<_>>(),
        "checkpoint": signer.sign(&algoreg_tlog::Checkpoint { origin: name, size, root }),
    });
    // A copy of the register that shows the real log (and proves that it grew), and proves `a` with
    // the other one.
    let copy = FeedServer::start();
    copy.json("/feed/v1/register.json", &org.server.get_json("/feed/v1/register.json"));
    copy.set("/log/key", Reply::Body(200, "text/plain", key.clone().into_bytes()));
    copy.set("/log/checkpoint", Reply::Body(200, "text/plain", shown));
    let grew = format!("/log/proof/consistency?first=1&second={size}");
    copy.json(&grew, &org.server.get_json(&grew));
    copy.json(&format!("/log/proof/record/{a}"), &forked);
    copy.json(&format!("/log/proof/record/{b}"), &real_b);
    let env = Env::new();
    env.org("gem-s", "central");
    source_add(&env, "gem-s", &copy.url("/feed/v1/register.json"));
    let (ok, out) = harvest(&env, &[]);
    assert!(ok, "{out}");
    let records = export(&env)["records"].as_array().unwrap().clone();
    let carried = |id: &str| records.iter().find(|r| r["id"] == id).unwrap().to_string().contains("origin_log");
    assert!(carried(&b), "the proof against the log shown, grown, is kept");
    assert!(!carried(&a), "the proof against another log is left out");
}

//! Several nodes on one database (PostgreSQL when the suite runs on it, else one SQLite file): each
//! node keeps its own search index in step from the store's outbox, sessions and CSRF work whichever
//! node answers, and the health endpoints say when a node can take traffic.

use crate::common::*;
use serde_json::json;
use std::time::{Duration, Instant};

#[test]
fn a_publication_on_one_node_is_found_on_the_others_and_a_session_works_on_any() {
    let env = Env::new();
    env.org("ede", "four_eyes");
    env.user("redactie@ede.nl", Some("ede"), &["editor"], false);
    let (editor, approver) = (env.token("ede", "editor"), env.token("ede", "approver"));
    let one = env.serve();
    let two = env.serve_node("node2", &[]);
    let three = env.serve_node("node3", &[]);
    for s in [&one, &two, &three] {
        assert_eq!(s.get("/health/live").status(), 200);
        let ready = s.get_json("/health/ready");
        assert_eq!((ready["status"].as_str(), ready["index_lag"].as_i64()), (Some("ready"), Some(0)), "{ready}");
    }

    // Published through the first node; searchable on the others within two seconds.
    let id = one.create("ede", &editor, complete_content("Knooppunttoets"));
    assert_eq!(two.send("POST", &format!("/api/v1/algorithms/{id}/actions/release"), Some(&editor), None).0, 200);
    assert_eq!(one.send("POST", &format!("/api/v1/algorithms/{id}/actions/publish"), Some(&approver), None).0, 200);
    let started = Instant::now();
    for s in [&two, &three] {
        while s.get_json("/api/v1/algorithms?q=knooppunttoets")["total"] != 1 {
            assert!(started.elapsed() < Duration::from_secs(2), "not found on another node within two seconds");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    assert_eq!(two.get_json(&format!("/api/v1/algorithms/{id}"))["content"]["name"], "Knooppunttoets");

    // A session opened on one node works on another (the store keeps sessions; cookies ignore ports).
    let session = one.login("redactie@ede.nl");
    let on_two = Server2 { base: two.base.clone(), client: session.client.clone() };
    let (st, me) = on_two.send("GET", "/api/v1/session", None);
    assert_eq!((st, me["name"].as_str()), (200, Some("redactie@ede.nl")), "{me}");
    // A form of the site read on one node is accepted on another (CSRF is a cookie and a field, no node state).
    let page = session.client.get(one.url("/nl/beheer")).send().unwrap().text().unwrap();
    let csrf =
        page.split("name=\"_csrf\" value=\"").nth(1).and_then(|r| r.split('"').next()).expect("a form with a CSRF field").to_string();
    let r = session.client.post(three.url("/nl/logout")).form(&[("_csrf", csrf.as_str())]).send().unwrap();
    assert!(r.status().is_success() || r.status().is_redirection(), "{}", r.status());
    assert_eq!(on_two.send("GET", "/api/v1/session", None).0, 401, "logged out on the third node, gone on the second");
}

#[test]
fn background_work_moves_to_another_node_at_once_when_one_stops() {
    let env = Env::new();
    env.org("ede", "central");
    env.user("mens@ede.nl", Some("ede"), &["editor"], false);
    let smtp = Smtp::start();
    let url = smtp.url();
    let args = ["--smtp-url", url.as_str(), "--feedback-tick", "1s"];
    let one = env.serve_with(&args);
    // The first node takes the lease of the mail loop; the second waits its turn.
    std::thread::sleep(Duration::from_millis(1500));
    let two = env.serve_node("node2", &args);
    let reset = |s: &Server| {
        let b = Browser::new(s);
        let csrf = b.csrf();
        let (st, _, _) = b.post("/nl/wachtwoord-vergeten", &[("_csrf", &csrf), ("email", "mens@ede.nl")]);
        assert!(st == 200 || st == 303, "{st}");
    };
    let to_person = |smtp: &Smtp| smtp.messages().iter().filter(|m| header(m, "To").contains("mens@ede.nl")).count();
    // Asked on the second node, the mail goes out once, though both nodes run the mail loop.
    reset(&two);
    smtp.wait_for("mens@ede.nl", "wachtwoord");
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(to_person(&smtp), 1, "one mail per event across nodes");
    // Stopped gracefully, the first node gives its leases up: the second sends mail within seconds,
    // not when the lease would have expired (minutes).
    drop(one);
    let started = Instant::now();
    reset(&two);
    wait_until("the second mail", || to_person(&smtp) == 2);
    assert!(started.elapsed() < Duration::from_secs(15), "the mail waited for the lease to expire");
}

/// One node's count of a metric with these labels (`algoreg_job_runs_total{job="feedback"}`).
fn metric(s: &Server, series: &str) -> u64 {
    let text = s.get("/metrics").text().unwrap();
    text.lines().find_map(|l| l.strip_prefix(series)?.trim().parse().ok()).unwrap_or_else(|| panic!("{series} in\n{text}"))
}

#[test]
fn background_work_runs_once_across_three_nodes() {
    let env = Env::new();
    let (org, url, hits) = crate::crash::counted_feed_server(3);
    env.org(&org, "central");
    env.ok(&["source", "add", "--org", &org, "--url", &url]);
    // Every node runs the schedules: a harvest every 2 s, a round of reminders, retention and mail every second.
    let args = ["--harvest-interval", "2s", "--harvest-allow", "127.0.0.0/8", "--feedback-tick", "1s"];
    // Three processes, as in production: each its own lease holder, with its own metrics.
    let nodes = [env.serve_node_process("node1", &args), env.serve_node_process("node2", &args), env.serve_node_process("node3", &args)];
    wait_until("the first harvest", || hits.load(std::sync::atomic::Ordering::SeqCst) > 0);
    let rounds = |job: &str| -> Vec<u64> { nodes.iter().map(|s| metric(s, &format!("algoreg_job_runs_total{{job=\"{job}\"}}"))).collect() };
    let started = Instant::now();
    let (hits_before, rounds_before) = (hits.load(std::sync::atomic::Ordering::SeqCst), rounds("feedback"));
    std::thread::sleep(Duration::from_secs(8));
    let seconds = started.elapsed().as_secs_f64();
    let harvests = hits.load(std::sync::atomic::Ordering::SeqCst) - hits_before;
    let feedback: u64 = rounds("feedback").iter().sum::<u64>() - rounds_before.iter().sum::<u64>();
    // One scheduler: a harvest per interval (2 s, less 10 % jitter at most), a round of reminders,
    // retention and mail per tick (1 s); three schedulers would make about three times as many.
    assert!((2..=(seconds / 1.8).ceil() as usize + 1).contains(&harvests), "{harvests} harvests in {seconds:.1} s");
    assert!((2..=seconds.ceil() as u64 + 2).contains(&feedback), "{feedback} feedback rounds in {seconds:.1} s");
    for job in ["harvest", "feedback"] {
        let held = rounds(job);
        assert_eq!(held.iter().filter(|n| **n > 0).count(), 1, "one node holds the {job} lease: {held:?}");
    }
    // The records arrived once, whichever node harvested.
    assert_eq!(nodes[2].get_json(&format!("/api/v1/algorithms?organisation={org}"))["total"], 3);
}

/// nginx from Debian's packages, when it is installed (`.ci/run` installs it; CI fails without it).
fn nginx() -> Option<String> {
    let found = ["/usr/sbin/nginx", "/usr/bin/nginx"].into_iter().find(|p| std::path::Path::new(p).exists()).map(String::from);
    if found.is_none() {
        assert!(std::env::var_os("CI").is_none(), "nginx is not installed: CI must run the rolling restart behind it");
        eprintln!("nginx is not installed: the rolling restart is not checked");
    }
    found
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A node as its own process on a fixed port (so that it comes back at the same address).
fn node_process(env: &Env, node: &str, port: u16) -> std::process::Child {
    let data = env.dir.path().join(node).display().to_string();
    let database = env.database().map(str::to_string).unwrap_or_else(|| format!("sqlite:{}", env.data()));
    let mut child = std::process::Command::new(BIN)
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--data", &data, "--database", &database])
        .env_remove("DATABASE_URL")
        .env("ALGOREG_LOG", "error")
        .env("ALGOREG_OPERATOR_SECOND_FACTOR", "optional")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("spawn node");
    listening_on(&mut child);
    child
}

#[test]
fn a_rolling_restart_behind_nginx_drops_no_request() {
    let Some(nginx) = nginx() else { return };
    let env = Env::new();
    env.org("ede", "central");
    let ports = [free_port(), free_port()];
    let mut nodes: Vec<std::process::Child> = ports.iter().enumerate().map(|(i, p)| node_process(&env, &format!("node{i}"), *p)).collect();
    // nginx in front of both, retrying a request on the other node when one refuses or drops it.
    let front = free_port();
    let dir = env.dir.path().join("nginx");
    std::fs::create_dir_all(dir.join("logs")).unwrap();
    let conf = format!(
        "daemon off; pid {d}/nginx.pid; error_log {d}/logs/error.log;\n\
         events {{ worker_connections 256; }}\n\
         http {{ access_log off; client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; fastcgi_temp_path {d}/fcgi; uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;\n\
           upstream algoreg {{ server 127.0.0.1:{a} max_fails=0; server 127.0.0.1:{b} max_fails=0; keepalive 8; }}\n\
           server {{ listen 127.0.0.1:{front}; location / {{ proxy_pass http://algoreg; proxy_http_version 1.1; proxy_set_header Connection \"\";\n\
             proxy_next_upstream error timeout http_502 http_503; proxy_next_upstream_tries 4; proxy_connect_timeout 2s; }} }} }}\n",
        d = dir.display(),
        a = ports[0],
        b = ports[1],
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let mut lb = std::process::Command::new(&nginx)
        .args(["-c", &dir.join("nginx.conf").display().to_string(), "-p", &dir.display().to_string()])
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("start nginx");
    let base = format!("http://127.0.0.1:{front}");
    wait_until("nginx answers", || reqwest::blocking::get(format!("{base}/health/ready")).is_ok_and(|r| r.status() == 200));

    // Clients keep asking while every node is restarted in turn (SIGTERM, then started again).
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (stop, base) = (stop.clone(), base.clone());
            std::thread::spawn(move || {
                let c = reqwest::blocking::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
                let (mut ok, mut failed) = (0u32, vec![]);
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    match c.get(format!("{base}/api/v1/algorithms?per_page=5")).send() {
                        Ok(r) if r.status() == 200 => ok += 1,
                        Ok(r) => failed.push(r.status().to_string()),
                        Err(e) => failed.push(e.to_string()),
                    }
                }
                (ok, failed)
            })
        })
        .collect();
    for (i, port) in ports.iter().enumerate() {
        std::thread::sleep(Duration::from_millis(500));
        let pid = nodes[i].id().to_string();
        assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let status = nodes[i].wait().unwrap();
        assert!(status.success(), "a node stops cleanly on SIGTERM: {status}");
        nodes[i] = node_process(&env, &format!("node{i}"), *port);
    }
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let (mut ok, mut failed) = (0, vec![]);
    for c in clients {
        let (o, f) = c.join().unwrap();
        ok += o;
        failed.extend(f);
    }
    let _ = std::process::Command::new("kill").args(["-QUIT", &lb.id().to_string()]).status();
    let _ = lb.wait();
    for mut n in nodes {
        let _ = n.kill();
        let _ = n.wait();
    }
    assert!(ok > 50, "the clients were answered ({ok})");
    assert!(
        failed.is_empty(),
        "{} of {} requests failed during the rolling restart: {:?}",
        failed.len(),
        ok as usize + failed.len(),
        &failed[..failed.len().min(5)]
    );
}

#[test]
fn metrics_for_prometheus_and_structured_logs() {
    let env = Env::new();
    env.org("ede", "central");
    let s = env.serve();
    assert_eq!(s.get("/api/v1/algorithms").status(), 200);
    let r = s.get("/metrics");
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let text = r.text().unwrap();
    for needle in [
        "algoreg_http_requests_total{class=\"2xx\"} ",
        "algoreg_http_request_duration_seconds_bucket{le=\"+Inf\"} ",
        "algoreg_outbox_lag 0",
        "algoreg_database_up 1",
        "algoreg_job_runs_total{job=\"feedback\"} ",
        "algoreg_harvests_total{outcome=\"failed\"} ",
        "algoreg_db_pool_connections{state=\"open\"} ",
    ] {
        assert!(text.contains(needle), "{needle} missing in\n{text}");
    }
    // Through a proxy that is not trusted, or from an address not allowed, the metrics do not exist.
    for (name, value) in
        [("x-forwarded-for", "203.0.113.9"), ("x-forwarded-for", "127.0.0.1"), ("forwarded", "for=127.0.0.1"), ("x-real-ip", "127.0.0.1")]
    {
        let r = s.client.get(s.url("/metrics")).header(name, value).send().unwrap();
        assert_eq!(r.status(), 404, "{name}: {value}");
    }
    let r = s
        .client
        .get(s.url("/metrics"))
        .header("x-forwarded-for", reqwest::header::HeaderValue::from_bytes(b"\xff").unwrap())
        .send()
        .unwrap();
    assert_eq!(r.status(), 404, "an unreadable forwarding header");
    let elsewhere = env.serve_node("node2", &["--metrics-allow", "10.0.0.0/8"]);
    assert_eq!(elsewhere.get("/metrics").status(), 404);

    // ALGOREG_LOG_FORMAT=json: one JSON object per line.
    let mut child = std::process::Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0", "--data", &env.dir.path().join("node3").display().to_string()])
        .args(["--database", &env.database().map(str::to_string).unwrap_or_else(|| format!("sqlite:{}", env.data()))])
        .env_remove("DATABASE_URL")
        .env("ALGOREG_LOG_FORMAT", "json")
        .env("ALGOREG_LOG", "warn")
        .env("ALGOREG_OPERATOR_SECOND_FACTOR", "optional")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let base = listening_on(&mut child);
    use std::io::BufRead;
    let (tx, rx) = std::sync::mpsc::channel();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(err).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let r = reqwest::blocking::Client::new()
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"email": "niemand@ede.nl", "password": "fout"}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 401);
    let line = rx.recv_timeout(Duration::from_secs(10)).expect("a log line");
    let _ = child.kill();
    let _ = child.wait();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
    assert_eq!((v["level"].as_str(), v["message"].as_str()), (Some("WARN"), Some("failed login")), "{v}");
    assert!(v["time"].as_str().is_some_and(|t| t.ends_with('Z')), "{v}");
}

#[test]
fn backup_of_sqlite_while_the_server_runs() {
    let env = Env::sqlite();
    env.org("ede", "central");
    let token = env.token("ede", "editor");
    let s = env.serve();
    for name in ["Eerste toets", "Tweede toets"] {
        assert_eq!(
            s.send("POST", "/api/v1/organisations/ede/algorithms", Some(&token), Some(json!({"content": complete_content(name)}))).0,
            201
        );
    }
    let copy = env.dir.path().join("copy");
    std::fs::create_dir_all(&copy).unwrap();
    let file = copy.join("algoreg.db").display().to_string();
    let out = env.ok(&["backup", "--out", &file]);
    assert!(out.contains("backup written"), "{out}");
    // The copy is a whole database: it passes the check and has both records.
    let checked = std::process::Command::new(BIN).args(["check", "--database", &format!("sqlite:{}", copy.display())]).output().unwrap();
    let text = String::from_utf8_lossy(&checked.stdout);
    assert!(checked.status.success() && text.contains("records: 2"), "{text}");
    // A file that exists is not overwritten; PostgreSQL is backed up with its own tools.
    let again = env.cli(&["backup", "--out", &file]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"), "{}", String::from_utf8_lossy(&again.stderr));
    // What went wrong inside is said to the operator, not hidden behind "internal error".
    let missing = env.dir.path().join("geen-map").join("x.db").display().to_string();
    let lost = env.cli(&["backup", "--out", &missing]);
    let said = String::from_utf8_lossy(&lost.stderr).to_string();
    assert!(!lost.status.success() && !said.contains("internal error") && said.len() > "error: ".len() + 10, "{said}");
    let pg = std::process::Command::new(BIN)
        .args(["backup", "--out", "/tmp/x.db", "--database", "postgres://a@127.0.0.1:1/db"])
        .output()
        .unwrap();
    assert!(!pg.status.success() && String::from_utf8_lossy(&pg.stderr).contains("pg_dump"));
    // A folder without a register (a forgotten --data) is refused, not backed up as a new empty one.
    let nowhere = env.dir.path().join("nergens");
    let none = std::process::Command::new(BIN)
        .args(["backup", "--out", &copy.join("leeg.db").display().to_string(), "--data", &nowhere.display().to_string()])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(!none.status.success() && String::from_utf8_lossy(&none.stderr).contains("--data"), "{none:?}");
    assert!(!nowhere.exists() && !copy.join("leeg.db").exists(), "nothing made");
    // While the server runs, its search index is its own: reindex says so.
    let busy = env.cli(&["reindex"]);
    assert!(!busy.status.success() && String::from_utf8_lossy(&busy.stderr).contains("stop it first"), "{busy:?}");
}

/// `algoreg export --format json` of a database, with the time of the export left out.
fn export_of(database: &str) -> serde_json::Value {
    let out = std::process::Command::new(BIN).args(["export", "--format", "json", "--database", database]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    if let Some(o) = v.as_object_mut() {
        o.retain(|k, _| !k.contains("generated") && !k.contains("exported"));
    }
    v
}

fn copy(from: &str, to: &str) -> std::process::Output {
    std::process::Command::new(BIN).args(["copy", "--from", from, "--to", to]).output().unwrap()
}

#[test]
fn copy_moves_everything_between_backends_and_checks_it() {
    let env = Env::sqlite();
    let file = env.dir.path().join("demo.json").display().to_string();
    env.raw(&["demo", "generate", "--records", "300", "--orgs", "12", "--out", &file]);
    env.ok(&["import", &file]);
    env.org("ede", "four_eyes");
    env.user("redactie@ede.nl", Some("ede"), &["editor"], false);
    let _token = env.token("ede", "editor");
    let a = format!("sqlite:{}", env.data());
    let before = export_of(&a);
    assert_eq!(before["records"].as_array().map(Vec::len), Some(300));

    // SQLite to SQLite; then, with a PostgreSQL server, SQLite to PostgreSQL and back.
    let b = format!("sqlite:{}", env.dir.path().join("b").display());
    let out = copy(&a, &b);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success() && text.contains("every table checked"), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.lines().any(|l| l.starts_with("versions ") && l.ends_with("ok")), "{text}");
    assert_eq!(export_of(&b), before);
    let again = copy(&a, &b);
    assert!(!again.status.success() && String::from_utf8_lossy(&again.stderr).contains("empty"), "a target with data is refused");
    // A database URL that cannot be read is refused without repeating its password (it may come from
    // DATABASE_URL, into a service's log).
    let bad = std::process::Command::new(BIN).args(["check"]).env("DATABASE_URL", "postgresql+asyncpg://u:GEHEIM@db/x").output().unwrap();
    let said = String::from_utf8_lossy(&bad.stderr).to_string();
    assert!(!bad.status.success() && said.contains("--database") && !said.contains("GEHEIM"), "{said}");
    // A mistyped source is refused, and nothing is made there or in the target.
    let typo = env.dir.path().join("tyop");
    let c = env.dir.path().join("c");
    let out = copy(&format!("sqlite:{}", typo.display()), &format!("sqlite:{}", c.display()));
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("No register"), "{out:?}");
    assert!(!typo.exists() && !c.exists(), "nothing made");
    if let Ok(server) = std::env::var("ALGOREG_TEST_POSTGRES") {
        let pg = PgDatabase::create(&server);
        let out = copy(&a, &pg.url);
        assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert_eq!(export_of(&pg.url), before);
        let c = format!("sqlite:{}", env.dir.path().join("c").display());
        let out = copy(&pg.url, &c);
        assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert_eq!(export_of(&c), before);
        let checked = std::process::Command::new(BIN).args(["check", "--database", &pg.url]).output().unwrap();
        assert!(String::from_utf8_lossy(&checked.stdout).contains("records: 300"));
        // IDs were copied as they were, and new rows get new ones (the generators moved past them).
        let added = std::process::Command::new(BIN)
            .args(["org", "add", "--code", "nieuw", "--name", "Nieuwe gemeente", "--type", "gemeente", "--database", &pg.url])
            .output()
            .unwrap();
        assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    }

    // Interrupted, a copy leaves the target empty or complete.
    for (i, wait) in [5u64, 40, 150].into_iter().enumerate() {
        let d = format!("sqlite:{}", env.dir.path().join(format!("killed{i}")).display());
        let mut child = std::process::Command::new(BIN)
            .args(["copy", "--from", &a, "--to", &d])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(wait));
        let _ = child.kill();
        let _ = child.wait();
        let checked = std::process::Command::new(BIN).args(["check", "--database", &d]).output().unwrap();
        let text = String::from_utf8_lossy(&checked.stdout);
        assert!(text.contains("records: 0") || text.contains("records: 300"), "{text}");
    }
}

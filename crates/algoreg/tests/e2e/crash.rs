//! Crash safety: `algoreg` is killed with SIGKILL at random moments while it imports, harvests or takes
//! API writes; after each kill the store must pass `algoreg check` (SQLite's integrity check, references,
//! every record with its versions and history), every write that was acknowledged must be there, and an
//! import or a harvest must be all or nothing. `ALGOREG_CRASH_TRIALS` sets the number of kills (default 12 here;
//! `scripts/crash-trials` runs 100).

use crate::common::*;
use rand::Rng;
use serde_json::json;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn trials() -> usize {
    std::env::var("ALGOREG_CRASH_TRIALS").ok().and_then(|s| s.parse().ok()).unwrap_or(12)
}

/// `algoreg check`: passes, and says how many records there are.
fn check(env: &Env) -> u64 {
    let out = env.cli(&["check"]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "the store is not consistent after a kill:\n{text}{}", String::from_utf8_lossy(&out.stderr));
    text.lines().find_map(|l| l.strip_prefix("records: ")).unwrap().trim().parse().unwrap()
}

fn random_wait(max_ms: u64) -> Duration {
    Duration::from_millis(rand::thread_rng().gen_range(20..max_ms))
}

/// API writes: records created and saved one after another; the server is killed in the middle. Every
/// acknowledged record (and its last acknowledged save) is there after the restart.
fn api_writes(env: &Env, token: &str, trial: usize) {
    let s = env.serve_process(&[]);
    let acked: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (acked, stop, base, token) = (acked.clone(), stop.clone(), s.base.clone(), token.to_string());
        std::thread::spawn(move || {
            let c = reqwest::blocking::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                i += 1;
                let name = format!("Proef {trial}-{i}");
                let Ok(r) = c
                    .post(format!("{base}/api/v1/organisations/delft/algorithms"))
                    .bearer_auth(&token)
                    .json(&json!({"content": complete_content(&name)}))
                    .send()
                else {
                    break;
                };
                if r.status() != 201 {
                    break;
                }
                let Ok(v) = r.json::<serde_json::Value>() else { break };
                let id = v["id"].as_str().unwrap().to_string();
                acked.lock().unwrap().push((id.clone(), name.clone()));
                // A second version of the same record.
                let name2 = format!("{name} (2)");
                let ok = c
                    .put(format!("{base}/api/v1/algorithms/{id}/draft"))
                    .bearer_auth(&token)
                    .json(&json!({"content": complete_content(&name2)}))
                    .send()
                    .is_ok_and(|r| r.status() == 200);
                if ok {
                    acked.lock().unwrap().last_mut().unwrap().1 = name2;
                }
            }
        })
    };
    std::thread::sleep(random_wait(600));
    drop(s); // SIGKILL
    stop.store(true, Ordering::SeqCst);
    let _ = writer.join();
    check(env);
    let s = env.serve();
    for (id, name) in acked.lock().unwrap().iter() {
        let (st, v) = s.send("GET", &format!("/api/v1/algorithms/{id}/workspace"), Some(token), None);
        assert_eq!(st, 200, "acknowledged record {id} is there");
        let versions = v["versions"].as_array().map(|a| a.len()).unwrap_or(0);
        let latest = v["versions"].as_array().and_then(|a| a.last()).map(|l| l["content"]["name"].clone()).unwrap_or_default();
        assert!(versions >= 1, "{v}");
        assert!(
            latest == json!(name) || latest == json!(format!("{name} (2)")),
            "the last acknowledged save of {id} is there: {latest} vs {name}"
        );
    }
}

/// An import into an empty store, killed after `wait` (or finished before): nothing of it, or all of it.
/// Returns whether it was all.
fn import(file: &str, records: u64, wait: Duration) -> bool {
    let env = Env::new();
    killed_after(&env, &["import", file], records, wait, "an import")
}

/// Runs `args` and kills it after `wait` (or lets it finish before), then checks that the store holds
/// none or all of the `records`. Returns whether it was all.
fn killed_after(env: &Env, args: &[&str], records: u64, wait: Duration, what: &str) -> bool {
    let mut child = env.command(args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let started = std::time::Instant::now();
    while started.elapsed() < wait && child.try_wait().unwrap().is_none() {
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = child.kill();
    let _ = child.wait();
    let after = check(env);
    assert!(after == 0 || after == records, "{what} is all or nothing: {after} of the {records} records");
    after == records
}

/// A feed of `records` records of one organisation, served on loopback: (the organisation's code, URL).
fn feed_server(records: u64) -> (String, String) {
    let (org, url, _) = counted_feed_server(records);
    (org, url)
}

/// [`feed_server`], with the number of requests it answered.
pub(crate) fn counted_feed_server(records: u64) -> (String, String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let src = Env::new();
    let file = src.dir.path().join("demo.json").display().to_string();
    src.raw(&["demo", "generate", "--records", &records.to_string(), "--orgs", "1", "--out", &file]);
    src.ok(&["import", &file]);
    let out = src.dir.path().join("static");
    src.ok(&["export", "--feed", out.to_str().unwrap()]);
    let body = std::fs::read(out.join("feed/v1/register.json")).unwrap();
    let feed: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let org = feed["organisations"][0]["code"].as_str().unwrap().to_string();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/feed/v1/register.json", listener.local_addr().unwrap());
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = hits.clone();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            // Harvests are counted by the feed's requests (a harvest also asks whether a log is there).
            if buf.starts_with(b"GET /feed/v1/register.json") {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            let head =
                format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    (org, url, hits)
}

/// A harvest into an empty store, killed after `wait` (or finished before): all of the feed or none.
fn harvest(org: &str, url: &str, records: u64, wait: Duration) -> bool {
    let env = Env::new();
    env.org(org, "central");
    env.ok(&["source", "add", "--org", org, "--url", url]);
    killed_after(&env, &["harvest", "--harvest-allow", "127.0.0.0/8"], records, wait, "a harvest")
}

#[test]
fn kills_at_random_moments_lose_nothing_acknowledged_and_leave_nothing_half_written() {
    let env = Env::new();
    env.org("delft", "four_eyes");
    let token = env.token("delft", "editor");
    let file = env.dir.path().join("demo.json").display().to_string();
    let records = 20_000;
    env.raw(&["demo", "generate", "--records", &records.to_string(), "--out", &file]);
    // How long a whole import takes here; kills fall anywhere in it.
    let started = std::time::Instant::now();
    assert!(import(&file, records, Duration::from_secs(600)) || started.elapsed() >= Duration::from_secs(600));
    let full = started.elapsed();
    let harvested = 5_000;
    let (org, url) = feed_server(harvested);
    let started = std::time::Instant::now();
    assert!(harvest(&org, &url, harvested, Duration::from_secs(600)), "a whole harvest works");
    let full_harvest = started.elapsed();
    let (mut api, mut killed_imports, mut complete, mut harvests, mut harvests_complete) = (0, 0, 0, 0, 0);
    for trial in 0..trials() {
        if trial % 3 == 0 {
            api_writes(&env, &token, trial);
            api += 1;
        } else if trial % 3 == 1 {
            let wait = full_harvest.mul_f64(rand::thread_rng().gen_range(0.05..0.95));
            harvests_complete += usize::from(harvest(&org, &url, harvested, wait));
            harvests += 1;
        } else {
            let wait = full.mul_f64(rand::thread_rng().gen_range(0.05..0.95));
            complete += usize::from(import(&file, records, wait));
            killed_imports += 1;
        }
    }
    println!(
        "{} kills: {api} during API writes, {killed_imports} during imports of {records} records ({complete} had finished; a whole import took {full:?}), {harvests} during harvests of {harvested} records ({harvests_complete} had finished; a whole harvest took {full_harvest:?})",
        trials()
    );
}

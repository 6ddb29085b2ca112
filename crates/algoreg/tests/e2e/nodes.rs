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
    let (st, v) = one.send(
        "POST",
        "/api/v1/organisations/ede/algorithms",
        Some(&editor),
        Some(json!({"content": complete_content("Knooppunttoets")})),
    );
    assert_eq!(st, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
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

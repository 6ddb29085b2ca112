//! The publication workflow through HTTP on loopback, for both flows and every role.

use crate::common::*;
use serde_json::{json, Value};

fn create(s: &Server, token: &str, org: &str, content: Value) -> String {
    let (st, body) = s.send("POST", &format!("/api/v1/organisations/{org}/algorithms"), Some(token), Some(json!({ "content": content })));
    assert_eq!(st, 201, "{body}");
    assert_eq!(body["state"], "draft");
    body["id"].as_str().expect("id").to_string()
}

fn act(s: &Server, token: &str, id: &str, action: &str, reason: Option<&str>) -> (u16, Value) {
    let body = reason.map(|r| json!({ "reason": r }));
    s.send("POST", &format!("/api/v1/algorithms/{id}/actions/{action}"), Some(token), body)
}

#[test]
fn central_flow_editor_releases_operator_publishes() {
    let env = Env::new();
    env.org("delft", "central");
    env.user("beheer@centraal.nl", None, &[], true);
    env.user("admin@delft.nl", Some("delft"), &["org_admin"], false);
    let editor = env.token("delft", "editor");
    let s = env.serve();
    let op = s.login("beheer@centraal.nl");
    let admin = s.login("admin@delft.nl");

    // A draft may be incomplete; release needs it complete.
    let id = create(&s, &editor, "delft", json!({"name": "Parkeervergunning toetsen"}));
    assert_eq!(s.get(&format!("/api/v1/algorithms/{id}")).status(), 404, "drafts are not public");
    let (st, body) = act(&s, &editor, &id, "release", None);
    assert_eq!(st, 422, "{body}");
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    for f in ["description_short", "status", "contact_email", "publication_category"] {
        assert!(fields.contains(&f), "{f} missing in {fields:?}");
    }
    let (st, v) = s.send(
        "PUT",
        &format!("/api/v1/algorithms/{id}/draft"),
        Some(&editor),
        Some(json!({"content": complete_content("Parkeervergunning toetsen")})),
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["version"], 2);
    assert_eq!(v["content"]["organization"], "Gemeente delft", "organisation filled from the organisation");

    assert_eq!(act(&s, &editor, &id, "release", None).0, 200);
    // The editor cannot publish in the central flow; the organisation admin cannot either.
    assert_eq!(act(&s, &editor, &id, "publish", None).0, 403);
    assert_eq!(admin.send("POST", &format!("/api/v1/algorithms/{id}/actions/publish"), None).0, 403);
    // The operator rejects without a reason: refused; with a reason: back to draft.
    assert_eq!(op.send("POST", &format!("/api/v1/algorithms/{id}/actions/reject"), None).0, 409);
    let (st, state) = op.send("POST", &format!("/api/v1/algorithms/{id}/actions/reject"), Some(json!({"reason": "Doel is te vaag"})));
    assert_eq!(st, 200, "{state}");
    assert_eq!(state["latest_state"], "draft");
    assert_eq!(act(&s, &editor, &id, "release", None).0, 200);
    let (st, state) = op.send("POST", &format!("/api/v1/algorithms/{id}/actions/publish"), None);
    assert_eq!(st, 200, "{state}");
    assert_eq!(state["published_version"], 2);

    let public = s.get_json(&format!("/api/v1/algorithms/{id}"));
    assert_eq!(public["version"], 2);
    assert_eq!(public["content"]["name"], "Parkeervergunning toetsen");

    // A new version: the published one stays public until the new one is published.
    let mut c = complete_content("Parkeervergunning toetsen");
    c["status"] = json!("Buiten gebruik");
    assert_eq!(s.send("PUT", &format!("/api/v1/algorithms/{id}/draft"), Some(&editor), Some(json!({"content": c}))).0, 200);
    assert_eq!(s.get_json(&format!("/api/v1/algorithms/{id}"))["content"]["status"], "In gebruik");
    assert_eq!(act(&s, &editor, &id, "release", None).0, 200);
    assert_eq!(op.send("POST", &format!("/api/v1/algorithms/{id}/actions/publish"), None).0, 200);
    let public = s.get_json(&format!("/api/v1/algorithms/{id}"));
    assert_eq!(public["version"], 3);
    assert_eq!(public["content"]["status"], "Buiten gebruik");

    // The public history shows every published version with timestamps; one version by number.
    let history = s.get_json(&format!("/api/v1/algorithms/{id}/versions"));
    let numbers: Vec<u64> = history.as_array().unwrap().iter().map(|v| v["version"].as_u64().unwrap()).collect();
    assert_eq!(numbers, vec![2, 3]);
    assert!(history[0]["published_at"].as_str().unwrap() <= history[1]["published_at"].as_str().unwrap());
    assert_eq!(s.get_json(&format!("/api/v1/algorithms/{id}/versions/2"))["content"]["status"], "In gebruik");
    assert_eq!(s.get(&format!("/api/v1/algorithms/{id}/versions/1")).status(), 404, "never published");

    // Retract needs a reason and takes it off the public register.
    assert_eq!(act(&s, &editor, &id, "retract", Some("fout")).0, 403, "editors cannot retract");
    let (st, _) = admin.send("POST", &format!("/api/v1/algorithms/{id}/actions/retract"), Some(json!({"reason": "Verkeerd gepubliceerd"})));
    assert_eq!(st, 200);
    assert_eq!(s.get(&format!("/api/v1/algorithms/{id}")).status(), 404);
    assert_eq!(s.get(&format!("/api/v1/algorithms/{id}/versions")).status(), 404);

    // Archive and unarchive (organisation admin).
    assert_eq!(admin.send("POST", &format!("/api/v1/algorithms/{id}/actions/archive"), None).0, 200);
    assert_eq!(
        s.send("PUT", &format!("/api/v1/algorithms/{id}/draft"), Some(&editor), Some(json!({"content": c}))).0,
        409,
        "archived: unarchive first"
    );
    let (st, state) = admin.send("POST", &format!("/api/v1/algorithms/{id}/actions/unarchive"), None);
    assert_eq!(st, 200);
    assert_eq!(state["latest_state"], "draft");

    // The action history keeps who, what and when.
    let (st, ws) = s.send("GET", &format!("/api/v1/algorithms/{id}/workspace"), Some(&editor), None);
    assert_eq!(st, 200);
    let actions: Vec<&str> = ws["history"].as_array().unwrap().iter().map(|h| h["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        vec!["create", "save", "release", "reject", "release", "publish", "save", "release", "publish", "retract", "archive", "unarchive"]
    );
    let reject = &ws["history"][3];
    assert_eq!(reject["reason"], "Doel is te vaag");
    assert!(reject["actor"].as_str().unwrap().starts_with("user:"));
    assert!(reject["at"].as_str().is_some());
    let states: Vec<&str> = ws["versions"].as_array().unwrap().iter().map(|v| v["state"].as_str().unwrap()).collect();
    assert_eq!(states, vec!["superseded", "superseded", "draft"]);
}

#[test]
fn four_eyes_flow_editor_releases_approver_publishes() {
    let env = Env::new();
    env.org("utrecht", "four_eyes");
    env.user("beheer@centraal.nl", None, &[], true);
    let editor = env.token("utrecht", "editor");
    let approver = env.token("utrecht", "approver");
    let approver2 = env.token("utrecht", "approver");
    let admin = env.token("utrecht", "org_admin");
    let s = env.serve();
    let op = s.login("beheer@centraal.nl");

    let id = create(&s, &editor, "utrecht", complete_content("Afvalroutes plannen"));
    assert_eq!(act(&s, &editor, &id, "release", None).0, 200);
    assert_eq!(act(&s, &editor, &id, "publish", None).0, 403, "editor cannot publish");
    assert_eq!(act(&s, &admin, &id, "publish", None).0, 403, "org admin is not an approver");
    assert_eq!(
        op.send("POST", &format!("/api/v1/algorithms/{id}/actions/publish"), None).0,
        403,
        "operator does not publish in four-eyes flow"
    );
    assert_eq!(act(&s, &approver, &id, "publish", None).0, 200);
    assert_eq!(s.get_json(&format!("/api/v1/algorithms/{id}"))["version"], 1);

    // Four eyes: whoever released may not publish the same version.
    let (st, _) = s.send(
        "PUT",
        &format!("/api/v1/algorithms/{id}/draft"),
        Some(&approver),
        Some(json!({"content": complete_content("Afvalroutes plannen (2)")})),
    );
    assert_eq!(st, 200);
    assert_eq!(act(&s, &approver, &id, "release", None).0, 200);
    let (st, body) = act(&s, &approver, &id, "publish", None);
    assert_eq!(st, 409, "{body}");
    assert_eq!(body["type"], "/problems/workflow");
    assert_eq!(act(&s, &approver2, &id, "reject", Some("Naam onduidelijk")).0, 200);
    assert_eq!(act(&s, &editor, &id, "release", None).0, 200);
    assert_eq!(act(&s, &approver, &id, "publish", None).0, 200);
    assert_eq!(s.get_json(&format!("/api/v1/algorithms/{id}"))["content"]["name"], "Afvalroutes plannen (2)");

    // Retract: the editor may not, the approver may; the operator may in any flow.
    assert_eq!(act(&s, &editor, &id, "retract", Some("x")).0, 403);
    assert_eq!(op.send("POST", &format!("/api/v1/algorithms/{id}/actions/retract"), Some(json!({"reason": "Klacht"}))).0, 200);
    assert_eq!(s.get(&format!("/api/v1/algorithms/{id}")).status(), 404);
    assert_eq!(act(&s, &approver, &id, "archive", None).0, 200);
    assert_eq!(act(&s, &editor, &id, "unarchive", None).0, 403);
    assert_eq!(act(&s, &admin, &id, "unarchive", None).0, 200);
}

#[test]
fn stale_saves_and_bad_actions() {
    let env = Env::new();
    env.org("ede", "central");
    let editor = env.token("ede", "editor");
    let s = env.serve();
    let id = create(&s, &editor, "ede", json!({"name": "A"}));
    let (st, _) = s.send(
        "PUT",
        &format!("/api/v1/algorithms/{id}/draft"),
        Some(&editor),
        Some(json!({"content": {"name": "B"}, "expected_version": 1})),
    );
    assert_eq!(st, 200);
    let (st, body) = s.send(
        "PUT",
        &format!("/api/v1/algorithms/{id}/draft"),
        Some(&editor),
        Some(json!({"content": {"name": "C"}, "expected_version": 1})),
    );
    assert_eq!(st, 409, "{body}");
    assert_eq!(body["type"], "/problems/stale");
    let (st, body) = act(&s, &editor, &id, "explode", None);
    assert_eq!(st, 422);
    assert_eq!(body["errors"][0]["field"], "action");
    assert_eq!(act(&s, &editor, &id, "publish", None).0, 403);
    assert_eq!(act(&s, "algoreg_nonsense", &id, "release", None).0, 401);
    assert_eq!(s.send("POST", "/api/v1/organisations/ede/algorithms", None, Some(json!({"content": {}}))).0, 401);
}

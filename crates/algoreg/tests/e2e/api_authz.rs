//! Authorisation: every write checks organisation membership and role.

use crate::common::*;
use serde_json::json;

#[test]
fn editor_of_one_organisation_gets_403_on_every_write_of_another() {
    let env = Env::new();
    env.org("amsterdam", "central");
    env.org("rotterdam", "four_eyes");
    env.user("redactie@amsterdam.nl", Some("amsterdam"), &["editor", "approver", "org_admin"], false);
    let ams = env.token("amsterdam", "org_admin");
    let rdam_editor = env.token("rotterdam", "editor");
    let rdam_approver = env.token("rotterdam", "approver");
    let s = env.serve();

    // A record in Rotterdam, released and published.
    let id = s.create("rotterdam", &rdam_editor, complete_content("Verkeerslichten"));
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{id}/actions/release"), Some(&rdam_editor), None).0, 200);

    let session = s.login("redactie@amsterdam.nl");
    for (label, status) in [
        ("create", s.send("POST", "/api/v1/organisations/rotterdam/algorithms", Some(&ams), Some(json!({"content": {"name": "x"}}))).0),
        ("create (session)", session.send("POST", "/api/v1/organisations/rotterdam/algorithms", Some(json!({"content": {"name": "x"}}))).0),
        ("save", s.send("PUT", &format!("/api/v1/algorithms/{id}/draft"), Some(&ams), Some(json!({"content": {"name": "x"}}))).0),
        ("save (session)", session.send("PUT", &format!("/api/v1/algorithms/{id}/draft"), Some(json!({"content": {"name": "x"}}))).0),
        ("workspace", s.send("GET", &format!("/api/v1/algorithms/{id}/workspace"), Some(&ams), None).0),
        (
            "create organisation",
            s.send("POST", "/api/v1/organisations", Some(&ams), Some(json!({"code": "nieuw", "name": "Nieuw", "type": "gemeente"}))).0,
        ),
    ] {
        assert_eq!(status, 403, "{label}");
    }
    for action in ["release", "publish", "reject", "retract", "archive", "unarchive"] {
        let body = json!({"reason": "test"});
        assert_eq!(
            s.send("POST", &format!("/api/v1/algorithms/{id}/actions/{action}"), Some(&ams), Some(body.clone())).0,
            403,
            "{action} (token)"
        );
        assert_eq!(session.send("POST", &format!("/api/v1/algorithms/{id}/actions/{action}"), Some(body)).0, 403, "{action} (session)");
    }
    // Nothing changed: still released, not public.
    let (_, ws) = s.send("GET", &format!("/api/v1/algorithms/{id}/workspace"), Some(&rdam_editor), None);
    assert_eq!(ws["record"]["latest_state"], "released");
    assert_eq!(ws["history"].as_array().unwrap().len(), 2);
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{id}/actions/publish"), Some(&rdam_approver), None).0, 200);
}

#[test]
fn role_matrix_per_flow() {
    // (flow, role, action) -> allowed, from a record whose latest version permits the action.
    let env = Env::new();
    env.org("centraal", "central");
    env.org("zelf", "four_eyes");
    let mut tokens = std::collections::HashMap::new();
    for org in ["centraal", "zelf"] {
        for role in ["editor", "approver", "org_admin"] {
            tokens.insert((org, role), env.token(org, role));
        }
    }
    let s = env.serve();
    let expected = |flow: &str, role: &str, action: &str| -> bool {
        match (flow, action) {
            (_, "release") => true,
            ("centraal", "publish" | "reject") => false,
            ("centraal", "retract" | "archive") => role == "org_admin",
            ("zelf", "publish" | "reject") => role == "approver",
            ("zelf", "retract" | "archive") => role != "editor",
            _ => unreachable!(),
        }
    };
    for org in ["centraal", "zelf"] {
        for role in ["editor", "approver", "org_admin"] {
            for action in ["release", "publish", "reject", "retract", "archive"] {
                let author = &tokens[&(org, "editor")];
                let (_, v) = s.send(
                    "POST",
                    &format!("/api/v1/organisations/{org}/algorithms"),
                    Some(author),
                    Some(json!({"content": complete_content("Matrix")})),
                );
                let id = v["id"].as_str().unwrap().to_string();
                // Bring the record to a state where the action is possible.
                match action {
                    "publish" | "reject" => {
                        assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{id}/actions/release"), Some(author), None).0, 200)
                    }
                    "retract" if org == "zelf" => {
                        s.send("POST", &format!("/api/v1/algorithms/{id}/actions/release"), Some(author), None);
                        assert_eq!(
                            s.send("POST", &format!("/api/v1/algorithms/{id}/actions/publish"), Some(&tokens[&(org, "approver")]), None).0,
                            200
                        );
                    }
                    "retract" => continue, // central flow publication needs the operator; covered in api_workflow
                    _ => {}
                }
                let (st, body) = s.send(
                    "POST",
                    &format!("/api/v1/algorithms/{id}/actions/{action}"),
                    Some(&tokens[&(org, role)]),
                    Some(json!({"reason": "matrix"})),
                );
                let allowed = expected(org, role, action);
                assert_eq!(st == 200, allowed, "{org} {role} {action}: {st} {body}");
                if !allowed {
                    assert_eq!(st, 403, "{org} {role} {action}");
                }
            }
        }
    }
}

#[test]
fn tokens_are_stored_only_as_hashes() {
    // Reads SQLite's files; the same code writes the hash to PostgreSQL (the conformance suite).
    let env = Env::sqlite();
    env.org("delft", "central");
    let token = env.token("delft", "editor");
    assert!(token.starts_with("algoreg_") && token.len() > 40);
    let db = std::fs::read(env.dir.path().join("data/algoreg.db")).unwrap();
    let wal = std::fs::read(env.dir.path().join("data/algoreg.db-wal")).unwrap_or_default();
    let needle = token.as_bytes();
    for bytes in [&db, &wal] {
        assert!(!bytes.windows(needle.len()).any(|w| w == needle), "secret found in the database");
    }
}

//! Validation rules and error shapes over HTTP.

use crate::common::*;
use serde_json::json;

#[test]
fn every_rule_is_reported_with_field_and_both_languages() {
    let env = Env::new();
    env.org("delft", "central");
    let t = env.token("delft", "editor");
    let s = env.serve();
    let cases = [
        (json!({"name": "x".repeat(101)}), "name", "max_length"),
        (json!({"name": "a", "description_short": format!("<p>{}</p>", "b".repeat(401))}), "description_short", "max_length"),
        (json!({"name": "a", "status": "Misschien"}), "status", "not_in_list"),
        (json!({"name": "a", "publication_category": "D"}), "publication_category", "not_in_list"),
        (json!({"name": "a", "category": ["Ruimtevaart"]}), "category", "not_in_list"),
        (json!({"name": "a", "website": "www.zonder-schema.nl"}), "website", "url"),
        (json!({"name": "a", "contact_email": "bel ons"}), "contact_email", "contact_point"),
        (json!({"name": "a", "begin_date": "maart 2024"}), "begin_date", "year_month"),
        (json!({"name": "a", "begin_date": "2024-05", "end_date": "2024-01"}), "end_date", "end_before_begin"),
        (json!({"name": 12}), "name", "type"),
        (json!({"name": "a", "lawful_basis_grouping": [{"title": "Wet"}]}), "lawful_basis_grouping[0].link", "required"),
        (
            json!({"name": "a", "lawful_basis_grouping": [{"title": "Wet", "link": "javascript:alert(1)"}]}),
            "lawful_basis_grouping[0].link",
            "url",
        ),
        (json!({"name": "a", "onbekend": "x"}), "onbekend", "unknown_field"),
        // Sizes no registration needs: checked before anything else is done with them.
        (json!({"name": "a", "category": vec!["Verkeer"; 201]}), "category", "too_many_items"),
        (json!({"name": "a", "goal": "<b>x</b>".repeat(5_000)}), "goal", "markup_too_long"),
        (json!({"name": "a", "goal": "<p>&#1;</p>"}), "goal", "control_character"),
        // A NUL (PostgreSQL cannot store one) or another control character, in a text or a list.
        (json!({"name": "Naam\u{0}met nul"}), "name", "control_character"),
        (
            json!({"name": "a", "lawful_basis_grouping": [{"title": "Wet\u{7}", "link": "https://wetten.overheid.nl"}]}),
            "lawful_basis_grouping",
            "control_character",
        ),
    ];
    for (content, field, rule) in cases {
        let (st, body) = s.send("POST", "/api/v1/organisations/delft/algorithms", Some(&t), Some(json!({ "content": content })));
        assert_eq!(st, 422, "{field} {rule}: {body}");
        let errs = body["errors"].as_array().unwrap();
        let e = errs.iter().find(|e| e["field"] == field && e["rule"] == rule).unwrap_or_else(|| panic!("{field}/{rule} not in {body}"));
        assert!(!e["message_nl"].as_str().unwrap().is_empty() && !e["message_en"].as_str().unwrap().is_empty());
    }
    // Nothing was stored by any of the refused requests.
    assert_eq!(s.get_json("/api/v1/algorithms")["total"], 0);
    let (_, ws) = s.send("POST", "/api/v1/organisations/delft/algorithms", Some(&t), Some(json!({"content": {"name": "ok"}})));
    assert_eq!(ws["version"], 1);
}

#[test]
fn rich_text_is_sanitised_before_storing() {
    let env = Env::new();
    env.org("delft", "central");
    let t = env.token("delft", "editor");
    let s = env.serve();
    let (st, v) = s.send(
        "POST",
        "/api/v1/organisations/delft/algorithms",
        Some(&t),
        Some(json!({"content": {"name": "x", "goal": "<p onclick='x()'>Doel <a href='https://a.nl'>link</a><a href='javascript:x'>kwaad</a></p><script>alert(1)</script><img src=x>"}})),
    );
    assert_eq!(st, 201);
    let goal = v["content"]["goal"].as_str().unwrap();
    assert!(goal.contains("<p>") && goal.contains("href=\"https://a.nl\""), "{goal}");
    for bad in ["onclick", "script", "javascript", "<img"] {
        assert!(!goal.contains(bad), "{bad} in {goal}");
    }
}

#[test]
fn bad_input_everywhere_names_the_field() {
    let env = Env::new();
    env.org("delft", "central");
    let t = env.token("delft", "editor");
    let s = env.serve();
    for (path, field) in [
        ("/api/v1/algorithms?page=0", "page"),
        ("/api/v1/algorithms?per_page=1000", "per_page"),
        ("/api/v1/algorithms?page=abc", "page"),
        ("/api/v1/algorithms/1234", "id"),
    ] {
        let r = s.get(path);
        assert_eq!(r.status(), 422, "{path}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let body: serde_json::Value = r.json().unwrap();
        assert_eq!(body["errors"][0]["field"], field, "{path}");
    }
    let r = s
        .client
        .post(s.url("/api/v1/organisations/delft/algorithms"))
        .bearer_auth(&t)
        .header("content-type", "application/json")
        .body("{\"content\": [1,2]}")
        .send()
        .unwrap();
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().unwrap();
    assert_eq!(body["errors"][0]["field"], "content");
    let r = s
        .client
        .post(s.url("/api/v1/organisations/delft/algorithms"))
        .bearer_auth(&t)
        .header("content-type", "text/plain")
        .body("hallo")
        .send()
        .unwrap();
    assert_eq!(r.status(), 422);
    let (st, body) =
        s.send("POST", "/api/v1/organisations/delft/algorithms", Some(&t), Some(json!({"id": "11136894", "content": {"name": "x"}})));
    assert_eq!(st, 422);
    assert_eq!(body["errors"][0]["field"], "id");
    let (st, _) =
        s.send("POST", "/api/v1/organisations/delft/algorithms", Some(&t), Some(json!({"id": "11136893", "content": {"name": "x"}})));
    assert_eq!(st, 201, "a valid given ID is kept");
    let (st, body) =
        s.send("POST", "/api/v1/organisations/delft/algorithms", Some(&t), Some(json!({"id": "11136893", "content": {"name": "y"}})));
    assert_eq!(st, 409, "{body}");
    assert_eq!(s.get("/api/v1/nothing-here").status(), 404);
    assert_eq!(s.get("/api/v1/algorithms/11136893").status(), 404, "a draft is not public");
}

#[test]
fn openapi_document_describes_the_api() {
    let env = Env::new();
    let s = env.serve();
    let doc = s.get_json("/api/v1/openapi.json");
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for p in [
        "/api/v1/algorithms",
        "/api/v1/algorithms/{id}",
        "/api/v1/algorithms/{id}/versions",
        "/api/v1/algorithms/{id}/versions/{number}",
        "/api/v1/organisations/{code}/algorithms",
        "/api/v1/algorithms/{id}/actions/{action}",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} missing");
    }
}

//! `algoreg aiact check-tree` on the official tree and on broken ones.

use crate::common::*;

#[test]
fn check_tree_walks_every_path_and_names_problems() {
    let env = Env::new();
    let official = shared().join("anchors/ai-act-decision-tree/beslishulp-ai-verordening/decision-tree.yaml");
    let out = env.raw(&["aiact", "check-tree", &official.display().to_string()]);
    assert!(out.contains("22 questions, 50 conclusions"), "{out}");
    assert!(out.contains("every one ends in a conclusion; 50 conclusions reached"), "{out}");

    let broken = [
        ("dangling", "version: '1'\nname: t\nquestions:\n  - questionId: '1'\n    question: q\n    answers:\n      - answer: Ja\n        nextQuestionId: '9'\nconclusions:\n  - conclusionId: 'c'\n    conclusion: x\n", "question 9, which does not exist"),
        ("bad condition", "version: '1'\nname: t\nquestions:\n  - questionId: '1'\n    question: q\n    answers:\n      - answer: Ja\n        redirects:\n          - nextConclusionId: 'c'\n            if: '\"a\" in labels &&'\n          - nextConclusionId: 'c'\n            if: 'true'\nconclusions:\n  - conclusionId: 'c'\n    conclusion: x\n", "expected a condition"),
        ("dead end", "version: '1'\nname: t\nquestions:\n  - questionId: '1'\n    question: q\n    answers:\n      - answer: Ja\n        redirects:\n          - nextConclusionId: 'c'\n            if: '\"a\" in labels'\n          - nextConclusionId: 'c'\n            if: '\"b\" in labels'\nconclusions:\n  - conclusionId: 'c'\n    conclusion: x\n", "no redirect condition holds"),
        ("loop", "version: '1'\nname: t\nquestions:\n  - questionId: '1'\n    question: q\n    answers:\n      - answer: Ja\n        nextQuestionId: '2'\n  - questionId: '2'\n    question: q\n    answers:\n      - answer: Ja\n        nextQuestionId: '1'\nconclusions:\n  - conclusionId: 'c'\n    conclusion: x\n", "loops back"),
        ("not a tree", "- just\n- a list\n", "not a decision tree"),
    ];
    for (name, yaml, message) in broken {
        let file = env.dir.path().join(format!("{}.yaml", name.replace(' ', "-")));
        std::fs::write(&file, yaml).unwrap();
        let out = std::process::Command::new(BIN).args(["aiact", "check-tree", &file.display().to_string()]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(message), "{name}: {err}");
    }
}

#[test]
fn classification_over_the_api_blocks_prohibited_practices() {
    use serde_json::json;
    let env = Env::new();
    env.org("zeist", "four_eyes");
    env.org("baarn", "central");
    let ed = env.token("zeist", "editor");
    let ap = env.token("zeist", "approver");
    let other = env.token("baarn", "editor");
    let s = env.serve();
    let create = |name: &str| {
        let (st, v) =
            s.send("POST", "/api/v1/organisations/zeist/algorithms", Some(&ed), Some(json!({ "content": complete_content(name) })));
        assert_eq!(st, 201, "{v}");
        v["id"].as_str().unwrap().to_string()
    };
    let mut content = complete_content("Recht op bijstand beoordelen");
    content["impacttoetsen_grouping"] =
        json!([{"title": "Impact Assessment Mensenrechten en Algoritmes (IAMA)", "link": "https://zeist.nl/iama.pdf"}]);
    let benefits = s.create("zeist", &ed, content.clone());
    let path = format!("/api/v1/algorithms/{benefits}/ai-act");
    // Step by step: an unfinished list gives the next question, and nothing is stored.
    let (st, v) = s.send("POST", &path, Some(&ed), Some(json!({"answers": []})));
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["finished"], false);
    assert!(v["question"]["answers"].as_array().unwrap().len() >= 2);
    let (st, v) = s.send("POST", &path, Some(&ed), Some(json!({"answers": [0, 0, 2]})));
    assert_eq!((st, v["question"]["id"].as_str()), (200, Some("A4")));
    // Wrong answers, another organisation, no token.
    assert_eq!(s.send("POST", &path, Some(&ed), Some(json!({"answers": [7]}))).0, 422);
    assert_eq!(s.send("POST", &path, Some(&ed), Some(json!({"answers": "0,1"}))).0, 422);
    assert_eq!(s.send("POST", &path, Some(&other), Some(json!({"answers": [0]}))).0, 403);
    assert_eq!(s.send("POST", &path, None, Some(json!({"answers": [0]}))).0, 401);
    // Benefits eligibility (Annex III, profiling): high-risk, with the deployer's requirements.
    let (st, v) = s.send("POST", &path, Some(&ed), Some(json!({"answers": [0, 0, 2, 1, 2, 1, 0, 1, 1]})));
    assert_eq!(st, 201, "{v}");
    let c = &v["classification"];
    assert_eq!(c["conclusion_id"], "C-hoog-risico-gebruiker");
    assert!(c["labels"].as_array().unwrap().iter().any(|l| l == "hoog-risico AI"));
    assert!(c["requirements"].as_array().unwrap().iter().any(|r| r["urn"].as_str().unwrap().ends_with("alg-grondrechten")));
    assert!(c["applies_from"].as_array().unwrap().iter().any(|d| d["date"] == "2026-08-02"));
    // Compliance per requirement: statuses, reasons, evidence links; only the record's organisation.
    let urn = c["requirements"].as_array().unwrap().iter().find(|r| r["urn"].as_str().unwrap().ends_with("alg-grondrechten")).unwrap()
        ["urn"]
        .as_str()
        .unwrap()
        .to_string();
    // The IAMA the registration names counts as evidence for the fundamental-rights requirement.
    let fr = c["requirements"].as_array().unwrap().iter().find(|r| r["urn"] == urn.as_str()).unwrap();
    assert_eq!(fr["evidence"], json!(["https://zeist.nl/iama.pdf"]), "{fr}");
    let rpath = format!("/api/v1/algorithms/{benefits}/ai-act/requirements/{urn}");
    let (st, e) = s.send("PUT", &rpath, Some(&ed), Some(json!({"status": "done", "evidence": ["https://zeist.nl/iama.pdf"]})));
    assert_eq!(st, 200, "{e}");
    assert_eq!(e["status"], "done");
    assert_eq!(s.send("PUT", &rpath, Some(&ed), Some(json!({"status": "not_applicable"}))).0, 422, "a reason is needed");
    assert_eq!(s.send("PUT", &rpath, Some(&ed), Some(json!({"status": "klaar"}))).0, 422);
    assert_eq!(s.send("PUT", &rpath, Some(&ed), Some(json!({"status": "done", "evidence": ["geen link"]}))).0, 422);
    assert_eq!(
        s.send("PUT", &format!("/api/v1/algorithms/{benefits}/ai-act/requirements/urn:x"), Some(&ed), Some(json!({"status": "done"}))).0,
        422
    );
    assert_eq!(s.send("PUT", &rpath, Some(&other), Some(json!({"status": "done"}))).0, 403);
    // Not public before publication; public after.
    assert_eq!(s.send("GET", &path, None, None).0, 404);
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{benefits}/actions/release"), Some(&ed), None).0, 200);
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{benefits}/actions/publish"), Some(&ap), None).0, 200);
    let (st, public) = s.send("GET", &path, None, None);
    assert_eq!(st, 200);
    assert_eq!(public["conclusion_id"], "C-hoog-risico-gebruiker");
    assert_eq!(public["compliance"]["done"], 1);
    assert!(public["compliance"]["total"].as_u64().unwrap() >= 4);
    let r = public["requirements"].as_array().unwrap().iter().find(|r| r["urn"] == urn.as_str()).unwrap();
    assert_eq!(r["evidence"][0], "https://zeist.nl/iama.pdf");

    // A new draft names another assessment, and is classified again: the public still sees only what
    // was published (evidence and classification), never the draft.
    // An editor's change to a published registration's AI Act data waits for the next publication,
    // like any change to the registration (no draft is open here).
    assert_eq!(s.send("PUT", &rpath, Some(&ed), Some(json!({"status": "in_progress"}))).0, 200);
    let (_, public) = s.send("GET", &path, None, None);
    let r = public["requirements"].as_array().unwrap().iter().find(|r| r["urn"] == urn.as_str()).unwrap();
    assert_eq!(r["status"], "done", "not public before it is published: {r}");
    let (st, v) = s.send("POST", &path, Some(&ed), Some(json!({"answers": [0, 0, 2, 1, 0, 1]})));
    assert_eq!(st, 201, "{v}");
    assert_ne!(v["classification"]["conclusion_id"], "C-hoog-risico-gebruiker", "another conclusion: {v}");
    let (_, public) = s.send("GET", &path, None, None);
    assert_eq!(public["conclusion_id"], "C-hoog-risico-gebruiker", "the published conclusion stands until a publication");
    assert_eq!(s.send("POST", &path, Some(&ed), Some(json!({"answers": [0, 0, 2, 1, 2, 1, 0, 1, 1]}))).0, 201, "and back");
    let mut draft = content.clone();
    draft["impacttoetsen_grouping"] = json!([{"title": "IAMA (concept)", "link": "https://zeist.nl/concept-iama.pdf"}]);
    let (st, v) = s.send("PUT", &format!("/api/v1/algorithms/{benefits}/draft"), Some(&ed), Some(json!({"content": draft})));
    assert_eq!(st, 200, "{v}");
    // What an editor records while the draft is open is not public either.
    let (st, e) = s.send("PUT", &rpath, Some(&ed), Some(json!({"status": "not_applicable", "reason": "concept-reden"})));
    assert_eq!(st, 200, "{e}");
    let (_, public) = s.send("GET", &path, None, None);
    let r = public["requirements"].as_array().unwrap().iter().find(|r| r["urn"] == urn.as_str()).unwrap();
    assert_eq!(r["evidence"], json!(["https://zeist.nl/iama.pdf"]), "published evidence only: {r}");
    assert_eq!(r["status"], "done", "the status recorded for the published version: {r}");
    assert!(!public.to_string().contains("concept-reden"));

    let (_, page) = (s.get(&format!("/nl/algoritme/{benefits}")).status(), s.get(&format!("/nl/algoritme/{benefits}")).text().unwrap());
    assert!(!page.contains("concept-iama"), "the record page shows no draft link");
    let (st, _) = s.send("POST", &path, Some(&ed), Some(json!({"answers": [0, 0, 2, 1, 0, 1]})));
    assert_eq!(st, 201);
    let (st, public) = s.send("GET", &path, None, None);
    assert_eq!(st, 200, "the published version's classification stays public: {public}");
    assert_eq!(public["conclusion_id"], "C-hoog-risico-gebruiker", "the draft's classification is not public: {public}");
    let page = s.get(&format!("/nl/algoritme/{benefits}")).text().unwrap();
    assert!(!page.contains("verboden"), "nor on the record page");

    // A prohibited practice: release is refused with the reason, until classified again.
    let camera = create("Gezichten herkennen op straat");
    let cpath = format!("/api/v1/algorithms/{camera}/ai-act");
    let (st, v) = s.send("POST", &cpath, Some(&ed), Some(json!({"answers": [0, 0, 2, 1, 0, 1]})));
    assert_eq!((st, v["classification"]["conclusion_id"].as_str()), (201, Some("C-verboden")));
    let (st, v) = s.send("POST", &format!("/api/v1/algorithms/{camera}/actions/release"), Some(&ed), None);
    assert_eq!(st, 422, "{v}");
    assert!(v.to_string().contains("ai_act"), "{v}");
    // Classified again (the lawful exception applies): release goes ahead.
    let (st, _) = s.send("POST", &cpath, Some(&ed), Some(json!({"answers": [0, 0, 2, 1, 2, 1, 1, 0]})));
    assert_eq!(st, 201);
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{camera}/actions/release"), Some(&ed), None).0, 200);
}

#[test]
fn an_ai_act_change_while_a_version_waits_for_approval_withdraws_the_release() {
    use serde_json::json;
    let env = Env::new();
    env.org("zeist", "four_eyes");
    let ed = env.token("zeist", "editor");
    let ap = env.token("zeist", "approver");
    let s = env.serve();
    let id = s.create("zeist", &ed, complete_content("Recht op bijstand beoordelen"));
    let path = format!("/api/v1/algorithms/{id}/ai-act");
    let act = |who: &str, action: &str| s.send("POST", &format!("/api/v1/algorithms/{id}/actions/{action}"), Some(who), None);
    let high_risk = json!({"answers": [0, 0, 2, 1, 2, 1, 0, 1, 1]});
    let (st, v) = s.send("POST", &path, Some(&ed), Some(high_risk.clone()));
    assert_eq!(st, 201, "{v}");
    let (st, state) = act(&ed, "release");
    assert_eq!((st, state["latest_state"].as_str()), (200, Some("released")), "{state}");

    // The same answers again (a tool that keeps the AI Act data in step): nothing changes, nothing is withdrawn.
    let states = || -> Vec<String> {
        let (st, w) = s.send("GET", &format!("/api/v1/algorithms/{id}/workspace"), Some(&ed), None);
        assert_eq!(st, 200, "{w}");
        w["versions"].as_array().unwrap().iter().map(|v| v["state"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(s.send("POST", &path, Some(&ed), Some(high_risk.clone())).0, 201);
    assert_eq!(states(), ["released"]);
    // The approver was asked to approve version 1 with a high-risk outcome. The editor changes the outcome
    // meanwhile: the release is withdrawn (a new draft, the same content), so nothing unseen goes public.
    let (st, v) = s.send("POST", &path, Some(&ed), Some(json!({"answers": [0, 0, 2, 1, 2, 1, 1, 0]})));
    assert_eq!(st, 201, "{v}");
    let other = v["classification"]["conclusion_id"].as_str().unwrap().to_string();
    assert_ne!(other, "C-hoog-risico-gebruiker");
    let (st, v) = act(&ap, "publish");
    assert_eq!(st, 409, "nothing waits for approval any more: {v}");
    assert_eq!(states(), ["superseded", "draft"]);

    // Released again and approved: the outcome the approver saw is the public one.
    assert_eq!(act(&ed, "release").0, 200);
    assert_eq!(act(&ap, "publish").0, 200);
    let (st, public) = s.send("GET", &path, None, None);
    assert_eq!((st, public["conclusion_id"].as_str()), (200, Some(other.as_str())), "{public}");

    // A compliance entry for a version that waits for approval does the same.
    let (st, c) = s.send("POST", &path, Some(&ed), Some(high_risk));
    assert_eq!(st, 201, "{c}");
    let urn = c["classification"]["requirements"][0]["urn"].as_str().map(String::from);
    let (st, v) = s.send(
        "PUT",
        &format!("/api/v1/algorithms/{id}/draft"),
        Some(&ed),
        Some(json!({"content": complete_content("Recht op bijstand beoordelen")})),
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(act(&ed, "release").0, 200);
    let urn = urn.expect("requirements of a high-risk outcome");
    let rpath = format!("/api/v1/algorithms/{id}/ai-act/requirements/{urn}");
    let (st, e) = s.send("PUT", &rpath, Some(&ed), Some(json!({"status": "done"})));
    assert_eq!(st, 200, "{e}");
    assert_eq!(act(&ap, "publish").0, 409, "the release was withdrawn");
    // Released again; the same entry again withdraws nothing.
    assert_eq!(act(&ed, "release").0, 200);
    assert_eq!(s.send("PUT", &rpath, Some(&ed), Some(json!({"status": "done"}))).0, 200);
    assert_eq!(act(&ap, "publish").0, 200);
    // The history says why the release was taken back.
    let (_, w) = s.send("GET", &format!("/api/v1/algorithms/{id}/workspace"), Some(&ed), None);
    assert!(w["history"].to_string().contains("AI Act data changed while the version awaited approval"), "{w}");
}

#[test]
fn serve_with_the_official_tree_and_task_registry() {
    use serde_json::json;
    let env = Env::new();
    env.org("ede", "central");
    let ed = env.token("ede", "editor");
    let anchors = shared().join("anchors/ai-act-decision-tree");
    let tree = anchors.join("beslishulp-ai-verordening/decision-tree.yaml");
    let registry = anchors.join("task-registry");
    let s = env.serve_with(&["--aiact-tree", &tree.display().to_string(), "--aiact-catalogue", &registry.display().to_string()]);
    let (_, v) =
        s.send("POST", "/api/v1/organisations/ede/algorithms", Some(&ed), Some(json!({ "content": complete_content("Bijstand") })));
    let id = v["id"].as_str().unwrap().to_string();
    // The official tree's path for benefits eligibility by a deployer (see crates/aiact/tests/golden.rs).
    let (st, v) = s.send(
        "POST",
        &format!("/api/v1/algorithms/{id}/ai-act"),
        Some(&ed),
        Some(json!({"answers": [0, 4, 0, 0, 1, 0, 1, 2, 0, 1, 0, 1]})),
    );
    assert_eq!(st, 201, "{v}");
    let c = &v["classification"];
    assert_eq!(c["tree"], "Beslishulp AI-verordening");
    assert!(c["labels"].as_array().unwrap().iter().any(|l| l == "hoog-risico AI"));
    let urns: Vec<&str> = c["requirements"].as_array().unwrap().iter().map(|r| r["urn"].as_str().unwrap()).collect();
    assert!(urns.contains(&"urn:nl:ak:ver:aia-27"), "the task registry's deployer duties: {urns:?}");
    assert!(
        c["instruments"].as_array().unwrap().iter().any(|i| i["name"].as_str().unwrap().contains("IAMA")),
        "instruments from the registry"
    );

    // A broken tree file stops the server at start with the reason.
    let bad = env.dir.path().join("bad.yaml");
    std::fs::write(&bad, "version: '1'\nname: x\nquestions: []\nconclusions: []\n").unwrap();
    let out = std::process::Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0", "--data", &env.data(), "--aiact-tree", &bad.display().to_string()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("aiact-tree"), "{}", String::from_utf8_lossy(&out.stderr));
}

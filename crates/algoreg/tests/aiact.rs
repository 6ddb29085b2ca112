//! `algoreg aiact check-tree` on the official tree and on broken ones.

mod common;

use common::*;

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

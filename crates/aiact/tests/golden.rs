//! Golden cases on both trees: the government's (from ../shared) and algoreg's own.

use algoreg_aiact::{builtin, check, walk, Tree};
use std::path::PathBuf;

fn official() -> Tree {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/anchors/ai-act-decision-tree/beslishulp-ai-verordening/decision-tree.yaml");
    Tree::from_yaml(&std::fs::read_to_string(&p).expect("the official tree in ../shared")).expect("parses")
}

/// Walks `answers` and returns (conclusion ID, conclusion text, labels).
fn outcome(tree: &Tree, answers: &[usize]) -> (String, String, Vec<String>) {
    let s = walk(tree, answers).unwrap_or_else(|e| panic!("{answers:?}: {e}"));
    let id = s.conclusion().unwrap_or_else(|| panic!("{answers:?} ends at {:?}", s.at)).to_string();
    let text = tree.conclusion(&id).map(|c| c.conclusion.clone()).unwrap_or_default();
    (id, text, s.labels.into_iter().collect())
}

fn has(labels: &[String], l: &str) -> bool {
    labels.iter().any(|x| x == l)
}

#[test]
fn official_tree_golden_cases() {
    let t = official();
    // A government organisation using a supplier's system (1.2: answer 4), in use, an AI system.
    let deployer = [0, 4, 0, 0, 1, 0];
    // Real-time remote biometric identification in public spaces for law enforcement: prohibited
    // (2.1 yes, 2.2 no exception applies).
    let (id, text, labels) = outcome(&t, &[&deployer[..], &[0, 1]].concat());
    assert!(has(&labels, "verboden AI"), "{labels:?}");
    assert!(text.contains("verboden"), "{id}: {text}");
    // With an exception that applies, it is not prohibited, and continues to the high-risk questions.
    let s = walk(&t, &[&deployer[..], &[0, 0]].concat()).unwrap();
    assert!(!s.labels.contains("verboden AI"));
    assert_eq!(s.conclusion(), None, "asks on: {:?}", s.at);
    // Eligibility for public benefits: Annex III, profiling → high-risk (2.1 no, 2.3 neither, 2.4 yes,
    // 2.7.2 no third party, 2.5 profiling yes, 2.9 no transparency duty).
    let (id, text, labels) = outcome(&t, &[&deployer[..], &[1, 2, 0, 1, 0, 1]].concat());
    assert!(has(&labels, "hoog-risico AI"), "{labels:?}");
    assert!(text.contains("hoog-risico"), "{id}: {text}");
    // A chatbot for citizens: not high-risk (2.4 no), not open source, transparency duty (2.9 yes, 2.10 no exception).
    let (id, text, labels) = outcome(&t, &[&deployer[..], &[1, 2, 1, 1, 0, 1]].concat());
    assert!(has(&labels, "transparantieverplichting") && has(&labels, "geen hoog-risico AI"), "{labels:?}");
    assert!(text.contains("transparantieverplichting"), "{id}: {text}");
    // A rule-based parking-permit check: "I don't know" (1.4.1), human-defined rules (1.6.1 yes) → no AI system.
    let (id, text, _) = outcome(&t, &[0, 2, 0, 2, 0]);
    assert_eq!(id, "11.1", "{text}");
}

#[test]
fn builtin_tree_passes_the_traversal() {
    let t = builtin::tree().expect("the built-in tree parses");
    let r = check(&t).expect("every path ends in a conclusion");
    assert!(r.unreachable_questions.is_empty(), "{:?}", r.unreachable_questions);
    assert!(r.unreached_conclusions.is_empty(), "{:?}", r.unreached_conclusions);
    // The same label words as the government's tree, so requirements keyed on labels apply to both.
    let official = check(&official()).unwrap();
    for l in &r.labels {
        assert!(official.labels.contains(l) || l == "geen AI-systeem", "label {l} is not one of the official tree's");
    }
}

#[test]
fn builtin_tree_golden_cases() {
    let t = builtin::tree().unwrap();
    // A1 yes, A2 AI system, A3 supplier's system, A4 no exception.
    let deployer = [0, 0, 2, 1];
    let (id, _, labels) = outcome(&t, &[&deployer[..], &[0, 1]].concat());
    assert_eq!(id, "C-verboden");
    assert!(has(&labels, "verboden AI"));
    let (id, _, labels) = outcome(&t, &[&deployer[..], &[0, 0, 1]].concat());
    assert_eq!(id, "C-hoog-risico-gebruiker", "an allowed exception makes it high-risk, not prohibited");
    assert!(has(&labels, "uitzondering van toepassing"));
    // Benefits eligibility: R1 no, R3 no, R4 Annex III yes, R5 profiling, T1 no.
    let (id, _, labels) = outcome(&t, &[&deployer[..], &[2, 1, 0, 1, 1]].concat());
    assert_eq!(id, "C-hoog-risico-gebruiker");
    assert!(has(&labels, "hoog-risico AI"));
    // Chatbot: R4 no, T1 yes.
    let (id, _, labels) = outcome(&t, &[&deployer[..], &[2, 1, 1, 0]].concat());
    assert_eq!(id, "C-transparantie");
    assert!(has(&labels, "transparantieverplichting"));
    // Rule-based parking-permit check.
    let (id, _, _) = outcome(&t, &[0, 2]);
    assert_eq!(id, "C-geen-ai");
}

#[test]
fn dates_are_configuration() {
    let d = builtin::dates(builtin::DATES_YAML).unwrap();
    assert_eq!(d.get("verboden AI").map(String::as_str), Some("2025-02-02"));
    let labels = vec!["hoog-risico AI".to_string(), "verboden AI".to_string(), "aanbieder".to_string()];
    let a = builtin::applicable_dates(&labels, &d);
    assert_eq!(a.first().map(|x| x.1.as_str()), Some("2025-02-02"));
    assert!(builtin::dates("verboden AI: morgen\n").is_err());
}

mod random {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Random answer sequences never panic, and always either end, ask a valid question, or are refused.
        #[test]
        fn random_answers_never_panic(answers in proptest::collection::vec(0usize..10, 0..25)) {
            for t in [builtin::tree().unwrap(), official()] {
                if let Ok(s) = walk(&t, &answers) {
                    match &s.at {
                        algoreg_aiact::Next::Question(q) => prop_assert!(t.question(q).is_some()),
                        algoreg_aiact::Next::Conclusion(c) => prop_assert!(t.conclusion(c).is_some()),
                    }
                }
            }
        }
    }
}

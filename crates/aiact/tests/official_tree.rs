//! The government's official decision tree (from ../shared, read at run time): every path ends in a
//! conclusion, no reference dangles, every condition parses.

use algoreg_aiact::{check, walk, Next, Tree};
use std::path::PathBuf;

fn official() -> Tree {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/anchors/ai-act-decision-tree/beslishulp-ai-verordening/decision-tree.yaml");
    Tree::from_yaml(&std::fs::read_to_string(&p).expect("the official tree in ../shared")).expect("parses")
}

#[test]
fn exhaustive_traversal_of_the_official_tree() {
    let tree = official();
    let report = check(&tree).expect("every path ends in a conclusion");
    assert_eq!(report.questions, tree.questions.len());
    assert!(report.paths > 100, "{}", report.paths);
    assert!(report.unreachable_questions.is_empty(), "{:?}", report.unreachable_questions);
    assert!(report.reached.len() >= 40, "conclusions reached: {}", report.reached.len());
    for l in ["AI-systeem", "aanbieder", "gebruiksverantwoordelijke", "hoog-risico AI", "verboden AI", "transparantieverplichting"] {
        assert!(report.labels.contains(l), "{l}");
    }
}

#[test]
fn no_algorithm_ends_at_once() {
    let tree = official();
    // 1.1 "Bevat de toepassing een algoritme?" → Nee.
    let s = walk(&tree, &[1]).unwrap();
    assert_eq!(s.at, Next::Conclusion("11.0".into()));
    assert!(s.labels.contains("geen algoritme"));
    assert!(walk(&tree, &[1, 0]).is_err(), "no answers after a conclusion");
    assert!(walk(&tree, &[99]).is_err(), "no such answer");
}

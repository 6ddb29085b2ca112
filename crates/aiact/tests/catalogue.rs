//! The requirements catalogue: the government's task registry (from ../shared) and algoreg's own.

use algoreg_aiact::catalogue::{builtin, Catalogue};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn registry() -> Catalogue {
    let base = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/anchors/ai-act-decision-tree/task-registry");
    let mut files = vec![];
    for dir in ["requirements", "measures", "instruments"] {
        for e in std::fs::read_dir(base.join(dir)).unwrap() {
            let p = e.unwrap().path();
            files.push((p.display().to_string(), std::fs::read_to_string(&p).unwrap()));
        }
    }
    Catalogue::from_files("task-registry", &files).expect("the task registry loads")
}

fn labels(l: &[&str]) -> BTreeSet<String> {
    l.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_task_registry_loads_and_applies_by_labels() {
    let c = registry();
    assert_eq!(c.requirements.len(), 63);
    assert!(c.measures.len() >= 100, "{}", c.measures.len());
    assert_eq!(c.instruments.len(), 4, "IAMA, AIIA, conformity assessment, technical documentation");
    assert!(c.instruments.iter().any(|i| i.name.contains("IAMA")));
    // The registry itself uses one measure URN twice; loading goes on and says so.
    assert!(c.warnings.iter().any(|w| w.contains("mon-05")), "{:?}", c.warnings);
    let urns = |rs: Vec<&algoreg_aiact::catalogue::Requirement>| {
        rs.iter().map(|r| r.urn.rsplit(':').next().unwrap().to_string()).collect::<BTreeSet<_>>()
    };
    // A deployer of a high-risk AI system (benefits eligibility): the deployer's duties, not the provider's.
    let hr = urns(c.applicable(&labels(&["AI-systeem", "gebruiksverantwoordelijke", "hoog-risico AI", "geen transparantieverplichting"])));
    for u in ["aia-01", "aia-20", "aia-21", "aia-27", "avg-01", "awb-01"] {
        assert!(hr.contains(u), "{u} missing: {hr:?}");
    }
    for u in ["aia-03", "aia-16", "aia-00"] {
        assert!(!hr.contains(u), "{u} is the provider's or the prohibited case");
    }
    // Prohibited: aia-00 applies.
    assert!(urns(c.applicable(&labels(&["AI-systeem", "gebruiksverantwoordelijke", "verboden AI"]))).contains("aia-00"));
    // No AI system: only what applies to every algorithm.
    let none = c.applicable(&labels(&["geen algoritme"]));
    assert!(none.iter().all(|r| r.always_applicable == 1));
    assert!(!none.is_empty());
    // Measures linked to a requirement.
    let r = c.requirements.iter().find(|r| r.urn.ends_with("aia-03")).unwrap();
    assert!(!c.measures_for(r).is_empty());
}

#[test]
fn the_builtin_catalogue_covers_the_risk_groups() {
    let c = builtin();
    assert!(c.requirements.len() >= 12);
    let names = |l: &[&str]| c.applicable(&labels(l)).iter().map(|r| r.urn.clone()).collect::<Vec<_>>();
    assert!(names(&["AI-systeem", "gebruiksverantwoordelijke", "hoog-risico AI"]).iter().any(|u| u.ends_with("alg-grondrechten")));
    assert!(names(&["AI-systeem", "aanbieder", "hoog-risico AI"]).iter().any(|u| u.ends_with("alg-conformiteit")));
    assert!(names(&["AI-systeem", "gebruiksverantwoordelijke", "geen hoog-risico AI", "transparantieverplichting"])
        .iter()
        .any(|u| u.ends_with("alg-transparantie")));
    assert_eq!(names(&["geen AI-systeem"]).len(), 3, "only the three that apply to every algorithm");
    for r in &c.requirements {
        for m in &r.links {
            assert!(c.measures.iter().any(|x| &x.urn == m), "{} links to unknown {m}", r.urn);
        }
    }
    // A broken file is refused with its name.
    let e = Catalogue::from_files("x", &[("bad.yaml".into(), "urn: [".into())]).unwrap_err();
    assert_eq!(e.file, "bad.yaml");
}

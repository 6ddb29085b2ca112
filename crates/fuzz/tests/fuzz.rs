//! Every finding ever made stays fixed, and a short fuzz run of every target finds nothing new.

use std::time::Duration;

#[test]
fn every_regression_case_passes() {
    std::panic::set_hook(Box::new(|_| {}));
    let mut checked = 0;
    let mut failed = vec![];
    for t in algoreg_fuzz::TARGETS {
        let Ok(dir) = std::fs::read_dir(algoreg_fuzz::regressions_dir(t.name)) else { continue };
        for e in dir.flatten() {
            let input = std::fs::read(e.path()).unwrap();
            if let Some(f) = algoreg_fuzz::check(t, &input) {
                let f = format!("{f:?}");
                failed.push(format!("{} {}: {}", t.name, e.path().display(), &f[..f.len().min(2000)]));
            }
            checked += 1;
        }
    }
    let _ = std::panic::take_hook();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    println!("{checked} regression cases");
}

#[test]
fn a_short_run_of_every_target_finds_nothing() {
    std::panic::set_hook(Box::new(|_| {}));
    for t in algoreg_fuzz::TARGETS {
        let (n, findings) = algoreg_fuzz::run(t, Duration::from_secs(2), 7);
        assert!(n > 0, "{}", t.name);
        assert!(
            findings.is_empty(),
            "{}: {:?}",
            t.name,
            findings.iter().map(|(i, f)| (String::from_utf8_lossy(&i[..i.len().min(200)]).to_string(), f)).collect::<Vec<_>>()
        );
    }
}

//! How long a spelling correction ("did you mean") takes on a large word list, with the median over
//! rounds: `cargo run --release -p algoreg-search --example spelling [DOCS] [ROUNDS]` (docs/BENCHMARKS.md).
//! The documents' names and descriptions are made of made-up words, so the word list grows with them.

use algoreg_search::{SearchDoc, SearchIndex};
use std::time::Instant;

const SYLLABLES: &[&str] = &[
    "ver", "gun", "ning", "par", "ke", "ren", "toe", "slag", "uit", "ke", "ring", "aan", "vraag", "be", "oor", "de", "len", "wo", "ning",
    "zorg", "hulp", "af", "val", "route", "grond", "wa", "ter", "stand", "sub", "si", "die", "be", "las", "ting", "frau", "de", "op",
    "spo", "rings", "risi", "co", "pro", "fiel", "ver", "keer", "licht", "school", "leer", "plicht", "bij", "stand",
];

/// A word of three to five syllables from a simple generator (the same words every run).
fn word(seed: &mut u64) -> String {
    let mut next = || {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (*seed >> 33) as usize
    };
    let n = 3 + next() % 3;
    (0..n).map(|_| SYLLABLES[next() % SYLLABLES.len()]).collect()
}

fn main() {
    let docs: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let rounds: usize = std::env::args().nth(2).and_then(|a| a.parse().ok()).unwrap_or(20);
    let index = SearchIndex::in_memory().expect("index");
    let mut seed = 2026;
    let mut batch = Vec::with_capacity(10_000);
    let mut known = vec![];
    let started = Instant::now();
    for n in 0..docs {
        let name = format!("{} {}", word(&mut seed), word(&mut seed));
        let description = (0..6).map(|_| word(&mut seed)).collect::<Vec<_>>().join(" ");
        if n % 1000 == 0 {
            known.push(name.split(' ').next().unwrap_or_default().to_string());
        }
        batch.push(SearchDoc { id: format!("{:08}", 10_000_000 + n), org_code: "bench".into(), name, description, ..Default::default() });
        if batch.len() == 10_000 {
            index.apply(&batch, &[], None).expect("apply");
            batch.clear();
        }
    }
    index.apply(&batch, &[], Some(1)).expect("apply");
    println!("{docs} documents indexed in {:.1} s", started.elapsed().as_secs_f64());
    // Known words with one letter changed to one no syllable has: they occur nowhere.
    let typos: Vec<String> = known.iter().take(20).map(|w| format!("{}q{}", &w[..2], &w[3..])).collect();
    let mut times = vec![];
    let mut corrected = 0;
    for _ in 0..rounds {
        for t in &typos {
            let at = Instant::now();
            corrected += usize::from(index.did_you_mean(t).is_some());
            times.push(at.elapsed().as_secs_f64() * 1000.0);
        }
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let p99 = times[(times.len() * 99 / 100).min(times.len() - 1)];
    println!("did you mean, one unknown word: median {median:.3} ms, p99 {p99:.3} ms ({corrected} of {} corrected)", times.len());
}

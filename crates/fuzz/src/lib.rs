//! Fuzzing every parser on the stable toolchain. A target takes bytes; [`run`] feeds it mutations of its
//! seeds for a set time and reports inputs that panic or take longer than [`SLOW`]. Findings are written
//! to `regressions/<target>/<hash>` and replayed by `cargo test -p algoreg-fuzz` for ever after.

use rand::{Rng, SeedableRng};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

/// An input slower than this is a finding (every target here is meant to be linear in its input).
pub const SLOW: Duration = Duration::from_millis(500);
/// The largest input the mutator makes.
pub const MAX_LEN: usize = 256 * 1024;

pub struct Target {
    pub name: &'static str,
    pub seeds: &'static [&'static str],
    pub run: fn(&[u8]),
}

fn text(b: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(b)
}

/// Every parser that reads what others send: import formats (feeds, site data, SQL seeds, CSV, Excel,
/// templates), the compatible search body, the AI Act's condition language and trees, the HTML
/// sanitiser and the text routines, record validation, the search analyser, and what a browser sends
/// for a passkey (CBOR, authenticator data, COSE keys).
pub const TARGETS: &[Target] = &[
    Target {
        name: "import",
        seeds: &[
            r#"{"format":"algoreg-feed","format_version":1,"organisations":[],"records":[{"id":"1234567890","versions":[]}]}"#,
            r#"{"algoritme_versions":[{"lars":"12345678","language":"NLD","name":"x"}],"organisation_details":[]}"#,
            r#"{"algoritmes":[{"naam":"x","organisatie":"y"}]}"#,
            "INSERT INTO algoritme (uuid, name) VALUES ('a', 'b');",
            "\u{feff}\"name\",\"algorithm_id\"\n\"x\",\"12345678\"\n",
            r#"[{"name":"x","description_short":"<p>y</p>"}]"#,
        ],
        run: |b| {
            let _ = algoreg_service::import::formats::parse(b);
        },
    },
    Target {
        name: "compat-search",
        seeds: &[r#"{"searchtext":"parkeren","page":1,"limit":10,"organisation":"x","sort_option":"sort_name"}"#, "{}", "[]"],
        run: |b| {
            let _ = algoreg_web::compat::public::parse_query(b);
        },
    },
    Target {
        name: "aiact-condition",
        seeds: &[r#""hoog-risico AI" in labels && !("verboden AI" in labels) || true"#, "(((a)))"],
        run: |b| {
            let _ = algoreg_aiact::expr::Expr::parse(&text(b));
        },
    },
    Target {
        name: "aiact-tree",
        seeds: &[
            "version: '1'\nname: t\nquestions:\n  - questionId: '1'\n    question: q\n    answers:\n      - answer: Ja\n        nextConclusionId: 'c'\nconclusions:\n  - conclusionId: 'c'\n    conclusion: x\n",
        ],
        run: |b| {
            if let Ok(t) = algoreg_aiact::tree::Tree::from_yaml(&text(b)) {
                let _ = algoreg_aiact::check::check(&t);
            }
        },
    },
    Target {
        name: "html",
        seeds: &["<p>Hallo &amp; <a href=\"https://x.nl\">welkom</a></p><ul><li>een</li></ul>", "<<<<p>>>&#x1F600;&#99999999;"],
        run: |b| {
            let s = text(b);
            let clean = algoreg_standard::sanitize::sanitize_rich_text(&s);
            assert_eq!(algoreg_standard::sanitize::sanitize_rich_text(&clean), clean, "sanitising is idempotent");
            let _ = algoreg_standard::sanitize::text_len(&s);
            let _ = algoreg_standard::sanitize::plain_text(&s);
            let _ = algoreg_standard::text::readability(&s);
            let _ = algoreg_standard::text::broken_links(&s);
        },
    },
    Target {
        name: "record",
        seeds: &[r#"{"name":"x","category":["Verkeer"],"begin_date":"2023-04","lawful_basis_grouping":[{"title":"a","link":"https://x.nl"}]}"#],
        run: |b| {
            if let Ok(c) = serde_json::from_slice::<algoreg_standard::Content>(b) {
                for v in algoreg_standard::StandardVersion::ALL {
                    let _ = algoreg_standard::validate::check(v, &c, algoreg_standard::validate::Mode::Complete);
                    let _ = algoreg_standard::migrate::to_current(v, &c);
                }
            }
        },
    },
    Target {
        name: "search-text",
        seeds: &["algoritme \"parkeer vergunning\" -fraude OR uwv", "NOT NOT NOT a AND (b"],
        run: |b| {
            let s = text(b);
            let _ = algoreg_search::analyzer::terms(algoreg_search::analyzer::dutch(), &s);
            let _ = algoreg_search::analyzer::terms(algoreg_search::analyzer::words(), &s);
        },
    },
    Target {
        name: "webauthn",
        // Seeds are text (a map's head with an attestation object's keys, a short array); mutation does
        // the rest.
        seeds: &["\u{a3}cfmtdnonegattStmt\u{a0}hauthData", "\u{82}\u{01}\u{20}", "{}"],
        run: |b| {
            let rp = algoreg_service::webauthn::RelyingParty { id: "example.nl".into(), origin: "https://example.nl".into() };
            let _ = algoreg_service::webauthn::cbor(b);
            let _ = rp.register(b"challenge", b"{}", b);
            let _ = rp.authenticate(b"challenge", b, 0, b"{}", b, b);
        },
    },
];

/// Pieces that parsers of these formats care about, spliced in by the mutator.
const TOKENS: &[&str] = &[
    "<",
    ">",
    "</",
    "<p>",
    "<li>",
    "<ul>",
    "<div>",
    "<a href=\"",
    "&",
    "&#",
    "&#x",
    ";",
    "{",
    "}",
    "[",
    "]",
    "\"",
    ",",
    ":",
    "'",
    "\\",
    "\\u0000",
    "\u{feff}",
    "\n",
    "\r",
    "\t",
    "(",
    ")",
    "&&",
    "||",
    "!",
    " in ",
    "labels",
    "INSERT INTO ",
    "VALUES (",
    "NULL",
    "1e999",
    "-0",
    "99999999999999999999",
    "null",
    "true",
    "ö",
    "🙂",
    "\u{0}",
];

/// One mutation of `input`.
pub fn mutate(rng: &mut impl Rng, input: &mut Vec<u8>) {
    let n = rng.gen_range(1..=4);
    for _ in 0..n {
        match rng.gen_range(0..7) {
            0 if !input.is_empty() => {
                let i = rng.gen_range(0..input.len());
                input[i] ^= 1 << rng.gen_range(0..8);
            }
            1 => {
                let i = rng.gen_range(0..=input.len());
                input.insert(i, rng.gen());
            }
            2 if !input.is_empty() => {
                let i = rng.gen_range(0..input.len());
                let j = rng.gen_range(i..=input.len().min(i + 64));
                input.drain(i..j);
            }
            3 => {
                let t = TOKENS[rng.gen_range(0..TOKENS.len())].as_bytes();
                let i = rng.gen_range(0..=input.len());
                input.splice(i..i, t.iter().copied());
            }
            4 if !input.is_empty() => {
                // Repeat a slice many times: long runs and deep nesting.
                let i = rng.gen_range(0..input.len());
                let j = rng.gen_range(i..=input.len().min(i + 8));
                let piece = input[i..j].to_vec();
                let times = rng.gen_range(2..2000);
                let at = rng.gen_range(0..=input.len());
                let rep: Vec<u8> = piece.iter().copied().cycle().take(piece.len() * times).collect();
                input.splice(at..at, rep);
            }
            5 if !input.is_empty() => {
                let i = rng.gen_range(0..input.len());
                input.truncate(i);
            }
            _ => {
                let t = TOKENS[rng.gen_range(0..TOKENS.len())].as_bytes();
                input.extend_from_slice(t);
            }
        }
    }
    input.truncate(MAX_LEN);
}

/// What went wrong with one input.
#[derive(Debug)]
pub enum Finding {
    Panic(String),
    Slow(Duration),
}

/// Runs one input; `None` when it went well.
pub fn check(target: &Target, input: &[u8]) -> Option<Finding> {
    let started = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| (target.run)(input)));
    let took = started.elapsed();
    match result {
        Err(e) => Some(Finding::Panic(
            e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default(),
        )),
        Ok(()) if took > SLOW => Some(Finding::Slow(took)),
        Ok(()) => None,
    }
}

/// Fuzzes `target` for `time`; returns the number of inputs tried and the findings.
pub fn run(target: &Target, time: Duration, seed: u64) -> (u64, Vec<(Vec<u8>, Finding)>) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let started = Instant::now();
    let mut corpus: Vec<Vec<u8>> = target.seeds.iter().map(|s| s.as_bytes().to_vec()).collect();
    let mut findings = vec![];
    let mut n = 0;
    while started.elapsed() < time && findings.len() < 20 {
        let mut input = corpus[rng.gen_range(0..corpus.len())].clone();
        mutate(&mut rng, &mut input);
        n += 1;
        match check(target, &input) {
            Some(f) => findings.push((input, f)),
            None if corpus.len() < 256 && input.len() < 4096 && rng.gen_bool(0.05) => corpus.push(input),
            None => {}
        }
    }
    (n, findings)
}

/// Where the regression cases of a target live.
pub fn regressions_dir(target: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions").join(target)
}

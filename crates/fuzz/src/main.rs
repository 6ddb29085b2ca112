//! `algoreg-fuzz [--seconds N] [--target NAME] [--seed S]`: fuzzes every parser (or one) for N seconds
//! each and keeps each finding in `crates/fuzz/regressions/<target>/`. Exit code 1 when something was found.

use clap::Parser;
use sha2::{Digest, Sha256};

#[derive(Parser)]
struct Args {
    /// Seconds per target.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Only this target.
    #[arg(long)]
    target: Option<String>,
    /// The random seed (a run with the same seed tries the same inputs).
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

fn main() {
    let args = Args::parse();
    // Panics are findings, reported below; keep the default hook from printing each one.
    std::panic::set_hook(Box::new(|_| {}));
    let mut found = 0;
    for t in algoreg_fuzz::TARGETS.iter().filter(|t| args.target.as_deref().is_none_or(|n| n == t.name)) {
        let (n, findings) = algoreg_fuzz::run(t, std::time::Duration::from_secs(args.seconds), args.seed);
        println!("{:<16} {n:>10} inputs, {} findings", t.name, findings.len());
        for (input, f) in findings {
            let dir = algoreg_fuzz::regressions_dir(t.name);
            let _ = std::fs::create_dir_all(&dir);
            let name = hex::encode(&Sha256::digest(&input)[..8]);
            let _ = std::fs::write(dir.join(&name), &input);
            println!("  {name}: {f:?} ({} bytes)", input.len());
            found += 1;
        }
    }
    if found > 0 {
        std::process::exit(1);
    }
}

//! Stems the words on standard input, one per line: `cargo run -p algoreg-search --example stem < words.txt`.
use std::io::BufRead;

fn main() {
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        println!("{}", algoreg_search::dutch::stem(line.trim()));
    }
}

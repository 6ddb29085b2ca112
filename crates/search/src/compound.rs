//! Dutch compounds: `grondwaterstand` is split into `grondwater` and `stand` (and `grondwater` into
//! `grond` and `water`), so that a search for any part finds the compound, and words written apart
//! find them written together. The parts must be words of the register's own vocabulary
//! (`data/lexicon.txt`, made by `scripts/make-lexicon.py` from the real registrations), compared by
//! their stem, with the linking letters Dutch puts between parts (`bestemming-s-plan`).

use crate::dutch::stem;
use std::collections::HashSet;
use std::sync::OnceLock;

const LEXICON: &str = include_str!("../data/lexicon.txt");
/// The shortest part, and the shortest word that is tried.
const MIN_PART: usize = 4;
const MIN_WORD: usize = 8;
/// Parts of one word at most (a bound on the tokens one word adds).
const MAX_PARTS: usize = 6;
/// Endings that make a word of another (`gemeentelijk`), not a second word.
const SUFFIXES: &[&str] = &[
    "lijk", "lijke", "lijkheid", "heid", "heden", "ing", "ingen", "baar", "bare", "loos", "loze", "schap", "schappen", "achtig", "isch",
    "ische", "tjes", "elijk", "erij",
];
/// What Dutch puts between the parts of a compound.
const LINKS: &[&str] = &["", "s", "en", "e"];

pub struct Decompounder {
    /// The lexicon's words and their stems.
    known: HashSet<String>,
}

impl Decompounder {
    /// The decompounder of the register's vocabulary (built once).
    pub fn builtin() -> &'static Decompounder {
        static D: OnceLock<Decompounder> = OnceLock::new();
        D.get_or_init(|| Decompounder::from_words(LEXICON.lines().filter(|l| !l.starts_with('#'))))
    }

    pub fn from_words<'a>(words: impl Iterator<Item = &'a str>) -> Decompounder {
        let mut known = HashSet::new();
        for w in words.map(str::trim).filter(|w| w.len() >= MIN_PART) {
            known.insert(stem(w));
            known.insert(w.to_string());
        }
        Decompounder { known }
    }

    fn is_known(&self, part: &str) -> bool {
        part.len() >= MIN_PART && !SUFFIXES.contains(&part) && (self.known.contains(part) || self.known.contains(&stem(part)))
    }

    /// The parts of a lower-case word (none when it is not a compound of known words): the two largest
    /// parts first, then their own parts. Only ASCII letters are split (the index folds accents first).
    pub fn split(&self, word: &str) -> Vec<String> {
        let mut out = vec![];
        // The index keeps no longer words (RemoveLongFilter), and the work grows with the length.
        if word.len() > 40 {
            return out;
        }
        self.split_into(word, &mut out, 0);
        out.truncate(MAX_PARTS);
        out
    }

    fn split_into(&self, word: &str, out: &mut Vec<String>, depth: usize) {
        if depth > 2 || word.len() < MIN_WORD || !word.bytes().all(|b| b.is_ascii_lowercase()) {
            return;
        }
        // The longest known head whose rest is a known word or a compound of them.
        for head_end in (MIN_PART..=word.len() - MIN_PART).rev() {
            let head = &word[..head_end];
            if !self.is_known(head) {
                continue;
            }
            for link in LINKS {
                let Some(tail) = word[head_end..].strip_prefix(link) else { continue };
                if tail.len() < MIN_PART || SUFFIXES.contains(&tail) {
                    continue;
                }
                let mut tail_parts = vec![];
                if !self.is_known(tail) {
                    self.split_into(tail, &mut tail_parts, depth + 1);
                    if tail_parts.is_empty() {
                        continue;
                    }
                }
                for p in [head.to_string(), tail.to_string()] {
                    if !out.contains(&p) {
                        out.push(p);
                    }
                }
                let mut head_parts = vec![];
                self.split_into(head, &mut head_parts, depth + 1);
                for p in head_parts.into_iter().chain(tail_parts) {
                    if !out.contains(&p) {
                        out.push(p);
                    }
                }
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_compounds_split_into_the_registers_words() {
        let d = Decompounder::builtin();
        let has = |w: &str, parts: &[&str]| {
            // Parts count by their stem (as the index has them): `bestemmings` is `bestemming`.
            let got: Vec<String> = d.split(w).iter().map(|p| stem(p)).collect();
            for p in parts {
                assert!(got.contains(&stem(p)), "{w}: {p} not in {got:?}");
            }
        };
        has("grondwaterstand", &["stand", "grond", "water"]);
        has("parkeervergunning", &["vergunning"]);
        has("bestemmingsplan", &["bestemming", "plan"]);
        has("afvalinzameling", &["afval", "inzameling"]);
        has("uitkeringsaanvraag", &["uitkering", "aanvraag"]);
        has("verkeersveiligheid", &["verkeer", "veiligheid"]);
        for word in ["gemeente", "gemeentelijke", "vergunning", "uitkering", "algoritme", "water"] {
            assert_eq!(d.split(word), Vec::<String>::new(), "{word} is not split");
        }
        assert!(d.split(&"a".repeat(40)).is_empty());
        assert!(d.split("verkeersveiligheidsmaatregelenpakketbeoordelingscommissie").len() <= MAX_PARTS);
    }
}

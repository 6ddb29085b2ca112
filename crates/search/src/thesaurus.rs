//! Synonyms and abbreviations of government (`wmo` ↔ `wet maatschappelijke ondersteuning`, `cjib` ↔
//! `centraal justitieel incassobureau`, `bijstand` ↔ `uitkering`): groups of expressions that a query
//! treats as one, in both directions. The groups live in `data/thesaurus.txt` (ours); an operator adds
//! more from a file of the same format at start-up. Applied to the query, not to the index, so a change
//! needs no rebuild.

use crate::query::{normalise, Atom, Clause};
use std::collections::HashMap;

const BUILTIN: &str = include_str!("../data/thesaurus.txt");
/// The longest expression in words.
const MAX_EXPRESSION: usize = 8;
/// Groups read at most (a bound on what a file can make the server hold).
const MAX_GROUPS: usize = 20_000;

#[derive(Debug, Clone, Default)]
pub struct Thesaurus {
    /// Each group: its expressions, each a list of normalised words.
    groups: Vec<Vec<Vec<String>>>,
    /// Expression (words joined by one space) → its group.
    by_expression: HashMap<String, usize>,
}

/// A line of a thesaurus file that could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct ThesaurusError {
    pub line: usize,
    pub message_nl: String,
    pub message_en: String,
}

impl Thesaurus {
    /// The thesaurus that comes with algoreg.
    pub fn builtin() -> Thesaurus {
        let mut t = Thesaurus::default();
        t.add_text(BUILTIN).expect("the built-in thesaurus reads");
        t
    }

    /// Adds the groups of a text (one group per line, `a | b | c`; `#` starts a comment). An expression
    /// already in a group joins that group's alternatives.
    pub fn add_text(&mut self, text: &str) -> Result<(), ThesaurusError> {
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let exprs: Vec<Vec<String>> = line
                .split('|')
                .map(|e| normalise(e).split_whitespace().map(String::from).collect::<Vec<_>>())
                .filter(|e: &Vec<String>| !e.is_empty())
                .collect();
            let bad = |nl: &str, en: &str| ThesaurusError { line: n + 1, message_nl: nl.into(), message_en: en.into() };
            if exprs.len() < 2 {
                return Err(bad("geef minstens twee alternatieven, gescheiden door |", "give at least two alternatives separated by |"));
            }
            if exprs.iter().any(|e| e.len() > MAX_EXPRESSION) {
                return Err(bad("een alternatief heeft meer dan 8 woorden", "an alternative has more than 8 words"));
            }
            if self.groups.len() >= MAX_GROUPS {
                return Err(bad("meer dan 20.000 groepen", "more than 20,000 groups"));
            }
            // Joins an existing group when one of its expressions is known already.
            let group = exprs.iter().find_map(|e| self.by_expression.get(&e.join(" ")).copied());
            let g = match group {
                Some(g) => g,
                None => {
                    self.groups.push(vec![]);
                    self.groups.len() - 1
                }
            };
            for e in exprs {
                let key = e.join(" ");
                if let std::collections::hash_map::Entry::Vacant(slot) = self.by_expression.entry(key) {
                    slot.insert(g);
                    self.groups[g].push(e);
                }
            }
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The alternatives of an expression (itself included), when the thesaurus has it.
    pub fn alternatives(&self, words: &[String]) -> Option<&[Vec<String>]> {
        self.by_expression.get(&words.join(" ")).map(|&g| self.groups[g].as_slice())
    }

    /// The query with every expression of the thesaurus widened to its group: runs of plain words
    /// (longest first) and single words among alternatives. Quoted phrases stay as they are.
    pub fn expand(&self, clauses: Vec<Clause>) -> Vec<Clause> {
        let plain = |c: &Clause| -> Option<String> {
            match (c.negated, c.alternatives.as_slice()) {
                (false, [Atom::Word(w)]) => Some(w.clone()),
                _ => None,
            }
        };
        let atoms = |group: &[Vec<String>]| -> Vec<Atom> {
            group.iter().map(|e| if e.len() == 1 { Atom::Word(e[0].clone()) } else { Atom::Phrase(e.clone()) }).collect()
        };
        let mut out = vec![];
        let mut i = 0;
        while i < clauses.len() {
            // The longest run of plain words from here that is an expression.
            let mut run = vec![];
            let mut found = None;
            for c in clauses[i..].iter().take(MAX_EXPRESSION) {
                let Some(w) = plain(c) else { break };
                run.push(w);
                if let Some(g) = self.alternatives(&run) {
                    found = Some((run.len(), g));
                }
            }
            if let Some((len, group)) = found {
                out.push(Clause { negated: false, alternatives: atoms(group) });
                i += len;
                continue;
            }
            // Single words among alternatives (`a OR b`), and an excluded word: their own group.
            let mut c = clauses[i].clone();
            if c.alternatives.len() > 1 || c.negated {
                let mut alts = vec![];
                for a in c.alternatives {
                    match &a {
                        Atom::Word(w) => match self.alternatives(std::slice::from_ref(w)) {
                            Some(g) => alts.extend(atoms(g)),
                            None => alts.push(a),
                        },
                        _ => alts.push(a),
                    }
                }
                alts.dedup();
                c.alternatives = alts;
            }
            out.push(c);
            i += 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::parse;

    fn words(s: &str) -> Vec<String> {
        s.split(' ').map(String::from).collect()
    }

    #[test]
    fn abbreviations_and_full_names_find_each_other_both_ways() {
        let t = Thesaurus::builtin();
        assert!(t.len() > 100, "{}", t.len());
        let wmo = t.alternatives(&words("wmo")).unwrap().to_vec();
        assert_eq!(t.alternatives(&words("wet maatschappelijke ondersteuning")).unwrap(), wmo.as_slice());
        assert!(wmo.contains(&words("wet maatschappelijke ondersteuning")));
        let cjib = t.expand(parse("CJIB boetes"));
        assert_eq!(cjib[0].alternatives, vec![Atom::Word("cjib".into()), Atom::Phrase(words("centraal justitieel incassobureau"))]);
        assert_eq!(cjib[1].alternatives, vec![Atom::Word("boetes".into())]);
        let full = t.expand(parse("centraal justitieel incassobureau boetes"));
        assert_eq!(full.len(), 2, "the run of words is one clause: {full:?}");
        assert_eq!(full[0].alternatives, cjib[0].alternatives, "the same alternatives from either side");
        let syn = t.expand(parse("bijstand of toeslag"));
        for alt in ["bijstand", "uitkering", "welfare", "toeslag", "tegemoetkoming"] {
            assert!(syn[0].alternatives.contains(&Atom::Word(alt.into())), "{alt} in {:?}", syn[0].alternatives);
        }
        assert_eq!(t.expand(parse("\"wmo\"")), parse("\"wmo\""), "a quoted phrase is taken as it is");
        let long = crate::query::without_stop_words(t.expand(crate::query::parse_all("ministerie van justitie en veiligheid")));
        assert!(long[0].alternatives.contains(&Atom::Word("jenv".into())), "stop words inside a name still match it: {long:?}");
        let not = t.expand(parse("camera -avg"));
        assert!(not[1].negated && not[1].alternatives.contains(&Atom::Phrase(words("algemene verordening gegevensbescherming"))));
    }

    #[test]
    fn an_operator_adds_groups_and_bad_lines_are_named() {
        let mut t = Thesaurus::builtin();
        t.add_text("# eigen\nwmo | maatschappelijke ondersteuning\nstint | elektrisch voertuigje\n").unwrap();
        assert!(t.alternatives(&words("maatschappelijke ondersteuning")).unwrap().contains(&words("wet maatschappelijke ondersteuning")));
        assert!(t.alternatives(&words("stint")).is_some());
        assert_eq!(t.add_text("een\nalleen één").unwrap_err().line, 1);
        assert_eq!(t.add_text(&format!("a | {}", "b ".repeat(9))).unwrap_err().line, 1);
    }
}

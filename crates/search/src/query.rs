//! The query language people already know from search engines (and from the live register's
//! `websearch_to_tsquery`): words that must all match, `OR` (in any case) or the Dutch `of` between
//! alternatives, `-word` or `-"phrase"` to exclude, `"exact phrase"`. Case and accents do not matter.
//! Any input is a query: unbalanced quotes end at the end of the text, lone operators are ignored,
//! and a query of only stop words or only exclusions still means something. Pure: no index here.

/// A part of a clause: one word, or words that must stand together in this order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Atom {
    Word(String),
    Phrase(Vec<String>),
    /// Words that must all occur, anywhere (a compound written apart: `grond water` for `grondwater`).
    AllOf(Vec<String>),
}

/// One condition: any of its alternatives matches (`a OR b`); a negated clause must not match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    pub negated: bool,
    pub alternatives: Vec<Atom>,
}

/// The words that are operators between two terms.
fn is_or(word: &str) -> bool {
    word.eq_ignore_ascii_case("or") || word.eq_ignore_ascii_case("of")
}

/// Frequent Dutch (and English) words that say nothing about what is searched for: left out of a query
/// (one of only these asks for everything). Words inside quotes are kept.
pub const STOP_WORDS: &[&str] = &[
    "de", "het", "een", "en", "van", "in", "op", "te", "voor", "met", "aan", "bij", "door", "over", "naar", "uit", "als", "dat", "die",
    "dit", "is", "zijn", "wordt", "worden", "er", "ook", "of", "hoe", "wat", "wie", "waar", "wanneer", "waarom", "welke", "ik", "je", "u",
    "uw", "mijn", "we", "wij", "ze", "zij", "hij", "kan", "kun", "mag", "moet", "heb", "heeft", "hebben", "word", "niet", "geen", "nog",
    "the", "and", "a", "an", "to", "for", "on", "with", "by", "are", "how", "what", "can", "i", "my", "do", "does",
];

/// Lower case, accents off (`financiën` → `financien`), only letters and digits (other signs split
/// words: `e-mail` → `e mail`).
pub fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        for l in c.to_lowercase() {
            // As the index folds them (tantivy's ASCII folding).
            match l {
                'ĳ' => out.push_str("ij"),
                'ß' => out.push_str("ss"),
                'æ' => out.push_str("ae"),
                'œ' => out.push_str("oe"),
                _ => {
                    let f = fold(l);
                    out.push(if f.is_alphanumeric() { f } else { ' ' });
                }
            }
        }
    }
    out
}

/// A letter without its accent (the Latin letters Dutch, Frisian and the neighbouring languages use).
pub fn fold(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ò' | 'ó' | 'ô' | 'ö' | 'õ' | 'ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        'ç' => 'c',
        'ñ' => 'n',
        c => c,
    }
}

/// The most words a query is read for (the rest is ignored: a search is not a document).
pub const MAX_WORDS: usize = 32;
/// The most characters of a query that are read.
pub const MAX_CHARS: usize = 500;

#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Phrase(Vec<String>),
    Minus,
    Or,
}

fn tokens(text: &str) -> Vec<Token> {
    let mut out = vec![];
    let text = match text.char_indices().nth(MAX_CHARS) {
        Some((i, _)) => &text[..i],
        None => text,
    };
    let mut rest = text;
    let mut words = 0;
    while !rest.is_empty() && words < MAX_WORDS {
        let c = rest.chars().next().unwrap_or(' ');
        if c.is_whitespace() {
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if c == '"' || c == '“' || c == '”' || c == '„' {
            let body = &rest[c.len_utf8()..];
            let end = body.find(['"', '“', '”']).unwrap_or(body.len());
            let ws: Vec<String> = normalise(&body[..end]).split_whitespace().take(MAX_WORDS - words).map(String::from).collect();
            words += ws.len();
            if ws.is_empty() {
                forget_operator(&mut out);
            } else {
                out.push(Token::Phrase(ws));
            }
            rest = body.get(end..).map(|r| r.chars().next().map_or(r, |q| &r[q.len_utf8()..])).unwrap_or("");
            continue;
        }
        if c == '-' {
            // A minus counts only right before a word or a phrase: "covid -19" excludes, "a - b" does not.
            let after = &rest[1..];
            if after.chars().next().is_some_and(|n| !n.is_whitespace() && n != '-') {
                out.push(Token::Minus);
            }
            rest = after;
            continue;
        }
        let end = rest.find(|ch: char| ch.is_whitespace() || ch == '"' || ch == '“' || ch == '”').unwrap_or(rest.len());
        let raw = &rest[..end];
        rest = &rest[end..];
        if raw == "|" || raw == "||" || (is_or(raw) && raw.chars().all(|ch| ch.is_ascii_alphabetic())) {
            out.push(Token::Or);
            continue;
        }
        let ws: Vec<String> = normalise(raw).split_whitespace().take(MAX_WORDS - words).map(String::from).collect();
        words += ws.len();
        match ws.len() {
            // Nothing to search for: a minus or OR before it means nothing either.
            0 => forget_operator(&mut out),
            1 => out.push(Token::Word(ws.into_iter().next().unwrap_or_default())),
            // `e-mail`, `covid-19`: the parts stand together.
            _ => out.push(Token::Phrase(ws)),
        }
    }
    out
}

/// A minus or an OR right before something that turned out to hold no word applies to nothing.
fn forget_operator(out: &mut Vec<Token>) {
    if matches!(out.last(), Some(Token::Minus)) {
        out.pop();
    }
}

/// Reads a query, stop words included. Never fails: what cannot be read as an operator is a word, what
/// has no words is left out.
pub fn parse_all(text: &str) -> Vec<Clause> {
    let toks = tokens(text);
    let mut clauses: Vec<Clause> = vec![];
    let mut negate = false;
    let mut join = false;
    for t in toks {
        let atom = match t {
            Token::Minus => {
                negate = true;
                continue;
            }
            Token::Or => {
                // An operator between two terms; at the start, after another operator or before a
                // minus it means nothing.
                join = clauses.last().is_some_and(|c| !c.negated);
                continue;
            }
            Token::Word(w) => Atom::Word(w),
            Token::Phrase(p) => Atom::Phrase(p),
        };
        match clauses.last_mut() {
            Some(last) if join && !negate => last.alternatives.push(atom),
            _ => clauses.push(Clause { negated: negate, alternatives: vec![atom] }),
        }
        negate = false;
        join = false;
    }
    clauses
}

/// Leaves stop words out: as alternatives (`ik of mijn`), and clauses left without any (a query of only
/// stop words asks for everything, as an empty one). Words in phrases stay.
pub fn without_stop_words(mut clauses: Vec<Clause>) -> Vec<Clause> {
    for c in clauses.iter_mut().filter(|c| !c.negated) {
        c.alternatives.retain(|a| !matches!(a, Atom::Word(w) if STOP_WORDS.contains(&w.as_str())));
    }
    clauses.retain(|c| !c.alternatives.is_empty());
    clauses
}

/// [`parse_all`] without the stop words: the query as it is searched (the thesaurus is applied in
/// between, so that `ministerie van justitie en veiligheid` still finds its abbreviation).
pub fn parse(text: &str) -> Vec<Clause> {
    without_stop_words(parse_all(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Atom {
        Atom::Word(s.into())
    }
    fn p(s: &str) -> Atom {
        Atom::Phrase(s.split(' ').map(String::from).collect())
    }
    fn all(alts: Vec<Atom>) -> Clause {
        Clause { negated: false, alternatives: alts }
    }
    fn not(alts: Vec<Atom>) -> Clause {
        Clause { negated: true, alternatives: alts }
    }

    #[test]
    fn words_all_must_match_and_or_joins_in_any_case_and_in_dutch() {
        assert_eq!(parse("parkeren verkeer"), vec![all(vec![w("parkeren")]), all(vec![w("verkeer")])]);
        for q in ["parkeren OR verkeer", "parkeren or verkeer", "parkeren of verkeer", "Parkeren Of Verkeer", "parkeren | verkeer"] {
            assert_eq!(parse(q), vec![all(vec![w("parkeren"), w("verkeer")])], "{q}");
        }
        assert_eq!(parse("x of y of z d"), vec![all(vec![w("x"), w("y"), w("z")]), all(vec![w("d")])]);
    }

    #[test]
    fn minus_excludes_and_quotes_keep_words_together() {
        assert_eq!(parse("parkeren -boete"), vec![all(vec![w("parkeren")]), not(vec![w("boete")])]);
        assert_eq!(parse("\"wet maatschappelijke ondersteuning\""), vec![all(vec![p("wet maatschappelijke ondersteuning")])]);
        assert_eq!(parse("toeslag -\"kinderopvang toeslag\""), vec![all(vec![w("toeslag")]), not(vec![p("kinderopvang toeslag")])]);
        assert_eq!(parse("“slimme camera”"), vec![all(vec![p("slimme camera")])], "typographic quotes");
        assert_eq!(parse("e-mail"), vec![all(vec![p("e mail")])], "a word with a hyphen is a phrase, not an exclusion");
        assert_eq!(parse("covid - 19"), vec![all(vec![w("covid")]), all(vec![w("19")])], "a lone minus is nothing");
    }

    #[test]
    fn case_and_accents_do_not_matter() {
        assert_eq!(parse("FINANCIËN Coöperatie"), vec![all(vec![w("financien")]), all(vec![w("cooperatie")])]);
    }

    #[test]
    fn odd_input_is_still_a_query() {
        assert_eq!(parse("\"onaf gesloten"), vec![all(vec![p("onaf gesloten")])], "an unbalanced quote ends at the end");
        assert_eq!(parse("OR"), vec![]);
        assert_eq!(parse("of parkeren"), vec![all(vec![w("parkeren")])], "an operator at the start means nothing");
        assert_eq!(parse("parkeren OR"), vec![all(vec![w("parkeren")])]);
        assert_eq!(parse("parkeren OR -boete"), vec![all(vec![w("parkeren")]), not(vec![w("boete")])]);
        assert_eq!(parse("- -- \" \"\" ()"), vec![]);
        assert_eq!(parse("-boete"), vec![not(vec![w("boete")])], "only an exclusion");
        assert_eq!(parse("de het een"), vec![], "only stop words: as an empty query");
        assert_eq!(parse("de aanvraag van een vergunning"), vec![all(vec![w("aanvraag")]), all(vec![w("vergunning")])]);
        assert_eq!(parse("weet ik of mijn aanvraag"), vec![all(vec![w("weet")]), all(vec![w("aanvraag")])], "stop words joined by of");
        assert_eq!(parse("parkeren -? boete"), vec![all(vec![w("parkeren")]), all(vec![w("boete")])], "a minus before nothing");
        assert_eq!(
            parse(&format!("\"{}\"", "de ".repeat(5000))),
            vec![all(vec![Atom::Phrase(vec!["de".into(); MAX_WORDS])])],
            "a phrase counts against the words"
        );
        assert_eq!(parse("ĲSSELMEER Straße"), vec![all(vec![w("ijsselmeer")]), all(vec![w("strasse")])], "folded as the index folds");
        assert_eq!(parse(&"woord ".repeat(1000)).len(), MAX_WORDS, "a bounded number of words");
        assert_eq!(parse("🙂 ∑ ~^*"), vec![]);
    }
}

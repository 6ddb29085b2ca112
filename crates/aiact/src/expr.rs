//! The condition language of a tree's `redirects`: `"label" in labels`, `!`, `&&`, `||`, parentheses,
//! `true` and `false`. A small recursive-descent parser into an AST, evaluated against a set of labels.
//! No general-purpose evaluation: anything else is a parse error naming the position.

use std::collections::BTreeSet;

/// The most words and signs a condition has.
pub const MAX_TOKENS: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Has(String),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Const(bool),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("condition {input:?}: {message} at position {position}")]
pub struct ExprError {
    pub input: String,
    pub position: usize,
    pub message: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Str(String),
    In,
    Labels,
    Not,
    And,
    Or,
    Open,
    Close,
    True,
    False,
}

fn lex(input: &str) -> Result<Vec<(usize, Tok)>, ExprError> {
    let err = |position, message| ExprError { input: input.to_string(), position, message };
    let chars: Vec<(usize, char)> = input.char_indices().collect();
    let mut out = vec![];
    let mut i = 0;
    while i < chars.len() {
        let (pos, c) = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '"' | '\'' => {
                let quote = c;
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(err(pos, "unterminated string")),
                        Some((_, ch)) if *ch == quote => {
                            i += 1;
                            break;
                        }
                        Some((_, ch)) => {
                            s.push(*ch);
                            i += 1;
                        }
                    }
                }
                out.push((pos, Tok::Str(s)));
            }
            '!' => {
                out.push((pos, Tok::Not));
                i += 1;
            }
            '(' => {
                out.push((pos, Tok::Open));
                i += 1;
            }
            ')' => {
                out.push((pos, Tok::Close));
                i += 1;
            }
            '&' | '|' => {
                if chars.get(i + 1).map(|x| x.1) != Some(c) {
                    return Err(err(pos, "expected && or ||"));
                }
                out.push((pos, if c == '&' { Tok::And } else { Tok::Or }));
                i += 2;
            }
            c if c.is_alphabetic() => {
                let start = i;
                while i < chars.len() && chars[i].1.is_alphanumeric() {
                    i += 1;
                }
                let word: String = chars[start..i].iter().map(|x| x.1).collect();
                out.push((
                    pos,
                    match word.as_str() {
                        "in" => Tok::In,
                        "labels" => Tok::Labels,
                        "true" => Tok::True,
                        "false" => Tok::False,
                        "not" => Tok::Not,
                        "and" => Tok::And,
                        "or" => Tok::Or,
                        _ => return Err(err(pos, "unknown word")),
                    },
                ));
            }
            _ => return Err(err(pos, "unexpected character")),
        }
    }
    Ok(out)
}

struct Parser<'a> {
    input: &'a str,
    toks: Vec<(usize, Tok)>,
    i: usize,
    depth: usize,
}

impl Parser<'_> {
    fn err(&self, message: &'static str) -> ExprError {
        let position = self.toks.get(self.i).map(|t| t.0).unwrap_or(self.input.len());
        ExprError { input: self.input.to_string(), position, message }
    }
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|t| &t.1)
    }
    fn or(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.and()?;
        while self.peek() == Some(&Tok::Or) {
            self.i += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }
    fn and(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.unary()?;
        while self.peek() == Some(&Tok::And) {
            self.i += 1;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }
    fn unary(&mut self) -> Result<Expr, ExprError> {
        self.depth += 1;
        if self.depth > 100 {
            return Err(self.err("nested too deeply"));
        }
        let r = match self.peek().cloned() {
            Some(Tok::Not) => {
                self.i += 1;
                Ok(Expr::Not(Box::new(self.unary()?)))
            }
            Some(Tok::Open) => {
                self.i += 1;
                let e = self.or()?;
                if self.peek() != Some(&Tok::Close) {
                    return Err(self.err("expected )"));
                }
                self.i += 1;
                Ok(e)
            }
            Some(Tok::True) => {
                self.i += 1;
                Ok(Expr::Const(true))
            }
            Some(Tok::False) => {
                self.i += 1;
                Ok(Expr::Const(false))
            }
            Some(Tok::Str(s)) => {
                self.i += 1;
                if self.peek() != Some(&Tok::In) {
                    return Err(self.err("expected in"));
                }
                self.i += 1;
                if self.peek() != Some(&Tok::Labels) {
                    return Err(self.err("expected labels"));
                }
                self.i += 1;
                Ok(Expr::Has(s))
            }
            _ => Err(self.err("expected a condition")),
        };
        self.depth -= 1;
        r
    }
}

impl Expr {
    pub fn parse(input: &str) -> Result<Expr, ExprError> {
        let toks = lex(input)?;
        // A chain of `&&` or `||` makes a tree as deep as it is long, which evaluating walks down:
        // conditions stay far below this (a real tree's have a few dozen words).
        if toks.len() > MAX_TOKENS {
            return Err(ExprError { input: input.to_string(), position: toks[MAX_TOKENS].0, message: "condition too long" });
        }
        let mut p = Parser { input, toks, i: 0, depth: 0 };
        let e = p.or()?;
        if p.i != p.toks.len() {
            return Err(p.err("unexpected text after the condition"));
        }
        Ok(e)
    }

    pub fn eval(&self, labels: &BTreeSet<String>) -> bool {
        match self {
            Expr::Has(l) => labels.contains(l),
            Expr::Not(e) => !e.eval(labels),
            Expr::And(a, b) => a.eval(labels) && b.eval(labels),
            Expr::Or(a, b) => a.eval(labels) || b.eval(labels),
            Expr::Const(b) => *b,
        }
    }

    /// The labels this condition reads.
    pub fn labels(&self, out: &mut BTreeSet<String>) {
        match self {
            Expr::Has(l) => {
                out.insert(l.clone());
            }
            Expr::Not(e) => e.labels(out),
            Expr::And(a, b) | Expr::Or(a, b) => {
                a.labels(out);
                b.labels(out);
            }
            Expr::Const(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn set(l: &[&str]) -> BTreeSet<String> {
        l.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_official_shapes() {
        let e =
            Expr::parse(r#"("aanbieder" in labels || "importeur" in labels) && "AI-systeem" in labels && !("hoog-risico AI" in labels)"#)
                .unwrap();
        assert!(e.eval(&set(&["aanbieder", "AI-systeem"])));
        assert!(!e.eval(&set(&["aanbieder", "AI-systeem", "hoog-risico AI"])));
        assert!(!e.eval(&set(&["distributeur", "AI-systeem"])));
        // && binds tighter than ||.
        let e = Expr::parse(r#""a" in labels || "b" in labels && "c" in labels"#).unwrap();
        assert!(e.eval(&set(&["a"])));
        assert!(!e.eval(&set(&["b"])));
    }

    #[test]
    fn errors_name_the_position() {
        for (input, pos) in
            [(r#""a" in labels &&"#, 16), (r#""a" labels"#, 4), (r#""a" in labels; drop"#, 13), ("\"open", 0), ("eval(x)", 0)]
        {
            let e = Expr::parse(input).unwrap_err();
            assert_eq!(e.position, pos, "{input}: {e}");
        }
    }

    #[test]
    fn long_chains_are_refused_before_they_are_built() {
        let chain = |n: usize| vec![r#""a" in labels"#; n].join(" && ");
        assert!(Expr::parse(&chain(100)).unwrap().eval(&set(&["a"])));
        let e = Expr::parse(&chain(100_000)).unwrap_err();
        assert_eq!(e.message, "condition too long");
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,80}") {
            let _ = Expr::parse(&s);
        }

        #[test]
        fn never_panics_on_token_soup(parts in proptest::collection::vec(prop_oneof![
            Just("\"x\""), Just("in"), Just("labels"), Just("&&"), Just("||"), Just("!"), Just("("), Just(")"), Just("true")
        ], 0..30)) {
            if let Ok(e) = Expr::parse(&parts.join(" ")) {
                let _ = e.eval(&set(&["x"]));
            }
        }
    }
}

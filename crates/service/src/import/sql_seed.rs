//! The launch-era seed of the register: SQL `INSERT` statements into six tables (standard 0.1),
//! read as data. Nothing is executed: a small tokenizer reads `INSERT INTO t (cols) VALUES (...), (...);`
//! with single-quoted strings (`''` for a quote), numbers and `NULL`. Pure and total: any input gives
//! either candidates or a clear error naming the statement.

use super::formats::{Candidate, CandidateVersion, OrgRef};
use algoreg_standard::{AlgorithmId, Content, StandardVersion};
use serde_json::json;
use std::collections::BTreeMap;

/// One SQL value.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Number(String),
    Text(String),
}

/// One row of an INSERT statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The table and the columns, shared by the rows of one statement (however long its names).
    pub table: std::sync::Arc<str>,
    pub columns: std::sync::Arc<[String]>,
    pub values: Vec<SqlValue>,
}

/// Whether the bytes look like SQL INSERT statements (after comments and blank space).
pub fn looks_like_sql(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    let mut rest = text.trim_start_matches('\u{feff}').trim_start();
    while let Some(r) = rest.strip_prefix("--") {
        rest = r.split_once('\n').map(|(_, r)| r).unwrap_or("").trim_start();
    }
    rest.as_bytes().get(..6).is_some_and(|b| b.eq_ignore_ascii_case(b"insert"))
}

struct Lexer<'a> {
    s: &'a [u8],
    i: usize,
    line: usize,
}

impl<'a> Lexer<'a> {
    fn skip(&mut self) {
        loop {
            while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
                if self.s[self.i] == b'\n' {
                    self.line += 1;
                }
                self.i += 1;
            }
            if self.s[self.i..].starts_with(b"--") {
                while self.i < self.s.len() && self.s[self.i] != b'\n' {
                    self.i += 1;
                }
            } else {
                return;
            }
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.skip();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(format!("regel/line {}: verwacht/expected '{}'", self.line, c as char))
        }
    }

    fn word(&mut self) -> Result<String, String> {
        self.skip();
        let start = self.i;
        while self.i < self.s.len() && (self.s[self.i].is_ascii_alphanumeric() || matches!(self.s[self.i], b'_' | b'.' | b'"')) {
            self.i += 1;
        }
        if start == self.i {
            return Err(format!("regel/line {}: verwacht een naam / expected a name", self.line));
        }
        Ok(String::from_utf8_lossy(&self.s[start..self.i]).replace('"', ""))
    }

    fn keyword(&mut self, k: &str) -> Result<(), String> {
        let w = self.word()?;
        if w.eq_ignore_ascii_case(k) {
            Ok(())
        } else {
            Err(format!("regel/line {}: verwacht/expected {k}, gevonden/found {w:?}", self.line))
        }
    }

    fn value(&mut self) -> Result<SqlValue, String> {
        self.skip();
        match self.s.get(self.i) {
            Some(b'\'') => {
                self.i += 1;
                let mut out = Vec::new();
                loop {
                    match self.s.get(self.i) {
                        None => return Err(format!("regel/line {}: tekst niet afgesloten / unterminated string", self.line)),
                        Some(b'\'') if self.s.get(self.i + 1) == Some(&b'\'') => {
                            out.push(b'\'');
                            self.i += 2;
                        }
                        Some(b'\'') => {
                            self.i += 1;
                            break;
                        }
                        Some(&c) => {
                            if c == b'\n' {
                                self.line += 1;
                            }
                            out.push(c);
                            self.i += 1;
                        }
                    }
                }
                String::from_utf8(out)
                    .map(SqlValue::Text)
                    .map_err(|_| format!("regel/line {}: geen geldige UTF-8 / not valid UTF-8", self.line))
            }
            Some(c) if c.is_ascii_digit() || *c == b'-' => {
                let start = self.i;
                self.i += 1;
                while self.i < self.s.len() && (self.s[self.i].is_ascii_digit() || self.s[self.i] == b'.') {
                    self.i += 1;
                }
                Ok(SqlValue::Number(String::from_utf8_lossy(&self.s[start..self.i]).to_string()))
            }
            _ => {
                let w = self.word()?;
                match w.to_ascii_lowercase().as_str() {
                    "null" => Ok(SqlValue::Null),
                    "true" => Ok(SqlValue::Number("1".into())),
                    "false" => Ok(SqlValue::Number("0".into())),
                    _ => Err(format!("regel/line {}: onverwachte waarde / unexpected value {w:?}", self.line)),
                }
            }
        }
    }

    fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Result<T, String>) -> Result<Vec<T>, String> {
        self.expect(b'(')?;
        let mut out = vec![];
        if self.eat(b')') {
            return Ok(out);
        }
        loop {
            out.push(item(self)?);
            if self.eat(b')') {
                return Ok(out);
            }
            self.expect(b',')?;
        }
    }
}

/// Reads every row of every INSERT statement. The first error stops reading (the whole file is then rejected).
pub fn rows(bytes: &[u8]) -> Result<Vec<Row>, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut lx = Lexer { s: bytes, i: 0, line: 1 };
    let mut out = vec![];
    loop {
        lx.skip();
        if lx.i >= lx.s.len() {
            return Ok(out);
        }
        lx.keyword("INSERT")?;
        lx.keyword("INTO")?;
        let table: std::sync::Arc<str> = lx.word()?.into();
        let columns: std::sync::Arc<[String]> = lx.list(|l| l.word())?.into();
        lx.keyword("VALUES")?;
        loop {
            let values = lx.list(|l| l.value())?;
            if values.len() != columns.len() {
                return Err(format!(
                    "regel/line {}: {table}: {} kolommen maar {} waarden / {} columns but {} values",
                    lx.line,
                    columns.len(),
                    values.len(),
                    columns.len(),
                    values.len()
                ));
            }
            out.push(Row { table: table.clone(), columns: columns.clone(), values });
            if !lx.eat(b',') {
                break;
            }
        }
        lx.expect(b';')?;
    }
}

const TABLES: &[&str] = &["algemene_informatie", "inzet", "juridisch", "metadata", "toepassing", "toezicht"];

/// A stable algorithm ID for a seed record: derived from its UUID (or its row number), so that
/// importing the same file again finds the same records.
fn stable_id(key: &str) -> AlgorithmId {
    // FNV-1a, then seven digits 1..9.
    let mut h: u64 = 0xcbf29ce484222325;
    for b in key.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    let mut state = h;
    AlgorithmId::generate(|| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    })
}

/// Candidates from the seed: one per `algemene_informatie` row, joined with the other five tables
/// on `algoritme_id`. Records land as standard 0.1, published, organisation by name.
pub fn candidates(bytes: &[u8]) -> Result<(Vec<Candidate>, Vec<String>), String> {
    let rows = rows(bytes)?;
    let mut warnings = vec![];
    let mut base: BTreeMap<i64, (usize, Content)> = BTreeMap::new();
    let mut parts: BTreeMap<i64, Vec<&Row>> = BTreeMap::new();
    for (n, r) in rows.iter().enumerate() {
        let get = |c: &str| r.columns.iter().position(|x| x.eq_ignore_ascii_case(c)).map(|i| &r.values[i]);
        let num = |v: Option<&SqlValue>| match v {
            Some(SqlValue::Number(n)) => n.parse::<i64>().ok(),
            Some(SqlValue::Text(t)) => t.trim().parse::<i64>().ok(),
            _ => None,
        };
        if !TABLES.contains(&&*r.table) {
            warnings.push(format!("tabel {} overgeslagen / table {} skipped", r.table, r.table));
            continue;
        }
        if &*r.table == "algemene_informatie" {
            let Some(id) = num(get("id")) else { return Err(format!("{}: rij {} zonder id / row {} without id", r.table, n + 1, n + 1)) };
            let mut c = Content::new();
            put(&mut c, r, &["id"]);
            base.insert(id, (n + 1, c));
        } else {
            let Some(id) = num(get("algoritme_id")) else {
                return Err(format!("{}: rij {} zonder algoritme_id / row {} without algoritme_id", r.table, n + 1, n + 1));
            };
            parts.entry(id).or_default().push(r);
        }
    }
    for id in parts.keys() {
        if !base.contains_key(id) {
            warnings.push(format!("algoritme_id {id}: geen algemene_informatie; overgeslagen / no algemene_informatie; skipped"));
        }
    }
    let mut out = vec![];
    for (index, (id, (_, mut content))) in base.into_iter().enumerate() {
        for r in parts.get(&id).map(|v| v.as_slice()).unwrap_or(&[]) {
            put(&mut content, r, &["id", "algoritme_id", "schema"]);
        }
        content.set("standard_version", "0.1");
        let key = content.str("uuid").filter(|u| !u.is_empty()).map(String::from).unwrap_or_else(|| format!("seed-row-{id}"));
        let org = content.str("organization").map(|n| OrgRef::Name(n.to_string())).unwrap_or(OrgRef::None);
        out.push(Candidate {
            index: index + 1,
            id: Some(stable_id(&key).to_string()),
            org,
            versions: vec![CandidateVersion {
                standard_version: StandardVersion::V0_1,
                content,
                published_at: None,
                provenance: Some(json!({"source": "register-seed-v0.1", "seed_id": id})),
                raw: None,
            }],
            errors: vec![],
        });
    }
    Ok((out, warnings))
}

/// Copies a row's text values into the content (empty strings are left out; numbers become text).
fn put(c: &mut Content, r: &Row, skip: &[&str]) {
    for (col, v) in r.columns.iter().zip(&r.values) {
        if skip.iter().any(|s| s.eq_ignore_ascii_case(col)) {
            continue;
        }
        match v {
            SqlValue::Text(t) if !t.trim().is_empty() => c.set(col, t.clone()),
            SqlValue::Number(n) => c.set(col, n.clone()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_statements() {
        let sql = b"-- seed\nINSERT INTO algemene_informatie (id, name, organization) VALUES (1, 'Park''eren', 'Gemeente X');\n\
            INSERT INTO inzet (id, goal, algoritme_id) VALUES (1,'Doel\nregel 2',1), (2, NULL, 9);";
        assert!(looks_like_sql(sql));
        let (c, warnings) = candidates(sql).unwrap();
        assert_eq!(c.len(), 1);
        let content = &c[0].versions[0].content;
        assert_eq!(content.str("name"), Some("Park'eren"));
        assert_eq!(content.str("goal"), Some("Doel\nregel 2"));
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(AlgorithmId::parse(c[0].id.as_deref().unwrap()).is_ok());
        // Same input, same ID.
        assert_eq!(candidates(sql).unwrap().0[0].id, c[0].id);
    }

    #[test]
    fn errors_name_the_line() {
        let e = rows(b"INSERT INTO t (a, b) VALUES (1);").unwrap_err();
        assert!(e.contains("2 columns but 1 values"), "{e}");
        let e = rows(b"INSERT INTO t (a) VALUES ('open").unwrap_err();
        assert!(e.contains("unterminated"), "{e}");
        assert!(!looks_like_sql(b"{\"a\": 1}"));
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,200}") {
            let _ = rows(s.as_bytes());
            let _ = candidates(s.as_bytes());
            let _ = looks_like_sql(s.as_bytes());
        }

        #[test]
        fn never_panics_on_statement_like_input(parts in proptest::collection::vec(prop_oneof![
            Just("INSERT".to_string()), Just("INTO".to_string()), Just("t".to_string()), Just("(".to_string()), Just(")".to_string()),
            Just(",".to_string()), Just(";".to_string()), Just("'x''y'".to_string()), Just("'".to_string()), Just("VALUES".to_string()),
            Just("NULL".to_string()), Just("12".to_string()), Just("--c\n".to_string()), Just("-".to_string())
        ], 0..40)) {
            let s = parts.join(" ");
            let _ = candidates(s.as_bytes());
        }
    }
}

use crate::analyzer::{self, DUTCH, ENGLISH, WORDS};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Mutex;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, MoreLikeThisQuery, Occur, PhraseQuery, Query, RegexQuery, TermQuery};
use tantivy::schema::{
    Facet, FacetOptions, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, INDEXED, STORED, STRING,
};
use tantivy::{doc, DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term};

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(String),
    /// Another process (a running server) holds the index for writing.
    #[error("search index: in use by another process")]
    InUse,
}

impl From<tantivy::TantivyError> for SearchError {
    fn from(e: tantivy::TantivyError) -> Self {
        match e {
            tantivy::TantivyError::LockFailure(..) => SearchError::InUse,
            e => SearchError::Index(e.to_string()),
        }
    }
}

impl From<tantivy::directory::error::OpenDirectoryError> for SearchError {
    fn from(e: tantivy::directory::error::OpenDirectoryError) -> Self {
        SearchError::Index(e.to_string())
    }
}

type Result<T, E = SearchError> = std::result::Result<T, E>;

/// What is indexed of one public record.
#[derive(Debug, Clone, Default)]
pub struct SearchDoc {
    pub id: String,
    pub org_code: String,
    pub org_name: String,
    pub org_type: String,
    pub name: String,
    pub description: String,
    /// Every other text field, as plain text.
    pub body: String,
    /// English text: a stored English translation and the English labels of code-list values.
    pub english: String,
    pub themes: Vec<String>,
    pub category: Option<String>,
    pub status: Option<String>,
    pub has_impact_assessment: bool,
    /// Titles of the impact assessments named (DPIA, IAMA, ...).
    pub impact_assessments: Vec<String>,
    /// Unix seconds of the current version's publication.
    pub published: i64,
    /// A shared registration (one that other organisations adopt).
    pub shared: bool,
    /// The shared registration this one adopts.
    pub adopts: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub org: Option<String>,
    pub org_type: Option<String>,
    pub theme: Option<String>,
    pub category: Option<String>,
    pub status: Option<String>,
    pub impact_assessment: Option<bool>,
    /// One impact-assessment title (the live register's filter).
    pub impact_assessment_title: Option<String>,
    /// Only shared registrations.
    pub shared: Option<bool>,
    /// Only registrations that adopt this shared one.
    pub adopts: Option<String>,
}

/// Which facet counts a search collects.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FacetSet {
    /// The portal's: organisation, type, theme, category, status, impact assessment yes/no.
    #[default]
    Portal,
    /// The live register's: organisation, type, category, impact-assessment titles.
    Compat,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    Relevance,
    /// By name, then by ID: a total order, so paging is stable.
    Name,
    Newest,
    /// By ID (the algorithm number), ascending.
    Number,
}

#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    pub text: String,
    pub filters: Filters,
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
    pub facets: FacetSet,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub id: String,
    pub score: f32,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Facets {
    pub org: Vec<(String, u64)>,
    pub org_type: Vec<(String, u64)>,
    pub theme: Vec<(String, u64)>,
    pub category: Vec<(String, u64)>,
    pub status: Vec<(String, u64)>,
    pub impact_assessment: Vec<(String, u64)>,
    pub impact_assessment_title: Vec<(String, u64)>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Results {
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: Facets,
    /// A spelling correction of the query, when words were not found.
    pub did_you_mean: Option<String>,
    /// The results are for `did_you_mean`, because the query as typed found nothing.
    pub corrected: bool,
    /// No registration has all the words: these have about half of them.
    pub relaxed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Suggestion {
    pub id: String,
    pub name: String,
    pub organisation: String,
}

struct Fields {
    id: Field,
    /// Everything searchable in one field, so a query term reads one posting list.
    all: Field,
    /// English text, analysed in English.
    en: Field,
    name: Field,
    description: Field,
    org_name: Field,
    words: Field,
    facets: Field,
    name_key: Field,
    id_num: Field,
    published: Field,
}

pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    f: Fields,
    names: std::sync::Arc<crate::facets::NameCache>,
    /// Searches running now: one alone uses all cores, several share them one thread each.
    in_flight: std::sync::atomic::AtomicUsize,
    /// "Similar registrations" per record and index generation (a record page asks on every view).
    similar_cache: Mutex<SimilarCache>,
    /// Synonyms and abbreviations applied to queries.
    thesaurus: std::sync::Arc<crate::thesaurus::Thesaurus>,
}

/// (record ID, limit) → (index generation, hits).
type SimilarCache = std::collections::HashMap<(String, usize), (u64, Vec<Hit>)>;

struct InFlight<'a>(&'a std::sync::atomic::AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

fn schema() -> (Schema, Fields) {
    let mut sb = Schema::builder();
    let nl = |stored: bool| {
        let o = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(DUTCH).set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        if stored {
            o.set_stored()
        } else {
            o
        }
    };
    let id = sb.add_text_field("id", STRING | STORED);
    let all = sb.add_text_field("all", nl(false));
    let en = sb.add_text_field(
        "en",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(ENGLISH).set_index_option(IndexRecordOption::WithFreqsAndPositions),
        ),
    );
    let name = sb.add_text_field("name", nl(true));
    let description = sb.add_text_field("description", nl(false));
    let org_name = sb.add_text_field("org_name", nl(true));
    let words = sb.add_text_field(
        "words",
        TextOptions::default()
            .set_indexing_options(TextFieldIndexing::default().set_tokenizer(WORDS).set_index_option(IndexRecordOption::Basic)),
    );
    let facets = sb.add_facet_field("facets", FacetOptions::default());
    let name_key = sb.add_u64_field("name_key", FAST);
    let id_num = sb.add_u64_field("id_num", FAST);
    // One value per record: single-valued string columns for fast facet counts (see facets.rs).
    for (_, name, _) in crate::facets::SINGLE {
        sb.add_text_field(name, TextOptions::default().set_fast(None));
    }
    let published = sb.add_i64_field("published", FAST | INDEXED);
    (sb.build(), Fields { id, all, en, name, description, org_name, words, facets, name_key, id_num, published })
}

/// A u64 that sorts like the lower-cased name (its first eight letters).
fn name_key(name: &str) -> u64 {
    let mut b = [0u8; 8];
    for (i, c) in name.to_lowercase().chars().filter(|c| c.is_alphanumeric() || *c == ' ').map(fold).take(8).enumerate() {
        b[i] = c;
    }
    u64::from_be_bytes(b)
}

fn fold(c: char) -> u8 {
    match c {
        'à' | 'á' | 'â' | 'ä' => b'a',
        'è' | 'é' | 'ê' | 'ë' => b'e',
        'ì' | 'í' | 'î' | 'ï' => b'i',
        'ò' | 'ó' | 'ô' | 'ö' => b'o',
        'ù' | 'ú' | 'û' | 'ü' => b'u',
        c if c.is_ascii() => c as u8,
        _ => b'~',
    }
}

fn facet(kind: &str, value: &str) -> Facet {
    Facet::from_path([kind, value])
}

/// The deepest offset a search pages to.
pub const MAX_OFFSET: usize = 10_000;
/// Unknown words corrected per query (each walks the term dictionary once).
pub const MAX_CORRECTIONS: usize = 3;
/// Queries of at most this many clauses are searched again with about half of them when nothing has all.
pub const MAX_RELAXED: usize = 8;
/// Longer words are not corrected.
pub const MAX_CORRECTED_LEN: usize = 30;

/// The terms within an edit distance of a word, as an automaton over the term dictionary: the walk
/// visits only the branches that can still match, not every term (as tantivy's fuzzy query does).
struct Within<'a>(&'a levenshtein_automata::DFA);

impl tantivy_fst::Automaton for Within<'_> {
    type State = u32;
    fn start(&self) -> u32 {
        self.0.initial_state()
    }
    fn is_match(&self, state: &u32) -> bool {
        matches!(self.0.distance(*state), levenshtein_automata::Distance::Exact(_))
    }
    fn can_match(&self, state: &u32) -> bool {
        *state != levenshtein_automata::SINK_STATE
    }
    fn accept(&self, state: &u32, byte: u8) -> u32 {
        self.0.transition(*state, byte)
    }
}

/// The automaton of `word` within `max` edits (1 or 2; plain Levenshtein, no transpositions, as
/// [`distance`]). Its builder is made once per distance (it takes milliseconds).
fn within(word: &str, max: usize) -> levenshtein_automata::DFA {
    use levenshtein_automata::LevenshteinAutomatonBuilder as Builder;
    static ONE: std::sync::OnceLock<Builder> = std::sync::OnceLock::new();
    static TWO: std::sync::OnceLock<Builder> = std::sync::OnceLock::new();
    let builder = if max <= 1 { ONE.get_or_init(|| Builder::new(1, false)) } else { TWO.get_or_init(|| Builder::new(2, false)) };
    builder.build_dfa(word)
}

/// Levenshtein distance, bounded: `None` when over `max`.
fn distance(a: &str, b: &str, max: usize) -> Option<usize> {
    // A cheap check first: byte lengths differ at most 4x the character lengths.
    if a.len().abs_diff(b.len()) > 4 * (max + a.len().min(b.len())) {
        return None;
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        let mut best = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            best = best.min(cur[j]);
        }
        if best > max {
            return None;
        }
        prev = cur;
    }
    (prev[b.len()] <= max).then_some(prev[b.len()])
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it when missing.
    pub fn open(dir: &Path) -> Result<SearchIndex> {
        std::fs::create_dir_all(dir).map_err(|e| SearchError::Index(e.to_string()))?;
        let (schema, f) = schema();
        let index = match Index::open_in_dir(dir) {
            Ok(i) if i.schema() == schema => i,
            // Missing, unreadable or written by an older version: start empty; the outbox refills it.
            _ => {
                std::fs::remove_dir_all(dir).and_then(|_| std::fs::create_dir_all(dir)).map_err(|e| SearchError::Index(e.to_string()))?;
                Index::create_in_dir(dir, schema)?
            }
        };
        Self::with_index(index, f)
    }

    /// An index in memory (tests, benchmarks).
    pub fn in_memory() -> Result<SearchIndex> {
        let (schema, f) = schema();
        Self::with_index(Index::create_in_ram(schema), f)
    }

    fn with_index(mut index: Index, f: Fields) -> Result<SearchIndex> {
        index.tokenizers().register(DUTCH, analyzer::dutch());
        index.tokenizers().register(WORDS, analyzer::words());
        index.tokenizers().register(ENGLISH, analyzer::english());
        // Segments are searched on all cores.
        index.set_default_multithread_executor()?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let writer = index.writer(64_000_000)?;
        Ok(SearchIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            f,
            names: Default::default(),
            in_flight: Default::default(),
            similar_cache: Default::default(),
            thesaurus: std::sync::Arc::new(crate::thesaurus::Thesaurus::builtin()),
        })
    }

    /// Uses this thesaurus for queries (the built-in one with an operator's groups added).
    pub fn with_thesaurus(mut self, t: crate::thesaurus::Thesaurus) -> SearchIndex {
        self.thesaurus = std::sync::Arc::new(t);
        self
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, IndexWriter> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds or replaces documents and deletes IDs, then commits with `position` (the outbox position).
    pub fn apply(&self, upserts: &[SearchDoc], deletes: &[String], position: Option<i64>) -> Result<()> {
        let w = self.writer();
        for id in deletes.iter().chain(upserts.iter().map(|d| &d.id)) {
            w.delete_term(Term::from_field_text(self.f.id, id));
        }
        for d in upserts {
            let mut doc = doc!(
                self.f.id => d.id.clone(),
                self.f.name => d.name.clone(),
                self.f.description => d.description.clone(),
                self.f.all => format!("{}\n{}\n{}\n{}", d.name, d.description, d.org_name, d.body),
                self.f.en => d.english.clone(),
                self.f.org_name => d.org_name.clone(),
                self.f.words => format!("{} {} {}", d.name, d.description, d.org_name),
                self.f.name_key => name_key(&d.name),
                self.f.id_num => d.id.parse::<u64>().unwrap_or(0),
                self.f.published => d.published,
            );
            let ia = if d.has_impact_assessment { "ja" } else { "nee" };
            let singles =
                [d.org_code.as_str(), d.org_type.as_str(), d.category.as_deref().unwrap_or(""), d.status.as_deref().unwrap_or(""), ia];
            for ((_, name, _), value) in crate::facets::SINGLE.iter().zip(singles) {
                if let Ok(field) = self.index.schema().get_field(name) {
                    doc.add_text(field, value);
                }
            }
            doc.add_facet(self.f.facets, facet("org", &d.org_code));
            doc.add_facet(self.f.facets, facet("type", &d.org_type));
            for t in &d.themes {
                doc.add_facet(self.f.facets, facet("theme", t));
            }
            if let Some(c) = &d.category {
                doc.add_facet(self.f.facets, facet("cat", c));
            }
            if let Some(s) = &d.status {
                doc.add_facet(self.f.facets, facet("status", s));
            }
            doc.add_facet(self.f.facets, facet("ia", if d.has_impact_assessment { "ja" } else { "nee" }));
            if d.shared {
                doc.add_facet(self.f.facets, facet("shared", "ja"));
            }
            if let Some(a) = &d.adopts {
                doc.add_facet(self.f.facets, facet("adopts", a));
            }
            for t in &d.impact_assessments {
                doc.add_facet(self.f.facets, facet("iat", t));
            }
            w.add_document(doc)?;
        }
        self.commit(w, position)
    }

    /// Commits `w` with the outbox `position` it reached (none: the payload stays), and reloads.
    fn commit(&self, mut w: std::sync::MutexGuard<'_, IndexWriter>, position: Option<i64>) -> Result<()> {
        let mut prepared = w.prepare_commit()?;
        if let Some(p) = position {
            prepared.set_payload(&p.to_string());
        }
        prepared.commit()?;
        drop(w);
        self.reader.reload()?;
        let live: Vec<_> = self.reader.searcher().segment_readers().iter().map(|s| s.segment_id()).collect();
        self.names.retain(&live);
        Ok(())
    }

    /// Removes everything (before a rebuild).
    pub fn clear(&self) -> Result<()> {
        let w = self.writer();
        w.delete_all_documents()?;
        self.commit(w, Some(0))
    }

    /// The outbox position of the last commit.
    pub fn position(&self) -> i64 {
        self.index.load_metas().ok().and_then(|m| m.payload).and_then(|p| p.parse().ok()).unwrap_or(0)
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The query for a text in the query language of [`crate::query`], widened by the thesaurus:
    /// every clause must match (in the Dutch text or its English), any of a clause's alternatives will
    /// do, excluded clauses must not match; a match in the name or description scores higher.
    fn text_query(&self, text: &str) -> Box<dyn Query> {
        self.text_query_mode(text, false)
    }

    /// As [`Self::text_query`]; `relaxed`: not every clause must match, about half of them will do
    /// (one of two, two of three or four, ...), more matching clauses scoring higher.
    fn text_query_mode(&self, text: &str, relaxed: bool) -> Box<dyn Query> {
        let mut clauses = crate::query::without_stop_words(self.thesaurus.expand(crate::query::parse_all(text)));
        // A compound also matches its parts written apart (`grondwater` finds `grond water`).
        for c in clauses.iter_mut().filter(|c| !c.negated) {
            let mut extra = vec![];
            for a in &c.alternatives {
                if let crate::query::Atom::Word(w) = a {
                    let parts = crate::compound::Decompounder::builtin().split(w);
                    if parts.len() >= 2 {
                        // The two largest parts (their own parts follow in the list).
                        extra.push(crate::query::Atom::AllOf(parts[..2].to_vec()));
                    }
                }
            }
            c.alternatives.extend(extra);
        }
        let mut out: Vec<(Occur, Box<dyn Query>)> = vec![];
        let mut positive = 0;
        let mut some_of: Vec<(Occur, Box<dyn Query>)> = vec![];
        for c in &clauses {
            let alts: Vec<(Occur, Box<dyn Query>)> =
                c.alternatives.iter().filter_map(|a| self.atom_query(a)).map(|q| (Occur::Should, q)).collect();
            if alts.is_empty() {
                continue;
            }
            let q: Box<dyn Query> = Box::new(BooleanQuery::new(alts));
            if c.negated {
                out.push((Occur::MustNot, q));
            } else {
                positive += 1;
                if relaxed {
                    some_of.push((Occur::Should, q));
                } else {
                    out.push((Occur::Must, q));
                }
                // Name and description count more.
                for a in &c.alternatives {
                    for (field, boost) in [(self.f.name, 3.0), (self.f.description, 1.0)] {
                        if let Some(q) = self.atom_in(a, field) {
                            out.push((Occur::Should, Box::new(tantivy::query::BoostQuery::new(q, boost))));
                        }
                    }
                }
            }
        }
        if !some_of.is_empty() {
            let needed = some_of.len().div_ceil(2);
            out.push((Occur::Must, Box::new(BooleanQuery::with_minimum_required_clauses(some_of, needed))));
        }
        if positive == 0 {
            // Nothing asked for, or only exclusions: everything but what is excluded.
            out.push((Occur::Must, Box::new(AllQuery)));
        }
        Box::new(BooleanQuery::new(out))
    }

    /// One alternative: in the Dutch text, or in the English text.
    fn atom_query(&self, a: &crate::query::Atom) -> Option<Box<dyn Query>> {
        let qs: Vec<(Occur, Box<dyn Query>)> =
            [self.f.all, self.f.en].into_iter().filter_map(|f| self.atom_in(a, f)).map(|q| (Occur::Should, q)).collect();
        (!qs.is_empty()).then(|| Box::new(BooleanQuery::new(qs)) as Box<dyn Query>)
    }

    /// One alternative in one field, analysed as that field is (stems, folded letters).
    fn atom_in(&self, a: &crate::query::Atom, field: Field) -> Option<Box<dyn Query>> {
        use crate::query::Atom;
        let analyzer = if field == self.f.en { analyzer::english() } else { analyzer::dutch_query() };
        let terms =
            |s: &str| -> Vec<Term> { analyzer::terms(analyzer.clone(), s).into_iter().map(|t| Term::from_field_text(field, &t)).collect() };
        let seq = |words: &[String]| -> Option<Box<dyn Query>> {
            let ts = terms(&words.join(" "));
            match ts.len() {
                0 => None,
                1 => Some(Box::new(TermQuery::new(ts[0].clone(), IndexRecordOption::WithFreqs))),
                _ => Some(Box::new(PhraseQuery::new(ts))),
            }
        };
        match a {
            Atom::Word(w) => seq(std::slice::from_ref(w)),
            Atom::Phrase(ws) => seq(ws),
            Atom::AllOf(ws) => {
                let parts: Vec<(Occur, Box<dyn Query>)> =
                    ws.iter().filter_map(|w| seq(std::slice::from_ref(w))).map(|q| (Occur::Must, q)).collect();
                (!parts.is_empty()).then(|| Box::new(BooleanQuery::new(parts)) as Box<dyn Query>)
            }
        }
    }

    fn filter_clauses(&self, f: &Filters) -> Vec<(Occur, Box<dyn Query>)> {
        let mut out: Vec<(Occur, Box<dyn Query>)> = vec![];
        let mut add = |kind: &str, v: &Option<String>| {
            if let Some(v) = v {
                out.push((
                    Occur::Must,
                    Box::new(TermQuery::new(Term::from_facet(self.f.facets, &facet(kind, v)), IndexRecordOption::Basic)),
                ));
            }
        };
        add("org", &f.org);
        add("type", &f.org_type);
        add("theme", &f.theme);
        add("cat", &f.category);
        add("status", &f.status);
        add("ia", &f.impact_assessment.map(|b| if b { "ja".to_string() } else { "nee".to_string() }));
        add("iat", &f.impact_assessment_title);
        add("shared", &f.shared.filter(|s| *s).map(|_| "ja".to_string()));
        add("adopts", &f.adopts);
        out
    }

    fn run(&self, searcher: &Searcher, q: &SearchQuery, text: &str, relaxed: bool) -> Result<Results> {
        let mut clauses = vec![(Occur::Must, self.text_query_mode(text, relaxed))];
        clauses.extend(self.filter_clauses(&q.filters));
        let query = BooleanQuery::new(clauses);
        let kinds: &[&str] = match q.facets {
            FacetSet::Portal => &["org", "type", "theme", "cat", "status", "ia"],
            FacetSet::Compat => &["org", "type", "cat", "iat"],
        };
        let mut wanted = [false; 7];
        for (i, k) in crate::facets::KINDS.iter().enumerate() {
            wanted[i] = kinds.contains(k);
        }
        let fc = crate::facets::FacetCounts { field: "facets", wanted, cache: self.names.clone() };
        let limit = q.limit.clamp(1, 1000);
        // Deeper than the cap there are no hits (the total and the facets still count), so a client that
        // pages until a page is empty stops; the cap keeps the collector's memory bounded (it keeps
        // offset + limit hits per segment) whatever a caller passes.
        let beyond = q.offset > MAX_OFFSET;
        let q = &SearchQuery { offset: q.offset.min(MAX_OFFSET), ..q.clone() };
        let (total, hits, counts) = match q.sort {
            Sort::Relevance => {
                let (total, top, counts) = self.exec(searcher, &query, &(Count, TopDocs::with_limit(limit).and_offset(q.offset), fc))?;
                (total, top, counts)
            }
            Sort::Name | Sort::Number => {
                // Highest first, so keys are inverted: name then ID (or ID alone), ascending; a total order.
                let by_name = q.sort == Sort::Name;
                let top = TopDocs::with_limit(limit).and_offset(q.offset).custom_score(move |seg: &tantivy::SegmentReader| {
                    let names = seg.fast_fields().u64("name_key").ok().map(|c| c.first_or_default_col(0));
                    let ids = seg.fast_fields().u64("id_num").ok().map(|c| c.first_or_default_col(0));
                    move |doc: tantivy::DocId| {
                        let name = if by_name { names.as_ref().map(|c| c.get_val(doc)).unwrap_or(0) } else { 0 };
                        let id = ids.as_ref().map(|c| c.get_val(doc)).unwrap_or(0);
                        (u64::MAX - name, u64::MAX - id)
                    }
                });
                let (total, top, counts) = self.exec(searcher, &query, &(Count, top, fc))?;
                (total, top.into_iter().map(|(_, a)| (0.0, a)).collect(), counts)
            }
            Sort::Newest => {
                // Newest first, then by ID: a total order, so paging is stable.
                let top = TopDocs::with_limit(limit).and_offset(q.offset).custom_score(move |seg: &tantivy::SegmentReader| {
                    let published = seg.fast_fields().i64("published").ok().map(|c| c.first_or_default_col(0));
                    let ids = seg.fast_fields().u64("id_num").ok().map(|c| c.first_or_default_col(0));
                    move |doc: tantivy::DocId| {
                        let p = published.as_ref().map(|c| c.get_val(doc)).unwrap_or(0);
                        let id = ids.as_ref().map(|c| c.get_val(doc)).unwrap_or(0);
                        ((p as u64) ^ (1 << 63), u64::MAX - id)
                    }
                });
                let (total, top, counts) = self.exec(searcher, &query, &(Count, top, fc))?;
                (total, top.into_iter().map(|(_, a)| (0.0, a)).collect(), counts)
            }
        };
        let hits = if beyond { vec![] } else { hits };
        let mut out = Vec::with_capacity(hits.len());
        for (score, addr) in hits {
            out.push(Hit { id: self.id_of(searcher, addr)?, score });
        }
        let list = |k: &str| -> Vec<(String, u64)> {
            let kind = crate::facets::KINDS.iter().position(|x| *x == k).unwrap_or(usize::MAX) as u8;
            let mut v: Vec<(String, u64)> =
                counts.iter().filter(|((kk, _), _)| *kk == kind).map(|((_, name), n)| (name.clone(), *n)).collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            v
        };
        let facets = Facets {
            org: list("org"),
            org_type: list("type"),
            theme: list("theme"),
            category: list("cat"),
            status: list("status"),
            impact_assessment: list("ia"),
            impact_assessment_title: list("iat"),
        };
        Ok(Results { total, hits: out, facets, did_you_mean: None, corrected: false, relaxed: false })
    }

    /// Runs a collector: on all cores when this is the only search running (lowest latency), on the
    /// calling thread when others run too (no thread hand-offs; best throughput under load).
    fn exec<C: tantivy::collector::Collector>(&self, searcher: &Searcher, query: &dyn Query, c: &C) -> Result<C::Fruit> {
        let busy = self.in_flight.fetch_add(1, std::sync::atomic::Ordering::Relaxed) > 0;
        let _guard = InFlight(&self.in_flight);
        let scoring = if c.requires_scoring() {
            tantivy::query::EnableScoring::enabled_from_searcher(searcher)
        } else {
            tantivy::query::EnableScoring::disabled_from_searcher(searcher)
        };
        let single = tantivy::Executor::single_thread();
        let executor = if busy { &single } else { self.index.search_executor() };
        Ok(searcher.search_with_executor(query, c, executor, scoring)?)
    }

    fn id_of(&self, searcher: &Searcher, addr: DocAddress) -> Result<String> {
        let doc: TantivyDocument = searcher.doc(addr)?;
        Ok(doc.get_first(self.f.id).and_then(|v| v.as_str()).unwrap_or_default().to_string())
    }

    /// Searches; when the query as typed finds nothing and a spelling correction exists, searches that.
    pub fn search(&self, q: &SearchQuery) -> Result<Results> {
        let searcher = self.reader.searcher();
        let mut results = self.run(&searcher, q, &q.text, false)?;
        let parsed = crate::query::parse(&q.text);
        // A correction is a query of plain words: offered only for a query without exclusions and phrases.
        let plain = parsed.iter().all(|c| !c.negated && c.alternatives.iter().all(|a| matches!(a, crate::query::Atom::Word(_))));
        let correction = if plain { self.correct(&searcher, &q.text) } else { None };
        if results.total == 0 {
            if let Some(c) = &correction {
                results = self.run(&searcher, q, c, false)?;
                results.corrected = true;
            }
        }
        // Nothing has all the words: what has about half of them, best first (for a query of a few
        // words; a long one would match nearly everything at a high cost).
        let positive = parsed.iter().filter(|c| !c.negated).count();
        if results.total == 0 && (2..=MAX_RELAXED).contains(&positive) {
            let text = if results.corrected { correction.clone().unwrap_or_default() } else { q.text.clone() };
            results = Results { corrected: results.corrected, ..self.run(&searcher, q, &text, true)? };
            results.relaxed = results.total > 0;
        }
        results.did_you_mean = correction;
        Ok(results)
    }

    /// Replaces words that occur nowhere by the most frequent known word within edit distance 2. Each
    /// correction walks the term dictionary with a Levenshtein automaton (only the branches that can
    /// still match), at most [`MAX_CORRECTIONS`] words of at most [`MAX_CORRECTED_LEN`] characters per
    /// query.
    fn correct(&self, searcher: &Searcher, text: &str) -> Option<String> {
        // What the query parser reads of a text, no more (the compatible search takes 16 KiB).
        let text = match text.char_indices().nth(crate::query::MAX_CHARS) {
            Some((i, _)) => &text[..i],
            None => text,
        };
        let mut words: Vec<String> = analyzer::terms(analyzer::words(), text);
        words.truncate(crate::query::MAX_WORDS);
        if words.is_empty() {
            return None;
        }
        let mut changed = false;
        let mut out = vec![];
        let mut tried = std::collections::HashMap::<String, Option<String>>::new();
        for w in words {
            if let Some(done) = tried.get(&w) {
                out.push(done.clone().unwrap_or(w));
                continue;
            }
            if tried.len() >= MAX_CORRECTIONS || w.chars().count() > MAX_CORRECTED_LEN {
                out.push(w);
                continue;
            }
            // Known: an abbreviation, a word of a name or description, or (stemmed) a word anywhere in the text.
            let known = self.thesaurus.alternatives(std::slice::from_ref(&w)).is_some()
                || searcher.doc_freq(&Term::from_field_text(self.f.words, &w)).unwrap_or(0) > 0
                || analyzer::terms(analyzer::dutch_query(), &w)
                    .iter()
                    .any(|stem| searcher.doc_freq(&Term::from_field_text(self.f.all, stem)).unwrap_or(0) > 0)
                || analyzer::terms(analyzer::english(), &w)
                    .iter()
                    .any(|stem| searcher.doc_freq(&Term::from_field_text(self.f.en, stem)).unwrap_or(0) > 0);
            if known || w.len() < 4 || w.chars().all(|c| c.is_ascii_digit()) {
                out.push(w);
                continue;
            }
            let max = if w.chars().count() >= 8 { 2 } else { 1 };
            let dfa = within(&w, max);
            let mut best: Option<(usize, u64, String)> = None;
            for seg in searcher.segment_readers() {
                let Ok(inv) = seg.inverted_index(self.f.words) else { continue };
                let mut stream = match inv.terms().search(Within(&dfa)).into_stream() {
                    Ok(s) => s,
                    Err(_) => continue,
                };
                while let Some((bytes, info)) = stream.next() {
                    let Ok(term) = std::str::from_utf8(bytes) else { continue };
                    if let Some(d) = distance(&w, term, max) {
                        let freq = info.doc_freq as u64;
                        let better = match &best {
                            None => true,
                            Some((bd, bf, _)) => d < *bd || (d == *bd && freq > *bf),
                        };
                        if better {
                            best = Some((d, freq, term.to_string()));
                        }
                    }
                }
            }
            tried.insert(w.clone(), best.as_ref().map(|(_, _, t)| t.clone()));
            match best {
                Some((_, _, t)) => {
                    changed = true;
                    out.push(t);
                }
                None => out.push(w),
            }
        }
        changed.then(|| out.join(" "))
    }

    /// A spelling correction of a query, when words of it occur nowhere.
    pub fn did_you_mean(&self, text: &str) -> Option<String> {
        self.correct(&self.reader.searcher(), text)
    }

    /// Other ways to write what was typed, from the thesaurus (`wmo` → `wet maatschappelijke
    /// ondersteuning`), when the whole text is one of its expressions.
    pub fn alternatives(&self, text: &str) -> Vec<String> {
        let words: Vec<String> = crate::query::normalise(text).split_whitespace().map(String::from).collect();
        self.thesaurus.alternatives(&words).map(|g| g.iter().filter(|e| **e != words).map(|e| e.join(" ")).collect()).unwrap_or_default()
    }

    /// Suggestions while typing: names matching all words, the last one as a prefix.
    pub fn suggest(&self, text: &str, limit: usize) -> Result<Vec<Suggestion>> {
        let words: Vec<String> = analyzer::terms(analyzer::words(), text);
        let Some((last, full)) = words.split_last() else { return Ok(vec![]) };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = full
            .iter()
            .map(|w| -> (Occur, Box<dyn Query>) {
                (Occur::Must, Box::new(TermQuery::new(Term::from_field_text(self.f.words, w), IndexRecordOption::Basic)))
            })
            .collect();
        let escaped: String = last.chars().filter(|c| c.is_alphanumeric()).collect();
        if escaped.is_empty() {
            return Ok(vec![]);
        }
        clauses.push((Occur::Must, Box::new(RegexQuery::from_pattern(&format!("{escaped}.*"), self.f.words)?)));
        let mut name_boost: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, Box::new(BooleanQuery::new(clauses)))];
        name_boost.push((Occur::Should, self.text_query(text)));
        let searcher = self.reader.searcher();
        let top = self.exec(&searcher, &BooleanQuery::new(name_boost), &TopDocs::with_limit(limit.clamp(1, 20)))?;
        let mut out = vec![];
        for (_, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let get = |f: Field| doc.get_first(f).and_then(|v| v.as_str()).unwrap_or_default().to_string();
            out.push(Suggestion { id: get(self.f.id), name: get(self.f.name), organisation: get(self.f.org_name) });
        }
        Ok(out)
    }

    /// Records whose text resembles this one's most (no model, only the index's term statistics).
    pub fn similar(&self, id: &str, limit: usize) -> Result<Vec<Hit>> {
        let searcher = self.reader.searcher();
        let generation = searcher.generation().generation_id();
        let key = (id.to_string(), limit);
        if let Some((g, hits)) = self.similar_cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            if *g == generation {
                return Ok(hits.clone());
            }
        }
        let hits = self.similar_uncached(&searcher, id, limit)?;
        let mut cache = self.similar_cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= 50_000 {
            cache.clear();
        }
        cache.insert(key, (generation, hits.clone()));
        Ok(hits)
    }

    fn similar_uncached(&self, searcher: &Searcher, id: &str, limit: usize) -> Result<Vec<Hit>> {
        let top =
            searcher.search(&TermQuery::new(Term::from_field_text(self.f.id, id), IndexRecordOption::Basic), &TopDocs::with_limit(1))?;
        let Some((_, addr)) = top.first() else { return Ok(vec![]) };
        let q = MoreLikeThisQuery::builder()
            .with_min_doc_frequency(1)
            .with_min_term_frequency(1)
            .with_max_query_terms(30)
            .with_min_word_length(3)
            .with_document(*addr);
        let hits = self.exec(searcher, &q, &TopDocs::with_limit(limit + 1))?;
        let mut out = vec![];
        let mut seen = BTreeSet::new();
        for (score, a) in hits {
            let hid = self.id_of(searcher, a)?;
            if hid != id && seen.insert(hid.clone()) {
                out.push(Hit { id: hid, score });
            }
        }
        out.truncate(limit);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn algoreg_standard_english(theme: &str) -> &str {
        algoreg_standard::codes::english_value(theme)
    }

    #[test]
    fn facet_counts_are_exact_beyond_the_packed_bits() {
        // 70 distinct themes (more than the 63 bits of the packed mask) plus one shared theme.
        let i = SearchIndex::in_memory().unwrap();
        let docs: Vec<SearchDoc> = (0..70)
            .map(|n| {
                let mut x =
                    d(&format!("1{n:07}"), if n % 2 == 0 { "delft" } else { "uwv" }, "Toets", "Een toets.", &format!("Thema {n:02}"));
                x.themes.push("Gedeeld".into());
                x.category = (n % 3 == 0).then(|| "Hoog-risico AI-systeem".to_string());
                x
            })
            .collect();
        i.apply(&docs, &[], None).unwrap();
        let r = i.search(&SearchQuery { limit: 5, ..Default::default() }).unwrap();
        assert_eq!(r.total, 70);
        assert_eq!(r.facets.theme.len(), 71, "every theme counted, also past the packed bits");
        assert_eq!(r.facets.theme[0], ("Gedeeld".to_string(), 70));
        assert!(r.facets.theme.iter().skip(1).all(|(_, n)| *n == 1));
        assert_eq!(r.facets.org, vec![("delft".to_string(), 35), ("uwv".to_string(), 35)]);
        assert_eq!(r.facets.category, vec![("Hoog-risico AI-systeem".to_string(), 24)]);
        // A filter narrows the counts.
        let r = i
            .search(&SearchQuery { limit: 5, filters: Filters { org: Some("uwv".into()), ..Default::default() }, ..Default::default() })
            .unwrap();
        assert_eq!(r.facets.org, vec![("uwv".to_string(), 35)]);
        assert_eq!(r.facets.theme[0], ("Gedeeld".to_string(), 35));
    }

    #[test]
    fn english_words_find_records_through_english_labels() {
        let i = index();
        let r = i.search(&SearchQuery { text: "traffic".into(), limit: 10, ..Default::default() }).unwrap();
        assert_eq!(r.hits.len(), 1, "the Verkeer record");
        assert_eq!(r.hits[0].id, "11111111");
        // English stemming: "municipalities" matches "Municipality".
        let r = i.search(&SearchQuery { text: "municipalities".into(), limit: 10, ..Default::default() }).unwrap();
        assert!(r.total >= 2, "{}", r.total);
        assert!(r.did_you_mean.is_none(), "a known English word is not corrected");
    }

    fn d(id: &str, org: &str, name: &str, desc: &str, theme: &str) -> SearchDoc {
        SearchDoc {
            id: id.into(),
            org_code: org.into(),
            org_name: if org == "uwv" { "Uitvoeringsinstituut Werknemersverzekeringen (UWV)".into() } else { format!("Gemeente {org}") },
            org_type: if org == "uwv" { "zelfstandig_bestuursorgaan".into() } else { "gemeente".into() },
            name: name.into(),
            description: desc.into(),
            body: String::new(),
            english: format!("{} Municipality", algoreg_standard_english(theme)),
            themes: vec![theme.into()],
            category: Some("Impactvolle algoritmes".into()),
            status: Some("In gebruik".into()),
            has_impact_assessment: org == "uwv",
            impact_assessments: vec![],
            published: id.len() as i64,
            shared: false,
            adopts: None,
        }
    }

    /// A fresh index in memory with `docs` in it.
    #[test]
    fn past_the_deepest_page_there_are_no_hits_but_the_total_counts() {
        let docs: Vec<SearchDoc> =
            (0..MAX_OFFSET + 5).map(|n| d(&format!("{:08}", 10_000_000 + n), "delft", "Parkeren", "Vergunningen.", "Verkeer")).collect();
        let i = index_of(&docs);
        let page = |offset| i.search(&SearchQuery { offset, limit: 10, ..Default::default() }).unwrap();
        let last = page(MAX_OFFSET);
        assert_eq!((last.total, last.hits.len()), (MAX_OFFSET + 5, 5));
        let past = page(MAX_OFFSET + 10);
        assert_eq!((past.total, past.hits.len()), (MAX_OFFSET + 5, 0), "not the last page again");
    }

    fn index_of(docs: &[SearchDoc]) -> SearchIndex {
        let i = SearchIndex::in_memory().unwrap();
        i.apply(docs, &[], Some(1)).unwrap();
        i
    }

    fn index() -> SearchIndex {
        let i = SearchIndex::in_memory().unwrap();
        i.apply(
            &[
                d("11111111", "delft", "Parkeervergunningen toetsen", "De gemeente toetst aanvragen voor parkeervergunningen.", "Verkeer"),
                d(
                    "22222222",
                    "delft",
                    "Bijstandsuitkering controleren",
                    "Controle op uitkeringen en toeslagen van de gemeenten.",
                    "Sociale zekerheid",
                ),
                d("33333331", "uwv", "WW-uitkering berekenen", "Berekening van de werkloosheidsuitkering.", "Werk"),
                d("44444444", "ede", "Afvalroutes plannen", "Routes voor de vuilniswagens.", "Natuur en milieu"),
            ],
            &[],
            Some(7),
        )
        .unwrap();
        i
    }

    fn ids(r: &Results) -> Vec<&str> {
        r.hits.iter().map(|h| h.id.as_str()).collect()
    }

    #[test]
    fn stemming_matches_word_forms() {
        let i = index();
        let r = i.search(&SearchQuery { text: "gemeenten".into(), limit: 10, ..Default::default() }).unwrap();
        assert_eq!(r.total, 3, "gemeenten matches gemeente in texts and organisation names: {r:?}");
        let r = i.search(&SearchQuery { text: "toeslag".into(), limit: 10, ..Default::default() }).unwrap();
        assert_eq!(ids(&r), vec!["22222222"], "toeslag matches toeslagen");
        let r = i.search(&SearchQuery { text: "uitkering".into(), limit: 10, ..Default::default() }).unwrap();
        assert!(ids(&r).contains(&"22222222") && ids(&r).contains(&"33333331"));
    }

    fn find(i: &SearchIndex, text: &str) -> Vec<String> {
        let mut v: Vec<String> = ids(&i.search(&SearchQuery { text: text.into(), limit: 10, ..Default::default() }).unwrap())
            .into_iter()
            .map(String::from)
            .collect();
        v.sort();
        v
    }

    #[test]
    fn the_query_language_works_on_the_index() {
        let i = index();
        let q = |t: &str| i.search(&SearchQuery { text: t.into(), limit: 10, ..Default::default() }).unwrap();
        assert_eq!(find(&i, "parkeervergunningen toetsen"), vec!["11111111"], "all words must match");
        assert!(!q("parkeervergunningen toetsen").relaxed);
        let r = q("parkeervergunningen afvalroutes");
        assert!(r.relaxed && r.total == 2, "no record has both: those with one of them, said so: {r:?}");
        for q in ["parkeervergunningen OR afvalroutes", "parkeervergunningen or afvalroutes", "parkeervergunningen of afvalroutes"] {
            assert_eq!(find(&i, q), vec!["11111111", "44444444"], "{q}");
        }
        assert_eq!(find(&i, "uitkering -werkloosheidsuitkering"), vec!["22222222"], "minus excludes");
        assert_eq!(find(&i, "-delft"), vec!["33333331", "44444444"], "only an exclusion: everything else");
        assert_eq!(find(&i, "\"routes voor de vuilniswagens\""), vec!["44444444"], "a phrase");
        assert_eq!(find(&i, "\"vuilniswagens voor routes\""), Vec::<String>::new(), "a phrase keeps its order");
        assert_eq!(find(&i, "ROUTES Vuilniswagens"), vec!["44444444"], "case does not matter");
        assert_eq!(find(&i, "de het een"), find(&i, ""), "only stop words: everything");
        for odd in ["\"routes", "OR", "-", "of of of", "\"\"", "routes -", "- routes"] {
            assert!(i.search(&SearchQuery { text: odd.into(), limit: 10, ..Default::default() }).is_ok(), "{odd}");
        }
    }

    #[test]
    fn accents_and_synonyms_both_ways() {
        let i = index_of(&[
            d("55555555", "delft", "Subsidies van het ministerie van Financiën", "Toetsing door de gemeente.", "Financiën"),
            d("66666666", "delft", "Wmo-voorzieningen toekennen", "Hulp bij het huishouden.", "Zorg"),
            d("77777777", "ede", "Huishoudelijke hulp", "Op grond van de Wet maatschappelijke ondersteuning.", "Zorg"),
            d("88888888", "ede", "Boetes innen", "Het Centraal Justitieel Incassobureau int de boete.", "Recht"),
        ]);
        assert_eq!(find(&i, "financien"), vec!["55555555"], "without the accent");
        assert_eq!(find(&i, "FINANCIËN"), vec!["55555555"]);
        assert_eq!(find(&i, "wmo"), vec!["66666666", "77777777"], "the abbreviation finds the full name");
        assert_eq!(find(&i, "wet maatschappelijke ondersteuning"), vec!["66666666", "77777777"], "and the full name the abbreviation");
        assert_eq!(find(&i, "cjib"), vec!["88888888"]);
    }

    #[test]
    fn compounds_are_found_by_their_parts_and_written_apart() {
        let i = index_of(&[
            d("12121212", "delft", "Grondwaterstand voorspellen", "Meetgegevens van peilbuizen.", "Natuur en milieu"),
            d("13131313", "ede", "Grond en water", "Vervuiling van grond water en lucht.", "Natuur en milieu"),
            d("14141414", "ede", "Bestemmingsplan wijzigen", "Toetsing van aanvragen.", "Ruimte"),
        ]);
        assert_eq!(find(&i, "grondwater"), vec!["12121212", "13131313"], "a part finds the compound, and the words written apart");
        assert_eq!(find(&i, "stand"), vec!["12121212"]);
        assert_eq!(find(&i, "grondwaterstand"), vec!["12121212"]);
        assert_eq!(find(&i, "bestemmingsplan"), vec!["14141414"]);
        assert_eq!(find(&i, "plan"), vec!["14141414"], "the last part too");
        assert_eq!(find(&i, "\"grondwaterstand voorspellen\""), vec!["12121212"], "phrases still hold");
    }

    #[test]
    fn abbreviations_resolve_to_the_organisation() {
        let i = index();
        let r = i.search(&SearchQuery { text: "UWV".into(), limit: 10, ..Default::default() }).unwrap();
        assert_eq!(ids(&r), vec!["33333331"]);
    }

    #[test]
    fn facets_filters_sorting_and_position() {
        let i = index();
        assert_eq!(i.position(), 7);
        let all = i.search(&SearchQuery { limit: 10, sort: Sort::Name, ..Default::default() }).unwrap();
        assert_eq!(all.total, 4);
        assert_eq!(ids(&all)[0], "44444444", "Afvalroutes first by name");
        assert!(all.facets.org.contains(&("delft".into(), 2)));
        let f = i
            .search(&SearchQuery {
                limit: 10,
                filters: Filters { org: Some("delft".into()), theme: Some("Verkeer".into()), ..Default::default() },
                ..Default::default()
            })
            .unwrap();
        assert_eq!(ids(&f), vec!["11111111"]);
        let ia = i
            .search(&SearchQuery {
                limit: 10,
                filters: Filters { impact_assessment: Some(true), ..Default::default() },
                ..Default::default()
            })
            .unwrap();
        assert_eq!(ids(&ia), vec!["33333331"]);
        i.apply(&[], &["11111111".into()], Some(8)).unwrap();
        assert_eq!(i.search(&SearchQuery { limit: 10, ..Default::default() }).unwrap().total, 3);
        assert_eq!(i.position(), 8);
    }

    #[test]
    fn typos_are_corrected() {
        let i = index();
        let r = i.search(&SearchQuery { text: "afvalrotes".into(), limit: 10, ..Default::default() }).unwrap();
        assert_eq!(r.did_you_mean.as_deref(), Some("afvalroutes"));
        assert!(r.corrected);
        assert_eq!(ids(&r), vec!["44444444"]);
        // Stemming already forgives some slips: no correction needed to find it.
        let r = i.search(&SearchQuery { text: "parkeervergunnigen".into(), limit: 10, ..Default::default() }).unwrap();
        assert_eq!(ids(&r), vec!["11111111"]);
    }

    #[test]
    fn suggestions_and_similar() {
        let i = index();
        let s = i.suggest("parkeer", 5).unwrap();
        assert_eq!(s[0].id, "11111111");
        let sim = i.similar("22222222", 3).unwrap();
        assert!(!sim.is_empty() && sim.iter().all(|h| h.id != "22222222"));
    }

    #[test]
    fn hostile_queries_do_not_fail() {
        let i = index();
        for q in ["\"", "((", "name:", "*", "a AND OR", "~~~", "\\", "[1 TO", ":::", "ü^2"] {
            assert!(i.search(&SearchQuery { text: q.into(), limit: 5, ..Default::default() }).is_ok(), "{q}");
            assert!(i.suggest(q, 5).is_ok(), "{q}");
        }
    }
}

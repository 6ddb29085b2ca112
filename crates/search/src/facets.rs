//! Facet counts without per-query dictionary look-ups. Kinds with one value per record (organisation,
//! type, category, status, impact assessment yes/no) are read from single-valued string fast fields
//! (`f_org`, ...: one ordinal per document, the cheapest read there is); kinds with several values
//! (themes, impact-assessment titles) from the facet column. Ordinals are counted per segment and
//! named through tables built once per segment (segments never change, so the tables are cached by
//! segment ID). tantivy's own facet collector looks every counted ordinal up in the term dictionary on
//! every query and reads the multi-valued facet column for every kind, which dominated search time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::index::SegmentId;
use tantivy::schema::Facet;
use tantivy::{DocId, Score, SegmentReader};

/// The facet kinds (first path segment) the index uses.
pub const KINDS: &[&str] = &["org", "type", "theme", "cat", "status", "ia", "iat"];

/// The kinds with exactly one value per record, and their single-valued fast field.
pub const SINGLE: &[(u8, &str)] = &[(0, "f_org"), (1, "f_type"), (3, "f_cat"), (4, "f_status"), (5, "f_ia")];

fn is_multi(kind: usize) -> bool {
    !SINGLE.iter().any(|(k, _)| *k as usize == kind)
}

/// Ordinal → value of one single-valued column in one segment.
type Names = Arc<Vec<String>>;

/// Ordinal → (kind index, value) for one segment.
type Table = Arc<Vec<Option<(u8, String)>>>;

#[derive(Default)]
pub struct NameCache {
    tables: Mutex<HashMap<SegmentId, Table>>,
    columns: Mutex<HashMap<(SegmentId, u8), Names>>,
}

impl NameCache {
    /// Ordinal → value of a single-valued string column in one segment.
    fn names(&self, seg: &SegmentReader, kind: u8, col: &tantivy::columnar::StrColumn) -> tantivy::Result<Arc<Vec<String>>> {
        let key = (seg.segment_id(), kind);
        if let Some(t) = self.columns.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Ok(t.clone());
        }
        let mut names = Vec::with_capacity(col.num_terms());
        for ord in 0..col.num_terms() as u64 {
            let mut s = String::new();
            col.ord_to_str(ord, &mut s)?;
            names.push(s);
        }
        let names = Arc::new(names);
        let mut columns = self.columns.lock().unwrap_or_else(|e| e.into_inner());
        if columns.len() > 2048 {
            columns.clear();
        }
        columns.insert(key, names.clone());
        Ok(names)
    }

    fn table(&self, seg: &SegmentReader, field: &str) -> tantivy::Result<Table> {
        let id = seg.segment_id();
        if let Some(t) = self.tables.lock().unwrap_or_else(|e| e.into_inner()).get(&id) {
            return Ok(t.clone());
        }
        let reader = seg.facet_reader(field)?;
        let mut table = Vec::with_capacity(reader.num_facets());
        let mut facet = Facet::root();
        for ord in 0..reader.num_facets() as u64 {
            reader.facet_from_ord(ord, &mut facet)?;
            let path = facet.to_path();
            let entry = match path.as_slice() {
                [kind, value] => KINDS.iter().position(|k| k == kind).map(|i| (i as u8, value.to_string())),
                _ => None,
            };
            table.push(entry);
        }
        let table = Arc::new(table);
        let mut tables = self.tables.lock().unwrap_or_else(|e| e.into_inner());
        // Forget tables of segments merged away long ago (a handful live at any time).
        if tables.len() > 256 {
            tables.clear();
        }
        tables.insert(id, table.clone());
        Ok(table)
    }
}

/// Counts per (kind, value) for the kinds asked.
pub struct FacetCounts {
    pub field: &'static str,
    /// Which kinds to count (indexes into [`KINDS`]).
    pub wanted: [bool; 7],
    pub cache: Arc<NameCache>,
}

struct Single {
    kind: u8,
    ords: tantivy::columnar::Column<u64>,
    names: Arc<Vec<String>>,
    counts: Vec<u32>,
}

const BATCH: usize = 256;

pub struct SegmentFacetCounts {
    singles: Vec<Single>,
    /// Documents waiting to be counted: single-valued columns are read in batches (one call per
    /// column and batch instead of one dynamic call per document and column).
    batch: Vec<DocId>,
    vals: Vec<u64>,
    /// The facet column, when a multi-valued kind is wanted.
    multi: Option<(tantivy::fastfield::FacetReader, Table, Vec<u32>)>,
    wanted: [bool; 7],
}

/// (kind index, value) → count.
pub type Counts = HashMap<(u8, String), u64>;

impl Collector for FacetCounts {
    type Fruit = Counts;
    type Child = SegmentFacetCounts;

    fn for_segment(&self, _ord: u32, seg: &SegmentReader) -> tantivy::Result<SegmentFacetCounts> {
        let mut singles = vec![];
        for (kind, field) in SINGLE {
            if !self.wanted[*kind as usize] {
                continue;
            }
            if let Some(col) = seg.fast_fields().str(field)? {
                let names = self.cache.names(seg, *kind, &col)?;
                singles.push(Single { kind: *kind, ords: col.ords().clone(), counts: vec![0; names.len()], names });
            }
        }
        let multi = if (0..KINDS.len()).any(|k| self.wanted[k] && is_multi(k)) {
            let reader = seg.facet_reader(self.field)?;
            let table = self.cache.table(seg, self.field)?;
            let n = reader.num_facets();
            Some((reader, table, vec![0; n]))
        } else {
            None
        };
        Ok(SegmentFacetCounts { singles, batch: Vec::with_capacity(BATCH), vals: vec![0; BATCH], multi, wanted: self.wanted })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Counts>) -> tantivy::Result<Counts> {
        let mut out = Counts::new();
        for f in fruits {
            for (k, n) in f {
                *out.entry(k).or_default() += n;
            }
        }
        Ok(out)
    }
}

impl SegmentFacetCounts {
    fn flush(&mut self) {
        let n = self.batch.len();
        if n == 0 {
            return;
        }
        for s in self.singles.iter_mut() {
            if matches!(s.ords.index, tantivy::columnar::ColumnIndex::Full) {
                s.ords.values.get_vals(&self.batch, &mut self.vals[..n]);
                for ord in &self.vals[..n] {
                    if let Some(c) = s.counts.get_mut(*ord as usize) {
                        *c += 1;
                    }
                }
            } else {
                for doc in &self.batch {
                    if let Some(c) = s.ords.first(*doc).and_then(|ord| s.counts.get_mut(ord as usize)) {
                        *c += 1;
                    }
                }
            }
        }
        self.batch.clear();
    }
}

impl SegmentCollector for SegmentFacetCounts {
    type Fruit = Counts;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if !self.singles.is_empty() {
            self.batch.push(doc);
            if self.batch.len() == BATCH {
                self.flush();
            }
        }
        if let Some((reader, _, counts)) = self.multi.as_mut() {
            for ord in reader.facet_ords(doc) {
                if let Some(c) = counts.get_mut(ord as usize) {
                    *c += 1;
                }
            }
        }
    }

    fn harvest(mut self) -> Counts {
        self.flush();
        let mut out = Counts::new();
        for s in &self.singles {
            for (ord, n) in s.counts.iter().enumerate() {
                if *n > 0 && !s.names[ord].is_empty() {
                    *out.entry((s.kind, s.names[ord].clone())).or_default() += *n as u64;
                }
            }
        }
        if let Some((_, table, counts)) = &self.multi {
            for (ord, n) in counts.iter().enumerate() {
                if *n == 0 {
                    continue;
                }
                if let Some(Some((kind, value))) = table.get(ord) {
                    if self.wanted[*kind as usize] && is_multi(*kind as usize) {
                        *out.entry((*kind, value.clone())).or_default() += *n as u64;
                    }
                }
            }
        }
        out
    }
}

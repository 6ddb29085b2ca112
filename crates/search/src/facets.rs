//! Facet counts without per-query dictionary look-ups: documents' facet ordinals are counted per
//! segment, and the ordinals are turned into names through a table built once per segment (segments
//! never change, so the table is cached by segment ID). tantivy's own facet collector looks every
//! counted ordinal up in the segment's term dictionary on every query, which dominated search time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::index::SegmentId;
use tantivy::schema::Facet;
use tantivy::{DocId, Score, SegmentReader};

/// The facet kinds (first path segment) the index uses.
pub const KINDS: &[&str] = &["org", "type", "theme", "cat", "status", "ia", "iat"];

/// Ordinal → (kind index, value) for one segment.
type Table = Arc<Vec<Option<(u8, String)>>>;

#[derive(Default)]
pub struct NameCache {
    tables: Mutex<HashMap<SegmentId, Table>>,
}

impl NameCache {
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

pub struct SegmentFacetCounts {
    reader: tantivy::fastfield::FacetReader,
    table: Table,
    wanted: [bool; 7],
    counts: Vec<u32>,
}

/// (kind index, value) → count.
pub type Counts = HashMap<(u8, String), u64>;

impl Collector for FacetCounts {
    type Fruit = Counts;
    type Child = SegmentFacetCounts;

    fn for_segment(&self, _ord: u32, seg: &SegmentReader) -> tantivy::Result<SegmentFacetCounts> {
        let reader = seg.facet_reader(self.field)?;
        let table = self.cache.table(seg, self.field)?;
        let n = reader.num_facets();
        Ok(SegmentFacetCounts { reader, table, wanted: self.wanted, counts: vec![0; n] })
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

impl SegmentCollector for SegmentFacetCounts {
    type Fruit = Counts;

    fn collect(&mut self, doc: DocId, _score: Score) {
        for ord in self.reader.facet_ords(doc) {
            if let Some(c) = self.counts.get_mut(ord as usize) {
                *c += 1;
            }
        }
    }

    fn harvest(self) -> Counts {
        let mut out = Counts::new();
        for (ord, n) in self.counts.iter().enumerate() {
            if *n == 0 {
                continue;
            }
            if let Some(Some((kind, value))) = self.table.get(ord) {
                if self.wanted[*kind as usize] {
                    *out.entry((*kind, value.clone())).or_default() += *n as u64;
                }
            }
        }
        out
    }
}

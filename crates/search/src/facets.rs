//! Facet counts at one memory read per document.
//!
//! Segments never change, so for each segment we build once (on its first search) a packed table:
//! per document one u64 holding the segment-local ordinals of the kinds with one value per record
//! (organisation 16 bits, type, category, status and impact assessment 8 bits each), and one u64 bit
//! mask of the values of the kinds with several values (themes, impact-assessment titles), plus the
//! names of every ordinal and bit. A search then counts by reading those two words per matching
//! document. tantivy's own facet collector reads the multi-valued facet column for every document and
//! looks every counted ordinal up in the term dictionary on every query, which dominated search time.
//! What does not fit the packing (more ordinals than the bits allow, more than 63 multi values in a
//! segment) is counted from the facet column for the documents concerned. The tables take 16 bytes per
//! document.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::index::SegmentId;
use tantivy::schema::Facet;
use tantivy::{DocId, Score, SegmentReader};

/// The facet kinds (first path segment) the index uses.
pub const KINDS: &[&str] = &["org", "type", "theme", "cat", "status", "ia", "iat"];

/// The kinds with exactly one value per record, their single-valued fast field, and their bit width
/// in the packed word.
pub const SINGLE: &[(u8, &str, u32)] = &[(0, "f_org", 16), (1, "f_type", 8), (3, "f_cat", 8), (4, "f_status", 8), (5, "f_ia", 8)];

fn is_multi(kind: usize) -> bool {
    !SINGLE.iter().any(|(k, _, _)| *k as usize == kind)
}

/// Bit 63 of a document's mask: it has multi values without a bit of their own.
const OVERFLOW: u64 = 1 << 63;

/// Everything needed to count one segment.
struct SegmentTable {
    /// Per document: the single-valued ordinals + 1, packed in the order of [`SINGLE`]; `None` when
    /// they do not fit (the single kinds are then counted from the facet column).
    packed: Option<Vec<u64>>,
    /// Per single kind: ordinal → value.
    names: Vec<Vec<String>>,
    /// Per document: bits of the multi-valued values (and [`OVERFLOW`]).
    mask: Vec<u64>,
    /// Bit → (kind, value).
    bits: Vec<(u8, String)>,
    /// The facet column and its ordinals' (kind, value, has a bit), for what the packing leaves out.
    reader: tantivy::fastfield::FacetReader,
    ords: Vec<Option<(u8, String, bool)>>,
}

#[derive(Default)]
pub struct NameCache {
    tables: Mutex<HashMap<SegmentId, Arc<SegmentTable>>>,
}

impl NameCache {
    /// The segment's table, built on first use.
    fn table(&self, seg: &SegmentReader, field: &str) -> tantivy::Result<Arc<SegmentTable>> {
        let id = seg.segment_id();
        if let Some(t) = self.tables.lock().unwrap_or_else(|e| e.into_inner()).get(&id) {
            return Ok(t.clone());
        }
        let built = Arc::new(build(seg, field)?);
        let mut tables = self.tables.lock().unwrap_or_else(|e| e.into_inner());
        tables.insert(id, built.clone());
        Ok(built)
    }

    /// Forgets the tables of segments that are gone (merged away).
    pub fn retain(&self, live: &[SegmentId]) {
        self.tables.lock().unwrap_or_else(|e| e.into_inner()).retain(|id, _| live.contains(id));
    }
}

fn build(seg: &SegmentReader, field: &str) -> tantivy::Result<SegmentTable> {
    let max = seg.max_doc() as usize;
    let mut packed = Some(vec![0u64; max]);
    let mut names = vec![];
    let mut shift = 0u32;
    for (_, name, width) in SINGLE {
        let mut kind_names = vec![];
        if let Some(col) = seg.fast_fields().str(name)? {
            for ord in 0..col.num_terms() as u64 {
                let mut s = String::new();
                col.ord_to_str(ord, &mut s)?;
                kind_names.push(s);
            }
            if col.num_terms() as u64 + 1 >= (1u64 << width) {
                packed = None;
            }
            if let Some(p) = packed.as_mut() {
                for (doc, w) in p.iter_mut().enumerate() {
                    // Ordinal + 1, so 0 means "no value".
                    if let Some(ord) = col.ords().first(doc as DocId) {
                        *w |= (ord + 1) << shift;
                    }
                }
            }
        }
        names.push(kind_names);
        shift += width;
    }
    // Every facet ordinal named; multi-valued values get a bit while bits last.
    let reader = seg.facet_reader(field)?;
    let mut ords: Vec<Option<(u8, String, bool)>> = Vec::with_capacity(reader.num_facets());
    let mut bit_of: Vec<Option<u8>> = vec![None; reader.num_facets()];
    let mut bits: Vec<(u8, String)> = vec![];
    let mut facet = Facet::root();
    for ord in 0..reader.num_facets() as u64 {
        reader.facet_from_ord(ord, &mut facet)?;
        let entry = match facet.to_path().as_slice() {
            [kind, value] => KINDS.iter().position(|x| x == kind).map(|k| {
                let has_bit = is_multi(k) && bits.len() < 63;
                if has_bit {
                    bit_of[ord as usize] = Some(bits.len() as u8);
                    bits.push((k as u8, value.to_string()));
                }
                (k as u8, value.to_string(), has_bit)
            }),
            _ => None,
        };
        ords.push(entry);
    }
    let mut mask = vec![0u64; max];
    for (doc, m) in mask.iter_mut().enumerate() {
        for ord in reader.facet_ords(doc as DocId) {
            match (bit_of.get(ord as usize), ords.get(ord as usize)) {
                (Some(Some(b)), _) => *m |= 1 << b,
                (_, Some(Some((k, _, false)))) if is_multi(*k as usize) => *m |= OVERFLOW,
                _ => {}
            }
        }
    }
    Ok(SegmentTable { packed, names, mask, bits, reader, ords })
}

/// Counts per (kind, value) for the kinds asked.
pub struct FacetCounts {
    pub field: &'static str,
    /// Which kinds to count (indexes into [`KINDS`]).
    pub wanted: [bool; 7],
    pub cache: Arc<NameCache>,
}

pub struct SegmentFacetCounts {
    table: Arc<SegmentTable>,
    wanted: [bool; 7],
    /// Counts by facet ordinal, for what the packing leaves out.
    slow: Vec<u32>,
    /// Per single kind (in [`SINGLE`] order): counts by ordinal + 1, or empty when not wanted.
    singles: Vec<Vec<u32>>,
    /// The bits of wanted multi-valued values.
    wanted_bits: u64,
    bit_counts: [u32; 64],
}

/// (kind index, value) → count.
pub type Counts = HashMap<(u8, String), u64>;

impl Collector for FacetCounts {
    type Fruit = Counts;
    type Child = SegmentFacetCounts;

    fn for_segment(&self, _ord: u32, seg: &SegmentReader) -> tantivy::Result<SegmentFacetCounts> {
        let table = self.cache.table(seg, self.field)?;
        let singles = SINGLE
            .iter()
            .zip(&table.names)
            .map(|((kind, _, _), names)| if self.wanted[*kind as usize] { vec![0; names.len() + 1] } else { vec![] })
            .collect();
        let wanted_bits = table.bits.iter().enumerate().filter(|(_, (k, _))| self.wanted[*k as usize]).fold(0u64, |m, (i, _)| m | (1 << i));
        let slow = vec![0; table.ords.len()];
        let wanted_bits = wanted_bits | OVERFLOW;
        Ok(SegmentFacetCounts { table, wanted: self.wanted, slow, singles, wanted_bits, bit_counts: [0; 64] })
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

    #[inline]
    fn collect(&mut self, doc: DocId, _score: Score) {
        let table = &self.table;
        let slow_singles = match &table.packed {
            Some(packed) => {
                let p = packed[doc as usize];
                let mut shift = 0;
                for ((_, _, width), counts) in SINGLE.iter().zip(self.singles.iter_mut()) {
                    if !counts.is_empty() {
                        let slot = ((p >> shift) & ((1u64 << width) - 1)) as usize;
                        if let Some(c) = counts.get_mut(slot) {
                            *c += 1;
                        }
                    }
                    shift += width;
                }
                false
            }
            None => true,
        };
        let mut m = table.mask[doc as usize] & self.wanted_bits;
        let overflow = m & OVERFLOW != 0;
        m &= !OVERFLOW;
        while m != 0 {
            let b = m.trailing_zeros() as usize;
            self.bit_counts[b] += 1;
            m &= m - 1;
        }
        if slow_singles || overflow {
            for ord in table.reader.facet_ords(doc) {
                if let Some(Some((k, _, has_bit))) = table.ords.get(ord as usize) {
                    let multi = is_multi(*k as usize);
                    let counted_fast = if multi { *has_bit } else { !slow_singles };
                    if self.wanted[*k as usize] && !counted_fast {
                        self.slow[ord as usize] += 1;
                    }
                }
            }
        }
    }

    fn harvest(self) -> Counts {
        let mut out = Counts::new();
        for (((kind, _, _), counts), names) in SINGLE.iter().zip(&self.singles).zip(&self.table.names) {
            for (slot, n) in counts.iter().enumerate().skip(1) {
                let name = &names[slot - 1];
                if *n > 0 && !name.is_empty() {
                    *out.entry((*kind, name.clone())).or_default() += *n as u64;
                }
            }
        }
        for (b, n) in self.bit_counts.iter().enumerate() {
            if *n > 0 {
                let (kind, value) = &self.table.bits[b];
                *out.entry((*kind, value.clone())).or_default() += *n as u64;
            }
        }
        for (ord, n) in self.slow.iter().enumerate() {
            if *n > 0 {
                if let Some(Some((kind, value, _))) = self.table.ords.get(ord) {
                    *out.entry((*kind, value.clone())).or_default() += *n as u64;
                }
            }
        }
        out
    }
}

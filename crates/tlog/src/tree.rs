//! The log kept as the hashes of its complete subtrees, level by level, and served as tiles
//! (C2SP `tlog-tiles`).
//!
//! Level `k` holds the hashes of the subtrees of `2^k` leaves that are complete, left to right. An
//! append adds one leaf hash and the parents it completes (amortised two hashes). Every root and
//! every proof of RFC 9162 is made of such subtree hashes, plus, at the right edge, a few hashes
//! combined from them: a proof costs O(log² n) hashes instead of rehashing all `n` leaves.
//!
//! A tile at level `L` and index `N` is the run of at most 256 hashes at tree level `8·L` starting at
//! `256·N`; complete subtree hashes never change, so every tile (also a partial one of width `W`)
//! is immutable and can be cached for good. Entry bundles hold the entries themselves, each behind
//! its length as a big-endian `u16`.

use crate::{node_hash, split_u64, Hash};
use sha2::{Digest, Sha256};

/// The height of a tile: it spans 2^8 = 256 hashes.
pub const TILE_HEIGHT: u32 = 8;
/// The hashes (or entries) in a full tile.
pub const TILE_WIDTH: u64 = 1 << TILE_HEIGHT;

/// The hashes of every complete subtree of a log.
#[derive(Debug, Default, Clone)]
pub struct Tree {
    levels: Vec<Vec<Hash>>,
}

impl Tree {
    pub fn new() -> Tree {
        Tree::default()
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Appends a leaf hash (see [`crate::leaf_hash`]).
    pub fn push(&mut self, leaf: Hash) {
        if self.levels.is_empty() {
            self.levels.push(vec![]);
        }
        self.levels[0].push(leaf);
        let mut k = 0;
        while self.levels[k].len().is_multiple_of(2) {
            let n = self.levels[k].len();
            let parent = node_hash(&self.levels[k][n - 2], &self.levels[k][n - 1]);
            if self.levels.len() == k + 1 {
                self.levels.push(vec![]);
            }
            self.levels[k + 1].push(parent);
            k += 1;
        }
    }

    /// The Merkle tree hash of leaves `lo..hi` (MTH of RFC 9162 over that slice), from the stored
    /// subtree hashes. Callers keep `lo < hi <= size`.
    fn range(&self, lo: u64, hi: u64) -> Hash {
        let n = hi - lo;
        if n.is_power_of_two() && lo.is_multiple_of(n) {
            let k = n.trailing_zeros() as usize;
            return self.levels[k][(lo >> k) as usize];
        }
        let k = split_u64(n);
        node_hash(&self.range(lo, lo + k), &self.range(lo + k, hi))
    }

    /// The root of the tree of the first `size` leaves, or none when the log is smaller.
    pub fn root(&self, size: u64) -> Option<Hash> {
        match size {
            0 => Some(Sha256::digest([]).into()),
            s if s <= self.size() => Some(self.range(0, s)),
            _ => None,
        }
    }

    /// The inclusion proof of leaf `index` in the tree of `size` leaves (PATH of RFC 9162).
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Option<Vec<Hash>> {
        if index >= size || size > self.size() {
            return None;
        }
        let mut out = vec![];
        // Down from the root, then the siblings from the leaf up.
        let (mut m, mut lo, mut hi) = (index, 0, size);
        while hi - lo > 1 {
            let k = split_u64(hi - lo);
            self.step(m < k, k, (&mut m, &mut lo, &mut hi), &mut out);
        }
        out.reverse();
        Some(out)
    }

    /// One step down from the subtree `lo..hi` split at `k`: into the left part (the right part's
    /// hash goes into the proof) or into the right part (the left part's hash goes in), with `m` the
    /// position looked for, counted from `lo`.
    fn step(&self, left: bool, k: u64, (m, lo, hi): (&mut u64, &mut u64, &mut u64), out: &mut Vec<Hash>) {
        if left {
            out.push(self.range(*lo + k, *hi));
            *hi = *lo + k;
        } else {
            out.push(self.range(*lo, *lo + k));
            *m -= k;
            *lo += k;
        }
    }

    /// The consistency proof between the trees of `old` and `size` leaves (PROOF of RFC 9162).
    pub fn consistency_proof(&self, old: u64, size: u64) -> Option<Vec<Hash>> {
        if old == 0 || old > size || size > self.size() {
            return None;
        }
        let mut out = vec![];
        let (mut m, mut lo, mut hi, mut complete) = (old, 0, size, true);
        loop {
            let n = hi - lo;
            if m == n {
                if !complete {
                    out.push(self.range(lo, hi));
                }
                break;
            }
            let k = split_u64(n);
            complete &= m <= k;
            self.step(m <= k, k, (&mut m, &mut lo, &mut hi), &mut out);
        }
        out.reverse();
        Some(out)
    }

    /// The hashes of tile `index` at tile level `level`, `width` of them (1 to 256), or none when the
    /// log does not have them all yet.
    pub fn tile(&self, level: u32, index: u64, width: u64) -> Option<Vec<u8>> {
        if width == 0 || width > TILE_WIDTH {
            return None;
        }
        let hashes = self.levels.get((level * TILE_HEIGHT) as usize)?;
        let start = index.checked_mul(TILE_WIDTH)?;
        let end = start.checked_add(width)?;
        if end > hashes.len() as u64 {
            return None;
        }
        Some(hashes[start as usize..end as usize].concat())
    }

    /// Every tile of the tree of the current size, as (path, bytes): the full ones and the partial
    /// one at the right edge of each level. With [`entry_tile_paths`] what a static mirror serves.
    pub fn tiles(&self) -> Vec<(String, Vec<u8>)> {
        let mut out = vec![];
        let mut level = 0;
        while let Some(hashes) = self.levels.get((level * TILE_HEIGHT) as usize) {
            let n = hashes.len() as u64;
            for index in 0..n.div_ceil(TILE_WIDTH) {
                let width = (n - index * TILE_WIDTH).min(TILE_WIDTH);
                if let Some(t) = self.tile(level, index, width) {
                    out.push((TilePath { level: Some(level), index, width }.to_string(), t));
                }
            }
            level += 1;
        }
        out
    }
}

/// Where a tile lives: `tile/<L>/<N>[.p/<W>]` for hashes, `tile/entries/<N>[.p/<W>]` for entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TilePath {
    /// The tile level; none for an entry bundle.
    pub level: Option<u32>,
    pub index: u64,
    /// 1 to 256; below 256 a partial tile.
    pub width: u64,
}

impl std::fmt::Display for TilePath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.level {
            Some(l) => write!(f, "tile/{l}/")?,
            None => f.write_str("tile/entries/")?,
        }
        // The index in groups of three digits, all but the last behind an `x`.
        let mut groups = vec![self.index % 1000];
        let mut rest = self.index / 1000;
        while rest > 0 {
            groups.push(rest % 1000);
            rest /= 1000;
        }
        for (i, g) in groups.iter().rev().enumerate() {
            let last = i == groups.len() - 1;
            write!(f, "{}{g:03}{}", if last { "" } else { "x" }, if last { "" } else { "/" })?;
        }
        if self.width < TILE_WIDTH {
            write!(f, ".p/{}", self.width)?;
        }
        Ok(())
    }
}

impl TilePath {
    /// Reads a path below `tile/` (as `0/x001/234` or `entries/005.p/17`); only the one spelling
    /// [`Display`](std::fmt::Display) writes is accepted, so every tile has one address.
    pub fn parse(path: &str) -> Option<TilePath> {
        if path.len() > 80 {
            return None;
        }
        let (head, rest) = path.split_once('/')?;
        let level = if head == "entries" { None } else { Some(head.parse::<u32>().ok().filter(|l| *l < 64)?) };
        let (index_part, width) = match rest.split_once(".p/") {
            Some((i, w)) => (i, w.parse::<u64>().ok().filter(|w| (1..TILE_WIDTH).contains(w))?),
            None => (rest, TILE_WIDTH),
        };
        let mut index: u64 = 0;
        let parts: Vec<&str> = index_part.split('/').collect();
        for (i, p) in parts.iter().enumerate() {
            let digits = if i + 1 < parts.len() { p.strip_prefix('x')? } else { p };
            if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            index = index.checked_mul(1000)?.checked_add(digits.parse::<u64>().ok()?)?;
        }
        let t = TilePath { level, index, width };
        (t.to_string() == format!("tile/{path}")).then_some(t)
    }
}

/// An entry bundle: each entry behind its length as a big-endian `u16` (entries are at most 64 KiB).
pub fn entry_bundle<'a>(entries: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = vec![];
    for e in entries {
        let len = e.len().min(u16::MAX as usize);
        out.extend_from_slice(&(len as u16).to_be_bytes());
        out.extend_from_slice(&e[..len]);
    }
    out
}

/// The entry bundles of a log of `size` entries, as (path, first entry, width).
pub fn entry_tile_paths(size: u64) -> Vec<(TilePath, u64, u64)> {
    (0..size.div_ceil(TILE_WIDTH))
        .map(|index| {
            let width = (size - index * TILE_WIDTH).min(TILE_WIDTH);
            (TilePath { level: None, index, width }, index * TILE_WIDTH, width)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{consistency_proof, inclusion_proof, leaf_hash, root};
    use proptest::prelude::*;

    fn tree(n: usize) -> (Tree, Vec<Hash>) {
        let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(format!("entry {i}").as_bytes())).collect();
        let mut t = Tree::new();
        for l in &leaves {
            t.push(*l);
        }
        (t, leaves)
    }

    proptest! {
        /// The stored-hash proofs are the recursive definitions' proofs, for every size seen.
        #[test]
        fn roots_and_proofs_equal_the_definitions(n in 1usize..300, a in 0usize..300, b in 0usize..300) {
            let (t, l) = tree(n);
            let size = b % n + 1;
            let index = a % size;
            prop_assert_eq!(t.root(size as u64), Some(root(&l[..size])));
            prop_assert_eq!(t.inclusion_proof(index as u64, size as u64), inclusion_proof(&l[..size], index));
            let old = a % size + 1;
            prop_assert_eq!(t.consistency_proof(old as u64, size as u64), consistency_proof(&l[..size], old));
        }
    }

    #[test]
    fn outside_the_log_there_is_no_proof() {
        let (t, _) = tree(5);
        assert_eq!(t.root(6), None);
        assert_eq!(t.inclusion_proof(5, 5), None);
        assert_eq!(t.inclusion_proof(0, 6), None);
        assert_eq!(t.consistency_proof(0, 5), None);
        assert_eq!(t.consistency_proof(3, 6), None);
        assert_eq!(Tree::new().root(0), Some(Sha256::digest([]).into()));
    }

    #[test]
    fn tiles_hold_the_subtree_hashes_and_rebuild_the_root() {
        let (t, l) = tree(256 * 3 + 5);
        // Level 0: the leaf hashes; level 1: the roots of each 256 leaves.
        assert_eq!(t.tile(0, 1, 256).unwrap(), l[256..512].concat());
        assert_eq!(t.tile(0, 3, 5).unwrap(), l[768..773].concat());
        assert_eq!(t.tile(0, 3, 6), None);
        assert_eq!(t.tile(1, 0, 3).unwrap(), [root(&l[..256]), root(&l[256..512]), root(&l[512..768])].concat());
        assert_eq!(t.tile(1, 0, 4), None);
        assert_eq!(t.tile(2, 0, 1), None);
        let paths: Vec<String> = t.tiles().into_iter().map(|(p, _)| p).collect();
        assert_eq!(paths, ["tile/0/000", "tile/0/001", "tile/0/002", "tile/0/003.p/5", "tile/1/000.p/3"]);
    }

    #[test]
    fn tile_paths_have_one_spelling() {
        let p = |level, index, width| TilePath { level, index, width }.to_string();
        assert_eq!(p(Some(0), 1_234_067, 256), "tile/0/x001/x234/067");
        assert_eq!(p(Some(1), 5, 17), "tile/1/005.p/17");
        assert_eq!(p(None, 0, 1), "tile/entries/000.p/1");
        for s in ["0/x001/x234/067", "1/005.p/17", "entries/000.p/1", "entries/999"] {
            assert_eq!(TilePath::parse(s).map(|t| t.to_string()), Some(format!("tile/{s}")));
        }
        for s in ["0/1", "0/001.p/256", "0/001.p/0", "0/x000/001", "0/001/002", "64/000", "x/000", "0/000.p/01", "0/", "entries/abc"] {
            assert_eq!(TilePath::parse(s), None, "{s}");
        }
        assert_eq!(entry_bundle([b"ab".as_slice(), b"".as_slice()]), [0, 2, b'a', b'b', 0, 0]);
        let e = entry_tile_paths(257);
        assert_eq!(e.len(), 2);
        assert_eq!((e[1].0.to_string(), e[1].1, e[1].2), ("tile/entries/001.p/1".into(), 256, 1));
    }
}

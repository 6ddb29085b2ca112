//! A verifiable append-only log, as Certificate Transparency keeps one (RFC 9162 section 2.1):
//!
//! * [`leaf_hash`] and [`node_hash`]: SHA-256 with the domain separation of RFC 9162 (0x00 for a
//!   leaf, 0x01 for an interior node), so that a leaf can never pass for a node;
//! * [`root`]: the Merkle tree hash of the first `n` leaves;
//! * [`inclusion_proof`] / [`verify_inclusion`]: that an entry is in the tree of a given size;
//! * [`consistency_proof`] / [`verify_consistency`]: that the tree of one size is a prefix of the tree
//!   of a larger size, i.e. that nothing before was changed or removed;
//! * [`Checkpoint`]: a tree size and root signed with Ed25519 in the text format of C2SP
//!   (`tlog-checkpoint` in a `signed-note`), so anyone with the public key can check it;
//! * [`Tree`]: the log kept as its complete subtrees' hashes, for proofs in O(log² n) hashes and
//!   for serving the log as C2SP `tlog-tiles`.
//!
//! The proofs are made by the recursive definitions of RFC 9162 and checked by its iterative
//! algorithms: two independent ways, tested against each other. Nothing here performs I/O.

mod tree;
pub use tree::{entry_bundle, entry_tile_paths, TilePath, Tree, TILE_HEIGHT, TILE_WIDTH};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// The hash of an entry: SHA-256(0x00 || entry).
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(entry);
    h.finalize().into()
}

/// The hash of an interior node: SHA-256(0x01 || left || right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The largest power of two smaller than `n` (n > 1).
fn split(n: usize) -> usize {
    split_u64(n as u64) as usize
}

fn split_u64(n: u64) -> u64 {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// The Merkle tree hash of these leaf hashes (MTH of RFC 9162; the empty tree hashes the empty string).
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The audit path of leaf `index` in the tree of these leaves (PATH of RFC 9162), or none when the
/// index is outside the tree.
pub fn inclusion_proof(leaves: &[Hash], index: usize) -> Option<Vec<Hash>> {
    fn path(m: usize, d: &[Hash]) -> Vec<Hash> {
        let n = d.len();
        if n <= 1 {
            return vec![];
        }
        let k = split(n);
        if m < k {
            let mut p = path(m, &d[..k]);
            p.push(root(&d[k..]));
            p
        } else {
            let mut p = path(m - k, &d[k..]);
            p.push(root(&d[..k]));
            p
        }
    }
    (index < leaves.len()).then(|| path(index, leaves))
}

/// Checks an inclusion proof (RFC 9162 section 2.1.3.2).
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    s_n == 0 && &r == root
}

/// The proof that the tree of the first `old` leaves is a prefix of the tree of all of them (PROOF of
/// RFC 9162), or none when `old` is 0 or more than the leaves.
pub fn consistency_proof(leaves: &[Hash], old: usize) -> Option<Vec<Hash>> {
    fn subproof(m: usize, d: &[Hash], complete: bool) -> Vec<Hash> {
        let n = d.len();
        if m == n {
            return if complete { vec![] } else { vec![root(d)] };
        }
        let k = split(n);
        if m <= k {
            let mut p = subproof(m, &d[..k], complete);
            p.push(root(&d[k..]));
            p
        } else {
            let mut p = subproof(m - k, &d[k..], false);
            p.push(root(&d[..k]));
            p
        }
    }
    (old > 0 && old <= leaves.len()).then(|| subproof(old, leaves, true))
}

/// Checks a consistency proof between the tree of `old` entries with `old_root` and the tree of
/// `new` entries with `new_root` (RFC 9162 section 2.1.4.2).
pub fn verify_consistency(old: u64, new: u64, proof: &[Hash], old_root: &Hash, new_root: &Hash) -> bool {
    if old == 0 || old > new {
        return false;
    }
    if old == new {
        return proof.is_empty() && old_root == new_root;
    }
    let mut path: Vec<Hash> = proof.to_vec();
    if old.is_power_of_two() {
        path.insert(0, *old_root);
    }
    let Some((first, rest)) = path.split_first() else { return false };
    let (mut f_n, mut s_n) = (old - 1, new - 1);
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    &fr == old_root && &sr == new_root && s_n == 0
}

/// Why a checkpoint was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckpointError {
    /// Not a checkpoint in the signed-note text format.
    Malformed(&'static str),
    /// No signature by this key, or one that does not verify.
    BadSignature,
}

impl std::fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckpointError::Malformed(why) => write!(f, "not a checkpoint: {why}"),
            CheckpointError::BadSignature => f.write_str("the checkpoint's signature does not verify with this key"),
        }
    }
}

/// A signed statement of the log's size and root hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's name, e.g. `register.example.nl/log`.
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

/// The 4-byte key ID of an Ed25519 key in the signed-note format: the start of
/// SHA-256(name || "\n" || 0x01 || public key).
fn key_id(name: &str, public: &[u8]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([1u8]);
    h.update(public);
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// A signing key of the log: Ed25519, kept as PKCS#8.
pub struct Signer {
    name: String,
    pair: ring::signature::Ed25519KeyPair,
}

impl Signer {
    /// A new key in PKCS#8, to be kept (secretly) by the log.
    pub fn generate() -> Result<Vec<u8>, &'static str> {
        let rng = ring::rand::SystemRandom::new();
        ring::signature::Ed25519KeyPair::generate_pkcs8(&rng).map(|d| d.as_ref().to_vec()).map_err(|_| "no randomness")
    }

    pub fn from_pkcs8(name: &str, pkcs8: &[u8]) -> Result<Signer, &'static str> {
        let pair = ring::signature::Ed25519KeyPair::from_pkcs8(pkcs8).map_err(|_| "not an Ed25519 key")?;
        Ok(Signer { name: name.to_string(), pair })
    }

    /// The public key in the signed-note verifier format: `name+hex key ID+base64(0x01 || key)`.
    pub fn verifier_key(&self) -> String {
        use ring::signature::KeyPair;
        let public = self.pair.public_key().as_ref();
        let mut k = vec![1u8];
        k.extend_from_slice(public);
        let id = key_id(&self.name, public);
        format!("{}+{:02x}{:02x}{:02x}{:02x}+{}", self.name, id[0], id[1], id[2], id[3], B64.encode(k))
    }

    /// The checkpoint as a signed note.
    pub fn sign(&self, c: &Checkpoint) -> String {
        use ring::signature::KeyPair;
        let body = c.body();
        let sig = self.pair.sign(body.as_bytes());
        let mut blob = key_id(&self.name, self.pair.public_key().as_ref()).to_vec();
        blob.extend_from_slice(sig.as_ref());
        format!("{body}\n\u{2014} {} {}\n", self.name, B64.encode(blob))
    }
}

/// Reads a verifier key (`name+hex key ID+base64(0x01 || Ed25519 key)`), checking its key ID: the
/// name and the public key.
pub fn parse_verifier_key(k: &str) -> Result<(String, Vec<u8>), CheckpointError> {
    let mut parts = k.trim().splitn(3, '+');
    let (Some(name), Some(id_hex), Some(key_b64)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(CheckpointError::Malformed("verifier key"));
    };
    let key = B64.decode(key_b64).map_err(|_| CheckpointError::Malformed("verifier key"))?;
    let Some((1, public)) = key.split_first().map(|(a, b)| (*a, b)) else {
        return Err(CheckpointError::Malformed("verifier key is not Ed25519"));
    };
    let id = key_id(name, public);
    if name.is_empty() || format!("{:02x}{:02x}{:02x}{:02x}", id[0], id[1], id[2], id[3]) != id_hex {
        return Err(CheckpointError::Malformed("verifier key ID"));
    }
    Ok((name.to_string(), public.to_vec()))
}

impl Checkpoint {
    /// The note's text: origin, size and root, one per line.
    pub fn body(&self) -> String {
        format!("{}\n{}\n{}\n", self.origin, self.size, B64.encode(self.root))
    }

    /// Reads a signed checkpoint and checks its signature with a verifier key
    /// (`name+keyid+base64key`).
    pub fn open(note: &str, verifier_key: &str) -> Result<Checkpoint, CheckpointError> {
        let (name, public) = parse_verifier_key(verifier_key)?;
        let (name, public) = (name.as_str(), public.as_slice());
        let id = key_id(name, public);
        if note.len() > 10_000 {
            return Err(CheckpointError::Malformed("too long"));
        }
        let Some((body, sigs)) = note.split_once("\n\n") else { return Err(CheckpointError::Malformed("no signature")) };
        let body = format!("{body}\n");
        let mut ok = false;
        // A note has a signature line per signer; this key's is among the first few that name it.
        let mut tries = 0;
        for line in sigs.lines() {
            let Some(rest) = line.strip_prefix("\u{2014} ") else { continue };
            let Some((who, sig)) = rest.split_once(' ') else { continue };
            if who != name {
                continue;
            }
            let Ok(blob) = B64.decode(sig.trim()) else { continue };
            if blob.len() != 68 || blob[..4] != id {
                continue;
            }
            tries += 1;
            if tries > 8 {
                break;
            }
            let v = ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, public);
            if v.verify(body.as_bytes(), &blob[4..]).is_ok() {
                ok = true;
                break;
            }
        }
        if !ok {
            return Err(CheckpointError::BadSignature);
        }
        let mut lines = body.lines();
        let origin = lines.next().filter(|l| !l.is_empty()).ok_or(CheckpointError::Malformed("origin"))?.to_string();
        let size = lines.next().and_then(|l| l.parse::<u64>().ok()).ok_or(CheckpointError::Malformed("size"))?;
        let root: Hash =
            lines.next().and_then(|l| B64.decode(l).ok()).and_then(|r| r.try_into().ok()).ok_or(CheckpointError::Malformed("root hash"))?;
        Ok(Checkpoint { origin, size, root })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(format!("entry {i}").as_bytes())).collect()
    }

    #[test]
    fn hashes_separate_leaves_from_nodes() {
        // The empty tree hashes the empty string; one leaf is its own root.
        assert_eq!(root(&[]), <[u8; 32]>::from(Sha256::digest([])));
        let l = leaves(3);
        assert_eq!(root(&l[..1]), l[0]);
        assert_eq!(root(&l), node_hash(&node_hash(&l[0], &l[1]), &l[2]));
        assert_ne!(leaf_hash(&[]), <[u8; 32]>::from(Sha256::digest([])));
    }

    fn hex(h: &Hash) -> String {
        h.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The test vectors of RFC 6962's reference implementations (the Go and C++ CT code): the roots
    /// of the trees of the first 1..=8 of these entries.
    #[test]
    fn roots_match_the_reference_test_vectors() {
        let entries: [&[u8]; 8] = [
            b"",
            &[0x00],
            &[0x10],
            &[0x20, 0x21],
            &[0x30, 0x31],
            &[0x40, 0x41, 0x42, 0x43],
            &[0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
            &[0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f],
        ];
        let roots = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        let l: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
        for (n, want) in roots.iter().enumerate() {
            assert_eq!(hex(&root(&l[..n + 1])), *want, "tree of {}", n + 1);
        }
    }

    proptest! {
        #[test]
        fn every_inclusion_proof_verifies_and_a_wrong_one_does_not(n in 1usize..80, pick in 0usize..80) {
            let l = leaves(n);
            let r = root(&l);
            let i = pick % n;
            let proof = inclusion_proof(&l, i).unwrap();
            prop_assert!(verify_inclusion(&l[i], i as u64, n as u64, &proof, &r));
            // Another leaf, another index or another root: refused.
            prop_assert!(!verify_inclusion(&leaf_hash(b"forged"), i as u64, n as u64, &proof, &r));
            if n > 1 {
                prop_assert!(!verify_inclusion(&l[i], ((i + 1) % n) as u64, n as u64, &proof, &r));
            }
            // (The size is not checked apart: it is bound to the root by the signed checkpoint.)
            prop_assert!(!verify_inclusion(&l[i], i as u64, n as u64, &proof, &leaf_hash(b"root")));
            prop_assert!(inclusion_proof(&l, n).is_none());
        }

        #[test]
        fn every_consistency_proof_verifies_and_a_rewritten_history_does_not(n in 1usize..80, pick in 0usize..80) {
            let l = leaves(n);
            let m = pick % n + 1;
            let proof = consistency_proof(&l, m).unwrap();
            prop_assert!(verify_consistency(m as u64, n as u64, &proof, &root(&l[..m]), &root(&l)));
            // One old entry changed: the old root no longer fits.
            let mut forged = l.clone();
            forged[m - 1] = leaf_hash(b"rewritten");
            prop_assert!(!verify_consistency(m as u64, n as u64, &proof, &root(&forged[..m]), &root(&l)));
            if m < n {
                let mut later = l.clone();
                later[0] = leaf_hash(b"rewritten");
                let p2 = consistency_proof(&later, m).unwrap();
                prop_assert!(!verify_consistency(m as u64, n as u64, &p2, &root(&l[..m]), &root(&later)));
            }
            prop_assert!(consistency_proof(&l, 0).is_none());
        }
    }

    #[test]
    fn a_checkpoint_is_signed_and_checked_and_a_changed_one_is_refused() {
        let key = Signer::generate().unwrap();
        let signer = Signer::from_pkcs8("register.example/log", &key).unwrap();
        let c = Checkpoint { origin: "register.example/log".into(), size: 7, root: root(&leaves(7)) };
        let note = signer.sign(&c);
        assert!(note.starts_with("register.example/log\n7\n"), "{note}");
        let vkey = signer.verifier_key();
        assert_eq!(Checkpoint::open(&note, &vkey), Ok(c.clone()));
        // One character of the size changed: the signature no longer holds.
        assert_eq!(Checkpoint::open(&note.replacen("\n7\n", "\n8\n", 1), &vkey), Err(CheckpointError::BadSignature));
        // Another key does not verify it.
        let other = Signer::from_pkcs8("register.example/log", &Signer::generate().unwrap()).unwrap();
        assert_eq!(Checkpoint::open(&note, &other.verifier_key()), Err(CheckpointError::BadSignature));
        assert!(matches!(Checkpoint::open("nonsense", &vkey), Err(CheckpointError::Malformed(_))));
        assert!(matches!(Checkpoint::open(&note, "nonsense"), Err(CheckpointError::Malformed(_))));
    }
}

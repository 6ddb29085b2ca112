//! The verifiable publication log: every publication, new version, retraction and archive of a public
//! registration is appended to an append-only Merkle-tree log in the style of Certificate Transparency
//! (RFC 9162; the mathematics are `algoreg_tlog`'s). Entries are appended from the outbox under the
//! `log` lease every second, and by a proof request that finds its version not logged yet (one append
//! at a time per node); an append is all or nothing, and the loser of two nodes' appends writes
//! nothing. A checkpoint (size and root) is signed with the instance's Ed25519 key; anyone can fetch the entries, recompute the root, and ask for proofs
//! that an entry is in the log and that a later log extends an earlier one. Entries hold a version's
//! content hash, never personal data, so erasing signals' personal data does not touch the log.
//! [`verify_remote`] is `algoreg verify`. See docs/OPEN-DATA.md.

use crate::error::{Result, ServiceError};
use crate::App;
use algoreg_standard::AlgorithmId;
use algoreg_store::{LogEntry, StoreError};
use algoreg_tlog::{Checkpoint, Hash, Signer};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};
use std::collections::HashMap;
use std::time::Duration;

/// Outbox entries read per append.
const BATCH: i64 = 1000;
/// Entries served per request.
pub const MAX_ENTRIES: u64 = 1000;

/// The log's subtree hashes read so far, and the last checkpoint signed (size, note).
#[derive(Default)]
pub struct Cache {
    tree: algoreg_tlog::Tree,
    checkpoint: Option<(u64, String)>,
    signer: Option<std::sync::Arc<Signer>>,
}

/// The bytes an entry is logged as: one line of JSON with a fixed key order.
pub fn leaf_bytes(e: &LogEntry) -> Vec<u8> {
    serde_json::json!({
        "record": e.record.to_string(),
        "version": e.version,
        "event": e.event,
        "content_hash": e.content_hash,
        "at": e.at.to_rfc3339_opts(SecondsFormat::Micros, true),
    })
    .to_string()
    .into_bytes()
}

pub struct Log<'a> {
    app: &'a App,
}

impl App {
    pub fn log(&self) -> Log<'_> {
        Log { app: self }
    }
}

fn bad(field: &str, nl: &str, en: &str) -> ServiceError {
    ServiceError::bad(field, nl, en)
}

impl Log<'_> {
    /// The log's name: the host of the public address, with `/log`.
    pub fn origin(&self) -> String {
        let url = self.app.public_url();
        format!("{}/log", url.split("://").nth(1).unwrap_or(url))
    }

    /// The signing key: read (or made and stored, the first time) once per node.
    async fn signer(&self) -> Result<std::sync::Arc<Signer>> {
        if let Some(s) = &self.app.log_cache.lock().await.signer {
            return Ok(s.clone());
        }
        let candidate = Signer::generate().map_err(|e| ServiceError::Internal(e.into()))?;
        let stored = self.app.store.log_key(&B64.encode(candidate)).await?;
        let pkcs8 = B64.decode(stored).map_err(|_| ServiceError::Internal("the log key is not base64".into()))?;
        let signer = std::sync::Arc::new(Signer::from_pkcs8(&self.origin(), &pkcs8).map_err(|e| ServiceError::Internal(e.into()))?);
        self.app.log_cache.lock().await.signer = Some(signer.clone());
        Ok(signer)
    }

    /// The public key, in the signed-note verifier format.
    pub async fn verifier_key(&self) -> Result<String> {
        Ok(self.signer().await?.verifier_key())
    }

    /// Appends what the outbox says happened since the last append: a version that became public (a
    /// publication or a new version), or a registration that stopped being public (retracted or
    /// archived). Returns the number of entries appended (0 when another node was first).
    pub async fn append(&self) -> Result<usize> {
        let _one = self.app.log_append.lock().await;
        self.append_now().await
    }

    async fn append_now(&self) -> Result<usize> {
        let store = self.app.store.as_ref();
        let (size, cursor) = store.log_state().await?;
        let changes = store.outbox_after(cursor, BATCH).await?;
        let Some(&(new_cursor, _)) = changes.last() else { return Ok(0) };
        let mut ids: Vec<AlgorithmId> = vec![];
        for (_, id) in &changes {
            if !ids.contains(id) {
                ids.push(*id);
            }
        }
        let latest: HashMap<AlgorithmId, LogEntry> = store.log_latest(&ids).await?.into_iter().map(|e| (e.record, e)).collect();
        let current: HashMap<AlgorithmId, algoreg_store::PublishedVersion> =
            store.published_many(&ids).await?.into_iter().map(|v| (v.record, v)).collect();
        let mut entries = vec![];
        for id in ids {
            // Every version published since the last entry of this record, in order (also when it was
            // published and replaced or retracted between two appends), then a retraction or archive
            // when the record is no longer public.
            let (mut version, mut event) = latest.get(&id).map(|l| (l.version, l.event.clone())).unwrap_or((0, String::new()));
            let versions = store.versions(id).await?;
            let hash = |v: &algoreg_store::Version| crate::federation::feed::content_hash(v.standard_version.as_str(), &v.content);
            let logged = version;
            for v in versions.iter().filter(|v| v.number > logged) {
                if let Some(at) = v.published_at {
                    entries.push(LogEntry { index: 0, record: id, version: v.number, event: "publish".into(), content_hash: hash(v), at });
                    (version, event) = (v.number, "publish".into());
                }
            }
            match current.get(&id) {
                // Public again, with the version last logged (after a retraction or archive).
                Some(p) if p.number == version && event != "publish" => {
                    let content_hash = crate::federation::feed::content_hash(p.standard_version.as_str(), &p.content);
                    entries.push(LogEntry { index: 0, record: id, version, event: "publish".into(), content_hash, at: Utc::now() });
                }
                None if event == "publish" => {
                    let archived = store.history(id).await?.last().is_some_and(|h| h.action == algoreg_domain::workflow::Action::Archive);
                    let content_hash = versions.iter().find(|v| v.number == version).map(hash).unwrap_or_default();
                    entries.push(LogEntry {
                        index: 0,
                        record: id,
                        version,
                        event: if archived { "archive" } else { "retract" }.into(),
                        content_hash,
                        at: Utc::now(),
                    });
                }
                _ => {}
            }
        }
        // In the order things happened, a record's own entries in the order of its versions. A time
        // comes from the version (for a harvested one, from its feed, which may say anything): one in
        // the future is logged as now, and one before the record's previous entry as that entry's.
        let now = Utc::now();
        let mut previous: Option<(AlgorithmId, DateTime<Utc>)> = None;
        for e in &mut entries {
            e.at = e.at.min(now);
            if let Some((_, at)) = previous.filter(|(r, _)| *r == e.record) {
                e.at = e.at.max(at);
            }
            previous = Some((e.record, e.at));
        }
        entries.sort_by_key(|e| e.at);
        match store.log_append(size, cursor, new_cursor, &entries).await {
            Ok(()) => Ok(entries.len()),
            Err(StoreError::Stale | StoreError::Conflict(_)) => Ok(0),
            Err(e) => Err(e.into()),
        }
    }

    /// Runs `f` over the log's tree, read from the store up to at least `size` entries the first time
    /// they are needed.
    async fn with_tree<T>(&self, size: u64, f: impl FnOnce(&mut Cache) -> T) -> Result<T> {
        let mut cache = self.app.log_cache.lock().await;
        while cache.tree.size() < size {
            let start = cache.tree.size();
            let batch = self.app.store.log_entries(start, size.min(start + 10_000)).await?;
            if batch.is_empty() {
                return Err(ServiceError::Internal("the log has fewer entries than its size".into()));
            }
            for e in &batch {
                cache.tree.push(algoreg_tlog::leaf_hash(&leaf_bytes(e)));
            }
        }
        Ok(f(&mut cache))
    }

    /// Writes the log as static files below `dir` for a mirror: `log/key`, `log/checkpoint`,
    /// `log/entries.jsonl` (one entry per line, as hashed), and the log as tiles (`log/tile/...`, C2SP
    /// `tlog-tiles`: hash tiles and entry bundles), so a static web server serves a tiled log. Returns
    /// the number of entries.
    pub async fn export(&self, dir: &std::path::Path) -> Result<u64> {
        let checkpoint = self.checkpoint().await?;
        let size: u64 = checkpoint.lines().nth(1).and_then(|l| l.parse().ok()).unwrap_or(0);
        let mut leaves: Vec<Vec<u8>> = Vec::with_capacity(size as usize);
        while (leaves.len() as u64) < size {
            let start = leaves.len() as u64;
            let batch = self.app.store.log_entries(start, size.min(start + 10_000)).await?;
            if batch.is_empty() {
                break;
            }
            leaves.extend(batch.iter().map(leaf_bytes));
        }
        let io = |e: std::io::Error| ServiceError::Internal(format!("writing the log: {e}"));
        let log = dir.join("log");
        std::fs::create_dir_all(&log).map_err(io)?;
        std::fs::write(log.join("key"), format!("{}\n", self.verifier_key().await?)).map_err(io)?;
        let mut lines = Vec::with_capacity(leaves.iter().map(|l| l.len() + 1).sum());
        for l in &leaves {
            lines.extend_from_slice(l);
            lines.push(b'\n');
        }
        std::fs::write(log.join("entries.jsonl"), lines).map_err(io)?;
        for (path, bytes) in tiles_of(&leaves) {
            let file = log.join(path);
            if let Some(parent) = file.parent() {
                std::fs::create_dir_all(parent).map_err(io)?;
            }
            std::fs::write(file, bytes).map_err(io)?;
        }
        std::fs::write(log.join("checkpoint"), checkpoint).map_err(io)?;
        Ok(size)
    }

    /// The current size.
    pub async fn size(&self) -> Result<u64> {
        Ok(self.app.store.log_state().await?.0)
    }

    /// The signed checkpoint of the log as it is now (signed again only when it grew).
    pub async fn checkpoint(&self) -> Result<String> {
        let size = self.size().await?;
        let signer = self.signer().await?;
        let origin = self.origin();
        self.with_tree(size, |cache| match &cache.checkpoint {
            Some((s, note)) if *s == size => note.clone(),
            _ => {
                let root = cache.tree.root(size).unwrap_or_default();
                let note = signer.sign(&Checkpoint { origin, size, root });
                cache.checkpoint = Some((size, note.clone()));
                note
            }
        })
        .await
    }

    /// Entries `start..end` (at most [`MAX_ENTRIES`]).
    pub async fn entries(&self, start: u64, end: u64) -> Result<Vec<LogEntry>> {
        if end <= start || end - start > MAX_ENTRIES {
            return Err(bad("end", "Vraag 1 tot 1000 regels tegelijk.", "Ask for 1 to 1000 entries at a time."));
        }
        Ok(self.app.store.log_entries(start, end).await?)
    }

    /// The inclusion proof of entry `index` in the log of `size` entries.
    pub async fn inclusion(&self, index: u64, size: u64) -> Result<Vec<Hash>> {
        if size > self.size().await? || index >= size {
            return Err(bad("index", "Deze regel valt buiten dit logboek.", "This entry is outside this log."));
        }
        self.with_tree(size, |c| c.tree.inclusion_proof(index, size).unwrap_or_default()).await
    }

    /// The consistency proof between the log of `first` entries and the log of `second` entries.
    pub async fn consistency(&self, first: u64, second: u64) -> Result<Vec<Hash>> {
        if first == 0 || first > second || second > self.size().await? {
            return Err(bad("first", "Kies 0 < first ≤ second ≤ de grootte.", "Choose 0 < first ≤ second ≤ the size."));
        }
        self.with_tree(second, |c| c.tree.consistency_proof(first, second).unwrap_or_default()).await
    }

    /// A tile of the log as it is now (C2SP `tlog-tiles`; `path` below `/log/tile/`): a hash tile or
    /// an entry bundle. None when the log does not (yet) have all of it. A tile never changes once it
    /// exists, so it can be cached for good.
    pub async fn tile(&self, path: &str) -> Result<Option<Vec<u8>>> {
        let Some(t) = algoreg_tlog::TilePath::parse(path) else { return Ok(None) };
        let size = self.size().await?;
        match t.level {
            Some(level) => self.with_tree(size, |c| c.tree.tile(level, t.index, t.width)).await,
            None => {
                let start = t.index.saturating_mul(algoreg_tlog::TILE_WIDTH);
                if start.saturating_add(t.width) > size {
                    return Ok(None);
                }
                let entries = self.app.store.log_entries(start, start + t.width).await?;
                let leaves: Vec<Vec<u8>> = entries.iter().map(leaf_bytes).collect();
                Ok((leaves.len() as u64 == t.width).then(|| algoreg_tlog::entry_bundle(leaves.iter().map(Vec::as_slice))))
            }
        }
    }
}

/// The proof that a registration's public version is in the log: its entry, the checkpoint, and the
/// inclusion proof, checked here too.
#[derive(Debug, Clone)]
pub struct RecordProof {
    pub entry: LogEntry,
    pub leaf: String,
    pub size: u64,
    pub proof: Vec<Hash>,
    pub checkpoint: String,
    pub verified: bool,
}

impl Log<'_> {
    /// The proof for the current public version of `id` (none when it is not public or not yet in the log).
    pub async fn record_proof(&self, id: AlgorithmId) -> Result<Option<RecordProof>> {
        let Some(current) = self.app.store.published(id).await? else { return Ok(None) };
        let logged = |e: &LogEntry| e.event == "publish" && e.version == current.number;
        let mut entry = self.app.store.log_latest(&[id]).await?.into_iter().next();
        if !entry.as_ref().is_some_and(logged) {
            // Published in the last second: append now rather than wait for the loop, so a harvester
            // gets the proof with the version. The append runs as a task of its own, one per node at a
            // time: a request that goes away does not undo it, and requests that come while one runs
            // wait their turn (two seconds at most; an append with nothing new is two reads). Another
            // node's appender loses harmlessly.
            let wait = Duration::from_secs(2);
            let started = tokio::time::Instant::now();
            if let Ok(one) = tokio::time::timeout(wait, self.app.log_append.clone().lock_owned()).await {
                let app = self.app.clone();
                let task = tokio::spawn(async move {
                    let _one = one;
                    if let Err(e) = app.log().append_now().await {
                        tracing::error!(error = %e, "appending to the publication log failed");
                    }
                });
                let _ = tokio::time::timeout(wait.saturating_sub(started.elapsed()), task).await;
            }
            entry = self.app.store.log_latest(&[id]).await?.into_iter().next();
        }
        let Some(entry) = entry.filter(logged) else { return Ok(None) };
        Ok(self.prove(vec![entry]).await?.pop())
    }

    /// The proofs of the published versions of `id` that the log holds (all, or only version `only`),
    /// by version number (the latest publication of each).
    pub async fn version_proofs(&self, id: AlgorithmId, only: Option<u32>) -> Result<HashMap<u32, RecordProof>> {
        let mut latest: HashMap<u32, LogEntry> = HashMap::new();
        for e in self.app.store.log_of(id).await?.into_iter().filter(|e| e.event == "publish" && only.is_none_or(|n| n == e.version)) {
            latest.insert(e.version, e);
        }
        Ok(self.prove(latest.into_values().collect()).await?.into_iter().map(|p| (p.entry.version, p)).collect())
    }

    /// Inclusion proofs of these entries in the current checkpoint, each checked here too (entries
    /// the checkpoint does not hold yet are left out).
    async fn prove(&self, entries: Vec<LogEntry>) -> Result<Vec<RecordProof>> {
        let checkpoint = self.checkpoint().await?;
        let mut lines = checkpoint.lines().skip(1);
        let size: u64 = lines.next().and_then(|l| l.parse().ok()).unwrap_or(0);
        let root: Option<Hash> = lines.next().and_then(|l| B64.decode(l).ok()).and_then(|r| r.try_into().ok());
        let entries: Vec<LogEntry> = entries.into_iter().filter(|e| e.index < size).collect();
        // All of them in one visit to the tree.
        let proofs = self
            .with_tree(size, |c| entries.iter().map(|e| c.tree.inclusion_proof(e.index, size).unwrap_or_default()).collect::<Vec<_>>())
            .await?;
        let mut out = vec![];
        for (entry, proof) in entries.into_iter().zip(proofs) {
            let leaf = String::from_utf8_lossy(&leaf_bytes(&entry)).into_owned();
            let verified = root
                .is_some_and(|r| algoreg_tlog::verify_inclusion(&algoreg_tlog::leaf_hash(leaf.as_bytes()), entry.index, size, &proof, &r));
            out.push(RecordProof { entry, leaf, size, proof, checkpoint: checkpoint.clone(), verified });
        }
        Ok(out)
    }
}

/// The background loop of `serve`: appends what the outbox holds, on the node holding the `log` lease.
pub async fn run_background(app: App, every: Duration) {
    let lease = crate::runtime::Lease::new(app.store.clone(), app.node(), "log", every * 3 + Duration::from_secs(60));
    loop {
        if let Some(round) = lease.round().await {
            let held = round.held();
            loop {
                match app.log().append().await {
                    Ok(n) if n > 0 && held.get() => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::error!(error = %e, "appending to the publication log failed");
                        break;
                    }
                }
            }
        }
        tokio::time::sleep(every).await;
    }
}

/// What `algoreg verify` keeps between runs: the key and the last checkpoint it accepted.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct VerifyState {
    pub key: String,
    pub size: u64,
    pub root: String,
}

/// What a verification found.
#[derive(Debug, Clone)]
pub struct Verified {
    pub size: u64,
    pub versions: usize,
    /// Harvested versions whose origin's proof (carried along) holds.
    pub origin_proofs: usize,
    pub consistent_with: Option<u64>,
    pub state: VerifyState,
}

impl Verified {
    fn new(c: &Checkpoint, key: String, (versions, origin_proofs): (usize, usize), consistent_with: Option<u64>) -> Verified {
        let state = VerifyState { key, size: c.size, root: B64.encode(c.root) };
        Verified { size: c.size, versions, origin_proofs, consistent_with, state }
    }
}

/// A verification failure, said plainly (it is shown to whoever runs `algoreg verify`).
fn fail(msg: impl Into<String>) -> String {
    msg.into()
}

/// Checks a live instance at `base`: the checkpoint's signature (with `key`, or the state's key, or the
/// key the instance serves on first use), every entry against the checkpoint's root, the consistency
/// of the log with the checkpoint accepted last time (`state`), and that every published version in the
/// register feed is in the log with its content hash.
pub async fn verify_remote(base: &str, key: Option<&str>, state: Option<&VerifyState>) -> std::result::Result<Verified, String> {
    let base = base.trim_end_matches('/');
    let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().map_err(|e| fail(e.to_string()))?;
    let text = |path: String| {
        let client = client.clone();
        async move {
            let r = client.get(&path).send().await.map_err(|e| fail(format!("{path}: {e}")))?;
            if !r.status().is_success() {
                return Err(fail(format!("{path}: HTTP {}", r.status())));
            }
            r.text().await.map_err(|e| fail(format!("{path}: {e}")))
        }
    };
    let key = match (key, state) {
        (Some(k), _) => k.to_string(),
        (None, Some(s)) => s.key.clone(),
        (None, None) => text(format!("{base}/log/key")).await?.trim().to_string(),
    };
    let note = text(format!("{base}/log/checkpoint")).await?;
    let c = Checkpoint::open(&note, &key).map_err(|e| fail(format!("checkpoint: {e}")))?;
    let mut consistent_with = None;
    if let Some(s) = state {
        let old_root: Hash =
            B64.decode(&s.root).ok().and_then(|r| r.try_into().ok()).ok_or_else(|| fail("the saved state's root is not a hash"))?;
        if s.size > c.size {
            return Err(fail(format!("the log shrank from {} to {} entries: history was removed", s.size, c.size)));
        }
        if s.size > 0 {
            let proof: serde_json::Value =
                serde_json::from_str(&text(format!("{base}/log/proof/consistency?first={}&second={}", s.size, c.size)).await?)
                    .map_err(|e| fail(e.to_string()))?;
            let proof = hashes(&proof["proof"])?;
            if !algoreg_tlog::verify_consistency(s.size, c.size, &proof, &old_root, &c.root) {
                return Err(fail(format!(
                    "the log of {} entries does not extend the one of {} entries seen before: history was rewritten",
                    c.size, s.size
                )));
            }
            consistent_with = Some(s.size);
        }
    }
    // Every entry, against the signed root.
    // The size comes from the remote: room is made as the entries come, not for what it claims.
    let mut leaves: Vec<String> = Vec::with_capacity(c.size.min(MAX_ENTRIES) as usize);
    let mut start = 0;
    while start < c.size {
        let end = c.size.min(start + MAX_ENTRIES);
        let page: serde_json::Value =
            serde_json::from_str(&text(format!("{base}/log/entries?start={start}&end={end}")).await?).map_err(|e| fail(e.to_string()))?;
        let items = page["entries"].as_array().ok_or_else(|| fail("entries: not a list"))?;
        if items.len() as u64 != end - start {
            return Err(fail(format!("entries {start}..{end}: {} came", items.len())));
        }
        for item in items {
            leaves.push(item["leaf"].as_str().ok_or_else(|| fail("an entry without its leaf"))?.to_string());
        }
        start = end;
    }
    let feed = text(format!("{base}/{}", crate::federation::feed::PATH)).await?;
    let counts = check_entries_and_feed(&c, &leaves, &feed)?;
    Ok(Verified::new(&c, key, counts, consistent_with))
}

/// Hashes as base64 text (how proofs are served).
pub fn encode_hashes(hashes: &[Hash]) -> Vec<String> {
    hashes.iter().map(|h| B64.encode(h)).collect()
}

/// Checks the entries against the checkpoint's root, and every published version in the feed that the
/// log holds against its content hash, and the origin's proofs that harvested versions carry. Returns
/// how many versions were found in the log, and how many origin proofs held.
fn check_entries_and_feed(c: &Checkpoint, leaves: &[String], feed: &str) -> std::result::Result<(usize, usize), String> {
    if leaves.len() as u64 != c.size {
        return Err(fail(format!("the log has {} entries, its checkpoint says {}", leaves.len(), c.size)));
    }
    let hashes: Vec<Hash> = leaves.iter().map(|l| algoreg_tlog::leaf_hash(l.as_bytes())).collect();
    if algoreg_tlog::root(&hashes) != c.root {
        return Err(fail("the entries do not give the checkpoint's root: the log was changed"));
    }
    let mut logged: HashMap<(String, u32), String> = HashMap::new();
    for leaf in leaves {
        let parsed: serde_json::Value = serde_json::from_str(leaf).map_err(|e| fail(format!("an entry is not JSON: {e}")))?;
        if parsed["event"] == "publish" {
            let key = (parsed["record"].as_str().unwrap_or("").to_string(), parsed["version"].as_u64().unwrap_or(0) as u32);
            logged.insert(key, parsed["content_hash"].as_str().unwrap_or("").to_string());
        }
    }
    let feed: serde_json::Value = serde_json::from_str(feed).map_err(|e| fail(format!("feed: {e}")))?;
    let (mut versions, mut origin_proofs) = (0, 0);
    for r in feed["records"].as_array().into_iter().flatten() {
        let id = r["id"].as_str().unwrap_or("");
        for v in r["versions"].as_array().into_iter().flatten() {
            let number = v["number"].as_u64().unwrap_or(0) as u32;
            let content: algoreg_standard::Content =
                serde_json::from_value(v["content"].clone()).map_err(|e| fail(format!("feed {id}: {e}")))?;
            let hash = crate::federation::feed::content_hash(v["standard_version"].as_str().unwrap_or(""), &content);
            // A harvested version with its origin's proof: it must hold.
            if let Some(carried) = v.get("provenance").and_then(|p| p.get("origin_log")) {
                check_carried_proof(carried, id, &hash, None)
                    .map_err(|e| fail(format!("version {number} of {id}: the origin's proof does not hold: {e}")))?;
                origin_proofs += 1;
            }
            match logged.get(&(id.to_string(), number)) {
                Some(h) if *h == hash => versions += 1,
                Some(_) => return Err(fail(format!("version {number} of {id} differs from what the log holds"))),
                // Not in the log (yet): published after the checkpoint was read.
                None => {}
            }
        }
    }
    Ok((versions, origin_proofs))
}

/// Checks a mirror: a folder with the register feed (`feed/v1/register.json`) and the log as
/// [`Log::export`] writes it (`log/key`, `log/checkpoint`, `log/entries.jsonl`). With all entries at
/// hand, consistency with the saved state is checked by recomputing the old root.
pub fn verify_mirror(dir: &std::path::Path, key: Option<&str>, state: Option<&VerifyState>) -> std::result::Result<Verified, String> {
    let read = |p: &str| std::fs::read_to_string(dir.join(p)).map_err(|e| fail(format!("{}: {e}", dir.join(p).display())));
    let key = match (key, state) {
        (Some(k), _) => k.to_string(),
        (None, Some(s)) => s.key.clone(),
        (None, None) => read("log/key")?.trim().to_string(),
    };
    let c = Checkpoint::open(&read("log/checkpoint")?, &key).map_err(|e| fail(format!("checkpoint: {e}")))?;
    let entries = read("log/entries.jsonl")?;
    let leaves: Vec<String> = entries.lines().map(String::from).collect();
    let mut consistent_with = None;
    if let Some(s) = state {
        if s.size > c.size {
            return Err(fail(format!("the log shrank from {} to {} entries: history was removed", s.size, c.size)));
        }
        let hashes: Vec<Hash> = leaves.iter().take(s.size as usize).map(|l| algoreg_tlog::leaf_hash(l.as_bytes())).collect();
        if s.size > 0 && B64.encode(algoreg_tlog::root(&hashes)) != s.root {
            return Err(fail(format!(
                "the log of {} entries does not extend the one of {} entries seen before: history was rewritten",
                c.size, s.size
            )));
        }
        consistent_with = (s.size > 0).then_some(s.size);
    }
    let counts = check_entries_and_feed(&c, &leaves, &read(crate::federation::feed::PATH)?)?;
    // The tiles, where the mirror has them: each as the entries make it.
    if dir.join("log/tile").is_dir() {
        let bytes: Vec<Vec<u8>> = leaves.iter().map(|l| l.clone().into_bytes()).collect();
        for (path, want) in tiles_of(&bytes) {
            let file = dir.join("log").join(&path);
            let have = std::fs::read(&file).map_err(|e| fail(format!("{}: {e}", file.display())))?;
            if have != want {
                return Err(fail(format!("log/{path} differs from the log's entries: the log was changed")));
            }
        }
    }
    Ok(Verified::new(&c, key, counts, consistent_with))
}

/// Every tile of the log of these entries, as (path below `log/`, bytes): the hash tiles and the
/// entry bundles, full and partial.
fn tiles_of(leaves: &[Vec<u8>]) -> Vec<(String, Vec<u8>)> {
    let mut tree = algoreg_tlog::Tree::new();
    for l in leaves {
        tree.push(algoreg_tlog::leaf_hash(l));
    }
    let mut out = tree.tiles();
    for (path, start, width) in algoreg_tlog::entry_tile_paths(leaves.len() as u64) {
        let bundle = algoreg_tlog::entry_bundle(leaves[start as usize..(start + width) as usize].iter().map(Vec::as_slice));
        out.push((path.to_string(), bundle));
    }
    out
}

/// Checks an origin's proof carried with a harvested version (`origin_log` in its provenance: the
/// origin's verifier key, the entry, its index, the origin's signed checkpoint and the audit path):
/// the checkpoint's signature with that key (and with `expected_key` when the caller knows the
/// origin's key), that the entry publishes this record with this content hash, and that the entry is
/// in the checkpoint. Returns the proof as it is kept and passed on, or why it does not hold.
pub fn check_carried_proof(
    p: &serde_json::Value,
    record: &str,
    content_hash: &str,
    expected_key: Option<&str>,
) -> std::result::Result<serde_json::Value, String> {
    let text = |k: &str, max: usize| {
        p.get(k).and_then(|v| v.as_str()).filter(|v| v.len() <= max).ok_or_else(|| fail(format!("{k} is missing or too long")))
    };
    let (key, leaf, note) = (text("key", 1000)?, text("leaf", 4000)?, text("checkpoint", 10_000)?);
    if expected_key.is_some_and(|k| k != key) {
        return Err(fail("signed with another key than the origin's"));
    }
    let index = p.get("index").and_then(|v| v.as_u64()).ok_or_else(|| fail("index is missing"))?;
    let proof = decode_hashes(&p["proof"]).filter(|h| h.len() <= 64).ok_or_else(|| fail("proof is not a list of hashes"))?;
    let c = Checkpoint::open(note, key).map_err(|e| fail(format!("checkpoint: {e}")))?;
    let entry: serde_json::Value = serde_json::from_str(leaf).map_err(|_| fail("the entry is not JSON"))?;
    if entry["record"] != record || entry["event"] != "publish" || entry["content_hash"] != content_hash {
        return Err(fail("the origin logged other content for this version"));
    }
    if !algoreg_tlog::verify_inclusion(&algoreg_tlog::leaf_hash(leaf.as_bytes()), index, c.size, &proof, &c.root) {
        return Err(fail("the entry is not in the origin's checkpoint"));
    }
    Ok(serde_json::json!({
        "key": key, "index": index, "size": c.size, "leaf": leaf, "proof": encode_hashes(&proof), "checkpoint": note,
    }))
}

/// The origin's proof that a harvested version carries, as the proof page explains it.
#[derive(Debug, Clone)]
pub struct OriginProof {
    /// The register it was first published in (its feed).
    pub origin: String,
    /// Its log's name (from the key).
    pub log: String,
    pub index: u64,
    pub size: u64,
    /// Whether it holds for this version's content.
    pub holds: bool,
}

/// The origin's proof of a harvested version, checked against the version's content; none for a
/// version without one.
pub fn origin_proof(v: &algoreg_store::PublishedVersion) -> Option<OriginProof> {
    let prov = v.provenance.as_ref()?;
    let carried = prov.get("origin_log")?;
    let hash = crate::federation::feed::content_hash(v.standard_version.as_str(), &v.content);
    let checked = check_carried_proof(carried, &v.record.to_string(), &hash, None).ok();
    let number = |k: &str| checked.as_ref().and_then(|p| p[k].as_u64()).unwrap_or_default();
    Some(OriginProof {
        origin: prov.get("origin").and_then(|o| o.as_str()).unwrap_or_default().to_string(),
        log: checked.as_ref().and_then(|p| p["key"].as_str()).and_then(|k| k.split('+').next()).unwrap_or_default().to_string(),
        index: number("index"),
        size: number("size"),
        holds: checked.is_some(),
    })
}

/// A served proof's hashes (base64 text), as [`encode_hashes`] writes them; none when any is not a hash,
/// or when there are more than any proof of a log this side of 2^64 entries needs.
pub(crate) fn decode_hashes(v: &serde_json::Value) -> Option<Vec<Hash>> {
    v.as_array()
        .filter(|a| a.len() <= 128)?
        .iter()
        .map(|h| h.as_str().and_then(|s| B64.decode(s).ok()).and_then(|b| b.try_into().ok()))
        .collect()
}

fn hashes(v: &serde_json::Value) -> std::result::Result<Vec<Hash>, String> {
    decode_hashes(v).ok_or_else(|| fail("a proof is a list of hashes"))
}

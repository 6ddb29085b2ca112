//! `algoreg import`: recognises the format of a file by itself, checks every record, reports every
//! rejected record with its reasons and writes nothing of a rejected record.
//!
//! Formats:
//! * the scraped register file (`{"algoritmes": [...], "count", "fetched_at"}`, 10 condensed fields);
//! * standard-1.0 record JSON (one object or a list, as the supplier templates);
//! * algoreg's own JSON export (`{"format": "algoreg-export", ...}`);
//! * the live register's site-data JSON export (`{"algoritme_versions", "organisation_details"}`);
//! * the live register's CSV and Excel downloads (current or full history);
//! * the launch-era seed of the register (SQL INSERT statements, standard 0.1), read as data.
//!
//! Records already published elsewhere (scrape, export) are taken in as published versions even where
//! they lack required fields: they are marked incomplete with the missing fields listed. Only what is
//! malformed (a bad ID, a broken structure) is rejected.

pub mod download_layout;
pub mod formats;
pub mod site_data;
pub(crate) mod split;
pub mod sql_seed;

pub use formats::{detect, parse, Candidate, CandidateVersion, Format, OrgRef};

use crate::error::Result;
use algoreg_domain::org::{code_from_name, OrgType, PublicationFlow};
use algoreg_domain::workflow::{Action, VersionState};
use algoreg_standard::validate::{self, Mode};
use algoreg_standard::{AlgorithmId, StandardVersion};
use algoreg_store::*;
use chrono::Utc;
use rand::Rng;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Organisation code for records that name none (supplier templates).
    pub org: Option<String>,
    /// Take standard-1.0 records in as published instead of as drafts.
    pub publish: bool,
    /// Who is recorded as the author in the history.
    pub actor: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rejected {
    /// Position in the file, from 1.
    pub index: usize,
    pub id: Option<String>,
    pub name: Option<String>,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct ImportReport {
    pub format: String,
    pub total: usize,
    pub imported: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub incomplete: usize,
    pub organisations_created: usize,
    pub rejected: Vec<Rejected>,
    pub warnings: Vec<String>,
    /// Seconds spent reading, checking and writing.
    pub seconds: Phases,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Phases {
    pub read: f64,
    pub check: f64,
    pub write: f64,
}

pub(crate) struct Ready {
    pub index: usize,
    pub id: AlgorithmId,
    pub org: OrgRef,
    pub versions: Vec<NewVersion>,
    /// Per version: its content as JSON text when the file's text can be stored as it is.
    pub raw: Vec<Option<String>>,
    pub published: bool,
}

/// The bytes of an import file: in memory, or the file mapped into memory.
pub enum FileBytes {
    Owned(Vec<u8>),
    Mapped(memmap2::Mmap),
}

impl FileBytes {
    /// Maps a file into memory, read-only. For large files this saves copying them into fresh memory
    /// (which costs more than the reading itself); small or unmappable files are read.
    pub fn open(path: &std::path::Path) -> std::io::Result<FileBytes> {
        let file = std::fs::File::open(path)?;
        if file.metadata()?.len() < 1 << 20 {
            return std::fs::read(path).map(FileBytes::Owned);
        }
        // SAFETY: the mapping is private and read-only, and `FileBytes` hands out only shared slices of
        // it. Another process that changes the file during the import changes what is read (every record
        // is checked all the same); one that truncates it can end the process with SIGBUS, as for any
        // tool that maps its input.
        match unsafe { memmap2::Mmap::map(&file) } {
            Ok(map) => Ok(FileBytes::Mapped(map)),
            Err(_) => std::fs::read(path).map(FileBytes::Owned),
        }
    }
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Owned(v) => v,
            FileBytes::Mapped(m) => m,
        }
    }
}

impl From<Vec<u8>> for FileBytes {
    fn from(v: Vec<u8>) -> FileBytes {
        FileBytes::Owned(v)
    }
}

/// The records of a file: read already, or (large exports and feeds) found in the file and read
/// while they are checked.
enum Items {
    Read(std::vec::IntoIter<Candidate>),
    Split { bytes: FileBytes, offset: usize, split: formats::Split },
}

impl Items {
    fn len(&self) -> usize {
        match self {
            Items::Read(c) => c.len(),
            Items::Split { split, .. } => split.records.len(),
        }
    }
}

fn read_items(bytes: FileBytes) -> Result<(Format, Vec<String>, Items)> {
    let offset = if bytes.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    if bytes.len() > 1 << 20 {
        if let Some(split) = formats::split_export(&bytes[offset..]) {
            return Ok((split.format, vec![], Items::Split { bytes, offset, split }));
        }
    }
    let parsed = parse(&bytes)?;
    Ok((parsed.format, parsed.warnings, Items::Read(parsed.candidates.into_iter())))
}

/// What the checking thread found, for the report.
#[derive(Default)]
struct Checked {
    rejected: Vec<Rejected>,
    incomplete: usize,
    organisations_created: usize,
    /// Position in the file of each record passed on, by ID.
    index: HashMap<AlgorithmId, usize>,
    /// Seconds from the start until the last record was checked.
    done_at: f64,
}

/// Imports one file's bytes. `progress` is called with the number of records handled so far.
///
/// Reading, checking and writing run at once: a thread reads and checks the records in batches (each
/// batch on all cores) and hands them to the store, which writes them while the next batch is checked,
/// all in one transaction. Only a few batches are in memory at a time.
pub async fn import_bytes(
    store: &dyn Store,
    bytes: impl Into<FileBytes>,
    opts: &ImportOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<ImportReport> {
    let t0 = std::time::Instant::now();
    let (format, warnings, items) = read_items(bytes.into())?;
    let t_read = t0.elapsed().as_secs_f64();
    let total = items.len();
    let mut report = ImportReport { format: format.name().to_string(), total, warnings, ..Default::default() };
    let publish_all = format.is_published() || opts.publish;
    let flat = matches!(format, Format::DownloadCsv | Format::DownloadXlsx);

    let resolver = OrgResolver::new(store.organisations().await?, opts.org.clone());
    let (send, receive) = tokio::sync::mpsc::channel(2);
    let done = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let checker = {
        let (opts, done) = (opts.clone(), done.clone());
        tokio::task::spawn_blocking(move || check_all(items, &opts, publish_all, resolver, &send, &done, t0))
    };
    let stream = store.import_stream(total, receive);
    tokio::pin!(stream);
    let written = loop {
        tokio::select! {
            r = &mut stream => break r,
            _ = tokio::time::sleep(std::time::Duration::from_millis(200)) => {
                progress(done.load(std::sync::atomic::Ordering::Relaxed), total as u64)
            }
        }
    };
    // The checker's error (a record that is not JSON) comes first: the store then saw the stream stop.
    let checked = checker.await.map_err(|e| crate::error::ServiceError::Internal(format!("import: {e}")))??;
    let written = written?;
    report.imported = written.inserted;
    report.rejected = checked.rejected;
    report.incomplete = checked.incomplete;
    report.organisations_created = checked.organisations_created;
    let t_check = checked.done_at - t_read;

    // Records the store held already: a changed one gets a new published version; an unchanged one is left alone.
    let org_ids: HashMap<String, OrgId> = if written.existing.is_empty() {
        HashMap::new()
    } else {
        store.organisations().await?.into_iter().map(|o| (o.code, o.id)).collect()
    };
    let updates = Updates { store, org_ids: &org_ids, index: &checked.index, flat, opts };
    // In pieces of 500: the current versions of a piece come in one query.
    let mut existing = written.existing.into_iter().peekable();
    while existing.peek().is_some() {
        let piece: Vec<(RecordMeta, StreamRecord)> = existing.by_ref().take(500).collect();
        let ids: Vec<AlgorithmId> = piece.iter().map(|(meta, _)| meta.id).collect();
        let mut current: HashMap<AlgorithmId, PublishedVersion> =
            store.published_many(&ids).await?.into_iter().map(|v| (v.record, v)).collect();
        for (meta, r) in piece {
            updates.apply(&meta, r, current.remove(&meta.id), &mut report).await?;
        }
    }
    report.rejected.sort_by_key(|r| r.index);
    let elapsed = t0.elapsed().as_secs_f64();
    report.seconds = Phases { read: t_read, check: t_check, write: elapsed - t_read - t_check };
    progress(total as u64, total as u64);
    Ok(report)
}

impl crate::App {
    /// Imports one uploaded file (any format [`import_bytes`] reads). Central operator only: an import
    /// can create organisations and publish records of any organisation.
    pub async fn import_file(
        &self,
        actor: &algoreg_domain::workflow::Principal,
        bytes: Vec<u8>,
        org: Option<String>,
        publish: bool,
    ) -> Result<ImportReport> {
        if !actor.central_operator {
            return Err(crate::error::ServiceError::forbidden(
                "Alleen de centrale beheerder importeert bestanden.",
                "Only the central operator imports files.",
            ));
        }
        let opts = ImportOptions { org, publish, actor: actor.key.clone() };
        import_bytes(self.store.as_ref(), bytes, &opts, &|_, _| {}).await
    }
}

/// What changes to records already in the store need to know.
struct Updates<'a> {
    store: &'a dyn Store,
    org_ids: &'a HashMap<String, OrgId>,
    /// Position in the file of each record, by ID.
    index: &'a HashMap<AlgorithmId, usize>,
    /// A flat format (the downloads).
    flat: bool,
    opts: &'a ImportOptions,
}

impl Updates<'_> {
    /// A record of the file that the store held already: a changed one gets a new published version, an
    /// unchanged one is left alone, one of another organisation is refused.
    async fn apply(&self, meta: &RecordMeta, r: StreamRecord, current: Option<PublishedVersion>, report: &mut ImportReport) -> Result<()> {
        let Updates { store, org_ids, index, flat, opts } = *self;
        if org_ids.get(&r.org) != Some(&meta.org_id) {
            report.rejected.push(Rejected {
                index: index.get(&r.id).copied().unwrap_or_default(),
                id: Some(r.id.to_string()),
                name: None,
                reasons: vec!["id: hoort in het register al bij een andere organisatie / already belongs to another organisation".into()],
            });
            return Ok(());
        }
        let Some(last) = r.versions.into_iter().last() else { return Ok(()) };
        let content = serde_json::from_str(&last.content).map_err(|e| crate::error::ServiceError::Internal(format!("import: {e}")))?;
        let last = NewVersion {
            standard_version: last.standard_version,
            content: algoreg_standard::Content(content),
            state: VersionState::Published,
            missing: last.missing,
            provenance: last.provenance,
            created_at: last.created_at,
            created_by: last.created_by,
        };
        // A flat format (the downloads) that reads the same as the current version changes nothing:
        // re-importing a download must not replace formatted text by its flattened copy.
        let same = current.as_ref().is_some_and(|c| {
            c.standard_version == last.standard_version
                && (c.content == last.content || (flat && crate::compat::flat_equal(c.standard_version, &c.content, &last.content)))
        });
        if same || !r.published {
            report.unchanged += 1;
            return Ok(());
        }
        let plan = algoreg_domain::workflow::plan(
            &crate::register::state_of(meta),
            Action::Import,
            &algoreg_domain::workflow::Principal::system(),
            PublicationFlow::Central,
            None,
        )?;
        let now = Utc::now();
        let applied = store
            .apply(
                &Change::planned(
                    meta.id,
                    meta.latest_version,
                    plan,
                    Some(NewVersion { state: VersionState::Published, created_at: now, ..last }),
                    NewHistory {
                        action: Action::Import,
                        version: meta.latest_version + 1,
                        actor: opts.actor.clone(),
                        reason: None,
                        at: now,
                    },
                )
                .expecting(meta.latest_state),
            )
            .await;
        match applied {
            Ok(()) => report.updated += 1,
            // Changed here while the import ran: this record is left as it is, and the report says so
            // (the rest of the import stands; importing the file again takes it in).
            Err(algoreg_store::StoreError::Stale) => {
                report.rejected.push(Rejected {
                    index: index.get(&meta.id).copied().unwrap_or_default(),
                    id: Some(meta.id.to_string()),
                    name: None,
                    reasons: vec![
                        "id: tijdens de import hier gewijzigd; importeer opnieuw / changed here while importing; import again".into()
                    ],
                })
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }
}

/// The checking thread: reads and checks the records batch by batch (each batch on all cores), leaves
/// out duplicates, resolves organisations (new ones are created by the store in the same transaction)
/// and hands each batch to the store.
fn check_all(
    mut items: Items,
    opts: &ImportOptions,
    publish: bool,
    mut orgs: OrgResolver,
    send: &tokio::sync::mpsc::Sender<ImportMsg>,
    done: &std::sync::atomic::AtomicU64,
    t0: std::time::Instant,
) -> Result<Checked> {
    const BATCH: usize = 4096;
    let total = items.len();
    let mut out = Checked::default();
    let mut start = 0;
    while start < total {
        let end = (start + BATCH).min(total);
        let checked: Vec<std::result::Result<Streamable, Rejected>> = match &mut items {
            Items::Read(it) => it
                .by_ref()
                .take(end - start)
                .collect::<Vec<_>>()
                .into_par_iter()
                .map(|c| check_candidate(c, opts, publish, false).map(streamable))
                .collect(),
            Items::Split { bytes, offset, split } => (start..end)
                .into_par_iter()
                .map(|i| split.read(&bytes[*offset..], i, true).map(|c| check_candidate(c, opts, publish, false).map(streamable)))
                .collect::<Result<_>>()?,
        };
        let mut organisations = vec![];
        let mut records = Vec::with_capacity(checked.len());
        for r in checked {
            let r = match r {
                Ok(r) => r,
                Err(rej) => {
                    out.rejected.push(rej);
                    continue;
                }
            };
            if out.index.contains_key(&r.id) {
                out.rejected.push(Rejected {
                    index: r.index,
                    id: Some(r.id.to_string()),
                    name: r.name,
                    reasons: vec!["id: komt vaker voor in dit bestand / appears more than once in this file".into()],
                });
                continue;
            }
            let org = match orgs.resolve(&r.org, &mut organisations) {
                Ok(code) => code,
                Err(reason) => {
                    out.rejected.push(Rejected { index: r.index, id: Some(r.id.to_string()), name: r.name, reasons: vec![reason] });
                    continue;
                }
            };
            out.index.insert(r.id, r.index);
            out.incomplete += usize::from(r.incomplete);
            records.push(StreamRecord { id: r.id, org, versions: r.versions, published: r.published });
        }
        out.organisations_created += organisations.len();
        done.store(end as u64, std::sync::atomic::Ordering::Relaxed);
        if send.blocking_send(ImportMsg::Batch { organisations, records }).is_err() {
            return Ok(out); // the store stopped; it reports why
        }
        start = end;
    }
    out.done_at = t0.elapsed().as_secs_f64();
    let _ = send.blocking_send(ImportMsg::End);
    Ok(out)
}

/// A checked record, ready for the store: each content written as JSON text (the file's own text when
/// checking changed nothing), on the thread that checked it.
struct Streamable {
    index: usize,
    id: AlgorithmId,
    org: OrgRef,
    name: Option<String>,
    incomplete: bool,
    versions: Vec<StreamVersion>,
    published: bool,
}

fn streamable(r: Ready) -> Streamable {
    let name = r.versions.last().map(|v| v.content.name().to_string());
    let incomplete = r.versions.last().is_some_and(|v| !v.missing.is_empty());
    let raw = r.raw.into_iter().chain(std::iter::repeat(None));
    let versions = r
        .versions
        .into_iter()
        .zip(raw)
        .map(|(v, raw)| StreamVersion {
            standard_version: v.standard_version,
            // Writing a JSON object out cannot fail.
            content: raw.unwrap_or_else(|| serde_json::to_string(&v.content).unwrap_or_default()),
            missing: v.missing,
            provenance: v.provenance,
            created_at: v.created_at,
            created_by: v.created_by,
        })
        .collect();
    Streamable { index: r.index, id: r.id, org: r.org, name, incomplete, versions, published: r.published }
}

/// Finds the organisation of each imported record by code or name; organisations that the register
/// does not hold yet are made up from what the file says, once each.
struct OrgResolver {
    codes: HashSet<String>,
    by_name: crate::org_lists::NameIndex<String>,
    default: Option<String>,
    /// For a code made from a name: the next suffix to try (names that make the same code are many
    /// in a file of one kind of organisation; each new one starts where the last left off).
    next_suffix: std::collections::HashMap<String, u32>,
}

impl OrgResolver {
    fn new(known: Vec<Organisation>, default: Option<String>) -> OrgResolver {
        let mut by_name = crate::org_lists::NameIndex::new();
        for o in &known {
            by_name.insert(&o.name, o.code.clone());
        }
        OrgResolver { codes: known.into_iter().map(|o| o.code).collect(), by_name, default, next_suffix: Default::default() }
    }

    /// The organisation's code; a new organisation is added to `new`.
    fn resolve(&mut self, org: &OrgRef, new: &mut Vec<NewOrganisation>) -> std::result::Result<String, String> {
        let (code, name, full) = match org {
            OrgRef::Code(c) => (Some(c.clone()), None, None),
            OrgRef::Full(o) => (Some(o.code.clone()), Some(o.name.clone()), Some(o.clone())),
            OrgRef::Name(n) => (self.by_name.get(n).cloned(), Some(n.clone()), None),
            OrgRef::None => match &self.default {
                Some(c) => (Some(c.clone()), None, None),
                None => return Err("organization: geen organisatie; geef --org CODE / no organisation; give --org CODE".into()),
            },
        };
        if let Some(code) = code.as_ref().filter(|c| self.codes.contains(*c)) {
            return Ok(code.clone());
        }
        let Some(name) = name else {
            return Err(format!("organization: onbekende organisatiecode {:?} / unknown organisation code", code.unwrap_or_default()));
        };
        let org = match full {
            Some(full) => full,
            None => {
                let base = code_from_name(&name);
                let mut code = base.clone();
                let n = self.next_suffix.entry(base.clone()).or_insert(2);
                while self.codes.contains(&code) {
                    code = format!("{base}-{n}");
                    *n += 1;
                }
                NewOrganisation {
                    code,
                    name: name.clone(),
                    org_type: OrgType::guess_from_name(&name),
                    tooi: None,
                    relations: Default::default(),
                    flow: PublicationFlow::Central,
                    about: None,
                    contact: None,
                }
            }
        };
        crate::orgs::check_new_organisation(&org).map_err(|e| format!("organisation: {e}"))?;
        self.codes.insert(org.code.clone());
        self.by_name.insert(&org.name, org.code.clone());
        let code = org.code.clone();
        new.push(org);
        Ok(code)
    }
}

/// Checks one record. `strict` (harvesting): the newest version must meet every rule of its
/// standard, required fields included; otherwise a record published elsewhere is kept with its gaps.
pub(crate) fn check_candidate(c: Candidate, opts: &ImportOptions, publish: bool, strict: bool) -> std::result::Result<Ready, Rejected> {
    let name = c.versions.last().and_then(|v| v.content.str("name").map(String::from));
    let mut reasons = c.errors.clone();
    let id = match &c.id {
        Some(s) => match AlgorithmId::parse(s) {
            Ok(id) => Some(id),
            Err(e) => {
                reasons.push(format!("id: {} / {e}", e.message_nl()));
                None
            }
        },
        None => {
            let mut rng = rand::thread_rng();
            Some(AlgorithmId::generate(|| rng.gen()))
        }
    };
    let mut versions = Vec::with_capacity(c.versions.len());
    let mut raw = Vec::with_capacity(c.versions.len());
    let last = c.versions.len().saturating_sub(1);
    for (i, v) in c.versions.into_iter().enumerate() {
        if v.published_at.is_some_and(|t| !algoreg_domain::time::in_range(&t)) {
            reasons.push(format!(
                "versions[{i}].published_at: {} / {}",
                algoreg_domain::time::MESSAGE_NL,
                algoreg_domain::time::MESSAGE_EN
            ));
        }
        if strict && i == last {
            let full = validate::check(v.standard_version, &v.content, Mode::Complete);
            for e in &full.errors {
                reasons.push(format!("{}: {} / {}", e.field, e.message(algoreg_standard::Lang::Nl), e.message(algoreg_standard::Lang::En)));
            }
        }
        let (checked, unchanged) = validate::check_owned(v.standard_version, v.content, Mode::Draft);
        for e in checked.structural().filter(|_| !(strict && i == last)) {
            reasons.push(format!("{}: {} / {}", e.field, e.message(algoreg_standard::Lang::Nl), e.message(algoreg_standard::Lang::En)));
        }
        let mut missing: Vec<String> =
            validate::missing_required(v.standard_version, &checked.content).into_iter().map(String::from).collect();
        // Content rules broken by a record published elsewhere are kept as findings, not reasons to drop it.
        let findings: Vec<String> =
            checked.errors.iter().filter(|e| !e.rule.is_structural()).map(|e| format!("{}: {}", e.field, e.rule.code())).collect();
        if !publish && v.standard_version == StandardVersion::CURRENT && !findings.is_empty() {
            for e in checked.errors.iter().filter(|e| !e.rule.is_structural()) {
                reasons.push(format!("{}: {} / {}", e.field, e.message(algoreg_standard::Lang::Nl), e.message(algoreg_standard::Lang::En)));
            }
        }
        missing.dedup();
        // Checking changed nothing (same fields, same order, same values): the file's text is the content.
        raw.push(v.raw.filter(|_| unchanged));
        let mut provenance = v.provenance;
        if !findings.is_empty() {
            let p = provenance.get_or_insert_with(|| serde_json::json!({}));
            if let Some(obj) = p.as_object_mut() {
                obj.insert("findings".into(), serde_json::json!(findings));
            }
        }
        versions.push(NewVersion {
            standard_version: v.standard_version,
            content: checked.content,
            state: if publish { VersionState::Published } else { VersionState::Draft },
            missing,
            provenance,
            created_at: v.published_at.unwrap_or_else(Utc::now),
            created_by: opts.actor.clone(),
        });
    }
    if versions.is_empty() {
        reasons.push("versions: geen enkele versie / no version at all".into());
    }
    match (id, reasons.is_empty()) {
        (Some(id), true) => Ok(Ready { index: c.index, id, org: c.org, versions, raw, published: publish }),
        (id, _) => Err(Rejected { index: c.index, id: id.map(|i| i.to_string()).or(c.id), name, reasons }),
    }
}

/// Loads supplier templates (standard JSON) as starting points for editors. Returns (loaded, skipped with reasons).
pub async fn import_templates(store: &dyn Store, bytes: &[u8], source: &str) -> Result<(usize, Vec<String>)> {
    let parsed = parse(bytes)?;
    let mut loaded = 0;
    let mut skipped = vec![];
    for c in parsed.candidates {
        let Some(v) = c.versions.into_iter().last() else { continue };
        let mut content = v.content;
        content.remove("organization");
        let checked = validate::check(StandardVersion::CURRENT, &content, Mode::Draft);
        if checked.has_structural() || !c.errors.is_empty() {
            let reasons: Vec<String> = checked.structural().map(|e| format!("{}: {}", e.field, e.rule.code())).chain(c.errors).collect();
            skipped.push(format!("template {}: {}", c.index, reasons.join("; ")));
            continue;
        }
        let name = checked.content.name().to_string();
        store.create_template(if name.is_empty() { "(zonder naam)" } else { &name }, source, &checked.content).await?;
        loaded += 1;
    }
    Ok((loaded, skipped))
}

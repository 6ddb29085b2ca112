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
mod formats;
pub mod site_data;
mod split;
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
    pub published: bool,
}

/// Imports one file's bytes. `progress` is called with the number of records handled so far.
/// The bytes are taken by value and freed as soon as they are parsed, so the memory is reused.
pub async fn import_bytes(
    store: &dyn Store,
    bytes: Vec<u8>,
    opts: &ImportOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<ImportReport> {
    let t0 = std::time::Instant::now();
    let parsed = parse(&bytes)?;
    drop(bytes);
    let t_read = t0.elapsed().as_secs_f64();
    let total = parsed.candidates.len();
    let mut report = ImportReport { format: parsed.format.name().to_string(), total, warnings: parsed.warnings, ..Default::default() };
    let publish_all = parsed.format.is_published() || opts.publish;
    let flat = matches!(parsed.format, Format::DownloadCsv | Format::DownloadXlsx);

    // 1. Check every record (in parallel: validation and sanitising are pure).
    let checked: Vec<std::result::Result<Ready, Rejected>> =
        parsed.candidates.into_par_iter().map(|c| check_candidate(c, opts, publish_all, false)).collect();
    progress(total as u64 / 2, total as u64);

    // 2. Duplicates inside the file, organisations, existing records.
    let mut seen = HashSet::new();
    let mut ready = Vec::with_capacity(checked.len());
    for r in checked {
        match r {
            Ok(x) if !seen.insert(x.id) => report.rejected.push(Rejected {
                index: x.index,
                id: Some(x.id.to_string()),
                name: x.versions.last().map(|v| v.content.name().to_string()),
                reasons: vec!["id: komt vaker voor in dit bestand / appears more than once in this file".into()],
            }),
            Ok(x) => ready.push(x),
            Err(rej) => report.rejected.push(rej),
        }
    }
    let mut orgs: HashMap<String, i64> = store.organisations().await?.into_iter().map(|o| (o.code.clone(), o.id)).collect();
    let mut org_by_name: HashMap<String, String> =
        store.organisations().await?.into_iter().map(|o| (o.name.to_lowercase(), o.code)).collect();
    let ids: Vec<AlgorithmId> = ready.iter().map(|r| r.id).collect();
    let existing: HashMap<AlgorithmId, RecordMeta> = store.records(&ids).await?.into_iter().map(|m| (m.id, m)).collect();
    let mut fresh = Vec::new();
    let mut updates = Vec::new();
    for r in ready {
        let org_id = match resolve_org(store, &r.org, opts, &mut orgs, &mut org_by_name, &mut report).await {
            Ok(id) => id,
            Err(reason) => {
                report.rejected.push(Rejected {
                    index: r.index,
                    id: Some(r.id.to_string()),
                    name: r.versions.last().map(|v| v.content.name().to_string()),
                    reasons: vec![reason],
                });
                continue;
            }
        };
        if r.versions.last().is_some_and(|v| !v.missing.is_empty()) {
            report.incomplete += 1;
        }
        match existing.get(&r.id).cloned() {
            None => fresh.push(ImportRecord { id: r.id, org_id, versions: r.versions, published: r.published }),
            Some(meta) if meta.org_id != org_id => report.rejected.push(Rejected {
                index: r.index,
                id: Some(r.id.to_string()),
                name: None,
                reasons: vec!["id: hoort in het register al bij een andere organisatie / already belongs to another organisation".into()],
            }),
            Some(meta) => updates.push((meta, r)),
        }
    }
    let t_check = t0.elapsed().as_secs_f64() - t_read;
    // 3. Write: new records all at once, in one transaction.
    store.import_records(&fresh).await?;
    report.imported = fresh.len();
    // Freeing hundreds of thousands of parsed values takes a noticeable moment; do it off the caller's path.
    std::thread::spawn(move || drop(fresh));
    // 4. Existing records: a changed one gets a new published version; an unchanged one is left alone.
    for (meta, r) in updates {
        let current = store.published(meta.id).await?;
        let Some(last) = r.versions.into_iter().last() else { continue };
        // A flat format (the downloads) that reads the same as the current version changes nothing:
        // re-importing a download must not replace formatted text by its flattened copy.
        let same = current.as_ref().is_some_and(|c| {
            c.standard_version == last.standard_version
                && (c.content == last.content || (flat && crate::compat::flat_equal(c.standard_version, &c.content, &last.content)))
        });
        if same || !r.published {
            report.unchanged += 1;
            continue;
        }
        let plan = algoreg_domain::workflow::plan(
            &crate::register::state_of(&meta),
            Action::Import,
            &algoreg_domain::workflow::Principal::system(),
            PublicationFlow::Central,
            None,
        )?;
        let now = Utc::now();
        store
            .apply(&Change {
                record: meta.id,
                expected_latest: meta.latest_version,
                new_version: Some(NewVersion { state: VersionState::Published, created_at: now, ..last }),
                state_changes: plan.changes,
                publishes: plan.publishes,
                unpublishes: false,
                released_by: None,
                history: NewHistory {
                    action: Action::Import,
                    version: meta.latest_version + 1,
                    actor: opts.actor.clone(),
                    reason: None,
                    at: now,
                },
            })
            .await?;
        report.updated += 1;
    }
    report.rejected.sort_by_key(|r| r.index);
    report.seconds = Phases { read: t_read, check: t_check, write: t0.elapsed().as_secs_f64() - t_read - t_check };
    progress(total as u64, total as u64);
    Ok(report)
}

async fn resolve_org(
    store: &dyn Store,
    org: &OrgRef,
    opts: &ImportOptions,
    orgs: &mut HashMap<String, i64>,
    by_name: &mut HashMap<String, String>,
    report: &mut ImportReport,
) -> std::result::Result<i64, String> {
    let (code, name, org_type) = match org {
        OrgRef::Code(c) => (Some(c.clone()), None, None),
        OrgRef::Full(o) => (Some(o.code.clone()), Some(o.name.clone()), Some(o.clone())),
        OrgRef::Name(n) => (by_name.get(&n.to_lowercase()).cloned(), Some(n.clone()), None),
        OrgRef::None => match &opts.org {
            Some(c) => (Some(c.clone()), None, None),
            None => return Err("organization: geen organisatie; geef --org CODE / no organisation; give --org CODE".into()),
        },
    };
    if let Some(id) = code.as_ref().and_then(|c| orgs.get(c)) {
        return Ok(*id);
    }
    let Some(name) = name else {
        return Err(format!("organization: onbekende organisatiecode {:?} / unknown organisation code", code.unwrap_or_default()));
    };
    let new = match org_type {
        Some(full) => full,
        None => {
            let base = code_from_name(&name);
            let mut code = base.clone();
            let mut n = 2;
            while orgs.contains_key(&code) {
                code = format!("{base}-{n}");
                n += 1;
            }
            NewOrganisation {
                code,
                name: name.clone(),
                org_type: OrgType::guess_from_name(&name),
                tooi: None,
                flow: PublicationFlow::Central,
                about: None,
                contact: None,
            }
        }
    };
    crate::orgs::check_new_organisation(&new).map_err(|e| format!("organisation: {e}"))?;
    let created = store.create_organisation(&new).await.map_err(|e| format!("organisation: {e}"))?;
    orgs.insert(created.code.clone(), created.id);
    by_name.insert(created.name.to_lowercase(), created.code.clone());
    report.organisations_created += 1;
    Ok(created.id)
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
    let last = c.versions.len().saturating_sub(1);
    for (i, v) in c.versions.into_iter().enumerate() {
        if strict && i == last {
            let full = validate::check(v.standard_version, &v.content, Mode::Complete);
            for e in &full.errors {
                reasons.push(format!("{}: {} / {}", e.field, e.message(algoreg_standard::Lang::Nl), e.message(algoreg_standard::Lang::En)));
            }
        }
        let checked = validate::check(v.standard_version, &v.content, Mode::Draft);
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
        (Some(id), true) => Ok(Ready { index: c.index, id, org: c.org, versions, published: publish }),
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

// The rows of an import, rendered the same way by both SQL backends (included at each backend's crate
// root, after it defines `RowTime`, how it binds a time, and `row_time`).

/// One version row of an import, every value already rendered.
struct VersionRow {
    record_id: String,
    number: i64,
    state: &'static str,
    standard_version: &'static str,
    content: String,
    missing: String,
    provenance: Option<String>,
    created_at: RowTime,
    created_by: String,
    published_at: Option<RowTime>,
}

fn version_rows(r: &ImportRecord) -> Vec<VersionRow> {
    let versions = r
        .versions
        .iter()
        .map(|v| StreamVersion {
            standard_version: v.standard_version,
            content: json(&v.content),
            missing: v.missing.clone(),
            provenance: v.provenance.clone(),
            created_at: v.created_at,
            created_by: v.created_by.clone(),
        })
        .collect();
    stream_rows(&mut StreamRecord { id: r.id, org: String::new(), versions, published: r.published })
}

/// The version rows of a streamed record; the contents are moved into the rows.
fn stream_rows(r: &mut StreamRecord) -> Vec<VersionRow> {
    let id = r.id.to_string();
    let n = r.versions.len();
    r.versions
        .iter_mut()
        .enumerate()
        .map(|(i, v)| {
            let state = match (i + 1 == n, r.published) {
                (true, true) => VersionState::Published,
                (true, false) => VersionState::Draft,
                (false, _) => VersionState::Superseded,
            };
            VersionRow {
                record_id: id.clone(),
                number: i as i64 + 1,
                state: state.code(),
                standard_version: v.standard_version.as_str(),
                content: std::mem::take(&mut v.content),
                missing: json(&v.missing),
                provenance: v.provenance.as_ref().map(json),
                published_at: r.published.then(|| row_time(&v.created_at)),
                created_at: row_time(&v.created_at),
                created_by: v.created_by.clone(),
            }
        })
        .collect()
}

/// The row of a new record: its versions are numbered 1 to `versions`.
struct NewRecordRow {
    id: String,
    org_id: OrgId,
    created_at: RowTime,
    versions: i64,
    published: bool,
}

impl NewRecordRow {
    fn of(r: &ImportRecord) -> NewRecordRow {
        NewRecordRow {
            id: r.id.to_string(),
            org_id: r.org_id,
            created_at: row_time(&r.versions.first().map(|v| v.created_at).unwrap_or_else(Utc::now)),
            versions: r.versions.len() as i64,
            published: r.published,
        }
    }
}

/// Sorts a streamed batch into records the store has already (kept in `outcome.existing` with their
/// contents, for the caller to report) and new ones, returned with their version rows.
fn sort_out_batch(
    records: Vec<StreamRecord>,
    rows: Vec<VersionRow>,
    existing: &mut std::collections::HashMap<String, RecordMeta>,
    orgs: &std::collections::HashMap<String, OrgId>,
    outcome: &mut StreamOutcome,
) -> Result<(Vec<NewRecordRow>, Vec<VersionRow>)> {
    let mut rows = rows.into_iter();
    let mut fresh = Vec::with_capacity(records.len());
    let mut fresh_rows = Vec::with_capacity(rows.len());
    for r in records {
        let these = rows.by_ref().take(r.versions.len());
        if let Some(meta) = existing.remove(&r.id.to_string()) {
            let mut r = r;
            for (v, row) in r.versions.iter_mut().zip(these) {
                v.content = row.content; // back from the row it was moved into
            }
            outcome.existing.push((meta, r));
            continue;
        }
        let Some(&org_id) = orgs.get(&r.org) else {
            return Err(StoreError::Backend(format!("import: organisation {:?} is not in the store", r.org)));
        };
        fresh_rows.extend(these);
        fresh.push(NewRecordRow {
            id: r.id.to_string(),
            org_id,
            created_at: row_time(&r.versions.first().map(|v| v.created_at).unwrap_or_else(Utc::now)),
            versions: r.versions.len() as i64,
            published: r.published,
        });
    }
    Ok((fresh, fresh_rows))
}

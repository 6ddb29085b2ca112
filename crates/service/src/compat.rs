//! Compatibility with the live Dutch register's public API (`/api/...`): its record shape, its search
//! (results, `total_count`, `filter_data`, `selected_filters`), its downloads and its site-data export.
//! The HTTP layer parses and validates requests; this module answers them from the store and the index.
//!
//! Deviations from the live register, chosen on purpose (see docs/COMPATIBILITY.md):
//! * results are ordered newest publication first like the live register, but with the algorithm ID
//!   as tie-break, so that paging is stable;
//! * algoreg keeps one language per record: `ENG` and `FRY` answer with a stored translation where an
//!   import brought one, otherwise with the record as written (its `language` says which);
//! * facet labels for organisation types and impact assessments exist for every type (the live
//!   register answers 500 for omgevingsdienst, inspectie and regionaal_samenwerkingsverband).

use crate::error::{Result, ServiceError};
use crate::App;
use algoreg_domain::org::OrgType;
use algoreg_search::{FacetSet, Filters, SearchQuery, Sort};
use algoreg_standard::codes::english_value;
use algoreg_standard::sanitize::plain_text;
use algoreg_store::{Organisation, PublishedVersion};
use chrono::SecondsFormat;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// Content keys of a record in the live register's API, in its order (the union of all standard versions).
pub const LIVE_FIELDS: &[&str] = &[
    "name",
    "organization",
    "preferred_name",
    "department",
    "description_short",
    "type",
    "category",
    "website",
    "status",
    "goal",
    "impact",
    "proportionality",
    "decision_making_process",
    "documentation",
    "competent_authority",
    "lawful_basis",
    "iama",
    "iama_description",
    "dpia",
    "dpia_description",
    "objection_procedure",
    "standard_version",
    "uuid",
    "url",
    "contact_email",
    "area",
    "lang",
    "revision_date",
    "description",
    "application_url",
    "publiccode",
    "mprd",
    "source_data",
    "methods_and_models",
    "monitoring",
    "human_intervention",
    "risks",
    "performance_standard",
    "provider",
    "process_index_url",
    "tags",
    "source_id",
    "begin_date",
    "end_date",
    "lawful_basis_link",
    "impacttoetsen",
    "source_data_link",
    "publication_category",
    "lawful_basis_grouping",
    "impacttoetsen_grouping",
    "source_data_grouping",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Nld,
    Eng,
    Fry,
}

impl Language {
    pub fn parse(s: &str) -> Option<Language> {
        match s {
            "NLD" => Some(Language::Nld),
            "ENG" => Some(Language::Eng),
            "FRY" => Some(Language::Fry),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Language::Nld => "NLD",
            Language::Eng => "ENG",
            Language::Fry => "FRY",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LiveSort {
    /// Organisation facet by name.
    #[default]
    Name,
    /// Organisation facet by count.
    Number,
}

/// A validated search request (`POST /api/algoritme/{language}`).
#[derive(Debug, Clone, Default)]
pub struct LiveQuery {
    pub page: u64,
    pub limit: u64,
    pub searchtext: String,
    pub organisation: Option<String>,
    pub publicationcategory: Option<String>,
    pub organisationtype: Option<OrgType>,
    pub impact_assessment: Option<String>,
    pub sort_option: LiveSort,
}

pub fn create_dt(v: &PublishedVersion) -> String {
    v.published_at.to_rfc3339_opts(SecondsFormat::Micros, false)
}

/// The content a version shows in `lang`: a translation written by the organisation (its fields over
/// the Dutch ones), or one an import brought; otherwise the record as written.
fn content_in(v: &PublishedVersion, lang: Language) -> (std::borrow::Cow<'_, Map<String, Value>>, Language) {
    use std::borrow::Cow;
    if lang != Language::Nld {
        if let Some(c) = own_translation(&v.content, lang) {
            return (Cow::Owned(c.0), lang);
        }
        if let Some(c) = imported_translation(v, lang) {
            return (Cow::Borrowed(c), lang);
        }
    }
    let own = match v.content.str("lang").map(|l| l.to_ascii_lowercase()) {
        Some(l) if l.starts_with("en") => Language::Eng,
        Some(l) if l.starts_with("fr") || l == "fy" => Language::Fry,
        _ => Language::Nld,
    };
    (Cow::Borrowed(&v.content.0), own)
}

/// A translation into `lang` that an import brought with the version (none for Dutch).
fn imported_translation(v: &PublishedVersion, lang: Language) -> Option<&Map<String, Value>> {
    if lang == Language::Nld {
        return None;
    }
    let t = v.provenance.as_ref()?.get("translations")?.get(lang.code())?.get("content")?;
    t.as_object()
}

/// The content with the organisation's own translations into `lang` over the Dutch fields (none when
/// it wrote none).
fn own_translation(content: &algoreg_standard::Content, lang: Language) -> Option<algoreg_standard::Content> {
    let code = match lang {
        Language::Nld => return None,
        Language::Eng => "en",
        Language::Fry => "fy",
    };
    let own: Vec<_> = algoreg_standard::extensions::translations(content).into_iter().filter(|t| t.lang == code).collect();
    if own.is_empty() {
        return None;
    }
    let mut c = content.clone();
    for t in own {
        c.set(&t.field, Value::String(t.text));
    }
    Some(c)
}

/// Only the content keys, every one of them (null when empty), in the live order.
pub fn live_content(content: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for k in LIVE_FIELDS {
        out.insert((*k).to_string(), content.get(*k).cloned().unwrap_or(Value::Null));
    }
    out
}

/// A record as the live API returns it: content keys, then `lars`, `language`, `create_dt`, `code`, `org_id`.
pub fn live_record(v: &PublishedVersion, lang: Language) -> Map<String, Value> {
    let (content, language) = content_in(v, lang);
    let mut out = live_content(&content);
    out.insert("lars".into(), json!(v.record.to_string()));
    out.insert("language".into(), json!(language.code()));
    out.insert("create_dt".into(), json!(create_dt(v)));
    out.insert("code".into(), json!(v.org_code));
    out.insert("org_id".into(), json!(list_id(v.org_tooi.as_deref(), &v.org_code)));
    out
}

/// `org_id` as the live register gives it: the organisation's identifier in the government's list
/// (`gm0363`, the end of its TOOI identifier), or its code where the list does not hold it.
pub fn list_id(tooi: Option<&str>, code: &str) -> String {
    tooi.and_then(|t| t.rsplit('/').next()).filter(|t| !t.is_empty()).unwrap_or(code).to_string()
}

fn org_type_label(t: &str, lang: Language) -> String {
    match OrgType::parse(t) {
        Some(o) if lang == Language::Eng => o.label_en().to_string(),
        Some(o) => o.label_nl().to_string(),
        None => t.to_string(),
    }
}

fn value_label(v: &str, lang: Language) -> String {
    if lang == Language::Eng {
        english_value(v).to_string()
    } else {
        v.to_string()
    }
}

fn facet(label: String, key: String, count: u64) -> Value {
    json!({"label": label, "key": key, "count": count})
}

fn index(app: &App) -> Result<&algoreg_search::SearchIndex> {
    app.search.as_deref().ok_or_else(|| ServiceError::Internal("search index not available".into()))
}

/// The organisation a filter value names: by code, else by name (as the live register filters).
fn resolve_org<'a>(orgs: &'a [Organisation], value: &str) -> Option<&'a Organisation> {
    orgs.iter().find(|o| o.code == value).or_else(|| orgs.iter().find(|o| o.name == value)).or_else(|| {
        let lower = value.to_lowercase();
        orgs.iter().find(|o| o.name.to_lowercase() == lower)
    })
}

/// `POST /api/algoritme/{language}`.
pub async fn search(app: &App, lang: Language, q: &LiveQuery) -> Result<Value> {
    let orgs = app.organisations().await?;
    let org_filter = q.organisation.as_ref().map(|v| resolve_org(&orgs, v).map(|o| o.code.clone()).unwrap_or_else(|| format!("\u{0}{v}")));
    let sq = SearchQuery {
        text: q.searchtext.clone(),
        filters: Filters {
            org: org_filter,
            org_type: q.organisationtype.map(|t| t.code().to_string()),
            category: q.publicationcategory.clone(),
            impact_assessment_title: q.impact_assessment.clone(),
            ..Default::default()
        },
        sort: Sort::Newest,
        offset: ((q.page.max(1) - 1) * q.limit) as usize,
        limit: q.limit.clamp(1, 100) as usize,
        facets: FacetSet::Compat,
    };
    index(app)?;
    let found = app.on_index(move |i| i.search(&sq)).await?.map_err(|e| ServiceError::Internal(e.to_string()))?;
    let ids: Vec<algoreg_standard::AlgorithmId> = found.hits.iter().filter_map(|h| h.id.parse().ok()).collect();
    let results: Vec<Value> = app.store.published_many(&ids).await?.iter().map(|v| Value::Object(live_record(v, lang))).collect();
    let by_code: HashMap<&str, &Organisation> = orgs.iter().map(|o| (o.code.as_str(), o)).collect();
    // Labelled with the name, keyed by the code (what the `organisation` filter takes).
    let mut organisation: Vec<(String, String, u64)> = found
        .facets
        .org
        .iter()
        .map(|(code, n)| (by_code.get(code.as_str()).map(|o| o.name.clone()).unwrap_or_else(|| code.clone()), code.clone(), *n))
        .collect();
    match q.sort_option {
        LiveSort::Name => organisation.sort_by(|a, b| a.0.cmp(&b.0)),
        LiveSort::Number => organisation.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0))),
    }
    let mut types: Vec<Value> = found.facets.org_type.iter().map(|(k, n)| facet(org_type_label(k, lang), k.clone(), *n)).collect();
    types.sort_by(|a, b| b["count"].as_u64().cmp(&a["count"].as_u64()).then(a["key"].as_str().cmp(&b["key"].as_str())));
    let categories: Vec<Value> = found.facets.category.iter().map(|(k, n)| facet(value_label(k, lang), k.clone(), *n)).collect();
    let mut ia: Vec<Value> = found.facets.impact_assessment_title.iter().map(|(k, n)| facet(value_label(k, lang), k.clone(), *n)).collect();
    ia.sort_by(|a, b| b["count"].as_u64().cmp(&a["count"].as_u64()).then(a["label"].as_str().cmp(&b["label"].as_str())));
    let mut selected = vec![];
    if let Some(t) = q.organisationtype {
        selected.push(json!({"key": "organisationtype", "value": org_type_label(t.code(), lang)}));
    }
    if let Some(c) = &q.publicationcategory {
        selected.push(json!({"key": "publicationcategory", "value": c}));
    }
    if let Some(o) = &q.organisation {
        selected.push(json!({"key": "organisation", "value": o}));
    }
    if let Some(i) = &q.impact_assessment {
        selected.push(json!({"key": "impact_assessment", "value": value_label(i, lang)}));
    }
    if !q.searchtext.is_empty() {
        selected.push(json!({"key": "searchtext", "value": q.searchtext}));
    }
    Ok(json!({
        "results": results,
        "total_count": found.total,
        "filter_data": {
            "organisationtype": types,
            "publicationcategory": categories,
            "impact_assessment": ia,
            "organisation": organisation.into_iter().map(|(name, code, n)| facet(name, code, n)).collect::<Vec<_>>(),
        },
        "selected_filters": selected,
    }))
}

/// `GET /api/algoritme/{language}/{lars}`: `None` when there is no published version.
pub async fn one(app: &App, lang: Language, lars: &str) -> Result<Option<Value>> {
    let Ok(id) = lars.parse() else { return Ok(None) };
    Ok(app.store.published(id).await?.map(|v| Value::Object(live_record(&v, lang))))
}

/// `GET /api/suggestion/{language}/{search}`.
/// `GET /api/suggestion/{language}/{search}`: the live register's `algorithms`, and (added, ignored by
/// its clients) the organisations, other ways to write the text and a spelling correction.
pub async fn suggestions(app: &App, text: &str) -> Result<Value> {
    index(app)?;
    let s = crate::search::suggestions(app, text, 10).await?;
    let items: Vec<Value> =
        s.algorithms.into_iter().map(|s| json!({"name": s.name, "organization": s.organisation, "lars": s.id})).collect();
    Ok(json!({ "algorithms": items, "organisations": s.organisations, "queries": s.queries, "did_you_mean": s.did_you_mean }))
}

/// `GET /api/algoritme/{language}/similar/{lars}`: a search response plus `scores` (0..100).
pub async fn similar(app: &App, lang: Language, lars: &str) -> Result<Option<Value>> {
    let Ok(id) = lars.parse() else { return Ok(None) };
    if app.store.published(id).await?.is_none() {
        return Ok(None);
    }
    index(app)?;
    let of = lars.to_string();
    let hits = app.on_index(move |i| i.similar(&of, 5)).await?.map_err(|e| ServiceError::Internal(e.to_string()))?;
    let top = hits.first().map(|h| h.score).unwrap_or(1.0).max(f32::EPSILON);
    let mut results = vec![];
    let mut scores = vec![];
    for h in hits {
        let Ok(hid) = h.id.parse() else { continue };
        if let Some(v) = app.store.published(hid).await? {
            results.push(Value::Object(live_record(&v, lang)));
            // Relative to the best match; the live register uses embedding similarity in percent.
            scores.push(((h.score / top) as f64 * 100.0 * 100.0).round() / 100.0);
        }
    }
    Ok(Some(json!({
        "results": results,
        "total_count": results.len(),
        "filter_data": {"organisationtype": [], "publicationcategory": [], "impact_assessment": [], "organisation": []},
        "selected_filters": [],
        "scores": scores,
    })))
}

/// `GET /api/downloads/site-data/json`: every published version (with stored translations) and the organisations.
pub async fn site_data(app: &App) -> Result<Value> {
    let orgs = app.store.organisations().await?;
    let all = app.store.export_published().await?;
    let mut versions = vec![];
    let mut used = std::collections::HashSet::new();
    for (_, vs) in &all {
        for v in vs {
            used.insert(v.org_code.clone());
            let state = if v.current { "PUBLISHED" } else { "EXPIRED" };
            let mut row = live_content(&v.content.0);
            row.insert("language".into(), json!("NLD"));
            row.insert("owner".into(), json!(v.org_code));
            row.insert("lars".into(), json!(v.record.to_string()));
            row.insert("create_dt".into(), json!(create_dt(v)));
            row.insert("state".into(), json!(state));
            row.insert("published".into(), json!(true));
            versions.push(Value::Object(row));
            if let Some(Value::Object(tr)) = v.provenance.as_ref().and_then(|p| p.get("translations")) {
                for (lang, t) in tr {
                    let Some(Value::Object(c)) = t.get("content") else { continue };
                    let mut row = live_content(c);
                    row.insert("language".into(), json!(lang));
                    row.insert("owner".into(), json!(v.org_code));
                    row.insert("lars".into(), json!(v.record.to_string()));
                    row.insert("create_dt".into(), t.get("create_dt").cloned().unwrap_or_else(|| json!(create_dt(v))));
                    row.insert("state".into(), json!(state));
                    versions.push(Value::Object(row));
                }
            }
        }
    }
    let details: Vec<Value> = orgs
        .iter()
        .filter(|o| used.contains(&o.code))
        .map(|o| {
            json!({
                "about": o.about, "contact_info": o.contact, "name": o.name, "language": "NLD",
                "code": o.code, "org_id": list_id(o.tooi.as_deref(), &o.code), "type": o.org_type.code(), "show_page": true,
            })
        })
        .collect();
    Ok(json!({"algoritme_versions": versions, "organisation_details": details}))
}

/// Rows for the live register's downloads: (standard version, content keys of that version, row values).
/// `history` gives every published version; otherwise only current ones. `lars` restricts to one record.
/// The versions a download holds, newest first; for `ENG` and `FRY` with the organisation's own
/// translations over the Dutch fields.
pub async fn download_rows(app: &App, lang: Language, history: bool, lars: Option<&str>) -> Result<Vec<PublishedVersion>> {
    let mut out = vec![];
    match lars {
        Some(l) => {
            let Ok(id) = l.parse() else { return Ok(vec![]) };
            let mut vs = app.store.published_history(id).await?;
            vs.sort_by_key(|v| std::cmp::Reverse(v.published_at));
            out.extend(vs.into_iter().filter(|v| history || v.current));
        }
        None => {
            let mut all = app.store.export_published().await?;
            all.sort_by_key(|r| std::cmp::Reverse(r.0.id));
            for (_, mut vs) in all {
                vs.sort_by_key(|v| std::cmp::Reverse(v.published_at));
                out.extend(vs.into_iter().filter(|v| history || v.current));
            }
        }
    }
    // The same text as the record's own answer in `lang`: the organisation's translation, else one an
    // import brought.
    for v in out.iter_mut() {
        if let Some(c) = own_translation(&v.content, lang) {
            v.content = c;
        } else if let Some(c) = imported_translation(v, lang).cloned() {
            v.content = algoreg_standard::Content(c);
        }
    }
    Ok(out)
}

/// The columns of a download for one standard version: its content keys in the live order, then `lars`, `publication_dt`.
pub fn download_columns(v: algoreg_standard::StandardVersion) -> Vec<&'static str> {
    let keys: Vec<&str> = v.fields().iter().map(|f| f.key).collect();
    LIVE_FIELDS.iter().copied().filter(|k| keys.contains(k)).chain(["lars", "publication_dt"]).collect()
}

/// One download cell as the live register writes it: lists joined by ", ", link groupings as
/// "1: title, link. 2: ...", rich text as plain text on one line.
pub fn download_cell(v: &PublishedVersion, key: &str) -> String {
    match key {
        "lars" => v.record.to_string(),
        "publication_dt" => v.published_at.format("%Y-%m-%d %H:%M:%S%.6f%:z").to_string(),
        _ => flat_cell(&v.content, key),
    }
}

/// A content field as flat text, as the downloads write it.
pub fn flat_cell(content: &algoreg_standard::Content, key: &str) -> String {
    let one_line = |s: &str| plain_text(s).split_whitespace().collect::<Vec<_>>().join(" ");
    match content.get(key) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => one_line(s),
        Some(Value::Array(items)) if items.iter().all(Value::is_object) => items
            .iter()
            .enumerate()
            .map(|(i, it)| {
                let parts: Vec<String> = ["title", "link"]
                    .iter()
                    .filter_map(|k| it.get(*k).and_then(Value::as_str))
                    .map(one_line)
                    .filter(|s| !s.is_empty())
                    .collect();
                format!("{}: {}", i + 1, parts.join(", "))
            })
            .collect::<Vec<_>>()
            .join(". "),
        Some(Value::Array(items)) => {
            items.iter().map(|x| x.as_str().map(one_line).unwrap_or_else(|| x.to_string())).collect::<Vec<_>>().join(", ")
        }
        Some(Value::Bool(b)) => b.to_string(),
        Some(other) => other.to_string(),
    }
}

/// Whether two contents read the same in the flat download layout (every field of `version`).
pub fn flat_equal(version: algoreg_standard::StandardVersion, a: &algoreg_standard::Content, b: &algoreg_standard::Content) -> bool {
    version.fields().iter().all(|f| flat_cell(a, f.key) == flat_cell(b, f.key))
}

/// CSV as the live register writes it: UTF-8 with BOM, every cell quoted, raw keys as headers with
/// `lars` named `algorithm_id`, the union of the standard versions' columns in order of appearance.
/// The CSV download. After the live register's columns comes `register_url`, the registration's page on
/// this instance (algoreg's addition).
pub fn download_csv(rows: &[PublishedVersion], public_url: &str) -> Vec<u8> {
    let mut columns: Vec<&'static str> = vec![];
    let mut seen = std::collections::HashSet::new();
    for v in rows {
        if seen.insert(v.standard_version) {
            for c in download_columns(v.standard_version) {
                if !columns.contains(&c) {
                    columns.push(c);
                }
            }
        }
    }
    // Keep lars and publication_dt last, as the live register's union does for a single standard.
    columns.retain(|c| !matches!(*c, "lars" | "publication_dt"));
    columns.extend(["lars", "publication_dt"]);
    let q = |s: &str| format!("\"{}\"", crate::export::safe_cell(s).replace('"', "\"\""));
    let mut out = Vec::from(&b"\xEF\xBB\xBF"[..]);
    let mut header: Vec<String> = columns.iter().map(|c| q(if *c == "lars" { "algorithm_id" } else { c })).collect();
    header.push(q("register_url"));
    out.extend_from_slice(header.join(",").as_bytes());
    out.push(b'\n');
    for v in rows {
        let own = download_columns(v.standard_version);
        let mut line: Vec<String> = columns.iter().map(|c| q(&if own.contains(c) { download_cell(v, c) } else { String::new() })).collect();
        line.push(q(&crate::export::record_url(public_url, v.record)));
        out.extend_from_slice(line.join(",").as_bytes());
        out.push(b'\n');
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The organisation API's base endpoints (`/aanleverapi/user/me`, `/aanleverapi/organisation`)

/// An organisation as the live register's `OrganisationConfig`: `flow` is `ictu_last` where the central
/// operator publishes and `self_publish_two` where the organisation publishes with four eyes.
pub fn organisation_config(o: &Organisation) -> Value {
    let flow = match o.flow {
        algoreg_domain::PublicationFlow::Central => "ictu_last",
        algoreg_domain::PublicationFlow::FourEyes => "self_publish_two",
    };
    json!({
        "id": o.id,
        "name": o.name,
        "code": o.code,
        "org_id": list_id(o.tooi.as_deref(), &o.code),
        "type": o.org_type.code(),
        "flow": flow,
        "show_page": true,
    })
}

/// The live register's roles of a principal: `ictu` and `all_groups` for the central operator, `role_1`
/// for editors, `role_2` for approvers, `orgdetail` for organisation admins; `disabled` for an account
/// that has none of these yet.
pub fn live_roles(p: &algoreg_domain::workflow::Principal) -> Vec<&'static str> {
    use algoreg_domain::org::Role;
    let mut roles = vec![];
    if p.central_operator {
        roles.extend(["ictu", "all_groups"]);
    }
    for (role, live) in [(Role::Editor, "role_1"), (Role::Approver, "role_2"), (Role::OrgAdmin, "orgdetail")] {
        if p.roles.iter().any(|(_, r)| *r == role) {
            roles.push(live);
        }
    }
    if roles.is_empty() {
        roles.push("disabled");
    }
    roles
}

/// `GET /aanleverapi/user/me`: the person (or API client) behind the token, with its organisations.
pub async fn user_me(app: &App, p: &algoreg_domain::workflow::Principal) -> Result<Value> {
    let (username, name) = match p.user_id {
        Some(id) => {
            let u = app.store.user(id).await?.ok_or(ServiceError::Unauthenticated)?;
            (u.email, u.name)
        }
        None => (p.key.clone(), p.display.clone()),
    };
    let (first, last) =
        name.trim().split_once(' ').map(|(f, l)| (f.to_string(), l.trim().to_string())).unwrap_or((name.trim().to_string(), String::new()));
    let orgs = app.organisations().await?;
    let mine: Vec<Value> = orgs.iter().filter(|o| p.central_operator || p.is_member(o.id)).map(organisation_config).collect();
    Ok(json!({
        "id": p.key,
        "username": username,
        "first_name": first,
        "last_name": last,
        "roles": live_roles(p),
        "organisations": mine,
    }))
}

/// `GET /aanleverapi/organisation`: organisations whose name holds `q` (any case), `skip` then `limit`.
pub async fn organisation_page(app: &App, q: Option<&str>, limit: usize, skip: usize) -> Result<Value> {
    if q.is_some_and(|q| q.chars().count() > 200) {
        return Err(ServiceError::bad("q", "Hoogstens 200 tekens.", "At most 200 characters."));
    }
    let q = q.map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty());
    let orgs = app.organisations().await?;
    let matching: Vec<&Organisation> =
        orgs.iter().filter(|o| q.as_ref().is_none_or(|q| o.name.to_lowercase().contains(q.as_str()))).collect();
    let page: Vec<Value> = matching.iter().skip(skip).take(limit).map(|o| organisation_config(o)).collect();
    Ok(json!({"organisations": page, "count": matching.len()}))
}

//! Keeps the search index in step with the store (through the outbox) and answers searches with
//! records from the store.

use crate::error::{Result, ServiceError};
use algoreg_search::{SearchDoc, SearchIndex};
use algoreg_standard::sanitize::plain_text;
use algoreg_store::{Organisation, PublishedVersion, Store};
use std::collections::HashMap;

fn err(e: algoreg_search::SearchError) -> ServiceError {
    ServiceError::Internal(e.to_string())
}

/// What the index gets of a published version.
pub fn to_doc(v: &PublishedVersion, org: Option<&Organisation>) -> SearchDoc {
    let c = &v.content;
    let text = |k: &str| c.str(k).map(plain_text).unwrap_or_default();
    let mut body = String::new();
    for f in v.standard_version.fields() {
        if f.public && !matches!(f.key, "name" | "description_short" | "organization") {
            if let Some(val) = c.get(f.key) {
                body.push_str(&crate::export::cell(val));
                body.push('\n');
            }
        }
    }
    body.push_str(&text("tags"));
    let has_ia = c.is_filled("impacttoetsen_grouping")
        || c.is_filled("impacttoetsen")
        || c.is_filled("iama")
        || c.is_filled("dpia")
        || v.provenance.as_ref().and_then(|p| p.get("impactassessment")).and_then(|x| x.as_str()) == Some("Ja");
    // English: a stored translation (site-data imports), and the English labels of code-list values.
    let mut english = String::new();
    if let Some(serde_json::Value::Object(tr)) =
        v.provenance.as_ref().and_then(|p| p.get("translations")).and_then(|t| t.get("ENG")).and_then(|t| t.get("content"))
    {
        for val in tr.values() {
            english.push_str(&crate::export::cell(val));
            english.push('\n');
        }
    }
    // The organisation's own English translations.
    for t in algoreg_standard::extensions::translations(c).into_iter().filter(|t| t.lang == "en") {
        english.push_str(&plain_text(&t.text));
        english.push('\n');
    }
    for value in c.strings("category").into_iter().chain(c.str("status")).chain(c.str("publication_category")) {
        english.push_str(algoreg_standard::codes::english_value(value));
        english.push('\n');
    }
    if let Some(o) = org {
        english.push_str(o.org_type.label_en());
    }
    SearchDoc {
        english,
        id: v.record.to_string(),
        org_code: v.org_code.clone(),
        org_name: org.map(|o| o.name.clone()).unwrap_or_else(|| c.str("organization").unwrap_or("").to_string()),
        org_type: org.map(|o| o.org_type.code().to_string()).unwrap_or_else(|| "overig".into()),
        name: c.name().to_string(),
        description: text("description_short"),
        body,
        themes: c.strings("category").into_iter().map(String::from).collect(),
        category: c.str("publication_category").map(String::from),
        status: c.str("status").map(String::from),
        has_impact_assessment: has_ia,
        impact_assessments: {
            let t = algoreg_standard::codes::impact_assessment_titles(c);
            if t.is_empty() {
                vec!["Geen".to_string()]
            } else {
                t.into_iter().map(String::from).collect()
            }
        },
        published: v.published_at.timestamp(),
        shared: algoreg_standard::extensions::is_shared(c),
        adopts: algoreg_standard::extensions::adopts(c).map(|(id, _)| id.to_string()),
    }
}

/// Applies outbox entries after the index's position. Returns how many records were updated.
pub async fn sync(store: &dyn Store, index: &SearchIndex) -> Result<usize> {
    let mut done = 0;
    loop {
        let pos = index.position();
        let batch = store.outbox_after(pos, 2000).await?;
        let Some(last) = batch.last().map(|b| b.0) else { return Ok(done) };
        let orgs: HashMap<String, Organisation> = store.organisations().await?.into_iter().map(|o| (o.code.clone(), o)).collect();
        let mut ids: Vec<_> = batch.iter().map(|b| b.1).collect();
        ids.sort();
        ids.dedup();
        let mut upserts = vec![];
        let mut deletes = vec![];
        for id in ids {
            match store.published(id).await? {
                Some(v) => upserts.push(to_doc(&v, orgs.get(&v.org_code))),
                None => deletes.push(id.to_string()),
            }
        }
        done += upserts.len() + deletes.len();
        index.apply(&upserts, &deletes, Some(last)).map_err(err)?;
    }
}

/// Rebuilds the index from the store, in pages of 20,000 records (memory stays flat at any size).
pub async fn rebuild(store: &dyn Store, index: &SearchIndex) -> Result<usize> {
    let position = store.outbox_max().await?;
    index.clear().map_err(err)?;
    let orgs: HashMap<String, Organisation> = store.organisations().await?.into_iter().map(|o| (o.code.clone(), o)).collect();
    let (mut done, mut after) = (0, None);
    loop {
        // By key, not by offset: each page costs the same, however far along (an offset reads and skips
        // every row before it, which made a rebuild of a million records quadratic).
        let page = store.published_after(after, 20_000).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.record);
        let docs: Vec<SearchDoc> = page.iter().map(|v| to_doc(v, orgs.get(&v.org_code))).collect();
        index.apply(&docs, &[], None).map_err(err)?;
        done += page.len();
    }
    index.apply(&[], &[], Some(position)).map_err(err)?;
    Ok(done)
}

/// What the search box proposes while someone types: registrations and organisations whose names
/// complete the text, other ways to write it (abbreviations and full names), and a spelling correction
/// when nothing completes it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Suggestions {
    pub algorithms: Vec<algoreg_search::Suggestion>,
    pub organisations: Vec<OrgSuggestion>,
    pub queries: Vec<String>,
    pub did_you_mean: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct OrgSuggestion {
    pub code: String,
    pub name: String,
}

/// The organisations' names and abbreviations as searched (lower case, accents off), made once per
/// list (the list is shared and replaced as a whole when it changes).
fn normalised_names(orgs: &std::sync::Arc<Vec<Organisation>>) -> std::sync::Arc<Vec<String>> {
    // The list itself is kept with its names: while it is cached, its address cannot be reused.
    type Cache = std::sync::Mutex<Option<(std::sync::Arc<Vec<Organisation>>, std::sync::Arc<Vec<String>>)>>;
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some((list, names)) = cache.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
        if std::sync::Arc::ptr_eq(list, orgs) {
            return names.clone();
        }
    }
    let names: std::sync::Arc<Vec<String>> = std::sync::Arc::new(
        orgs.iter()
            .map(|o| algoreg_search::query::normalise(&format!("{} {}", o.name, o.relations.short_name.as_deref().unwrap_or(""))))
            .collect(),
    );
    *cache.lock().unwrap_or_else(|e| e.into_inner()) = Some((orgs.clone(), names.clone()));
    names
}

/// Organisations offered at most.
const ORG_SUGGESTIONS: usize = 5;

/// See [`Suggestions`]. `text` is cut to 100 characters; every part is bounded (the index's own
/// limits, a scan of the organisation list in memory).
pub async fn suggestions(app: &crate::App, text: &str, limit: usize) -> Result<Suggestions> {
    let text: String = text.chars().take(100).collect();
    let asked = text.clone();
    let algorithms = app.on_index(move |i| i.suggest(&asked, limit)).await?.map_err(err)?;
    let words: Vec<String> = algoreg_search::query::normalise(&text).split_whitespace().map(String::from).collect();
    let mut organisations = vec![];
    if let Some((last, first)) = words.split_last() {
        // Without the organisations (the store not answering) the other suggestions still come.
        let orgs = app.organisations().await.unwrap_or_default();
        let names = normalised_names(&orgs);
        let mut found: Vec<(bool, &Organisation)> = orgs
            .iter()
            .zip(names.iter())
            .filter_map(|(o, name)| {
                let ws: Vec<&str> = name.split_whitespace().collect();
                let ok = first.iter().all(|w| ws.contains(&w.as_str())) && ws.iter().any(|w| w.starts_with(last.as_str()));
                ok.then(|| (ws.first().is_some_and(|w| w.starts_with(words[0].as_str())), o))
            })
            .collect();
        // Names that start with what was typed first, then by name.
        found.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.name.cmp(&b.1.name)));
        organisations =
            found.into_iter().take(ORG_SUGGESTIONS).map(|(_, o)| OrgSuggestion { code: o.code.clone(), name: o.name.clone() }).collect();
    }
    // A correction walks the word list: only for a word or two that nothing completes.
    let correct = algorithms.is_empty() && organisations.is_empty() && words.len() <= 2;
    let (queries, did_you_mean) =
        app.on_index(move |i| (i.alternatives(&text), if correct { i.did_you_mean(&text) } else { None })).await?;
    Ok(Suggestions { algorithms, organisations, queries, did_you_mean })
}

/// Adds each organisation's abbreviation to the thesaurus as an alternative of its name: the short
/// name the organisation register gives, or an abbreviation written at the end of the name
/// ("Nederlandse Zorgautoriteit (NZa)"). Returns how many were added.
pub fn add_organisation_abbreviations(t: &mut algoreg_search::thesaurus::Thesaurus, orgs: &[Organisation]) -> usize {
    let mut added = 0;
    for o in orgs {
        let clean = |s: &str| s.replace(['|', '#', '\n', '\r'], " ");
        let (name, short) = match (&o.relations.short_name, o.name.trim_end().strip_suffix(')').and_then(|n| n.rsplit_once(" ("))) {
            (Some(short), _) => (clean(&o.name), clean(short)),
            (None, Some((full, abbr)))
                if (2..=12).contains(&abbr.len()) && abbr.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '&') =>
            {
                (clean(full), clean(abbr))
            }
            _ => continue,
        };
        if t.add_text(&format!("{short} | {name}")).is_ok() {
            added += 1;
        }
    }
    added
}

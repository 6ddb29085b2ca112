//! The register feed: what one algoreg instance publishes for others to harvest.
//!
//! `GET /feed/v1/register.json` and `algoreg export --feed DIR` give the same document: every public
//! record of the instance's organisations with every published version. The format is described by
//! `docs/feed/v1/register.schema.json` and versioned by `format_version`; `algoreg import` reads it
//! as well. Its structure is the one of algoreg's export, so one reader serves both.

use crate::error::Result;
use algoreg_store::{PublishedVersion, Store};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub const FORMAT: &str = "algoreg-feed";
pub const FORMAT_VERSION: u32 = 1;
/// Where an instance serves its feed, and where `export --feed` puts it below the folder.
pub const PATH: &str = "feed/v1/register.json";

/// The feed document.
pub async fn build(store: &dyn Store, generated_at: DateTime<Utc>) -> Result<Value> {
    let (orgs, records) = crate::export::published_with_organisations(store, false).await?;
    Ok(json!({
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generated_at": generated_at.to_rfc3339(),
        "organisations": orgs,
        "records": records.iter().map(|(m, versions)| record(m.id, versions)).collect::<Vec<_>>(),
    }))
}

/// One record of the feed: its ID, organisation, first publication and every published version
/// (oldest first). Also the record in OAI-PMH's `algoreg` format.
pub fn record(id: algoreg_standard::AlgorithmId, versions: &[PublishedVersion]) -> Value {
    json!({
        "id": id.to_string(),
        "organisation": versions.first().map(|v| v.org_code.clone()),
        "first_published_at": versions.first().map(|v| v.first_published_at.to_rfc3339()),
        "versions": versions.iter().map(version).collect::<Vec<_>>(),
    })
}

fn version(v: &PublishedVersion) -> Value {
    // From the provenance travel along: translations, and for a harvested version where it comes from
    // (its origin and the feeds it came through), so a higher level keeps the original provenance and a
    // loop between levels can be seen. The rest describes this instance's own history.
    let prov = v.provenance.as_ref();
    let mut p = serde_json::Map::new();
    if let Some(t) = prov.and_then(|p| p.get("translations")) {
        p.insert("translations".into(), t.clone());
    }
    if let Some(h) = prov.filter(|p| p.get("source").and_then(Value::as_str) == Some("harvest")) {
        for k in ["origin", "via", "content_hash", "origin_log"] {
            if let Some(x) = h.get(k) {
                p.insert(k.into(), x.clone());
            }
        }
    }
    let mut out = json!({
        "number": v.number,
        "standard_version": v.standard_version.as_str(),
        "published_at": v.published_at.to_rfc3339(),
        "content": v.content,
    });
    if !p.is_empty() {
        out["provenance"] = Value::Object(p);
    }
    out
}

/// The content hash shown with harvested versions: SHA-256 over the standard version and the
/// content as JSON, in the standard's field order.
pub fn content_hash(standard_version: &str, content: &algoreg_standard::Content) -> String {
    let mut h = Sha256::new();
    h.update(standard_version.as_bytes());
    h.update(b"\n");
    h.update(serde_json::to_vec(&content.0).unwrap_or_default());
    format!("sha256:{}", hex::encode(h.finalize()))
}

/// The serialised feed with its validators, ready to serve or write.
pub struct Rendered {
    pub json: Vec<u8>,
    pub gzip: Vec<u8>,
    /// A strong ETag: the SHA-256 of the body, quoted.
    pub etag: String,
    pub last_modified: DateTime<Utc>,
}

/// Serialises a feed. `generated_at` is left out of the ETag's input by fixing it to the last
/// public change, so the same register always gives the same bytes and the same ETag.
pub async fn render(store: &dyn Store) -> Result<Rendered> {
    let last = store.last_public_change().await?.unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let doc = build(store, last).await?;
    let json = serde_json::to_vec(&doc).map_err(|e| crate::ServiceError::Internal(e.to_string()))?;
    let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&json)[..16]));
    let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(json.len() / 6), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, &json).map_err(|e| crate::ServiceError::Internal(e.to_string()))?;
    let gzip = enc.finish().map_err(|e| crate::ServiceError::Internal(e.to_string()))?;
    Ok(Rendered { json, gzip, etag, last_modified: last })
}

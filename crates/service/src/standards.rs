//! The standard versions algoreg knows, each as a JSON Schema made from the definitions that validate
//! (`algoreg_standard::schema`), with what changed from the version before. Public reads.

use crate::error::{Result, ServiceError};
use algoreg_standard::schema;
use algoreg_standard::StandardVersion;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct StandardInfo {
    pub version: &'static str,
    /// When it was published (`yyyy-mm`), when known.
    pub published: Option<&'static str>,
    /// New registrations are written in the current version.
    pub current: bool,
    pub fields: usize,
    pub required_for_publication: Vec<&'static str>,
    /// Where its JSON Schema is.
    pub schema: String,
    /// What changed from the version before (none for the first).
    pub changes: Option<schema::Changes>,
}

fn base(public_url: &str) -> &str {
    public_url.trim_end_matches('/')
}

/// Every version, oldest first.
pub fn list(public_url: &str) -> Vec<StandardInfo> {
    let mut out = vec![];
    let mut previous: Option<StandardVersion> = None;
    for v in StandardVersion::ALL {
        out.push(StandardInfo {
            version: v.as_str(),
            published: schema::published(v),
            current: v == StandardVersion::CURRENT,
            fields: v.fields().len(),
            required_for_publication: v.fields().iter().filter(|f| f.required).map(|f| f.key).collect(),
            schema: format!("{}/api/v1/standards/{}/schema.json", base(public_url), v.as_str()),
            changes: previous.map(|p| schema::changes(p, v)),
        });
        previous = Some(v);
    }
    out
}

/// The JSON Schema of one version (`1.0`, `0.4`, ... as the list names them).
pub fn json_schema(version: &str, public_url: &str) -> Result<serde_json::Value> {
    let v = StandardVersion::ALL.into_iter().find(|v| v.as_str() == version).ok_or(ServiceError::NotFound("standard"))?;
    Ok(schema::json_schema(v, base(public_url)))
}

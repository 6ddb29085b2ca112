//! What the API sends and receives. Store models are mapped here, so the store never shapes the API.

use algoreg_store::{HistoryEntry, Organisation, PublishedVersion, RecordMeta, Version};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OrganisationDto {
    pub code: String,
    pub name: String,
    /// One of the register's organisation types (gemeente, provincie, waterschap, ministerie, ...).
    #[serde(rename = "type")]
    pub org_type: String,
    pub tooi: Option<String>,
    /// Its abbreviation, from the government's organisation register.
    pub short_name: Option<String>,
    /// The code of the organisation it is part of.
    pub parent: Option<String>,
    /// The code of the ministry it belongs to.
    pub ministry: Option<String>,
    /// `central` (the central operator publishes after release) or `four_eyes` (editor releases, approver publishes).
    pub flow: String,
    pub about: Option<String>,
    pub contact: Option<String>,
}

impl From<&Organisation> for OrganisationDto {
    fn from(o: &Organisation) -> Self {
        OrganisationDto {
            code: o.code.clone(),
            name: o.name.clone(),
            org_type: o.org_type.code().into(),
            tooi: o.tooi.clone(),
            short_name: o.relations.short_name.clone(),
            parent: o.relations.parent.clone(),
            ministry: o.relations.ministry.clone(),
            flow: o.flow.code().into(),
            about: o.about.clone(),
            contact: o.contact.clone(),
        }
    }
}

/// A published version of a registration.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlgorithmDto {
    /// The 8-digit algorithm ID.
    pub id: String,
    /// Organisation code.
    pub organisation: String,
    pub version: u32,
    pub current: bool,
    pub standard_version: String,
    pub published_at: String,
    pub first_published_at: String,
    /// Required fields that are empty (records taken in from elsewhere may lack them).
    pub incomplete_fields: Vec<String>,
    #[schema(value_type = Option<Object>)]
    pub provenance: Option<serde_json::Value>,
    /// The fields of the standard version, by API key.
    #[schema(value_type = Object)]
    pub content: serde_json::Value,
    /// The proof that this version is in the register's publication log (on a single registration
    /// and its versions; absent in lists, and for a version published in the last second, before
    /// the log took it in).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<LogProofDto>,
}

/// An inclusion proof in the publication log: the entry (as hashed), its index, the signed checkpoint
/// of `size` entries, and the audit path (base64 SHA-256 hashes, RFC 9162). Check the checkpoint with
/// the key at `/log/key`, then the path from the entry's leaf hash to the checkpoint's root.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogProofDto {
    pub index: u64,
    pub size: u64,
    pub leaf: String,
    pub proof: Vec<String>,
    pub checkpoint: String,
}

impl From<&algoreg_service::log::RecordProof> for LogProofDto {
    fn from(p: &algoreg_service::log::RecordProof) -> Self {
        LogProofDto {
            index: p.entry.index,
            size: p.size,
            leaf: p.leaf.clone(),
            proof: algoreg_service::log::encode_hashes(&p.proof),
            checkpoint: p.checkpoint.clone(),
        }
    }
}

impl AlgorithmDto {
    /// With the version's proof from these (by version number).
    pub fn with_proof(mut self, proofs: &std::collections::HashMap<u32, algoreg_service::log::RecordProof>) -> Self {
        self.log = proofs.get(&self.version).map(LogProofDto::from);
        self
    }
}

impl From<&PublishedVersion> for AlgorithmDto {
    fn from(v: &PublishedVersion) -> Self {
        AlgorithmDto {
            id: v.record.to_string(),
            organisation: v.org_code.clone(),
            version: v.number,
            current: v.current,
            standard_version: v.standard_version.as_str().into(),
            published_at: v.published_at.to_rfc3339(),
            first_published_at: v.first_published_at.to_rfc3339(),
            incomplete_fields: v.missing.clone(),
            provenance: v.provenance.clone(),
            content: serde_json::Value::Object(v.content.0.clone()),
            log: None,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlgorithmPage {
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    pub items: Vec<AlgorithmDto>,
}

/// Any version, as its organisation's editors see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionDto {
    pub id: String,
    pub version: u32,
    /// draft, released, published, superseded or archived
    pub state: String,
    pub standard_version: String,
    pub created_at: String,
    pub created_by: String,
    pub published_at: Option<String>,
    pub incomplete_fields: Vec<String>,
    #[schema(value_type = Object)]
    pub content: serde_json::Value,
}

impl From<&Version> for VersionDto {
    fn from(v: &Version) -> Self {
        VersionDto {
            id: v.record.to_string(),
            version: v.number,
            state: v.state.code().into(),
            standard_version: v.standard_version.as_str().into(),
            created_at: v.created_at.to_rfc3339(),
            created_by: v.created_by.clone(),
            published_at: v.published_at.map(|t| t.to_rfc3339()),
            incomplete_fields: v.missing.clone(),
            content: serde_json::Value::Object(v.content.0.clone()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordStateDto {
    pub id: String,
    pub latest_version: u32,
    pub latest_state: String,
    pub published_version: Option<u32>,
}

impl From<&RecordMeta> for RecordStateDto {
    fn from(m: &RecordMeta) -> Self {
        RecordStateDto {
            id: m.id.to_string(),
            latest_version: m.latest_version,
            latest_state: m.latest_state.code().into(),
            published_version: m.published_version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryDto {
    pub action: String,
    pub version: u32,
    pub actor: String,
    pub reason: Option<String>,
    pub at: String,
}

impl From<&HistoryEntry> for HistoryDto {
    fn from(h: &HistoryEntry) -> Self {
        HistoryDto {
            action: h.action.code().into(),
            version: h.version,
            actor: h.actor.clone(),
            reason: h.reason.clone(),
            at: h.at.to_rfc3339(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkspaceDto {
    pub record: RecordStateDto,
    pub versions: Vec<VersionDto>,
    pub history: Vec<HistoryDto>,
    /// Advice on the latest version that does not block anything: plain language per field and
    /// consistency between fields, each with its rule.
    pub quality: Vec<QualityDto>,
    /// The latest version's links with what the link checker found (`outcome` absent: not checked yet).
    pub links: Vec<LinkDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LinkDto {
    pub field: String,
    pub url: String,
    /// ok, broken (404 or 410), refused (not a public address), timeout or unreachable.
    pub outcome: Option<String>,
    pub http_status: Option<u16>,
    pub detail: Option<String>,
    pub checked_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Why the central operator accepted it although it does not work (then it holds nothing back).
    pub accepted_reason: Option<String>,
    pub accepted_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QualityDto {
    pub field: String,
    /// long_sentence, long_word, passive, officialese, abbreviation, personal_data_without_dpia,
    /// high_risk_without_fundamental_rights_assessment, high_risk_without_human_intervention,
    /// end_before_begin, out_of_use_without_end_date.
    pub rule: String,
    pub message_nl: String,
    pub message_en: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAlgorithm {
    /// Optional 8-digit ID (checked); drawn when absent.
    pub id: Option<String>,
    #[schema(value_type = Object)]
    pub content: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveDraft {
    #[schema(value_type = Object)]
    pub content: serde_json::Map<String, serde_json::Value>,
    /// The latest version number the editor saw; a newer one answers 409.
    pub expected_version: Option<u32>,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    /// Required for reject and retract.
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganisation {
    pub code: String,
    pub name: String,
    #[serde(rename = "type")]
    pub org_type: String,
    pub tooi: Option<String>,
    pub flow: Option<String>,
    pub about: Option<String>,
    pub contact: Option<String>,
}

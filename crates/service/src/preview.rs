//! Preview links: a registration's latest version, published or not, for anyone who has the link, for
//! a while (the live register's preview link: a reviewer without an account reads a draft before it is
//! published). Only a hash of a link's secret is kept; making one is in the organisation's audit log.

use crate::audit::{self, Actor, Note};
use crate::auth::hash_token;
use crate::error::{Result, ServiceError};
use crate::workspace::{may_see, no_access};
use algoreg_domain::audit::AuditKind;
use algoreg_domain::workflow::{Action, Principal, VersionState};
use algoreg_standard::AlgorithmId;
use algoreg_store::{Organisation, Store, Version};
use chrono::{DateTime, Utc};

/// How long a preview link works (also how its making time is known: its expiry less this).
pub const PREVIEW_HOURS: i64 = 72;

pub struct Previews<'a> {
    pub(crate) store: &'a dyn Store,
    pub(crate) public_url: &'a str,
}

/// A preview link made: its address (at the configured public address) and until when it works.
pub struct Shared {
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

/// What a preview link shows: the registration's latest version and its organisation.
pub struct Preview {
    pub org: Organisation,
    pub version: Version,
    pub expires_at: DateTime<Utc>,
}

fn not_found() -> ServiceError {
    ServiceError::NotFound("preview")
}

impl Previews<'_> {
    /// Makes a preview link to a registration of an organisation the caller is a member of (or any, for
    /// the central operator).
    pub async fn share(&self, p: &Principal, id: AlgorithmId) -> Result<Shared> {
        let meta = self.store.record(id).await?.ok_or(ServiceError::NotFound("algorithm"))?;
        if !may_see(p, meta.org_id) {
            return Err(no_access());
        }
        let secret = hex::encode(rand::random::<[u8; 32]>());
        let expires_at = Utc::now() + chrono::Duration::hours(PREVIEW_HOURS);
        if !self.store.create_preview_link(&hash_token(&secret), id, &p.key, expires_at).await? {
            // A link sent to someone is never ended by making another: wait for one to expire.
            return Err(ServiceError::TooManyRequests { retry_after: 3600 });
        }
        let detail = id.to_string();
        let note = Note { kind: AuditKind::PreviewShared, org: Some(meta.org_id), subject: None, detail: &detail, source: None };
        audit::write(self.store, Actor::Principal(p), note).await;
        Ok(Shared { url: format!("{}/nl/voorbeeld/{secret}", self.public_url.trim_end_matches('/')), expires_at })
    }

    /// What the link with this secret shows, while it works: not found otherwise (also for what cannot be
    /// a link's secret, before any lookup).
    pub async fn open(&self, secret: &str) -> Result<Preview> {
        if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(not_found());
        }
        let now = Utc::now();
        let (id, expires_at) = self.store.preview_link_record(&hash_token(secret), now).await?.ok_or_else(not_found)?;
        let meta = self.store.record(id).await?.ok_or_else(not_found)?;
        // Taking a registration offline (a retraction, archiving) ends the links made before it.
        let made = expires_at - chrono::Duration::hours(PREVIEW_HOURS);
        let offline = self.store.history(id).await?.iter().any(|h| matches!(h.action, Action::Retract | Action::Archive) && h.at >= made);
        if offline || meta.latest_state == VersionState::Archived {
            return Err(not_found());
        }
        let version = self.store.version(id, meta.latest_version).await?.ok_or_else(not_found)?;
        let org = self.store.organisation(meta.org_id).await?.ok_or_else(not_found)?;
        Ok(Preview { org, version, expires_at })
    }
}

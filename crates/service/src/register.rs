//! The register: creating and changing records and running the workflow, with authorisation.

use crate::error::{Result, ServiceError};
use algoreg_domain::workflow::{self, Action, Principal, RecordState, VersionState};
use algoreg_standard::validate::{self, Mode};
use algoreg_standard::{AlgorithmId, Content, StandardVersion};
use algoreg_store::*;
use chrono::Utc;
use rand::Rng;

pub struct Register<'a> {
    pub(crate) store: &'a dyn Store,
}

/// Parses an algorithm ID from a path or body, naming the field.
pub fn parse_id(field: &str, s: &str) -> Result<AlgorithmId> {
    AlgorithmId::parse(s).map_err(|e| ServiceError::bad(field, format!("Algoritme-ID {}.", e.message_nl()), format!("Algorithm ID {e}.")))
}

/// Fills what algoreg fills itself and validates.
fn prepare(org: &Organisation, mut content: Content, mode: Mode) -> Result<(Content, Vec<String>)> {
    if !content.is_filled("organization") {
        content.set("organization", org.name.clone());
    }
    content.set("lang", "nld");
    content.set("standard_version", StandardVersion::CURRENT.as_str());
    let content = validate::validate(StandardVersion::CURRENT, &content, mode).map_err(ServiceError::Validation)?;
    let missing = validate::missing_required(StandardVersion::CURRENT, &content).into_iter().map(String::from).collect();
    Ok((content, missing))
}

impl Register<'_> {
    async fn org_of(&self, meta: &RecordMeta) -> Result<Organisation> {
        self.store.organisation(meta.org_id).await?.ok_or(ServiceError::NotFound("organisation"))
    }

    async fn meta(&self, id: AlgorithmId) -> Result<RecordMeta> {
        self.store.record(id).await?.ok_or(ServiceError::NotFound("algorithm"))
    }

    /// Creates a record in `org_code` with a first draft. A given ID is checked; otherwise one is drawn.
    pub async fn create(&self, actor: &Principal, org_code: &str, content: Content, id: Option<AlgorithmId>) -> Result<Version> {
        let org = self.store.organisation_by_code(org_code).await?.ok_or(ServiceError::NotFound("organisation"))?;
        workflow::authorize(actor, org.id, org.flow, Action::Create)?;
        let (mut content, missing) = prepare(&org, content, Mode::Draft)?;
        algoreg_standard::extensions::stamp_translations(&mut content, None);
        let now = Utc::now();
        let version = NewVersion {
            standard_version: StandardVersion::CURRENT,
            content,
            state: VersionState::Draft,
            missing,
            provenance: None,
            created_at: now,
            created_by: actor.key.clone(),
        };
        let history = NewHistory { action: Action::Create, version: 1, actor: actor.key.clone(), reason: None, at: now };
        let given = id;
        let mut attempts = 0;
        let id = loop {
            let id = given.unwrap_or_else(|| {
                let mut rng = rand::thread_rng();
                AlgorithmId::generate(|| rng.gen())
            });
            match self.store.create_record(id, org.id, &version, &history).await {
                Ok(()) => break id,
                Err(StoreError::Conflict(_)) if attempts < 5 && given.is_none() => attempts += 1,
                Err(StoreError::Conflict(_)) => return Err(ServiceError::Conflict { field: "id" }),
                Err(e) => return Err(e.into()),
            }
        };
        self.store.version(id, 1).await?.ok_or(ServiceError::Internal("version vanished".into()))
    }

    /// Saves a new version (a draft) of an existing record.
    pub async fn save(&self, actor: &Principal, id: AlgorithmId, content: Content, expected_latest: Option<u32>) -> Result<Version> {
        let meta = self.meta(id).await?;
        let org = self.org_of(&meta).await?;
        workflow::authorize(actor, org.id, org.flow, Action::Save)?;
        let (mut content, missing) = prepare(&org, content, Mode::Draft)?;
        if content.get(algoreg_standard::extensions::TRANSLATIONS).is_some() {
            // A translation kept as it was stays written for the Dutch text it was written for.
            let previous = self.store.version(id, meta.latest_version).await?;
            algoreg_standard::extensions::stamp_translations(&mut content, previous.as_ref().map(|v| &v.content));
        }
        let plan = workflow::plan(&state_of(&meta), Action::Save, actor, org.flow, None)?;
        let now = Utc::now();
        let change = Change {
            record: id,
            expected_latest: expected_latest.unwrap_or(meta.latest_version),
            new_version: Some(NewVersion {
                standard_version: StandardVersion::CURRENT,
                content,
                state: plan.new_version.unwrap_or(VersionState::Draft),
                missing,
                provenance: None,
                created_at: now,
                created_by: actor.key.clone(),
            }),
            state_changes: plan.changes,
            publishes: plan.publishes,
            unpublishes: plan.unpublishes,
            released_by: None,
            history: NewHistory { action: Action::Save, version: meta.latest_version + 1, actor: actor.key.clone(), reason: None, at: now },
        };
        self.store.apply(&change).await?;
        self.store.version(id, meta.latest_version + 1).await?.ok_or(ServiceError::Internal("version vanished".into()))
    }

    /// Runs a workflow action (release, publish, reject, retract, archive, unarchive).
    pub async fn act(&self, actor: &Principal, id: AlgorithmId, action: Action, reason: Option<String>) -> Result<RecordMeta> {
        if matches!(action, Action::Save | Action::Create | Action::Import) {
            return Err(ServiceError::bad("action", "Deze actie gaat niet via dit adres.", "This action is not taken here."));
        }
        if reason.as_ref().is_some_and(|r| r.chars().count() > 2000) {
            return Err(ServiceError::bad("reason", "Een reden heeft hoogstens 2000 tekens.", "A reason has at most 2000 characters."));
        }
        let meta = self.meta(id).await?;
        let org = self.org_of(&meta).await?;
        workflow::authorize(actor, org.id, org.flow, action)?;
        let plan = workflow::plan(&state_of(&meta), action, actor, org.flow, reason.as_deref())?;
        if matches!(action, Action::Release | Action::Publish) {
            // A prohibited AI practice is never published.
            crate::aiact::allows_publication(self.store, id).await?;
            // Only complete registrations leave the drafts.
            let latest = self.store.version(id, meta.latest_version).await?.ok_or(ServiceError::NotFound("version"))?;
            validate::validate(latest.standard_version, &latest.content, Mode::Complete).map_err(ServiceError::Validation)?;
            if plan.publishes.is_some() {
                crate::links::allows_publication(self.store, actor, &latest, reason.as_deref()).await?;
            }
        }
        let change = Change {
            record: id,
            expected_latest: meta.latest_version,
            new_version: None,
            state_changes: plan.changes,
            publishes: plan.publishes,
            unpublishes: plan.unpublishes,
            released_by: (action == Action::Release).then(|| actor.key.clone()),
            history: NewHistory {
                action,
                version: meta.latest_version,
                actor: actor.key.clone(),
                reason: reason.map(|r| r.trim().to_string()),
                at: Utc::now(),
            },
        };
        self.store.apply(&change).await?;
        self.meta(id).await
    }

    /// Confirms that the published registration is still current (the yearly check): members who may
    /// edit it, and the central operator where it publishes. Gives the time recorded.
    pub async fn confirm_current(&self, actor: &Principal, id: AlgorithmId, now: chrono::DateTime<Utc>) -> Result<chrono::DateTime<Utc>> {
        let meta = self.meta(id).await?;
        let org = self.org_of(&meta).await?;
        workflow::authorize(actor, org.id, org.flow, Action::Save)?;
        if meta.published_version.is_none() {
            return Err(ServiceError::bad(
                "record",
                "Alleen een gepubliceerde registratie kan als actueel worden bevestigd.",
                "Only a published registration can be confirmed as current.",
            ));
        }
        self.store.confirm_current(id, now, &actor.key).await?;
        Ok(now)
    }

    /// When the registration was last confirmed as still current, if ever.
    pub async fn confirmed_at(&self, id: AlgorithmId) -> Result<Option<chrono::DateTime<Utc>>> {
        Ok(self.store.confirmations(&[id]).await?.into_iter().next().map(|(_, at)| at))
    }

    pub async fn published(&self, id: AlgorithmId) -> Result<PublishedVersion> {
        self.store.published(id).await?.ok_or(ServiceError::NotFound("algorithm"))
    }

    pub async fn published_history(&self, id: AlgorithmId) -> Result<Vec<PublishedVersion>> {
        let h = self.store.published_history(id).await?;
        if h.is_empty() {
            return Err(ServiceError::NotFound("algorithm"));
        }
        Ok(h)
    }
}

/// What anyone may read: the published register.
impl Register<'_> {
    /// The current published version, or nothing when the record is not public.
    pub async fn find_published(&self, id: AlgorithmId) -> Result<Option<PublishedVersion>> {
        Ok(self.store.published(id).await?)
    }
    /// The current published versions of these records, in the order given (records that are not
    /// public are left out).
    pub async fn published_many(&self, ids: &[AlgorithmId]) -> Result<Vec<PublishedVersion>> {
        Ok(self.store.published_many(ids).await?)
    }
    /// The public name of a record, or an empty text when it is not public.
    pub async fn public_name(&self, id: AlgorithmId) -> Result<String> {
        Ok(self.find_published(id).await?.map(|v| v.content.name().to_string()).unwrap_or_default())
    }
    pub async fn list_published(&self, query: &ListQuery) -> Result<Page<PublishedVersion>> {
        Ok(self.store.list_published(query).await?)
    }
    pub async fn count_published(&self) -> Result<u64> {
        Ok(self.store.count_published().await?)
    }
    /// The newest published versions, of one organisation or of all.
    pub async fn recent_published(&self, limit: i64, org_code: Option<&str>) -> Result<Vec<PublishedVersion>> {
        Ok(self.store.recent_published(limit, org_code).await?)
    }
    /// Every current published version, or with `history` every published version.
    pub async fn all_published(&self, history: bool) -> Result<Vec<PublishedVersion>> {
        let all = self.store.export_published().await?;
        Ok(all.into_iter().flat_map(|(_, vs)| vs.into_iter().filter(move |v| history || v.current)).collect())
    }
}

pub fn state_of(meta: &RecordMeta) -> RecordState {
    RecordState {
        latest: Some((meta.latest_version, meta.latest_state)),
        published: meta.published_version,
        released_by: meta.released_by.clone(),
    }
}

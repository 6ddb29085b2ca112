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

/// A newer version of the shared registration a record adopts: what the adopter is offered.
#[derive(Debug, Clone)]
pub struct SharedUpdate {
    pub shared: AlgorithmId,
    /// The version the record follows now, and the shared registration's current one.
    pub from: u32,
    pub to: u32,
    pub name: String,
    pub org_code: String,
}

/// The newer version of the shared registration that `content` adopts, if there is one.
pub(crate) async fn shared_update_of(store: &dyn algoreg_store::Store, content: &Content) -> Result<Option<SharedUpdate>> {
    let Some((shared, Some(from))) = algoreg_standard::extensions::adopts(content) else { return Ok(None) };
    Ok(store.published(shared).await?.filter(|v| v.number > from).map(|v| SharedUpdate {
        shared,
        from,
        to: v.number,
        name: v.content.name().to_string(),
        org_code: v.org_code,
    }))
}

impl Register<'_> {
    /// For a registration that adopts a shared one: the shared part filled in from the shared
    /// registration (the version named, or its current one). Content that adopts nothing is returned
    /// as it is. A change of an existing adoption whose shared registration (of that version) is no
    /// longer public keeps the record's own copy of the shared part (`previous`: the record's latest
    /// version), so the organisation can still keep its own part up to date; what the change itself
    /// says of the shared part does not count.
    async fn with_shared_part(&self, org: &Organisation, content: Content, previous: Option<&Version>) -> Result<Content> {
        use algoreg_standard::extensions;
        let Some((shared_id, version)) = extensions::adopts(&content) else { return Ok(content) };
        let not_shared = || {
            ServiceError::bad(
                "adopts.record",
                "Er is geen openbare gedeelde registratie met dit ID (van deze versie).",
                "There is no public shared registration with this ID (of this version).",
            )
        };
        let history = self.store.published_history(shared_id).await?;
        let shared = match version {
            Some(n) => history.into_iter().find(|v| v.number == n),
            None => history.into_iter().find(|v| v.current),
        };
        let shared = match (shared, version, previous) {
            (Some(v), _, _) => v,
            (None, Some(n), Some(prev)) if extensions::adopts(&prev.content) == Some((shared_id, Some(n))) => {
                let prev = algoreg_standard::migrate::to_current(prev.standard_version, &prev.content).content;
                return Ok(extensions::adopt(&prev, shared_id, n, &content));
            }
            _ => return Err(not_shared()),
        };
        if !extensions::is_shared(&shared.content) {
            return Err(not_shared());
        }
        if shared.org_code == org.code {
            return Err(ServiceError::bad(
                "adopts.record",
                "Een organisatie neemt haar eigen gedeelde registratie niet over.",
                "An organisation does not adopt its own shared registration.",
            ));
        }
        let shared_content = algoreg_standard::migrate::to_current(shared.standard_version, &shared.content).content;
        Ok(extensions::adopt(&shared_content, shared_id, shared.number, &content))
    }

    /// The newer version of the shared registration that `content` adopts, if there is one.
    pub async fn shared_update(&self, content: &Content) -> Result<Option<SharedUpdate>> {
        shared_update_of(self.store, content).await
    }

    /// Takes the newest version of the shared registration into a new draft of an adopting record: the
    /// shared part is replaced, the organisation's own fields stay. An editor then releases it as usual.
    pub async fn take_shared_update(&self, actor: &Principal, id: AlgorithmId) -> Result<Version> {
        let meta = self.meta(id).await?;
        let latest = self.store.version(id, meta.latest_version).await?.ok_or(ServiceError::NotFound("version"))?;
        let org = self.org_of(&meta).await?;
        workflow::authorize(actor, org.id, org.flow, Action::Save)?;
        let Some(update) = self.shared_update(&latest.content).await? else {
            return Err(ServiceError::bad(
                "adopts",
                "Er is geen nieuwere versie van de gedeelde registratie.",
                "There is no newer version of the shared registration.",
            ));
        };
        let mut content = latest.content.clone();
        content.set(algoreg_standard::extensions::ADOPTS, serde_json::json!({"record": update.shared.to_string(), "version": update.to}));
        self.save(actor, id, content, Some(meta.latest_version)).await
    }

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
        let content = self.with_shared_part(&org, content, None).await?;
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
        let previous = self.store.version(id, meta.latest_version).await?;
        let content = self.with_shared_part(&org, content, previous.as_ref()).await?;
        let (mut content, missing) = prepare(&org, content, Mode::Draft)?;
        if content.get(algoreg_standard::extensions::TRANSLATIONS).is_some() {
            // A translation kept as it was stays written for the Dutch text it was written for.
            algoreg_standard::extensions::stamp_translations(&mut content, previous.as_ref().map(|v| &v.content));
        }
        let plan = workflow::plan(&state_of(&meta), Action::Save, actor, org.flow, None)?;
        let now = Utc::now();
        let version = NewVersion {
            standard_version: StandardVersion::CURRENT,
            content,
            state: plan.new_version.unwrap_or(VersionState::Draft),
            missing,
            provenance: None,
            created_at: now,
            created_by: actor.key.clone(),
        };
        let history =
            NewHistory { action: Action::Save, version: meta.latest_version + 1, actor: actor.key.clone(), reason: None, at: now };
        let change =
            Change::planned(id, expected_latest.unwrap_or(meta.latest_version), plan, Some(version), history).expecting(meta.latest_state);
        self.store.apply(&change).await?;
        self.store.version(id, meta.latest_version + 1).await?.ok_or(ServiceError::Internal("version vanished".into()))
    }

    /// Takes back the release of a version that waits for approval because its AI Act data changes: a
    /// new draft with the released version's content as it is (its standard, nothing filled in or
    /// checked again), as a save would make. The record as this change left it.
    pub(crate) async fn withdraw_release(&self, actor: &Principal, meta: &RecordMeta) -> Result<RecordMeta> {
        let org = self.org_of(meta).await?;
        workflow::authorize(actor, org.id, org.flow, Action::Save)?;
        let latest = self.store.version(meta.id, meta.latest_version).await?.ok_or(ServiceError::NotFound("version"))?;
        let plan = workflow::plan(&state_of(meta), Action::Save, actor, org.flow, None)?;
        let now = Utc::now();
        let state = plan.new_version.unwrap_or(VersionState::Draft);
        let version = NewVersion {
            standard_version: latest.standard_version,
            content: latest.content,
            state,
            missing: latest.missing,
            provenance: latest.provenance,
            created_at: now,
            created_by: actor.key.clone(),
        };
        let reason =
            "AI-verordening gewijzigd terwijl de versie op goedkeuring wachtte / AI Act data changed while the version awaited approval";
        let history = NewHistory {
            action: Action::Save,
            version: meta.latest_version + 1,
            actor: actor.key.clone(),
            reason: Some(reason.into()),
            at: now,
        };
        let change = Change::planned(meta.id, meta.latest_version, plan, Some(version), history).expecting(meta.latest_state);
        self.store.apply(&change).await?;
        // The record as this change left it (not read again: what a write after this checks against
        // must be what was made here, not what someone else made of it since).
        Ok(RecordMeta { latest_version: meta.latest_version + 1, latest_state: state, released_by: None, ..meta.clone() })
    }

    /// Saves content written in the live register's format (its organisation API). What that format
    /// cannot hold (withholdings, translations, the adoption of a shared registration, algoreg's extra
    /// fields) is kept from the latest version. `None` when the content is what the latest version has.
    pub async fn save_live(&self, actor: &Principal, id: AlgorithmId, mut content: Content) -> Result<Option<Version>> {
        let meta = self.meta(id).await?;
        let org = self.org_of(&meta).await?;
        workflow::authorize(actor, org.id, org.flow, Action::Save)?;
        if let Some(latest) = self.store.version(id, meta.latest_version).await? {
            algoreg_standard::extensions::keep_reserved(&latest.content, &mut content);
            // Compared after the same filling-in and clean-up a save does, so an identical body changes nothing.
            let mut filled = content.clone();
            if !filled.is_filled("organization") {
                filled.set("organization", org.name.clone());
            }
            filled.set("lang", "nld");
            filled.set("standard_version", StandardVersion::CURRENT.as_str());
            if validate::check(StandardVersion::CURRENT, &filled, Mode::Draft).content == latest.content {
                return Ok(None);
            }
        }
        self.save(actor, id, content, Some(meta.latest_version)).await.map(Some)
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
        let history = NewHistory {
            action,
            version: meta.latest_version,
            actor: actor.key.clone(),
            reason: reason.map(|r| r.trim().to_string()),
            at: Utc::now(),
        };
        let change = Change {
            released_by: (action == Action::Release).then(|| actor.person_key()),
            ..Change::planned(id, meta.latest_version, plan, None, history).expecting(meta.latest_state)
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

/// Walks the current version of every published registration, by key in pages of `page` (each page
/// costs the same, however far along); `f` answers false to stop early.
pub(crate) async fn each_published(
    store: &dyn algoreg_store::Store,
    page: u64,
    mut f: impl FnMut(algoreg_store::PublishedVersion) -> bool,
) -> Result<()> {
    let mut after = None;
    loop {
        let batch = store.published_after(after, page).await?;
        let Some(last) = batch.last() else { return Ok(()) };
        after = Some(last.record);
        let full = batch.len() as u64 == page;
        for v in batch {
            if !f(v) {
                return Ok(());
            }
        }
        if !full {
            return Ok(());
        }
    }
}

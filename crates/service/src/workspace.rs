//! The workspace: what the members of an organisation (and the central operator) see of its records.
//! Every function checks access here, once: handlers only render what it answers.

use crate::error::{Result, ServiceError};
use algoreg_domain::org::{PublicationFlow, Role};
use algoreg_domain::workflow::{Action, Principal};
use algoreg_standard::{AlgorithmId, Content};
use algoreg_store::*;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

pub struct Workspace<'a> {
    pub(crate) store: &'a dyn Store,
}

/// The answer for someone who is neither a member nor the central operator.
pub fn no_access() -> ServiceError {
    ServiceError::forbidden("U heeft geen toegang tot deze organisatie.", "You have no access to this organisation.")
}

/// Members and the central operator see an organisation's workspace.
pub fn may_see(actor: &Principal, org_id: OrgId) -> bool {
    actor.central_operator || actor.is_member(org_id)
}

/// Whether the actor publishes what is released in this organisation: an approver of a four-eyes
/// organisation, the central operator for the others.
pub fn publishes(actor: &Principal, org: &Organisation) -> bool {
    match org.flow {
        PublicationFlow::FourEyes => actor.has(org.id, Role::Approver),
        PublicationFlow::Central => actor.central_operator,
    }
}

/// An organisation's dashboard.
pub struct Dashboard {
    pub org: Organisation,
    pub items: Vec<WorkspaceItem>,
    /// Released records this user may publish.
    pub can_publish: bool,
    /// Open signals (members only; empty for the central operator outside their organisations).
    pub open_signals: Vec<Signal>,
    pub overdue_signals: usize,
    /// (record name, record, days overdue) of evaluations past their date.
    pub overdue_evaluations: Vec<(String, AlgorithmId, i64)>,
    /// Per record: links of its latest version that do not work, by the link checker's last round.
    pub bad_links: HashMap<AlgorithmId, usize>,
    /// Published registrations neither published nor confirmed as current for over a year: (name, record, days).
    pub unconfirmed: Vec<(String, AlgorithmId, i64)>,
    /// Pairs of registrations that are likely the same algorithm registered twice (archived ones aside).
    pub duplicates: Vec<((AlgorithmId, String), (AlgorithmId, String))>,
    /// Withheld fields of the latest versions, by legal ground.
    pub withheld: Vec<(&'static algoreg_standard::extensions::Ground, usize)>,
    /// Per record: translations of its latest version written for an older Dutch text.
    pub stale_translations: HashMap<AlgorithmId, usize>,
    /// Records adopting a shared registration that has a newer version: (record, its name, the update).
    pub shared_updates: Vec<(AlgorithmId, String, crate::register::SharedUpdate)>,
}

/// One record in the editors' view, with everything the page shows.
pub struct EditorView {
    pub org: Organisation,
    pub meta: RecordMeta,
    pub versions: Vec<Version>,
    pub history: Vec<HistoryEntry>,
    /// Display names for the actor keys in the history (`user:ID` → name).
    pub names: HashMap<String, String>,
    /// The links of the latest version with what checking them found.
    pub links: Vec<crate::links::LinkState>,
    /// When the published registration was last confirmed as still current.
    pub confirmed_at: Option<DateTime<Utc>>,
    /// For a registration adopting a shared one: the shared registration's newer version, if any.
    pub shared_update: Option<crate::register::SharedUpdate>,
}

/// Where a new registration starts from.
pub struct NewForm {
    pub templates: Vec<Template>,
    pub records: Vec<WorkspaceItem>,
    /// The content to start with: empty, a template's, or a carried-over copy of a record's latest version.
    pub content: Content,
    pub started_from: Option<String>,
}

/// A shared registration to adopt: the content to start from (the shared part filled in) and its name.
pub struct Adoption {
    pub content: Content,
    pub name: String,
    pub org_code: String,
}

/// A record in an organisation's list, with who changed it last and its own source ID.
pub struct Listed {
    pub item: WorkspaceItem,
    pub last_editor: Option<String>,
    pub source_id: Option<String>,
}

impl Workspace<'_> {
    /// The organisation with this code, for its members and the central operator.
    pub async fn organisation(&self, actor: &Principal, code: &str) -> Result<Organisation> {
        let org = self.store.organisation_by_code(code).await?.ok_or(ServiceError::NotFound("organisation"))?;
        if !may_see(actor, org.id) {
            return Err(no_access());
        }
        Ok(org)
    }

    /// The organisations whose workspace this user sees (all of them for the central operator).
    pub async fn organisations(&self, actor: &Principal) -> Result<Vec<Organisation>> {
        Ok(self.store.organisations().await?.into_iter().filter(|o| may_see(actor, o.id)).collect())
    }

    /// What waits for the central operator: released records of organisations that publish through
    /// the central operator. Empty for everyone else.
    pub async fn central_queue(&self, actor: &Principal) -> Result<Vec<(Organisation, WorkspaceItem)>> {
        if !actor.central_operator {
            return Ok(vec![]);
        }
        let orgs: HashMap<OrgId, Organisation> = self.store.organisations().await?.into_iter().map(|o| (o.id, o)).collect();
        Ok(self
            .store
            .list_released()
            .await?
            .into_iter()
            .filter_map(|(o, item)| orgs.get(&o).filter(|o| o.flow == PublicationFlow::Central).map(|o| (o.clone(), item)))
            .collect())
    }

    async fn meta(&self, actor: &Principal, id: AlgorithmId) -> Result<RecordMeta> {
        let meta = self.store.record(id).await?.ok_or(ServiceError::NotFound("algorithm"))?;
        if !may_see(actor, meta.org_id) {
            return Err(no_access());
        }
        Ok(meta)
    }

    /// A record of this organisation: not found when there is none, forbidden when it belongs to another.
    pub async fn record_in(&self, actor: &Principal, org: &Organisation, id: AlgorithmId) -> Result<RecordMeta> {
        let meta = self.meta(actor, id).await?;
        if meta.org_id != org.id {
            return Err(ServiceError::forbidden(
                "Dit algoritme hoort bij een andere organisatie.",
                "This algorithm belongs to another organisation.",
            ));
        }
        Ok(meta)
    }

    /// One version of a record (any state), for members and the central operator.
    pub async fn version(&self, actor: &Principal, id: AlgorithmId, number: u32) -> Result<Option<Version>> {
        self.meta(actor, id).await?;
        Ok(self.store.version(id, number).await?)
    }

    /// The organisation's records, newest change first.
    pub async fn records(&self, actor: &Principal, org: &Organisation) -> Result<Vec<WorkspaceItem>> {
        if !may_see(actor, org.id) {
            return Err(no_access());
        }
        let mut items = self.store.list_workspace(org.id).await?;
        items.sort_by_key(|i| std::cmp::Reverse(i.updated_at));
        Ok(items)
    }

    /// The organisation's records with who changed each last (create, save, release or retract) and
    /// the source ID of its latest version.
    pub async fn listing(&self, actor: &Principal, org: &Organisation) -> Result<Vec<Listed>> {
        let mut out = vec![];
        for item in self.records(actor, org).await? {
            let history = self.store.history(item.id).await?;
            let last_editor = history
                .iter()
                .rev()
                .find(|h| matches!(h.action, Action::Create | Action::Save | Action::Release | Action::Retract))
                .map(|h| h.actor.clone());
            let latest = self.store.version(item.id, item.number).await?;
            let source_id = latest.as_ref().and_then(|v| v.content.str("source_id").map(String::from));
            out.push(Listed { item, last_editor, source_id });
        }
        Ok(out)
    }

    /// The dashboard of the organisation with this code.
    pub async fn dashboard(&self, actor: &Principal, code: &str, now: DateTime<Utc>) -> Result<Dashboard> {
        let org = self.organisation(actor, code).await?;
        let items = self.store.list_workspace(org.id).await?;
        let open_signals: Vec<Signal> = if actor.is_member(org.id) {
            self.store.signals_of_org(org.id).await?.into_iter().filter(Signal::is_open).collect()
        } else {
            vec![]
        };
        let overdue_signals = open_signals.iter().filter(|s| s.is_overdue(now)).count();
        let today = now.date_naive();
        let overdue_evaluations = self
            .store
            .evaluation_plans(Some(org.id))
            .await?
            .into_iter()
            .filter_map(|(_, pl)| algoreg_domain::feedback::overdue_days(pl.next_due, today).map(|d| (pl.record, d)))
            .map(|(id, d)| (items.iter().find(|i| i.id == id).map(|i| i.name.clone()).unwrap_or_else(|| id.to_string()), id, d))
            .collect();
        let mut bad_links = HashMap::new();
        let mut latest = vec![];
        let mut stale_translations = HashMap::new();
        let mut shared_updates = vec![];
        for item in &items {
            if let Some(v) = self.store.version(item.id, item.number).await? {
                if let Some(u) = crate::register::shared_update_of(self.store, &v.content).await? {
                    shared_updates.push((item.id, item.name.clone(), u));
                }
                let stale = algoreg_standard::extensions::translations(&v.content).iter().filter(|t| t.out_of_date(&v.content)).count();
                if stale > 0 {
                    stale_translations.insert(item.id, stale);
                }
                let bad = crate::links::states(self.store, &v).await?.iter().filter(|s| crate::links::needs_attention(&s.check)).count();
                if bad > 0 {
                    bad_links.insert(item.id, bad);
                }
                latest.push(v.content);
            }
        }
        let withheld = algoreg_standard::extensions::count_by_ground(&latest);
        let public_ids: Vec<AlgorithmId> = items.iter().filter(|i| i.published_version.is_some()).map(|i| i.id).collect();
        let confirmed: HashMap<AlgorithmId, DateTime<Utc>> = self.store.confirmations(&public_ids).await?.into_iter().collect();
        let mut unconfirmed = vec![];
        for v in self.store.published_many(&public_ids).await? {
            let last = algoreg_domain::quality::last_reviewed(v.published_at, confirmed.get(&v.record).copied());
            // The same limit as the supervision view's.
            if last < now - chrono::Duration::days(crate::supervision::STALE_AFTER_DAYS) {
                unconfirmed.push((v.content.name().to_string(), v.record, (now - last).num_days()));
            }
        }
        unconfirmed.sort_by_key(|u| std::cmp::Reverse(u.2));
        let live: Vec<&WorkspaceItem> = items.iter().filter(|i| i.state != algoreg_domain::workflow::VersionState::Archived).collect();
        let names: Vec<(String, String)> = live.iter().map(|i| (i.id.to_string(), i.name.clone())).collect();
        let duplicates = algoreg_domain::quality::likely_duplicates(&names)
            .into_iter()
            .map(|(a, b)| ((live[a].id, live[a].name.clone()), (live[b].id, live[b].name.clone())))
            .collect();
        Ok(Dashboard {
            can_publish: publishes(actor, &org),
            org,
            items,
            open_signals,
            overdue_signals,
            overdue_evaluations,
            bad_links,
            unconfirmed,
            duplicates,
            withheld,
            stale_translations,
            shared_updates,
        })
    }

    /// Where a new registration in this organisation starts: a template, or a copy of one of the
    /// organisation's own records carried over to the current standard.
    pub async fn new_form(
        &self,
        actor: &Principal,
        org: &Organisation,
        template: Option<i64>,
        copy: Option<AlgorithmId>,
    ) -> Result<NewForm> {
        let records = self.records(actor, org).await?;
        let templates = self.store.templates().await?;
        let mut content = Content::new();
        let mut started_from = None;
        if let Some(t) = template.and_then(|id| templates.iter().find(|t| t.id == id)) {
            content = t.content.clone();
            started_from = Some(t.name.clone());
        } else if let Some(item) = copy.and_then(|id| records.iter().find(|i| i.id == id)) {
            if let Some(v) = self.store.version(item.id, item.number).await? {
                content = algoreg_standard::migrate::to_current(v.standard_version, &v.content).content;
                started_from = Some(v.content.name().to_string());
            }
        }
        content.remove("organization");
        Ok(NewForm { templates, records, content, started_from })
    }

    /// A record as its editors see it: every version, the history with names, its organisation.
    pub async fn editor_view(&self, actor: &Principal, id: AlgorithmId) -> Result<EditorView> {
        let meta = self.meta(actor, id).await?;
        let org = self.store.organisation(meta.org_id).await?.ok_or(ServiceError::NotFound("organisation"))?;
        let versions = self.store.versions(id).await?;
        let history = self.store.history(id).await?;
        let mut names = HashMap::new();
        for h in &history {
            if names.contains_key(&h.actor) {
                continue;
            }
            if let Some(uid) = h.actor.strip_prefix("user:").and_then(|n| n.parse::<UserId>().ok()) {
                if let Some(u) = self.store.user(uid).await? {
                    names.insert(h.actor.clone(), u.name);
                }
            }
        }
        let links = match versions.last() {
            Some(v) => crate::links::states(self.store, v).await?,
            None => vec![],
        };
        let confirmed_at = self.store.confirmations(&[id]).await?.into_iter().next().map(|(_, at)| at);
        let shared_update = match versions.last() {
            Some(v) => crate::register::shared_update_of(self.store, &v.content).await?,
            None => None,
        };
        Ok(EditorView { org, meta, versions, history, names, links, confirmed_at, shared_update })
    }

    /// Where adopting a shared registration starts: its current public version with the shared part
    /// filled in and the organisation's own fields as the shared text has them. Anyone may read a public
    /// registration; creating the record checks membership.
    pub async fn adoption(&self, shared: AlgorithmId) -> Result<Adoption> {
        let v = self.store.published(shared).await?.filter(|v| algoreg_standard::extensions::is_shared(&v.content)).ok_or_else(|| {
            ServiceError::bad(
                "adopt",
                "Er is geen openbare gedeelde registratie met dit ID.",
                "There is no public shared registration with this ID.",
            )
        })?;
        let current = algoreg_standard::migrate::to_current(v.standard_version, &v.content).content;
        let content = algoreg_standard::extensions::adopt(&current, shared, v.number, &Content::new());
        Ok(Adoption { content, name: v.content.name().to_string(), org_code: v.org_code })
    }
}

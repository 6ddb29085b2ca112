//! The audit log: who logged in (or failed to), changed a password, gave or took a role, made or revoked
//! a token. Written by the services where it happens; read and exported by an organisation's admin (its
//! own events and its members' logins) and by the central operator (everything).

use crate::error::{Result, ServiceError};
use algoreg_domain::audit::AuditKind;
use algoreg_domain::org::Role;
use algoreg_domain::workflow::Principal;
use algoreg_store::{AuditEvent, AuditQuery, OrgId, Store, UserId};
use chrono::Utc;
use std::collections::HashMap;

/// How many events one page shows.
pub const PAGE: i64 = 200;
/// How many events one export holds at the most (the newest).
pub const EXPORT_MAX: i64 = 50_000;
/// How long events are kept: two years.
pub const KEEP_DAYS: i64 = 730;

/// An event to write: what, where, about whom, and in a few words.
pub struct Note<'a> {
    pub kind: AuditKind,
    pub org: Option<OrgId>,
    pub subject: Option<UserId>,
    pub detail: &'a str,
    pub source: Option<&'a str>,
}

/// Writes an event by `actor` (a principal), or by the person it is about when there is none (a login).
/// A failure to write is logged, never the reason an action fails.
pub(crate) async fn write(store: &dyn Store, actor: Actor<'_>, n: Note<'_>) {
    let (key, name) = match actor {
        Actor::Principal(p) => (p.key.clone(), p.display.clone()),
        Actor::User(id, name) => (format!("user:{id}"), name.to_string()),
        Actor::Anonymous => ("anonymous".to_string(), String::new()),
    };
    let e = AuditEvent {
        id: 0,
        at: Utc::now(),
        kind: n.kind,
        org_id: n.org,
        subject_user: n.subject,
        actor: key,
        actor_name: name.chars().take(200).collect(),
        detail: n.detail.chars().take(300).collect(),
        source: n.source.map(|s| s.chars().take(100).collect()),
    };
    if let Err(err) = store.append_audit(&e).await {
        tracing::error!(error = %err, kind = e.kind.code(), "audit event not written");
    }
}

/// Who did it.
pub enum Actor<'a> {
    Principal(&'a Principal),
    /// A person acting for themselves before a principal exists (logging in, a reset link).
    User(UserId, &'a str),
    Anonymous,
}

/// One event as shown: with the name and e-mail of the person it is about.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Entry {
    #[serde(flatten)]
    pub event: AuditEvent,
    pub subject_name: Option<String>,
    pub subject_email: Option<String>,
}

pub struct Audit<'a> {
    pub(crate) store: &'a dyn Store,
}

impl Audit<'_> {
    /// Events of one organisation (its admin or the operator) or of all (the operator), newest first;
    /// `before` pages on.
    pub async fn events(&self, p: &Principal, org: Option<OrgId>, before: Option<i64>, limit: i64) -> Result<Vec<Entry>> {
        let allowed = match org {
            Some(o) => p.central_operator || p.has(o, Role::OrgAdmin),
            None => p.central_operator,
        };
        if !allowed {
            return Err(ServiceError::forbidden(
                "Alleen de beheerder van de organisatie en de centrale beheerder lezen het logboek.",
                "Only the organisation's admin and the central operator read the audit log.",
            ));
        }
        let events = self.store.audit_events(&AuditQuery { org_id: org, before, limit: limit.clamp(1, EXPORT_MAX) }).await?;
        let mut people: HashMap<UserId, Option<(String, String)>> = HashMap::new();
        let mut out = Vec::with_capacity(events.len());
        for e in events {
            let who = match e.subject_user {
                Some(u) => {
                    if let std::collections::hash_map::Entry::Vacant(slot) = people.entry(u) {
                        slot.insert(self.store.user(u).await?.map(|x| (x.name, x.email)));
                    }
                    people.get(&u).cloned().flatten()
                }
                None => None,
            };
            out.push(Entry { event: e, subject_name: who.as_ref().map(|w| w.0.clone()), subject_email: who.map(|w| w.1) });
        }
        Ok(out)
    }

    /// The events as CSV (UTF-8 with a byte-order mark, a header row), for an export. Cells that a
    /// spreadsheet would run as a formula are defused ([`crate::export::safe_cell`]).
    pub async fn csv(&self, p: &Principal, org: Option<OrgId>) -> Result<Vec<u8>> {
        let entries = self.events(p, org, None, EXPORT_MAX).await?;
        let mut out = b"\xEF\xBB\xBF".to_vec();
        {
            let mut w = csv::Writer::from_writer(&mut out);
            let fail = |e: csv::Error| ServiceError::Internal(format!("csv: {e}"));
            w.write_record(["id", "time", "event", "organisation_id", "person", "email", "actor", "actor_name", "detail", "address"])
                .map_err(fail)?;
            for e in entries {
                let ev = &e.event;
                let cells = [
                    ev.id.to_string(),
                    ev.at.to_rfc3339(),
                    ev.kind.code().to_string(),
                    ev.org_id.map(|o| o.to_string()).unwrap_or_default(),
                    e.subject_name.unwrap_or_default(),
                    e.subject_email.unwrap_or_default(),
                    ev.actor.clone(),
                    ev.actor_name.clone(),
                    ev.detail.clone(),
                    ev.source.clone().unwrap_or_default(),
                ];
                w.write_record(cells.iter().map(|c| crate::export::safe_cell(c).into_owned())).map_err(fail)?;
            }
            w.flush().map_err(|e| ServiceError::Internal(format!("csv: {e}")))?;
        }
        Ok(out)
    }
}

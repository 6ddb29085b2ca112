//! The publication workflow: version states, actions, who may take them, and what each does.
//!
//! A record is a chain of immutable versions. Each action changes the state of one or two versions and
//! may append a new one; the store applies the [`Plan`] and its history entry in one transaction.
//!
//! | action    | from (latest version)        | result |
//! |-----------|------------------------------|--------|
//! | create    | (none)                       | version 1, draft |
//! | save      | draft, released, published   | new draft; an older draft or released version becomes superseded, a published one stays public |
//! | release   | draft                        | released (must be complete) |
//! | publish   | released                     | published; the version published before becomes superseded |
//! | reject    | released                     | draft again, with a reason |
//! | retract   | any, with a published version| the published version leaves the public: draft again if it is the latest, else superseded |
//! | archive   | anything but archived        | latest archived; a published older version superseded |
//! | unarchive | archived                     | draft |

use crate::ids::{OrgId, UserId};
use crate::org::{PublicationFlow, Role};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionState {
    Draft,
    Released,
    Published,
    Superseded,
    Archived,
}

impl VersionState {
    pub const ALL: [VersionState; 5] =
        [VersionState::Draft, VersionState::Released, VersionState::Published, VersionState::Superseded, VersionState::Archived];
    pub fn code(self) -> &'static str {
        match self {
            VersionState::Draft => "draft",
            VersionState::Released => "released",
            VersionState::Published => "published",
            VersionState::Superseded => "superseded",
            VersionState::Archived => "archived",
        }
    }
    pub fn parse(s: &str) -> Option<VersionState> {
        Self::ALL.into_iter().find(|v| v.code() == s)
    }
    pub fn label_nl(self) -> &'static str {
        match self {
            VersionState::Draft => "Concept",
            VersionState::Released => "Vrijgegeven",
            VersionState::Published => "Gepubliceerd",
            VersionState::Superseded => "Vervangen",
            VersionState::Archived => "Gearchiveerd",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Save,
    Release,
    Publish,
    Reject,
    Retract,
    Archive,
    Unarchive,
    /// Taken in from elsewhere (import or harvest) as already published.
    Import,
}

impl Action {
    pub const WORKFLOW: [Action; 7] =
        [Action::Save, Action::Release, Action::Publish, Action::Reject, Action::Retract, Action::Archive, Action::Unarchive];
    pub fn code(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Save => "save",
            Action::Release => "release",
            Action::Publish => "publish",
            Action::Reject => "reject",
            Action::Retract => "retract",
            Action::Archive => "archive",
            Action::Unarchive => "unarchive",
            Action::Import => "import",
        }
    }
    pub fn parse(s: &str) -> Option<Action> {
        [
            Action::Create,
            Action::Save,
            Action::Release,
            Action::Publish,
            Action::Reject,
            Action::Retract,
            Action::Archive,
            Action::Unarchive,
            Action::Import,
        ]
        .into_iter()
        .find(|a| a.code() == s)
    }
    /// Actions that must say why.
    pub fn needs_reason(self) -> bool {
        matches!(self, Action::Reject | Action::Retract)
    }
}

/// Who acts: a logged-in user or an API token, with their roles per organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Stable key for four-eyes checks and history: `user:ID` or `token:ID`.
    pub key: String,
    pub user_id: Option<UserId>,
    pub token_id: Option<i64>,
    /// The person behind a principal that is not an account: for an API token the person who made it,
    /// for an identity provider's access token the account with its e-mail address. Four eyes counts
    /// the two as one.
    pub made_by: Option<UserId>,
    pub display: String,
    pub central_operator: bool,
    /// Reads across every organisation (supervisors and coordinators); changes nothing by it.
    pub supervisor: bool,
    pub roles: Vec<(OrgId, Role)>,
    /// Logged in with a temporary password: no roles count until the password is changed.
    pub must_change_password: bool,
    /// The way in asked a second step (a code from an app, a passkey, a provider that vouches for one).
    pub second_factor: bool,
}

impl Principal {
    pub fn has(&self, org_id: OrgId, role: Role) -> bool {
        self.roles.iter().any(|(o, r)| *o == org_id && *r == role)
    }
    pub fn is_member(&self, org_id: OrgId) -> bool {
        self.roles.iter().any(|(o, _)| *o == org_id)
    }
    /// Who is behind an action, for four eyes: the person who made a token, else the principal itself.
    /// A person who released a version cannot publish it with a token they made, nor the other way round.
    pub fn person_key(&self) -> String {
        match self.made_by {
            Some(u) => format!("user:{u}"),
            None => self.key.clone(),
        }
    }
    /// The system itself (CLI imports, demo data).
    pub fn system() -> Principal {
        Principal {
            key: "system".into(),
            user_id: None,
            token_id: None,
            made_by: None,
            display: "algoreg".into(),
            central_operator: true,
            supervisor: false,
            roles: vec![],
            must_change_password: false,
            second_factor: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("not allowed: {0}")]
    Forbidden(&'static str),
    #[error("action {action:?} is not possible when the latest version is {from:?}")]
    InvalidTransition { action: Action, from: Option<VersionState> },
    #[error("four eyes: the person who released cannot also publish")]
    FourEyes,
    #[error("a reason is required")]
    ReasonRequired,
}

impl WorkflowError {
    pub fn message_nl(&self) -> String {
        match self {
            WorkflowError::Forbidden(why) => format!("Niet toegestaan: {}", forbidden_nl(why)),
            WorkflowError::InvalidTransition { action, from } => format!(
                "De actie '{}' kan niet wanneer de laatste versie {} is.",
                action.code(),
                from.map(|s| s.label_nl().to_lowercase()).unwrap_or_else(|| "afwezig".into())
            ),
            WorkflowError::FourEyes => "Vier ogen: wie vrijgaf, mag niet ook publiceren.".into(),
            WorkflowError::ReasonRequired => "Geef een reden op.".into(),
        }
    }
}

fn forbidden_nl(why: &str) -> &'static str {
    match why {
        "not a member of this organisation" => "u bent geen lid van deze organisatie",
        "role does not allow this action in this publication flow" => "uw rol staat deze actie niet toe in deze publicatiestroom",
        _ => "onvoldoende rechten",
    }
}

/// Whether `p` may take `action` on a record of organisation `org_id` whose flow is `flow`.
pub fn authorize(p: &Principal, org_id: OrgId, flow: PublicationFlow, action: Action) -> Result<(), WorkflowError> {
    use Action::*;
    if action == Import {
        return if p.central_operator {
            Ok(())
        } else {
            Err(WorkflowError::Forbidden("role does not allow this action in this publication flow"))
        };
    }
    if p.central_operator {
        let ok = match flow {
            PublicationFlow::Central => true,
            PublicationFlow::FourEyes => matches!(action, Retract | Archive | Unarchive),
        };
        if ok {
            return Ok(());
        }
    }
    if !p.is_member(org_id) {
        return Err(WorkflowError::Forbidden("not a member of this organisation"));
    }
    let editor = p.has(org_id, Role::Editor);
    let approver = p.has(org_id, Role::Approver);
    let admin = p.has(org_id, Role::OrgAdmin);
    let ok = match (flow, action) {
        (_, Create | Save | Release) => editor || approver || admin,
        (PublicationFlow::Central, Publish | Reject) => false,
        (PublicationFlow::Central, Retract | Archive | Unarchive) => admin,
        (PublicationFlow::FourEyes, Publish | Reject) => approver,
        (PublicationFlow::FourEyes, Retract | Archive | Unarchive) => approver || admin,
        (_, Import) => false,
    };
    if ok {
        Ok(())
    } else {
        Err(WorkflowError::Forbidden("role does not allow this action in this publication flow"))
    }
}

/// What a record looks like before an action.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordState {
    /// Number and state of the latest version.
    pub latest: Option<(u32, VersionState)>,
    /// Number of the version that is public now.
    pub published: Option<u32>,
    /// Who released the latest version, as [`Principal::person_key`] (for four eyes).
    pub released_by: Option<String>,
}

/// What an action does; applied by the store in one transaction with the history entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// A new version is appended, in this state (save and create).
    pub new_version: Option<VersionState>,
    /// State changes of existing versions.
    pub changes: Vec<(u32, VersionState)>,
    /// This version becomes the public one (its publication time is set).
    pub publishes: Option<u32>,
    /// The record has no public version afterwards.
    pub unpublishes: bool,
    /// This version is taken out of the public (a retraction): it never shows in the public history
    /// again, also not after a later version is published (unless it is itself published again).
    pub withdraws: Option<u32>,
}

/// Plans `action`; checks the transition and four eyes, not the roles (see [`authorize`]).
pub fn plan(
    state: &RecordState,
    action: Action,
    actor: &Principal,
    flow: PublicationFlow,
    reason: Option<&str>,
) -> Result<Plan, WorkflowError> {
    use VersionState::*;
    if action.needs_reason() && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(WorkflowError::ReasonRequired);
    }
    let invalid = || WorkflowError::InvalidTransition { action, from: state.latest.map(|l| l.1) };
    let mut plan = Plan::default();
    match (action, state.latest) {
        (Action::Create, None) => plan.new_version = Some(Draft),
        (Action::Import, _) => {
            let next = state.latest.map_or(1, |(n, _)| n + 1);
            plan.new_version = Some(Published);
            if let Some(p) = state.published {
                plan.changes.push((p, Superseded));
            }
            if let Some((n, s)) = state.latest {
                if matches!(s, Draft | Released) {
                    plan.changes.push((n, Superseded));
                }
            }
            plan.publishes = Some(next);
        }
        (Action::Save, Some((n, s))) => match s {
            Draft | Released => {
                plan.new_version = Some(Draft);
                plan.changes.push((n, Superseded));
            }
            Published | Superseded => plan.new_version = Some(Draft),
            Archived => return Err(invalid()),
        },
        (Action::Release, Some((n, Draft))) => plan.changes.push((n, Released)),
        (Action::Publish, Some((n, Released))) => {
            if flow == PublicationFlow::FourEyes && state.released_by.as_deref() == Some(actor.person_key().as_str()) {
                return Err(WorkflowError::FourEyes);
            }
            if let Some(p) = state.published {
                plan.changes.push((p, Superseded));
            }
            plan.changes.push((n, Published));
            plan.publishes = Some(n);
        }
        (Action::Reject, Some((n, Released))) => plan.changes.push((n, Draft)),
        (Action::Retract, Some((n, _))) => {
            let Some(p) = state.published else { return Err(invalid()) };
            plan.changes.push((p, if p == n { Draft } else { Superseded }));
            plan.unpublishes = true;
            plan.withdraws = Some(p);
        }
        (Action::Archive, Some((n, s))) if s != Archived => {
            if let Some(p) = state.published.filter(|p| *p != n) {
                plan.changes.push((p, Superseded));
            }
            plan.changes.push((n, Archived));
            plan.unpublishes = state.published.is_some();
        }
        (Action::Unarchive, Some((n, Archived))) => plan.changes.push((n, Draft)),
        _ => return Err(invalid()),
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn user(id: i64, roles: &[(i64, Role)]) -> Principal {
        Principal {
            key: format!("user:{id}"),
            user_id: Some(UserId(id)),
            token_id: None,
            made_by: None,
            display: String::new(),
            central_operator: false,
            supervisor: false,
            roles: roles.iter().map(|(o, r)| (OrgId(*o), *r)).collect(),
            must_change_password: false,
            second_factor: false,
        }
    }

    #[test]
    fn central_flow_roles() {
        let ed = user(1, &[(7, Role::Editor)]);
        assert!(authorize(&ed, OrgId(7), PublicationFlow::Central, Action::Release).is_ok());
        assert!(authorize(&ed, OrgId(7), PublicationFlow::Central, Action::Publish).is_err());
        assert!(authorize(&ed, OrgId(8), PublicationFlow::Central, Action::Save).is_err());
        let mut op = user(2, &[]);
        op.central_operator = true;
        assert!(authorize(&op, OrgId(7), PublicationFlow::Central, Action::Publish).is_ok());
        assert!(authorize(&op, OrgId(7), PublicationFlow::FourEyes, Action::Publish).is_err());
    }

    #[test]
    fn four_eyes() {
        let ap = user(3, &[(7, Role::Approver)]);
        let st = RecordState { latest: Some((1, VersionState::Released)), published: None, released_by: Some("user:3".into()) };
        assert_eq!(plan(&st, Action::Publish, &ap, PublicationFlow::FourEyes, None), Err(WorkflowError::FourEyes));
        let other = user(4, &[(7, Role::Approver)]);
        let p = plan(&st, Action::Publish, &other, PublicationFlow::FourEyes, None).unwrap();
        assert_eq!(p.publishes, Some(1));
        // A token counts as the person who made it: user 3's approver token is still user 3.
        let mut token = user(9, &[(7, Role::Approver)]);
        (token.key, token.user_id, token.token_id, token.made_by) = ("token:9".into(), None, Some(9), Some(UserId(3)));
        assert_eq!(plan(&st, Action::Publish, &token, PublicationFlow::FourEyes, None), Err(WorkflowError::FourEyes));
        token.made_by = Some(UserId(4));
        assert!(plan(&st, Action::Publish, &token, PublicationFlow::FourEyes, None).is_ok());
        // And what a token released counts as released by its maker.
        assert_eq!(token.person_key(), "user:4");
        token.made_by = None;
        assert_eq!(token.person_key(), "token:9");
    }

    #[test]
    fn reasons_required() {
        let st = RecordState { latest: Some((1, VersionState::Released)), ..Default::default() };
        assert_eq!(
            plan(&st, Action::Reject, &Principal::system(), PublicationFlow::Central, Some("  ")),
            Err(WorkflowError::ReasonRequired)
        );
    }

    proptest! {
        /// Random action sequences keep the invariants: at most one published version, and
        /// `published` always points at a version in state published.
        #[test]
        fn invariants_hold(actions in proptest::collection::vec(0usize..8, 0..40)) {
            let all = [Action::Create, Action::Save, Action::Release, Action::Publish, Action::Reject, Action::Retract, Action::Archive, Action::Unarchive];
            let mut states: Vec<VersionState> = vec![];
            let mut st = RecordState::default();
            let sys = Principal::system();
            for a in actions {
                let action = all[a];
                let Ok(p) = plan(&st, action, &sys, PublicationFlow::Central, Some("reden")) else { continue };
                for (n, s) in &p.changes { states[*n as usize - 1] = *s; }
                if let Some(s) = p.new_version { states.push(s); }
                if p.unpublishes { st.published = None; }
                if let Some(n) = p.publishes { st.published = Some(n); }
                st.latest = Some((states.len() as u32, *states.last().unwrap()));
                let published: Vec<usize> = states.iter().enumerate().filter(|(_, s)| **s == VersionState::Published).map(|(i, _)| i + 1).collect();
                prop_assert!(published.len() <= 1);
                prop_assert_eq!(published.first().map(|n| *n as u32), st.published);
            }
        }
    }
}

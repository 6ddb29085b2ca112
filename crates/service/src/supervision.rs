//! The supervision view: what supervisors and coordinators see across every organisation, read-only.
//! Open and overdue signals by organisation and theme, open incidents with their reporting deadlines,
//! overdue evaluations, high-risk systems with AI Act requirements not yet dealt with, organisations
//! that publish nothing, and registrations not looked at for over a year. Only supervisors and the
//! central operator may read it; it changes nothing.

use crate::error::{Result, ServiceError};
use crate::App;
use algoreg_domain::feedback::{IncidentClass, IncidentStatus};
use algoreg_domain::workflow::Principal;
use algoreg_domain::{OrgId, OrgType};
use algoreg_standard::AlgorithmId;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// A registration counts as not looked at when its public version is older than this.
pub const STALE_AFTER_DAYS: i64 = algoreg_domain::quality::REVIEW_AFTER_DAYS;

/// Registrations read per page.
const PAGE: u64 = 1000;

/// Which organisations the view covers: every one, one type, or one organisation (by code).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub org_type: Option<OrgType>,
    pub org: Option<String>,
}

impl Filter {
    /// Parses the query's `org_type` and `org` (an organisation code), naming the field that is wrong.
    pub fn parse(org_type: Option<&str>, org: Option<&str>) -> Result<Filter> {
        let org_type = match org_type.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(
                OrgType::parse(s)
                    .ok_or_else(|| ServiceError::bad("org_type", "Onbekend soort organisatie.", "Unknown type of organisation."))?,
            ),
        };
        let org = org.map(str::trim).filter(|s| !s.is_empty()).map(String::from);
        if org.as_ref().is_some_and(|o| o.len() > 100) {
            return Err(ServiceError::bad(
                "org",
                "Een organisatiecode is hoogstens 100 tekens.",
                "An organisation code has at most 100 characters.",
            ));
        }
        Ok(Filter { org_type, org })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct OrgRef {
    pub code: String,
    pub name: String,
    pub org_type: OrgType,
}

/// Signals of one organisation about registrations of one theme.
#[derive(Debug, Clone, Serialize)]
pub struct SignalRow {
    pub org: OrgRef,
    /// The registration's theme; empty when it has none.
    pub theme: String,
    pub open: u64,
    pub overdue: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct IncidentRow {
    pub id: i64,
    pub org: OrgRef,
    pub record: AlgorithmId,
    pub class: IncidentClass,
    /// Shown only for an incident its organisation made public (a title may name people).
    pub title: Option<String>,
    pub status: IncidentStatus,
    pub deadline_at: Option<DateTime<Utc>>,
    /// Past its reporting deadline and neither reported nor closed.
    pub overdue: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvaluationRow {
    pub org: OrgRef,
    pub record: AlgorithmId,
    /// The registration's public name; none when it is not published (then only its ID is shown).
    pub name: Option<String>,
    pub due: NaiveDate,
    pub days_overdue: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct HighRiskRow {
    pub org: OrgRef,
    pub record: AlgorithmId,
    pub name: String,
    /// The conclusion of its public AI Act check; none when it has no check.
    pub conclusion: Option<String>,
    /// Requirements that apply, and those not yet dealt with (met or argued not to apply).
    pub requirements: u64,
    pub open: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct StaleRow {
    pub org: OrgRef,
    pub record: AlgorithmId,
    pub name: String,
    /// The later of its publication and its last confirmation as still current.
    pub last_reviewed_at: DateTime<Utc>,
    pub days: i64,
}

/// Fields withheld on one legal ground in one organisation's published registrations.
#[derive(Debug, Clone, Serialize)]
pub struct WithheldRow {
    pub org: OrgRef,
    /// The ground's code (`algoreg_standard::extensions::GROUNDS`).
    pub ground: &'static str,
    /// Its short citation, e.g. "Woo 5.1 lid 2 c".
    pub cite: &'static str,
    pub fields: u64,
    pub registrations: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Supervision {
    pub generated_at: DateTime<Utc>,
    pub signals: Vec<SignalRow>,
    pub incidents: Vec<IncidentRow>,
    pub evaluations: Vec<EvaluationRow>,
    pub high_risk: Vec<HighRiskRow>,
    pub not_publishing: Vec<OrgRef>,
    pub stale: Vec<StaleRow>,
    /// Withheld fields by organisation and ground.
    pub withheld: Vec<WithheldRow>,
}

/// Whether the caller may read the supervision view.
pub fn may_supervise(p: &Principal) -> bool {
    (p.supervisor || p.central_operator) && !p.must_change_password
}

struct Published {
    org: OrgId,
    name: String,
    themes: Vec<String>,
    high_risk: bool,
    published_at: DateTime<Utc>,
}

impl App {
    /// The supervision view for `filter` at `now`; supervisors and the central operator only.
    pub async fn supervision(&self, p: &Principal, filter: &Filter, now: DateTime<Utc>) -> Result<Supervision> {
        if !may_supervise(p) {
            return Err(ServiceError::forbidden(
                "Alleen toezichthouders en coördinatoren zien dit overzicht.",
                "Only supervisors and coordinators see this overview.",
            ));
        }
        let orgs: Vec<_> = self
            .store
            .organisations()
            .await?
            .into_iter()
            .filter(|o| filter.org_type.is_none_or(|t| o.org_type == t))
            .filter(|o| filter.org.as_ref().is_none_or(|c| o.code == *c))
            .collect();
        if filter.org.is_some() && orgs.is_empty() {
            return Err(ServiceError::bad(
                "org",
                "Geen organisatie met deze code (van deze soort).",
                "No organisation with this code (of this type).",
            ));
        }
        let refs: HashMap<OrgId, OrgRef> =
            orgs.iter().map(|o| (o.id, OrgRef { code: o.code.clone(), name: o.name.clone(), org_type: o.org_type })).collect();
        let by_code: HashMap<&str, OrgId> = orgs.iter().map(|o| (o.code.as_str(), o.id)).collect();

        // The published registrations of the organisations in view.
        let mut published: HashMap<AlgorithmId, Published> = HashMap::new();
        let mut withheld: BTreeMap<(String, &'static str), WithheldRow> = BTreeMap::new();
        crate::register::each_published(&*self.store, PAGE, |v| {
            let Some(&org) = by_code.get(v.org_code.as_str()) else { return true };
            let themes = match v.content.get("category") {
                Some(serde_json::Value::Array(a)) => a.iter().filter_map(|t| t.as_str().map(String::from)).collect(),
                Some(serde_json::Value::String(s)) if !s.is_empty() => vec![s.clone()],
                _ => vec![],
            };
            for (g, n) in algoreg_standard::extensions::count_by_ground([&v.content]) {
                let row = withheld.entry((v.org_code.clone(), g.code)).or_insert_with(|| WithheldRow {
                    org: refs[&org].clone(),
                    ground: g.code,
                    cite: g.cite,
                    fields: 0,
                    registrations: 0,
                });
                row.fields += n as u64;
                row.registrations += 1;
            }
            published.insert(
                v.record,
                Published {
                    org,
                    name: v.content.name().to_string(),
                    themes,
                    high_risk: v.content.str("publication_category") == Some(algoreg_domain::statistics::HIGH_RISK),
                    published_at: v.published_at,
                },
            );
            true
        })
        .await?;

        let mut signals: BTreeMap<(String, String, String), SignalRow> = BTreeMap::new();
        let mut incidents = vec![];
        for o in &orgs {
            for s in self.store.signals_of_org(o.id).await?.into_iter().filter(|s| s.is_open()) {
                let mut themes =
                    published.get(&s.record).map(|r| r.themes.clone()).filter(|t| !t.is_empty()).unwrap_or_else(|| vec![String::new()]);
                themes.sort();
                themes.dedup();
                for theme in themes {
                    let row = signals.entry((o.name.clone(), o.code.clone(), theme.clone())).or_insert_with(|| SignalRow {
                        org: refs[&o.id].clone(),
                        theme,
                        open: 0,
                        overdue: 0,
                    });
                    row.open += 1;
                    if s.is_overdue(now) {
                        row.overdue += 1;
                    }
                }
            }
            // The deployer's incidents only: the store also gives those where this organisation is the provider.
            for i in self
                .store
                .incidents_of_org(o.id)
                .await?
                .into_iter()
                .filter(|i| i.deployer_org_id == o.id && i.status != IncidentStatus::Closed)
            {
                let overdue = i.deadline_at.is_some_and(|d| d < now) && !i.status.reported_or_closed();
                incidents.push(IncidentRow {
                    id: i.id,
                    org: refs[&o.id].clone(),
                    record: i.record,
                    class: i.class,
                    // The title may name people: only a public incident's title is shown.
                    title: if i.public { Some(i.title) } else { None },
                    status: i.status,
                    deadline_at: i.deadline_at,
                    overdue,
                });
            }
        }
        // Overdue first, then by deadline (those without one last).
        incidents.sort_by(|a, b| {
            b.overdue
                .cmp(&a.overdue)
                .then(a.deadline_at.is_none().cmp(&b.deadline_at.is_none()))
                .then(a.deadline_at.cmp(&b.deadline_at))
                .then(a.id.cmp(&b.id))
        });

        let today = now.date_naive();
        let mut evaluations: Vec<EvaluationRow> = vec![];
        for (org, plan) in self.store.evaluation_plans(None).await? {
            let Some(r) = refs.get(&org) else { continue };
            if let Some(days) = algoreg_domain::feedback::overdue_days(plan.next_due, today) {
                let name = published.get(&plan.record).map(|p| p.name.clone());
                evaluations.push(EvaluationRow { org: r.clone(), record: plan.record, name, due: plan.next_due, days_overdue: days });
            }
        }
        evaluations.sort_by_key(|e| std::cmp::Reverse(e.days_overdue));

        // High-risk: a public AI Act check with requirements not yet dealt with, or the high-risk
        // publication category without any check.
        let mut high_risk = vec![];
        let mut checked = std::collections::HashSet::new();
        for id in self.store.classified_records().await? {
            let Some(p) = published.get(&id) else { continue };
            let Some(c) = self.public_classification(id).await? else { continue };
            checked.insert(id);
            let overview = self.compliance_overview(&c, true).await?;
            let open = overview.iter().filter(|(_, e)| !e.status.is_dealt_with()).count() as u64;
            if open > 0 {
                high_risk.push(HighRiskRow {
                    org: refs[&p.org].clone(),
                    record: id,
                    name: p.name.clone(),
                    conclusion: Some(c.conclusion.clone()),
                    requirements: overview.len() as u64,
                    open,
                });
            }
        }
        for (id, p) in &published {
            if p.high_risk && !checked.contains(id) {
                high_risk.push(HighRiskRow {
                    org: refs[&p.org].clone(),
                    record: *id,
                    name: p.name.clone(),
                    conclusion: None,
                    requirements: 0,
                    open: 0,
                });
            }
        }
        high_risk.sort_by(|a, b| b.open.cmp(&a.open).then(a.org.name.cmp(&b.org.name)).then(a.record.cmp(&b.record)));

        let publishing: std::collections::HashSet<OrgId> = published.values().map(|p| p.org).collect();
        let mut not_publishing: Vec<OrgRef> = orgs.iter().filter(|o| !publishing.contains(&o.id)).map(|o| refs[&o.id].clone()).collect();
        not_publishing.sort_by(|a, b| a.org_type.code().cmp(b.org_type.code()).then(a.name.cmp(&b.name)));

        // Not looked at for a year: neither published nor confirmed as current since.
        let limit = now - Duration::days(STALE_AFTER_DAYS);
        let old: Vec<AlgorithmId> = published.iter().filter(|(_, p)| p.published_at < limit).map(|(id, _)| *id).collect();
        let confirmed: HashMap<AlgorithmId, DateTime<Utc>> = self.store.confirmations(&old).await?.into_iter().collect();
        let mut stale: Vec<StaleRow> = old
            .iter()
            .filter_map(|id| {
                let p = &published[id];
                let last = algoreg_domain::quality::last_reviewed(p.published_at, confirmed.get(id).copied());
                (last < limit).then(|| StaleRow {
                    org: refs[&p.org].clone(),
                    record: *id,
                    name: p.name.clone(),
                    last_reviewed_at: last,
                    days: (now - last).num_days(),
                })
            })
            .collect();
        stale.sort_by(|a, b| b.days.cmp(&a.days).then(a.record.cmp(&b.record)));

        Ok(Supervision {
            generated_at: now,
            signals: signals.into_values().collect(),
            incidents,
            evaluations,
            high_risk,
            not_publishing,
            stale,
            withheld: withheld.into_values().collect(),
        })
    }
}

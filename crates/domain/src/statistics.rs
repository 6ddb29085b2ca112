//! The coverage figures of the public overview (`/nl/overzicht`, `/api/v1/statistics`): who publishes
//! and who does not, per organisation type; what was published per month; publication categories and
//! AI Act conclusions; completeness and answers to signals per organisation. Pure: the service reads
//! the facts from the store and this module counts. docs/COORDINATION.md says how each figure is made.

use crate::feedback::{response_figures, ResponseFigures, SignalTimes};
use crate::org::OrgType;
use crate::OrgId;
use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// An organisation as the figures need it.
#[derive(Debug, Clone)]
pub struct OrgFacts {
    pub id: OrgId,
    pub code: String,
    pub name: String,
    pub org_type: OrgType,
    /// The code of the ministry it belongs to (from the government's organisation register).
    pub ministry: Option<String>,
}

/// A published registration as the figures need it.
#[derive(Debug, Clone)]
pub struct RecordFacts {
    pub org: OrgId,
    /// When it first became public.
    pub first_published: DateTime<Utc>,
    /// Its publication category (`Hoog-risico AI-systeem`, `Impactvolle algoritmes`, …), if given.
    pub category: Option<String>,
    /// The required fields of its standard version, and how many of them are filled.
    pub required: u32,
    pub filled: u32,
    /// The conclusion of its public AI Act classification, if it has one.
    pub ai_act: Option<String>,
}

/// The organisation types in the order the overview shows them: those the coverage question is about
/// first (municipalities, provinces, water boards, …), then the others as they come in [`OrgType::ALL`].
pub const TYPE_ORDER: &[OrgType] = &[
    OrgType::Gemeente,
    OrgType::Provincie,
    OrgType::Waterschap,
    OrgType::Veiligheidsregio,
    OrgType::Omgevingsdienst,
    OrgType::Ministerie,
    OrgType::Agentschap,
    OrgType::ZelfstandigBestuursorgaan,
    OrgType::Inspectie,
];

/// Months shown at most in the per-month figures (older publications count in the first month shown).
pub const MAX_MONTHS: usize = 120;

/// The publication category that marks a high-risk AI system.
pub const HIGH_RISK: &str = "Hoog-risico AI-systeem";

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Statistics {
    pub generated_at: DateTime<Utc>,
    pub totals: Totals,
    pub coverage: Vec<CoverageRow>,
    pub months: Vec<MonthRow>,
    pub categories: Vec<CountRow>,
    pub ai_act: Vec<CountRow>,
    pub organisations: Vec<OrgRow>,
    pub ministries: Vec<MinistryRow>,
}

/// A ministry with the organisations that belong to it (agencies, independent bodies, ...): how many
/// there are, how many of them publish (the ministry itself counted in both), and their registrations.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MinistryRow {
    pub code: String,
    pub name: String,
    pub organisations: u64,
    pub publishing: u64,
    pub published: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Totals {
    pub organisations: u64,
    /// Organisations with at least one published registration.
    pub publishing: u64,
    pub published: u64,
    pub high_risk: u64,
    /// Published registrations with a public AI Act classification.
    pub classified: u64,
    /// The mean completeness of all published registrations (0–1); none without any.
    pub completeness: Option<f64>,
    pub signals: ResponseFigures,
}

/// One organisation type: how many organisations of it the register knows and how many publish.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CoverageRow {
    pub org_type: OrgType,
    pub organisations: u64,
    pub publishing: u64,
    pub published: u64,
}

impl CoverageRow {
    /// The share (0–1) of organisations of this type that publish.
    pub fn share(&self) -> f64 {
        if self.organisations == 0 {
            0.0
        } else {
            self.publishing as f64 / self.organisations as f64
        }
    }
}

/// One calendar month (`2024-03`): registrations first published in it, and organisations whose first
/// registration was published in it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MonthRow {
    pub month: String,
    pub published: u64,
    pub joined: u64,
}

/// A value (a category, a conclusion) and the published registrations that have it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CountRow {
    pub value: String,
    pub records: u64,
}

/// One organisation that publishes, or has signals.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OrgRow {
    pub code: String,
    pub name: String,
    pub org_type: OrgType,
    pub published: u64,
    pub high_risk: u64,
    /// The mean completeness of its published registrations (0–1).
    pub completeness: Option<f64>,
    pub signals: ResponseFigures,
}

fn month_of(t: DateTime<Utc>) -> (i32, u32) {
    (t.year(), t.month())
}

fn month_code((y, m): (i32, u32)) -> String {
    format!("{y:04}-{m:02}")
}

fn next_month((y, m): (i32, u32)) -> (i32, u32) {
    if m == 12 {
        (y + 1, 1)
    } else {
        (y, m + 1)
    }
}

fn prev_month((y, m): (i32, u32)) -> (i32, u32) {
    if m == 1 {
        (y - 1, 12)
    } else {
        (y, m - 1)
    }
}

fn mean(sum: f64, n: u64) -> Option<f64> {
    (n > 0).then(|| sum / n as f64)
}

/// Counts the figures. `signals` holds the signal times per organisation; `now` decides which signals
/// are overdue and the last month shown. Linear in the input (plus sorting the per-organisation rows).
pub fn compute(orgs: &[OrgFacts], records: &[RecordFacts], signals: &HashMap<OrgId, Vec<SignalTimes>>, now: DateTime<Utc>) -> Statistics {
    #[derive(Default)]
    struct PerOrg {
        published: u64,
        high_risk: u64,
        filled_sum: f64,
        first: Option<DateTime<Utc>>,
    }
    let mut per_org: HashMap<OrgId, PerOrg> = HashMap::new();
    let mut categories: BTreeMap<String, u64> = BTreeMap::new();
    let mut ai_act: BTreeMap<String, u64> = BTreeMap::new();
    let mut per_month: BTreeMap<(i32, u32), (u64, u64)> = BTreeMap::new();
    let mut filled_sum = 0.0;
    let mut high_risk = 0;
    for r in records {
        let o = per_org.entry(r.org).or_default();
        o.published += 1;
        let share = if r.required == 0 { 1.0 } else { f64::from(r.filled.min(r.required)) / f64::from(r.required) };
        o.filled_sum += share;
        filled_sum += share;
        o.first = Some(o.first.map_or(r.first_published, |f| f.min(r.first_published)));
        if r.category.as_deref() == Some(HIGH_RISK) {
            o.high_risk += 1;
            high_risk += 1;
        }
        if let Some(c) = r.category.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            *categories.entry(c.to_string()).or_default() += 1;
        }
        if let Some(c) = &r.ai_act {
            *ai_act.entry(c.clone()).or_default() += 1;
        }
        per_month.entry(month_of(r.first_published)).or_default().0 += 1;
    }
    for o in per_org.values() {
        if let Some(f) = o.first {
            per_month.entry(month_of(f)).or_default().1 += 1;
        }
    }
    // Every month from the first publication to this one, at most MAX_MONTHS: older publications count
    // in the first month shown, and any dated after this month (a harvested register's clock) in this one.
    let mut months = vec![];
    if let Some((&first, _)) = per_month.iter().next() {
        let last = month_of(now);
        let mut start = last;
        for _ in 1..MAX_MONTHS {
            if start <= first {
                break;
            }
            start = prev_month(start);
        }
        let start = start.max(first).min(last);
        let mut m = start;
        loop {
            let (mut published, mut joined) = if m == start {
                per_month.range(..=m).fold((0, 0), |(p, j), (_, (a, b))| (p + a, j + b))
            } else {
                per_month.get(&m).copied().unwrap_or_default()
            };
            if m == last {
                for (_, (p, j)) in per_month.range((std::ops::Bound::Excluded(m), std::ops::Bound::Unbounded)) {
                    published += p;
                    joined += j;
                }
            }
            months.push(MonthRow { month: month_code(m), published, joined });
            if m >= last {
                break;
            }
            m = next_month(m);
        }
    }

    let mut coverage: BTreeMap<usize, CoverageRow> = BTreeMap::new();
    let mut rows = vec![];
    let mut all_signals: Vec<SignalTimes> = vec![];
    for org in orgs {
        let rank = TYPE_ORDER
            .iter()
            .position(|t| *t == org.org_type)
            .unwrap_or_else(|| TYPE_ORDER.len() + OrgType::ALL.iter().position(|t| *t == org.org_type).unwrap_or(0));
        let row = coverage.entry(rank).or_insert(CoverageRow { org_type: org.org_type, organisations: 0, publishing: 0, published: 0 });
        row.organisations += 1;
        let mine = per_org.get(&org.id);
        let sig = signals.get(&org.id).map(Vec::as_slice).unwrap_or(&[]);
        all_signals.extend_from_slice(sig);
        if let Some(o) = mine {
            row.publishing += 1;
            row.published += o.published;
        }
        if mine.is_some() || !sig.is_empty() {
            let published = mine.map_or(0, |o| o.published);
            rows.push(OrgRow {
                code: org.code.clone(),
                name: org.name.clone(),
                org_type: org.org_type,
                published,
                high_risk: mine.map_or(0, |o| o.high_risk),
                completeness: mine.and_then(|o| mean(o.filled_sum, o.published)),
                signals: response_figures(sig, now),
            });
        }
    }
    rows.sort_by(|a, b| b.published.cmp(&a.published).then_with(|| a.name.cmp(&b.name)));
    // Per ministry: itself and the organisations that name it as their ministry.
    let mut ministries: Vec<MinistryRow> = orgs
        .iter()
        .filter(|o| o.org_type == OrgType::Ministerie)
        .map(|m| MinistryRow { code: m.code.clone(), name: m.name.clone(), organisations: 0, publishing: 0, published: 0 })
        .collect();
    let index: HashMap<String, usize> = ministries.iter().enumerate().map(|(i, m)| (m.code.clone(), i)).collect();
    for org in orgs {
        let of = if org.org_type == OrgType::Ministerie { Some(&org.code) } else { org.ministry.as_ref() };
        if let Some(&i) = of.and_then(|c| index.get(c)) {
            let row = &mut ministries[i];
            row.organisations += 1;
            if let Some(o) = per_org.get(&org.id) {
                row.publishing += 1;
                row.published += o.published;
            }
        }
    }
    ministries.sort_by(|a, b| a.name.cmp(&b.name));
    let count_rows = |m: BTreeMap<String, u64>| {
        let mut v: Vec<CountRow> = m.into_iter().map(|(value, records)| CountRow { value, records }).collect();
        v.sort_by(|a, b| b.records.cmp(&a.records).then_with(|| a.value.cmp(&b.value)));
        v
    };
    let totals = Totals {
        organisations: orgs.len() as u64,
        publishing: coverage.values().map(|r| r.publishing).sum(),
        published: records.len() as u64,
        high_risk,
        classified: ai_act.values().sum(),
        completeness: mean(filled_sum, records.len() as u64),
        signals: response_figures(&all_signals, now),
    };
    Statistics {
        generated_at: now,
        totals,
        coverage: coverage.into_values().collect(),
        months,
        categories: count_rows(categories),
        ai_act: count_rows(ai_act),
        organisations: rows,
        ministries,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn org(id: i64, t: OrgType) -> OrgFacts {
        OrgFacts { id: OrgId(id), code: format!("o{id}"), name: format!("Org {id}"), org_type: t, ministry: None }
    }
    fn rec(org: i64, y: i32, m: u32, category: Option<&str>, filled: u32) -> RecordFacts {
        RecordFacts {
            org: OrgId(org),
            first_published: Utc.with_ymd_and_hms(y, m, 10, 12, 0, 0).unwrap(),
            category: category.map(String::from),
            required: 4,
            filled,
            ai_act: None,
        }
    }

    #[test]
    fn coverage_months_and_completeness_are_counted() {
        let orgs = vec![org(1, OrgType::Gemeente), org(2, OrgType::Gemeente), org(3, OrgType::Provincie), org(4, OrgType::Overig)];
        let mut records =
            vec![rec(1, 2024, 1, Some(HIGH_RISK), 4), rec(1, 2024, 3, None, 2), rec(3, 2024, 3, Some("Overige algoritmes"), 4)];
        records[1].ai_act = Some("Hoog-risico".into());
        let now = Utc.with_ymd_and_hms(2024, 4, 1, 0, 0, 0).unwrap();
        let s = compute(&orgs, &records, &HashMap::new(), now);
        let cov: Vec<_> = s.coverage.iter().map(|r| (r.org_type, r.organisations, r.publishing, r.published)).collect();
        assert_eq!(cov, vec![(OrgType::Gemeente, 2, 1, 2), (OrgType::Provincie, 1, 1, 1), (OrgType::Overig, 1, 0, 0)]);
        let months: Vec<_> = s.months.iter().map(|m| (m.month.as_str(), m.published, m.joined)).collect();
        assert_eq!(months, vec![("2024-01", 1, 1), ("2024-02", 0, 0), ("2024-03", 2, 1), ("2024-04", 0, 0)]);
        assert_eq!(
            (s.totals.organisations, s.totals.publishing, s.totals.published, s.totals.high_risk, s.totals.classified),
            (4, 2, 3, 1, 1)
        );
        assert_eq!(s.totals.completeness, Some((1.0 + 0.5 + 1.0) / 3.0));
        assert_eq!(s.organisations[0].code, "o1");
        assert_eq!(s.organisations[0].completeness, Some(0.75));
        assert_eq!(s.organisations.len(), 2, "organisations without registrations or signals have no row");
        assert!(s.ministries.is_empty());
    }

    #[test]
    fn ministries_count_the_organisations_that_belong_to_them() {
        let with = |id, t, m: Option<&str>| OrgFacts { ministry: m.map(String::from), ..org(id, t) };
        let orgs = vec![
            with(1, OrgType::Ministerie, None),
            with(2, OrgType::Agentschap, Some("o1")),
            with(3, OrgType::ZelfstandigBestuursorgaan, Some("o1")),
            with(4, OrgType::Ministerie, None),
            with(5, OrgType::Agentschap, Some("onbekend")),
        ];
        let records = vec![rec(2, 2024, 1, None, 4), rec(2, 2024, 2, None, 4), rec(4, 2024, 2, None, 4), rec(5, 2024, 2, None, 4)];
        let s = compute(&orgs, &records, &HashMap::new(), Utc.with_ymd_and_hms(2024, 4, 1, 0, 0, 0).unwrap());
        let got: Vec<_> = s.ministries.iter().map(|m| (m.code.as_str(), m.organisations, m.publishing, m.published)).collect();
        assert_eq!(got, vec![("o1", 3, 1, 2), ("o4", 1, 1, 1)], "a ministry that is not known counts nowhere");
    }

    #[test]
    fn old_months_fold_into_the_first_one_shown() {
        let orgs = vec![org(1, OrgType::Gemeente)];
        let records = vec![rec(1, 1990, 1, None, 4), rec(1, 2024, 1, None, 4)];
        let now = Utc.with_ymd_and_hms(2024, 12, 1, 0, 0, 0).unwrap();
        let s = compute(&orgs, &records, &HashMap::new(), now);
        assert_eq!(s.months.len(), MAX_MONTHS);
        assert_eq!((s.months[0].published, s.months[0].joined), (1, 1));
        assert_eq!(s.months.iter().map(|m| m.published).sum::<u64>(), 2);
    }

    #[test]
    fn a_date_after_this_month_counts_in_this_month() {
        let orgs = vec![org(1, OrgType::Gemeente)];
        let records = vec![rec(1, 2024, 11, None, 4), rec(1, 9999, 12, None, 4)];
        let now = Utc.with_ymd_and_hms(2024, 12, 1, 0, 0, 0).unwrap();
        let s = compute(&orgs, &records, &HashMap::new(), now);
        let months: Vec<_> = s.months.iter().map(|m| (m.month.as_str(), m.published, m.joined)).collect();
        assert_eq!(months, vec![("2024-11", 1, 1), ("2024-12", 1, 0)]);
    }

    #[test]
    fn nothing_published_gives_empty_figures() {
        let s = compute(&[], &[], &HashMap::new(), Utc::now());
        assert!(s.months.is_empty() && s.coverage.is_empty() && s.totals.completeness.is_none());
    }
}

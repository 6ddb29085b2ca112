//! The feedback loop's rules: kinds and states of citizens' signals, the answer deadline and the
//! response figures, incident classes with the AI Act's reporting deadlines, and evaluation cycles.
//! Pure: no I/O; the caller passes the clock.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// What a citizen signals about a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    /// Something in the registration is wrong or missing.
    Error,
    Question,
    /// A concern about the algorithm's effects.
    Concern,
    Objection,
}

impl SignalKind {
    pub const ALL: [SignalKind; 4] = [SignalKind::Error, SignalKind::Question, SignalKind::Concern, SignalKind::Objection];
    pub fn code(self) -> &'static str {
        match self {
            SignalKind::Error => "error",
            SignalKind::Question => "question",
            SignalKind::Concern => "concern",
            SignalKind::Objection => "objection",
        }
    }
    pub fn parse(s: &str) -> Option<SignalKind> {
        SignalKind::ALL.into_iter().find(|k| k.code() == s)
    }
    pub fn label_nl(self) -> &'static str {
        match self {
            SignalKind::Error => "Fout in de registratie",
            SignalKind::Question => "Vraag",
            SignalKind::Concern => "Zorg over de gevolgen",
            SignalKind::Objection => "Bezwaar",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            SignalKind::Error => "Error in the registration",
            SignalKind::Question => "Question",
            SignalKind::Concern => "Concern about the effects",
            SignalKind::Objection => "Objection",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalStatus {
    /// Received, nobody on it yet.
    New,
    /// Someone of the organisation is on it.
    Assigned,
    /// Answered, not closed yet.
    Answered,
    /// Handled.
    Closed,
}

impl SignalStatus {
    pub fn code(self) -> &'static str {
        match self {
            SignalStatus::New => "new",
            SignalStatus::Assigned => "assigned",
            SignalStatus::Answered => "answered",
            SignalStatus::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<SignalStatus> {
        [SignalStatus::New, SignalStatus::Assigned, SignalStatus::Answered, SignalStatus::Closed].into_iter().find(|k| k.code() == s)
    }
    pub fn label_nl(self) -> &'static str {
        match self {
            SignalStatus::New => "ontvangen",
            SignalStatus::Assigned => "in behandeling",
            SignalStatus::Answered => "beantwoord",
            SignalStatus::Closed => "afgehandeld",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            SignalStatus::New => "received",
            SignalStatus::Assigned => "being handled",
            SignalStatus::Answered => "answered",
            SignalStatus::Closed => "handled",
        }
    }
}

/// The default answer term: six weeks.
pub const DEFAULT_ANSWER_DAYS: i64 = 42;
/// Reminders go out this long before the answer deadline.
pub const REMINDER_BEFORE: Duration = Duration::days(7);

pub fn answer_due(received: DateTime<Utc>, answer_days: i64) -> DateTime<Utc> {
    received + Duration::days(answer_days.max(1))
}

/// Whether a signal is past its answer term: still open (neither answered nor closed) and due before
/// `now`. The one rule for the inbox, the dashboard, the API and the figures.
pub fn signal_overdue(due: DateTime<Utc>, answered: bool, closed: bool, now: DateTime<Utc>) -> bool {
    !answered && !closed && due < now
}

/// Response figures of an organisation: signals received, the share answered by their deadline (of
/// those whose deadline has passed or that were answered), and the median answer time in days.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ResponseFigures {
    pub received: u64,
    pub answered: u64,
    /// Share (0–1) of the signals that were due or answered and were answered in time; None without any.
    pub answered_in_time: Option<f64>,
    pub median_answer_days: Option<f64>,
}

/// One signal for the figures: (received, deadline, answered at).
pub type SignalTimes = (DateTime<Utc>, DateTime<Utc>, Option<DateTime<Utc>>);

pub fn response_figures(signals: &[SignalTimes], now: DateTime<Utc>) -> ResponseFigures {
    let mut judged = 0u64;
    let mut in_time = 0u64;
    let mut days: Vec<f64> = vec![];
    for (received, due, answered) in signals {
        match answered {
            Some(a) => {
                judged += 1;
                if a <= due {
                    in_time += 1;
                }
                days.push((*a - *received).num_seconds() as f64 / 86_400.0);
            }
            None if signal_overdue(*due, false, false, now) => judged += 1,
            None => {}
        }
    }
    days.sort_by(f64::total_cmp);
    let median = match days.len() {
        0 => None,
        n if n % 2 == 1 => Some(days[n / 2]),
        n => Some((days[n / 2 - 1] + days[n / 2]) / 2.0),
    };
    ResponseFigures {
        received: signals.len() as u64,
        answered: signals.iter().filter(|s| s.2.is_some()).count() as u64,
        answered_in_time: (judged > 0).then(|| in_time as f64 / judged as f64),
        median_answer_days: median,
    }
}

/// How serious an incident is, in the AI Act's terms (Article 73: reporting serious incidents).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentClass {
    /// A serious incident that led to a person's death: report within 10 days.
    Death,
    /// A widespread infringement, or a serious and irreversible disruption of critical infrastructure:
    /// report within 2 days.
    Widespread,
    /// Another serious incident (serious harm to health, fundamental rights, property or the
    /// environment): report within 15 days.
    Serious,
    /// A serious risk that has not (yet) led to an incident: no fixed legal term, act without delay.
    Risk,
    /// A malfunction that is not serious: no legal reporting duty.
    Malfunction,
}

impl IncidentClass {
    pub const ALL: [IncidentClass; 5] =
        [IncidentClass::Death, IncidentClass::Widespread, IncidentClass::Serious, IncidentClass::Risk, IncidentClass::Malfunction];
    pub fn code(self) -> &'static str {
        match self {
            IncidentClass::Death => "death",
            IncidentClass::Widespread => "widespread",
            IncidentClass::Serious => "serious",
            IncidentClass::Risk => "risk",
            IncidentClass::Malfunction => "malfunction",
        }
    }
    pub fn parse(s: &str) -> Option<IncidentClass> {
        IncidentClass::ALL.into_iter().find(|k| k.code() == s)
    }
    /// Days within which the provider must report to the market surveillance authority, counted
    /// from when the incident was noticed; None where the Act sets no term.
    pub fn report_days(self) -> Option<i64> {
        match self {
            IncidentClass::Death => Some(10),
            IncidentClass::Widespread => Some(2),
            IncidentClass::Serious => Some(15),
            IncidentClass::Risk | IncidentClass::Malfunction => None,
        }
    }
    pub fn label_nl(self) -> &'static str {
        match self {
            IncidentClass::Death => "Ernstig incident met een dode",
            IncidentClass::Widespread => "Wijdverbreide inbreuk of ernstige verstoring van kritieke infrastructuur",
            IncidentClass::Serious => "Ander ernstig incident (gezondheid, grondrechten, eigendom of milieu)",
            IncidentClass::Risk => "Ernstig risico, nog geen incident",
            IncidentClass::Malfunction => "Storing, niet ernstig",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            IncidentClass::Death => "Serious incident with a death",
            IncidentClass::Widespread => "Widespread infringement or serious disruption of critical infrastructure",
            IncidentClass::Serious => "Other serious incident (health, fundamental rights, property or environment)",
            IncidentClass::Risk => "Serious risk, no incident yet",
            IncidentClass::Malfunction => "Malfunction, not serious",
        }
    }
}

code_enum!(
    /// Where an incident stands. It only moves forward, in this order.
    IncidentStatus {
        Open = "open" / "open" / "open",
        Acknowledged = "acknowledged" / "ontvangst bevestigd" / "acknowledged",
        ReportedToAuthority = "reported_to_authority" / "gemeld aan de toezichthouder" / "reported to the authority",
        Closed = "closed" / "gesloten" / "closed",
    }
);

impl IncidentStatus {
    fn rank(self) -> usize {
        IncidentStatus::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }
    /// Whether the reporting deadline no longer counts: reported, or closed.
    pub fn reported_or_closed(self) -> bool {
        matches!(self, IncidentStatus::ReportedToAuthority | IncidentStatus::Closed)
    }
}

code_enum!(
    /// One step in an incident's timeline.
    IncidentEventKind {
        Reported = "reported" / "gemeld" / "reported",
        Acknowledged = "acknowledged" / "ontvangst bevestigd door de aanbieder" / "acknowledged by the provider",
        Update = "update" / "vervolg" / "update",
        ReportedToAuthority = "reported_to_authority" / "gemeld aan de toezichthouder" / "reported to the authority",
        Closed = "closed" / "gesloten" / "closed",
    }
);

/// Who adds a step to an incident: the deployer that recorded it, or the provider it was routed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentParty {
    Deployer,
    Provider,
}

impl IncidentParty {
    /// The steps this party may add: the provider acknowledges, updates and reports to the
    /// authority; the deployer updates and closes.
    pub fn allowed_events(self) -> &'static [IncidentEventKind] {
        match self {
            IncidentParty::Provider => {
                &[IncidentEventKind::Acknowledged, IncidentEventKind::Update, IncidentEventKind::ReportedToAuthority]
            }
            IncidentParty::Deployer => &[IncidentEventKind::Update, IncidentEventKind::Closed],
        }
    }
}

/// The status an incident moves to after a step, if it moves: only forward (a late acknowledgement
/// after the report to the authority changes nothing).
pub fn incident_status_after(current: IncidentStatus, step: IncidentEventKind) -> Option<IncidentStatus> {
    let to = match step {
        IncidentEventKind::Acknowledged => IncidentStatus::Acknowledged,
        IncidentEventKind::ReportedToAuthority => IncidentStatus::ReportedToAuthority,
        IncidentEventKind::Closed => IncidentStatus::Closed,
        IncidentEventKind::Reported | IncidentEventKind::Update => return None,
    };
    (to.rank() > current.rank()).then_some(to)
}

/// The reporting deadline for an incident noticed at `noticed`.
pub fn report_deadline(class: IncidentClass, noticed: DateTime<Utc>) -> Option<DateTime<Utc>> {
    class.report_days().map(|d| noticed + Duration::days(d))
}

/// The next evaluation after one on `last`, `months` later (the last day of the month when the day
/// does not exist, e.g. 31 January + 1 month = 28/29 February).
pub fn next_evaluation(last: NaiveDate, months: u32) -> NaiveDate {
    let total = last.year() * 12 + last.month0() as i32 + months as i32;
    let (y, m) = (total.div_euclid(12), total.rem_euclid(12) as u32 + 1);
    let mut d = last.day();
    loop {
        if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
            return date;
        }
        d -= 1;
    }
}

/// Whether an evaluation is overdue on `today`, and by how many days.
pub fn overdue_days(next_due: NaiveDate, today: NaiveDate) -> Option<i64> {
    let late = (today - next_due).num_days();
    (late > 0).then_some(late)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn incident_status_moves_only_forward() {
        use IncidentEventKind as K;
        use IncidentStatus as S;
        assert_eq!(incident_status_after(S::Open, K::Acknowledged), Some(S::Acknowledged));
        assert_eq!(incident_status_after(S::Open, K::Update), None);
        assert_eq!(incident_status_after(S::Acknowledged, K::ReportedToAuthority), Some(S::ReportedToAuthority));
        assert_eq!(incident_status_after(S::ReportedToAuthority, K::Acknowledged), None);
        assert_eq!(incident_status_after(S::ReportedToAuthority, K::Closed), Some(S::Closed));
        assert!(!IncidentParty::Provider.allowed_events().contains(&K::Closed));
        assert!(!IncidentParty::Deployer.allowed_events().contains(&K::Acknowledged));
        for s in S::ALL {
            assert_eq!(S::parse(s.code()), Some(*s));
        }
    }

    #[test]
    fn incident_deadlines_for_every_class() {
        let noticed = t("2026-11-20T09:30:00Z");
        assert_eq!(report_deadline(IncidentClass::Death, noticed), Some(t("2026-11-30T09:30:00Z")));
        assert_eq!(report_deadline(IncidentClass::Widespread, noticed), Some(t("2026-11-22T09:30:00Z")));
        assert_eq!(report_deadline(IncidentClass::Serious, noticed), Some(t("2026-12-05T09:30:00Z")));
        assert_eq!(report_deadline(IncidentClass::Risk, noticed), None);
        assert_eq!(report_deadline(IncidentClass::Malfunction, noticed), None);
        for c in IncidentClass::ALL {
            assert_eq!(IncidentClass::parse(c.code()), Some(c));
        }
    }

    #[test]
    fn answer_deadline_is_six_weeks_by_default() {
        assert_eq!(answer_due(t("2026-11-01T12:00:00Z"), DEFAULT_ANSWER_DAYS), t("2026-12-13T12:00:00Z"));
    }

    #[test]
    fn figures() {
        let r = t("2026-01-01T00:00:00Z");
        let due = r + Duration::days(42);
        let now = t("2026-06-01T00:00:00Z");
        let f = response_figures(
            &[
                (r, due, Some(r + Duration::days(2))),
                (r, due, Some(r + Duration::days(50))),
                (r, due, None),
                (now, now + Duration::days(42), None),
            ],
            now,
        );
        assert_eq!(f.received, 4);
        assert_eq!(f.answered, 2);
        assert_eq!(f.answered_in_time, Some(1.0 / 3.0), "the open one within its term does not count");
        assert_eq!(f.median_answer_days, Some(26.0));
        assert_eq!(response_figures(&[], now), ResponseFigures::default());
    }

    #[test]
    fn evaluation_cycles() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(next_evaluation(d("2026-01-31"), 1), d("2026-02-28"));
        assert_eq!(next_evaluation(d("2026-11-15"), 12), d("2027-11-15"));
        assert_eq!(next_evaluation(d("2026-11-15"), 3), d("2027-02-15"));
        assert_eq!(overdue_days(d("2026-11-01"), d("2026-11-23")), Some(22));
        assert_eq!(overdue_days(d("2026-11-23"), d("2026-11-23")), None);
    }
}

//! The feedback loop: citizens' signals and the organisation's inbox, incidents between deployer and
//! provider, evaluation cycles, and the e-mail they cause. The rules (deadlines, figures, incident
//! classes) are in `algoreg_domain::feedback`; this module adds authorisation, validation, limits and
//! storage. Every mail is written in the same transaction as what caused it and sent by [`Mailer`].

use crate::error::{Result, ServiceError};
use crate::ratelimit::RateLimiter;
pub use algoreg_domain::feedback::IncidentParty;
use algoreg_domain::feedback::{self as rules, IncidentClass, IncidentEventKind, IncidentStatus, SignalKind, SignalStatus};
use algoreg_domain::org::Role;
use algoreg_domain::workflow::Principal;
use algoreg_standard::sanitize::plain_text;
use algoreg_standard::AlgorithmId;
use algoreg_store::*;
use chrono::{DateTime, NaiveDate, Utc};
use rand::Rng;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;

/// Settings of the feedback loop.
#[derive(Debug, Clone)]
pub struct FeedbackConfig {
    /// Days an organisation has to answer a signal.
    pub answer_days: i64,
    /// How long personal data of a closed signal is kept.
    pub retention: Duration,
    /// The public address of this register, for links in e-mail (`https://register.example.nl`).
    pub public_url: String,
    /// Signals per client address per hour; the members' mails about signals per registration per hour
    /// (beyond it signals are still taken in, without a mail).
    pub per_address_per_hour: u32,
    pub per_record_per_hour: u32,
    /// Confirmation mails to one address per day (0: no limit), so that nobody can flood someone else's
    /// mailbox by giving that address with many signals.
    pub confirmations_per_recipient_per_day: u32,
    /// Reminders for evaluations this many days before they are due.
    pub evaluation_notice_days: i64,
    /// The address mail comes from; also the contact that OAI-PMH's Identify names.
    pub mail_from: String,
}

impl Default for FeedbackConfig {
    fn default() -> Self {
        FeedbackConfig {
            answer_days: rules::DEFAULT_ANSWER_DAYS,
            retention: Duration::from_secs(365 * 24 * 3600),
            public_url: "http://127.0.0.1:8080".into(),
            per_address_per_hour: 5,
            per_record_per_hour: 30,
            confirmations_per_recipient_per_day: 3,
            evaluation_notice_days: 14,
            mail_from: "noreply@algoreg.invalid".into(),
        }
    }
}

/// The yearly confirmation is reminded of this many days before it falls due.
pub const REVIEW_NOTICE_DAYS: i64 = 30;
/// A node looks for registrations to remind of their yearly confirmation at most this often.
pub const REVIEW_ROUND_HOURS: i64 = 6;

/// Public answers shown per record (page and API): a public page costs the same however many there are.
pub const PUBLIC_ANSWERS_SHOWN: i64 = 50;
/// Response figures are computed from an organisation's newest signals, at most this many.
pub const FIGURES_FROM: i64 = 10_000;

/// The state the feedback loop keeps between requests: settings and the limiters of public writes.
pub struct FeedbackState {
    pub config: FeedbackConfig,
    /// When this node last looked for registrations to remind of their yearly confirmation.
    review_round: std::sync::Mutex<Option<DateTime<Utc>>>,
    per_address: RateLimiter,
    per_record: RateLimiter,
    /// Keyed by a hash of the address: no address is kept in memory for this.
    per_recipient: RateLimiter,
    /// Incident reports per organisation: each mails the provider (an address the reporter gives, or
    /// the members of the organisation the registration names), so a member cannot send without end.
    incidents_per_org: RateLimiter,
}

/// Incident reports an organisation makes in a day, at most (far more than serious incidents come).
pub const INCIDENTS_PER_ORG_PER_DAY: u32 = 50;

impl FeedbackState {
    pub fn new(config: FeedbackConfig) -> FeedbackState {
        let hour = Duration::from_secs(3600);
        FeedbackState {
            review_round: Default::default(),
            per_address: RateLimiter::new(config.per_address_per_hour, hour),
            per_record: RateLimiter::new(config.per_record_per_hour, hour),
            per_recipient: RateLimiter::new(config.confirmations_per_recipient_per_day, 24 * hour),
            incidents_per_org: RateLimiter::new(INCIDENTS_PER_ORG_PER_DAY, 24 * hour),
            config,
        }
    }
}

impl Default for FeedbackState {
    fn default() -> Self {
        FeedbackState::new(FeedbackConfig::default())
    }
}

pub fn hash_secret(s: &str) -> String {
    hex::encode(Sha256::digest(s.trim().to_ascii_uppercase().as_bytes()))
}

/// A tracking code: 16 letters and digits in groups of four, without look-alikes (0/O, 1/I/L).
fn new_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    let chars: Vec<char> = (0..16).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect();
    chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

fn bad(field: &str, nl: impl Into<String>, en: impl Into<String>) -> ServiceError {
    ServiceError::bad(field, nl, en)
}

/// Checks an e-mail address loosely (one @, a dot in the domain, no spaces), at most 254 characters.
pub fn check_email(field: &str, s: &str) -> Result<String> {
    let s = s.trim();
    let ok = s.len() <= 254
        && !s.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"'))
        && s.split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.') && !d.contains('@'));
    if ok {
        Ok(s.to_string())
    } else {
        Err(bad(field, "Geen geldig e-mailadres.", "Not a valid e-mail address."))
    }
}

/// Plain text between `min` and `max` characters (HTML is reduced to its text).
fn check_text(field: &str, s: &str, min: usize, max: usize) -> Result<String> {
    // The raw length first, before any work on the text: markup and entities may make it longer than
    // what a reader sees, but not more than eight times.
    if s.len() > max * 8 {
        return Err(bad(field, format!("Hoogstens {max} tekens."), format!("At most {max} characters.")));
    }
    if algoreg_standard::validate::is_control_text(s) {
        return Err(bad(
            field,
            "De tekst bevat een onzichtbaar stuurteken; haal het weg.",
            "The text holds an invisible control character; remove it.",
        ));
    }
    let t = plain_text(s);
    let n = t.chars().count();
    if n < min {
        return Err(bad(field, format!("Schrijf minstens {min} tekens."), format!("Write at least {min} characters.")));
    }
    if n > max {
        return Err(bad(field, format!("Hoogstens {max} tekens (nu {n})."), format!("At most {max} characters (now {n}).")));
    }
    Ok(t)
}

/// What a sender gets back.
#[derive(Debug, Clone, Serialize)]
pub struct Submitted {
    pub tracking_code: String,
    pub status_url: String,
    pub answer_due: DateTime<Utc>,
    /// Whether a confirmation goes to the address given: not without an address, nor when that address
    /// had the day's maximum of confirmations already.
    pub confirmation_mail: bool,
}

/// A citizen's input.
#[derive(Debug, Clone, Default)]
pub struct SignalInput {
    pub kind: String,
    pub text: String,
    pub email: Option<String>,
    /// The honeypot field: people leave it empty.
    pub website: Option<String>,
}

#[derive(Debug, Clone)]
pub struct IncidentInput {
    pub class: String,
    pub title: String,
    pub what_happened: String,
    pub noticed_at: DateTime<Utc>,
    pub people_affected: Option<i64>,
    pub public: bool,
    pub public_summary: Option<String>,
    pub provider_email: Option<String>,
}

/// A record's evaluation plan, how many days it is overdue, and its evaluations (oldest first).
#[derive(Debug, Clone, Serialize)]
pub struct Evaluations {
    pub plan: Option<EvaluationPlan>,
    pub overdue_days: Option<i64>,
    pub evaluations: Vec<Evaluation>,
}

pub struct Feedback<'a> {
    pub(crate) store: &'a dyn Store,
    pub state: &'a FeedbackState,
    /// The store, when the limits count there for every node (`--shared-limits`).
    pub(crate) shared_limits: Option<&'a dyn Store>,
}

impl Feedback<'_> {
    fn cfg(&self) -> &FeedbackConfig {
        &self.state.config
    }

    async fn member_mails(&self, org_id: OrgId, roles: &[Role]) -> Result<Vec<String>> {
        let mut out: Vec<String> =
            self.store.members(org_id).await?.into_iter().filter(|(_, r)| roles.contains(r)).map(|(u, _)| u.email).collect();
        out.sort();
        out.dedup();
        Ok(out)
    }

    fn link(&self, path: &str) -> String {
        format!("{}{path}", self.cfg().public_url.trim_end_matches('/'))
    }

    /// A signal from someone without an account about a published registration.
    pub async fn submit(&self, id: AlgorithmId, input: SignalInput, client: &str, now: DateTime<Utc>) -> Result<Submitted> {
        if input.website.as_deref().is_some_and(|w| !w.trim().is_empty()) {
            return Err(bad("website", "Laat dit veld leeg.", "Leave this field empty."));
        }
        let kind = SignalKind::parse(input.kind.trim())
            .ok_or_else(|| bad("kind", "Kies: error, question, concern of objection.", "Choose: error, question, concern or objection."))?;
        let text = check_text("text", &input.text, 10, 5000)?;
        let email = match input.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            Some(e) => Some(check_email("email", e)?),
            None => None,
        };
        // The limits before any lookup: what came before is cheap and bounded by the body limit.
        // One IPv6 host has a whole /64: count per /64, not per address.
        let client = match client.parse::<std::net::IpAddr>() {
            Ok(ip) => crate::limits::client_key(ip),
            _ => client.to_string(),
        };
        let client = client.as_str();
        let shared = self.shared_limits;
        self.state.per_address.hit(shared, "signal-address", client).await.map_err(|s| ServiceError::TooManyRequests { retry_after: s })?;
        let record = self.store.published(id).await?.ok_or(ServiceError::NotFound("algorithm"))?;
        let org = self.store.organisation_by_code(&record.org_code).await?.ok_or(ServiceError::NotFound("organisation"))?;
        // Many signals about one registration in an hour are still taken in (a limit there would let a
        // few senders silence everyone else); only the members' mails about them stop for that hour.
        let tell_members = self.state.per_record.hit(shared, "signal-record", &id.to_string()).await.is_ok();
        let code = new_code();
        let due = rules::answer_due(now, self.cfg().answer_days);
        let status_url = self.link(&format!("/nl/signaal/{code}"));
        let name = record.content.name().to_string();
        let members = match tell_members {
            true => self.member_mails(org.id, &[Role::Editor, Role::Approver, Role::OrgAdmin]).await?,
            false => vec![],
        };
        let mut mails: Vec<NewMail> = members
            .into_iter()
            .map(|to| NewMail::new(
                to,
                format!("Nieuw signaal over {name} / New signal about {name}"),
                format!(
                    "Er is een signaal ({}) binnengekomen over \"{name}\". Beantwoord het uiterlijk {}.\n\nA signal ({}) came in about \"{name}\". Answer it by {}.\n\n{}\n",
                    kind.label_nl(),
                    due.format("%Y-%m-%d"),
                    kind.label_en(),
                    due.format("%Y-%m-%d"),
                    self.link(&format!("/nl/beheer/org/{}/signalen", org.code)),
                ),
            ))
            .collect();
        let confirmation_mail = match email.as_ref() {
            // Counted per mailbox: `naam+1@x.nl` and `naam+2@x.nl` are one.
            Some(e) => self.state.per_recipient.hit(shared, "signal-mail", &hash_secret(&crate::alerts::mailbox(e).0)).await.is_ok(),
            None => false,
        };
        if let Some(e) = email.as_ref().filter(|_| confirmation_mail) {
            mails.push(NewMail::new(
                e.clone(),
                format!("Uw signaal over {name} / Your signal about {name}"),
                format!(
                    "Uw signaal is ontvangen. Volgcode: {code}. De organisatie antwoordt uiterlijk {due}.\nStatus: {status_url}\n\nYour signal was received. Tracking code: {code}. The organisation answers by {due}.\n",
                    due = due.format("%Y-%m-%d")
                ),
            ));
        }
        self.store
            .create_signal(
                &NewSignal { code_hash: hash_secret(&code), record: id, org_id: org.id, kind, text, email, created_at: now, due_at: due },
                &mails,
            )
            .await?;
        Ok(Submitted { tracking_code: code, status_url, answer_due: due, confirmation_mail })
    }

    /// The sender's view by tracking code.
    pub async fn status(&self, code: &str) -> Result<Signal> {
        self.store.signal_by_code(&hash_secret(code)).await?.ok_or(ServiceError::NotFound("signal"))
    }

    fn require_member(p: &Principal, org_id: OrgId) -> Result<()> {
        if p.is_member(org_id) {
            Ok(())
        } else {
            Err(ServiceError::forbidden(
                "Alleen leden van de organisatie van deze registratie zien haar signalen.",
                "Only members of this registration's organisation see its signals.",
            ))
        }
    }

    pub async fn inbox(&self, p: &Principal, org_id: OrgId) -> Result<Vec<Signal>> {
        Self::require_member(p, org_id)?;
        Ok(self.store.signals_of_org(org_id).await?)
    }

    pub async fn get(&self, p: &Principal, id: i64) -> Result<Signal> {
        let s = self.store.signal(id).await?.ok_or(ServiceError::NotFound("signal"))?;
        // Someone outside the organisation learns nothing, not even that the signal exists.
        if !p.is_member(s.org_id) {
            return Err(ServiceError::NotFound("signal"));
        }
        Ok(s)
    }

    pub async fn assign(&self, p: &Principal, id: i64, user: Option<UserId>) -> Result<Signal> {
        let mut s = self.get(p, id).await?;
        if s.status == SignalStatus::Closed {
            return Err(bad("status", "Dit signaal is al afgehandeld.", "This signal has been handled already."));
        }
        if let Some(u) = user {
            if !self.store.members(s.org_id).await?.iter().any(|(m, _)| m.id == u) {
                return Err(bad("assigned_to", "Kies een lid van de organisatie.", "Choose a member of the organisation."));
            }
        }
        let before = s.status;
        s.assigned_to = user;
        if s.status == SignalStatus::New && user.is_some() {
            s.status = SignalStatus::Assigned;
        }
        self.store.update_signal(&s, before, &[]).await?;
        Ok(s)
    }

    /// Answers a signal, in public (shown on the record page and in the Atom feed) or only to the
    /// sender (by e-mail when given, and always on the status page with the tracking code).
    pub async fn answer(&self, p: &Principal, id: i64, text: &str, public: bool, now: DateTime<Utc>) -> Result<Signal> {
        let mut s = self.get(p, id).await?;
        if s.erased_at.is_some() || s.status == SignalStatus::Closed {
            return Err(bad("status", "Dit signaal is al afgehandeld.", "This signal has been handled already."));
        }
        let text = check_text("answer", text, 2, 10_000)?;
        let before = s.status;
        // A corrected answer replaces the text (the status page shows it); the sender is mailed, and the
        // time to answer counted, once: at the first answer.
        let first = s.answer.is_none();
        s.answer = Some(text.clone());
        s.answer_public = public;
        if first {
            s.answered_at = Some(now);
        }
        s.answered_by = Some(p.display.clone());
        s.status = SignalStatus::Answered;
        let mut mails = vec![];
        if let Some(to) = s.email.as_ref().filter(|_| first) {
            let name = self.store.published(s.record).await?.map(|v| v.content.name().to_string()).unwrap_or_default();
            mails.push(NewMail::new(
                to.clone(),
                format!("Antwoord op uw signaal over {name} / Answer to your signal about {name}"),
                format!("{text}\n\n{}\n", self.link(&format!("/nl/algoritme/{}", s.record))),
            ));
        }
        self.store.update_signal(&s, before, &mails).await?;
        Ok(s)
    }

    pub async fn close(&self, p: &Principal, id: i64, now: DateTime<Utc>) -> Result<Signal> {
        let mut s = self.get(p, id).await?;
        if s.closed_at.is_none() {
            let before = s.status;
            s.closed_at = Some(now);
            s.status = SignalStatus::Closed;
            self.store.update_signal(&s, before, &[]).await?;
        }
        Ok(s)
    }

    /// Signals of a record answered in public (what the record page shows).
    /// The newest [`PUBLIC_ANSWERS_SHOWN`] signals of a record that were answered in public.
    pub async fn public_signals(&self, id: AlgorithmId) -> Result<Vec<Signal>> {
        self.require_published(id).await?;
        Ok(self.store.public_signals_of_record(id, PUBLIC_ANSWERS_SHOWN).await?)
    }

    /// What is said in public about a registration is public only while the registration is: not of a
    /// draft never published, nor after a retraction or an archiving.
    async fn require_published(&self, id: AlgorithmId) -> Result<()> {
        match self.store.published(id).await? {
            Some(_) => Ok(()),
            None => Err(ServiceError::NotFound("algorithm")),
        }
    }

    /// Response figures of an organisation (public).
    pub async fn figures(&self, org_id: OrgId, now: DateTime<Utc>) -> Result<rules::ResponseFigures> {
        let rows = self.store.signal_times(org_id, FIGURES_FROM).await?;
        Ok(rules::response_figures(&rows, now))
    }

    // ---- incidents

    /// A deployer records an incident for an algorithm of its own; it goes to the provider named in
    /// the registration (an organisation in this register with that name, and/or an e-mail address).
    pub async fn report_incident(
        &self,
        p: &Principal,
        id: AlgorithmId,
        input: IncidentInput,
        now: DateTime<Utc>,
    ) -> Result<(i64, Option<String>)> {
        let meta = self.store.record(id).await?.ok_or(ServiceError::NotFound("algorithm"))?;
        if !p.is_member(meta.org_id) {
            return Err(ServiceError::forbidden(
                "Alleen de organisatie die dit algoritme gebruikt, meldt er incidenten over.",
                "Only the organisation that uses this algorithm reports incidents about it.",
            ));
        }
        let class = IncidentClass::parse(input.class.trim()).ok_or_else(|| {
            bad(
                "class",
                "Kies: death, widespread, serious, risk of malfunction.",
                "Choose: death, widespread, serious, risk or malfunction.",
            )
        })?;
        let title = check_text("title", &input.title, 3, 200)?;
        let what = check_text("what_happened", &input.what_happened, 10, 10_000)?;
        if input.noticed_at > now + chrono::Duration::minutes(5) {
            return Err(bad("noticed_at", "Dit moment ligt in de toekomst.", "This moment lies in the future."));
        }
        if !algoreg_domain::time::in_range(&input.noticed_at) {
            return Err(bad("noticed_at", algoreg_domain::time::MESSAGE_NL, algoreg_domain::time::MESSAGE_EN));
        }
        if input.people_affected.is_some_and(|n| n < 0) {
            return Err(bad("people_affected", "Geef nul of meer.", "Give zero or more."));
        }
        let summary = match (&input.public_summary, input.public) {
            (Some(s), _) if !s.trim().is_empty() => Some(check_text("public_summary", s, 10, 2000)?),
            (_, true) => return Err(bad("public_summary", "Schrijf een openbare samenvatting.", "Write a public summary.")),
            _ => None,
        };
        let provider_email = match input.provider_email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            Some(e) => Some(check_email("provider_email", e)?),
            None => None,
        };
        // The provider named in the registration (its latest version).
        let versions = self.store.versions(id).await?;
        let provider_name = versions.last().and_then(|v| v.content.str("provider")).map(plain_text).unwrap_or_default();
        if provider_name.trim().is_empty() {
            return Err(bad(
                "provider",
                "De registratie noemt geen aanbieder; vul eerst het veld aanbieder in.",
                "The registration names no provider; fill in the provider field first.",
            ));
        }
        self.state
            .incidents_per_org
            .hit(self.shared_limits, "incidents-org", &meta.org_id.to_string())
            .await
            .map_err(|s| ServiceError::TooManyRequests { retry_after: s })?;
        let provider_org = self.store.organisations().await?.into_iter().find(|o| o.name.eq_ignore_ascii_case(provider_name.trim()));
        let deadline = rules::report_deadline(class, input.noticed_at);
        let ack = provider_email.as_ref().map(|_| new_code());
        let record_name = versions.last().map(|v| v.content.name().to_string()).unwrap_or_default();
        let deployer = self.store.organisation(meta.org_id).await?.map(|o| o.name).unwrap_or_default();
        let deadline_text = match deadline {
            Some(d) => format!(
                "Meld een ernstig incident uiterlijk {} aan de markttoezichthouder.\nReport a serious incident to the market surveillance authority by {}.",
                d.format("%Y-%m-%d %H:%M UTC"),
                d.format("%Y-%m-%d %H:%M UTC")
            ),
            None => "Geen wettelijke meldtermijn; handel zonder uitstel.\nNo legal reporting term; act without delay.".into(),
        };
        let body = |link: String| {
            format!(
                "{deployer} meldt een incident bij \"{record_name}\" ({}).\n{deployer} reports an incident with \"{record_name}\" ({}).\n\n{title}\n\n{deadline_text}\n\n{link}\n",
                class.label_nl(),
                class.label_en()
            )
        };
        let mut mails = vec![];
        if let (Some(to), Some(code)) = (&provider_email, &ack) {
            mails.push(NewMail::new(
                to.clone(),
                format!("Incident gemeld: {title} / Incident reported: {title}"),
                body(self.link(&format!("/nl/incident/{code}"))),
            ));
        }
        if let Some(o) = &provider_org {
            for to in self.member_mails(o.id, &[Role::Editor, Role::Approver, Role::OrgAdmin]).await? {
                mails.push(NewMail::new(
                    to,
                    format!("Incident gemeld: {title} / Incident reported: {title}"),
                    body(self.link("/nl/beheer")),
                ));
            }
        }
        let new = NewIncident {
            record: id,
            deployer_org_id: meta.org_id,
            provider_name: provider_name.trim().to_string(),
            provider_org_id: provider_org.map(|o| o.id),
            provider_email,
            ack_hash: ack.as_deref().map(hash_secret),
            class,
            title,
            what_happened: what,
            noticed_at: input.noticed_at,
            people_affected: input.people_affected,
            public: input.public,
            public_summary: summary,
            deadline_at: deadline,
            created_at: now,
            created_by: p.display.clone(),
        };
        let iid = self.store.create_incident(&new, &mails).await?;
        Ok((iid, ack))
    }

    /// An incident, for members of the deployer or the provider; who the principal is in it.
    pub async fn incident(&self, p: &Principal, id: i64) -> Result<(Incident, Vec<IncidentEvent>, IncidentParty)> {
        let i = self.store.incident(id).await?.ok_or(ServiceError::NotFound("incident"))?;
        let party = if p.is_member(i.deployer_org_id) {
            IncidentParty::Deployer
        } else if i.provider_org_id.is_some_and(|o| p.is_member(o)) {
            IncidentParty::Provider
        } else {
            return Err(ServiceError::NotFound("incident"));
        };
        let events = self.store.incident_events(id).await?;
        Ok((i, events, party))
    }

    /// A step in the timeline: the provider acknowledges, reports to the authority or adds an update;
    /// the deployer adds an update or closes.
    pub async fn incident_event(&self, p: &Principal, id: i64, kind: &str, text: Option<&str>, now: DateTime<Utc>) -> Result<()> {
        let (i, _, party) = self.incident(p, id).await?;
        self.add_event(&i, party, &p.display, kind, text, now).await
    }

    /// The provider's acknowledgement through the secret link in its e-mail (no account needed).
    pub async fn incident_by_link(&self, code: &str) -> Result<(Incident, Vec<IncidentEvent>)> {
        let i = self.store.incident_by_ack(&hash_secret(code)).await?.ok_or(ServiceError::NotFound("incident"))?;
        let events = self.store.incident_events(i.id).await?;
        Ok((i, events))
    }

    pub async fn incident_event_by_link(&self, code: &str, kind: &str, text: Option<&str>, now: DateTime<Utc>) -> Result<()> {
        let (i, _) = self.incident_by_link(code).await?;
        let who = i.provider_email.clone().map(|e| format!("{} ({e})", i.provider_name)).unwrap_or_else(|| i.provider_name.clone());
        self.add_event(&i, IncidentParty::Provider, &who, kind, text, now).await
    }

    async fn add_event(
        &self,
        i: &Incident,
        party: IncidentParty,
        actor: &str,
        kind: &str,
        text: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let allowed = party.allowed_events();
        let Some(kind) = IncidentEventKind::parse(kind.trim()).filter(|k| allowed.contains(k)) else {
            let codes: Vec<&str> = allowed.iter().map(|k| k.code()).collect();
            return Err(bad("kind", format!("Kies uit: {}.", codes.join(", ")), format!("Choose from: {}.", codes.join(", "))));
        };
        if i.status == IncidentStatus::Closed {
            return Err(bad("status", "Dit incident is gesloten.", "This incident is closed."));
        }
        let text = match text.map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => Some(check_text("text", t, 2, 10_000)?),
            None if kind == IncidentEventKind::Update => return Err(bad("text", "Schrijf wat er is gebeurd.", "Write what happened.")),
            None => None,
        };
        let status = rules::incident_status_after(i.status, kind);
        // The deployer hears of the provider's steps.
        let mut mails = vec![];
        if party == IncidentParty::Provider {
            for to in self.member_mails(i.deployer_org_id, &[Role::Editor, Role::Approver, Role::OrgAdmin]).await? {
                mails.push(NewMail::new(
                    to,
                    format!("Incident {}: {} / {}", i.title, kind.label_nl(), kind.label_en()),
                    format!("{}\n\n{}\n", text.clone().unwrap_or_default(), self.link(&format!("/nl/beheer/incident/{}", i.id))),
                ));
            }
        }
        let e = IncidentEvent { at: now, actor: actor.to_string(), kind, text };
        self.store.add_incident_event(i.id, &e, status, &mails).await?;
        Ok(())
    }

    pub async fn incidents_of_org(&self, p: &Principal, org_id: OrgId) -> Result<Vec<Incident>> {
        Self::require_member(p, org_id)?;
        Ok(self.store.incidents_of_org(org_id).await?)
    }

    /// What the public sees of a record's incidents: those marked public, with their summary only.
    pub async fn public_incidents(&self, id: AlgorithmId) -> Result<Vec<PublicIncident>> {
        self.require_published(id).await?;
        Ok(self
            .store
            .incidents_of_record(id)
            .await?
            .into_iter()
            .filter(|i| i.public)
            .map(|i| PublicIncident {
                class: i.class,
                title: i.title,
                summary: i.public_summary.unwrap_or_default(),
                noticed_at: i.noticed_at,
                status: i.status,
            })
            .collect())
    }

    // ---- evaluations

    fn require_editor(p: &Principal, org_id: OrgId) -> Result<()> {
        if p.has(org_id, Role::Editor) || p.has(org_id, Role::Approver) || p.has(org_id, Role::OrgAdmin) {
            Ok(())
        } else {
            Err(ServiceError::forbidden(
                "Alleen de organisatie van deze registratie legt evaluaties vast.",
                "Only this registration's organisation records evaluations.",
            ))
        }
    }

    pub async fn set_plan(
        &self,
        p: &Principal,
        id: AlgorithmId,
        interval_months: u32,
        next_due: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<EvaluationPlan> {
        let meta = self.store.record(id).await?.ok_or(ServiceError::NotFound("algorithm"))?;
        Self::require_editor(p, meta.org_id)?;
        if !(1..=120).contains(&interval_months) {
            return Err(bad("interval_months", "Tussen 1 en 120 maanden.", "Between 1 and 120 months."));
        }
        if !algoreg_domain::time::date_in_range(next_due) {
            return Err(bad("next_due", algoreg_domain::time::MESSAGE_NL, algoreg_domain::time::MESSAGE_EN));
        }
        let plan =
            EvaluationPlan { record: id, interval_months, next_due, reminded_for: None, updated_at: now, updated_by: p.display.clone() };
        self.store.set_evaluation_plan(&plan).await?;
        Ok(plan)
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn record_evaluation(
        &self,
        p: &Principal,
        id: AlgorithmId,
        date: NaiveDate,
        by_whom: &str,
        findings: &str,
        report_url: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Evaluation> {
        let meta = self.store.record(id).await?.ok_or(ServiceError::NotFound("algorithm"))?;
        Self::require_editor(p, meta.org_id)?;
        if date > now.date_naive() {
            return Err(bad("date", "Een evaluatie ligt niet in de toekomst.", "An evaluation does not lie in the future."));
        }
        if !algoreg_domain::time::date_in_range(date) {
            return Err(bad("date", algoreg_domain::time::MESSAGE_NL, algoreg_domain::time::MESSAGE_EN));
        }
        let by_whom = check_text("by_whom", by_whom, 2, 200)?;
        let findings = check_text("findings", findings, 10, 10_000)?;
        let report_url = match report_url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(u) if (u.starts_with("https://") || u.starts_with("http://")) && u.len() <= 2000 && url::Url::parse(u).is_ok() => {
                Some(u.to_string())
            }
            Some(_) => return Err(bad("report_url", "Een http(s)-adres.", "An http(s) address.")),
            None => None,
        };
        let plan = self.store.evaluation_plan(id).await?;
        let next = plan.as_ref().map(|pl| rules::next_evaluation(date, pl.interval_months));
        let mut e = Evaluation { id: 0, record: id, date, by_whom, findings, report_url, created_at: now, created_by: p.display.clone() };
        e.id = self.store.add_evaluation(&e, next).await?;
        Ok(e)
    }

    /// The evaluation plan of a published record, how many days it is overdue, and its evaluations.
    pub async fn public_evaluations(&self, id: AlgorithmId, today: NaiveDate) -> Result<Evaluations> {
        self.require_published(id).await?;
        self.evaluations_of(id, today).await
    }

    async fn evaluations_of(&self, id: AlgorithmId, today: NaiveDate) -> Result<Evaluations> {
        let plan = self.store.evaluation_plan(id).await?;
        let overdue_days = plan.as_ref().and_then(|p| rules::overdue_days(p.next_due, today));
        Ok(Evaluations { plan, overdue_days, evaluations: self.store.evaluations(id).await? })
    }

    /// The organisation's own view of a record's evaluations (drafts too), with the record's name.
    pub async fn own_evaluations(&self, p: &Principal, id: AlgorithmId, today: NaiveDate) -> Result<(String, Evaluations)> {
        let (name, _) = self.own_record(p, id).await?;
        Ok((name, self.evaluations_of(id, today).await?))
    }

    /// A record of the user's own organisation (as its deployer): the name and provider of its latest
    /// version. Others are refused.
    pub async fn own_record(&self, p: &Principal, id: AlgorithmId) -> Result<(String, String)> {
        let meta = self.store.record(id).await?.ok_or(ServiceError::NotFound("algorithm"))?;
        if !p.is_member(meta.org_id) {
            return Err(ServiceError::forbidden(
                "Alleen de organisatie die dit algoritme gebruikt.",
                "Only the organisation that uses this algorithm.",
            ));
        }
        let v = self.store.version(id, meta.latest_version).await?.ok_or(ServiceError::NotFound("algorithm"))?;
        Ok((v.content.name().to_string(), v.content.str("provider").map(plain_text).unwrap_or_default()))
    }

    /// The sender's view by tracking code, with the public name of the record.
    pub async fn status_with_name(&self, code: &str) -> Result<(Signal, String)> {
        let s = self.status(code).await?;
        let name = self.public_name(s.record).await?;
        Ok((s, name))
    }

    async fn public_name(&self, id: AlgorithmId) -> Result<String> {
        Ok(self.store.published(id).await?.map(|v| v.content.name().to_string()).unwrap_or_default())
    }

    /// What the inbox page of one signal shows besides the signal: the record's public name and the
    /// organisation's members (to assign it to).
    pub async fn signal_context(&self, p: &Principal, s: &Signal) -> Result<(String, Vec<(User, Role)>)> {
        Self::require_member(p, s.org_id)?;
        Ok((self.public_name(s.record).await?, self.store.members(s.org_id).await?))
    }

    /// The newest public answers (50), of one organisation or of all, each with the record's name.
    pub async fn public_answers(&self, org_id: Option<OrgId>) -> Result<Vec<(Signal, String)>> {
        let list = self.store.public_answers(org_id, 50).await?;
        let mut out = Vec::with_capacity(list.len());
        for s in list {
            if let Some(v) = self.store.published(s.record).await? {
                out.push((s, v.content.name().to_string()));
            }
        }
        Ok(out)
    }

    // ---- the background tick: reminders, evaluation notices, retention

    /// Sends reminders for signals whose deadline is near, notices for evaluations that are due, and
    /// erases personal data past the retention period. Returns (reminders, evaluation notices, erased).
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<(usize, usize, u64)> {
        // Each part on its own: one failing never holds up the others (erasure above all).
        let keep = chrono::Duration::from_std(self.cfg().retention).unwrap_or(chrono::Duration::days(365));
        let erased = self.store.erase_signals(now - keep, now).await;
        let reminders = self.remind(now).await;
        let notices = self.evaluation_notices(now).await;
        let review_notices = self.review_reminders(now).await;
        // Shared limit counters of windows long past (they are per minute or per hour).
        let purged = self.store.purge_counters(now - chrono::Duration::days(2)).await;
        // The audit log keeps two years.
        let audit = self.store.purge_audit(now - chrono::Duration::days(crate::audit::KEEP_DAYS)).await;
        purged?;
        audit?;
        Ok((reminders?, notices? + review_notices?, erased?))
    }

    async fn remind(&self, now: DateTime<Utc>) -> Result<usize> {
        let mut reminders = 0;
        for s in self.store.signals_to_remind(now + rules::REMINDER_BEFORE).await? {
            let name = self.store.published(s.record).await?.map(|v| v.content.name().to_string()).unwrap_or_default();
            let code = self.store.organisation(s.org_id).await?.map(|o| o.code).unwrap_or_default();
            let mails: Vec<NewMail> = self
                .member_mails(s.org_id, &[Role::Editor, Role::Approver, Role::OrgAdmin])
                .await?
                .into_iter()
                .map(|to| NewMail::new(
                    to,
                    format!("Herinnering: signaal over {name} / Reminder: signal about {name}"),
                    format!(
                        "Het antwoord op dit signaal moet uiterlijk {due} gegeven zijn.\nThe answer to this signal is due by {due}.\n\n{}\n",
                        self.link(&format!("/nl/beheer/org/{code}/signalen")),
                        due = s.due_at.format("%Y-%m-%d")
                    ),
                ))
                .collect();
            if self.store.mark_signal_reminded(s.id, now, &mails).await? {
                reminders += 1;
            }
        }
        Ok(reminders)
    }

    /// Reminds organisations of their published registrations whose yearly confirmation falls due
    /// within [`REVIEW_NOTICE_DAYS`] (or is past): one mail per organisation to its editors, approvers
    /// and admins, listing them, once per due date of each registration. It reads every published
    /// registration, so a node does it at most every [`REVIEW_ROUND_HOURS`] hours.
    async fn review_reminders(&self, now: DateTime<Utc>) -> Result<usize> {
        {
            let mut last = self.state.review_round.lock().unwrap_or_else(|e| e.into_inner());
            if last.is_some_and(|l| now - l < chrono::Duration::hours(REVIEW_ROUND_HOURS)) {
                return Ok(0);
            }
            *last = Some(now);
        }
        let year = chrono::Duration::days(algoreg_domain::quality::REVIEW_AFTER_DAYS);
        let notice = chrono::Duration::days(REVIEW_NOTICE_DAYS);
        // Published long enough ago that a reminder may be due.
        let mut candidates: Vec<(AlgorithmId, String, String, DateTime<Utc>)> = vec![];
        crate::register::each_published(self.store, 1000, |v| {
            if v.published_at.checked_add_signed(year - notice).is_some_and(|due| due <= now) {
                candidates.push((v.record, v.org_code.clone(), v.content.name().to_string(), v.published_at));
            }
            true
        })
        .await?;
        let ids: Vec<AlgorithmId> = candidates.iter().map(|c| c.0).collect();
        let confirmed: std::collections::HashMap<AlgorithmId, DateTime<Utc>> = self.store.confirmations(&ids).await?.into_iter().collect();
        let reminded: std::collections::HashMap<AlgorithmId, NaiveDate> = self.store.review_reminders(&ids).await?.into_iter().collect();
        let mut by_org: std::collections::BTreeMap<String, Vec<(AlgorithmId, String, NaiveDate)>> = Default::default();
        for (id, org, name, published_at) in candidates {
            let last = algoreg_domain::quality::last_reviewed(published_at, confirmed.get(&id).copied());
            let due = (last + year).date_naive();
            if last + year - notice > now || reminded.get(&id) == Some(&due) {
                continue;
            }
            by_org.entry(org).or_default().push((id, name, due));
        }
        let mut sent = 0;
        for (code, mut due) in by_org {
            let Some(org) = self.store.organisation_by_code(&code).await? else { continue };
            due.sort_by(|a, b| a.2.cmp(&b.2).then(a.0.cmp(&b.0)));
            let mut list = String::new();
            for (id, name, d) in due.iter().take(50) {
                list.push_str(&format!("- {name}: uiterlijk / by {d}\n  {}\n", self.link(&format!("/nl/beheer/algoritme/{id}"))));
            }
            if due.len() > 50 {
                list.push_str(&format!("... en {} meer / and {} more\n", due.len() - 50, due.len() - 50));
            }
            let n = due.len();
            let mails: Vec<NewMail> = self
                .member_mails(org.id, &[Role::Editor, Role::Approver, Role::OrgAdmin])
                .await?
                .into_iter()
                .map(|to| NewMail::new(
                    to,
                    format!("Nog actueel? {n} registratie(s) van {} / Still current? {n} registration(s)", org.name),
                    format!(
                        "Bevestig eens per jaar dat een gepubliceerde registratie nog klopt, of publiceer een nieuwe versie. Dit is nodig voor:\nConfirm once a year that a published registration is still right, or publish a new version. This is due for:\n\n{list}\n{}\n",
                        self.link(&format!("/nl/beheer/org/{}", org.code)),
                    ),
                ))
                .collect();
            if mails.is_empty() {
                // Nobody to tell yet: not marked, so members added later are reminded.
                continue;
            }
            let marks: Vec<(AlgorithmId, NaiveDate)> = due.iter().map(|(id, _, d)| (*id, *d)).collect();
            self.store.mark_review_reminded(&marks, &mails).await?;
            sent += 1;
        }
        Ok(sent)
    }

    async fn evaluation_notices(&self, now: DateTime<Utc>) -> Result<usize> {
        let mut notices = 0;
        let horizon = now.date_naive() + chrono::Duration::days(self.cfg().evaluation_notice_days);
        for (org_id, plan) in self.store.evaluation_plans(None).await? {
            if plan.next_due > horizon || plan.reminded_for == Some(plan.next_due) {
                continue;
            }
            let name = self.store.versions(plan.record).await?.last().map(|v| v.content.name().to_string()).unwrap_or_default();
            let mails: Vec<NewMail> = self
                .member_mails(org_id, &[Role::Editor, Role::Approver, Role::OrgAdmin])
                .await?
                .into_iter()
                .map(|to| {
                    NewMail::new(
                        to,
                        format!("Evaluatie van {name} op {d} / Evaluation of {name} due {d}", d = plan.next_due),
                        format!(
                        "De evaluatie van \"{name}\" moet uiterlijk {d} gedaan zijn.\nThe evaluation of \"{name}\" is due by {d}.\n\n{}\n",
                        self.link(&format!("/nl/beheer/algoritme/{}/evaluaties", plan.record)),
                        d = plan.next_due
                    ),
                    )
                })
                .collect();
            self.store.mark_evaluation_reminded(plan.record, plan.next_due, &mails).await?;
            notices += 1;
        }
        Ok(notices)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicIncident {
    pub class: IncidentClass,
    pub title: String,
    pub summary: String,
    pub noticed_at: DateTime<Utc>,
    pub status: IncidentStatus,
}

/// Sends queued e-mail over SMTP. Without an SMTP address, mail stays queued.
pub struct Mailer {
    transport: Option<lettre::AsyncSmtpTransport<lettre::Tokio1Executor>>,
    from: lettre::message::Mailbox,
}

impl Mailer {
    /// `smtp_url`: `smtp://host:port` (plain, for a relay on the same network), `smtp://host:port?tls=required`
    /// or `smtps://host`, with optional `user:password@` (lettre's URL format).
    pub fn new(smtp_url: Option<&str>, from: &str) -> Result<Mailer> {
        let from = from.parse().map_err(|_| bad("mail_from", "Geen geldig afzenderadres.", "Not a valid sender address."))?;
        let transport = match smtp_url {
            Some(u) if !u.trim().is_empty() => Some(
                lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(u.trim())
                    .map_err(|e| bad("smtp_url", format!("Ongeldig SMTP-adres: {e}"), format!("Invalid SMTP address: {e}")))?
                    .timeout(Some(Duration::from_secs(20)))
                    .build(),
            ),
            _ => None,
        };
        Ok(Mailer { transport, from })
    }

    pub fn enabled(&self) -> bool {
        self.transport.is_some()
    }

    /// Sends what is queued; a failure is kept with the mail and retried (at most five attempts).
    pub async fn send_queued(&self, store: &dyn Store, held: &crate::runtime::Held) -> Result<usize> {
        use lettre::AsyncTransport;
        let Some(t) = &self.transport else { return Ok(0) };
        let mut sent = 0;
        for m in store.unsent_mail(100, 5).await? {
            if !held.get() {
                break;
            }
            let built = m.to.parse::<lettre::message::Mailbox>().map_err(|e| e.to_string()).and_then(|to| {
                let mut b = lettre::Message::builder()
                    .from(self.from.clone())
                    .to(to)
                    .subject(m.subject.clone())
                    .header(lettre::message::header::ContentType::TEXT_PLAIN);
                if let Some(url) = m.unsubscribe.as_deref().filter(|u| !u.contains(['<', '>', '\r', '\n'])) {
                    // One click in the mail program (RFC 8058): it posts to the link, which ends the subscription.
                    use lettre::message::header::{HeaderName, HeaderValue};
                    b = b.raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("List-Unsubscribe"), format!("<{url}>"))).raw_header(
                        HeaderValue::new(HeaderName::new_from_ascii_str("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click".into()),
                    );
                }
                b.body(m.body.clone()).map_err(|e| e.to_string())
            });
            let result = match built {
                Ok(msg) => t.send(msg).await.map(|_| ()).map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            match result {
                Ok(()) => {
                    store.mail_result(m.id, None, Utc::now()).await?;
                    sent += 1;
                }
                Err(e) => {
                    // The address is personal data: neither logged nor kept with the error.
                    let e: String = e.replace(&m.to, "<recipient>").chars().take(300).collect();
                    tracing::warn!(mail = m.id, error = %e, "sending mail failed");
                    store.mail_result(m.id, Some(&e), Utc::now()).await?;
                }
            }
        }
        Ok(sent)
    }
}

/// The background loop of `serve`: every `every`, the feedback tick and the mail queue.
/// With several nodes on one database, only the node holding the `feedback` lease works, so that every
/// reminder and mail goes out once.
pub async fn run_background(
    store: Arc<dyn Store>,
    node: Arc<crate::runtime::Node>,
    state: Arc<FeedbackState>,
    mailer: Arc<Mailer>,
    every: Duration,
) {
    let lease = crate::runtime::Lease::new(store.clone(), node, "feedback", every * 3 + Duration::from_secs(120));
    loop {
        if let Some(round) = lease.round().await {
            crate::metrics::METRICS.job_ran(crate::metrics::Job::Feedback);
            let f = Feedback { store: store.as_ref(), state: &state, shared_limits: None };
            if let Err(e) = f.tick(Utc::now()).await {
                tracing::error!(error = %e, "feedback tick failed");
            }
            if let Err(e) = mailer.send_queued(store.as_ref(), &round.held()).await {
                tracing::error!(error = %e, "mail queue failed");
            }
        }
        tokio::time::sleep(every).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_emails() {
        let c = new_code();
        assert_eq!(c.len(), 19);
        assert_eq!(hash_secret(&c), hash_secret(&c.to_lowercase()), "codes are read case-insensitively");
        assert!(check_email("email", "a.b@voorbeeld.nl").is_ok());
        for bad in ["", "a", "a@b", "a b@c.nl", "<a@b.nl>", "a@.nl", "a@b.nl,c@d.nl"] {
            assert!(check_email("email", bad).is_err(), "{bad}");
        }
        assert!(check_text("text", "<b>kort</b>", 10, 100).is_err());
        assert_eq!(check_text("text", "<p>Een <b>lange</b> tekst</p>", 5, 100).unwrap(), "Een lange tekst");
    }
}

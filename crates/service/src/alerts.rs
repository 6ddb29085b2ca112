//! E-mail alerts for people without an account: subscribe to a search (words, an organisation, a
//! theme, ...), confirm from the mailbox, get a daily or weekly digest of the registrations published
//! or changed since the last one, and unsubscribe with one click.
//!
//! The confirm and unsubscribe links carry a token derived with HMAC-SHA256 from the subscription's ID
//! and the instance's alert key (kept in the store, so every node derives the same): nothing secret is
//! stored per subscription, and an unsubscribe link keeps working in every digest ever sent. The address
//! is the only personal data; unsubscribing deletes it, and subscriptions never confirmed are deleted
//! after [`AlertConfig::unconfirmed_for`].

use crate::error::{Result, ServiceError};
use crate::feedback::check_email;
use crate::ratelimit::RateLimiter;
use algoreg_domain::alerts::Frequency;
use algoreg_search::{Filters, SearchIndex, SearchQuery, Sort};
use algoreg_standard::AlgorithmId;
use algoreg_store::{Alert, AlertAdded, NewMail, Store};
use chrono::{DateTime, Utc};
use rand::RngCore;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct AlertConfig {
    /// How much time a daily and a weekly digest cover.
    pub daily: Duration,
    pub weekly: Duration,
    /// Subscriptions one address may have (confirmed or not).
    pub max_per_address: u32,
    /// Subscribe requests per client address per hour (0: no limit).
    pub per_client_per_hour: u32,
    /// Confirmation mails to one address per day (0: no limit): nobody can flood someone else's mailbox.
    pub confirmations_per_recipient_per_day: u32,
    /// Subscriptions not confirmed within this time are deleted.
    pub unconfirmed_for: Duration,
}

impl Default for AlertConfig {
    fn default() -> Self {
        AlertConfig {
            daily: Duration::from_secs(24 * 3600),
            weekly: Duration::from_secs(7 * 24 * 3600),
            max_per_address: 10,
            per_client_per_hour: 10,
            confirmations_per_recipient_per_day: 3,
            unconfirmed_for: Duration::from_secs(48 * 3600),
        }
    }
}

/// Confirmation mails per mail domain per hour, and in all per hour: whatever the other limits let
/// through (many addresses, many client addresses), the register never becomes a mass mailer.
const CONFIRMATIONS_PER_DOMAIN_PER_HOUR: u32 = 200;
const CONFIRMATIONS_PER_HOUR: u32 = 2000;

/// The settings, the limiters of subscribing and the key of the links (read once).
pub struct AlertState {
    pub config: AlertConfig,
    per_client: RateLimiter,
    /// Keyed by a hash of the address without its `+tag`: no address is kept in memory for this.
    per_recipient: RateLimiter,
    per_domain: RateLimiter,
    overall: RateLimiter,
    key: tokio::sync::OnceCell<ring::hmac::Key>,
}

impl AlertState {
    pub fn new(config: AlertConfig) -> AlertState {
        let hour = Duration::from_secs(3600);
        AlertState {
            per_client: RateLimiter::new(config.per_client_per_hour, hour),
            per_recipient: RateLimiter::new(config.confirmations_per_recipient_per_day, 24 * hour),
            per_domain: RateLimiter::new(CONFIRMATIONS_PER_DOMAIN_PER_HOUR, hour),
            overall: RateLimiter::new(CONFIRMATIONS_PER_HOUR, hour),
            key: Default::default(),
            config,
        }
    }
}

/// The address a limit counts: lowercase, without a `+tag` (`lezer+1@x.nl` and `lezer+2@x.nl` reach
/// one mailbox), and its domain.
pub(crate) fn mailbox(email: &str) -> (String, String) {
    let (local, domain) = email.rsplit_once('@').unwrap_or((email, ""));
    let local = local.split('+').next().unwrap_or(local);
    (format!("{local}@{domain}").to_ascii_lowercase(), domain.to_ascii_lowercase())
}

/// A search value as it may appear in a mail: short plain words only. Anything else (a link, a long
/// text) is left out, so that nobody can make the register mail their text to a stranger.
fn mail_safe(v: &str) -> Option<&str> {
    let ok =
        v.chars().count() <= 60 && v.chars().all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '\'' | '"' | '(' | ')' | ',' | '&'));
    ok.then_some(v)
}

impl Default for AlertState {
    fn default() -> Self {
        AlertState::new(AlertConfig::default())
    }
}

/// Registrations listed in one digest at most; the mail links to the search for the rest.
pub const DIGEST_ITEMS: usize = 20;
/// Digests sent per round at most (the rest wait for the next round).
const DIGESTS_PER_ROUND: i64 = 500;
/// The longest text of one search parameter.
const MAX_PARAM: usize = 200;

/// The search parameters a subscription keeps, in the order they are stored.
pub const SEARCH_KEYS: &[&str] = &["q", "org", "type", "theme", "cat", "status", "ia"];

/// What a subscription follows: the portal's search parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertSearch {
    /// Per key of [`SEARCH_KEYS`], its value (empty: not used).
    values: Vec<(&'static str, String)>,
}

impl AlertSearch {
    /// From a form or a query string: known keys only, each at most 200 characters without control
    /// characters; `ia` is `ja` or `nee`.
    pub fn parse(pairs: &[(String, String)]) -> Result<AlertSearch> {
        let mut values = vec![];
        for key in SEARCH_KEYS {
            let Some((_, v)) = pairs.iter().find(|(k, _)| k == key) else { continue };
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            if v.chars().count() > MAX_PARAM {
                return Err(ServiceError::bad(*key, "Hoogstens 200 tekens.", "At most 200 characters."));
            }
            if v.chars().any(char::is_control) {
                return Err(ServiceError::bad(*key, "Bevat een stuurteken.", "Holds a control character."));
            }
            if *key == "ia" && !matches!(v, "ja" | "nee") {
                return Err(ServiceError::bad("ia", "Kies ja of nee.", "Choose ja or nee."));
            }
            values.push((*key, v.to_string()));
        }
        Ok(AlertSearch { values })
    }

    /// From what the store keeps (written by [`AlertSearch::to_query`]).
    pub fn from_query(s: &str) -> AlertSearch {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(s).unwrap_or_default();
        AlertSearch::parse(&pairs).unwrap_or_default()
    }

    pub fn to_query(&self) -> String {
        serde_urlencoded::to_string(&self.values).unwrap_or_default()
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.iter().find(|(k, _)| *k == key).map(|(_, v)| v.as_str())
    }

    pub fn values(&self) -> &[(&'static str, String)] {
        &self.values
    }

    fn query(&self, limit: usize) -> SearchQuery {
        let get = |k: &str| self.get(k).map(String::from);
        SearchQuery {
            text: get("q").unwrap_or_default(),
            filters: Filters {
                org: get("org"),
                org_type: get("type"),
                theme: get("theme"),
                category: get("cat"),
                status: get("status"),
                impact_assessment: self.get("ia").map(|v| v == "ja"),
                impact_assessment_title: None,
                ..Default::default()
            },
            sort: Sort::Newest,
            offset: 0,
            limit,
            ..Default::default()
        }
    }
}

/// What a subscriber asks for.
#[derive(Debug, Clone, Default)]
pub struct AlertInput {
    pub email: String,
    pub frequency: String,
    /// `nl` or `en`: the language of the mails.
    pub lang: String,
    /// A field people do not see; filled in, it is a robot.
    pub website: String,
    pub search: Vec<(String, String)>,
}

/// One registration in a digest.
#[derive(Debug, Clone)]
pub struct DigestItem {
    pub id: AlgorithmId,
    pub name: String,
    pub organisation: String,
    pub new: bool,
    pub published_at: DateTime<Utc>,
}

pub struct Alerts<'a> {
    pub(crate) store: &'a dyn Store,
    pub(crate) state: &'a AlertState,
    pub(crate) search: Option<&'a SearchIndex>,
    pub(crate) public_url: &'a str,
    pub(crate) shared_limits: Option<&'a dyn Store>,
}

/// The purposes a link token is made for: one never works as the other.
#[derive(Clone, Copy)]
pub enum Purpose {
    Confirm,
    Unsubscribe,
}

impl Purpose {
    fn code(self) -> &'static str {
        match self {
            Purpose::Confirm => "confirm",
            Purpose::Unsubscribe => "unsubscribe",
        }
    }
}

fn well_formed_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

fn not_found() -> ServiceError {
    ServiceError::NotFound("alert")
}

impl Alerts<'_> {
    fn cfg(&self) -> &AlertConfig {
        &self.state.config
    }

    fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.trim_end_matches('/'))
    }

    /// The instance's key, read from the store once per process.
    async fn key(&self) -> Result<&ring::hmac::Key> {
        self.state
            .key
            .get_or_try_init(|| async {
                let mut candidate = [0u8; 32];
                rand::thread_rng().fill_bytes(&mut candidate);
                let key = self.store.alert_key(&hex::encode(candidate)).await?;
                let bytes = hex::decode(&key).map_err(|_| ServiceError::Internal("the alert key is not hexadecimal".into()))?;
                Ok(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &bytes))
            })
            .await
    }

    async fn token(&self, id: &str, purpose: Purpose) -> Result<String> {
        let key = self.key().await?;
        let tag = ring::hmac::sign(key, format!("{}:{id}", purpose.code()).as_bytes());
        Ok(hex::encode(&tag.as_ref()[..20]))
    }

    /// Whether `token` was made for `id` and `purpose` (in constant time).
    async fn verify(&self, id: &str, token: &str, purpose: Purpose) -> Result<()> {
        if !well_formed_id(id) || token.len() != 40 {
            return Err(not_found());
        }
        let expected = self.token(id, purpose).await?;
        let same = expected.bytes().zip(token.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        if same {
            Ok(())
        } else {
            Err(not_found())
        }
    }

    /// The link that confirms or ends a subscription (`lang`: `nl` or `en`).
    pub async fn link_for(&self, id: &str, purpose: Purpose, lang: &str) -> Result<String> {
        let token = self.token(id, purpose).await?;
        let action = match purpose {
            Purpose::Confirm => "bevestigen",
            Purpose::Unsubscribe => "afmelden",
        };
        Ok(self.link(&format!("/{lang}/meldingen/{id}/{action}/{token}")))
    }

    /// Subscribes an address to a search. The answer is the same whether or not the address had the
    /// subscription already or has too many (nothing tells a stranger what an address follows); only
    /// a new subscription sends a confirmation mail, and nothing is mailed before it is confirmed.
    pub async fn subscribe(&self, input: AlertInput, client: &str, now: DateTime<Utc>) -> Result<()> {
        if !input.website.trim().is_empty() {
            return Err(ServiceError::bad("website", "Laat dit veld leeg.", "Leave this field empty."));
        }
        let email = check_email("email", &input.email)?.to_ascii_lowercase();
        let frequency = Frequency::parse(input.frequency.trim())
            .ok_or_else(|| ServiceError::bad("frequency", "Kies dagelijks of wekelijks.", "Choose daily or weekly."))?;
        let search = AlertSearch::parse(&input.search)?;
        let lang = if input.lang == "en" { "en" } else { "nl" };
        let client = match client.parse::<std::net::IpAddr>() {
            Ok(ip) => crate::limits::client_key(ip),
            _ => client.to_string(),
        };
        let too_many = |s| ServiceError::TooManyRequests { retry_after: s };
        self.state.per_client.hit(self.shared_limits, "alert-client", &client).await.map_err(too_many)?;
        if let Some(org) = search.get("org") {
            if self.store.organisation_by_code(org).await?.is_none() {
                return Err(ServiceError::bad("org", "Deze organisatie kennen we niet.", "This organisation is not known."));
            }
        }
        let what = self.describe(&search, lang, true).await?;
        // Quietly past a limit: the same answer as when the mail goes out.
        let (limit_key, domain) = mailbox(&email);
        let shared = self.shared_limits;
        if self.state.per_recipient.hit(shared, "alert-mail", &crate::feedback::hash_secret(&limit_key)).await.is_err()
            || self.state.per_domain.hit(shared, "alert-domain", &crate::feedback::hash_secret(&domain)).await.is_err()
            || self.state.overall.hit(shared, "alert-all", "all").await.is_err()
        {
            return Ok(());
        }
        let mut raw = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut raw);
        let alert = Alert {
            id: hex::encode(raw),
            email: email.clone(),
            search: search.to_query(),
            frequency,
            lang: lang.to_string(),
            created_at: now,
            confirmed_at: None,
            sent_until: None,
        };
        let mail = self.confirmation_mail(&alert.id, &email, frequency, &what, lang).await?;
        match self.store.add_alert(&alert, self.cfg().max_per_address, &mail).await? {
            // Not confirmed yet (the mail got lost?): its confirmation link again, within the limits above.
            AlertAdded::Exists { id, confirmed: false } => {
                let again = self.confirmation_mail(&id, &email, frequency, &what, lang).await?;
                self.store.queue_mail(&[again]).await?;
                Ok(())
            }
            AlertAdded::Added | AlertAdded::Exists { .. } | AlertAdded::Full => Ok(()),
        }
    }

    async fn confirmation_mail(&self, id: &str, email: &str, frequency: Frequency, what: &str, lang: &str) -> Result<NewMail> {
        let confirm = self.link_for(id, Purpose::Confirm, lang).await?;
        let hours = self.cfg().unconfirmed_for.as_secs() / 3600;
        let (subject, body) = if lang == "en" {
            (
                "Confirm your e-mail alert from the algorithm register".to_string(),
                format!(
                    "Someone (probably you) asked for a {} e-mail about new and changed registrations in the algorithm register: {what}.\n\nConfirm with this link within {hours} hours:\n{confirm}\n\nDid you not ask for this? Then do nothing: without confirmation you get no mail, and the address is deleted.\n",
                    frequency.label_en()
                ),
            )
        } else {
            (
                "Bevestig uw e-mailmelding van het algoritmeregister".to_string(),
                format!(
                    "Iemand (waarschijnlijk u) vroeg om een {} e-mail over nieuwe en gewijzigde registraties in het algoritmeregister: {what}.\n\nBevestig dit binnen {hours} uur met deze link:\n{confirm}\n\nHeeft u hier niet om gevraagd? Doe dan niets: zonder bevestiging krijgt u geen e-mail en wordt het adres gewist.\n",
                    frequency.label_nl()
                ),
            )
        };
        Ok(NewMail::new(email.to_string(), subject, body))
    }

    /// The subscription a link is for, when the link is right.
    pub async fn by_link(&self, id: &str, token: &str, purpose: Purpose) -> Result<Alert> {
        self.verify(id, token, purpose).await?;
        self.store.alert(id).await?.ok_or_else(not_found)
    }

    /// Confirms a subscription from its confirmation link: from now on its digests go out.
    pub async fn confirm(&self, id: &str, token: &str, now: DateTime<Utc>) -> Result<Alert> {
        self.verify(id, token, Purpose::Confirm).await?;
        if !self.store.confirm_alert(id, now).await? {
            return Err(not_found());
        }
        self.store.alert(id).await?.ok_or_else(not_found)
    }

    /// Ends a subscription from its unsubscribe link: the address is deleted. True when there was one
    /// (a second click finds nothing, which is not an error).
    pub async fn unsubscribe(&self, id: &str, token: &str) -> Result<bool> {
        self.verify(id, token, Purpose::Unsubscribe).await?;
        Ok(self.store.delete_alert(id).await?)
    }

    /// What a subscription follows, in words. For a mail (`for_mail`), a value that is not short plain
    /// words is named without its text.
    pub async fn describe(&self, search: &AlertSearch, lang: &str, for_mail: bool) -> Result<String> {
        let en = lang == "en";
        let mut parts = vec![];
        for (k, v) in search.values() {
            if for_mail && *k != "org" && mail_safe(v).is_none() {
                parts.push(
                    match *k {
                        "q" => {
                            if en {
                                "a search"
                            } else {
                                "een zoekopdracht"
                            }
                        }
                        _ => {
                            if en {
                                "a filter"
                            } else {
                                "een filter"
                            }
                        }
                    }
                    .to_string(),
                );
                continue;
            }
            let part = match *k {
                "q" => format!("{} \u{201c}{v}\u{201d}", if en { "search" } else { "zoekopdracht" }),
                "org" => {
                    let name = self.store.organisation_by_code(v).await?.map(|o| o.name).unwrap_or_else(|| v.clone());
                    format!("{} {name}", if en { "organisation" } else { "organisatie" })
                }
                "type" => format!("{} {v}", if en { "type of organisation" } else { "soort organisatie" }),
                "theme" => format!("{} {v}", if en { "theme" } else { "thema" }),
                "cat" => format!("{} {v}", if en { "category" } else { "categorie" }),
                "status" => format!("status {v}"),
                "ia" => format!("{} {v}", if en { "impact assessment" } else { "impacttoets" }),
                _ => continue,
            };
            parts.push(part);
        }
        Ok(if parts.is_empty() { if en { "all registrations" } else { "alle registraties" }.to_string() } else { parts.join(", ") })
    }

    /// The registrations of a search published (first or in a new version) after `since` and up to
    /// `until`, newest first, at most `DIGEST_ITEMS + 1` (one more says there are more).
    pub async fn changes(
        &self,
        search: &AlertSearch,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        orgs: &[algoreg_store::Organisation],
    ) -> Result<Vec<DigestItem>> {
        let Some(index) = self.search else { return Ok(vec![]) };
        let q = search.query(4 * DIGEST_ITEMS);
        let r = index.search(&q).map_err(|e| ServiceError::Internal(e.to_string()))?;
        if r.corrected {
            // The results of a spelling correction are not what was subscribed to.
            return Ok(vec![]);
        }
        let ids: Vec<AlgorithmId> = r.hits.iter().filter_map(|h| AlgorithmId::parse(&h.id).ok()).collect();
        let versions = self.store.published_many(&ids).await?;
        let mut out = vec![];
        for v in versions {
            if v.published_at <= since || v.published_at > until {
                continue;
            }
            let organisation = orgs
                .iter()
                .find(|o| o.code == v.org_code)
                .map(|o| o.name.clone())
                .unwrap_or_else(|| v.content.str("organization").unwrap_or("").to_string());
            out.push(DigestItem {
                id: v.record,
                name: v.content.name().to_string(),
                organisation,
                new: v.first_published_at > since,
                published_at: v.published_at,
            });
        }
        out.sort_by(|a, b| b.published_at.cmp(&a.published_at).then(a.id.to_string().cmp(&b.id.to_string())));
        out.truncate(DIGEST_ITEMS + 1);
        Ok(out)
    }

    /// Sends the digests that are due: for each subscription, what was published since its last digest
    /// (nothing new: no mail, the period still counts as reported). Returns the mails queued.
    pub async fn send_digests(&self, now: DateTime<Utc>) -> Result<usize> {
        let cfg = self.cfg();
        // Only from an index that has taken in every public change: what it lacks would be skipped for good.
        let Some(index) = self.search else { return Ok(0) };
        if self.store.outbox_max().await? > index.position() {
            return Ok(0);
        }
        // A registration published a moment ago may not be searchable yet: report up to a little earlier.
        let lag = chrono::Duration::from_std(cfg.daily.min(Duration::from_secs(120)) / 2).unwrap_or_default();
        let until = now - lag;
        let period = |d: Duration| chrono::Duration::from_std(d).unwrap_or(chrono::Duration::days(1));
        let due = self.store.due_alerts(until - period(cfg.daily), until - period(cfg.weekly), DIGESTS_PER_ROUND).await?;
        let mut sent = 0;
        let orgs = if due.is_empty() { vec![] } else { self.store.organisations().await? };
        for a in due {
            let since = a.sent_until.or(a.confirmed_at).unwrap_or(a.created_at);
            let search = AlertSearch::from_query(&a.search);
            let items = self.changes(&search, since, until, &orgs).await?;
            let mail = if items.is_empty() { None } else { Some(self.digest(&a, &search, &items).await?) };
            // Moved on by another node meanwhile, or unsubscribed: nothing was queued.
            let queued = self.store.alert_sent(&a.id, since, until, mail.as_ref()).await?;
            sent += usize::from(queued && mail.is_some());
        }
        Ok(sent)
    }

    async fn digest(&self, a: &Alert, search: &AlertSearch, items: &[DigestItem]) -> Result<NewMail> {
        let en = a.lang == "en";
        let lang = if en { "en" } else { "nl" };
        let what = self.describe(search, lang, true).await?;
        let unsubscribe = self.link_for(&a.id, Purpose::Unsubscribe, lang).await?;
        let mut body = String::new();
        body.push_str(&if en {
            format!("New and changed registrations in the algorithm register for {what}:\n\n")
        } else {
            format!("Nieuwe en gewijzigde registraties in het algoritmeregister voor {what}:\n\n")
        });
        for i in items.iter().take(DIGEST_ITEMS) {
            let label = match (en, i.new) {
                (false, true) => "nieuw",
                (false, false) => "gewijzigd",
                (true, true) => "new",
                (true, false) => "changed",
            };
            body.push_str(&format!(
                "- {} ({}, {label}, {})\n  {}\n",
                i.name,
                i.organisation,
                i.published_at.format("%Y-%m-%d"),
                self.link(&format!("/{lang}/algoritme/{}", i.id))
            ));
        }
        let all = self.link(&format!("/{lang}/search?{}", {
            let mut q = search.values().to_vec();
            q.push(("sort", "newest".into()));
            serde_urlencoded::to_string(q).unwrap_or_default()
        }));
        if items.len() > DIGEST_ITEMS {
            body.push_str(&if en {
                format!("\nThere are more; see them all: {all}\n")
            } else {
                format!("\nEr zijn er meer; zie ze allemaal: {all}\n")
            });
        }
        body.push_str(&if en {
            format!("\nYou get this {} e-mail because you asked for it. Stop with one click: {unsubscribe}\n", a.frequency.label_en())
        } else {
            format!("\nU krijgt deze {} e-mail omdat u erom vroeg. Stoppen kan met één klik: {unsubscribe}\n", a.frequency.label_nl())
        });
        let n = items.len().min(DIGEST_ITEMS);
        let subject = if en {
            format!("Algorithm register: {n}{} new or changed for {what}", if items.len() > DIGEST_ITEMS { "+" } else { "" })
        } else {
            format!("Algoritmeregister: {n}{} nieuw of gewijzigd voor {what}", if items.len() > DIGEST_ITEMS { "+" } else { "" })
        };
        Ok(NewMail { to: a.email.clone(), subject: subject.chars().take(200).collect(), body, unsubscribe: Some(unsubscribe) })
    }

    /// Deletes subscriptions never confirmed in time.
    pub async fn purge(&self, now: DateTime<Utc>) -> Result<u64> {
        let keep = chrono::Duration::from_std(self.cfg().unconfirmed_for).unwrap_or(chrono::Duration::days(2));
        Ok(self.store.purge_unconfirmed_alerts(now - keep).await?)
    }
}

/// The background loop of `serve`: every `every`, the digests that are due and the purge of
/// subscriptions never confirmed, on the node holding the `alerts` lease (so that each digest goes out
/// once). The mails go out with the mail queue.
pub async fn run_background(app: crate::App, every: Duration) {
    let lease = crate::runtime::Lease::new(app.store.clone(), app.node(), "alerts", every * 3 + Duration::from_secs(120));
    loop {
        if let Some(_round) = lease.round().await {
            let alerts = app.alerts();
            let now = Utc::now();
            if let Err(e) = alerts.send_digests(now).await {
                tracing::error!(error = %e, "sending alert digests failed");
            }
            if let Err(e) = alerts.purge(now).await {
                tracing::error!(error = %e, "purging unconfirmed alerts failed");
            }
        }
        tokio::time::sleep(every).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn searches_are_checked_and_kept_in_one_order() {
        let s = AlertSearch::parse(&pairs(&[("theme", "Verkeer"), ("q", " parkeren "), ("page", "2"), ("org", "")])).unwrap();
        assert_eq!(s.to_query(), "q=parkeren&theme=Verkeer", "known keys only, trimmed, empty left out, fixed order");
        assert_eq!(AlertSearch::from_query(&s.to_query()), s);
        let e = AlertSearch::parse(&pairs(&[("q", &"x".repeat(201))])).unwrap_err();
        assert!(format!("{e:?}").contains("\"q\""), "{e:?}");
        assert!(AlertSearch::parse(&pairs(&[("ia", "misschien")])).is_err());
        assert!(AlertSearch::parse(&pairs(&[("org", "a\u{0}b")])).is_err());
        assert_eq!(AlertSearch::from_query("%%%"), AlertSearch::default(), "what cannot be read follows everything, never panics");
        assert!(well_formed_id(&"ab".repeat(16)));
        assert!(!well_formed_id(&"AB".repeat(16)));
        assert!(!well_formed_id("../etc"));
    }

    #[test]
    fn limits_count_mailboxes_and_mails_carry_plain_words_only() {
        assert_eq!(mailbox("Lezer+1@Example.org"), ("lezer@example.org".into(), "example.org".into()));
        assert_eq!(mailbox("lezer@example.org").0, mailbox("LEZER+nieuws@example.org").0);
        assert_eq!(mail_safe("parkeren of verkeer"), Some("parkeren of verkeer"));
        assert_eq!(mail_safe("Wet maatschappelijke ondersteuning (Wmo)"), Some("Wet maatschappelijke ondersteuning (Wmo)"));
        assert_eq!(mail_safe("log in op https://evil.example"), None);
        assert_eq!(mail_safe("bel 0800-1234 of mail x@y.nl"), None);
        assert_eq!(mail_safe(&"a".repeat(61)), None);
    }
}

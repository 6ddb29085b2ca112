//! The conformance suite of the storage traits. Every backend runs it from its own tests with
//!
//! ```ignore
//! algoreg_store_conformance::suite!(open_fresh_store);
//! ```
//!
//! where `open_fresh_store` is an `async fn() -> algoreg_store_conformance::Fixture` giving an empty
//! store (and whatever must live as long as it, such as a temporary directory). The macro makes one
//! test per case, so a failure names the contract that broke. Cases use only the traits: what passes
//! here holds for every backend, which is what lets the services stay the same on SQLite and PostgreSQL.

use algoreg_domain::aiact::ComplianceStatus;
use algoreg_domain::audit::AuditKind;
use algoreg_domain::federation::HarvestOutcome;
use algoreg_domain::feedback::{IncidentClass, IncidentEventKind, IncidentStatus, SignalKind, SignalStatus};
use algoreg_domain::org::{OrgType, PublicationFlow, Role};
use algoreg_domain::workflow::{Action, VersionState};
use algoreg_standard::{AlgorithmId, Content, StandardVersion};
use algoreg_store::*;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use std::sync::Arc;

/// A fresh, empty store, and what must be kept alive with it. No store: the backend's server is not
/// available here and the case checks nothing (the backend's test decides when that is allowed).
pub struct Fixture {
    pub store: Option<Arc<dyn Store>>,
    pub keep: Box<dyn std::any::Any + Send>,
}

impl Fixture {
    pub fn skip() -> Fixture {
        Fixture { store: None, keep: Box::new(()) }
    }
}

/// Makes one `#[tokio::test]` per case of the suite for a backend (see the crate documentation).
#[macro_export]
macro_rules! suite {
    ($open:path) => {
        $crate::cases!($open;
            organisations_round_trip, organisation_code_is_unique, organisation_update_keeps_id, templates_round_trip,
            users_and_email_are_unique_without_case, memberships_add_and_remove, set_password_ends_sessions,
            invitations_need_the_invited_user, invitation_renewal_and_expiry, delete_invitation,
            sessions_expire_and_end, tokens_round_trip_and_revoke, password_reset_is_single_use, preview_links_live_for_a_while,
            record_create_and_read, record_id_is_unique, workflow_publishes_and_supersedes, apply_refuses_a_stale_change,
            concurrent_writers_one_wins, apply_on_missing_record, retract_unpublishes, listing_and_paging,
            workspace_and_released_lists, published_many_keeps_order, import_records_all_or_nothing, import_stream_writes_and_reports_existing,
            import_stream_without_end_keeps_nothing, import_stream_in_bulk, outbox_counts_public_changes, times_keep_microseconds,
            integrity_of_a_sound_store, classifications_by_version, compliance_by_version,
            sources_round_trip, source_url_is_unique, source_attempts_and_harvest_commit,
            signals_round_trip, signal_update_refuses_a_stale_status, signal_reminders_once, erasure_of_personal_data,
            incidents_round_trip, evaluations_move_the_plan, mail_queue_and_results,
            leases_one_holder_at_a_time, concurrent_lease_takers_one_wins, counters_count_per_window,
            login_failures_count_and_are_forgiven,
            signing_keys_round_trip, own_sessions_listed_and_ended, audit_log_per_organisation, second_factor_codes_work_once,
            single_sign_on, subjects_are_pinned_once, passkeys_and_ceremonies, copy_reads_every_row_once_by_key, supervisor_is_granted_and_taken_away,
            link_checks_replace_by_url_and_are_purged, confirmations_keep_the_last_and_need_the_record,
            alerts_are_confirmed_reported_and_deleted, public_changes_keep_each_records_latest,
            log_appends_in_order_and_refuses_a_stale_append, source_logs_are_kept_per_source
        );
    };
}

/// The expansion of [`suite!`]: one test per named case.
#[macro_export]
macro_rules! cases {
    ($open:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let fixture: $crate::Fixture = $open().await;
                let Some(store) = fixture.store.clone() else { return };
                $crate::$name(store).await;
                drop(fixture);
            }
        )*
    };
}

type S = Arc<dyn Store>;

// ---------------------------------------------------------------------------------------------
// Helpers

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_780_000_000 + secs, 0).single().expect("time")
}

fn id(n: u64) -> AlgorithmId {
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    AlgorithmId::generate(|| {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        x
    })
}

fn new_org(code: &str, flow: PublicationFlow) -> NewOrganisation {
    NewOrganisation {
        code: code.into(),
        name: format!("Organisatie {code}"),
        org_type: OrgType::Gemeente,
        tooi: None,
        relations: Default::default(),
        flow,
        about: None,
        contact: None,
    }
}

async fn org(s: &S, code: &str) -> Organisation {
    s.create_organisation(&new_org(code, PublicationFlow::FourEyes)).await.expect("create organisation")
}

async fn user(s: &S, email: &str) -> User {
    s.create_user(&NewUser {
        email: email.into(),
        name: format!("Naam {email}"),
        password_hash: "hash".into(),
        central_operator: false,
        password_temporary_until: None,
    })
    .await
    .expect("create user")
}

fn content(name: &str) -> Content {
    let mut c = Content::new();
    c.set("name", name);
    c.set("description_short", "Korte beschrijving");
    c
}

fn version(name: &str, state: VersionState, when: DateTime<Utc>) -> NewVersion {
    NewVersion {
        standard_version: StandardVersion::CURRENT,
        content: content(name),
        state,
        missing: vec![],
        provenance: None,
        created_at: when,
        created_by: "user:1".into(),
    }
}

fn history(action: Action, version: u32, when: DateTime<Utc>) -> NewHistory {
    NewHistory { action, version, actor: "user:1".into(), reason: None, at: when }
}

/// A record with one draft.
async fn draft(s: &S, org: &Organisation, n: u64, name: &str) -> AlgorithmId {
    let rid = id(n);
    s.create_record(rid, org.id, &version(name, VersionState::Draft, at(0)), &history(Action::Create, 1, at(0)))
        .await
        .expect("create record");
    rid
}

fn step(rid: AlgorithmId, expected_latest: u32, action: Action, when: DateTime<Utc>) -> Change {
    Change {
        record: rid,
        expected_latest,
        expected_state: None,
        new_version: None,
        state_changes: vec![],
        publishes: None,
        unpublishes: false,
        withdraws: None,
        released_by: None,
        history: history(action, expected_latest, when),
    }
}

/// A record with a published first version.
async fn published(s: &S, org: &Organisation, n: u64, name: &str) -> AlgorithmId {
    let rid = draft(s, org, n, name).await;
    let mut c = step(rid, 1, Action::Publish, at(10));
    c.state_changes = vec![(1, VersionState::Published)];
    c.publishes = Some(1);
    s.apply(&c).await.expect("publish");
    rid
}

fn is_conflict(e: &StoreError, field: &str) -> bool {
    matches!(e, StoreError::Conflict(f) if *f == field)
}

fn mail(to: &str) -> NewMail {
    NewMail { to: to.into(), subject: "Onderwerp".into(), body: "Tekst".into(), unsubscribe: None }
}

// ---------------------------------------------------------------------------------------------
// Organisations

pub async fn organisations_round_trip(s: S) {
    assert!(s.organisations().await.unwrap().is_empty());
    let a = org(&s, "b-org").await;
    let b = org(&s, "a-org").await;
    assert_eq!(s.organisation(a.id).await.unwrap().as_ref(), Some(&a));
    assert_eq!(s.organisation_by_code("a-org").await.unwrap().as_ref(), Some(&b));
    assert!(s.organisation_by_code("none").await.unwrap().is_none());
    assert!(s.organisation(OrgId(-1)).await.unwrap().is_none());
    let all = s.organisations().await.unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.contains(&a) && all.contains(&b));
}

pub async fn organisation_code_is_unique(s: S) {
    org(&s, "dubbel").await;
    let e = s.create_organisation(&new_org("dubbel", PublicationFlow::Central)).await.unwrap_err();
    assert!(is_conflict(&e, "code"), "{e:?}");
    assert_eq!(s.organisations().await.unwrap().len(), 1);
    // A text the database cannot keep (PostgreSQL keeps no NUL) is the caller's input, not a failure.
    let nul = NewOrganisation { name: "Nul\u{0}teken".into(), ..new_org("nul", PublicationFlow::Central) };
    match s.create_organisation(&nul).await {
        Ok(o) => assert_eq!(o.name, "Nul\u{0}teken"),
        Err(e) => assert!(matches!(e, StoreError::Unstorable), "{e:?}"),
    }
}

pub async fn organisation_update_keeps_id(s: S) {
    let mut o = org(&s, "wijzig").await;
    let rid = published(&s, &o, 1, "Openbaar").await;
    let before = s.outbox_max().await.unwrap();
    o.name = "Nieuwe naam".into();
    o.flow = PublicationFlow::Central;
    o.contact = Some("info@example.org".into());
    o.relations = OrgRelations { short_name: Some("WZG".into()), parent: Some("moeder".into()), ministry: Some("mnre1034".into()) };
    s.update_organisation(&o).await.unwrap();
    assert_eq!(s.organisation(o.id).await.unwrap().unwrap(), o);
    let created = s
        .create_organisation(&NewOrganisation {
            code: "kind".into(),
            relations: o.relations.clone(),
            ..new_org("kind", PublicationFlow::Central)
        })
        .await
        .unwrap();
    assert_eq!(s.organisation_by_code("kind").await.unwrap().unwrap().relations, o.relations, "kept when created");
    assert_eq!(created.relations, o.relations);
    // Its public records are announced again: what the public sees of them includes the organisation.
    let after = s.outbox_after(before, 10).await.unwrap();
    assert!(after.iter().any(|(_, r)| *r == rid), "{after:?}");
}

pub async fn templates_round_trip(s: S) {
    assert!(s.templates().await.unwrap().is_empty());
    let t = s.create_template("Sjabloon", "leverancier", &content("Uit sjabloon")).await.unwrap();
    let all = s.templates().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].id, t);
    assert_eq!(all[0].name, "Sjabloon");
    assert_eq!(all[0].source, "leverancier");
    assert_eq!(all[0].content.name(), "Uit sjabloon");
}

// ---------------------------------------------------------------------------------------------
// People

pub async fn users_and_email_are_unique_without_case(s: S) {
    let u = user(&s, "Anna@example.org").await;
    assert_eq!(s.user(u.id).await.unwrap().unwrap().email, "Anna@example.org");
    assert_eq!(s.user_by_email("anna@EXAMPLE.org").await.unwrap().map(|x| x.id), Some(u.id));
    assert!(s.user_by_email("niemand@example.org").await.unwrap().is_none());
    assert!(s.user(UserId(-5)).await.unwrap().is_none());
    let e = s
        .create_user(&NewUser {
            email: "anna@example.org".into(),
            name: "Ander".into(),
            password_hash: "h".into(),
            central_operator: false,
            password_temporary_until: None,
        })
        .await
        .unwrap_err();
    assert!(is_conflict(&e, "email"), "{e:?}");
    // Only A to Z fold, on every backend and in every locale: these are two accounts.
    let upper = user(&s, "Émile@example.org").await;
    let lower = user(&s, "émile@example.org").await;
    assert_ne!(upper.id, lower.id);
    assert_eq!(s.user_by_email("émile@EXAMPLE.org").await.unwrap().map(|x| x.id), Some(lower.id));
}

pub async fn memberships_add_and_remove(s: S) {
    let o = org(&s, "leden").await;
    let u = user(&s, "lid@example.org").await;
    s.set_membership(u.id, o.id, Role::Editor).await.unwrap();
    s.set_membership(u.id, o.id, Role::Approver).await.unwrap();
    // Setting the same role twice is no error and no second row.
    s.set_membership(u.id, o.id, Role::Editor).await.unwrap();
    let mut roles: Vec<Role> = s.memberships(u.id).await.unwrap().into_iter().map(|m| m.role).collect();
    roles.sort_by_key(|r| r.code());
    assert_eq!(roles, vec![Role::Approver, Role::Editor]);
    assert_eq!(s.members(o.id).await.unwrap().len(), 2);
    s.remove_membership(u.id, o.id, Some(Role::Editor)).await.unwrap();
    assert_eq!(
        s.memberships(u.id).await.unwrap(),
        vec![Membership { org_id: o.id, role: Role::Approver, second_factor_required: false, sso_required: false }]
    );
    s.remove_membership(u.id, o.id, None).await.unwrap();
    assert!(s.memberships(u.id).await.unwrap().is_empty());
    assert!(s.members(o.id).await.unwrap().is_empty());
}

pub async fn link_checks_replace_by_url_and_are_purged(s: S) {
    use algoreg_domain::quality::LinkOutcome;
    let check = |url: &str, outcome, status, secs| LinkCheck {
        url: url.into(),
        outcome,
        http_status: status,
        detail: String::new(),
        checked_at: at(secs),
    };
    s.save_link_checks(&[
        check("https://a.example/x", LinkOutcome::Ok, Some(200), 0),
        check("https://b.example/", LinkOutcome::Timeout, None, 0),
    ])
    .await
    .unwrap();
    s.save_link_checks(&[check("https://a.example/x", LinkOutcome::Broken, Some(404), 100)]).await.unwrap();
    let mut urls: Vec<String> = (0..1200).map(|i| format!("https://c.example/{i}")).collect();
    urls.push("https://a.example/x".into());
    urls.push("https://b.example/".into());
    let mut got = s.link_checks(&urls).await.unwrap();
    got.sort_by(|a, b| a.url.cmp(&b.url));
    assert_eq!(
        got,
        vec![check("https://a.example/x", LinkOutcome::Broken, Some(404), 100), check("https://b.example/", LinkOutcome::Timeout, None, 0)]
    );
    assert_eq!(s.purge_link_checks(at(50)).await.unwrap(), 1);
    assert_eq!(s.link_checks(&urls).await.unwrap().len(), 1);

    // Acceptances by the operator: a later one replaces the earlier; purging outcomes keeps them.
    let acc = |reason: &str, t| LinkAcceptance { url: "https://a.example/x".into(), reason: reason.into(), by: "user:1".into(), at: at(t) };
    assert!(s.link_acceptances(&urls).await.unwrap().is_empty());
    s.accept_link(&acc("komt terug", 200)).await.unwrap();
    s.accept_link(&acc("komt volgende week terug", 300)).await.unwrap();
    assert_eq!(s.link_acceptances(&urls).await.unwrap(), vec![acc("komt volgende week terug", 300)]);
    s.purge_link_checks(at(1000)).await.unwrap();
    assert_eq!(s.link_acceptances(&urls).await.unwrap().len(), 1);
}

pub async fn confirmations_keep_the_last_and_need_the_record(s: S) {
    let o = org(&s, "bevestigd").await;
    let a = published(&s, &o, 1, "Eerste").await;
    let b = published(&s, &o, 2, "Tweede").await;
    assert!(s.confirmations(&[a, b]).await.unwrap().is_empty());
    s.confirm_current(a, at(100), "user:1").await.unwrap();
    s.confirm_current(a, at(200), "user:2").await.unwrap();
    assert_eq!(s.confirmations(&[a, b]).await.unwrap(), vec![(a, at(200))], "the last confirmation counts");
    assert!(s.confirm_current(id(999), at(300), "user:1").await.is_err(), "a registration that does not exist");

    // Reminders: the last due date reminded of per registration, written with their mails.
    assert!(s.review_reminders(&[a, b]).await.unwrap().is_empty());
    let d1 = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    let d2 = NaiveDate::from_ymd_opt(2028, 1, 1).unwrap();
    s.mark_review_reminded(&[(a, d1)], &[mail("redactie@example.org")]).await.unwrap();
    s.mark_review_reminded(&[(a, d2), (b, d1)], &[]).await.unwrap();
    let mut got = s.review_reminders(&[a, b, id(998)]).await.unwrap();
    got.sort();
    let mut want = vec![(a, d2), (b, d1)];
    want.sort();
    assert_eq!(got, want);
    assert_eq!(s.unsent_mail(10, 5).await.unwrap().len(), 1);
    assert!(s.mark_review_reminded(&[(id(999), d1)], &[mail("redactie@example.org")]).await.is_err(), "a registration that does not exist");
    assert_eq!(s.unsent_mail(10, 5).await.unwrap().len(), 1, "all or nothing: no mail without its reminder");
}

fn alert(n: u8, email: &str, search: &str, frequency: algoreg_domain::alerts::Frequency, created: i64) -> Alert {
    Alert {
        id: format!("{n:032x}"),
        email: email.into(),
        search: search.into(),
        frequency,
        lang: "nl".into(),
        created_at: at(created),
        confirmed_at: None,
        sent_until: None,
    }
}

pub async fn alerts_are_confirmed_reported_and_deleted(s: S) {
    use algoreg_domain::alerts::Frequency::{Daily, Weekly};
    let key = s.alert_key("aa11").await.unwrap();
    assert_eq!(key, "aa11");
    assert_eq!(s.alert_key("bb22").await.unwrap(), "aa11", "the first key stays");
    let m = |to: &str| NewMail { to: to.into(), subject: "Bevestig".into(), body: "link".into(), unsubscribe: None };
    let a = alert(1, "lezer@example.org", "q=parkeren", Daily, 0);
    assert_eq!(s.add_alert(&a, 2, &m("lezer@example.org")).await.unwrap(), AlertAdded::Added);
    assert_eq!(
        s.add_alert(&alert(2, "lezer@example.org", "q=parkeren", Daily, 1), 2, &m("lezer@example.org")).await.unwrap(),
        AlertAdded::Exists { id: a.id.clone(), confirmed: false }
    );
    let b = alert(3, "lezer@example.org", "org=gem-a", Weekly, 2);
    assert_eq!(s.add_alert(&b, 2, &m("lezer@example.org")).await.unwrap(), AlertAdded::Added);
    assert_eq!(
        s.add_alert(&alert(4, "lezer@example.org", "theme=Verkeer", Daily, 3), 2, &m("lezer@example.org")).await.unwrap(),
        AlertAdded::Full
    );
    assert_eq!(s.unsent_mail(10, 5).await.unwrap().len(), 2, "a confirmation mail for each subscription added, none else");
    assert_eq!(s.alert(&a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(s.alert(&format!("{:032x}", 4)).await.unwrap(), None, "nothing of a refused subscription is kept");

    // Only confirmed subscriptions are due.
    assert!(s.due_alerts(at(10_000), at(10_000), 10).await.unwrap().is_empty());
    assert!(s.confirm_alert(&a.id, at(100)).await.unwrap());
    assert!(s.confirm_alert(&a.id, at(200)).await.unwrap(), "confirming again is fine");
    let got = s.alert(&a.id).await.unwrap().unwrap();
    assert_eq!((got.confirmed_at, got.sent_until), (Some(at(100)), Some(at(100))), "a second confirmation changes nothing");
    assert!(!s.confirm_alert(&format!("{:032x}", 9), at(100)).await.unwrap());
    assert!(s.confirm_alert(&b.id, at(100)).await.unwrap());
    assert_eq!(
        s.add_alert(&alert(6, "lezer@example.org", "org=gem-a", Weekly, 1), 2, &m("lezer@example.org")).await.unwrap(),
        AlertAdded::Exists { id: b.id.clone(), confirmed: true }
    );
    let due = |d: i64, w: i64| {
        let s = s.clone();
        async move { s.due_alerts(at(d), at(w), 10).await.unwrap().into_iter().map(|x| x.id).collect::<Vec<_>>() }
    };
    assert_eq!(due(99, 99).await, Vec::<String>::new());
    assert_eq!(due(100, 99).await, vec![a.id.clone()], "daily and weekly have their own bounds");
    assert_eq!(due(100, 100).await.len(), 2);
    assert_eq!(s.due_alerts(at(100), at(100), 1).await.unwrap().len(), 1, "the limit holds");

    // A digest moves the subscription on and queues its mail with the one-click address.
    let digest = NewMail { unsubscribe: Some("https://register.example/nl/meldingen/x/afmelden/y".into()), ..m("lezer@example.org") };
    assert!(s.alert_sent(&a.id, at(100), at(300), Some(&digest)).await.unwrap());
    assert_eq!(s.alert(&a.id).await.unwrap().unwrap().sent_until, Some(at(300)));
    assert!(!s.alert_sent(&a.id, at(100), at(300), Some(&digest)).await.unwrap(), "another node moved it on already: no second digest");
    assert_eq!(due(299, 99).await, Vec::<String>::new());
    let queued = s.unsent_mail(10, 5).await.unwrap();
    assert_eq!(queued.len(), 3);
    assert_eq!(queued[2].unsubscribe, digest.unsubscribe);
    assert!(s.alert_sent(&a.id, at(300), at(400), None).await.unwrap());
    assert_eq!(s.unsent_mail(10, 5).await.unwrap().len(), 3, "nothing new: no mail");
    assert_eq!(s.unsent_mail(10, 5).await.unwrap().last().unwrap().unsubscribe, digest.unsubscribe, "digests wait for other mail");
    s.queue_mail(&[mail("ander@example.org")]).await.unwrap();
    assert_eq!(s.unsent_mail(10, 5).await.unwrap()[2].to, "ander@example.org", "other mail goes before digests");

    // Unsubscribing deletes the address and the digests not sent yet; a digest of a deleted
    // subscription queues nothing.
    let digest =
        NewMail { unsubscribe: Some(format!("https://register.example/nl/meldingen/{}/afmelden/y", a.id)), ..m("lezer@example.org") };
    assert!(s.alert_sent(&a.id, at(400), at(450), Some(&digest)).await.unwrap());
    assert_eq!(s.unsent_mail(10, 5).await.unwrap().len(), 5);
    assert!(s.delete_alert(&a.id).await.unwrap());
    assert!(!s.delete_alert(&a.id).await.unwrap());
    assert_eq!(s.alert(&a.id).await.unwrap(), None);
    assert_eq!(s.unsent_mail(10, 5).await.unwrap().len(), 4, "its unsent digest went with it, the other digest stays");
    assert!(!s.alert_sent(&a.id, at(450), at(500), Some(&digest)).await.unwrap());
    assert_eq!(s.unsent_mail(10, 5).await.unwrap().len(), 4);

    // Subscriptions never confirmed are purged after their time; confirmed ones stay.
    let c = alert(5, "ander@example.org", "", Weekly, 50);
    assert_eq!(s.add_alert(&c, 2, &m("ander@example.org")).await.unwrap(), AlertAdded::Added);
    assert_eq!(s.purge_unconfirmed_alerts(at(50)).await.unwrap(), 0);
    assert_eq!(s.purge_unconfirmed_alerts(at(51)).await.unwrap(), 1);
    assert_eq!(s.alert(&c.id).await.unwrap(), None);
    assert!(s.alert(&b.id).await.unwrap().is_some());
}

pub async fn supervisor_is_granted_and_taken_away(s: S) {
    let u = user(&s, "toezicht@example.org").await;
    assert!(!u.supervisor, "a new account is no supervisor");
    s.set_supervisor(u.id, true).await.unwrap();
    assert!(s.user(u.id).await.unwrap().unwrap().supervisor);
    assert!(s.user_by_email("TOEZICHT@example.org").await.unwrap().unwrap().supervisor);
    s.set_supervisor(u.id, false).await.unwrap();
    assert!(!s.user(u.id).await.unwrap().unwrap().supervisor);
    assert!(matches!(s.set_supervisor(UserId(999_999), true).await, Err(StoreError::NotFound)), "an unknown account");
}

pub async fn set_password_ends_sessions(s: S) {
    let u = user(&s, "sessie@example.org").await;
    s.create_session("sessie-hash", u.id, at(1000), "password").await.unwrap();
    assert!(s.session_user("sessie-hash", at(0)).await.unwrap().is_some());
    assert!(!u.password_by_admin);
    s.set_password(u.id, "nieuw", PasswordSet::ByAdmin(at(500))).await.unwrap();
    assert!(s.session_user("sessie-hash", at(0)).await.unwrap().is_none());
    let again = s.user(u.id).await.unwrap().unwrap();
    assert_eq!(again.password_hash, "nieuw");
    assert_eq!(again.password_temporary_until, Some(at(500)));
    assert!(again.password_by_admin, "an admin set it");
    // The holder changes it: still one an admin knew the way to; no longer temporary.
    s.set_password(u.id, "eigen", PasswordSet::ByHolder).await.unwrap();
    let again = s.user(u.id).await.unwrap().unwrap();
    assert_eq!((again.password_temporary_until, again.password_by_admin), (None, true));
    s.enable_totp(u.id, "GEHEIM", &[]).await.unwrap();
    s.set_password(u.id, "-", PasswordSet::Unusable).await.unwrap();
    let again = s.user(u.id).await.unwrap().unwrap();
    assert!(!again.password_by_admin, "nobody knows an unusable one");
    assert!(again.totp_secret.is_none(), "what the admin may have added ends");
    // A new account with a temporary password is one an admin set.
    let new = s
        .create_user(&NewUser {
            email: "tijdelijk@example.org".into(),
            name: "Tijdelijk".into(),
            password_hash: "x".into(),
            central_operator: false,
            password_temporary_until: Some(at(500)),
        })
        .await
        .unwrap();
    assert!(new.password_by_admin);
    assert!(s.user(new.id).await.unwrap().unwrap().password_by_admin);
}

pub async fn invitations_need_the_invited_user(s: S) {
    let o = org(&s, "uitnodiger").await;
    let invited = user(&s, "gast@example.org").await;
    let other = user(&s, "ander@example.org").await;
    let i = s
        .create_invitation(&NewInvitation { org_id: o.id, user_id: invited.id, role: Role::Editor, invited_by: None, expires_at: at(100) })
        .await
        .unwrap();
    assert_eq!(s.invitations_for_user(invited.id, at(0)).await.unwrap().len(), 1);
    let of_org = s.invitations_of_org(o.id, at(0)).await.unwrap();
    assert_eq!(of_org.len(), 1);
    assert_eq!(
        (of_org[0].org_code.as_str(), of_org[0].user_email.as_str(), of_org[0].role),
        ("uitnodiger", "gast@example.org", Role::Editor)
    );
    // Someone else cannot accept it, and trying changes nothing.
    assert!(matches!(s.accept_invitation(i, other.id, at(0)).await, Err(StoreError::NotFound)));
    assert!(s.memberships(other.id).await.unwrap().is_empty());
    let accepted = s.accept_invitation(i, invited.id, at(0)).await.unwrap();
    assert_eq!(accepted.id, i);
    assert_eq!(
        s.memberships(invited.id).await.unwrap(),
        vec![Membership { org_id: o.id, role: Role::Editor, second_factor_required: false, sso_required: false }]
    );
    // Accepted once: gone.
    assert!(s.invitations_for_user(invited.id, at(0)).await.unwrap().is_empty());
    assert!(matches!(s.accept_invitation(i, invited.id, at(0)).await, Err(StoreError::NotFound)));
}

pub async fn invitation_renewal_and_expiry(s: S) {
    let o = org(&s, "verloop").await;
    let u = user(&s, "later@example.org").await;
    s.create_invitation(&NewInvitation { org_id: o.id, user_id: u.id, role: Role::Approver, invited_by: None, expires_at: at(100) })
        .await
        .unwrap();
    // The same organisation, user and role: renewed, not doubled.
    let i = s
        .create_invitation(&NewInvitation { org_id: o.id, user_id: u.id, role: Role::Approver, invited_by: None, expires_at: at(300) })
        .await
        .unwrap();
    let open = s.invitations_for_user(u.id, at(200)).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].expires_at, at(300));
    // Expired: not listed and not accepted.
    assert!(s.invitations_for_user(u.id, at(301)).await.unwrap().is_empty());
    assert!(s.invitations_of_org(o.id, at(301)).await.unwrap().is_empty());
    assert!(matches!(s.accept_invitation(i, u.id, at(301)).await, Err(StoreError::NotFound)));
    assert!(s.memberships(u.id).await.unwrap().is_empty());
}

pub async fn delete_invitation(s: S) {
    let o = org(&s, "intrekken").await;
    let u = user(&s, "weg@example.org").await;
    let i = s
        .create_invitation(&NewInvitation { org_id: o.id, user_id: u.id, role: Role::Editor, invited_by: None, expires_at: at(100) })
        .await
        .unwrap();
    assert_eq!(s.delete_invitation(i).await.unwrap().id, i);
    assert!(matches!(s.delete_invitation(i).await, Err(StoreError::NotFound)));
    assert!(s.invitations_of_org(o.id, at(0)).await.unwrap().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Access

pub async fn sessions_expire_and_end(s: S) {
    let u = user(&s, "in@example.org").await;
    s.create_session("a", u.id, at(100), "password").await.unwrap();
    assert_eq!(s.session_user("a", at(99)).await.unwrap().map(|(x, _)| x.id), Some(u.id));
    assert!(s.session_user("a", at(101)).await.unwrap().is_none());
    assert!(s.session_user("onbekend", at(0)).await.unwrap().is_none());
    s.create_session("b", u.id, at(100), "password").await.unwrap();
    s.delete_session("b").await.unwrap();
    assert!(s.session_user("b", at(0)).await.unwrap().is_none());
    // Ending a session that does not exist is no error.
    s.delete_session("b").await.unwrap();
}

pub async fn tokens_round_trip_and_revoke(s: S) {
    let o = org(&s, "tokens").await;
    let other = org(&s, "ander").await;
    let t = s
        .create_token(&NewToken { org_id: o.id, role: Role::Editor, name: "koppeling".into(), hash: "th".into(), created_by: None })
        .await
        .unwrap();
    assert_eq!((t.org_id, t.role, t.name.as_str(), t.revoked), (o.id, Role::Editor, "koppeling", false));
    assert_eq!(s.token_by_hash("th").await.unwrap(), Some(t.clone()));
    assert_eq!(s.tokens(o.id).await.unwrap(), vec![t.clone()]);
    assert_eq!(s.token(t.id).await.unwrap(), Some(t.clone()));
    assert!(s.token(t.id + 1000).await.unwrap().is_none());
    assert!(s.tokens(other.id).await.unwrap().is_empty());
    // Another organisation cannot revoke it.
    let _ = s.revoke_token(other.id, t.id).await;
    assert!(!s.token_by_hash("th").await.unwrap().unwrap().revoked);
    s.revoke_token(o.id, t.id).await.unwrap();
    assert!(s.token_by_hash("th").await.unwrap().is_none_or(|t| t.revoked));
    assert!(s.token(t.id).await.unwrap().unwrap().revoked, "a revoked token is still found by its ID, marked revoked");
    assert!(matches!(s.revoke_token(o.id, t.id).await, Err(StoreError::NotFound)));
    // A token made by a person says who (four eyes counts the two as one).
    let maker = user(&s, "maker@tokens.nl").await;
    let made = NewToken { org_id: o.id, role: Role::Approver, name: "goedkeuren".into(), hash: "th2".into(), created_by: Some(maker.id) };
    let t2 = s.create_token(&made).await.unwrap();
    assert_eq!(t2.created_by, Some(maker.id));
    assert_eq!(s.token_by_hash("th2").await.unwrap(), Some(t2.clone()));
    assert_eq!(s.token(t2.id).await.unwrap().unwrap().created_by, Some(maker.id));
}

/// A preview link leads to its registration until it expires; a registration keeps at most
/// [`algoreg_store::PREVIEW_LINKS_PER_RECORD`], the oldest make way.
/// A preview link leads to its registration until it expires; a registration has at most
/// [`algoreg_store::PREVIEW_LINKS_PER_RECORD`] live ones, and making another never ends one.
pub async fn preview_links_live_for_a_while(s: S) {
    let o = org(&s, "voorbeeld").await;
    let a = published(&s, &o, 1, "Eerste").await;
    let b = published(&s, &o, 2, "Tweede").await;
    let now = Utc::now();
    let soon = |n: i64| Utc.timestamp_opt(now.timestamp() + 3600 + n, 0).single().expect("time");
    assert!(s.create_preview_link("pa", a, "user:1", soon(0)).await.unwrap());
    assert!(s.create_preview_link("pb", b, "token:2", soon(0)).await.unwrap());
    assert_eq!(s.preview_link_record("pa", now).await.unwrap(), Some((a, soon(0))));
    assert_eq!(s.preview_link_record("pb", now).await.unwrap().map(|l| l.0), Some(b));
    assert_eq!(s.preview_link_record("pa", soon(1)).await.unwrap(), None, "expired");
    assert_eq!(s.preview_link_record("onbekend", now).await.unwrap(), None);
    assert!(matches!(s.create_preview_link("pa", b, "user:1", soon(0)).await, Err(StoreError::Conflict(_))));
    assert!(s.create_preview_link("pc", id(997), "user:1", soon(0)).await.is_err(), "a registration that does not exist");
    let n = algoreg_store::PREVIEW_LINKS_PER_RECORD;
    for i in 1..n {
        assert!(s.create_preview_link(&format!("pa{i}"), a, "user:1", soon(i)).await.unwrap(), "pa{i}");
    }
    assert!(!s.create_preview_link("te-veel", a, "user:1", soon(n)).await.unwrap(), "no room beyond the limit");
    assert_eq!(s.preview_link_record("te-veel", now).await.unwrap(), None);
    assert_eq!(s.preview_link_record("pa", now).await.unwrap(), Some((a, soon(0))), "the first link still works");
    assert!(s.create_preview_link("pb2", b, "user:1", soon(0)).await.unwrap(), "another registration has its own room");
}

pub async fn password_reset_is_single_use(s: S) {
    let u = user(&s, "vergeten@example.org").await;
    s.create_session("oud", u.id, at(1000), "password").await.unwrap();
    s.create_password_reset("link", u.id, at(100), &[mail("vergeten@example.org")]).await.unwrap();
    // The mail was queued with it.
    assert_eq!(s.unsent_mail(10, 5).await.unwrap().len(), 1);
    assert_eq!(s.password_reset_user("link", at(0)).await.unwrap().map(|x| x.id), Some(u.id));
    assert!(s.password_reset_user("link", at(101)).await.unwrap().is_none());
    assert!(matches!(s.use_password_reset("link", "nieuw", at(101)).await, Err(StoreError::NotFound)));
    // A password an admin set (which ends sessions and links), then the holder's own through the
    // mailbox: what was added to the account meanwhile (a passkey, a second factor) ends too.
    s.set_password(u.id, "van-de-beheerder", PasswordSet::ByAdmin(at(500))).await.unwrap();
    s.create_session("oud", u.id, at(1000), "password").await.unwrap();
    let key = NewPasskey { user_id: u.id, credential_id: "geplant".into(), public_key: "pk".into(), sign_count: 0, name: "x".into() };
    s.add_passkey(&key, at(1)).await.unwrap();
    s.enable_totp(u.id, "GEHEIM", &["herstel".into()]).await.unwrap();
    s.create_password_reset("link", u.id, at(100), &[mail("vergeten@example.org")]).await.unwrap();
    let changed = s.use_password_reset("link", "nieuw", at(1)).await.unwrap();
    assert_eq!(changed.id, u.id);
    assert!(!changed.password_by_admin, "chosen through the mailbox");
    let after = s.user(u.id).await.unwrap().unwrap();
    assert!(!after.password_by_admin);
    assert!(after.totp_secret.is_none(), "the second factor set while an admin knew the password ends");
    assert!(s.passkeys_of_user(u.id).await.unwrap().is_empty(), "and so do its passkeys");
    // An account the holder set up: a reset keeps its passkeys (and second factor), and gives back the
    // tries of a code that were taken.
    s.add_passkey(&NewPasskey { credential_id: "eigen".into(), ..key }, at(2)).await.unwrap();
    s.enable_totp(u.id, "EIGEN", &[]).await.unwrap();
    assert_eq!(s.totp_try(u.id, 10).await.unwrap(), Some(1));
    s.create_password_reset("link2", u.id, at(100), &[mail("vergeten@example.org")]).await.unwrap();
    s.use_password_reset("link2", "nogmaals-nieuw", at(3)).await.unwrap();
    assert_eq!(s.user(u.id).await.unwrap().unwrap().totp_failures, 0, "a reset through the mailbox gives the tries back");
    assert_eq!(s.passkeys_of_user(u.id).await.unwrap().len(), 1);
    assert_eq!(s.user(u.id).await.unwrap().unwrap().password_hash, "nogmaals-nieuw");
    assert!(s.session_user("oud", at(2)).await.unwrap().is_none(), "a reset ends every session");
    assert!(matches!(s.use_password_reset("link", "nogmaals", at(2)).await, Err(StoreError::NotFound)));
}

// ---------------------------------------------------------------------------------------------
// Records

pub async fn record_create_and_read(s: S) {
    let o = org(&s, "records").await;
    let rid = draft(&s, &o, 1, "Eerste").await;
    let meta = s.record(rid).await.unwrap().unwrap();
    assert_eq!(
        (meta.id, meta.org_id, meta.latest_version, meta.latest_state, meta.published_version),
        (rid, o.id, 1, VersionState::Draft, None)
    );
    let v = s.version(rid, 1).await.unwrap().unwrap();
    assert_eq!((v.number, v.state, v.content.name()), (1, VersionState::Draft, "Eerste"));
    assert!(s.version(rid, 2).await.unwrap().is_none());
    assert_eq!(s.versions(rid).await.unwrap().len(), 1);
    let h = s.history(rid).await.unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].action, Action::Create);
    assert!(s.published(rid).await.unwrap().is_none());
    assert!(s.published_history(rid).await.unwrap().is_empty());
    assert!(s.record(id(999)).await.unwrap().is_none());
    assert_eq!(s.records(&[rid, id(999)]).await.unwrap().len(), 1);
}

pub async fn record_id_is_unique(s: S) {
    let o = org(&s, "uniek").await;
    let rid = draft(&s, &o, 1, "Eerste").await;
    let e =
        s.create_record(rid, o.id, &version("Tweede", VersionState::Draft, at(1)), &history(Action::Create, 1, at(1))).await.unwrap_err();
    assert!(is_conflict(&e, "id"), "{e:?}");
    assert_eq!(s.versions(rid).await.unwrap().len(), 1);
    assert_eq!(s.history(rid).await.unwrap().len(), 1, "nothing of the refused record is written");
}

pub async fn workflow_publishes_and_supersedes(s: S) {
    let o = org(&s, "stroom").await;
    let rid = draft(&s, &o, 1, "Versie 1").await;
    let mut release = step(rid, 1, Action::Release, at(5));
    release.state_changes = vec![(1, VersionState::Released)];
    release.released_by = Some("user:7".into());
    s.apply(&release).await.unwrap();
    let meta = s.record(rid).await.unwrap().unwrap();
    assert_eq!((meta.latest_state, meta.released_by.as_deref()), (VersionState::Released, Some("user:7")));
    let mut publish = step(rid, 1, Action::Publish, at(10));
    publish.state_changes = vec![(1, VersionState::Published)];
    publish.publishes = Some(1);
    s.apply(&publish).await.unwrap();
    let p = s.published(rid).await.unwrap().unwrap();
    assert_eq!((p.number, p.org_code.as_str(), p.published_at, p.first_published_at, p.current), (1, "stroom", at(10), at(10), true));
    // A new draft leaves the public version alone.
    let mut save = step(rid, 1, Action::Save, at(20));
    save.new_version = Some(version("Versie 2", VersionState::Draft, at(20)));
    save.history.version = 2;
    s.apply(&save).await.unwrap();
    assert_eq!(s.published(rid).await.unwrap().unwrap().number, 1);
    assert_eq!(s.record(rid).await.unwrap().unwrap().latest_version, 2);
    // Publishing it supersedes the first.
    let mut publish2 = step(rid, 2, Action::Publish, at(30));
    publish2.state_changes = vec![(1, VersionState::Superseded), (2, VersionState::Published)];
    publish2.publishes = Some(2);
    s.apply(&publish2).await.unwrap();
    let p = s.published(rid).await.unwrap().unwrap();
    assert_eq!((p.number, p.content.name(), p.published_at, p.first_published_at), (2, "Versie 2", at(30), at(10)));
    let h = s.published_history(rid).await.unwrap();
    assert_eq!(h.iter().map(|v| (v.number, v.current)).collect::<Vec<_>>(), vec![(1, false), (2, true)]);
    assert_eq!(s.version(rid, 1).await.unwrap().unwrap().state, VersionState::Superseded);
    let actions: Vec<Action> = s.history(rid).await.unwrap().into_iter().map(|h| h.action).collect();
    assert_eq!(actions, vec![Action::Create, Action::Release, Action::Publish, Action::Save, Action::Publish]);
}

pub async fn apply_refuses_a_stale_change(s: S) {
    let o = org(&s, "oud").await;
    let rid = draft(&s, &o, 1, "Versie 1").await;
    let mut save = step(rid, 1, Action::Save, at(1));
    save.new_version = Some(version("Versie 2", VersionState::Draft, at(1)));
    s.apply(&save).await.unwrap();
    // The same change again: written against version 1, which is no longer the latest.
    assert!(matches!(s.apply(&save).await, Err(StoreError::Stale)));
    assert_eq!(s.versions(rid).await.unwrap().len(), 2);
    assert_eq!(s.history(rid).await.unwrap().len(), 2, "a refused change writes no history");
    // Planned for a released latest version, which someone has published meanwhile: the same number, another
    // state, so refused too (a save would otherwise supersede what is public).
    let mut release = step(rid, 2, Action::Release, at(2));
    release.state_changes = vec![(2, VersionState::Released)];
    s.apply(&release.clone().expecting(VersionState::Draft)).await.unwrap();
    let mut publish = step(rid, 2, Action::Publish, at(3));
    publish.state_changes = vec![(2, VersionState::Published)];
    publish.publishes = Some(2);
    s.apply(&publish.expecting(VersionState::Released)).await.unwrap();
    let mut save = step(rid, 2, Action::Save, at(4));
    save.new_version = Some(version("Versie 3", VersionState::Draft, at(4)));
    save.state_changes = vec![(2, VersionState::Superseded)];
    assert!(matches!(s.apply(&save.expecting(VersionState::Released)).await, Err(StoreError::Stale)));
    assert_eq!(s.record(rid).await.unwrap().unwrap().published_version, Some(2));
    assert_eq!(s.version(rid, 2).await.unwrap().unwrap().state, VersionState::Published);
}

pub async fn concurrent_writers_one_wins(s: S) {
    let o = org(&s, "tegelijk").await;
    let rid = draft(&s, &o, 1, "Versie 1").await;
    let mut tasks = vec![];
    for i in 0..8 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let mut save = step(rid, 1, Action::Save, at(i));
            save.new_version = Some(version(&format!("Schrijver {i}"), VersionState::Draft, at(i)));
            s.apply(&save).await
        }));
    }
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(()) => won += 1,
            Err(StoreError::Stale) => {}
            Err(e) => panic!("a concurrent writer must win or be told it is stale, not: {e:?}"),
        }
    }
    assert_eq!(won, 1);
    assert_eq!(s.versions(rid).await.unwrap().len(), 2);
    assert_eq!(s.history(rid).await.unwrap().len(), 2);
    // Writers on different records do not get in each other's way.
    let mut tasks = vec![];
    for i in 0..8u64 {
        let (s, o) = (s.clone(), o.clone());
        tasks.push(tokio::spawn(async move { draft(&s, &o, 100 + i, &format!("Record {i}")).await }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(s.list_workspace(o.id).await.unwrap().len(), 9);
}

pub async fn apply_on_missing_record(s: S) {
    assert!(matches!(s.apply(&step(id(5), 1, Action::Release, at(0))).await, Err(StoreError::NotFound)));
}

pub async fn retract_unpublishes(s: S) {
    let o = org(&s, "terug").await;
    let rid = published(&s, &o, 1, "Openbaar").await;
    assert_eq!(s.count_published().await.unwrap(), 1);
    let mut retract = step(rid, 1, Action::Retract, at(20));
    retract.state_changes = vec![(1, VersionState::Draft)];
    retract.unpublishes = true;
    retract.withdraws = Some(1);
    s.apply(&retract).await.unwrap();
    assert!(s.published(rid).await.unwrap().is_none());
    assert_eq!(s.count_published().await.unwrap(), 0);
    assert!(s.record(rid).await.unwrap().unwrap().published_version.is_none());
    // A new version published later: the retracted one does not come back in the public history.
    let mut save = step(rid, 1, Action::Save, at(30));
    save.new_version = Some(version("Verbeterd", VersionState::Draft, at(30)));
    s.apply(&save).await.unwrap();
    let mut publish = step(rid, 2, Action::Publish, at(40));
    publish.state_changes = vec![(2, VersionState::Published)];
    publish.publishes = Some(2);
    s.apply(&publish).await.unwrap();
    let history: Vec<u32> = s.published_history(rid).await.unwrap().iter().map(|v| v.number).collect();
    assert_eq!(history, vec![2]);
}

pub async fn listing_and_paging(s: S) {
    let a = org(&s, "lijst-a").await;
    let b = org(&s, "lijst-b").await;
    let mut ids = vec![];
    for n in 0..7u64 {
        ids.push(published(&s, if n % 2 == 0 { &a } else { &b }, n, &format!("Record {n}")).await);
    }
    draft(&s, &a, 50, "Niet openbaar").await;
    ids.sort();
    let all = s.list_published(&ListQuery { offset: 0, limit: 100, org_code: None }).await.unwrap();
    assert_eq!(all.total, 7);
    assert_eq!(all.items.iter().map(|v| v.record).collect::<Vec<_>>(), ids, "ordered by ID");
    let page = s.list_published(&ListQuery { offset: 3, limit: 2, org_code: None }).await.unwrap();
    assert_eq!((page.total, page.items.iter().map(|v| v.record).collect::<Vec<_>>()), (7, ids[3..5].to_vec()));
    let of_b = s.list_published(&ListQuery { offset: 0, limit: 100, org_code: Some("lijst-b".into()) }).await.unwrap();
    assert_eq!(of_b.total, 3);
    assert!(of_b.items.iter().all(|v| v.org_code == "lijst-b"));
    let beyond = s.list_published(&ListQuery { offset: 100, limit: 10, org_code: None }).await.unwrap();
    assert_eq!((beyond.total, beyond.items.len()), (7, 0));
    // A walk by key gives the same order, page after page, and ends with an empty page.
    let (mut walked, mut after) = (vec![], None);
    loop {
        let page = s.published_after(after, 3).await.unwrap();
        assert!(page.len() <= 3);
        let Some(last) = page.last() else { break };
        after = Some(last.record);
        walked.extend(page.iter().map(|v| v.record));
    }
    assert_eq!(walked, ids, "every public record once, in ID order");
    let recent = s.recent_published(3, None).await.unwrap();
    assert_eq!(recent.len(), 3);
    assert!(recent.windows(2).all(|w| w[0].published_at >= w[1].published_at), "newest first");
    assert!(s.recent_published(10, Some("lijst-a")).await.unwrap().iter().all(|v| v.org_code == "lijst-a"));
    assert_eq!(s.export_published().await.unwrap().len(), 7);
}

pub async fn workspace_and_released_lists(s: S) {
    let o = org(&s, "werk").await;
    let rid = draft(&s, &o, 1, "Klaar voor publicatie").await;
    draft(&s, &o, 2, "Concept").await;
    let mut release = step(rid, 1, Action::Release, at(5));
    release.state_changes = vec![(1, VersionState::Released)];
    s.apply(&release).await.unwrap();
    let items = s.list_workspace(o.id).await.unwrap();
    assert_eq!(items.len(), 2);
    let it = items.iter().find(|i| i.id == rid).unwrap();
    assert_eq!((it.name.as_str(), it.number, it.state, it.published_version), ("Klaar voor publicatie", 1, VersionState::Released, None));
    let released = s.list_released().await.unwrap();
    assert_eq!(released.iter().map(|(o, i)| (*o, i.id)).collect::<Vec<_>>(), vec![(o.id, rid)]);
}

pub async fn published_many_keeps_order(s: S) {
    let o = org(&s, "volgorde").await;
    let a = published(&s, &o, 1, "A").await;
    let b = published(&s, &o, 2, "B").await;
    let hidden = draft(&s, &o, 3, "C").await;
    let got: Vec<AlgorithmId> = s.published_many(&[b, hidden, a, id(77)]).await.unwrap().into_iter().map(|v| v.record).collect();
    assert_eq!(got, vec![b, a]);
    assert!(s.published_many(&[]).await.unwrap().is_empty());
}

fn import_record(o: &Organisation, n: u64, published: bool) -> ImportRecord {
    ImportRecord {
        id: id(n),
        org_id: o.id,
        versions: vec![version(
            &format!("Import {n}"),
            if published { VersionState::Published } else { VersionState::Draft },
            at(n as i64),
        )],
        published,
    }
}

pub async fn import_records_all_or_nothing(s: S) {
    let o = org(&s, "import").await;
    s.import_records(&[import_record(&o, 1, true), import_record(&o, 2, false)]).await.unwrap();
    assert_eq!(s.count_published().await.unwrap(), 1);
    assert_eq!(s.list_workspace(o.id).await.unwrap().len(), 2);
    // A batch with one record that exists already: nothing of it is written.
    let e = s.import_records(&[import_record(&o, 3, true), import_record(&o, 1, true)]).await;
    assert!(e.is_err());
    assert!(s.record(id(3)).await.unwrap().is_none(), "all or nothing");
    assert_eq!(s.count_published().await.unwrap(), 1);
}

pub fn stream_record(org: &str, n: u64) -> StreamRecord {
    StreamRecord {
        id: id(n),
        org: org.into(),
        versions: vec![StreamVersion {
            standard_version: StandardVersion::CURRENT,
            content: serde_json::json!({"name": format!("Stroom {n}")}).to_string(),
            missing: vec![],
            provenance: None,
            created_at: at(n as i64),
            created_by: "import:test".into(),
        }],
        published: true,
    }
}

pub async fn import_stream_writes_and_reports_existing(s: S) {
    let o = org(&s, "bestaand").await;
    let existing = published(&s, &o, 1, "Er al").await;
    let (send, receive) = tokio::sync::mpsc::channel(2);
    let writer = {
        let s = s.clone();
        tokio::spawn(async move { s.import_stream(3, receive).await })
    };
    send.send(ImportMsg::Batch {
        organisations: vec![new_org("nieuw-uit-stroom", PublicationFlow::Central)],
        records: vec![stream_record("nieuw-uit-stroom", 2)],
    })
    .await
    .unwrap();
    send.send(ImportMsg::Batch { organisations: vec![], records: vec![stream_record("bestaand", 1), stream_record("bestaand", 3)] })
        .await
        .unwrap();
    send.send(ImportMsg::End).await.unwrap();
    let outcome = writer.await.unwrap().unwrap();
    assert_eq!(outcome.inserted, 2);
    assert_eq!(outcome.existing.iter().map(|(m, _)| m.id).collect::<Vec<_>>(), vec![existing]);
    let made = s.organisation_by_code("nieuw-uit-stroom").await.unwrap().expect("the stream's organisation");
    assert_eq!(s.published(id(2)).await.unwrap().unwrap().org_code, made.code);
    assert_eq!(s.published(existing).await.unwrap().unwrap().content.name(), "Er al", "an existing record is not overwritten");
    assert_eq!(s.count_published().await.unwrap(), 3);
}

pub async fn import_stream_without_end_keeps_nothing(s: S) {
    let (send, receive) = tokio::sync::mpsc::channel(2);
    let writer = {
        let s = s.clone();
        tokio::spawn(async move { s.import_stream(1, receive).await })
    };
    send.send(ImportMsg::Batch {
        organisations: vec![new_org("afgebroken", PublicationFlow::Central)],
        records: vec![stream_record("afgebroken", 1)],
    })
    .await
    .unwrap();
    drop(send);
    assert!(writer.await.unwrap().is_err(), "a stream that stops without End fails");
    assert!(s.organisation_by_code("afgebroken").await.unwrap().is_none());
    assert!(s.record(id(1)).await.unwrap().is_none());
}

/// Sends `batches` of stream records (with the organisation `org` created in the first) and, when
/// `end`, the end; returns what the store answered.
pub async fn stream_import(s: &S, org: &str, batches: &[std::ops::RangeInclusive<u64>], end: bool) -> Result<StreamOutcome> {
    let (send, receive) = tokio::sync::mpsc::channel(2);
    let expected = batches.iter().map(|b| b.clone().count()).sum();
    let writer = {
        let s = s.clone();
        tokio::spawn(async move { s.import_stream(expected, receive).await })
    };
    let mut seen = std::collections::HashSet::new();
    for (i, b) in batches.iter().enumerate() {
        let organisations = if i == 0 { vec![new_org(org, PublicationFlow::Central)] } else { vec![] };
        // Each identifier once, as the import service sends them (two numbers can give one identifier).
        let records = b.clone().filter(|n| seen.insert(id(*n))).map(|n| stream_record(org, n)).collect();
        if send.send(ImportMsg::Batch { organisations, records }).await.is_err() {
            break;
        }
    }
    if end {
        let _ = send.send(ImportMsg::End).await;
    }
    drop(send);
    writer.await.expect("the writer ends")
}

/// A stream large enough for a backend's bulk path into an empty register (PostgreSQL sets references
/// and indexes aside while it loads): all or nothing like any import, and afterwards the register
/// keeps every rule it had.
pub async fn import_stream_in_bulk(s: S) {
    assert!(stream_import(&s, "bulk", &[1..=1000], false).await.is_err(), "a stream without End fails");
    assert!(s.record(id(1)).await.unwrap().is_none() && s.organisation_by_code("bulk").await.unwrap().is_none());
    let first: std::collections::HashSet<AlgorithmId> = (1..=1500).map(id).collect();
    let outcome = stream_import(&s, "bulk", &[1..=1000, 1001..=1500], true).await.unwrap();
    assert_eq!((outcome.inserted, outcome.existing.len()), (first.len(), 0));
    assert_eq!(s.count_published().await.unwrap(), first.len() as u64);
    assert_eq!(s.outbox_after(0, 2000).await.unwrap().len(), first.len(), "every public record is in the outbox");
    let h = s.history(id(1500)).await.unwrap();
    assert_eq!((h.len(), h[0].action), (1, Action::Import));
    // The rules hold after the load: an identifier once, versions numbered once, and both on their indexes.
    let o = s.organisation_by_code("bulk").await.unwrap().unwrap();
    let e =
        s.create_record(id(7), o.id, &version("Dubbel", VersionState::Draft, at(1)), &history(Action::Create, 1, at(1))).await.unwrap_err();
    assert!(is_conflict(&e, "id"), "{e:?}");
    let mut save = step(id(7), 1, Action::Save, at(20));
    save.new_version = Some(version("Versie 2", VersionState::Draft, at(20)));
    save.history.version = 2;
    s.apply(&save).await.unwrap();
    assert!(s.apply(&save).await.is_err(), "the same step twice is stale");
    assert_eq!(s.versions(id(7)).await.unwrap().len(), 2);
    assert!(s.check_integrity().await.unwrap().0.is_empty());
    // A second stream into the register that is no longer empty takes the ordinary path.
    let second: std::collections::HashSet<AlgorithmId> = (1490..=2600).map(id).collect();
    let again = stream_import(&s, "bulk-2", &[1490..=2600], true).await.unwrap();
    let existing = second.intersection(&first).count();
    assert!(existing >= 11);
    assert_eq!((again.inserted, again.existing.len()), (second.len() - existing, existing));
}

pub async fn outbox_counts_public_changes(s: S) {
    assert_eq!(s.outbox_max().await.unwrap(), 0);
    assert!(s.last_public_change().await.unwrap().is_none());
    let o = org(&s, "uitgaand").await;
    let d = draft(&s, &o, 1, "Concept").await;
    assert_eq!(s.outbox_max().await.unwrap(), 0, "a draft is no public change");
    let p = published(&s, &o, 2, "Openbaar").await;
    let first = s.outbox_max().await.unwrap();
    assert!(first > 0);
    assert_eq!(s.outbox_after(0, 10).await.unwrap().iter().map(|(_, r)| *r).collect::<Vec<_>>(), vec![p]);
    assert!(s.outbox_after(first, 10).await.unwrap().is_empty());
    assert!(s.last_public_change().await.unwrap().is_some());
    let mut publish = step(d, 1, Action::Publish, at(50));
    publish.state_changes = vec![(1, VersionState::Published)];
    publish.publishes = Some(1);
    s.apply(&publish).await.unwrap();
    assert_eq!(s.outbox_after(first, 10).await.unwrap().iter().map(|(_, r)| *r).collect::<Vec<_>>(), vec![d]);
}

pub async fn public_changes_keep_each_records_latest(s: S) {
    let a = org(&s, "wijzig-a").await;
    let b = org(&s, "wijzig-b").await;
    let p = published(&s, &a, 1, "Eerste").await;
    let q = published(&s, &b, 2, "Tweede").await;
    let base = ChangeQuery { after: 0, window: 1_000, limit: 100, ..Default::default() };
    let recs = |c: Vec<PublicChange>| c.iter().map(|x| x.record).collect::<Vec<_>>();
    assert_eq!(recs(s.public_changes(&base).await.unwrap()), vec![p, q]);
    // p is retracted: its latest entry comes after q's, and it is listed once.
    let mut retract = step(p, 1, Action::Retract, at(500));
    retract.state_changes = vec![(1, VersionState::Draft)];
    retract.unpublishes = true;
    s.apply(&retract).await.unwrap();
    let now = s.public_changes(&base).await.unwrap();
    assert_eq!(recs(now.clone()), vec![q, p]);
    assert!(now[1].position > now[0].position && now[1].at >= now[0].at);
    // One organisation; a page; after a position; a window that ends before the latest entries.
    assert_eq!(recs(s.public_changes(&ChangeQuery { org: Some(b.id), ..base.clone() }).await.unwrap()), vec![q]);
    assert_eq!(recs(s.public_changes(&ChangeQuery { limit: 1, ..base.clone() }).await.unwrap()), vec![q]);
    assert_eq!(recs(s.public_changes(&ChangeQuery { after: now[0].position, ..base.clone() }).await.unwrap()), vec![p]);
    assert!(s.public_changes(&ChangeQuery { window: now[0].position - 1, ..base.clone() }).await.unwrap().is_empty());
    // By time: from and until are inclusive.
    let from_p = recs(s.public_changes(&ChangeQuery { from: Some(now[1].at), ..base.clone() }).await.unwrap());
    assert_eq!(from_p.last(), Some(&p));
    let until_q = recs(s.public_changes(&ChangeQuery { until: Some(now[0].at), ..base.clone() }).await.unwrap());
    assert_eq!(until_q.first(), Some(&q));
    if now[0].at < now[1].at {
        assert_eq!((from_p, until_q), (vec![p], vec![q]));
    }
}

pub async fn log_appends_in_order_and_refuses_a_stale_append(s: S) {
    assert_eq!(s.log_state().await.unwrap(), (0, 0));
    let entry = |n: u64, v: u32, event: &str| LogEntry {
        index: 0,
        record: id(n),
        version: v,
        event: event.into(),
        content_hash: format!("sha256:{n}{v}"),
        at: Utc.timestamp_opt(1_780_000_000 + n as i64, 123_456_000).single().unwrap(),
    };
    s.log_append(0, 0, 5, &[entry(1, 1, "publish"), entry(2, 1, "publish")]).await.unwrap();
    assert_eq!(s.log_state().await.unwrap(), (2, 5));
    // A second appender that read the old state loses; nothing of it is kept.
    assert!(matches!(s.log_append(0, 0, 9, &[entry(3, 1, "publish")]).await, Err(StoreError::Stale)));
    assert!(matches!(s.log_append(2, 4, 9, &[entry(3, 1, "publish")]).await, Err(StoreError::Stale)));
    s.log_append(2, 5, 9, &[entry(1, 2, "publish"), entry(2, 1, "retract")]).await.unwrap();
    let all = s.log_entries(0, 100).await.unwrap();
    assert_eq!(all.iter().map(|e| e.index).collect::<Vec<_>>(), vec![0, 1, 2, 3]);
    assert_eq!(all[0], LogEntry { index: 0, ..entry(1, 1, "publish") }, "times keep their microseconds");
    assert_eq!(s.log_entries(1, 3).await.unwrap().len(), 2);
    let mut latest = s.log_latest(&[id(1), id(2), id(7)]).await.unwrap();
    latest.sort_by_key(|e| e.index);
    assert_eq!(latest.iter().map(|e| (e.index, e.event.as_str())).collect::<Vec<_>>(), vec![(2, "publish"), (3, "retract")]);
    let of_one = s.log_of(id(1)).await.unwrap();
    assert_eq!(of_one.iter().map(|e| (e.index, e.version)).collect::<Vec<_>>(), vec![(0, 1), (2, 2)]);
    assert!(s.log_of(id(7)).await.unwrap().is_empty());
    // An origin's key is kept the first time, per name.
    assert_eq!(s.origin_key("a.example/log", "sleutel-a", false).await.unwrap(), "sleutel-a");
    assert_eq!(s.origin_key("a.example/log", "vervalst", false).await.unwrap(), "sleutel-a");
    assert_eq!(s.origin_key("b.example/log", "sleutel-b", false).await.unwrap(), "sleutel-b");
    // From a surer place (the register's own source there), a key replaces the one kept.
    assert_eq!(s.origin_key("a.example/log", "nieuw", true).await.unwrap(), "nieuw");
    assert_eq!(s.origin_key("a.example/log", "vervalst", false).await.unwrap(), "nieuw");
    let kept = s.origin_keys().await.unwrap();
    assert_eq!(kept, vec![("a.example/log".to_string(), "nieuw".to_string()), ("b.example/log".into(), "sleutel-b".into())]);
    // Forgotten, the next key seen is kept again.
    s.forget_origin_key("a.example/log").await.unwrap();
    assert!(matches!(s.forget_origin_key("a.example/log").await, Err(StoreError::NotFound)));
    assert_eq!(s.origin_key("a.example/log", "later", false).await.unwrap(), "later");
    // The key is written once.
    assert_eq!(s.log_key("eerste").await.unwrap(), "eerste");
    assert_eq!(s.log_key("tweede").await.unwrap(), "eerste");
}

pub async fn source_logs_are_kept_per_source(s: S) {
    let o = org(&s, "bronlog").await;
    let src = s.create_source(o.id, "https://bron.example/oai", at(0)).await.unwrap();
    assert_eq!(s.source_log(src.id).await.unwrap(), None);
    let first = SourceLog { key: "bron+01020304+AQ==".into(), size: 3, root: "cm9vdA==".into() };
    s.set_source_log(src.id, &first).await.unwrap();
    let later = SourceLog { size: 5, root: "bGF0ZXI=".into(), ..first.clone() };
    s.set_source_log(src.id, &later).await.unwrap();
    assert_eq!(s.source_log(src.id).await.unwrap(), Some(later));
    // It goes with its source.
    s.delete_source(src.id).await.unwrap();
    assert_eq!(s.source_log(src.id).await.unwrap(), None);
}

pub async fn times_keep_microseconds(s: S) {
    let o = org(&s, "tijd").await;
    let exact = Utc.timestamp_opt(1_780_000_000, 123_456_000).single().unwrap();
    let rid = id(1);
    s.create_record(rid, o.id, &version("Tijd", VersionState::Draft, exact), &history(Action::Create, 1, exact)).await.unwrap();
    assert_eq!(s.version(rid, 1).await.unwrap().unwrap().created_at, exact);
    assert_eq!(s.history(rid).await.unwrap()[0].at, exact);
    let u = user(&s, "tijd@example.org").await;
    s.create_session("t", u.id, exact, "password").await.unwrap();
    // Live one microsecond before, gone at the instant itself.
    assert!(s.session_user("t", exact - Duration::microseconds(1)).await.unwrap().is_some());
    assert!(s.session_user("t", exact).await.unwrap().is_none());
}

pub async fn integrity_of_a_sound_store(s: S) {
    let o = org(&s, "gezond").await;
    published(&s, &o, 1, "A").await;
    draft(&s, &o, 2, "B").await;
    let (problems, records) = s.check_integrity().await.unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(records, 2);
}

// ---------------------------------------------------------------------------------------------
// AI Act

fn classification(rid: AlgorithmId, version: u32, conclusion: &str, when: DateTime<Utc>) -> Classification {
    Classification {
        record: rid,
        version,
        tree: "beslisboom".into(),
        tree_version: "1".into(),
        answers: vec![("q1".into(), 0)],
        labels: vec!["hoog-risico".into()],
        conclusion_id: conclusion.into(),
        conclusion: format!("Conclusie {conclusion}"),
        obligation: "Verplichtingen".into(),
        created_at: when,
        created_by: "user:1".into(),
    }
}

pub async fn classifications_by_version(s: S) {
    let o = org(&s, "ai").await;
    let rid = draft(&s, &o, 1, "AI").await;
    let before = s.aiact_state().await.unwrap();
    assert!(s.classification(rid, None).await.unwrap().is_none());
    let c1 = classification(rid, 1, "c1", at(1));
    // Kept only while the record is as the caller saw it.
    let released = (1, VersionState::Released);
    assert!(matches!(s.save_classification(&c1, released).await, Err(StoreError::Stale)));
    assert_eq!(s.aiact_state().await.unwrap(), before, "nothing written");
    s.save_classification(&c1, (1, VersionState::Draft)).await.unwrap();
    assert_ne!(s.aiact_state().await.unwrap(), before);
    let c2 = classification(rid, 2, "c2", at(2));
    s.save_classification(&c2, (1, VersionState::Draft)).await.unwrap();
    assert_eq!(s.classification(rid, None).await.unwrap(), Some(c2));
    assert_eq!(s.classification(rid, Some(1)).await.unwrap(), Some(c1));
    assert_eq!(s.classified_records().await.unwrap(), vec![rid]);
}

pub async fn compliance_by_version(s: S) {
    let o = org(&s, "naleving").await;
    let rid = draft(&s, &o, 1, "AI").await;
    let entry = |status: &str, when| ComplianceEntry {
        urn: "urn:eis:1".into(),
        status: ComplianceStatus::parse(status).unwrap(),
        reason: None,
        evidence: vec!["https://example.org/rapport".into()],
        updated_at: when,
        updated_by: "user:1".into(),
    };
    let before = s.aiact_state().await.unwrap();
    let draft1 = (1, VersionState::Draft);
    assert!(matches!(s.set_compliance(rid, 1, &entry("done", at(1)), (2, VersionState::Draft)).await, Err(StoreError::Stale)));
    assert_eq!(s.aiact_state().await.unwrap(), before, "nothing written");
    s.set_compliance(rid, 1, &entry("in_progress", at(1)), draft1).await.unwrap();
    assert_ne!(s.aiact_state().await.unwrap(), before);
    s.set_compliance(rid, 2, &entry("done", at(2)), draft1).await.unwrap();
    assert_eq!(s.compliance(rid, None).await.unwrap(), vec![entry("done", at(2))]);
    assert_eq!(s.compliance(rid, Some(1)).await.unwrap(), vec![entry("in_progress", at(1))]);
    assert!(s.compliance(rid, Some(0)).await.unwrap().is_empty());
    // A version number can go down again (a retraction after an entry for the next version): the newest
    // entry counts, not the highest version's.
    s.set_compliance(rid, 1, &entry("not_applicable", at(3)), draft1).await.unwrap();
    assert_eq!(s.compliance(rid, None).await.unwrap(), vec![entry("not_applicable", at(3))]);
    assert_eq!(s.compliance(rid, Some(1)).await.unwrap(), vec![entry("not_applicable", at(3))]);
}

// ---------------------------------------------------------------------------------------------
// Federation

pub async fn sources_round_trip(s: S) {
    let o = org(&s, "bron").await;
    let src = s.create_source(o.id, "https://register.example.org/feed.json", at(0)).await.unwrap();
    assert_eq!((src.org_id, src.org_code.as_str(), src.failures, src.records), (o.id, "bron", 0, 0));
    assert_eq!(s.source(src.id).await.unwrap(), Some(src.clone()));
    assert_eq!(s.sources().await.unwrap(), vec![src.clone()]);
    s.delete_source(src.id).await.unwrap();
    assert!(s.source(src.id).await.unwrap().is_none());
    assert!(s.sources().await.unwrap().is_empty());
}

pub async fn source_url_is_unique(s: S) {
    let o = org(&s, "bron-uniek").await;
    s.create_source(o.id, "https://register.example.org/feed.json", at(0)).await.unwrap();
    let e = s.create_source(o.id, "https://register.example.org/feed.json", at(1)).await.unwrap_err();
    assert!(is_conflict(&e, "url"), "{e:?}");
}

pub async fn source_attempts_and_harvest_commit(s: S) {
    let o = org(&s, "oogst").await;
    let src = s.create_source(o.id, "https://oogst.example.org/feed.json", at(0)).await.unwrap();
    s.source_attempt(&SourceAttempt { source_id: src.id, at: at(1), error: Some("kapot / broken".into()), next_due_at: at(100) })
        .await
        .unwrap();
    let after = s.source(src.id).await.unwrap().unwrap();
    assert_eq!((after.failures, after.last_outcome, after.next_due_at), (1, Some(HarvestOutcome::Failed), Some(at(100))));
    let commit = HarvestCommit {
        source_id: src.id,
        outcome: HarvestOutcome::Changed,
        at: at(200),
        etag: Some("\"v1\"".into()),
        last_modified: None,
        oai_url: Some("https://oogst.example.org/oai?set=org:oogst".into()),
        next_due_at: at(300),
        records: 1,
        rejected: vec![],
        fresh: vec![import_record(&o, 1, true)],
        changes: vec![],
        tracked: vec![SourceRecord { record: id(1), hash: "abc".into(), missing: 0 }],
        origin_keys: vec![("https://oorsprong.example.org/org:oogst".into(), "sleutel-1".into())],
    };
    s.commit_harvest(&commit).await.unwrap();
    assert_eq!(s.origin_keys().await.unwrap(), commit.origin_keys, "an origin's key is kept with the harvest");
    let after = s.source(src.id).await.unwrap().unwrap();
    assert_eq!(
        (after.failures, after.last_outcome, after.etag.as_deref(), after.records),
        (0, Some(HarvestOutcome::Changed), Some("\"v1\""), 1)
    );
    assert_eq!(after.last_error, None, "a success clears the error");
    assert_eq!(after.oai_url, commit.oai_url);
    assert_eq!(s.source_records(src.id).await.unwrap(), commit.tracked);
    assert!(s.published(id(1)).await.unwrap().is_some());
    // A commit that cannot be written entirely writes nothing: the same fresh record again.
    let again = HarvestCommit { fresh: vec![import_record(&o, 2, true), import_record(&o, 1, true)], at: at(400), ..commit.clone() };
    assert!(s.commit_harvest(&again).await.is_err());
    assert!(s.record(id(2)).await.unwrap().is_none());
    assert_eq!(s.source(src.id).await.unwrap().unwrap().last_success_at, Some(at(200)));
    // Another key for an origin kept already: the commit is stale and writes nothing, neither its
    // records nor a key it names for an origin seen first.
    let other = HarvestCommit {
        fresh: vec![import_record(&o, 3, true)],
        at: at(500),
        origin_keys: vec![
            ("https://nieuw.example.org/org:oogst".into(), "sleutel-3".into()),
            ("https://oorsprong.example.org/org:oogst".into(), "sleutel-2".into()),
        ],
        ..commit.clone()
    };
    assert!(matches!(s.commit_harvest(&other).await, Err(StoreError::Stale)));
    assert!(s.record(id(3)).await.unwrap().is_none());
    assert_eq!(s.origin_keys().await.unwrap(), commit.origin_keys);
    // Removing the source keeps its records.
    s.delete_source(src.id).await.unwrap();
    assert!(s.source_records(src.id).await.unwrap().is_empty());
    assert!(s.published(id(1)).await.unwrap().is_some());
}

// ---------------------------------------------------------------------------------------------
// Signals

fn new_signal(rid: AlgorithmId, o: &Organisation, code: &str, when: DateTime<Utc>) -> NewSignal {
    NewSignal {
        code_hash: code.into(),
        record: rid,
        org_id: o.id,
        kind: SignalKind::Question,
        text: "Hoe werkt dit?".into(),
        email: Some("burger@example.org".into()),
        created_at: when,
        due_at: when + Duration::days(42),
    }
}

pub async fn signals_round_trip(s: S) {
    let o = org(&s, "signalen").await;
    let rid = published(&s, &o, 1, "Openbaar").await;
    let sid = s.create_signal(&new_signal(rid, &o, "code-1", at(0)), &[mail("burger@example.org")]).await.unwrap();
    assert_eq!(s.unsent_mail(10, 5).await.unwrap().len(), 1, "the confirmation is queued with the signal");
    let sig = s.signal(sid).await.unwrap().unwrap();
    assert_eq!((sig.record, sig.org_id, sig.status, sig.text.as_deref()), (rid, o.id, SignalStatus::New, Some("Hoe werkt dit?")));
    assert_eq!(s.signal_by_code("code-1").await.unwrap().map(|x| x.id), Some(sid));
    assert!(s.signal_by_code("anders").await.unwrap().is_none());
    assert_eq!(s.signals_of_org(o.id).await.unwrap().len(), 1);
    assert!(s.public_signals_of_record(rid, 10).await.unwrap().is_empty());
    let mut answered = sig.clone();
    answered.status = SignalStatus::Answered;
    answered.answer = Some("Zo werkt het.".into());
    answered.answer_public = true;
    answered.answered_at = Some(at(5));
    answered.answered_by = Some("user:1".into());
    s.update_signal(&answered, SignalStatus::New, &[]).await.unwrap();
    assert_eq!(s.signal(sid).await.unwrap().unwrap(), answered);
    assert_eq!(s.public_signals_of_record(rid, 10).await.unwrap().len(), 1);
    assert_eq!(s.public_answers(None, 10).await.unwrap().len(), 1);
    assert_eq!(s.public_answers(Some(o.id), 10).await.unwrap().len(), 1);
    let elsewhere = org(&s, "elders").await;
    assert!(s.public_answers(Some(elsewhere.id), 10).await.unwrap().is_empty(), "one organisation's answers only");
    let times = s.signal_times(o.id, 10).await.unwrap();
    assert_eq!(times, vec![(at(0), at(0) + Duration::days(42), Some(at(5)))]);
}

pub async fn signal_update_refuses_a_stale_status(s: S) {
    let o = org(&s, "signaal-oud").await;
    let rid = published(&s, &o, 1, "Openbaar").await;
    let sid = s.create_signal(&new_signal(rid, &o, "c", at(0)), &[]).await.unwrap();
    let mut sig = s.signal(sid).await.unwrap().unwrap();
    sig.status = SignalStatus::Closed;
    sig.closed_at = Some(at(1));
    assert!(matches!(s.update_signal(&sig, SignalStatus::Assigned, &[mail("x@example.org")]).await, Err(StoreError::Stale)));
    assert!(s.unsent_mail(10, 5).await.unwrap().is_empty(), "a refused update queues no mail");
    assert_eq!(s.signal(sid).await.unwrap().unwrap().status, SignalStatus::New);
}

pub async fn signal_reminders_once(s: S) {
    let o = org(&s, "herinnering").await;
    let rid = published(&s, &o, 1, "Openbaar").await;
    let sid = s.create_signal(&new_signal(rid, &o, "r", at(0)), &[]).await.unwrap();
    let due = at(0) + Duration::days(42);
    assert!(s.signals_to_remind(due - Duration::days(1)).await.unwrap().is_empty());
    assert_eq!(s.signals_to_remind(due + Duration::days(1)).await.unwrap().iter().map(|x| x.id).collect::<Vec<_>>(), vec![sid]);
    assert!(s.mark_signal_reminded(sid, at(100), &[mail("lid@example.org")]).await.unwrap());
    assert!(!s.mark_signal_reminded(sid, at(101), &[mail("lid@example.org")]).await.unwrap(), "once");
    assert_eq!(s.unsent_mail(10, 5).await.unwrap().len(), 1);
    assert!(s.signals_to_remind(due + Duration::days(1)).await.unwrap().is_empty());
}

/// The erasure contract: after the retention period, a closed signal keeps no e-mail address, and no
/// text or answer unless it was answered in public; open signals keep everything; sent mail goes.
pub async fn erasure_of_personal_data(s: S) {
    let o = org(&s, "wissen").await;
    let rid = published(&s, &o, 1, "Openbaar").await;
    let close = |sig: &mut Signal, public: bool, when| {
        sig.status = SignalStatus::Closed;
        sig.answer = Some("Antwoord".into());
        sig.answer_public = public;
        sig.answered_at = Some(when);
        sig.closed_at = Some(when);
    };
    let private = s.create_signal(&new_signal(rid, &o, "p", at(0)), &[]).await.unwrap();
    let public = s.create_signal(&new_signal(rid, &o, "q", at(0)), &[]).await.unwrap();
    let open = s.create_signal(&new_signal(rid, &o, "o", at(0)), &[]).await.unwrap();
    let late = s.create_signal(&new_signal(rid, &o, "l", at(0)), &[]).await.unwrap();
    for (sid, public, when) in [(private, false, at(10)), (public, true, at(10)), (late, false, at(1000))] {
        let mut sig = s.signal(sid).await.unwrap().unwrap();
        close(&mut sig, public, when);
        s.update_signal(&sig, SignalStatus::New, &[]).await.unwrap();
    }
    s.queue_mail(&[mail("burger@example.org")]).await.unwrap();
    let sent = s.unsent_mail(10, 5).await.unwrap()[0].id;
    s.mail_result(sent, None, at(5)).await.unwrap();
    let erased = s.erase_signals(at(500), at(600)).await.unwrap();
    assert_eq!(erased, 2);
    let p = s.signal(private).await.unwrap().unwrap();
    assert_eq!((p.email.as_deref(), p.text.as_deref(), p.answer.as_deref(), p.erased_at), (None, None, None, Some(at(600))));
    let q = s.signal(public).await.unwrap().unwrap();
    assert_eq!((q.email.as_deref(), q.text.as_deref(), q.answer.as_deref()), (None, Some("Hoe werkt dit?"), Some("Antwoord")));
    for kept in [open, late] {
        let k = s.signal(kept).await.unwrap().unwrap();
        assert_eq!((k.email.as_deref(), k.erased_at), (Some("burger@example.org"), None), "only closed signals past retention are erased");
    }
    // Erasing again erases nothing more.
    assert_eq!(s.erase_signals(at(500), at(700)).await.unwrap(), 0);
}

// ---------------------------------------------------------------------------------------------
// Incidents and evaluations

pub async fn incidents_round_trip(s: S) {
    let deployer = org(&s, "gebruiker").await;
    let provider = org(&s, "leverancier").await;
    let other = org(&s, "buiten").await;
    let rid = published(&s, &deployer, 1, "Gebruikt").await;
    let iid = s
        .create_incident(
            &NewIncident {
                record: rid,
                deployer_org_id: deployer.id,
                provider_name: provider.name.clone(),
                provider_org_id: Some(provider.id),
                provider_email: Some("meld@leverancier.example.org".into()),
                ack_hash: Some("ack".into()),
                class: IncidentClass::Serious,
                title: "Fout".into(),
                what_happened: "Er ging iets mis.".into(),
                noticed_at: at(0),
                people_affected: Some(3),
                public: false,
                public_summary: None,
                deadline_at: Some(at(0) + Duration::days(15)),
                created_at: at(1),
                created_by: "user:1".into(),
            },
            &[mail("meld@leverancier.example.org")],
        )
        .await
        .unwrap();
    let i = s.incident(iid).await.unwrap().unwrap();
    assert_eq!((i.record, i.provider_org_id, i.status), (rid, Some(provider.id), IncidentStatus::Open));
    assert_eq!(s.incident_by_ack("ack").await.unwrap().map(|x| x.id), Some(iid));
    assert!(s.incident_by_ack("anders").await.unwrap().is_none());
    assert_eq!(s.incidents_of_org(deployer.id).await.unwrap().len(), 1);
    assert_eq!(s.incidents_of_org(provider.id).await.unwrap().len(), 1, "the provider sees it too");
    assert!(s.incidents_of_org(other.id).await.unwrap().is_empty());
    assert_eq!(s.incidents_of_record(rid).await.unwrap().len(), 1);
    let e = IncidentEvent { at: at(5), actor: "provider".into(), kind: IncidentEventKind::Acknowledged, text: None };
    s.add_incident_event(iid, &e, Some(IncidentStatus::Acknowledged), &[]).await.unwrap();
    assert_eq!(s.incident(iid).await.unwrap().unwrap().status, IncidentStatus::Acknowledged);
    assert_eq!(s.incident_events(iid).await.unwrap().last(), Some(&e));
    assert_eq!(s.unsent_mail(10, 5).await.unwrap().len(), 1);
}

pub async fn evaluations_move_the_plan(s: S) {
    let o = org(&s, "evaluatie").await;
    let rid = published(&s, &o, 1, "Geëvalueerd").await;
    let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    assert!(s.evaluation_plan(rid).await.unwrap().is_none());
    let plan = EvaluationPlan {
        record: rid,
        interval_months: 12,
        next_due: day("2026-06-01"),
        reminded_for: None,
        updated_at: at(0),
        updated_by: "user:1".into(),
    };
    s.set_evaluation_plan(&plan).await.unwrap();
    assert_eq!(s.evaluation_plan(rid).await.unwrap(), Some(plan.clone()));
    assert_eq!(s.evaluation_plans(Some(o.id)).await.unwrap().into_iter().map(|(_, p)| p).collect::<Vec<_>>(), vec![plan.clone()]);
    assert_eq!(s.evaluation_plans(None).await.unwrap().len(), 1);
    s.mark_evaluation_reminded(rid, day("2026-06-01"), &[mail("lid@example.org")]).await.unwrap();
    assert_eq!(s.evaluation_plan(rid).await.unwrap().unwrap().reminded_for, Some(day("2026-06-01")));
    let e = Evaluation {
        id: 0,
        record: rid,
        date: day("2026-05-20"),
        by_whom: "Auditdienst".into(),
        findings: "In orde bevonden.".into(),
        report_url: None,
        created_at: at(10),
        created_by: "user:1".into(),
    };
    let eid = s.add_evaluation(&e, Some(day("2027-05-20"))).await.unwrap();
    let list = s.evaluations(rid).await.unwrap();
    assert_eq!(list, vec![Evaluation { id: eid, ..e }]);
    assert_eq!(s.evaluation_plan(rid).await.unwrap().unwrap().next_due, day("2027-05-20"));
}

// ---------------------------------------------------------------------------------------------
// Mail

pub async fn mail_queue_and_results(s: S) {
    s.queue_mail(&[mail("een@example.org"), mail("twee@example.org")]).await.unwrap();
    let queued = s.unsent_mail(10, 3).await.unwrap();
    assert_eq!(
        queued.iter().map(|m| (m.to.as_str(), m.attempts)).collect::<Vec<_>>(),
        vec![("een@example.org", 0), ("twee@example.org", 0)]
    );
    assert_eq!(s.unsent_mail(1, 3).await.unwrap().len(), 1, "the limit holds");
    s.mail_result(queued[0].id, None, at(1)).await.unwrap();
    for n in 0..3 {
        s.mail_result(queued[1].id, Some("verbinding geweigerd"), at(2 + n)).await.unwrap();
    }
    // Sent mail leaves the queue; failed mail stays until it has had its attempts.
    assert!(s.unsent_mail(10, 3).await.unwrap().is_empty());
    assert_eq!(s.unsent_mail(10, 4).await.unwrap().iter().map(|m| (m.id, m.attempts)).collect::<Vec<_>>(), vec![(queued[1].id, 3)]);
}

// ---------------------------------------------------------------------------------------------
// Runtime state shared by nodes

pub async fn leases_one_holder_at_a_time(s: S) {
    assert!(s.take_lease("oogst", "node-a", at(0), at(30)).await.unwrap());
    assert!(!s.take_lease("oogst", "node-b", at(10), at(40)).await.unwrap(), "held by another node");
    assert!(s.take_lease("oogst", "node-a", at(20), at(50)).await.unwrap(), "the holder renews");
    assert!(!s.take_lease("oogst", "node-b", at(45), at(75)).await.unwrap(), "the renewal holds");
    assert!(s.take_lease("post", "node-b", at(45), at(75)).await.unwrap(), "another job is free");
    // A node that dies loses the lease when it expires.
    assert!(s.take_lease("oogst", "node-b", at(50), at(80)).await.unwrap());
    assert!(!s.take_lease("oogst", "node-a", at(60), at(90)).await.unwrap());
    // Giving it up frees it at once; someone else's release does nothing.
    s.release_lease("oogst", "node-a").await.unwrap();
    assert!(!s.take_lease("oogst", "node-a", at(61), at(91)).await.unwrap());
    s.release_lease("oogst", "node-b").await.unwrap();
    assert!(s.take_lease("oogst", "node-a", at(62), at(92)).await.unwrap());
}

pub async fn concurrent_lease_takers_one_wins(s: S) {
    let mut tasks = vec![];
    for n in 0..8 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move { s.take_lease("herinneringen", &format!("node-{n}"), at(0), at(30)).await.unwrap() }));
    }
    let mut won = 0;
    for t in tasks {
        won += t.await.unwrap() as u32;
    }
    assert_eq!(won, 1);
}

pub async fn counters_count_per_window(s: S) {
    assert_eq!(s.count_hit("adres:1", at(0)).await.unwrap(), 1);
    assert_eq!(s.count_hit("adres:1", at(0)).await.unwrap(), 2);
    assert_eq!(s.count_hit("adres:2", at(0)).await.unwrap(), 1, "per key");
    assert_eq!(s.count_hit("adres:1", at(60)).await.unwrap(), 1, "per window");
    // Concurrent hits are all counted.
    let mut tasks = vec![];
    for _ in 0..16 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move { s.count_hit("druk", at(0)).await.unwrap() }));
    }
    let mut seen = vec![];
    for t in tasks {
        seen.push(t.await.unwrap());
    }
    seen.sort();
    assert_eq!(seen, (1..=16).collect::<Vec<u64>>(), "every hit gets its own count");
    assert_eq!(s.purge_counters(at(60)).await.unwrap(), 3);
    assert_eq!(s.count_hit("adres:1", at(0)).await.unwrap(), 1, "purged windows start again");
    assert_eq!(s.count_hit("adres:1", at(60)).await.unwrap(), 2);
}

pub async fn login_failures_count_and_are_forgiven(s: S) {
    use algoreg_domain::throttle::ThrottleKey;
    let key = |k: &str, free: u32, applies: bool| ThrottleKey { key: k.into(), free, max_seconds: 60, applies };
    let account = |applies| vec![key("account:a", 2, applies)];
    // Two free failures, then a wait of one second after the last, then two, ...
    assert_eq!(s.login_attempt(&account(true), at(10), at(0)).await.unwrap(), None);
    assert_eq!(s.login_attempt(&account(true), at(10), at(0)).await.unwrap(), None);
    assert_eq!(s.login_attempt(&account(true), at(10), at(0)).await.unwrap(), Some(1), "slowed after the free failures");
    assert_eq!(s.login_attempt(&account(true), at(11), at(0)).await.unwrap(), None, "a refused attempt is not counted");
    assert_eq!(s.login_attempt(&account(true), at(11), at(0)).await.unwrap(), Some(2), "the wait doubles");
    assert_eq!(s.login_attempt(&account(false), at(11), at(0)).await.unwrap(), None, "a key that does not apply only counts");
    assert_eq!(s.login_attempt(&account(true), at(100), at(50)).await.unwrap(), None, "after a quiet spell it starts afresh");
    assert_eq!(s.login_attempt(&account(true), at(100), at(50)).await.unwrap(), None);
    assert_eq!(s.login_attempt(&account(true), at(100), at(50)).await.unwrap(), Some(1));
    // Two keys: the longest wait of those that apply.
    let both = vec![key("account:b", 1, true), key("adres:y", 3, true)];
    assert_eq!(s.login_attempt(&both, at(10), at(0)).await.unwrap(), None);
    assert_eq!(s.login_attempt(&both, at(10), at(0)).await.unwrap(), Some(1), "the account's wait");
    // Concurrent attempts (several nodes) are checked and counted one at a time: exactly the free ones pass.
    let mut tasks = vec![];
    for _ in 0..12 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move { s.login_attempt(&[key("adres:x", 5, true)], at(30), at(0)).await.unwrap() }));
    }
    let mut passed = 0;
    for t in tasks {
        passed += usize::from(t.await.unwrap().is_none());
    }
    assert_eq!(passed, 5, "only the free attempts get through at once");
    s.forgive_login_failure("adres:x", false).await.unwrap();
    assert_eq!(s.login_attempt(&[key("adres:x", 5, true)], at(30), at(0)).await.unwrap(), None, "one taken back: one more goes free");
    assert_eq!(s.login_attempt(&[key("adres:x", 5, true)], at(30), at(0)).await.unwrap(), Some(1));
    s.forgive_login_failure("account:a", true).await.unwrap();
    assert_eq!(s.login_attempt(&account(true), at(100), at(50)).await.unwrap(), None, "all taken back");
    // Known pairs of account and address.
    assert!(!s.known_login("paar", at(0)).await.unwrap());
    s.mark_known_login("paar", at(100)).await.unwrap();
    assert!(s.known_login("paar", at(50)).await.unwrap());
    assert!(!s.known_login("paar", at(100)).await.unwrap(), "until is exclusive");
    s.mark_known_login("paar", at(200)).await.unwrap();
    assert!(s.known_login("paar", at(150)).await.unwrap(), "renewed");
    // Purging forgets old failures and expired pairs.
    s.purge_counters(at(300)).await.unwrap();
    for _ in 0..5 {
        assert_eq!(s.login_attempt(&[key("adres:x", 5, true)], at(301), at(0)).await.unwrap(), None, "purged: free again");
    }
    assert!(!s.known_login("paar", at(150)).await.unwrap());
}

// ---------------------------------------------------------------------------------------------
// Identity

pub async fn signing_keys_round_trip(s: S) {
    let key = |kid: &str, when| SigningKey {
        kid: kid.into(),
        private_pkcs8: format!("geheim-{kid}"),
        public_x: format!("x-{kid}"),
        created_at: when,
    };
    assert!(s.signing_keys(at(0)).await.unwrap().is_empty());
    s.add_signing_key(&key("oud", at(0))).await.unwrap();
    s.add_signing_key(&key("nieuw", at(100))).await.unwrap();
    assert_eq!(s.signing_keys(at(0)).await.unwrap(), vec![key("nieuw", at(100)), key("oud", at(0))], "newest first");
    assert_eq!(s.signing_keys(at(50)).await.unwrap(), vec![key("nieuw", at(100))]);
    let e = s.add_signing_key(&key("oud", at(200))).await.unwrap_err();
    assert!(is_conflict(&e, "kid"), "{e:?}");
}

pub async fn own_sessions_listed_and_ended(s: S) {
    let u = user(&s, "sessies@example.org").await;
    let other = user(&s, "ander@example.org").await;
    assert!(s.user(u.id).await.unwrap().unwrap().last_login.is_none());
    let (a, b) = ("a".repeat(64), "b".repeat(64));
    s.create_session(&a, u.id, at(1000), "password").await.unwrap();
    s.create_session(&b, u.id, at(2000), "password").await.unwrap();
    s.create_session(&"c".repeat(64), other.id, at(1000), "password").await.unwrap();
    let last = s.user(u.id).await.unwrap().unwrap().last_login.unwrap();
    assert_eq!(last.1, "password");
    let list = s.sessions_of_user(u.id, at(0)).await.unwrap();
    assert_eq!(list.len(), 2);
    assert!(list.iter().all(|x| x.id.len() == 16 && (a.starts_with(&x.id) || b.starts_with(&x.id))), "{list:?}");
    assert_eq!(s.sessions_of_user(u.id, at(1500)).await.unwrap().len(), 1, "expired sessions are not listed");
    // Nobody ends another person's session, nor one that does not exist.
    assert!(matches!(s.end_session_of_user(other.id, &a[..16]).await, Err(StoreError::NotFound)));
    assert!(matches!(s.end_session_of_user(u.id, "zz").await, Err(StoreError::NotFound)));
    s.end_session_of_user(u.id, &a[..16]).await.unwrap();
    assert!(s.session_user(&a, at(0)).await.unwrap().is_none());
    assert!(s.session_user(&b, at(0)).await.unwrap().is_some());
    s.record_login(u.id, "organisation-api", at(3000)).await.unwrap();
    assert_eq!(s.user(u.id).await.unwrap().unwrap().last_login, Some((at(3000), "organisation-api".to_string())));
}

// ---------------------------------------------------------------------------------------------
// Audit

pub async fn audit_log_per_organisation(s: S) {
    let (a, b) = (org(&s, "audit-a").await, org(&s, "audit-b").await);
    let member = user(&s, "lid@example.org").await;
    let outsider = user(&s, "buiten@example.org").await;
    s.set_membership(member.id, a.id, Role::Editor).await.unwrap();
    let event = |kind, org_id, subject_user, when| AuditEvent {
        id: 0,
        at: when,
        kind,
        org_id,
        subject_user,
        actor: "user:1".into(),
        actor_name: "Beheerder".into(),
        detail: "editor".into(),
        source: Some("127.0.0.1".into()),
    };
    let granted = s.append_audit(&event(AuditKind::RoleGranted, Some(a.id), Some(member.id), at(1))).await.unwrap();
    // (A login after the member joined: the store dates a membership by its clock.)
    let login = s.append_audit(&event(AuditKind::Login, None, Some(member.id), Utc::now())).await.unwrap();
    let other_login = s.append_audit(&event(AuditKind::Login, None, Some(outsider.id), at(3))).await.unwrap();
    let token = s.append_audit(&event(AuditKind::TokenCreated, Some(b.id), None, at(4))).await.unwrap();
    assert!(granted < login && login < other_login && other_login < token, "IDs grow");
    let ids = |v: Vec<AuditEvent>| v.into_iter().map(|e| e.id).collect::<Vec<_>>();
    let of_a = s.audit_events(&AuditQuery { org_id: Some(a.id), before: None, limit: 10 }).await.unwrap();
    assert_eq!(of_a.last().unwrap(), &AuditEvent { id: granted, ..event(AuditKind::RoleGranted, Some(a.id), Some(member.id), at(1)) });
    assert_eq!(ids(of_a), vec![login, granted], "its own events and its members' logins, newest first");
    assert_eq!(ids(s.audit_events(&AuditQuery { org_id: Some(b.id), before: None, limit: 10 }).await.unwrap()), vec![token]);
    let all = s.audit_events(&AuditQuery { org_id: None, before: None, limit: 10 }).await.unwrap();
    assert_eq!(ids(all), vec![token, other_login, login, granted]);
    let page = s.audit_events(&AuditQuery { org_id: None, before: Some(other_login), limit: 1 }).await.unwrap();
    assert_eq!(ids(page), vec![login], "paging by ID");
    // A person's own events count for an organisation only within their membership: not before the
    // first role, nor after the last was taken away, nor between two memberships.
    let former = user(&s, "oud-lid@example.org").await;
    let now = || async {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        Utc::now()
    };
    let own = |kind, when| event(kind, None, Some(former.id), when);
    let before_joining = s.append_audit(&own(AuditKind::Login, now().await)).await.unwrap();
    now().await;
    s.set_membership(former.id, b.id, Role::Editor).await.unwrap();
    let while_member = s.append_audit(&own(AuditKind::PasswordChanged, now().await)).await.unwrap();
    now().await;
    s.remove_membership(former.id, b.id, None).await.unwrap();
    let between = s.append_audit(&own(AuditKind::Login, now().await)).await.unwrap();
    now().await;
    s.set_membership(former.id, b.id, Role::Approver).await.unwrap();
    let again = s.append_audit(&own(AuditKind::Login, now().await)).await.unwrap();
    // Someone the organisation only invited (without their consent): none of their own events.
    let invited = s.append_audit(&event(AuditKind::InvitationSent, Some(b.id), Some(outsider.id), now().await)).await.unwrap();
    let invited_login = s.append_audit(&event(AuditKind::Login, None, Some(outsider.id), now().await)).await.unwrap();
    let of_b = ids(s.audit_events(&AuditQuery { org_id: Some(b.id), before: None, limit: 10 }).await.unwrap());
    assert_eq!(of_b, vec![invited, again, while_member, token]);
    let page = ids(s.audit_events(&AuditQuery { org_id: Some(b.id), before: Some(again), limit: 1 }).await.unwrap());
    assert_eq!(page, vec![while_member], "paging by ID");
    assert_eq!(s.purge_audit(at(3)).await.unwrap(), 1);
    let all = ids(s.audit_events(&AuditQuery { org_id: None, before: None, limit: 20 }).await.unwrap());
    assert_eq!(all.len(), 9);
    assert!([before_joining, between, invited_login].iter().all(|e| all.contains(e)), "the operator sees everything");
}

// ---------------------------------------------------------------------------------------------
// Second factor

pub async fn second_factor_codes_work_once(s: S) {
    let o = org(&s, "tweestaps").await;
    let u = user(&s, "tweestaps@example.org").await;
    s.set_membership(u.id, o.id, Role::Editor).await.unwrap();
    assert_eq!(s.user(u.id).await.unwrap().unwrap().totp_secret, None);
    assert!(!s.use_totp_step(u.id, 5).await.unwrap(), "no secret, no step");
    s.enable_totp(u.id, "GEHEIM", &["h1".into(), "h2".into()]).await.unwrap();
    assert_eq!(s.user(u.id).await.unwrap().unwrap().totp_secret.as_deref(), Some("GEHEIM"));
    assert!(s.use_totp_step(u.id, 10).await.unwrap());
    assert!(!s.use_totp_step(u.id, 10).await.unwrap(), "a code works once");
    assert!(!s.use_totp_step(u.id, 9).await.unwrap(), "nor an older one");
    assert!(s.use_totp_step(u.id, 11).await.unwrap());
    assert_eq!(s.recovery_codes_left(u.id).await.unwrap(), 2);
    // Tries of a code are taken up to the limit, and given back by a right one, or a recovery code.
    assert_eq!((s.totp_try(u.id, 2).await.unwrap(), s.totp_try(u.id, 2).await.unwrap()), (Some(1), Some(2)));
    assert_eq!(s.totp_try(u.id, 2).await.unwrap(), None, "all taken");
    assert!(s.user(u.id).await.unwrap().unwrap().totp_failures == 2);
    assert!(s.use_totp_step(u.id, 12).await.unwrap());
    assert!(s.user(u.id).await.unwrap().unwrap().totp_failures == 0, "a right code gives them back");
    s.totp_try(u.id, 10).await.unwrap();
    assert!(matches!(s.totp_try(UserId(-1), 10).await, Err(StoreError::NotFound)));
    assert!(s.use_recovery_code(u.id, "h1", at(1)).await.unwrap());
    assert!(!s.use_recovery_code(u.id, "h1", at(2)).await.unwrap(), "a recovery code works once");
    assert!(!s.use_recovery_code(u.id, "onbekend", at(2)).await.unwrap());
    assert!(s.user(u.id).await.unwrap().unwrap().totp_failures == 0, "a recovery code sets them back");
    assert_eq!(s.recovery_codes_left(u.id).await.unwrap(), 1);
    s.totp_try(u.id, 10).await.unwrap();
    // A password an admin set keeps them taken (the admin knows it); one the holder chose gives them back.
    s.set_password(u.id, "tijdelijk", PasswordSet::ByAdmin(at(900))).await.unwrap();
    assert!(s.user(u.id).await.unwrap().unwrap().totp_failures == 1, "not by an admin's password");
    s.set_password(u.id, "nieuw", PasswordSet::ByHolder).await.unwrap();
    assert!(s.user(u.id).await.unwrap().unwrap().totp_failures == 0, "a new password of the holder's");
    // Enabling again replaces the codes and starts the steps afresh.
    s.enable_totp(u.id, "NIEUW", &["h3".into()]).await.unwrap();
    assert!(!s.use_recovery_code(u.id, "h2", at(3)).await.unwrap());
    assert!(s.use_totp_step(u.id, 1).await.unwrap());
    s.disable_totp(u.id).await.unwrap();
    assert_eq!(s.user(u.id).await.unwrap().unwrap().totp_secret, None);
    assert_eq!(s.recovery_codes_left(u.id).await.unwrap(), 0);
    assert!(matches!(s.enable_totp(UserId(-1), "X", &[]).await, Err(StoreError::NotFound)));
    // The organisation's requirement shows in its members' memberships.
    s.set_second_factor_required(o.id, true).await.unwrap();
    assert!(s.organisation(o.id).await.unwrap().unwrap().require_second_factor);
    assert!(s.memberships(u.id).await.unwrap()[0].second_factor_required);
    assert!(matches!(s.set_second_factor_required(OrgId(-1), true).await, Err(StoreError::NotFound)));
}

/// Single sign-on: an organisation's requirement shows in its members' memberships, and a session
/// keeps how it was opened.
pub async fn single_sign_on(s: S) {
    let o = org(&s, "sso").await;
    let u = user(&s, "sso@example.org").await;
    s.set_membership(u.id, o.id, Role::Editor).await.unwrap();
    assert!(!s.organisation(o.id).await.unwrap().unwrap().require_sso);
    s.set_sso_required(o.id, true).await.unwrap();
    assert!(s.organisation(o.id).await.unwrap().unwrap().require_sso);
    assert!(s.memberships(u.id).await.unwrap()[0].sso_required);
    s.set_sso_required(o.id, false).await.unwrap();
    assert!(!s.memberships(u.id).await.unwrap()[0].sso_required);
    assert!(matches!(s.set_sso_required(OrgId(-1), true).await, Err(StoreError::NotFound)));
    s.create_session("sso-sessie", u.id, at(10), "sso:gemeente+mfa").await.unwrap();
    s.create_session("wachtwoord-sessie", u.id, at(10), "password").await.unwrap();
    assert_eq!(s.session_user("sso-sessie", at(0)).await.unwrap().map(|(_, m)| m).as_deref(), Some("sso:gemeente+mfa"));
    assert_eq!(s.session_user("wachtwoord-sessie", at(0)).await.unwrap().map(|(_, m)| m).as_deref(), Some("password"));
    assert_eq!(s.user(u.id).await.unwrap().unwrap().last_login.map(|(_, m)| m).as_deref(), Some("password"));
}

/// An account is pinned to one person a provider, and a person to one account.
pub async fn subjects_are_pinned_once(s: S) {
    let (a, b) = (user(&s, "pin-a@example.org").await, user(&s, "pin-b@example.org").await);
    let pin = |user_id: UserId, issuer: &str, subject: &str, n: i64| SubjectPin {
        issuer: issuer.into(),
        subject: subject.into(),
        user_id,
        created_at: at(n),
    };
    let (delft, utrecht) = ("https://login.delft.example/realms/d", "https://login.utrecht.example");
    assert_eq!(s.subject_account(delft, "123").await.unwrap(), None);
    s.pin_subject(&pin(a.id, delft, "123", 1)).await.unwrap();
    s.pin_subject(&pin(a.id, utrecht, "u-9", 2)).await.unwrap();
    assert_eq!(s.subject_account(delft, "123").await.unwrap(), Some(a.id));
    assert_eq!(s.subject_account(utrecht, "123").await.unwrap(), None, "a subject counts only at its own provider");
    assert_eq!(s.subjects_of_user(a.id).await.unwrap(), vec![pin(a.id, delft, "123", 1), pin(a.id, utrecht, "u-9", 2)]);
    // The same person for another account; another person at the same provider for this account.
    assert!(matches!(s.pin_subject(&pin(b.id, delft, "123", 3)).await, Err(StoreError::Conflict("subject"))));
    assert!(matches!(s.pin_subject(&pin(a.id, delft, "456", 3)).await, Err(StoreError::Conflict("issuer"))));
    s.pin_subject(&pin(b.id, delft, "456", 3)).await.unwrap();
    s.create_session("unpin-a", a.id, at(1000), "sso:delft").await.unwrap();
    s.create_session("unpin-b", b.id, at(1000), "sso:delft").await.unwrap();
    assert_eq!(s.unpin_subjects(a.id).await.unwrap(), 2);
    assert!(s.subjects_of_user(a.id).await.unwrap().is_empty());
    assert!(s.session_user("unpin-a", at(5)).await.unwrap().is_none(), "the earlier holder is logged out");
    assert!(s.session_user("unpin-b", at(5)).await.unwrap().is_some(), "another account's session stays");
    assert_eq!(s.subject_account(delft, "456").await.unwrap(), Some(b.id), "another account's pin stays");
    s.pin_subject(&pin(a.id, delft, "123", 4)).await.unwrap();
    assert_eq!(s.subject_account(delft, "123").await.unwrap(), Some(a.id), "pinned again after the undo");
}

// ---------------------------------------------------------------------------------------------
// Passkeys

pub async fn passkeys_and_ceremonies(s: S) {
    let u = user(&s, "passkey@example.org").await;
    let other = user(&s, "ander@example.org").await;
    let new =
        |id: &str| NewPasskey { user_id: u.id, credential_id: id.into(), public_key: "pk".into(), sign_count: 0, name: "Laptop".into() };
    let p = s.add_passkey(&new("cred-1"), at(1)).await.unwrap();
    assert_eq!((p.user_id, p.credential_id.as_str(), p.sign_count, p.last_used_at), (u.id, "cred-1", 0, None));
    assert!(matches!(s.add_passkey(&new("cred-1"), at(2)).await, Err(StoreError::Conflict("credential_id"))));
    s.add_passkey(&new("cred-2"), at(2)).await.unwrap();
    assert_eq!(s.passkeys_of_user(u.id).await.unwrap().len(), 2);
    s.passkey_used(p.id, 7, at(3)).await.unwrap();
    let found = s.passkey_by_credential("cred-1").await.unwrap().unwrap();
    assert_eq!((found.sign_count, found.last_used_at), (7, Some(at(3))));
    // The counter only goes up (a replay that raced the first use loses).
    assert!(matches!(s.passkey_used(p.id, 7, at(4)).await, Err(StoreError::Stale)));
    assert!(matches!(s.passkey_used(-1, 8, at(4)).await, Err(StoreError::NotFound)));
    assert!(s.passkey_by_credential("onbekend").await.unwrap().is_none());
    // Only the owner removes a passkey; the sessions it opened end with it, no other.
    let far = Utc::now() + Duration::hours(1);
    for (hash, method) in
        [("met-deze", format!("passkey:{}", p.id)), ("met-een-andere", format!("passkey:{}", p.id + 1)), ("wachtwoord", "password".into())]
    {
        s.create_session(hash, u.id, far, &method).await.unwrap();
    }
    assert!(matches!(s.delete_passkey(other.id, p.id).await, Err(StoreError::NotFound)));
    assert!(s.session_user("met-deze", Utc::now()).await.unwrap().is_some(), "nothing ends on a refusal");
    s.delete_passkey(u.id, p.id).await.unwrap();
    assert!(s.passkey_by_credential("cred-1").await.unwrap().is_none());
    assert!(s.session_user("met-deze", Utc::now()).await.unwrap().is_none(), "its session ends");
    assert!(s.session_user("met-een-andere", Utc::now()).await.unwrap().is_some());
    assert!(s.session_user("wachtwoord", Utc::now()).await.unwrap().is_some());
    // A ceremony is taken once, and not after it expired.
    // Whole seconds: what a backend keeps exactly (put_ceremony forgets ceremonies expired by the clock).
    let far = Utc.timestamp_opt((Utc::now() + Duration::minutes(5)).timestamp(), 0).single().expect("time");
    let c = Ceremony { kind: "login".into(), user_id: None, challenge: "abc".into(), expires_at: far };
    s.put_ceremony("h1", &c, 10).await.unwrap();
    assert_eq!(s.take_ceremony("h1", Utc::now()).await.unwrap(), Some(c.clone()));
    assert_eq!(s.take_ceremony("h1", Utc::now()).await.unwrap(), None);
    // At the limit the oldest login makes way: starting many keeps nobody out.
    let older = Ceremony { expires_at: far - Duration::seconds(60), ..c.clone() };
    s.put_ceremony("oud", &older, 2).await.unwrap();
    s.put_ceremony("nieuw", &c, 2).await.unwrap();
    let reg = Ceremony { kind: "register".into(), user_id: Some(u.id), ..c.clone() };
    s.put_ceremony("eigen", &reg, 2).await.unwrap();
    s.put_ceremony("vol", &c, 2).await.unwrap();
    assert_eq!(s.take_ceremony("oud", Utc::now()).await.unwrap(), None, "the oldest login made way");
    for h in ["nieuw", "vol"] {
        assert_eq!(s.take_ceremony(h, Utc::now()).await.unwrap(), Some(c.clone()), "{h}");
    }
    // A person's own ceremonies do not count against logins, and are at most three.
    for n in 0..4 {
        let mine = Ceremony { expires_at: far + Duration::seconds(n + 1), ..reg.clone() };
        s.put_ceremony(&format!("reg{n}"), &mine, 1).await.unwrap();
    }
    assert_eq!(s.take_ceremony("eigen", Utc::now()).await.unwrap(), None, "the person's oldest made way");
    assert_eq!(s.take_ceremony("reg0", Utc::now()).await.unwrap(), None);
    for n in 1..4 {
        assert!(s.take_ceremony(&format!("reg{n}"), Utc::now()).await.unwrap().is_some(), "reg{n}");
    }
    s.put_ceremony("h2", &reg, 10).await.unwrap();
    assert_eq!(s.take_ceremony("h2", far + Duration::seconds(1)).await.unwrap(), None);
}

/// The pages `algoreg copy` reads: by key, every row once, in order, for simple and composite keys.
pub async fn copy_reads_every_row_once_by_key(s: S) {
    let mut orgs = vec![];
    for n in 0..5 {
        orgs.push(org(&s, &format!("kopie-{n}")).await);
    }
    for n in 0..3 {
        let u = user(&s, &format!("kopie{n}@example.nl")).await;
        for o in &orgs[..2] {
            s.set_membership(u.id, o.id, Role::Editor).await.unwrap();
            s.set_membership(u.id, o.id, Role::Approver).await.unwrap();
        }
        let pin =
            SubjectPin { issuer: format!("https://idp{}.example", n % 2), subject: format!("s{n}"), user_id: u.id, created_at: at(n) };
        s.pin_subject(&pin).await.unwrap();
    }
    for name in ["organisations", "users", "memberships", "sso_subjects"] {
        let table = algoreg_store::copy::TABLES.iter().find(|t| t.name == name).unwrap();
        let whole = s.read_rows(table, None, 1000).await.unwrap();
        let (mut paged, mut last): (Vec<Vec<algoreg_store::copy::Cell>>, Option<Vec<algoreg_store::copy::Cell>>) = (vec![], None);
        loop {
            let page = s.read_rows(table, last.as_deref(), 2).await.unwrap();
            assert!(page.len() <= 2);
            paged.extend(page.iter().cloned());
            if page.len() < 2 {
                break;
            }
            last = page.into_iter().last();
        }
        assert_eq!(paged, whole, "{name}: the pages make the whole table, in key order");
    }
    let memberships = algoreg_store::copy::TABLES.iter().find(|t| t.name == "memberships").unwrap();
    assert_eq!(s.read_rows(memberships, None, 1000).await.unwrap().len(), 12);
}

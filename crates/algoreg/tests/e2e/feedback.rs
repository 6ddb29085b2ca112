//! The feedback loop through HTTP on loopback, with e-mail delivered to a real SMTP server (aiosmtpd
//! from PyPI, started here on loopback, writing a maildir that the tests read).

use crate::common::*;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Duration;

struct Setup {
    env: Env,
    s: Server,
    smtp: Smtp,
    id: String,
    editor: String,
    other: String,
    supplier: String,
}

/// gem-a publishes a record whose provider is the organisation "Leverancier BV"; gem-b is another organisation.
fn setup(extra: &[&str]) -> Setup {
    let env = Env::new();
    env.org("gem-a", "four_eyes");
    env.org("gem-b", "four_eyes");
    env.ok(&["org", "add", "--code", "leverancier", "--name", "Leverancier BV", "--type", "overig"]);
    env.user("redactie@gem-a.nl", Some("gem-a"), &["editor"], false);
    env.user("redactie@gem-b.nl", Some("gem-b"), &["editor"], false);
    env.user("support@leverancier.nl", Some("leverancier"), &["editor"], false);
    let editor_token = env.token("gem-a", "editor");
    let approver = env.token("gem-a", "approver");
    let smtp = Smtp::start();
    let mut args = vec![
        "--smtp-url".to_string(),
        smtp.url(),
        "--feedback-tick".into(),
        "1s".into(),
        "--public-url".into(),
        "https://register.example".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let s = env.serve_with(&argv);
    let mut content = complete_content("Parkeervergunning toetsen");
    content["provider"] = json!("Leverancier BV");
    let id = s.publish_new("gem-a", &editor_token, &approver, content);
    let editor = "redactie@gem-a.nl".to_string();
    Setup { env, s, smtp, id, editor, other: "redactie@gem-b.nl".into(), supplier: "support@leverancier.nl".into() }
}

fn signal(s: &Server, id: &str, body: Value) -> (u16, Value) {
    s.send("POST", &format!("/api/v1/algorithms/{id}/signals"), None, Some(body))
}

#[test]
fn a_citizen_signals_the_organisation_answers_and_mail_arrives() {
    let t = setup(&["--signal-retention", "2s"]);
    let (s, id) = (&t.s, &t.id);
    // Bad input names the field and the rule; nothing is stored.
    let (st, b) = signal(s, id, json!({"kind": "error", "text": "De datum klopt niet meer.", "website": "http://spam"}));
    assert_eq!((st, b["errors"][0]["field"].as_str()), (422, Some("website")), "{b}");
    let (st, b) = signal(s, id, json!({"kind": "complaint", "text": "De datum klopt niet meer."}));
    assert_eq!((st, b["errors"][0]["field"].as_str()), (422, Some("kind")), "{b}");
    let (st, b) = signal(s, id, json!({"kind": "error", "text": "kort"}));
    assert_eq!((st, b["errors"][0]["field"].as_str()), (422, Some("text")), "{b}");
    let (st, b) = signal(s, id, json!({"kind": "error", "text": "Een nul \u{0} in de tekst."}));
    assert_eq!((st, b["errors"][0]["field"].as_str()), (422, Some("text")), "a control character is refused, on every backend: {b}");
    let (st, b) = signal(s, id, json!({"kind": "error", "text": "x".repeat(5001)}));
    assert_eq!(st, 422, "{b}");
    let (st, b) = signal(s, id, json!({"kind": "error", "text": "De begindatum klopt niet.", "email": "geen-adres"}));
    assert_eq!((st, b["errors"][0]["field"].as_str()), (422, Some("email")), "{b}");
    assert_eq!(signal(s, "12345678", json!({"kind": "error", "text": "De begindatum klopt niet."})).0, 422, "bad ID");

    // A signal with an e-mail address for the answer.
    let (st, b) =
        signal(s, id, json!({"kind": "error", "text": "De begindatum in de registratie klopt niet.", "email": "burger@example.org"}));
    assert_eq!(st, 201, "{b}");
    let code = b["tracking_code"].as_str().unwrap().to_string();
    assert!(b["status_url"].as_str().unwrap().starts_with("https://register.example/nl/signaal/"));
    let status = s.get_json(&format!("/api/v1/signals/status/{code}"));
    assert_eq!(status["status"], "new");
    assert_eq!(s.get(&format!("/api/v1/signals/status/{}", "AAAA-BBBB-CCCC-DDDD")).status(), 404);

    // Mail: the organisation's members hear of it; the sender gets the tracking code.
    t.smtp.wait_for(&t.editor, "signaal");
    let confirmation = t.smtp.wait_for("burger@example.org", &code);
    assert!(header(&confirmation, "Subject").contains("signal"), "{confirmation}");

    // Only the record's organisation sees its inbox.
    let other = s.login(&t.other);
    assert_eq!(other.send("GET", "/api/v1/organisations/gem-a/signals", None).0, 403);
    assert_eq!(s.send("GET", "/api/v1/organisations/gem-a/signals", None, None).0, 401);
    let ed = s.login(&t.editor);
    let (st, inbox) = ed.send("GET", "/api/v1/organisations/gem-a/signals", None);
    assert_eq!(st, 200);
    let sid = inbox[0]["id"].as_i64().unwrap();
    assert_eq!(inbox[0]["reply_by_email"], true);
    assert!(!inbox.to_string().contains("burger@example.org"), "the inbox does not show the address");
    assert_eq!(other.send("POST", &format!("/api/v1/signals/{sid}/answer"), Some(json!({"text": "Nee.", "public": true}))).0, 404);
    assert_eq!(other.send("POST", &format!("/api/v1/signals/{sid}/close"), None).0, 404);

    // The editor answers in public: the sender is told, the record and the status page show it.
    let (st, b) = ed.send(
        "POST",
        &format!("/api/v1/signals/{sid}/answer"),
        Some(json!({"text": "Dank u, de begindatum is verbeterd.", "public": true})),
    );
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["status"], "answered");
    t.smtp.wait_for("burger@example.org", "begindatum is verbeterd");
    let public = s.get_json(&format!("/api/v1/algorithms/{id}/signals"));
    assert_eq!(public[0]["answer"], "Dank u, de begindatum is verbeterd.");
    assert_eq!(s.get_json(&format!("/api/v1/signals/status/{code}"))["answer"], "Dank u, de begindatum is verbeterd.");
    let page = s.get(&format!("/nl/algoritme/{id}")).text().unwrap();
    assert!(page.contains("de begindatum is verbeterd"));
    let atom = s.get("/feeds/antwoorden.xml").text().unwrap();
    assert!(atom.contains("de begindatum is verbeterd") && atom.contains("<feed"), "{atom}");
    assert!(s.get("/feeds/antwoorden.xml?org=gem-a").text().unwrap().contains("de begindatum is verbeterd"));
    assert!(!s.get("/feeds/antwoorden.xml?org=gem-b").text().unwrap().contains("de begindatum is verbeterd"), "per organisation");
    let fig = s.get_json("/api/v1/organisations/gem-a/response-figures");
    assert_eq!(fig["received"], 1);
    assert_eq!(fig["answered_in_time"], 1.0);
    assert!(fig["median_answer_days"].as_f64().unwrap() < 1.0);
    assert!(s.get("/nl/organisatie/gem-a").text().unwrap().contains("100%"), "figures on the organisation page");
    // A corrected answer replaces the text; the sender is not mailed again.
    let fix = json!({"text": "Dank u, de begindatum is nu verbeterd.", "public": true});
    assert_eq!(ed.send("POST", &format!("/api/v1/signals/{sid}/answer"), Some(fix)).0, 200);
    assert_eq!(s.get_json(&format!("/api/v1/signals/status/{code}"))["answer"], "Dank u, de begindatum is nu verbeterd.");
    std::thread::sleep(Duration::from_millis(2500)); // more ticks of the mail loop
    let to_sender = t.smtp.messages().iter().filter(|m| header(m, "To").contains("burger@example.org")).count();
    assert!(!t.smtp.messages().iter().any(|m| m.contains("nu verbeterd")), "one mail per answer: {to_sender}");

    // A private answer: only the sender sees it.
    let (_, b) = signal(s, id, json!({"kind": "question", "text": "Gebruikt u ook mijn inkomen hiervoor?"}));
    let code2 = b["tracking_code"].as_str().unwrap().to_string();
    let (_, inbox) = ed.send("GET", "/api/v1/organisations/gem-a/signals", None);
    let sid2 = inbox[0]["id"].as_i64().unwrap();
    assert_eq!(
        ed.send("POST", &format!("/api/v1/signals/{sid2}/answer"), Some(json!({"text": "Nee, alleen het kenteken.", "public": false}))).0,
        200
    );
    assert_eq!(s.get_json(&format!("/api/v1/signals/status/{code2}"))["answer"], "Nee, alleen het kenteken.");
    assert_eq!(s.get_json(&format!("/api/v1/algorithms/{id}/signals")).as_array().unwrap().len(), 1, "the private answer is not public");

    // Closed and past the retention period, the personal data is gone from the database files.
    assert_eq!(ed.send("POST", &format!("/api/v1/signals/{sid}/close"), None).0, 200);
    assert_eq!(ed.send("POST", &format!("/api/v1/signals/{sid2}/close"), None).0, 200);
    let data = PathBuf::from(t.env.data());
    let contains = |needle: &str| match t.env.database() {
        // PostgreSQL: no row has it (old row versions are vacuumed away by the erasure itself).
        Some(url) => {
            let sql = "SELECT (SELECT count(*) FROM signals s WHERE strpos(s::text, $1) > 0) + (SELECT count(*) FROM mail_outbox m WHERE strpos(m::text, $1) > 0)";
            pg_count(url, sql, needle) > 0
        }
        None => ["algoreg.db", "algoreg.db-wal"].iter().any(|f| {
            let bytes = std::fs::read(data.join(f)).unwrap_or_default();
            bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
        }),
    };
    assert!(contains("burger@example.org"));
    wait_until("personal data erased", || !contains("burger@example.org") && !contains("mijn inkomen"));
    assert_eq!(
        s.get_json(&format!("/api/v1/algorithms/{id}/signals"))[0]["answer"],
        "Dank u, de begindatum is nu verbeterd.",
        "public answers stay"
    );
    let (_, inbox) = ed.send("GET", "/api/v1/organisations/gem-a/signals", None);
    assert_eq!(inbox[0]["reply_by_email"], false);
    // The erasure leaves the publication log whole: it holds versions' hashes, never personal data.
    wait_until("the log", || s.get("/log/checkpoint").text().unwrap().lines().nth(1) != Some("0"));
    let o = std::process::Command::new(BIN).args(["verify", &s.base]).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success() && out.contains("1 published versions found in the log"), "{out}");
    // Retracted, the registration takes what was said about it in public along out of sight.
    let approver = t.env.token("gem-a", "approver");
    let retract = json!({"reason": "Verkeerd gepubliceerd"});
    let (st, b) = s.send("POST", &format!("/api/v1/algorithms/{id}/actions/retract"), Some(&approver), Some(retract));
    assert_eq!(st, 200, "{b}");
    for path in ["signals", "incidents", "evaluations"] {
        assert_eq!(s.send("GET", &format!("/api/v1/algorithms/{id}/{path}"), None, None).0, 404, "{path}");
    }
    assert!(!s.get("/feeds/antwoorden.xml").text().unwrap().contains("de begindatum is nu verbeterd"));
}

#[test]
fn limits_on_public_writes_answer_429_with_retry_after() {
    let t = setup(&["--signal-limit-address", "2", "--signal-limit-record", "100"]);
    let ok = json!({"kind": "question", "text": "Hoe vaak wordt dit gecontroleerd?"});
    assert_eq!(signal(&t.s, &t.id, ok.clone()).0, 201);
    assert_eq!(signal(&t.s, &t.id, ok.clone()).0, 201);
    let r = t.s.client.post(t.s.url(&format!("/api/v1/algorithms/{}/signals", t.id))).json(&ok).send().unwrap();
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry > 0 && retry <= 3600);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    // Per registration, signals are never refused (a few senders could silence everyone else): beyond
    // the limit the organisation gets no mail about them for the hour, and finds them in its inbox.
    let t2 = setup(&["--signal-limit-address", "100", "--signal-limit-record", "1"]);
    let with_mail =
        |n: u32| json!({"kind": "question", "text": "Hoe vaak wordt dit gecontroleerd?", "email": format!("burger{n}@example.org")});
    for n in 1..=3 {
        assert_eq!(signal(&t2.s, &t2.id, with_mail(n)).0, 201, "signal {n}");
    }
    assert_eq!(t2.s.get_json("/api/v1/organisations/gem-a/response-figures")["received"], 3);
    // The mail queue is sent in order: once the last sender's confirmation is there, so is any mail
    // to the members that came before it.
    t2.smtp.wait_for("burger3@example.org", "Volgcode");
    let to_members = t2.smtp.messages().iter().filter(|m| header(m, "To").contains(&t2.editor)).count();
    assert_eq!(to_members, 1, "one mail to the members for the hour");
}

#[test]
fn incidents_go_to_the_provider_with_the_ai_act_deadlines() {
    let t = setup(&[]);
    let (s, id) = (&t.s, &t.id);
    let ed = s.login(&t.editor);
    let noticed = "2026-11-20T09:30:00Z";
    let report = |class: &str, public: bool| {
        ed.send(
            "POST",
            &format!("/api/v1/algorithms/{id}/incidents"),
            Some(json!({
                "class": class, "title": format!("Verkeerde weigeringen ({class})"),
                "what_happened": "Aanvragen werden ten onrechte geweigerd door een fout in de regels.",
                "noticed_at": noticed, "people_affected": 40, "public": public,
                "public_summary": if public { json!("Een fout in de regels leidde tot onterechte weigeringen; die zijn hersteld.") } else { Value::Null },
                "provider_email": "incidenten@leverancier.nl",
            })),
        )
    };
    let expected = [
        ("death", Some("2026-11-30T09:30:00Z")),
        ("widespread", Some("2026-11-22T09:30:00Z")),
        ("serious", Some("2026-12-05T09:30:00Z")),
        ("risk", None),
        ("malfunction", None),
    ];
    let mut ids = vec![];
    for (class, deadline) in expected {
        let (st, b) = report(class, class == "serious");
        assert_eq!(st, 201, "{b}");
        let got = b["incident"]["deadline_at"].as_str().map(|d| chrono::DateTime::parse_from_rfc3339(d).unwrap().to_rfc3339());
        let want = deadline.map(|d| chrono::DateTime::parse_from_rfc3339(d).unwrap().to_rfc3339());
        assert_eq!(got, want, "{class}");
        assert_eq!(b["incident"]["provider_name"], "Leverancier BV");
        assert_eq!(b["you_are"], "deployer");
        ids.push(b["incident"]["id"].as_i64().unwrap());
    }
    let (st, b) = report("catastrophe", false);
    assert_eq!((st, b["errors"][0]["field"].as_str()), (422, Some("class")), "{b}");
    // A moment the register does not keep (before 1900) is refused, naming the field.
    let old = json!({"class": "risk", "title": "Oud", "what_happened": "Lang geleden gebeurd, nu pas gemeld.", "noticed_at": "0001-01-01T00:00:00Z"});
    let (st, b) = ed.send("POST", &format!("/api/v1/algorithms/{id}/incidents"), Some(old));
    assert_eq!((st, b["errors"][0]["field"].as_str()), (422, Some("noticed_at")), "{b}");
    // Only the deployer's members report.
    let other = s.login(&t.other);
    assert_eq!(
        other
            .send(
                "POST",
                &format!("/api/v1/algorithms/{id}/incidents"),
                Some(json!({"class": "risk", "title": "x", "what_happened": "y", "noticed_at": noticed}))
            )
            .0,
        403
    );
    assert_eq!(other.send("GET", &format!("/api/v1/incidents/{}", ids[0]), None).0, 404);

    // The provider: by e-mail with a link, and as an organisation in this register.
    let mail = t.smtp.wait_for("incidenten@leverancier.nl", "Verkeerde weigeringen (death)");
    let text = unfold(&mail);
    let link = text.split("https://register.example").nth(1).and_then(|r| r.split_whitespace().next()).unwrap().to_string();
    assert!(link.starts_with("/nl/incident/"), "{link}");
    let page = s.get(&link).text().unwrap();
    assert!(
        page.contains("Verkeerde weigeringen (death)") && page.contains("2026-11-30"),
        "the link page shows the incident and its deadline"
    );
    t.smtp.wait_for(&t.supplier, "Verkeerde weigeringen");
    let sup = s.login(&t.supplier);
    let (st, b) = sup.send("GET", &format!("/api/v1/incidents/{}", ids[0]), None);
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["you_are"], "provider");
    let (st, b) = sup.send(
        "POST",
        &format!("/api/v1/incidents/{}/events", ids[0]),
        Some(json!({"kind": "acknowledged", "text": "Ontvangen, we zoeken het uit."})),
    );
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["incident"]["status"], "acknowledged");
    let (st, _) = sup.send("POST", &format!("/api/v1/incidents/{}/events", ids[0]), Some(json!({"kind": "closed"})));
    assert_eq!(st, 422, "the provider does not close the deployer's incident");
    let (_, b) = sup.send(
        "POST",
        &format!("/api/v1/incidents/{}/events", ids[0]),
        Some(json!({"kind": "reported_to_authority", "text": "Gemeld bij de toezichthouder."})),
    );
    let kinds: Vec<&str> = b["timeline"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["reported", "acknowledged", "reported_to_authority"]);
    t.smtp.wait_for(&t.editor, "Gemeld bij de toezichthouder");
    let (st, b) = ed.send("POST", &format!("/api/v1/incidents/{}/events", ids[0]), Some(json!({"kind": "closed", "text": "Opgelost."})));
    assert_eq!((st, b["incident"]["status"].as_str()), (200, Some("closed")));

    // What is public: only incidents marked public, with their summary; never the rest.
    let public = s.get_json(&format!("/api/v1/algorithms/{id}/incidents"));
    assert_eq!(public.as_array().unwrap().len(), 1);
    assert!(public[0]["summary"].as_str().unwrap().contains("hersteld"));
    assert!(!public.to_string().contains("ten onrechte") && !public.to_string().contains("leverancier.nl"));

    // An organisation reports at most 50 incidents a day: each mails the provider.
    for n in ids.len()..50 {
        assert_eq!(report("risk", false).0, 201, "report {n}");
    }
    let (st, b) = report("risk", false);
    assert_eq!(st, 429, "{b}");
}

#[test]
fn evaluations_are_kept_on_schedule_and_overdue_ones_show() {
    let t = setup(&[]);
    let (s, id) = (&t.s, &t.id);
    let ed = s.login(&t.editor);
    let other = s.login(&t.other);
    let plan = json!({"interval_months": 12, "next_due": "2026-01-15"});
    assert_eq!(other.send("PUT", &format!("/api/v1/algorithms/{id}/evaluation-plan"), Some(plan.clone())).0, 403);
    let (st, b) = ed.send("PUT", &format!("/api/v1/algorithms/{id}/evaluation-plan"), Some(plan));
    assert_eq!(st, 200, "{b}");
    let e = s.get_json(&format!("/api/v1/algorithms/{id}/evaluations"));
    assert!(e["overdue_days"].as_i64().unwrap() > 300, "{e}");
    assert!(s.get(&format!("/nl/algoritme/{id}")).text().unwrap().contains("Te laat"));
    // The organisation is told once for this due date.
    t.smtp.wait_for(&t.editor, "2026-01-15");
    // An evaluation moves the next due date one interval on.
    let today = chrono::Utc::now().date_naive();
    let (st, b) = ed.send(
        "POST",
        &format!("/api/v1/algorithms/{id}/evaluations"),
        Some(json!({"date": today.to_string(), "by_whom": "Auditdienst Rijk", "findings": "Werkt zoals bedoeld; twee regels aangescherpt.", "report_url": "https://example.org/rapport.pdf"})),
    );
    assert_eq!(st, 201, "{b}");
    let (st, b) = ed.send(
        "POST",
        &format!("/api/v1/algorithms/{id}/evaluations"),
        Some(json!({"date": "2099-01-01", "by_whom": "Iemand", "findings": "Uit de toekomst gemeld."})),
    );
    assert_eq!((st, b["errors"][0]["field"].as_str()), (422, Some("date")));
    // Dates the register does not keep (before 1900) are refused, naming the field.
    let (st, b) = ed.send(
        "POST",
        &format!("/api/v1/algorithms/{id}/evaluations"),
        Some(json!({"date": "0001-01-01", "by_whom": "Iemand", "findings": "Uit de oudheid gemeld."})),
    );
    assert_eq!((st, b["errors"][0]["field"].as_str()), (422, Some("date")), "{b}");
    let far = json!({"interval_months": 12, "next_due": "1899-12-31"});
    let (st, b) = ed.send("PUT", &format!("/api/v1/algorithms/{id}/evaluation-plan"), Some(far));
    assert_eq!((st, b["errors"][0]["field"].as_str()), (422, Some("next_due")), "{b}");
    let e = s.get_json(&format!("/api/v1/algorithms/{id}/evaluations"));
    assert!(e["overdue_days"].is_null(), "{e}");
    assert_eq!(e["plan"]["next_due"], algoreg_next_year(today));
    assert_eq!(e["evaluations"][0]["by_whom"], "Auditdienst Rijk");
    assert!(e["evaluations"][0].get("created_by").is_none() && e["plan"].get("updated_by").is_none(), "no staff names: {e}");
    assert!(!s.get(&format!("/nl/algoritme/{id}")).text().unwrap().contains("Te laat"));
}

fn algoreg_next_year(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    chrono::NaiveDate::from_ymd_opt(d.year() + 1, d.month(), d.day()).unwrap_or(d + chrono::Duration::days(365)).to_string()
}

#[test]
fn a_reminder_goes_out_once_when_the_answer_deadline_is_near() {
    let t = setup(&["--signal-answer-days", "3"]);
    let (st, _) = signal(&t.s, &t.id, json!({"kind": "concern", "text": "Ik maak me zorgen over de gevolgen voor bewoners."}));
    assert_eq!(st, 201);
    let m = t.smtp.wait_for(&t.editor, "Herinnering");
    assert!(unfold(&m).contains("/nl/beheer/org/gem-a/signalen"), "{m}");
    std::thread::sleep(Duration::from_secs(3));
    let reminders = t.smtp.messages().iter().filter(|m| header(m, "Subject").contains("Herinnering")).count();
    assert_eq!(reminders, 1, "one reminder per signal");
}

#[test]
fn behind_a_trusted_proxy_the_limit_counts_the_forwarded_client() {
    let ok = json!({"kind": "question", "text": "Hoe vaak wordt dit gecontroleerd?"});
    let send = |s: &Server, id: &str, xff: &str| {
        s.client
            .post(s.url(&format!("/api/v1/algorithms/{id}/signals")))
            .header("X-Forwarded-For", xff)
            .json(&ok)
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    // Trusted (loopback is the proxy here): each forwarded client has its own bucket of one.
    let t = setup(&["--signal-limit-address", "1", "--trusted-proxy", "127.0.0.0/8"]);
    assert_eq!(send(&t.s, &t.id, "203.0.113.7"), 201);
    assert_eq!(send(&t.s, &t.id, "198.51.100.9"), 201);
    assert_eq!(send(&t.s, &t.id, "203.0.113.7"), 429);
    assert_eq!(send(&t.s, &t.id, "10.9.9.9, 203.0.113.7"), 429, "the right-most untrusted address counts, not a spoofed first one");
    // A proxy that adds a line of its own rather than extending the client's: its line counts.
    let lines =
        t.s.client
            .post(t.s.url(&format!("/api/v1/algorithms/{}/signals", t.id)))
            .header("X-Forwarded-For", "10.1.2.3")
            .header("X-Forwarded-For", "203.0.113.7")
            .json(&ok)
            .send()
            .unwrap();
    assert_eq!(lines.status().as_u16(), 429, "the proxy's own line counts, not the client's first one");
    // Not trusted: the header is ignored and the peer's address counts.
    let u = setup(&["--signal-limit-address", "1"]);
    assert_eq!(send(&u.s, &u.id, "203.0.113.7"), 201);
    assert_eq!(send(&u.s, &u.id, "198.51.100.9"), 429);
}

#[test]
fn one_mailbox_gets_at_most_the_days_confirmations() {
    let t = setup(&["--signal-limit-address", "0", "--signal-mail-limit", "2"]);
    let body = |email: &str| json!({"kind": "question", "text": "Wie controleert de uitkomst?", "email": email});
    for _ in 0..2 {
        let (st, b) = signal(&t.s, &t.id, body("burger@example.nl"));
        assert_eq!((st, b["confirmation_mail"].clone()), (201, json!(true)), "{b}");
    }
    // The same address in other letters, or with a tag, is the same mailbox: the signal is taken in,
    // without a confirmation.
    let (st, b) = signal(&t.s, &t.id, body("Burger@Example.NL"));
    assert_eq!((st, b["confirmation_mail"].clone()), (201, json!(false)), "{b}");
    let (st, b) = signal(&t.s, &t.id, body("burger+1@example.nl"));
    assert_eq!((st, b["confirmation_mail"].clone()), (201, json!(false)), "{b}");
    assert!(b["tracking_code"].as_str().is_some_and(|c| !c.is_empty()));
    let (_, b) = signal(&t.s, &t.id, json!({"kind": "question", "text": "Zonder adres gestuurd."}));
    assert_eq!(b["confirmation_mail"], false, "no address, no confirmation");
    let (_, b) = signal(&t.s, &t.id, body("ander@example.nl"));
    assert_eq!(b["confirmation_mail"], true, "another address has its own count");
    t.smtp.wait_for("ander@example.nl", "Tracking code");
    let to_burger = |m: &String| header(m, "To").to_lowercase().contains("burger@example.nl");
    wait_until("two confirmations to burger@", || t.smtp.messages().iter().filter(|m| to_burger(m)).count() == 2);
    std::thread::sleep(Duration::from_millis(2500)); // more ticks of the mail loop
    assert_eq!(t.smtp.messages().iter().filter(|m| to_burger(m)).count(), 2, "no third confirmation");
    assert_eq!(t.s.get_json("/api/v1/organisations/gem-a/response-figures")["received"], 6, "every signal was taken in");
}

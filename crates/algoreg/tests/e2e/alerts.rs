//! E-mail alerts through the browser's forms on loopback, with mail delivered to a real SMTP server:
//! subscribe without an account, confirm from the mail, a digest of what was published, one-click
//! unsubscribe as a mail program does it (RFC 8058).

use crate::common::*;

fn to(smtp: &Smtp, addr: &str) -> Vec<String> {
    smtp.messages().into_iter().filter(|m| header(m, "To").contains(addr)).collect()
}

/// The first path in `text` that starts with `prefix` and goes on with letters, digits, `/` and `-`.
fn path_in(text: &str, prefix: &str) -> String {
    let i = text.find(prefix).unwrap_or_else(|| panic!("no {prefix} in {text}"));
    text[i..].chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-')).collect()
}

#[test]
fn a_reader_subscribes_confirms_gets_a_digest_and_unsubscribes_with_one_click() {
    let env = Env::new();
    env.org("gem-a", "four_eyes");
    env.org("gem-b", "four_eyes");
    let (ea, aa) = (env.token("gem-a", "editor"), env.token("gem-a", "approver"));
    let (eb, ab) = (env.token("gem-b", "editor"), env.token("gem-b", "approver"));
    let smtp = Smtp::start();
    let url = smtp.url();
    let s =
        env.serve_with(&["--smtp-url", &url, "--feedback-tick", "1s", "--alert-tick", "1s", "--alert-daily", "2s", "--alert-weekly", "3s"]);
    let b = Browser::new(&s);

    // The organisation's page and the search page lead to the form, which says what is followed.
    let (st, html) = b.get("/nl/organisatie/gem-a");
    assert_eq!(st, 200);
    assert!(html.contains("/nl/meldingen?org=gem-a"), "{html}");
    let (_, html) = b.get("/nl/search?q=parkeren");
    assert!(html.contains("/nl/meldingen?q=parkeren"), "{html}");
    let (st, html) = b.get("/nl/meldingen?org=gem-a&page=3");
    assert_eq!(st, 200);
    assert!(html.contains("Gemeente gem-a"), "the organisation by its name: {html}");
    assert_eq!(b.get(&format!("/nl/meldingen?q={}", "x".repeat(201))).0, 422, "a search too long is named");

    // Bad input names the field and stores nothing.
    let csrf = b.csrf();
    let post = |form: &[(&str, &str)]| {
        let mut f = vec![("_csrf", csrf.as_str())];
        f.extend_from_slice(form);
        b.post("/nl/meldingen", &f)
    };
    for (form, field) in [
        (vec![("email", "geen-adres"), ("frequency", "daily"), ("org", "gem-a")], "email"),
        (vec![("email", "lezer@example.org"), ("frequency", "hourly"), ("org", "gem-a")], "frequency"),
        (vec![("email", "lezer@example.org"), ("frequency", "daily"), ("org", "bestaat-niet")], "org"),
        (vec![("email", "lezer@example.org"), ("frequency", "daily"), ("website", "http://spam")], "website"),
    ] {
        let (st, html, _) = post(&form);
        assert_eq!(st, 422, "{form:?}");
        assert!(html.contains(&format!("{field}:")), "{field} named: {html}");
    }
    let (st, _, _) = b.post("/nl/meldingen", &[("email", "lezer@example.org"), ("frequency", "daily")]);
    assert_eq!(st, 403, "the form needs its CSRF token");

    // Subscribing sends one confirmation mail and nothing else until confirmed.
    let (st, html, _) = post(&[("email", "Lezer@Example.org"), ("frequency", "daily"), ("org", "gem-a")]);
    assert_eq!(st, 202, "{html}");
    let mail = unfold(&smtp.wait_for("lezer@example.org", "/meldingen/"));
    let confirm = path_in(&mail, "/nl/meldingen/");
    assert!(confirm.contains("/bevestigen/"), "{confirm}");
    let id = confirm.split('/').nth(3).unwrap().to_string();
    // Links that are not right find nothing: another token, another purpose, a made-up ID.
    let last = if confirm.ends_with('0') { '1' } else { '0' };
    let wrong = format!("{}{last}", &confirm[..confirm.len() - 1]);
    assert_eq!(b.get(&wrong).0, 404);
    assert_eq!(b.get(&confirm.replace("/bevestigen/", "/afmelden/")).0, 404, "a confirm token does not unsubscribe");
    assert_eq!(b.get("/nl/meldingen/..%2F..%2Fetc/afmelden/x").0, 404);
    // The link shows a button: opening it (as a mail scanner does) confirms nothing.
    let (st, html) = b.get(&confirm);
    assert_eq!(st, 200);
    assert!(html.contains("Bevestigen"), "{html}");
    let (st, html, _) = b.post(&confirm, &[("_csrf", &csrf)]);
    assert_eq!(st, 200, "{html}");
    assert!(html.contains("staat aan"), "{html}");
    let stop_page = path_in(&html, &format!("/nl/meldingen/{id}/afmelden/"));

    // The same subscription again: the same answer, no second mail.
    let (st, _, _) = post(&[("email", "lezer@example.org"), ("frequency", "daily"), ("org", "gem-a")]);
    assert_eq!(st, 202);

    // Publications: the digest lists what the subscription follows, and only that.
    let id_a = s.publish_new("gem-a", &ea, &aa, complete_content("Parkeervergunning toetsen"));
    s.publish_new("gem-b", &eb, &ab, complete_content("Afvalinzameling plannen"));
    let digest = smtp.wait_for("lezer@example.org", "Parkeervergunning toetsen");
    let text = unfold(&digest);
    assert!(!text.contains("Afvalinzameling"), "another organisation's registration: {text}");
    assert!(text.contains(&format!("/nl/algoritme/{id_a}")), "{text}");
    assert!(text.contains("nieuw"), "{text}");
    assert_eq!(to(&smtp, "lezer@example.org").len(), 2, "one confirmation and one digest");
    let list = unfold(&digest).lines().find(|l| l.starts_with("List-Unsubscribe:")).unwrap_or_default().to_string();
    assert!(list.contains(&format!("/nl/meldingen/{id}/afmelden/")), "{digest}");
    assert!(header(&digest, "List-Unsubscribe-Post").contains("List-Unsubscribe=One-Click"), "{digest}");
    let one_click = list.split('<').nth(1).unwrap().trim_end_matches('>').trim().to_string();

    // A second reader follows a search, weekly, in English.
    let b2 = Browser::new(&s);
    let csrf2 = b2.csrf();
    let (st, _, _) =
        b2.post("/en/meldingen", &[("_csrf", &csrf2), ("email", "reader@example.org"), ("frequency", "weekly"), ("q", "parkeerboete")]);
    assert_eq!(st, 202);
    let mail = unfold(&smtp.wait_for("reader@example.org", "/en/meldingen/"));
    let confirm2 = path_in(&mail, "/en/meldingen/");
    assert!(mail.contains("Confirm"), "{mail}");
    assert_eq!(b2.post(&confirm2, &[("_csrf", &csrf2)]).0, 200);

    // A search with a link in it is not copied into the mail to someone else's address; asking again
    // before confirming sends the confirmation link again.
    let phish =
        [("_csrf", csrf2.as_str()), ("email", "ander@example.org"), ("frequency", "daily"), ("q", "log in op https://evil.example")];
    assert_eq!(b2.post("/nl/meldingen", &phish).0, 202);
    smtp.wait_for("ander@example.org", "een zoekopdracht");
    assert_eq!(b2.post("/nl/meldingen", &phish).0, 202);
    wait_until("the confirmation again", || to(&smtp, "ander@example.org").len() == 2);
    assert!(to(&smtp, "ander@example.org").iter().all(|m| !unfold(m).contains("evil")), "no stranger's text in the mail");

    // One click in the mail program: a POST without cookie or CSRF token, as RFC 8058 has it.
    let r = reqwest::blocking::Client::new().post(&one_click).form(&[("List-Unsubscribe", "One-Click")]).send().unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(b.get(&stop_page).0, 404, "the subscription and its address are gone");
    let r = reqwest::blocking::Client::new().post(&one_click).form(&[("List-Unsubscribe", "One-Click")]).send().unwrap();
    assert_eq!(r.status(), 200, "a second click is no error");

    // After that: the second reader gets the new registration that matches the search, the first nothing.
    s.publish_new("gem-a", &ea, &aa, complete_content("Parkeerboete innen"));
    s.publish_new("gem-b", &eb, &ab, complete_content("Afvalkalender maken"));
    let digest2 = unfold(&smtp.wait_for("reader@example.org", "Parkeerboete innen"));
    assert!(!digest2.contains("Afvalkalender"), "{digest2}");
    assert!(digest2.contains("/en/algoritme/"), "{digest2}");
    assert!(digest2.contains("weekly"), "{digest2}");
    assert_eq!(to(&smtp, "lezer@example.org").len(), 2, "nothing after unsubscribing");
}

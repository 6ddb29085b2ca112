//! The holes an outside review found, each tried as the attacker would, over HTTP on loopback against the
//! real binary, with e-mail delivered to a real SMTP server.

use crate::common::*;
use serde_json::json;
use std::io::{Read, Write};
use std::time::Duration;

/// The status of a request whose body is over the route's limit: the server may answer 413 and close
/// the connection before the body is all sent, which the client sees as a broken send; that is a 413 too.
fn status_over_limit(r: reqwest::Result<reqwest::blocking::Response>) -> u16 {
    match r {
        Ok(r) => r.status().as_u16(),
        Err(e) if e.is_request() => 413,
        Err(e) => panic!("{e}"),
    }
}

fn secret_on(page: &str) -> Option<String> {
    let i = page.find("class=\"secret\">")? + 15;
    Some(page[i..page[i..].find('<')? + i].to_string())
}

fn login_with(b: &Browser, email: &str, password: &str) -> (u16, Option<String>) {
    let csrf = b.csrf();
    let (st, _, loc) = b.post("/nl/login", &[("_csrf", &csrf), ("email", email), ("password", password), ("next", "/nl/beheer")]);
    (st, loc)
}

/// The user ID of `email` on an organisation's settings page (its member list).
fn member_id(page: &str, email: &str) -> String {
    let i = page.find(email).expect("a member");
    let j = page[i..].find("name=\"user\" value=\"").expect("the member's form") + i + 19;
    page[j..].chars().take_while(|c| c.is_ascii_digit()).collect()
}

/// The first link in a mail to `to` that contains `path`.
fn link_in(mail: &str, path: &str) -> String {
    let text = unfold(mail);
    let i = text.find(path).expect("link in mail");
    let start = text[..i].rfind("http").expect("link start");
    text[start..].split_whitespace().next().unwrap().to_string()
}

#[test]
fn an_admin_cannot_take_over_an_account_of_another_organisation() {
    let smtp = Smtp::start();
    let env = Env::new();
    env.org("amsterdam", "central");
    env.org("utrecht", "four_eyes");
    env.user("admin@amsterdam.nl", Some("amsterdam"), &["org_admin"], false);
    env.user("slachtoffer@utrecht.nl", Some("utrecht"), &["editor", "approver"], false);
    env.user("beheer@centraal.nl", None, &[], true);
    env.user("admin@utrecht.nl", Some("utrecht"), &["org_admin"], false);
    let s = env.serve_with(&["--smtp-url", &smtp.url(), "--feedback-tick", "1s"]);
    let admin = Browser::new(&s);
    admin.login("admin@amsterdam.nl");
    let csrf = admin.csrf();

    // Adding the other organisation's account only invites it: no password, no membership yet.
    for (email, who) in [("slachtoffer@utrecht.nl", "slachtoffer"), ("beheer@centraal.nl", "operator")] {
        let (st, page, _) = admin.post("/nl/beheer/org/amsterdam/leden", &[("_csrf", &csrf), ("email", email), ("role", "org_admin")]);
        assert_eq!(st, 200, "{who}");
        assert!(page.contains("Uitgenodigd"), "{who}: {page}");
        assert!(secret_on(&page).is_none(), "{who}: no password is shown");
    }
    // Resetting the password of any account that is not a member: refused, whatever the ID.
    for id in 1..=6 {
        let (st, page, _) = admin.post("/nl/beheer/org/amsterdam/leden/wachtwoord", &[("_csrf", &csrf), ("user", &id.to_string())]);
        assert!(secret_on(&page).is_none(), "user {id}: no password made");
        assert!(st == 403 || st == 400, "user {id}: {st}");
    }
    // The invited person was told by e-mail, and still logs in with their own password.
    smtp.wait_for("slachtoffer@utrecht.nl", "Uitnodiging");
    let victim = Browser::new(&s);
    victim.login("slachtoffer@utrecht.nl");
    let (_, start) = victim.get("/nl/beheer");
    assert!(start.contains("Uitnodigingen") && start.contains("Gemeente amsterdam"), "{start}");
    assert_eq!(victim.get("/nl/beheer/org/amsterdam").0, 403, "not a member before accepting");
    // While the invitation is open, Utrecht's admin cannot reset the password either: whoever set it
    // could accept Amsterdam's invitation.
    let uadmin = Browser::new(&s);
    uadmin.login("admin@utrecht.nl");
    let ucsrf = uadmin.csrf();
    let (_, umembers) = uadmin.get("/nl/beheer/org/utrecht/instellingen");
    let uid = member_id(&umembers, "slachtoffer@utrecht.nl");
    let (st, page, _) = uadmin.post("/nl/beheer/org/utrecht/leden/wachtwoord", &[("_csrf", &ucsrf), ("user", &uid)]);
    assert_eq!(st, 403, "{page}");
    // Accepting makes them a member; the admin still cannot reset their password, since they also work
    // for Utrecht.
    let i = start.find("/nl/beheer/uitnodiging/").unwrap();
    let path: String = start[i..].chars().take_while(|c| *c != '"').collect();
    let vcsrf = victim.csrf();
    let (st, _, loc) = victim.post(&path, &[("_csrf", &vcsrf), ("answer", "accept")]);
    assert_eq!((st, loc.as_deref()), (303, Some("/nl/beheer/org/amsterdam")));
    assert_eq!(victim.get("/nl/beheer/org/amsterdam").0, 200);
    let (_, members) = admin.get("/nl/beheer/org/amsterdam/instellingen");
    let victim_id = member_id(&members, "slachtoffer@utrecht.nl");
    let (st, page, _) = admin.post("/nl/beheer/org/amsterdam/leden/wachtwoord", &[("_csrf", &csrf), ("user", &victim_id)]);
    assert_eq!(st, 403, "{page}");
    assert!(page.contains("Wachtwoord vergeten"), "points to the self-service reset");
    assert_eq!(login_with(&Browser::new(&s), "slachtoffer@utrecht.nl", PASSWORD).0, 303, "the password is unchanged");
    // Someone else's invitation cannot be answered.
    let (st, page, _) = admin.post(&path, &[("_csrf", &csrf), ("answer", "accept")]);
    assert_eq!(st, 404, "{page}");

    // The self-service reset: the same answer for an unknown address; a link by e-mail that works once.
    let anon = Browser::new(&s);
    let acsrf = anon.csrf();
    let (st, unknown, _) = anon.post("/nl/wachtwoord-vergeten", &[("_csrf", &acsrf), ("email", "niemand@nergens.nl")]);
    let (st2, known, _) = anon.post("/nl/wachtwoord-vergeten", &[("_csrf", &acsrf), ("email", "slachtoffer@utrecht.nl")]);
    assert_eq!((st, st2), (200, 200));
    assert_eq!(unknown.replace("niemand@nergens.nl", ""), known.replace("slachtoffer@utrecht.nl", ""), "no account is revealed");
    let mail = smtp.wait_for("slachtoffer@utrecht.nl", "wachtwoord-herstellen");
    let link = link_in(&mail, "/nl/wachtwoord-herstellen/");
    let path = &link[link.find("/nl/").unwrap()..];
    assert_eq!(anon.get(path).0, 200);
    let weak = anon.post(path, &[("_csrf", &acsrf), ("new_password", "wachtwoord123")]);
    assert_eq!(weak.0, 422, "a common password is refused: {}", weak.1);
    assert!(weak.1.contains("te makkelijk te raden"));
    let new_password = "paars konijn fietst langs de gracht";
    let (st, _, loc) = anon.post(path, &[("_csrf", &acsrf), ("new_password", new_password)]);
    assert_eq!((st, loc.as_deref()), (303, Some("/nl/login?wachtwoord=hersteld")));
    assert_eq!(anon.post(path, &[("_csrf", &acsrf), ("new_password", "nog een ander lang wachtwoord")]).0, 404, "the link works once");
    assert_eq!(login_with(&Browser::new(&s), "slachtoffer@utrecht.nl", PASSWORD).0, 401, "the old password is gone");
    assert_eq!(login_with(&Browser::new(&s), "slachtoffer@utrecht.nl", new_password).0, 303);
    assert!(!victim.get("/nl/beheer/org/amsterdam").1.contains("Uitloggen"), "the earlier session ended");
}

#[test]
fn an_account_an_admin_made_joins_another_organisation_only_through_its_mailbox() {
    let smtp = Smtp::start();
    let env = Env::new();
    env.org("amsterdam", "central");
    env.org("utrecht", "four_eyes");
    env.user("admin@amsterdam.nl", Some("amsterdam"), &["org_admin"], false);
    env.user("admin@utrecht.nl", Some("utrecht"), &["org_admin"], false);
    env.user("toezicht@amsterdam.nl", Some("amsterdam"), &["editor"], false);
    env.ok(&["user", "supervisor", "--email", "toezicht@amsterdam.nl"]);
    env.user("lid@amsterdam.nl", Some("amsterdam"), &["editor"], false);
    let s = env.serve_with(&["--smtp-url", &smtp.url(), "--feedback-tick", "1s"]);
    // Amsterdam's admin makes an account for someone of Utrecht, logs in with the temporary password
    // it is shown, and makes that password its own.
    let admin = Browser::new(&s);
    admin.login("admin@amsterdam.nl");
    let csrf = admin.csrf();
    let (_, page, _) = admin.post("/nl/beheer/org/amsterdam/leden", &[("_csrf", &csrf), ("email", "alice@utrecht.nl"), ("role", "editor")]);
    let temp = secret_on(&page).expect("temporary password shown once");
    let attacker = Browser::new(&s);
    login_with(&attacker, "alice@utrecht.nl", &temp);
    let known = "de beheerder kent dit wachtwoord";
    let acsrf = attacker.csrf();
    let (st, _, _) = attacker.post("/nl/account/wachtwoord", &[("_csrf", &acsrf), ("current_password", &temp), ("new_password", known)]);
    assert_eq!(st, 303);
    // Utrecht invites the account; the one who knows the password cannot take it into Utrecht.
    let uadmin = Browser::new(&s);
    uadmin.login("admin@utrecht.nl");
    let ucsrf = uadmin.csrf();
    let (_, page, _) =
        uadmin.post("/nl/beheer/org/utrecht/leden", &[("_csrf", &ucsrf), ("email", "alice@utrecht.nl"), ("role", "org_admin")]);
    assert!(page.contains("Uitgenodigd"), "{page}");
    let (_, start) = attacker.get("/nl/beheer");
    let i = start.find("/nl/beheer/uitnodiging/").expect("the invitation is shown");
    let path: String = start[i..].chars().take_while(|c| *c != '"').collect();
    let acsrf = attacker.csrf();
    let (st, page, _) = attacker.post(&path, &[("_csrf", &acsrf), ("answer", "accept")]);
    assert_eq!(st, 403, "{page}");
    assert!(page.contains("Wachtwoord vergeten"), "says how: {page}");
    assert_eq!(attacker.get("/nl/beheer/org/utrecht").0, 403, "not a member");
    // The holder of the mailbox chooses a password through the link, and then accepts.
    let anon = Browser::new(&s);
    let ncsrf = anon.csrf();
    anon.post("/nl/wachtwoord-vergeten", &[("_csrf", &ncsrf), ("email", "alice@utrecht.nl")]);
    let mail = smtp.wait_for("alice@utrecht.nl", "wachtwoord-herstellen");
    let link = link_in(&mail, "/nl/wachtwoord-herstellen/");
    let reset = &link[link.find("/nl/").unwrap()..];
    let own = "alleen alice kent deze zin";
    assert_eq!(anon.post(reset, &[("_csrf", &ncsrf), ("new_password", own)]).0, 303);
    assert_eq!(login_with(&Browser::new(&s), "alice@utrecht.nl", known).0, 401, "the password the admin knew is gone");
    let alice = Browser::new(&s);
    assert_eq!(login_with(&alice, "alice@utrecht.nl", own).0, 303);
    let ccsrf = alice.csrf();
    let (st, _, _) = alice.post(&path, &[("_csrf", &ccsrf), ("answer", "accept")]);
    assert_eq!(st, 303);
    assert_eq!(alice.get("/nl/beheer/org/utrecht").0, 200);

    // A supervisor reads across every organisation: the admin of the one organisation they belong to
    // cannot set their password.
    let (_, members) = admin.get("/nl/beheer/org/amsterdam/instellingen");
    let sid = member_id(&members, "toezicht@amsterdam.nl");
    let (st, page, _) = admin.post("/nl/beheer/org/amsterdam/leden/wachtwoord", &[("_csrf", &csrf), ("user", &sid)]);
    assert_eq!(st, 403, "{page}");
    assert!(secret_on(&page).is_none());
    assert_eq!(login_with(&Browser::new(&s), "toezicht@amsterdam.nl", PASSWORD).0, 303, "the password is unchanged");
    // A member who is only Amsterdam's can be given a temporary password, and hears of it.
    let lid = member_id(&members, "lid@amsterdam.nl");
    let (st, page, _) = admin.post("/nl/beheer/org/amsterdam/leden/wachtwoord", &[("_csrf", &csrf), ("user", &lid)]);
    assert_eq!(st, 200, "{page}");
    assert!(secret_on(&page).is_some());
    assert!(smtp.wait_for("lid@amsterdam.nl", "Tijdelijk wachtwoord").contains("Gemeente amsterdam"));
}

/// Four eyes: an admin who released a version cannot publish it with an approver token they made
/// themselves, nor release with such a token and publish it as themselves.
#[test]
fn a_token_counts_as_the_person_who_made_it_for_four_eyes() {
    let env = Env::new();
    env.org("leiden", "four_eyes");
    env.user("beheer@leiden.nl", Some("leiden"), &["org_admin", "editor", "approver"], false);
    let other_approver = env.token("leiden", "approver");
    let s = env.serve();
    let admin = s.login("beheer@leiden.nl");
    let b = Browser::new(&s);
    b.login("beheer@leiden.nl");
    let (st, page, _) = b.post("/nl/beheer/org/leiden/tokens", &[("_csrf", &b.csrf()), ("name", "eigen"), ("role", "approver")]);
    assert_eq!(st, 200, "{page}");
    let own_approver = secret_on(&page).expect("the new token's secret");
    // A NUL character in a text is the sender's input, never a server error (PostgreSQL keeps none).
    let (st, page, _) = b.post("/nl/beheer/org/leiden/tokens", &[("_csrf", &b.csrf()), ("name", "nul\u{0}teken"), ("role", "editor")]);
    assert!(st == 200 || st == 422, "{st}: {page}");

    let (st, v) =
        admin.send("POST", "/api/v1/organisations/leiden/algorithms", Some(json!({"content": complete_content("Parkeervergunningen")})));
    assert_eq!(st, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    assert_eq!(admin.send("POST", &format!("/api/v1/algorithms/{id}/actions/release"), None).0, 200);
    let (st, body) = s.send("POST", &format!("/api/v1/algorithms/{id}/actions/publish"), Some(&own_approver), None);
    assert_eq!(st, 409, "the admin's own token is the admin: {body}");
    assert_eq!(body["type"], "/problems/workflow");
    let (st, body) = s.send("POST", &format!("/api/v1/algorithms/{id}/actions/publish"), Some(&other_approver), None);
    assert_eq!(st, 200, "someone else's approver publishes: {body}");

    // The other way round: saved and released with the admin's token, published by the admin in person.
    let (st, _) = s.send(
        "PUT",
        &format!("/api/v1/algorithms/{id}/draft"),
        Some(&own_approver),
        Some(json!({"content": complete_content("Parkeervergunningen (2)")})),
    );
    assert_eq!(st, 200);
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{id}/actions/release"), Some(&own_approver), None).0, 200);
    let (st, body) = admin.send("POST", &format!("/api/v1/algorithms/{id}/actions/publish"), None);
    assert_eq!(st, 409, "what the admin's token released, the admin does not publish: {body}");
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{id}/actions/publish"), Some(&other_approver), None).0, 200);
}

/// A page of a sibling subdomain (the same "site", which SameSite=Strict lets through) or of another
/// site cannot make a change with the session cookie; the site itself and tools with a token can.
#[test]
fn a_change_with_the_session_cookie_comes_only_from_the_site_itself() {
    let env = Env::new();
    env.org("gouda", "central");
    env.user("redactie@gouda.nl", Some("gouda"), &["editor"], false);
    let editor = env.token("gouda", "editor");
    let s = env.serve();
    let person = s.login("redactie@gouda.nl");
    let id = s.create("gouda", &editor, complete_content("Kwijtschelding"));
    let release = |from: Option<&str>| {
        let mut r = person.client.post(format!("{}/api/v1/algorithms/{id}/actions/release", person.base));
        if let Some(from) = from {
            r = r.header("sec-fetch-site", from);
        }
        r.send().unwrap().status().as_u16()
    };
    assert_eq!(release(Some("same-site")), 403, "a sibling subdomain");
    assert_eq!(release(Some("cross-site")), 403, "another site");
    // A control character in an address finds nothing (and is no server error on any backend).
    for path in ["/api/v1/organisations/%00", "/nl/organisatie/a%1Fb", "/api/algoritme/NLD/%7f"] {
        assert_eq!(s.get(path).status(), 404, "{path}");
    }
    // A browser that does not say where a request comes from still names the page's origin.
    let r = person.client.post(format!("{}/api/v1/algorithms/{id}/actions/release", person.base)).header("origin", "https://x.gouda.nl");
    assert_eq!(r.send().unwrap().status(), 403, "another host, said by the origin");
    // A bearer scheme in other letters is a bearer token all the same, not a way to the cookie.
    let r = person.client.post(format!("{}/api/v1/algorithms/{id}/actions/release", person.base)).header("authorization", "BEARER x");
    assert_eq!(r.header("sec-fetch-site", "cross-site").send().unwrap().status(), 401);
    assert_eq!(s.send("GET", &format!("/api/v1/algorithms/{id}/workspace"), Some(&editor), None).1["record"]["latest_state"], "draft");
    // Nor does such a page post a form of the site, not even the login form (a sibling subdomain can
    // set this site's cookies, the CSRF cookie too, and so log a person in as someone else).
    let b = Browser::new(&s);
    let csrf = b.csrf();
    let form = [("_csrf", csrf.as_str()), ("email", "redactie@gouda.nl"), ("password", PASSWORD)];
    let r = b.client.post(format!("{}/nl/login", s.base)).header("sec-fetch-site", "same-site").form(&form).send().unwrap();
    assert_eq!(r.status(), 403, "a login posted by a sibling subdomain");
    let r = b.client.post(format!("{}/nl/login", s.base)).header("sec-fetch-site", "same-origin").form(&form).send().unwrap();
    assert_eq!(r.status(), 303, "the site's own login form");
    // This host's own origin passes on to the route (which wants a password here).
    let r = person.client.post(format!("{}/api/v1/session/passkeys/options", person.base)).header("origin", person.base.as_str());
    assert_eq!(r.json(&json!({})).send().unwrap().status(), 422, "this host: on to the route");
    assert_eq!(release(Some("same-origin")), 200, "the site's own page");
    // Reading with the cookie from elsewhere, and a token from anywhere, are not affected.
    let r = person.client.get(format!("{}/api/v1/session", person.base)).header("sec-fetch-site", "cross-site").send().unwrap();
    assert_eq!(r.status(), 200);
    let r = s.client.put(s.url(&format!("/api/v1/algorithms/{id}/draft"))).bearer_auth(&editor).header("sec-fetch-site", "cross-site");
    assert_eq!(r.json(&json!({"content": complete_content("Kwijtschelding (2)")})).send().unwrap().status(), 200);
}

/// Whoever made an API token saw its secret: when they leave the organisation (no role left there),
/// the tokens they made stop working; someone else's token keeps working.
#[test]
fn the_tokens_a_member_made_end_when_they_leave() {
    let env = Env::new();
    env.org("hoorn", "central");
    env.user("eerste@hoorn.nl", Some("hoorn"), &["org_admin"], false);
    env.user("tweede@hoorn.nl", Some("hoorn"), &["org_admin", "editor"], false);
    let s = env.serve();
    let make = |who: &str, role: &str| {
        let b = Browser::new(&s);
        b.login(who);
        let (st, page, _) = b.post("/nl/beheer/org/hoorn/tokens", &[("_csrf", &b.csrf()), ("name", who), ("role", role)]);
        assert_eq!(st, 200, "{page}");
        secret_on(&page).expect("the new token's secret")
    };
    let first = make("eerste@hoorn.nl", "editor");
    let (second, second_admin) = (make("tweede@hoorn.nl", "editor"), make("tweede@hoorn.nl", "org_admin"));
    let works = |t: &str| s.send("GET", "/api/v1/session", Some(t), None).0 == 200;
    assert!(works(&first) && works(&second) && works(&second_admin));
    let admin = Browser::new(&s);
    admin.login("eerste@hoorn.nl");
    let id = member_id(&admin.get("/nl/beheer/org/hoorn/instellingen").1, "tweede@hoorn.nl");
    let leave =
        |role: &str| admin.post("/nl/beheer/org/hoorn/leden/verwijderen", &[("_csrf", &admin.csrf()), ("user", &id), ("role", role)]);
    // No longer admin: the admin token the person made goes (it read the audit log, managed members),
    // the editor token stays.
    let (st, page, _) = leave("org_admin");
    assert_eq!(st, 200, "{page}");
    assert!(page.contains("zijn ingetrokken"), "{page}");
    assert!(!works(&second_admin), "an admin token of someone who is no admin any more");
    assert!(works(&second), "still an editor");
    // A role the person does not have: nothing to take away, and nothing written.
    let (st, _, _) = leave("org_admin");
    assert_eq!(st, 404);
    // The last role taken: the token the person made is revoked, and the page says so.
    let (st, page, _) = leave("editor");
    assert_eq!(st, 200, "{page}");
    assert!(page.contains("zijn ingetrokken"), "{page}");
    assert!(!works(&second), "the token of someone who left");
    assert!(works(&first), "the other admin's token");
}

#[test]
fn an_organisations_log_shows_a_persons_own_events_only_while_they_are_a_member() {
    let env = Env::new();
    env.org("hoorn", "central");
    env.org("enkhuizen", "central");
    env.user("beheer@hoorn.nl", Some("hoorn"), &["org_admin"], false);
    env.user("lid@enkhuizen.nl", Some("enkhuizen"), &["editor"], false);
    env.user("centraal@example.org", None, &[], true);
    let s = env.serve();
    // Logins of the central operator and of another organisation's member.
    Browser::new(&s).login("centraal@example.org");
    Browser::new(&s).login("lid@enkhuizen.nl");
    // Hoorn's admin invites both (no consent needed to invite), withdraws, and tries to remove them.
    let admin = Browser::new(&s);
    admin.login("beheer@hoorn.nl");
    for who in ["centraal@example.org", "lid@enkhuizen.nl"] {
        let (st, page, _) =
            admin.post("/nl/beheer/org/hoorn/leden", &[("_csrf", &admin.csrf()), ("email", who), ("name", ""), ("role", "editor")]);
        assert_eq!(st, 200, "{page}");
        let id = env.sql(&format!("SELECT CAST(id AS TEXT) FROM users WHERE email = '{who}'"));
        let (st, _, _) =
            admin.post("/nl/beheer/org/hoorn/leden/verwijderen", &[("_csrf", &admin.csrf()), ("user", &id), ("role", "editor")]);
        assert_eq!(st, 404, "{who} is no member");
    }
    let (st, log) = admin.get("/nl/beheer/org/hoorn/logboek.csv");
    assert_eq!(st, 200);
    assert!(log.contains("invitation_sent"), "{log}");
    for line in log.lines().filter(|l| l.contains("centraal@example.org") || l.contains("lid@enkhuizen.nl")) {
        assert!(line.contains("invitation_sent"), "only the invitations, none of their own events: {line}");
    }
}

#[test]
fn temporary_passwords_must_be_changed_first() {
    let env = Env::new();
    env.org("breda", "central");
    env.user("admin@breda.nl", Some("breda"), &["org_admin"], false);
    let s = env.serve();
    let admin = Browser::new(&s);
    admin.login("admin@breda.nl");
    let csrf = admin.csrf();
    let (_, page, _) = admin.post("/nl/beheer/org/breda/leden", &[("_csrf", &csrf), ("email", "nieuw@breda.nl"), ("role", "editor")]);
    let temp = secret_on(&page).expect("temporary password shown once");

    let b = Browser::new(&s);
    assert_eq!(login_with(&b, "nieuw@breda.nl", &temp), (303, Some("/nl/account/wachtwoord".to_string())));
    // Until it is changed, nothing else works: pages send to the change form, the API sees no roles.
    let (st, _) = b.get("/nl/beheer/org/breda");
    assert_eq!(st, 303);
    let me: serde_json::Value = b.client.get(format!("{}/api/v1/session", b.base)).send().unwrap().json().unwrap();
    assert_eq!(me["must_change_password"], true);
    assert_eq!(me["roles"], json!([]));
    let r =
        b.client.post(format!("{}/api/v1/organisations/breda/algorithms", b.base)).json(&json!({"content": {"name": "x"}})).send().unwrap();
    assert_eq!(r.status(), 403);
    // Weak, or the same: refused with the field named.
    let bcsrf = b.csrf();
    for (new, why) in [("kort", "minstens 12"), ("breda12345678", "te makkelijk"), (temp.as_str(), "ander wachtwoord")] {
        let (st, page, _) = b.post("/nl/account/wachtwoord", &[("_csrf", &bcsrf), ("current_password", &temp), ("new_password", new)]);
        assert_eq!(st, 422, "{new}");
        assert!(page.contains(why), "{new}: {page}");
    }
    let (st, _, _) = b.post(
        "/nl/account/wachtwoord",
        &[("_csrf", &bcsrf), ("current_password", "fout"), ("new_password", "zeven groene kikkers zingen")],
    );
    assert_eq!(st, 422, "the current password is checked");
    let (st, _, loc) = b
        .post("/nl/account/wachtwoord", &[("_csrf", &bcsrf), ("current_password", &temp), ("new_password", "zeven groene kikkers zingen")]);
    assert_eq!((st, loc.as_deref()), (303, Some("/nl/beheer?wachtwoord=gewijzigd")));
    assert_eq!(b.get("/nl/beheer/org/breda").0, 200, "the new session works");
    assert_eq!(login_with(&Browser::new(&s), "nieuw@breda.nl", &temp).0, 401, "the temporary password is gone");

    // Over the API too.
    let api = s.login("admin@breda.nl");
    let (st, v) = api.send("POST", "/api/v1/session/password", Some(json!({"current_password": PASSWORD, "new_password": "123456789012"})));
    assert_eq!(st, 422);
    assert_eq!(v["errors"][0]["field"], "new_password", "{v}");
    let (st, v) = api.send(
        "POST",
        "/api/v1/session/password",
        Some(json!({"current_password": PASSWORD, "new_password": "een ander en langer wachtwoord"})),
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["must_change_password"], false);
}

#[test]
fn logins_are_throttled_atomically_per_account_and_per_address() {
    let env = Env::new();
    env.org("ede", "central");
    env.user("doelwit@ede.nl", Some("ede"), &["editor"], false);
    let s = env.serve();
    let url = s.url("/api/v1/session");
    // Twenty wrong passwords at once: only the five free attempts get an answer about the password.
    let handles: Vec<_> = (0..20)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                reqwest::blocking::Client::new()
                    .post(url)
                    .json(&json!({"email": "doelwit@ede.nl", "password": "fout-wachtwoord"}))
                    .send()
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let statuses: Vec<u16> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 5, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 15, "{statuses:?}");
    let r = reqwest::blocking::Client::new().post(&url).json(&json!({"email": "doelwit@ede.nl", "password": PASSWORD})).send().unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().get("retry-after").is_some());
    // Per address: many accounts from one address are slowed down too.
    for i in 0..5 {
        let r = reqwest::blocking::Client::new()
            .post(&url)
            .json(&json!({"email": format!("onbekend{i}@ede.nl"), "password": "fout-wachtwoord"}))
            .send()
            .unwrap();
        assert_eq!(r.status(), 401, "{i}");
    }
    let r = reqwest::blocking::Client::new()
        .post(&url)
        .json(&json!({"email": "nog-een@ede.nl", "password": "fout-wachtwoord"}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 429, "the eleventh failure from this address waits");
}

#[test]
fn with_shared_limits_failed_logins_count_on_every_node() {
    let env = Env::new();
    env.org("ede", "central");
    env.user("doelwit@ede.nl", Some("ede"), &["editor"], false);
    let (one, two) = (env.serve_with(&["--shared-limits"]), env.serve_node("node2", &["--shared-limits"]));
    let login = |s: &Server, password: &str| {
        reqwest::blocking::Client::new()
            .post(s.url("/api/v1/session"))
            .json(&json!({"email": "doelwit@ede.nl", "password": password}))
            .send()
            .unwrap()
    };
    // Five failures on the first node go free; the sixth, on the second node, waits.
    for i in 0..5 {
        assert_eq!(login(&one, "fout-wachtwoord").status(), 401, "{i}");
    }
    let r = login(&two, "fout-wachtwoord");
    assert_eq!(r.status(), 429, "the first node's failures count on the second");
    let wait: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&wait), "{wait}");
    // Slowed, never locked: after the wait the right password works, on either node.
    std::thread::sleep(std::time::Duration::from_secs(wait));
    assert_eq!(login(&two, PASSWORD).status(), 200);
    assert_eq!(login(&one, "fout-wachtwoord").status(), 401, "a success starts the account afresh");
}

#[test]
fn with_shared_limits_signals_and_reset_links_count_on_every_node() {
    let env = Env::new();
    env.org("ede", "four_eyes");
    env.user("mens@ede.nl", Some("ede"), &["editor"], false);
    let args = ["--shared-limits", "--signal-limit-address", "2"];
    // The shared windows are whole hours: start well inside one.
    let into_hour = chrono::Utc::now().timestamp().rem_euclid(3600);
    if into_hour > 3540 {
        std::thread::sleep(std::time::Duration::from_secs((3601 - into_hour) as u64));
    }
    let (one, two) = (env.serve_with(&args), env.serve_node("node2", &args));
    let (editor, approver) = (env.token("ede", "editor"), env.token("ede", "approver"));
    let id = one.publish_new("ede", &editor, &approver, complete_content("Gedeelde grens"));
    // Two signals per address an hour: one on each node, and the third is refused on either.
    let signal = |s: &Server| {
        s.send(
            "POST",
            &format!("/api/v1/algorithms/{id}/signals"),
            None,
            Some(json!({"kind": "error", "text": "De datum klopt niet meer."})),
        )
        .0
    };
    assert_eq!((signal(&one), signal(&two)), (201, 201));
    assert_eq!(signal(&one), 429, "the second node's signal counts on the first");
    // Ten reset links per client address an hour, counted across the nodes.
    let reset = |s: &Server| {
        let b = Browser::new(s);
        let csrf = b.csrf();
        b.post("/nl/wachtwoord-vergeten", &[("_csrf", &csrf), ("email", "mens@ede.nl")]).0
    };
    for i in 0..10 {
        let st = reset(if i % 2 == 0 { &one } else { &two });
        assert!(st == 200 || st == 303, "{i}: {st}");
    }
    assert_eq!(reset(&two), 429, "the eleventh request, wherever it arrives, waits");
}

/// Even at the most detailed log level, the log names a request's route, never its address: the
/// secrets in addresses (reset links, alert confirmations, signal codes) stay out of it.
#[test]
fn secrets_in_addresses_stay_out_of_the_log() {
    let env = Env::new();
    let log = env.dir.path().join("serve.log");
    let mut child = env
        .command(&["serve", "--addr", "127.0.0.1:0"])
        .env("ALGOREG_LOG", "debug")
        .env("ALGOREG_OPERATOR_SECOND_FACTOR", "optional")
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let base = listening_on(&mut child);
    let secret = "Zq7geheimXw9";
    for path in [
        format!("/nl/wachtwoord-herstellen/{secret}"),
        format!("/nl/meldingen/1/bevestigen/{secret}"),
        format!("/nl/signaal/{secret}"),
        format!("/nl/voorbeeld/{secret}"),
        format!("/api/v1/signals/status/{secret}?code={secret}"),
    ] {
        let _ = reqwest::blocking::get(format!("{base}{path}")).unwrap();
    }
    let _ = child.kill();
    let _ = child.wait();
    let written = std::fs::read_to_string(&log).unwrap();
    assert!(written.contains("wachtwoord-herstellen/{secret}"), "requests are logged by route: {written}");
    assert!(!written.contains(secret), "{written}");
}

#[test]
fn headers_cookies_and_limits() {
    let env = Env::new();
    env.org("zwolle", "central");
    env.user("r@zwolle.nl", Some("zwolle"), &["editor"], false);
    let s = env.serve_with(&["--public-url", "https://register.example.nl", "--header-timeout", "1s"]);
    let c = reqwest::blocking::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for path in ["/nl/", "/api/v1/algorithms", "/nl/login", "/api/algoritme/total-count", "/feed/v1/register.json", "/bestaat-niet"] {
        let r = c.get(s.url(path)).send().unwrap();
        let h = r.headers();
        assert_eq!(h.get("x-content-type-options").map(|v| v.to_str().unwrap()), Some("nosniff"), "{path}");
        assert!(h.get("content-security-policy").is_some_and(|v| v.to_str().unwrap().contains("frame-ancestors 'none'")), "{path}");
        assert!(h.get("referrer-policy").is_some(), "{path}");
        assert!(h.get("strict-transport-security").is_some(), "{path}: https public address");
    }
    // Cookies are Secure over https; logged-in answers are not stored.
    let r = c.post(s.url("/api/v1/session")).json(&json!({"email": "r@zwolle.nl", "password": PASSWORD})).send().unwrap();
    let cookie = r.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(cookie.contains("; Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let session = cookie.split(';').next().unwrap().to_string();
    let r = c.get(s.url("/nl/beheer/org/zwolle")).header("cookie", &session).send().unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers().get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"));
    let r = c.get(s.url("/nl/login")).send().unwrap();
    assert!(r.headers().get("set-cookie").unwrap().to_str().unwrap().contains("; Secure"), "the CSRF cookie too");

    // Body limits per route: a signal or login far over its limit is refused before any work.
    let big = "<".repeat(1_600_000);
    assert_eq!(status_over_limit(c.post(s.url("/api/v1/session")).json(&json!({"email": "r@zwolle.nl", "password": big})).send()), 413);
    let search =
        c.post(s.url("/api/algoritme/NLD")).header("content-type", "application/json").body(format!("{{\"searchtext\":\"{big}\"}}"));
    assert_eq!(status_over_limit(search.send()), 413);

    // A client that sends its headers too slowly is cut off.
    let addr = s.base.trim_start_matches("http://").to_string();
    let mut slow = std::net::TcpStream::connect(&addr).unwrap();
    slow.write_all(b"GET /nl/ HTTP/1.1\r\nHost: x\r\n").unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let started = std::time::Instant::now();
    let mut buf = vec![];
    let _ = slow.read_to_end(&mut buf);
    assert!(started.elapsed() < Duration::from_secs(8), "closed by the server, not by our read timeout");
    let text = String::from_utf8_lossy(&buf);
    assert!(text.is_empty() || text.starts_with("HTTP/1.1 408"), "{text}");
}

#[test]
fn behind_a_trusted_proxy_https_is_what_the_proxy_says() {
    let env = Env::new();
    env.org("zwolle", "central");
    env.user("r@zwolle.nl", Some("zwolle"), &["editor"], false);
    let s = env.serve_with(&["--trusted-proxy", "127.0.0.0/8"]);
    let c = reqwest::blocking::Client::new();
    let login = |proto: Option<&str>| {
        let mut rb = c.post(s.url("/api/v1/session")).json(&json!({"email": "r@zwolle.nl", "password": PASSWORD}));
        if let Some(p) = proto {
            rb = rb.header("x-forwarded-proto", p);
        }
        let r = rb.send().unwrap();
        (r.headers().get("set-cookie").unwrap().to_str().unwrap().to_string(), r.headers().get("strict-transport-security").is_some())
    };
    let (plain, hsts) = login(None);
    assert!(!plain.contains("Secure") && !hsts);
    let (secure, hsts) = login(Some("https"));
    assert!(secure.contains("; Secure") && hsts);
}

#[test]
fn downloads_never_hand_a_spreadsheet_a_formula() {
    let env = Env::new();
    env.org("delft", "four_eyes");
    let ed = env.token("delft", "editor");
    let ap = env.token("delft", "approver");
    let s = env.serve();
    let mut content = complete_content("=HYPERLINK(\"https://evil.example\",\"klik\")");
    content["description_short"] = json!("@SUM(1+1)*cmd|' /C calc'!A0 is wat een aanvaller hier zou schrijven.");
    let id = s.create("delft", &ed, content);
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{id}/actions/release"), Some(&ed), None).0, 200);
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{id}/actions/publish"), Some(&ap), None).0, 200);
    for path in ["/downloads/register.csv", "/downloads/history.csv", "/api/downloads/NLD?filetype=csv"] {
        let text = s.get(path).text().unwrap();
        let mut r = csv::ReaderBuilder::new().from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let cells: Vec<String> = r.records().flat_map(|rec| rec.unwrap().iter().map(String::from).collect::<Vec<_>>()).collect();
        assert!(cells.iter().any(|c| c.starts_with("'=HYPERLINK")), "{path}: the formula is neutralised");
        assert!(cells.iter().any(|c| c.starts_with("'@SUM")), "{path}");
        assert!(!cells.iter().any(|c| c.starts_with(['=', '+', '@', '\t', '\r'])), "{path}: no cell starts a formula");
    }
    // Whole-register downloads are rendered once per state of the register: the same bytes again, and a
    // new publication is in the next one.
    let first = s.get("/downloads/register.csv").bytes().unwrap();
    assert_eq!(first, s.get("/downloads/register.csv").bytes().unwrap());
    let (_, v) = s.send(
        "POST",
        "/api/v1/organisations/delft/algorithms",
        Some(&ed),
        Some(json!({ "content": complete_content("Tweede registratie") })),
    );
    let second = v["id"].as_str().unwrap().to_string();
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{second}/actions/release"), Some(&ed), None).0, 200);
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{second}/actions/publish"), Some(&ap), None).0, 200);
    for path in ["/downloads/register.csv", "/api/downloads/NLD?filetype=csv"] {
        assert!(s.get(path).text().unwrap().contains("Tweede registratie"), "{path} is rendered again after a publication");
    }
    // Our own download imports back to the same text.
    let file = env.dir.path().join("download.csv");
    std::fs::write(&file, s.get("/api/downloads/NLD?filetype=csv").bytes().unwrap()).unwrap();
    drop(s);
    let other = Env::new();
    other.org("delft", "four_eyes");
    other.ok(&["import", file.to_str().unwrap(), "--org", "delft", "--publish"]);
    let s = other.serve();
    let v = s.get_json(&format!("/api/v1/algorithms/{id}"));
    assert_eq!(v["content"]["name"], "=HYPERLINK(\"https://evil.example\",\"klik\")", "{v}");
}

#[test]
fn hostile_input_gets_4xx_and_changes_nothing() {
    let env = Env::new();
    env.org("delft", "four_eyes");
    env.user("admin@delft.nl", Some("delft"), &["org_admin"], false);
    let ed = env.token("delft", "editor");
    let s = env.serve();
    let (st, v) =
        s.send("POST", "/api/v1/organisations/delft/algorithms", Some(&ed), Some(json!({"content": complete_content("Parkeren")})));
    assert_eq!(st, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let before = s.send("GET", &format!("/api/v1/algorithms/{id}/workspace"), Some(&ed), None).1;
    let c = reqwest::blocking::Client::new();
    // A body over the limit may be refused before it is all sent: the server answers 413 and closes the
    // connection, which the client may see as a broken send. That counts as 413.
    let raw = |method: &str, path: &str, ct: &str, body: Vec<u8>| -> u16 {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let big = body.len() > 4 * 1024 * 1024;
        match c.request(m, s.url(path)).bearer_auth(&ed).header("content-type", ct).body(body).send() {
            Ok(r) => r.status().as_u16(),
            Err(e) if big => {
                assert!(e.is_request(), "{e}");
                413
            }
            Err(e) => panic!("{path}: {e}"),
        }
    };
    let deep = format!("{{\"content\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
    let mut bad_utf8 = br#"{"content":{"name":""#.to_vec();
    bad_utf8.extend_from_slice(&[0xff, 0xfe, 0xc3]);
    bad_utf8.extend_from_slice(br#""}}"#);
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("broken", b"{\"content\": {\"name\": ".to_vec()),
        ("deep", deep.into_bytes()),
        ("invalid utf-8", bad_utf8),
        ("not an object", b"[1,2,3]".to_vec()),
        ("huge", vec![b' '; 5 * 1024 * 1024]),
        (
            "script in a link",
            serde_json::to_vec(
                &json!({"content": {"name": "x", "lawful_basis_grouping": [{"title": "t", "link": "javascript:alert(1)"}]}}),
            )
            .unwrap(),
        ),
        ("wrong types", serde_json::to_vec(&json!({"content": {"name": ["<script>"], "category": "x"}})).unwrap()),
    ];
    for (what, body) in &bodies {
        let st = raw("PUT", &format!("/api/v1/algorithms/{id}/draft"), "application/json", body.clone());
        assert!((400..500).contains(&st), "{what}: {st}");
        let st = raw("POST", "/api/v1/organisations/delft/algorithms", "application/json", body.clone());
        assert!((400..500).contains(&st), "{what} (create): {st}");
        let st = raw("POST", &format!("/api/v1/algorithms/{id}/signals"), "application/json", body.clone());
        assert!((400..500).contains(&st), "{what} (signal): {st}");
        // The compatible search ignores fields it does not know, as the live one does.
        if serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(body).is_err() {
            let st = raw("POST", "/api/algoritme/NLD", "application/json", body.clone());
            assert!((400..500).contains(&st), "{what} (compatible search): {st}");
        }
    }
    // Bad IDs and absurd paging.
    for path in [
        "/api/v1/algorithms/abc",
        "/api/v1/algorithms/99999999",
        &format!("/api/v1/algorithms/{}", "9".repeat(5000)),
        "/api/v1/algorithms?page=999999999999999999999999&per_page=-1",
        "/api/v1/algorithms?per_page=100000",
        "/api/v1/algorithms/%00%ff",
        "/nl/algoritme/../../etc/passwd",
        "/nl/search?page=99999999999999999999",
        "/api/algoritme/NLD/%F0%28%8C%28",
    ] {
        let st = c.get(s.url(path)).send().unwrap().status().as_u16();
        assert!((400..500).contains(&st), "{path}: {st}");
    }
    let st = raw("POST", "/api/algoritme/NLD", "application/json", br#"{"page": 1000000, "limit": 100}"#.to_vec());
    assert_eq!(st, 200, "the deepest page is answered, cheaply");
    // Nothing partial was written: the record is as it was, and no other record appeared.
    let after = s.send("GET", &format!("/api/v1/algorithms/{id}/workspace"), Some(&ed), None).1;
    assert_eq!(before, after);
    let (_, list) = s.send("GET", "/api/v1/organisations/delft/signals", Some(&ed), None);
    assert_eq!(list, json!([]), "no signal was taken in");
    // Forms: a broken or huge form body to the workspace and the login.
    let b = Browser::new(&s);
    b.login("admin@delft.nl");
    let csrf = b.csrf();
    let huge = "x".repeat(3 * 1024 * 1024);
    for (path, form) in [
        ("/nl/beheer/org/delft/leden", vec![("_csrf", csrf.as_str()), ("email", "<script>@x"), ("role", "god")]),
        ("/nl/beheer/org/delft/organisatie", vec![("_csrf", csrf.as_str()), ("about", huge.as_str()), ("flow", "central")]),
        ("/nl/login", vec![("_csrf", csrf.as_str()), ("email", huge.as_str()), ("password", "x")]),
    ] {
        // As above: a body over the limit may be cut off before it is all sent.
        let st = match b.client.post(format!("{}{path}", b.base)).form(&form).send() {
            Ok(r) => r.status().as_u16(),
            Err(e) if form.iter().any(|(_, v)| v.len() > 1024 * 1024) && e.is_request() => 413,
            Err(e) => panic!("{path}: {e}"),
        };
        assert!((400..500).contains(&st), "{path}: {st}");
    }
    let org = s.get_json("/api/v1/organisations/delft");
    assert!(org["about"].is_null(), "{org}");
}

#[test]
fn one_client_cannot_hold_every_connection() {
    let env = Env::new();
    let s = env.serve_with(&["--max-connections-per-client", "3", "--header-timeout", "2s"]);
    let addr = s.base.trim_start_matches("http://").to_string();
    let idle: Vec<_> = (0..3).map(|_| std::net::TcpStream::connect(&addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(200));
    let mut fourth = std::net::TcpStream::connect(&addr).unwrap();
    fourth.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
    let _ = fourth.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n");
    let mut buf = [0u8; 64];
    assert!(matches!(fourth.read(&mut buf), Ok(0) | Err(_)), "the fourth connection of one address is closed");
    drop(idle);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(s.get("/api/health").status(), 200, "once they are gone, the address is served again");
}

/// Nobody can use up an account's reset links of the day to keep its holder out: from an address the
/// account logged in from before, only that address's own limit applies.
#[test]
fn others_cannot_use_up_the_reset_links_of_an_account() {
    let env = Env::new();
    env.org("ede", "central");
    env.user("mens@ede.nl", Some("ede"), &["editor"], false);
    let smtp = Smtp::start();
    let url = smtp.url();
    let s = env.serve_with(&["--smtp-url", url.as_str(), "--feedback-tick", "1s", "--trusted-proxy", "127.0.0.0/8"]);
    // The holder logs in from their own address (the peer here); an attacker asks from another.
    Browser::new(&s).login("mens@ede.nl");
    let reset = |from: Option<&str>| {
        let b = Browser::new(&s);
        let csrf = b.csrf();
        let mut rb = b.client.post(format!("{}/nl/wachtwoord-vergeten", s.base));
        if let Some(ip) = from {
            rb = rb.header("X-Forwarded-For", ip);
        }
        let st = rb.form(&[("_csrf", csrf.as_str()), ("email", "mens@ede.nl")]).send().unwrap().status().as_u16();
        assert!(st == 200 || st == 303, "{st}");
    };
    let links = || smtp.messages().iter().filter(|m| header(m, "To").contains("mens@ede.nl")).count();
    for _ in 0..3 {
        reset(Some("203.0.113.9"));
    }
    wait_until("three links", || links() == 3);
    reset(Some("198.51.100.4"));
    // The holder's own request from their known address still gets a link.
    reset(None);
    wait_until("the holder's link", || links() == 4);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(links(), 4, "a fourth address that never logged in got none");
}

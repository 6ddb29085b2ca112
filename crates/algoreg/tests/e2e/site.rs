//! The editors' workspace over HTTP: login, CSRF, lockout, authorisation of pages and form posts,
//! and the whole registration path through the HTML forms.

use crate::common::*;

#[test]
fn login_csrf_and_lockout() {
    let env = Env::new();
    env.org("delft", "central");
    env.user("a@delft.nl", Some("delft"), &["editor"], false);
    let s = env.serve();
    let b = Browser::new(&s);
    // Without the CSRF token, nothing happens.
    let (st, _, _) = b.post("/nl/login", &[("email", "a@delft.nl"), ("password", PASSWORD)]);
    assert_eq!(st, 403);
    let csrf = b.csrf();
    let (st, _, _) = b.post("/nl/login", &[("_csrf", "0".repeat(48).as_str()), ("email", "a@delft.nl"), ("password", PASSWORD)]);
    assert_eq!(st, 403, "a wrong token is refused");
    // Wrong passwords: refused, then slowed down (even the right one waits), but never locked.
    for _ in 0..5 {
        let (st, body, _) = b.post("/nl/login", &[("_csrf", &csrf), ("email", "a@delft.nl"), ("password", "fout-wachtwoord")]);
        assert_eq!(st, 401);
        assert!(body.contains("klopt niet"));
    }
    let (st, body, _) = b.post("/nl/login", &[("_csrf", &csrf), ("email", "a@delft.nl"), ("password", PASSWORD)]);
    assert_eq!(st, 429, "{body}");
    assert!(body.contains("Te veel mislukte pogingen"));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (st, body, _) = b.post("/nl/login", &[("_csrf", &csrf), ("email", "a@delft.nl"), ("password", PASSWORD), ("next", "/nl/beheer")]);
    assert_eq!(st, 303, "after the delay the right password works: {body}");
    // Open redirects are not followed.
    env.user("b@delft.nl", Some("delft"), &["editor"], false);
    let (st, _, loc) =
        b.post("/nl/login", &[("_csrf", &csrf), ("email", "b@delft.nl"), ("password", PASSWORD), ("next", "//evil.example/")]);
    assert_eq!(st, 303);
    assert_eq!(loc.as_deref(), Some("/nl/beheer"));
    for evil in ["/\t/evil.example", "/\\evil.example", "/nl//evil.example", "https://evil.example/"] {
        let (st, _, loc) = b.post("/nl/login", &[("_csrf", &csrf), ("email", "b@delft.nl"), ("password", PASSWORD), ("next", evil)]);
        assert_eq!(st, 303);
        assert_eq!(loc.as_deref(), Some("/nl/beheer"), "{evil:?}");
    }
    // Logout needs the token too, and ends the session.
    assert_eq!(b.post("/nl/logout", &[]).0, 403);
    assert_eq!(b.post("/nl/logout", &[("_csrf", &csrf)]).0, 303);
    let (st, _) = b.get("/nl/beheer/org/delft");
    assert_eq!(st, 303, "logged out: back to login");
}

#[test]
fn pages_and_posts_of_another_organisation_answer_403() {
    let env = Env::new();
    env.org("delft", "central");
    env.org("ede", "four_eyes");
    env.user("a@delft.nl", Some("delft"), &["editor", "approver", "org_admin"], false);
    let ede = env.token("ede", "editor");
    let s = env.serve();
    let (_, v) = s.send(
        "POST",
        "/api/v1/organisations/ede/algorithms",
        Some(&ede),
        Some(serde_json::json!({"content": complete_content("Van Ede")})),
    );
    let id = v["id"].as_str().unwrap().to_string();
    let b = Browser::new(&s);
    b.login("a@delft.nl");
    let csrf = b.csrf();
    for path in [
        "/nl/beheer/org/ede",
        "/nl/beheer/org/ede/nieuw",
        "/nl/beheer/org/ede/instellingen",
        &format!("/nl/beheer/algoritme/{id}"),
        &format!("/nl/beheer/algoritme/{id}/bewerken"),
        &format!("/nl/beheer/algoritme/{id}/voorbeeld"),
    ] {
        assert_eq!(b.get(path).0, 403, "GET {path}");
    }
    for (path, form) in [
        ("/nl/beheer/org/ede/nieuw".to_string(), vec![("_csrf", csrf.as_str()), ("f.name", "x")]),
        (format!("/nl/beheer/algoritme/{id}/bewerken"), vec![("_csrf", csrf.as_str()), ("f.name", "x")]),
        (format!("/nl/beheer/algoritme/{id}/actie"), vec![("_csrf", csrf.as_str()), ("action", "release")]),
        ("/nl/beheer/org/ede/leden".to_string(), vec![("_csrf", csrf.as_str()), ("email", "x@y.nl"), ("role", "editor")]),
        ("/nl/beheer/org/ede/tokens".to_string(), vec![("_csrf", csrf.as_str()), ("name", "x"), ("role", "editor")]),
        ("/nl/beheer/org/ede/organisatie".to_string(), vec![("_csrf", csrf.as_str()), ("flow", "central")]),
    ] {
        assert_eq!(b.post(&path, &form).0, 403, "POST {path}");
    }
    let (_, ws) = s.send("GET", &format!("/api/v1/algorithms/{id}/workspace"), Some(&ede), None);
    assert_eq!(ws["versions"].as_array().unwrap().len(), 1, "nothing changed");
    // Forms of one's own organisation without the CSRF token are refused too.
    assert_eq!(b.post("/nl/beheer/org/delft/nieuw", &[("f.name", "x")]).0, 403);
}

#[test]
fn register_and_publish_through_the_forms() {
    let env = Env::new();
    env.org("zwolle", "four_eyes");
    env.user("red@zwolle.nl", Some("zwolle"), &["editor"], false);
    env.user("ok@zwolle.nl", Some("zwolle"), &["approver"], false);
    let s = env.serve();
    let ed = Browser::new(&s);
    ed.login("red@zwolle.nl");
    let csrf = ed.csrf();
    // A malformed field is shown next to the field, with a summary; nothing is stored.
    let (st, body, _) =
        ed.post("/nl/beheer/org/zwolle/nieuw", &[("_csrf", &csrf), ("f.name", "Kapvergunning toetsen"), ("f.website", "geen link")]);
    assert_eq!(st, 422);
    assert!(body.contains("error-summary") && body.contains("href=\"#field-website\"") && body.contains("id=\"err-website\""), "{body}");
    // A draft may be incomplete.
    let (st, _, loc) = ed.post("/nl/beheer/org/zwolle/nieuw", &[("_csrf", &csrf), ("f.name", "Kapvergunning toetsen")]);
    assert_eq!(st, 303);
    let record = loc.unwrap().split('?').next().unwrap().to_string();
    let id = record.rsplit('/').next().unwrap().to_string();
    let (_, page) = ed.get(&record);
    assert!(page.contains("Nog in te vullen voor vrijgeven"), "completeness shown");
    // Release is refused while incomplete, with the missing fields named.
    let (st, page, _) = ed.post(&format!("{record}/actie"), &[("_csrf", &csrf), ("action", "release")]);
    assert_eq!(st, 422);
    assert!(page.contains("#field-contact_email"), "{page}");
    let full: Vec<(&str, &str)> = vec![
        ("_csrf", &csrf),
        ("f.name", "Kapvergunning toetsen"),
        ("f.description_short", "Het algoritme controleert of een aanvraag voor een kapvergunning compleet is."),
        ("f.category", "Natuur en milieu"),
        ("f.status", "In gebruik"),
        ("f.contact_email", "algoritmes@zwolle.nl"),
        ("f.publication_category", "Overige algoritmes"),
        ("f.lawful_basis_grouping.0.title", "Omgevingswet"),
        ("f.lawful_basis_grouping.0.link", "https://wetten.overheid.nl/BWBR0037885"),
    ];
    assert_eq!(ed.post(&format!("{record}/bewerken"), &full).0, 303);
    assert_eq!(ed.post(&format!("{record}/actie"), &[("_csrf", &csrf), ("action", "release")]).0, 303);
    let (_, page) = ed.get(&record);
    assert!(!page.contains("value=\"publish\""), "the editor sees no publish button");

    let ap = Browser::new(&s);
    ap.login("ok@zwolle.nl");
    let acsrf = ap.csrf();
    let (_, page) = ap.get(&record);
    assert!(page.contains("value=\"publish\"") && page.contains("value=\"reject\""), "the approver sees publish and reject");
    assert_eq!(ap.post(&format!("{record}/actie"), &[("_csrf", &acsrf), ("action", "publish")]).0, 303);
    let (st, public) = ap.get(&format!("/nl/algoritme/{id}"));
    assert_eq!(st, 200);
    assert!(public.contains("Kapvergunning toetsen") && public.contains("Omgevingswet"));
    assert_eq!(ap.get(&format!("/nl/algoritme/kapvergunning-toetsen/{id}")).0, 200, "the long form of the path works too");

    // A change: the approver sees a word-level diff, rejects with a reason, the editor sees it.
    let mut changed = full.clone();
    changed[3] = ("f.description_short", "Het algoritme controleert of een aanvraag voor een kapvergunning volledig is ingevuld.");
    assert_eq!(ed.post(&format!("{record}/bewerken"), &changed).0, 303);
    assert_eq!(ed.post(&format!("{record}/actie"), &[("_csrf", &csrf), ("action", "release")]).0, 303);
    let (_, page) = ap.get(&record);
    assert!(page.contains("<del>") && page.contains("<ins>"), "diff shown");
    assert_eq!(ap.post(&format!("{record}/actie"), &[("_csrf", &acsrf), ("action", "reject")]).0, 422, "reject needs a reason");
    assert_eq!(ap.post(&format!("{record}/actie"), &[("_csrf", &acsrf), ("action", "reject"), ("reason", "Schrijf 'compleet'")]).0, 303);
    let (_, page) = ed.get(&record);
    assert!(page.contains("Schrijf &#39;compleet&#39;") || page.contains("Schrijf 'compleet'"), "the editor sees the reason");
}

#[test]
fn organisation_admin_manages_members_tokens_and_flow() {
    let env = Env::new();
    env.org("breda", "central");
    env.user("admin@breda.nl", Some("breda"), &["org_admin"], false);
    env.user("ander@breda.nl", Some("breda"), &["editor"], false);
    let s = env.serve();
    let b = Browser::new(&s);
    b.login("admin@breda.nl");
    let csrf = b.csrf();
    let (st, page, _) =
        b.post("/nl/beheer/org/breda/leden", &[("_csrf", &csrf), ("email", "nieuw@breda.nl"), ("name", "Nieuw"), ("role", "approver")]);
    assert_eq!(st, 200);
    let i = page.find("class=\"secret\">").expect("temporary password shown once") + 15;
    let temp = &page[i..page[i..].find('<').unwrap() + i];
    let fresh = Browser::new(&s);
    let fcsrf = fresh.csrf();
    assert_eq!(
        fresh.post("/nl/login", &[("_csrf", &fcsrf), ("email", "nieuw@breda.nl"), ("password", temp)]).0,
        303,
        "the new member can log in"
    );
    let (st, page, _) = b.post("/nl/beheer/org/breda/tokens", &[("_csrf", &csrf), ("name", "koppeling"), ("role", "editor")]);
    assert_eq!(st, 200);
    let i = page.find("class=\"secret\">").unwrap() + 15;
    let token = &page[i..page[i..].find('<').unwrap() + i];
    assert!(token.starts_with("algoreg_"));
    assert_eq!(s.send("GET", "/api/v1/session", Some(token), None).0, 200, "the token works");
    // The organisation's admins hear of it (a token outlasts the session it was made in).
    let to = env.sql("SELECT to_addr FROM mail_outbox WHERE subject = 'Nieuwe API-token / New API token'");
    assert_eq!(to.trim(), "admin@breda.nl", "the admins, not the editor");
    let body = env.sql("SELECT body FROM mail_outbox WHERE subject = 'Nieuwe API-token / New API token'");
    assert!(body.contains("koppeling") && body.contains("rol editor"), "{body}");
    let (st, _, _) = b.post(
        "/nl/beheer/org/breda/organisatie",
        &[("_csrf", &csrf), ("flow", "four_eyes"), ("about", "Over Breda"), ("contact", "info@breda.nl")],
    );
    assert_eq!(st, 200);
    let org = s.get_json("/api/v1/organisations/breda");
    assert_eq!(org["flow"], "four_eyes");
    assert_eq!(org["about"], "Over Breda");
    // An editor of the same organisation is not an admin.
    let e = Browser::new(&s);
    e.login("ander@breda.nl");
    assert_eq!(e.get("/nl/beheer/org/breda/instellingen").0, 403);
}

#[test]
fn old_standard_records_are_carried_over_field_by_field() {
    let env = Env::new();
    // The launch-era seed: standard 0.1 records of Gemeente Rotterdam among others.
    let seed = shared().join("anchors/algoritmeregister-data/minbzk-seed-v0_1-90-records/init_testdata.sql");
    env.ok(&["import", &seed.display().to_string()]);
    env.user("r@rotterdam.nl", Some("gemeente-rotterdam"), &["editor"], false);
    let s = env.serve();
    let (_, list) = s.send("GET", "/api/v1/algorithms?organisation=gemeente-rotterdam", None, None);
    let item = &list["items"][0];
    assert_eq!(item["standard_version"], "0.1");
    let id = item["id"].as_str().unwrap().to_string();
    let b = Browser::new(&s);
    b.login("r@rotterdam.nl");
    let (st, page) = b.get(&format!("/nl/beheer/algoritme/{id}/bewerken"));
    assert_eq!(st, 200);
    assert!(page.contains("versie 0.1"), "names the old version");
    assert!(page.contains("Overname per veld"), "shows the field-by-field table");
    // The form is prefilled with the carried-over content in 1.0 fields.
    assert!(page.contains("name=\"f.name\""));
    // Saving makes it a 1.0 version; the published 0.1 version stays public until a new one is published.
    let csrf = b.csrf();
    let name = item["content"]["name"].as_str().unwrap();
    let (st, body, _) = b.post(&format!("/nl/beheer/algoritme/{id}/bewerken"), &[("_csrf", &csrf), ("f.name", name), ("expected", "1")]);
    assert_eq!(st, 303, "{body}");
    let (_, record) = b.get(&format!("/nl/beheer/algoritme/{id}"));
    assert!(record.contains("(standaard 1.0)"), "the new version is a 1.0 version");
    let public = s.get_json(&format!("/api/v1/algorithms/{id}"));
    assert_eq!(public["standard_version"], "0.1");
}

#[test]
fn ai_act_check_one_question_per_page_without_javascript() {
    let env = Env::new();
    env.org("ede", "central");
    env.user("r@ede.nl", Some("ede"), &["editor"], false);
    env.user("beheer@register.nl", None, &[], true);
    let ed = env.token("ede", "editor");
    let s = env.serve();
    let (_, v) = s.send(
        "POST",
        "/api/v1/organisations/ede/algorithms",
        Some(&ed),
        Some(serde_json::json!({ "content": complete_content("Chatbot voor inwoners") })),
    );
    let id = v["id"].as_str().unwrap().to_string();
    let b = Browser::new(&s);
    b.login("r@ede.nl");
    let base = format!("/nl/beheer/algoritme/{id}/ai-act");
    let (st, page) = b.get(&base);
    assert_eq!(st, 200);
    assert!(page.contains("type=\"radio\"") && page.contains("Vraag 1"), "the first question as radio buttons");
    // Each choice is a plain GET that moves one step on; the path: algorithm, AI system, supplier's
    // system, no exception, no prohibited practice, not Annex I, not Annex III, talks with people.
    let mut answers: Vec<usize> = vec![];
    for choice in [0, 0, 2, 1, 2, 1, 1] {
        let r = b
            .client
            .get(format!("{}{base}?a={}&keuze={choice}", s.base, answers.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(",")))
            .send()
            .unwrap();
        assert_eq!(r.status(), 303, "a choice redirects to the next question");
        answers.push(choice);
    }
    let a = answers.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(",");
    let (_, page) = b.get(&format!("{base}?a={a}"));
    assert!(page.contains("Vorige vraag"), "back is a link");
    assert!(page.contains("Vraag 8"));
    let (_, done) = b.get(&format!("{base}?a={a},0"));
    assert!(done.contains("transparantieverplichtingen") && done.contains("Uitkomst opslaan"), "{done}");
    // Saving needs the CSRF token.
    assert_eq!(b.post(&base, &[("a", &format!("{a},0"))]).0, 403);
    let csrf = b.csrf();
    let (st, _, loc) = b.post(&base, &[("_csrf", &csrf), ("a", &format!("{a},0"))]);
    assert_eq!(st, 303);
    assert_eq!(loc.as_deref(), Some(format!("/nl/beheer/algoritme/{id}?gedaan=1").as_str()));
    // Saving half an answer list is refused.
    assert_eq!(b.post(&base, &[("_csrf", &csrf), ("a", "0,0")]).0, 422);
    // The requirements that follow can be kept up to date on the same page.
    let (_, page) = b.get(&base);
    assert!(page.contains("Vereisten bijhouden"), "requirements form");
    let (st, _, _) = b.post(
        &format!("{base}/vereiste"),
        &[
            ("_csrf", &csrf),
            ("urn", "urn:algoreg:ver:alg-transparantie"),
            ("status", "done"),
            ("reason", ""),
            ("evidence", "https://ede.nl/chatbot"),
        ],
    );
    assert_eq!(st, 303);
    let (st, _, _) = b.post(
        &format!("{base}/vereiste"),
        &[("_csrf", &csrf), ("urn", "urn:algoreg:ver:alg-transparantie"), ("status", "not_applicable"), ("reason", ""), ("evidence", "")],
    );
    assert_eq!(st, 422, "not applicable needs a reason");
    // Published, the public page shows the outcome in plain language.
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{id}/actions/release"), Some(&ed), None).0, 200);
    let op = s.login("beheer@register.nl");
    assert_eq!(op.send("POST", &format!("/api/v1/algorithms/{id}/actions/publish"), None).0, 200);
    let (_, public) = b.get(&format!("/nl/algoritme/{id}"));
    assert!(public.contains("AI-verordening") && public.contains("transparantieverplichtingen"), "public summary");
    assert!(public.contains("Vereisten die gelden"));
    assert!(public.contains("Voldaan") && public.contains("https://ede.nl/chatbot"), "the compliance summary is public");
    // The downloads carry the classification too.
    let (_, json) = b.get(&format!("/nl/algoritme/{id}/download.json"));
    let items: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(items[0]["ai_act"]["conclusion"].as_str().unwrap().contains("transparantieverplichtingen"), "{json}");
    assert_eq!(items[0]["ai_act"]["requirements_dealt_with"].as_str().unwrap().split('/').next(), Some("1"));
    let (_, csv) = b.get("/downloads/register.csv");
    assert!(csv.lines().next().unwrap().ends_with("ai_act_conclusion,ai_act_labels,ai_act_requirements_dealt_with"), "{csv}");
    assert!(csv.contains("transparantieverplichting"));
    // Another organisation's editor gets no access to the check.
    env.org("baarn", "central");
    env.user("x@baarn.nl", Some("baarn"), &["editor"], false);
    let other = Browser::new(&s);
    other.login("x@baarn.nl");
    assert_eq!(other.get(&base).0, 403);
}

/// The organisation's details are in the register feed: changing them moves the feed's Last-Modified,
/// so that a harvester asking with If-Modified-Since alone gets the change.
#[test]
fn changing_the_organisation_moves_the_feeds_last_modified() {
    let env = Env::new();
    env.org("breda", "four_eyes");
    env.user("admin@breda.nl", Some("breda"), &["org_admin"], false);
    let approver = env.token("breda", "approver");
    let editor = env.token("breda", "editor");
    let s = env.serve();
    let id = s.create("breda", &editor, complete_content("Afvalroutes"));
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{id}/actions/release"), Some(&editor), None).0, 200);
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{id}/actions/publish"), Some(&approver), None).0, 200);
    let feed = || {
        let r = s.get("/feed/v1/register.json");
        let lm = r.headers()["last-modified"].to_str().unwrap().to_string();
        (lm, r.json::<serde_json::Value>().unwrap())
    };
    let (before, _) = feed();
    std::thread::sleep(std::time::Duration::from_millis(1100)); // HTTP dates count whole seconds
    let b = Browser::new(&s);
    b.login("admin@breda.nl");
    let (_, page) = b.get("/nl/beheer/org/breda/instellingen");
    let i = page.find("name=\"_csrf\" value=\"").expect("csrf field") + 20;
    let csrf = page[i..i + 48].to_string();
    let (st, body, _) = b.post(
        "/nl/beheer/org/breda/organisatie",
        &[("_csrf", &csrf), ("flow", "four_eyes"), ("about", "Zo gebruikt Breda algoritmes."), ("contact", "algoritmes@breda.nl")],
    );
    assert!(st == 200 || st == 303, "{st}: {body}");
    let (after, doc) = feed();
    assert_eq!(doc["organisations"][0]["about"], "Zo gebruikt Breda algoritmes.");
    let parse = |t: &str| chrono::DateTime::parse_from_rfc2822(t).unwrap();
    assert!(parse(&after) > parse(&before), "{before} -> {after}");
    let r = s.client.get(s.url("/feed/v1/register.json")).header("If-Modified-Since", &before).send().unwrap();
    assert_eq!(r.status(), 200, "a harvester that asks by date gets the change");
}

#[test]
fn people_see_and_end_their_own_sessions_and_admins_see_the_last_login() {
    let env = Env::new();
    env.org("breda", "four_eyes");
    env.user("redacteur@breda.nl", Some("breda"), &["editor"], false);
    env.user("beheer@breda.nl", Some("breda"), &["org_admin"], false);
    let s = env.serve();
    // The same person in two browsers.
    let laptop = Browser::new(&s);
    laptop.login("redacteur@breda.nl");
    let phone = Browser::new(&s);
    phone.login("redacteur@breda.nl");
    let (st, page) = laptop.get("/nl/account/sessies");
    assert_eq!(st, 200);
    assert_eq!(page.matches("name=\"session\"").count(), 2, "{page}");
    assert_eq!(page.matches("(deze browser)").count(), 1);
    // The laptop ends the phone's session: the one not marked as this browser.
    let ids: Vec<String> =
        page.match_indices("name=\"session\" value=\"").map(|(i, m)| page[i + m.len()..i + m.len() + 16].to_string()).collect();
    let csrf = laptop.csrf();
    let mut ended = 0;
    for id in &ids {
        // End the other one only: the row marked as this browser is the laptop's own session.
        let (_, before) = laptop.get("/nl/account/sessies");
        let this_row = before.find("(deze browser)").unwrap();
        let row_start = before[..this_row].rfind("<tr>").unwrap();
        let row_end = this_row + before[this_row..].find("</tr>").unwrap();
        if before[row_start..row_end].contains(id.as_str()) {
            continue;
        }
        let (st, _, _) = laptop.post("/nl/account/sessies", &[("_csrf", &csrf), ("session", id)]);
        assert_eq!(st, 200);
        ended += 1;
    }
    assert_eq!(ended, 1);
    assert_eq!(phone.get("/nl/account/sessies").0, 303, "the phone is logged out");
    assert_eq!(laptop.get("/nl/account/sessies").0, 200, "the laptop is not");
    // Someone else's session cannot be ended by guessing: 404, and it stays.
    let admin = Browser::new(&s);
    admin.login("beheer@breda.nl");
    let (_, mine) = laptop.get("/nl/account/sessies");
    let i = mine.find("name=\"session\" value=\"").unwrap() + 22;
    let laptop_id = mine[i..i + 16].to_string();
    let (st, _, _) = admin.post("/nl/account/sessies", &[("_csrf", &admin.csrf()), ("session", &laptop_id)]);
    assert_eq!(st, 404);
    assert_eq!(laptop.get("/nl/account/sessies").0, 200);
    // The admin sees when and how members last logged in.
    let (_, settings) = admin.get("/nl/beheer/org/breda/instellingen");
    assert!(settings.contains("Laatst ingelogd"), "{settings}");
    assert!(settings.contains("(wachtwoord)"), "{settings}");
}

#[test]
fn the_audit_log_records_logins_roles_and_tokens_for_the_admin_and_the_operator() {
    let env = Env::new();
    env.org("tilburg", "four_eyes");
    env.org("eindhoven", "four_eyes");
    env.user("redacteur@tilburg.nl", Some("tilburg"), &["editor"], false);
    env.user("beheer@tilburg.nl", Some("tilburg"), &["org_admin"], false);
    env.user("beheer@eindhoven.nl", Some("eindhoven"), &["org_admin"], false);
    env.user("buiten@example.org", None, &[], false);
    env.user("centraal@example.org", None, &[], true);
    let s = env.serve();
    // A failed and a good login of a member, a failed login of an unknown address.
    let member = Browser::new(&s);
    let csrf = member.csrf();
    let (st, _, _) = member.post("/nl/login", &[("_csrf", &csrf), ("email", "redacteur@tilburg.nl"), ("password", "fout-wachtwoord")]);
    assert_eq!(st, 401);
    let (st, _, _) = member.post("/nl/login", &[("_csrf", &csrf), ("email", "niemand@tilburg.nl"), ("password", "fout-wachtwoord")]);
    assert_eq!(st, 401);
    member.login("redacteur@tilburg.nl");
    // An outsider's login belongs to nobody's organisation log.
    Browser::new(&s).login("buiten@example.org");
    // The admin makes a token, adds a new person, takes a role away and revokes the token.
    let admin = Browser::new(&s);
    admin.login("beheer@tilburg.nl");
    let csrf = admin.csrf();
    let (st, page, _) =
        admin.post("/nl/beheer/org/tilburg/tokens", &[("_csrf", &csrf), ("role", "editor"), ("name", "koppeling-zaaksysteem")]);
    assert_eq!(st, 200, "{page}");
    let (st, _, _) = admin
        .post("/nl/beheer/org/tilburg/leden", &[("_csrf", &csrf), ("email", "nieuw@tilburg.nl"), ("name", "Nieuw"), ("role", "approver")]);
    assert_eq!(st, 200);
    let (token_id, editor_id) = env.with_app(async |app| {
        let org = app.orgs().by_code("tilburg").await.unwrap();
        let p = algoreg_domain::Principal::system();
        let view = app.orgs().admin_view(&p, org.id).await.unwrap();
        let token = view.tokens[0].id;
        let editor = view.members.iter().find(|m| m.0.email == "redacteur@tilburg.nl").unwrap().0.id;
        (token, editor)
    });
    let (st, _, _) = admin.post("/nl/beheer/org/tilburg/tokens/intrekken", &[("_csrf", &csrf), ("token", &token_id.to_string())]);
    assert_eq!(st, 200);
    let (st, _, _) =
        admin.post("/nl/beheer/org/tilburg/leden/verwijderen", &[("_csrf", &csrf), ("user", &editor_id.to_string()), ("role", "editor")]);
    assert_eq!(st, 200);

    let (st, log) = admin.get("/nl/beheer/org/tilburg/logboek");
    assert_eq!(st, 200, "{log}");
    for what in [
        "inloggen mislukt",
        "ingelogd",
        "API-token gemaakt",
        "koppeling-zaaksysteem",
        "rol gegeven",
        "nieuw@tilburg.nl",
        "API-token ingetrokken",
        "rol ingetrokken",
    ] {
        assert!(log.contains(what), "{what} missing in {log}");
    }
    assert!(!log.contains("niemand@tilburg.nl") && !log.contains("buiten@example.org"), "unknown addresses and outsiders stay out: {log}");
    // The export has the same events, one per row, and defuses formulas.
    let (st, csv) = admin.get("/nl/beheer/org/tilburg/logboek.csv");
    assert_eq!(st, 200);
    assert!(csv.starts_with("\u{feff}id,time,event,"), "{csv}");
    for kind in ["login_failed", "login", "token_created", "role_granted", "token_revoked", "role_revoked"] {
        assert!(csv.lines().any(|l| l.split(',').nth(2) == Some(kind)), "{kind} missing in {csv}");
    }
    // Another organisation's admin, a member who is no admin and an outsider see nothing of it.
    let other = Browser::new(&s);
    other.login("beheer@eindhoven.nl");
    assert_eq!(other.get("/nl/beheer/org/tilburg/logboek").0, 403);
    assert_eq!(other.get("/nl/beheer/org/tilburg/logboek.csv").0, 403);
    assert_eq!(other.get("/nl/beheer/logboek").0, 403, "the whole log is the operator's");
    let (_, own) = other.get("/nl/beheer/org/eindhoven/logboek");
    assert!(!own.contains("koppeling-zaaksysteem") && !own.contains("redacteur@tilburg.nl"), "{own}");
    assert_eq!(Browser::new(&s).get("/nl/beheer/org/tilburg/logboek").0, 303, "anonymous: to the login page");
    assert_eq!(admin.get("/nl/beheer/org/tilburg/logboek?voor=x").0, 400);
    // The operator reads everything, the outsider's login included.
    let op = Browser::new(&s);
    op.login("centraal@example.org");
    let (st, all) = op.get("/nl/beheer/logboek");
    assert_eq!(st, 200);
    assert!(all.contains("buiten@example.org") && all.contains("koppeling-zaaksysteem"), "{all}");
    assert_eq!(op.get("/nl/beheer/logboek.csv").0, 200);
}

#[test]
fn the_audit_log_over_the_api_for_an_admin_token_and_the_operator() {
    let env = Env::new();
    env.org("oss", "four_eyes");
    env.user("beheer@oss.nl", Some("oss"), &["org_admin"], false);
    env.user("centraal@example.org", None, &[], true);
    let admin_token = env.token("oss", "org_admin");
    let editor_token = env.token("oss", "editor");
    let s = env.serve();
    Browser::new(&s).login("beheer@oss.nl");
    let (st, list) = s.send("GET", "/api/v1/organisations/oss/audit", Some(&admin_token), None);
    assert_eq!(st, 200, "{list}");
    let events: Vec<&str> = list.as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert!(events.contains(&"login") && events.contains(&"token_created"), "{list}");
    let login = list.as_array().unwrap().iter().find(|e| e["event"] == "login").unwrap();
    assert_eq!((login["person"].as_str(), login["detail"].as_str()), (Some("beheer@oss.nl"), Some("password")));
    // Paging: one at a time, older with `before`.
    let (_, first) = s.send("GET", "/api/v1/organisations/oss/audit?limit=1", Some(&admin_token), None);
    let id = first[0]["id"].as_i64().unwrap();
    let (_, next) = s.send("GET", &format!("/api/v1/organisations/oss/audit?limit=1&before={id}"), Some(&admin_token), None);
    assert!(next[0]["id"].as_i64().unwrap() < id);
    let (st, body) = s.send("GET", "/api/v1/organisations/oss/audit?limit=0", Some(&admin_token), None);
    assert_eq!(st, 422, "{body}");
    assert_eq!(s.send("GET", "/api/v1/organisations/oss/audit", Some(&editor_token), None).0, 403);
    assert_eq!(s.send("GET", "/api/v1/audit", Some(&admin_token), None).0, 403);
    let op = s.login("centraal@example.org");
    let (st, all) = op.send("GET", "/api/v1/audit", None);
    assert_eq!(st, 200);
    assert!(all.as_array().unwrap().len() >= 3, "{all}");
}

/// The path of the preview link a page shows, which must be at the public address.
fn preview_link(s: &Server, page: &str) -> String {
    let url = page.split("id=\"preview-link\"").nth(1).and_then(|r| r.split("value=\"").nth(1)).and_then(|r| r.split('"').next());
    url.expect("the link on the page").strip_prefix(&s.base).expect("at the public address").to_string()
}

/// A preview link shows a registration's latest version, published or not, to anyone who has it, for
/// a while; only members of the organisation make one, and the link goes to nobody else.
#[test]
fn a_preview_link_shows_a_draft_to_anyone_with_it_for_a_while() {
    let env = Env::new();
    env.org("delft", "central");
    env.org("ede", "central");
    env.user("a@delft.nl", Some("delft"), &["editor"], false);
    env.user("b@ede.nl", Some("ede"), &["editor"], false);
    let editor = env.token("delft", "editor");
    let s = env.serve();
    let id = s.create("delft", &editor, complete_content("Kwijtschelding concept"));
    let path = format!("/nl/beheer/algoritme/{id}/voorbeeld");
    let other = Browser::new(&s);
    other.login("b@ede.nl");
    assert_eq!(other.post(&path, &[("_csrf", &other.csrf())]).0, 403, "another organisation's member");
    let b = Browser::new(&s);
    b.login("a@delft.nl");
    assert_eq!(b.post(&path, &[]).0, 403, "not without the form's token");
    let (st, page, _) = b.post(&path, &[("_csrf", &b.csrf())]);
    assert_eq!(st, 200, "{page}");
    let link = preview_link(&s, &page);
    // Anyone: the draft, not for search engines, and the link is not passed on to linked sites.
    let r = s.client.get(s.url(&link)).send().unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["referrer-policy"], "no-referrer");
    assert!(r.headers()["x-robots-tag"].to_str().unwrap().contains("noindex"));
    assert_eq!(r.headers()["cache-control"], "no-store", "never kept by a cache");
    assert!(r.text().unwrap().contains("Kwijtschelding concept"));
    // In the organisation's log.
    let (_, log) = s.send("GET", "/api/v1/organisations/delft/audit", Some(&env.token("delft", "org_admin")), None);
    assert!(log.to_string().contains("preview_shared"), "{log}");
    // What is not a link, and a link whose time is up, lead nowhere.
    assert_eq!(s.get("/nl/voorbeeld/abc").status(), 404);
    assert_eq!(s.get(&format!("/nl/voorbeeld/{}", "0".repeat(64))).status(), 404);
    // Taking the registration offline ends the links made before it.
    let (st, _, _) = b.post(&path, &[("_csrf", &b.csrf())]);
    assert_eq!(st, 200);
    assert_eq!(s.get(&link).status(), 200);
    let admin = env.token("delft", "org_admin");
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{id}/actions/archive"), Some(&admin), None).0, 200);
    assert_eq!(s.get(&link).status(), 404, "archived");
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{id}/actions/unarchive"), Some(&admin), None).0, 200);
    assert_eq!(s.get(&link).status(), 404, "a link made before it went offline stays ended");
    let (_, page, _) = b.post(&path, &[("_csrf", &b.csrf())]);
    let fresh = preview_link(&s, &page);
    assert_eq!(s.get(&fresh).status(), 200, "a link made after it works");
    env.sql("UPDATE preview_links SET expires_at = '2020-01-01T00:00:00.000000Z'");
    assert_eq!(s.get(&fresh).status(), 404, "expired");
}

//! The registration itself (issue 20): fields withheld on a legal ground, translations written by
//! editors, the extra fields (EU database entry, cost) and the ID and address in every download.

use crate::common::*;
use serde_json::json;

fn csv_row<'a>(csv: &'a str, id: &str) -> &'a str {
    csv.lines().find(|l| l.starts_with(id) || l.contains(&format!("\"{id}\""))).unwrap_or_else(|| panic!("{id} in {csv}"))
}

#[test]
fn a_withheld_field_shows_its_ground_on_every_output_and_counts_as_answered() {
    let env = Env::new();
    env.org("pol", "four_eyes");
    env.user("redactie@pol.nl", Some("pol"), &["editor"], false);
    env.user("toezicht@example.org", None, &[], false);
    env.ok(&["user", "supervisor", "--email", "toezicht@example.org"]);
    let (editor, approver) = (env.token("pol", "editor"), env.token("pol", "approver"));
    let s = env.serve_with(&["--public-url", "https://register.example"]);

    // Bad withholdings are named per field and rule, and create nothing.
    let mut bad = complete_content("Risicoselectie controles");
    bad["withheld"] = json!({
        "name": {"ground": "woo-5.1.2.c", "explanation": "x"},
        "goal": {"ground": "woo-5.1.2.c", "explanation": "Zou opsporing hinderen."},
        "risks": {"ground": "woo-99", "explanation": ""},
    });
    let (st, b) = s.send("POST", "/api/v1/organisations/pol/algorithms", Some(&editor), Some(json!({"content": bad})));
    assert_eq!(st, 422, "{b}");
    let errors = field_rules(&b["errors"]);
    for expected in [
        ("withheld.name", "not_withholdable"),
        ("goal", "withheld_and_filled"),
        ("withheld.risks.ground", "not_in_list"),
        ("withheld.risks.explanation", "required"),
    ] {
        assert!(errors.iter().any(|(f, r)| f == expected.0 && r == expected.1), "{expected:?} in {b}");
    }
    assert!(b["errors"].as_array().unwrap().iter().all(|e| e["message_nl"].is_string() && e["message_en"].is_string()), "{b}");

    // A required field (the contact) and the technical operation withheld: complete enough to publish.
    let mut content = complete_content("Risicoselectie controles");
    content.as_object_mut().unwrap().remove("contact_email");
    content["withheld"] = json!({
        "contact_email": {"ground": "woo-5.1.2.e", "explanation": "Het team werkt zonder openbaar adres; vragen via het algemene nummer."},
        "methods_and_models": {"ground": "woo-5.1.2.c", "explanation": "Kennis van de selectieregels zou opsporing hinderen."},
    });
    content["eu_database_url"] = json!("https://ec.europa.eu/ai-database/entry/4711");
    content["cost"] = json!("€ 250.000 aanschaf, € 40.000 per jaar");
    let id = s.publish_new("pol", &editor, &approver, content);

    // The JSON API carries the withholdings; the record is not incomplete.
    let r = s.get_json(&format!("/api/v1/algorithms/{id}"));
    let text = r.to_string();
    assert!(text.contains("woo-5.1.2.e") && text.contains("woo-5.1.2.c"), "{r}");
    assert!(!text.contains("\"contact_email\":\"") && text.contains("ai-database/entry/4711"), "{r}");

    // The public page in Dutch and in English says that it is withheld and on what ground.
    let nl = s.get(&format!("/nl/algoritme/{id}")).text().unwrap();
    assert!(nl.contains("Niet openbaar gemaakt") && nl.contains("Woo 5.1 lid 2 e") && nl.contains("zou opsporing hinderen"), "{nl}");
    assert!(nl.contains("€ 250.000 aanschaf") && nl.contains("EU-databank"), "the extra fields are shown");
    let en = s.get(&format!("/en/algoritme/{id}")).text().unwrap();
    assert!(en.contains("Not made public") && en.contains("the investigation and prosecution of criminal offences"), "{en}");

    // Downloads: the ID, the address and the withheld fields with their ground.
    let csv = s.get(&format!("/nl/algoritme/{id}/download.csv")).text().unwrap();
    let header = csv.lines().next().unwrap();
    assert!(
        header.starts_with("\u{feff}lars,register_url,") && header.contains("withheld_fields") && header.contains("eu_database_url"),
        "{header}"
    );
    let row = csv_row(&csv, &id);
    assert!(row.contains(&format!("https://register.example/nl/algoritme/{id}")), "{row}");
    assert!(row.contains("contact_email: woo-5.1.2.e") && row.contains("methods_and_models: woo-5.1.2.c"), "{row}");
    let json_dl: serde_json::Value = s.get(&format!("/nl/algoritme/{id}/download.json")).json().unwrap();
    assert_eq!(json_dl[0]["url"], format!("https://register.example/nl/algoritme/{id}"));
    assert_eq!(json_dl[0]["content"]["withheld"]["contact_email"]["ground"], "woo-5.1.2.e");
    let xlsx = s.get("/downloads/register.xlsx").bytes().unwrap().to_vec();
    let sheet = {
        use calamine::Reader;
        let mut wb: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(xlsx)).expect("an Excel file");
        let name = wb.sheet_names()[0].clone();
        wb.worksheet_range(&name).unwrap()
    };
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    let col = |h: &str| rows[0].iter().position(|c| c == h).unwrap_or_else(|| panic!("{h} in {:?}", rows[0]));
    let row = rows.iter().find(|r| r[0] == id).expect("the registration's row");
    assert_eq!(row[col("register_url")], format!("https://register.example/nl/algoritme/{id}"));
    assert!(row[col("withheld_fields")].contains("contact_email: woo-5.1.2.e"), "{row:?}");
    assert_eq!(row[col("cost")], "€ 250.000 aanschaf, € 40.000 per jaar");
    let feed = s.get_json("/feed/v1/register.json").to_string();
    assert!(feed.contains("woo-5.1.2.c"), "the feed carries the withholdings");
    // The EU database entry fills Annex VIII C3.
    let eu = s.get_json(&format!("/api/v1/algorithms/{id}/mappings/eu-database"));
    assert_eq!(eu["fields"]["c3_provider_entry_url"], "https://ec.europa.eu/ai-database/entry/4711", "{eu}");

    // The live register's shape: the field is empty, as the live register shows an empty field; the
    // downloads carry the ID and the address.
    let live = s.get_json(&format!("/api/algoritme/NLD/{id}"));
    assert!(live["contact_email"].is_null() && live["methods_and_models"].is_null() && live.get("withheld").is_none(), "{live}");
    let live_csv = s.get(&format!("/api/downloads/algorithms/{id}/NLD?filetype=csv")).text().unwrap();
    assert!(live_csv.lines().next().unwrap().ends_with("\"algorithm_id\",\"publication_dt\",\"register_url\""), "{live_csv}");
    assert!(live_csv.contains(&format!("\"https://register.example/nl/algoritme/{id}\"")), "{live_csv}");

    // The organisation's dashboard and the coordinators' view count withheld fields by ground.
    let ed = Browser::new(&s);
    ed.login("redactie@pol.nl");
    let (_, dash) = ed.get("/nl/beheer/org/pol");
    assert!(dash.contains("Afgeschermde velden") && dash.contains("Woo 5.1 lid 2 c"), "{dash}");
    let sup = s.login("toezicht@example.org");
    let (_, v) = sup.send("GET", "/api/v1/supervision", None);
    let rows: Vec<(String, u64)> = v["withheld"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["ground"].as_str().unwrap().to_string(), r["fields"].as_u64().unwrap()))
        .collect();
    assert_eq!(rows, [("woo-5.1.2.c".to_string(), 1), ("woo-5.1.2.e".to_string(), 1)], "{v}");
    let table = sup.client.get(s.url("/nl/toezicht/withheld.csv")).send().unwrap().text().unwrap();
    assert!(table.contains("Woo 5.1 lid 2 e (woo-5.1.2.e)"), "{table}");

    // The approver sees the withholdings when reviewing a new version.
    let mut next = s.get_json(&format!("/api/v1/algorithms/{id}"))["content"].clone();
    next["withheld"]["risks"] = json!({"ground": "woo-5.1.2.d", "explanation": "De controlestrategie blijft intern."});
    let (st, b) = s.send("PUT", &format!("/api/v1/algorithms/{id}/draft"), Some(&editor), Some(json!({"content": next})));
    assert_eq!(st, 200, "{b}");
    let (_, review) = ed.get(&format!("/nl/beheer/algoritme/{id}"));
    assert!(review.contains("Afgeschermd in deze versie") && review.contains("De controlestrategie blijft intern."), "{review}");
}

#[test]
fn translations_written_by_editors_are_published_with_the_version_and_marked_when_the_dutch_changes() {
    let env = Env::new();
    env.org("gem-f", "four_eyes");
    env.user("redactie@gem-f.nl", Some("gem-f"), &["editor"], false);
    let (editor, approver) = (env.token("gem-f", "editor"), env.token("gem-f", "approver"));
    let s = env.serve();

    // Only text fields, only English and Frisian.
    let mut bad = complete_content("Parkeervergunningen toetsen");
    bad["translations"] = json!({"en": {"status": "In use"}, "de": {"name": "Parkgenehmigungen"}});
    let (st, b) = s.send("POST", "/api/v1/organisations/gem-f/algorithms", Some(&editor), Some(json!({"content": bad})));
    assert_eq!(st, 422, "{b}");
    let fields: Vec<&str> = b["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["translations.en.status", "translations.de"], "{b}");

    let mut content = complete_content("Parkeervergunningen toetsen");
    content["translations"] = json!({
        "en": {"name": "Checking parking permits", "description_short": "<p>The algorithm checks applications for a parking permit.</p>"},
        "fy": {"name": "Parkearfergunningen toetse"},
    });
    let id = s.publish_new("gem-f", &editor, &approver, content);
    let en = s.get(&format!("/en/algoritme/{id}")).text().unwrap();
    assert!(en.contains("<h1>Checking parking permits</h1>") && en.contains("checks applications for a parking permit"), "{en}");
    let nl = s.get(&format!("/nl/algoritme/{id}")).text().unwrap();
    assert!(nl.contains("<h1>Parkeervergunningen toetsen</h1>"), "Dutch pages show the Dutch text");
    // The live register's API answers ENG and FRY with the organisation's translation.
    let eng = s.get_json(&format!("/api/algoritme/ENG/{id}"));
    assert_eq!((eng["name"].as_str(), eng["language"].as_str()), (Some("Checking parking permits"), Some("ENG")), "{eng}");
    let fry = s.get_json(&format!("/api/algoritme/FRY/{id}"));
    assert_eq!(fry["name"], "Parkearfergunningen toetse");
    assert_eq!(s.get_json(&format!("/api/algoritme/NLD/{id}"))["name"], "Parkeervergunningen toetsen");
    let eng_csv = s.get(&format!("/api/downloads/algorithms/{id}/ENG?filetype=csv")).text().unwrap();
    assert!(eng_csv.contains("\"Checking parking permits\"") && !eng_csv.contains("\"Parkeervergunningen toetsen\""), "{eng_csv}");

    // A tool writing the live register's format (its organisation API) keeps what that format cannot hold.
    let mut live = complete_content("Parkeervergunningen toetsen");
    live["organization"] = s.get_json(&format!("/api/v1/algorithms/{id}"))["content"]["organization"].clone();
    live["lang"] = json!("nld");
    let path = format!("/aanleverapi/v1_0/organizations/gem-f/algorithms/{id}");
    assert_eq!(s.send("PUT", &path, Some(&editor), Some(live.clone())), (200, json!({"message": "NO_CHANGES"})));
    live["goal"] = json!("<p>Sneller en eerlijker beslissen.</p>");
    assert_eq!(s.send("PUT", &path, Some(&editor), Some(live)), (200, serde_json::Value::Null));
    let (_, w) = s.send("GET", &format!("/api/v1/algorithms/{id}/workspace"), Some(&editor), None);
    let latest = w["versions"].as_array().unwrap().last().unwrap()["content"].clone();
    assert!(latest.to_string().contains("Sneller en eerlijker"), "{latest}");
    assert_eq!(latest["translations"]["fy"]["name"]["text"], "Parkearfergunningen toetse", "{latest}");

    // The Dutch name changes, the translations are kept as they were: out of date, shown to the editor.
    let mut next = s.get_json(&format!("/api/v1/algorithms/{id}"))["content"].clone();
    next["name"] = json!("Parkeervergunningen voor bewoners toetsen");
    let (st, b) = s.send("PUT", &format!("/api/v1/algorithms/{id}/draft"), Some(&editor), Some(json!({"content": next.clone()})));
    assert_eq!(st, 200, "{b}");
    let ed = Browser::new(&s);
    ed.login("redactie@gem-f.nl");
    let (_, page) = ed.get(&format!("/nl/beheer/algoritme/{id}"));
    assert!(page.contains("Verouderde vertalingen (2)"), "English and Frisian names are out of date: {page}");
    let (_, dash) = ed.get("/nl/beheer/org/gem-f");
    assert!(dash.contains("Vertalingen bijwerken"), "{dash}");
    let (_, form) = ed.get(&format!("/nl/beheer/algoritme/{id}/bewerken"));
    assert!(form.contains("name=\"t.en.name\"") && form.contains("name=\"tc.en.name\""), "the form offers to confirm: {form}");

    // The editor updates the English one in the form and says the Frisian one still holds.
    let csrf = ed.csrf();
    let mut pairs: Vec<(String, String)> = vec![("_csrf".into(), csrf)];
    for (k, v) in next.as_object().unwrap() {
        if let Some(s) = v.as_str() {
            pairs.push((format!("f.{k}"), s.to_string()));
        }
    }
    pairs.push(("f.category".into(), "Verkeer".into()));
    pairs.push(("f.lawful_basis_grouping.0.title".into(), "Wegenverkeerswet 1994".into()));
    pairs.push(("f.lawful_basis_grouping.0.link".into(), "https://wetten.overheid.nl/BWBR0006622".into()));
    pairs.push(("t.en.name".into(), "Checking parking permits for residents".into()));
    pairs.push(("t.en.description_short".into(), "The algorithm checks applications for a parking permit.".into()));
    pairs.push(("t.fy.name".into(), "Parkearfergunningen toetse".into()));
    pairs.push(("tc.fy.name".into(), "1".into()));
    let form: Vec<(&str, &str)> = pairs.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let (st, body, _) = ed.post(&format!("/nl/beheer/algoritme/{id}/bewerken"), &form);
    assert_eq!(st, 303, "{body}");
    let (_, page) = ed.get(&format!("/nl/beheer/algoritme/{id}"));
    assert!(!page.contains("Verouderde vertalingen"), "{page}");
    let (_, form) = ed.get(&format!("/nl/beheer/algoritme/{id}/bewerken"));
    assert!(form.contains("value=\"Checking parking permits for residents\"") && !form.contains("name=\"tc.fy.name\""), "{form}");
}

#[test]
fn a_shared_registration_is_adopted_by_organisations_and_its_update_reaches_them_as_a_proposal() {
    let env = Env::new();
    for org in ["lev", "gem-a", "gem-b"] {
        env.org(org, "four_eyes");
    }
    env.user("redactie@gem-b.nl", Some("gem-b"), &["editor"], false);
    let (lev_ed, lev_ap) = (env.token("lev", "editor"), env.token("lev", "approver"));
    let (a_ed, a_ap) = (env.token("gem-a", "editor"), env.token("gem-a", "approver"));
    let (b_ed, b_ap) = (env.token("gem-b", "editor"), env.token("gem-b", "approver"));
    let s = env.serve();

    // The supplier publishes one registration of its product, marked shared.
    let mut product = complete_content("Zaaksysteem Vergunningen");
    product["shared"] = json!(true);
    product["methods_and_models"] = json!("Vaste beslisregels uit de regelgeving, versie 2025.");
    product["provider"] = json!("Leverancier BV");
    let shared = s.publish_new("lev", &lev_ed, &lev_ap, product.clone());
    let other = s.publish_new("lev", &lev_ed, &lev_ap, complete_content("Niet gedeeld"));

    // Adopting: only a shared, public registration of another organisation.
    let create = |token: &str, org: &str, content: serde_json::Value| {
        s.send("POST", &format!("/api/v1/organisations/{org}/algorithms"), Some(token), Some(json!({"content": content})))
    };
    let (st, b) = create(&a_ed, "gem-a", json!({"adopts": {"record": other}}));
    assert_eq!((st, b["errors"][0]["field"].as_str()), (422, Some("adopts.record")), "{b}");
    let (st, b) = create(&lev_ed, "lev", json!({"adopts": {"record": shared}}));
    assert_eq!((st, b["errors"][0]["field"].as_str()), (422, Some("adopts.record")), "not its own: {b}");

    // Organisation A adopts over the API, adding only what differs locally.
    let local = json!({
        "adopts": {"record": shared},
        "name": "Vergunningen behandelen in Gemeente A",
        "goal": "Aanvragen voor een omgevingsvergunning sneller behandelen.",
        "human_intervention": "Een vergunningverlener beslist over elke aanvraag.",
        "contact_email": "algoritmes@gemeente-a.nl",
        "methods_and_models": "dit wordt niet overgenomen",
    });
    let (st, v) = create(&a_ed, "gem-a", local);
    assert_eq!(st, 201, "{v}");
    let a = v["id"].as_str().unwrap().to_string();
    assert_eq!(v["content"]["methods_and_models"], "Vaste beslisregels uit de regelgeving, versie 2025.", "{v}");
    assert_eq!(v["content"]["goal"], "Aanvragen voor een omgevingsvergunning sneller behandelen.");
    assert_eq!(v["content"]["adopts"], json!({"record": shared, "version": 1}));
    assert!(v["content"].get("shared").is_none(), "an adoption is not itself shared");
    // A draft cannot claim a version of the shared registration that does not exist, with a shared
    // part of its own making.
    let mut forged = v["content"].clone();
    forged["adopts"] = json!({"record": shared, "version": 999});
    forged["methods_and_models"] = json!("Eigen tekst, zogenaamd gedeeld");
    let (st, b) = s.send("PUT", &format!("/api/v1/algorithms/{a}/draft"), Some(&a_ed), Some(json!({"content": forged})));
    assert_eq!((st, b["errors"][0]["field"].as_str()), (422, Some("adopts.record")), "{b}");
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{a}/actions/release"), Some(&a_ed), None).0, 200);
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{a}/actions/publish"), Some(&a_ap), None).0, 200);

    // Organisation B adopts in the workspace: the form asks only for its own fields.
    let ed = Browser::new(&s);
    ed.login("redactie@gem-b.nl");
    let (st, form) = ed.get(&format!("/nl/beheer/org/gem-b/nieuw?adopt={shared}"));
    assert_eq!(st, 200, "{form}");
    assert!(
        form.contains("name=\"a.record\"") && form.contains("name=\"f.goal\"") && !form.contains("name=\"f.methods_and_models\""),
        "{form}"
    );
    let csrf = ed.csrf();
    let (st, body, loc) = ed.post(
        "/nl/beheer/org/gem-b/nieuw",
        &[
            ("_csrf", &csrf),
            ("a.record", &shared),
            ("a.version", "1"),
            ("f.name", "Vergunningen in Gemeente B"),
            ("f.goal", "Vergunningen voor evenementen beoordelen."),
            ("f.contact_email", "algoritmes@gemeente-b.nl"),
        ],
    );
    assert_eq!(st, 303, "{body}");
    let b_id = loc.unwrap().split('/').next_back().unwrap().split('?').next().unwrap().to_string();
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{b_id}/actions/release"), Some(&b_ed), None).0, 200);
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{b_id}/actions/publish"), Some(&b_ap), None).0, 200);

    // Both are shown and searchable: the shared page names its adopters, each adopter names its source.
    wait_until("the adopters in the index", || {
        s.get(&format!("/nl/algoritme/{shared}")).text().unwrap().contains("Vergunningen in Gemeente B")
    });
    let page = s.get(&format!("/nl/algoritme/{shared}")).text().unwrap();
    assert!(page.contains("Gedeelde registratie") && page.contains("Vergunningen behandelen in Gemeente A"), "{page}");
    let page = s.get(&format!("/nl/algoritme/{a}")).text().unwrap();
    assert!(page.contains("Gebaseerd op de gedeelde registratie") && page.contains("Vaste beslisregels"), "{page}");
    let found = s.get("/nl/search?q=vaste+beslisregels").text().unwrap();
    assert!(found.contains(&a) && found.contains(&b_id) && found.contains(&shared), "{found}");
    let only_shared = s.get("/nl/search?shared=ja").text().unwrap();
    assert!(only_shared.contains(&shared) && !only_shared.contains(&a), "{only_shared}");
    let csv = s.get("/downloads/register.csv").text().unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let adopts_col = header.iter().position(|h| *h == "adopts").expect("an adopts column");
    let row = csv.lines().find(|l| l.starts_with(&a)).unwrap();
    let cells: Vec<String> = csv::Reader::from_reader(format!("{}\n{row}\n", csv.lines().next().unwrap()).as_bytes())
        .records()
        .next()
        .unwrap()
        .unwrap()
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(cells[adopts_col], shared, "the download names the shared registration");

    // The supplier changes the shared part: every adopter gets it as a proposed change, nothing changes by itself.
    let mut next = s.get_json(&format!("/api/v1/algorithms/{shared}"))["content"].clone();
    next["methods_and_models"] = json!("Vaste beslisregels, versie 2026, met een extra controle op volledigheid.");
    assert_eq!(s.send("PUT", &format!("/api/v1/algorithms/{shared}/draft"), Some(&lev_ed), Some(json!({"content": next}))).0, 200);
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{shared}/actions/release"), Some(&lev_ed), None).0, 200);
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{shared}/actions/publish"), Some(&lev_ap), None).0, 200);
    assert!(s.get_json(&format!("/api/v1/algorithms/{a}"))["content"]["methods_and_models"].as_str().unwrap().contains("2025"));
    let (_, dash) = ed.get("/nl/beheer/org/gem-b");
    assert!(dash.contains("Gedeelde registratie bijgewerkt"), "{dash}");
    let (_, rec) = ed.get(&format!("/nl/beheer/algoritme/{b_id}"));
    assert!(rec.contains("Voorgestelde wijziging") && rec.contains("gedeeld-bijwerken"), "{rec}");

    // Another organisation cannot take it for A; A's editor takes it into a new draft over the API.
    let (st, _) = s.send("POST", &format!("/api/v1/algorithms/{a}/shared-update"), Some(&b_ed), None);
    assert_eq!(st, 403);
    let (st, v) = s.send("POST", &format!("/api/v1/algorithms/{a}/shared-update"), Some(&a_ed), None);
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["state"], "draft", "{v}");
    assert!(v["content"]["methods_and_models"].as_str().unwrap().contains("2026"), "{v}");
    assert_eq!(v["content"]["goal"], "Aanvragen voor een omgevingsvergunning sneller behandelen.", "the local part stays");
    assert_eq!(v["content"]["adopts"]["version"], 2);
    let (st, b) = s.send("POST", &format!("/api/v1/algorithms/{a}/shared-update"), Some(&a_ed), None);
    assert_eq!((st, b["errors"][0]["field"].as_str()), (422, Some("adopts")), "nothing newer: {b}");
    // B's editor takes it with the button.
    let csrf = ed.csrf();
    let (st, body, _) = ed.post(&format!("/nl/beheer/algoritme/{b_id}/gedeeld-bijwerken"), &[("_csrf", &csrf)]);
    assert_eq!(st, 303, "{body}");
    let (_, rec) = ed.get(&format!("/nl/beheer/algoritme/{b_id}"));
    assert!(!rec.contains("Voorgestelde wijziging") && rec.contains("2026"), "{rec}");
}

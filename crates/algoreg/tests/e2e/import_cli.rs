//! The CLI: import of every format, export, round trips, and bad input.

use crate::common::*;
use serde_json::{json, Value};
use std::collections::HashMap;

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

fn all_public(s: &Server) -> HashMap<String, Value> {
    let mut out = HashMap::new();
    let mut page = 1;
    loop {
        let body = s.get_json(&format!("/api/v1/algorithms?page={page}&per_page=100"));
        let items = body["items"].as_array().unwrap();
        if items.is_empty() {
            break;
        }
        for it in items {
            assert!(out.insert(it["id"].as_str().unwrap().to_string(), it.clone()).is_none(), "an ID came twice while paging");
        }
        page += 1;
    }
    out
}

#[test]
fn importing_the_real_register_loses_nothing() {
    let file = shared().join("anchors/algoritmeregister-data/schellevis-daily-scrape/algoritmes.json");
    let raw: Value = serde_json::from_slice(&std::fs::read(&file).expect("../shared/anchors with the scraped register")).unwrap();
    let records = raw["algoritmes"].as_array().unwrap();
    assert_eq!(records.len(), 1530);

    let env = Env::new();
    let out = env.ok(&["import", file.to_str().unwrap()]);
    assert!(
        out.contains("1530 records, 1530 imported") && out.contains("0 rejected") && out.contains("336 organisations created"),
        "{out}"
    );

    let s = env.serve();
    let public = all_public(&s);
    assert_eq!(public.len(), 1530);
    assert_eq!(s.get_json("/api/v1/algorithms")["total"], 1530);
    let orgs = s.get_json("/api/v1/organisations");
    assert_eq!(orgs.as_array().unwrap().len(), 336);
    let org_names: HashMap<String, String> = orgs
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["code"].as_str().unwrap().to_string(), o["name"].as_str().unwrap().to_string()))
        .collect();

    let status = |s: &str| match s {
        "in_gebruik" => "In gebruik",
        "ontwikkeling" => "In ontwikkeling",
        "buiten_gebruik" => "Buiten gebruik",
        other => panic!("unexpected status {other}"),
    };
    for r in records {
        let id = r["id"].as_str().unwrap();
        let p = &public[id];
        let c = &p["content"];
        assert_eq!(c["name"].as_str().unwrap(), r["title"].as_str().unwrap().trim(), "{id} title");
        assert_eq!(c["organization"], r["organisatie"], "{id} organisatie");
        assert_eq!(org_names[p["organisation"].as_str().unwrap()], r["organisatie"].as_str().unwrap(), "{id} organisation record");
        assert_eq!(c["status"], status(r["status"].as_str().unwrap()), "{id} status");
        for (ours, theirs) in [("goal", "doel"), ("lawful_basis", "juridische_basis")] {
            let want = r[theirs].as_str().unwrap().trim();
            let got = c[ours].as_str().map(unescape).unwrap_or_default();
            assert_eq!(got, want, "{id} {theirs}");
        }
        let prov = &p["provenance"];
        for k in ["url", "impactassessment", "geregistreerd", "toegevoegd"] {
            assert_eq!(prov[k], r[k], "{id} {k}");
        }
        assert!(p["published_at"].as_str().unwrap().starts_with(r["geregistreerd"].as_str().unwrap()), "{id} date");
        let missing: Vec<&str> = p["incomplete_fields"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        for f in ["description_short", "contact_email", "publication_category"] {
            assert!(missing.contains(&f), "{id}: {f} should be listed as missing");
        }
    }

    // Importing the same file again changes nothing.
    drop(s);
    let out = env.ok(&["import", file.to_str().unwrap()]);
    assert!(out.contains("0 imported, 0 updated, 1530 unchanged"), "{out}");
}

#[test]
fn export_then_import_gives_the_same_register() {
    let env = Env::new();
    let file = env.dir.path().join("demo.json");
    env.raw(&["demo", "generate", "--records", "300", "--orgs", "40", "--out", file.to_str().unwrap()]);
    let out = env.ok(&["import", file.to_str().unwrap()]);
    assert!(out.contains("300 imported") && out.contains("0 rejected"), "{out}");
    let first = env.dir.path().join("first.json");
    env.ok(&["export", "--format", "json", "--out", first.to_str().unwrap()]);

    let env2 = Env::new();
    let out = env2.ok(&["import", first.to_str().unwrap()]);
    assert!(out.contains("algoreg-export") && out.contains("300 imported"), "{out}");
    let second = env2.dir.path().join("second.json");
    env2.ok(&["export", "--format", "json", "--out", second.to_str().unwrap()]);
    let a: Value = serde_json::from_slice(&std::fs::read(&first).unwrap()).unwrap();
    let b: Value = serde_json::from_slice(&std::fs::read(&second).unwrap()).unwrap();
    assert_eq!(a["records"], b["records"]);
    assert_eq!(a["organisations"], b["organisations"]);
    let versions: usize = a["records"].as_array().unwrap().iter().map(|r| r["versions"].as_array().unwrap().len()).sum();
    assert!(versions > 300, "some records have several published versions");

    let csv = env2.ok(&["export", "--format", "csv"]);
    assert!(csv.starts_with('\u{feff}'), "UTF-8 byte-order mark for spreadsheet programs");
    assert!(csv.lines().next().unwrap().contains("lars,register_url,organisation_code,version"));
}

#[test]
fn rejected_records_are_reported_and_nothing_of_them_is_written() {
    let env = Env::new();
    let file = env.dir.path().join("mixed.json");
    let good = json!({"id": "11136893", "title": "Goed", "organisatie": "Gemeente Goed", "doel": "Doel", "juridische_basis": "", "status": "in_gebruik", "geregistreerd": "2024-01-02", "toegevoegd": "2026-05-13", "url": "https://x", "impactassessment": "Ja"});
    let mut bad_id = good.clone();
    bad_id["id"] = json!("11136894");
    bad_id["organisatie"] = json!("Gemeente Fout");
    let mut bad_status = good.clone();
    bad_status["id"] = json!("11234933");
    bad_status["status"] = json!("soms");
    let mut bad_type = good.clone();
    bad_type["id"] = json!("11243612");
    bad_type["title"] = json!(42);
    // A date the register does not keep (a year past 9999): it could not be read back, nor counted on.
    let mut bad_date = good.clone();
    bad_date["id"] = json!("41166778");
    bad_date["geregistreerd"] = json!("+20000-01-02");
    let all = json!({"algoritmes": [good, bad_id, bad_status, bad_type, bad_date], "count": 5});
    std::fs::write(&file, serde_json::to_vec(&all).unwrap()).unwrap();
    let out = env.cli(&["import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "rejections give exit code 2");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("1 imported") && text.contains("4 rejected"), "{text}");
    assert!(text.contains("rejected record 5") && text.contains("published_at") && text.contains("1900"), "{text}");
    assert!(text.contains("rejected record 2") && text.contains("controlecijfer"), "{text}");
    assert!(text.contains("rejected record 3") && text.contains("status"), "{text}");
    assert!(text.contains("rejected record 4") && text.contains("title"), "{text}");
    let orgs = env.ok(&["org", "list"]);
    assert!(orgs.contains("gemeente-goed") && !orgs.contains("gemeente-fout"), "no organisation made for a rejected record: {orgs}");

    // A file that is not JSON at all, or of an unknown shape.
    std::fs::write(&file, "{ nope").unwrap();
    let out = env.cli(&["import", file.to_str().unwrap()]);
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("JSON"), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(&file, "[1, 2]").unwrap();
    let out = env.cli(&["import", file.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("format"));
    let out = env.cli(&["import", "/does/not/exist.json"]);
    assert!(!out.status.success());
}

#[test]
fn supplier_templates_become_drafts_of_the_given_organisation() {
    let env = Env::new();
    env.org("tilburg", "four_eyes");
    let dir = shared().join("anchors/algoritmeregister-data/minbzk-supplier-templates/1.0");
    let file = dir.join("Centric.json");
    let out = env.cli(&["import", file.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("give --org"), "templates name no organisation");
    let out = env.ok(&["import", "--org", "tilburg", file.to_str().unwrap()]);
    assert!(out.contains("as drafts") && out.contains("7 imported"), "{out}");
    let s = env.serve();
    assert_eq!(s.get_json("/api/v1/algorithms")["total"], 0, "drafts are not public");
}

#[test]
fn cli_refuses_bad_input_clearly() {
    let env = Env::new();
    let out = env.cli(&["org", "add", "--code", "Delft!", "--name", "Delft"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("code"));
    let out = env.cli(&["org", "add", "--code", "delft", "--name", "Delft", "--type", "stad"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("type"));
    env.org("delft", "central");
    let out = env.cli_stdin(&["user", "add", "--email", "a@b.nl", "--password-stdin"], Some("kort\n"));
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("password"));
    let out = env.cli(&["user", "add", "--email", "geen-email", "--org", "delft", "--role", "editor"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("email"));
    let out = env.cli(&["user", "add", "--email", "a@b.nl", "--org", "delft", "--role", "koning"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("role"));
    let out = env.cli(&["token", "create", "--org", "bestaat-niet"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("organisation"));
}

/// Exports above 1 MiB are read while they are checked and written (the records are found in the text
/// without parsing it whole, and content that checking leaves as it is goes in as the file has it).
/// The result must be the same as for any other import.
#[test]
fn a_large_export_is_streamed_with_the_same_result() {
    let env = Env::new();
    let file = env.dir.path().join("demo.json");
    env.raw(&["demo", "generate", "--records", "1200", "--orgs", "50", "--out", file.to_str().unwrap()]);
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    // Record 3: fields in reverse order; record 4: a script in rich text. Both must be stored as checked.
    let reversed: serde_json::Map<String, Value> = {
        let c = doc["records"][3]["versions"][0]["content"].as_object().unwrap();
        c.iter().rev().map(|(k, v)| (k.clone(), v.clone())).collect()
    };
    let canonical: Vec<String> = doc["records"][3]["versions"][0]["content"].as_object().unwrap().keys().cloned().collect();
    doc["records"][3]["versions"][0]["content"] = Value::Object(reversed);
    doc["records"][4]["versions"][0]["content"]["goal"] = json!("<p>Doel</p><script>alert(1)</script>");
    let text = serde_json::to_vec(&doc).unwrap();
    assert!(text.len() > 1 << 20, "large enough for the streamed path");
    std::fs::write(&file, &text).unwrap();
    let out = env.ok(&["import", file.to_str().unwrap()]);
    assert!(out.contains("1200 imported") && out.contains("0 rejected") && out.contains("50 organisations created"), "{out}");

    let exported = env.dir.path().join("export.json");
    env.ok(&["export", "--format", "json", "--out", exported.to_str().unwrap()]);
    let back: Value = serde_json::from_slice(&std::fs::read(&exported).unwrap()).unwrap();
    let by_id = |d: &Value, id: &Value| d["records"].as_array().unwrap().iter().find(|r| r["id"] == *id).cloned().unwrap();
    let r3 = by_id(&back, &doc["records"][3]["id"]);
    let keys: Vec<String> = r3["versions"][0]["content"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, canonical, "fields are stored in the standard's order");
    let r4 = by_id(&back, &doc["records"][4]["id"]);
    assert_eq!(r4["versions"][0]["content"]["goal"], json!("<p>Doel</p>"), "rich text is sanitised");
    for i in [0, 10, 600, 1199] {
        let (a, b) = (&doc["records"][i], by_id(&back, &doc["records"][i]["id"]));
        assert_eq!(a["versions"].as_array().unwrap().len(), b["versions"].as_array().unwrap().len());
        assert_eq!(a["versions"][0]["content"], b["versions"][0]["content"], "record {i}");
    }

    // The same file again: nothing new. With one name changed and one record moved to another
    // organisation: one update, one refusal.
    let out = env.ok(&["import", file.to_str().unwrap()]);
    assert!(out.contains("0 imported, 0 updated, 1200 unchanged"), "{out}");
    let last = |d: &Value, i: usize| d["records"][i]["versions"].as_array().unwrap().len() - 1;
    let n = last(&doc, 7);
    doc["records"][7]["versions"][n]["content"]["name"] = json!("Nieuwe naam");
    let other =
        doc["organisations"].as_array().unwrap().iter().find(|o| o["code"] != doc["records"][8]["organisation"]).unwrap()["code"].clone();
    doc["records"][8]["organisation"] = other;
    std::fs::write(&file, serde_json::to_vec(&doc).unwrap()).unwrap();
    let out = env.cli(&["import", file.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("0 imported, 1 updated, 1198 unchanged") && text.contains("1 rejected"), "{text}");
    assert!(text.contains("rejected record 9") && text.contains("another organisation"), "{text}");
    let s = env.serve();
    assert_eq!(s.get_json(&format!("/api/v1/algorithms/{}", doc["records"][7]["id"].as_str().unwrap()))["content"]["name"], "Nieuwe naam");
    drop(s);

    // A record in the middle that is not JSON: the file's error with its line, and nothing written.
    let env2 = Env::new();
    let mut text = String::from_utf8(serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let at = text.match_indices("\"organisation\": \"").nth(700).unwrap().0;
    text.insert(at + "\"organisation\"".len(), ':');
    let line = text[..at].matches('\n').count() + 1;
    std::fs::write(&file, &text).unwrap();
    let out = env2.cli(&["import", file.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("JSON") && err.contains(&format!("line {line}, column")), "{err}");
    // Bytes that are not UTF-8 inside a record's text: the same, with the position.
    let mut bytes = serde_json::to_vec_pretty(&doc).unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    let at = text.match_indices("\"name\": \"").nth(900).unwrap().0 + "\"name\": \"".len();
    bytes[at] = 0xff;
    let line = text[..at].matches('\n').count() + 1;
    std::fs::write(&file, &bytes).unwrap();
    let out = env2.cli(&["import", file.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("UTF-8") && err.contains(&format!("line {line}, column")), "{err}");
    let s = env2.serve();
    assert_eq!(s.get_json("/api/v1/algorithms")["total"], 0, "nothing of the file is kept");
    assert!(env2.ok(&["org", "list"]).lines().filter(|l| l.contains("gemeente")).count() == 0, "no organisations either");
}

/// The government's lists of organisations (../shared): every listed organisation is known afterwards,
/// one the register had under another code is matched by name, and a second import changes nothing.
#[test]
fn org_import_of_the_government_lists() {
    let env = Env::new();
    let dir = shared().join("anchors/algoritmeregister-data/minbzk-org-lists");
    let mut files: Vec<String> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path().display().to_string()).collect();
    files.sort();
    let listed: usize =
        files.iter().map(|f| std::fs::read_to_string(f).unwrap().lines().skip(1).filter(|l| !l.trim().is_empty()).count()).sum();
    assert!(listed > 400, "{listed}");
    env.ok(&["org", "add", "--code", "utrecht-oud", "--name", "Gemeente  utrecht", "--type", "gemeente"]);
    let mut args = vec!["org", "import"];
    args.extend(files.iter().map(String::as_str));
    let out = env.ok(&args);
    // One environmental service is listed under two names, one code: 1 organisation fewer than lines.
    let orgs = listed - 1;
    assert!(
        out.contains(&format!(
            "{listed} lines, {orgs} organisations, {} added, 1 given their identifier or details, 0 already known",
            orgs - 1
        )),
        "{out}"
    );
    let list = env.ok(&["org", "list"]);
    let line =
        |code: &str| list.lines().find(|l| l.starts_with(&format!("{code}\t"))).unwrap_or_else(|| panic!("{code} in {list}")).to_string();
    assert!(line("gm1680").contains("\tgemeente\t") && line("gm1680").ends_with("https://identifier.overheid.nl/tooi/id/gemeente/gm1680"));
    assert!(line("utrecht-oud").ends_with("https://identifier.overheid.nl/tooi/id/gemeente/gm0344"), "matched by name");
    assert!(!list.contains("gm0344\t"), "not added a second time");
    assert!(line("pv22").contains("\tprovincie\t") && line("ws0636").contains("\twaterschap\t"));
    assert_eq!(list.lines().count(), orgs, "every listed organisation once");
    // Again: nothing new.
    let again = env.ok(&args);
    assert!(
        again
            .contains(&format!("{listed} lines, {orgs} organisations, 0 added, 0 given their identifier or details, {orgs} already known")),
        "{again}"
    );
    // A list with a bad line changes nothing, and says which file, line and column.
    let bad = env.dir.path().join("Fout.csv");
    std::fs::write(&bad, "name;identifier;org_id\nGemeente Nieuw;GM9999;gm9999\nGemeente Kapot;gm 1;gm9998\n").unwrap();
    let out = env.cli(&["org", "import", bad.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("Fout.csv:3") && err.contains("identifier"), "{err}");
    assert!(!env.ok(&["org", "list"]).contains("gm9999"), "nothing of the file was written");
}

#[test]
fn the_organisation_registers_export_gives_abbreviations_parents_and_ministries() {
    let env = Env::new();
    // Known already by its name, without an identifier.
    env.ok(&[
        "org",
        "add",
        "--code",
        "uwv-oud",
        "--name",
        "Uitvoeringsinstituut Werknemersverzekeringen",
        "--type",
        "zelfstandig_bestuursorgaan",
    ]);
    let export = env.dir.path().join("exportOO.xml");
    std::fs::write(
        &export,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<p:overheidsorganisaties xmlns:p="https://organisaties.overheid.nl/static/schema/oo/export/2.6.13">
 <p:organisaties>
  <p:organisatie p:systeemId="7001" p:resourceIdentifierTOOI="https://identifier.overheid.nl/tooi/id/ministerie/mnre1025">
   <p:naam>Ministerie van Sociale Zaken en Werkgelegenheid</p:naam><p:afkorting>SZW</p:afkorting>
   <p:types><p:type>Ministerie</p:type></p:types>
   <p:organisaties>
    <p:organisatie p:systeemId="7002"><p:naam>Directie Proef</p:naam><p:types><p:type>Organisatieonderdeel</p:type></p:types>
     <p:organisaties>
      <p:organisatie p:systeemId="7003" p:resourceIdentifierTOOI="https://identifier.overheid.nl/tooi/id/oorg/oorg70003">
       <p:naam>Proefbureau Werk &amp; Inkomen</p:naam><p:afkorting>PWI</p:afkorting><p:types><p:type>Agentschap</p:type></p:types>
       <p:relatieMetMinisterie p:systeemId="7001">Sociale Zaken en Werkgelegenheid</p:relatieMetMinisterie>
      </p:organisatie>
     </p:organisaties>
    </p:organisatie>
   </p:organisaties>
  </p:organisatie>
  <p:organisatie p:systeemId="7004" p:resourceIdentifierTOOI="https://identifier.overheid.nl/tooi/id/zbo/zb000143">
   <p:naam>Uitvoeringsinstituut Werknemersverzekeringen</p:naam><p:afkorting>UWV</p:afkorting>
   <p:types><p:type>Zelfstandig bestuursorgaan</p:type></p:types>
   <p:relatieMetMinisterie p:systeemId="7001">Sociale Zaken en Werkgelegenheid</p:relatieMetMinisterie>
  </p:organisatie>
 </p:organisaties>
</p:overheidsorganisaties>
"#,
    )
    .unwrap();
    let out = env.ok(&["org", "import", export.to_str().unwrap()]);
    assert!(out.contains("3 lines, 3 organisations, 2 added, 1 given their identifier or details, 0 already known"), "{out}");
    // Again: nothing changes.
    assert!(env.ok(&["org", "import", export.to_str().unwrap()]).contains("0 added, 0 given their identifier or details, 3 already known"));

    let s = env.serve();
    let uwv = s.get_json("/api/v1/organisations/uwv-oud");
    assert_eq!(
        (uwv["short_name"].as_str(), uwv["ministry"].as_str(), uwv["tooi"].as_str()),
        (Some("UWV"), Some("mnre1025"), Some("https://identifier.overheid.nl/tooi/id/zbo/zb000143")),
        "matched by name and given what the register says: {uwv}"
    );
    let agency = s.get_json("/api/v1/organisations/oorg70003");
    assert_eq!((agency["name"].as_str(), agency["type"].as_str()), (Some("Proefbureau Werk & Inkomen"), Some("agentschap")));
    assert_eq!(agency["parent"].as_str(), Some("mnre1025"), "under the ministry, the part between left out");
    let page = s.get("/nl/organisatie/mnre1025").text().unwrap();
    assert!(
        page.contains("Organisaties die hieronder vallen") && page.contains("Proefbureau Werk &amp; Inkomen") && page.contains("(SZW)"),
        "{page}"
    );
    // The register's abbreviations join the search thesaurus.
    let sug = s.get_json("/nl/search/suggest?q=pwi");
    assert!(sug["queries"].as_array().unwrap().iter().any(|q| q == "proefbureau werk inkomen"), "{sug}");
    let stats = s.get_json("/api/v1/statistics");
    assert_eq!(stats["ministries"][0]["code"], "mnre1025");
    assert_eq!((stats["ministries"][0]["organisations"].as_u64(), stats["ministries"][0]["publishing"].as_u64()), (Some(3), Some(0)));
    let csv = s.get("/downloads/statistics/ministries.csv").text().unwrap();
    assert!(csv.starts_with("\u{feff}code,name,organisations,publishing,published\n") && csv.contains("mnre1025"), "{csv}");
    drop(s);

    // A broken export changes nothing and says which file and line.
    let bad = env.dir.path().join("kapot.xml");
    std::fs::write(&bad, "<p:overheidsorganisaties xmlns:p=\"x\">\n<p:organisaties>\n<p:organisatie p:systeemId=\"9\"><p:naam>Nieuw</p:naam></p:organisaties>\n").unwrap();
    let out = env.cli(&["org", "import", bad.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("kapot.xml:3"), "{err}");
    assert!(!env.ok(&["org", "list"]).contains("Nieuw"));
}

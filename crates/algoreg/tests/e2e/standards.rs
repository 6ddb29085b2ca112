//! The standard as versioned, machine-readable schemas: the list of versions with their changes, each
//! version's JSON Schema over HTTP, and that schema accepting the real registrations of that version
//! (as algoreg reads them) under a reference validator (jsonschema from PyPI, scripts/setup-contract).

use crate::common::*;
use algoreg_standard::validate::Mode;
use algoreg_standard::StandardVersion;
use std::io::Write;
use std::process::{Command, Stdio};

/// How many of `records` the schema rejects (with the first reasons), by the reference validator.
fn rejected_by_schema(schema: &serde_json::Value, records: &[serde_json::Value]) -> (usize, String) {
    let mut child = Command::new(contract_python())
        .args(["-c", "import json,sys,jsonschema\nd=json.load(sys.stdin)\njsonschema.Draft202012Validator.check_schema(d['schema'])\nv=jsonschema.Draft202012Validator(d['schema'])\nbad=[f\"{i}: {'/'.join(map(str,e.path))}: {e.message[:150]}\" for i,r in enumerate(d['records']) for e in v.iter_errors(r)]\nprint(len(bad)); print('\\n'.join(bad[:10]))"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python");
    let input = serde_json::json!({"schema": schema, "records": records}).to_string();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "the validator ran");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let (n, rest) = text.split_once('\n').unwrap_or((&text, ""));
    (n.trim().parse().expect("a count"), rest.to_string())
}

#[test]
fn every_standard_version_is_a_json_schema_that_accepts_its_real_registrations() {
    let env = Env::new();
    let s = env.serve_with(&["--public-url", "https://register.example"]);
    let list = s.get_json("/api/v1/standards");
    let versions: Vec<&str> = list.as_array().unwrap().iter().map(|v| v["version"].as_str().unwrap()).collect();
    assert_eq!(versions, ["0.1", "0.2.3", "0.3.1", "0.4", "1.0"]);
    let current = &list[4];
    assert_eq!((current["current"].as_bool(), current["published"].as_str()), (Some(true), Some("2023-12")));
    assert_eq!(current["schema"], "https://register.example/api/v1/standards/1.0/schema.json");
    assert!(current["changes"]["added"].as_array().unwrap().iter().any(|f| f == "publication_category"), "{}", current["changes"]);
    assert!(list[0]["changes"].is_null(), "the first version has nothing before it");
    let r = s.get("/api/v1/standards/1.0/schema.json");
    assert_eq!(r.headers()["content-type"], "application/schema+json");
    let schema: serde_json::Value = r.json().unwrap();
    assert_eq!(schema["$id"], "https://register.example/api/v1/standards/1.0/schema.json");
    assert_eq!(s.get("/api/v1/standards/9.9/schema.json").status(), 404);

    // The real registrations of 1.0 and 0.4 (the supplier templates), read as `algoreg import` reads
    // them: every one that algoreg's validation accepts, the schema accepts too.
    let data = shared().join("anchors/algoritmeregister-data/minbzk-supplier-templates");
    for (version, dir) in [(StandardVersion::V1_0, "1.0"), (StandardVersion::V0_4, "0.4")] {
        let mut accepted = vec![];
        let mut refused = 0;
        for f in std::fs::read_dir(data.join(dir)).unwrap() {
            let bytes = std::fs::read(f.unwrap().path()).unwrap();
            // As `algoreg import` reads the file; a file the import moves to the current standard is
            // read as it is written instead, in its own version.
            let mut contents = vec![];
            if let Ok(parsed) = algoreg_service::import::parse(&bytes) {
                for c in parsed.candidates {
                    if let Some(v) = c.versions.into_iter().last().filter(|v| v.standard_version == version) {
                        contents.push(v.content);
                    }
                }
            }
            if contents.is_empty() {
                let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                for rec in doc.as_array().cloned().unwrap_or_else(|| vec![doc.clone()]) {
                    contents.push(serde_json::from_value(rec).unwrap());
                }
            }
            for mut content in contents {
                // A template has no organisation; its `id` is the file's, not a field.
                content.remove("organization");
                content.remove("id");
                let checked = algoreg_standard::validate::check(version, &content, Mode::Draft);
                if checked.errors.is_empty() {
                    accepted.push(serde_json::to_value(&checked.content).unwrap());
                } else {
                    refused += 1;
                }
            }
        }
        assert!(accepted.len() >= 3, "{dir}: {} accepted, {refused} refused", accepted.len());
        let schema = s.get_json(&format!("/api/v1/standards/{dir}/schema.json"));
        let (bad, why) = rejected_by_schema(&schema, &accepted);
        assert_eq!(bad, 0, "standard {dir}: the schema refuses registrations algoreg accepts:\n{why}");
        // And it is not a schema that accepts anything.
        let (bad, _) = rejected_by_schema(&schema, &[serde_json::json!({"name": 12, "begin_date": "gisteren"})]);
        assert!(bad >= 1, "{dir}");
    }

    // What algoreg adds (withholdings, translations, adoption, extra fields), as the API serves it.
    let mut content: algoreg_standard::Content = serde_json::from_value(complete_content("Risicoselectie")).unwrap();
    content.set("lang", "nld");
    content.set("standard_version", "1.0");
    content.set("withheld", serde_json::json!({"methods_and_models": {"ground": "woo-5.1.2.c", "explanation": "Opsporing."}}));
    content.set("translations", serde_json::json!({"en": {"name": "Risk selection"}}));
    content.set("adopts", serde_json::json!({"record": "12345678", "version": 2}));
    content.set("cost", "€ 10.000 per jaar");
    algoreg_standard::extensions::stamp_translations(&mut content, None);
    let schema = s.get_json("/api/v1/standards/1.0/schema.json");
    let (bad, why) = rejected_by_schema(&schema, &[serde_json::to_value(&content).unwrap()]);
    assert_eq!(bad, 0, "{why}");
    let (bad, _) = rejected_by_schema(&schema, &[serde_json::json!({"withheld": {"name": {"ground": "woo-5.1.2.c", "explanation": "x"}}})]);
    assert_eq!(bad, 1, "the name is never withheld");
}

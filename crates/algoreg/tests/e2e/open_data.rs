//! Open data standards: the OAI-PMH provider harvested by a real client (Sickle from PyPI, installed by
//! scripts/setup-contract), with paging, sets, selective harvesting by date and deleted records.

use crate::common::*;
use serde_json::{json, Value};
use std::process::Command;

/// Runs a harvest with Sickle and returns what it printed as JSON.
fn sickle(base: &str, script: &str) -> Value {
    let program = format!(
        "import json, sys\nfrom sickle import Sickle\nfrom sickle.oaiexceptions import *\ns = Sickle(sys.argv[1], max_retries=0, timeout=30)\nout = {{}}\n{script}\nprint(json.dumps(out))"
    );
    let o = Command::new(contract_python()).args(["-c", &program, &format!("{base}/oai")]).output().expect("python");
    assert!(o.status.success(), "sickle: {}\n{}", String::from_utf8_lossy(&o.stderr), String::from_utf8_lossy(&o.stdout));
    serde_json::from_slice(&o.stdout).expect("json")
}

#[test]
fn the_oai_pmh_provider_is_harvested_by_a_real_client_with_paging_sets_dates_and_deletions() {
    let env = Env::new();
    let file = shared().join("anchors/algoritmeregister-data/schellevis-daily-scrape/algoritmes.json");
    let out = env.ok(&["import", &file.display().to_string()]);
    assert!(out.contains("imported"), "{out}");
    env.org("gem-a", "four_eyes");
    let (editor, approver) = (env.token("gem-a", "editor"), env.token("gem-a", "approver"));
    let s = env.serve();
    let total = s.get_json("/api/algoritme/total-count").as_u64().expect("a count");

    // Everything, in pages with resumption tokens: every record once, in both formats.
    let all = sickle(
        &s.base,
        "i = s.Identify()\nout['identify'] = [i.repositoryName, i.deletedRecord, i.granularity, i.earliestDatestamp]\n\
         out['formats'] = [f.metadataPrefix for f in s.ListMetadataFormats()]\n\
         out['sets'] = len(list(s.ListSets()))\n\
         recs = list(s.ListRecords(metadataPrefix='oai_dc', ignore_deleted=False))\n\
         out['ids'] = [r.header.identifier for r in recs]\n\
         out['titles'] = sum(1 for r in recs if r.metadata.get('title'))\n\
         out['n_algoreg'] = sum(1 for _ in s.ListIdentifiers(metadataPrefix='algoreg'))",
    );
    assert_eq!(all["identify"][1], "persistent", "{all}");
    assert_eq!(all["identify"][2], "YYYY-MM-DDThh:mm:ssZ");
    assert_eq!(all["formats"], json!(["oai_dc", "algoreg"]));
    assert!(all["sets"].as_u64().unwrap() > 300, "one set per organisation: {}", all["sets"]);
    let ids: Vec<&str> = all["ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let unique: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
    assert!(ids.len() > 1000 && ids.len() == unique.len(), "{} items, {} unique", ids.len(), unique.len());
    assert_eq!(ids.len() as u64, total, "every public record once");
    assert_eq!(all["titles"].as_u64().unwrap() as usize, ids.len(), "Dublin Core with a title");
    assert_eq!(all["n_algoreg"].as_u64().unwrap() as usize, ids.len());

    // Changes after a moment: a new registration, a changed one, a retracted one (a deleted record).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let since = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let new = s.publish_new("gem-a", &editor, &approver, complete_content("Nieuw na het moment"));
    let gone = s.publish_new("gem-a", &editor, &approver, complete_content("Straks teruggetrokken"));
    let (st, b) = s.send(
        "POST",
        &format!("/api/v1/algorithms/{gone}/actions/retract"),
        Some(&approver),
        Some(json!({"reason": "Niet meer in gebruik."})),
    );
    assert_eq!(st, 200, "{b}");
    let script = format!(
        "h = list(s.ListIdentifiers(metadataPrefix='algoreg', ignore_deleted=False, **{{'from': '{since}'}}))\n\
         out['changed'] = sorted([x.identifier.split(':')[-1], x.deleted] for x in h)\n\
         out['set'] = sorted(x.identifier.split(':')[-1] for x in s.ListIdentifiers(metadataPrefix='oai_dc', set='org:gem-a', ignore_deleted=True))\n\
         r = s.GetRecord(identifier=h[0].identifier.rsplit(':', 1)[0] + ':{new}', metadataPrefix='algoreg')\n\
         out['json'] = json.loads(r.xml.find('.//{{https://algoreg.nl/ns/oai/registration/1}}json').text)\n\
         try:\n    s.ListRecords(metadataPrefix='oai_dc', until='2000-01-01')\n    out['empty'] = 'no error'\nexcept NoRecordsMatch:\n    out['empty'] = 'noRecordsMatch'\n\
         try:\n    s.GetRecord(identifier='oai:elders:12345678', metadataPrefix='oai_dc')\nexcept IdDoesNotExist:\n    out['unknown'] = 'idDoesNotExist'\n\
         try:\n    list(s.ListRecords(metadataPrefix='marc21'))\nexcept CannotDisseminateFormat:\n    out['format'] = 'cannotDisseminateFormat'"
    );
    let inc = sickle(&s.base, &script);
    let mut expected = vec![json!([new, false]), json!([gone, true])];
    expected.sort_by_key(|v| v[0].as_str().unwrap().to_string());
    assert_eq!(inc["changed"], json!(expected), "only what changed since, the retraction as a deletion: {inc}");
    assert_eq!(inc["set"], json!([new]), "the set of one organisation, without deleted items");
    assert_eq!(inc["json"]["content"]["name"], "Nieuw na het moment", "{inc}");
    assert_eq!(inc["json"]["organisation"], "gem-a");
    assert_eq!(
        (inc["empty"].as_str(), inc["unknown"].as_str(), inc["format"].as_str()),
        (Some("noRecordsMatch"), Some("idDoesNotExist"), Some("cannotDisseminateFormat"))
    );

    // Protocol errors in XML, for bad arguments and tokens.
    for (q, code) in [
        ("", "badVerb"),
        ("?verb=ListRecords", "badArgument"),
        ("?verb=ListRecords&resumptionToken=x", "badResumptionToken"),
        ("?verb=Identify&verb=Identify", "badVerb"),
    ] {
        let body = s.get(&format!("/oai{q}")).text().unwrap();
        assert!(body.contains(&format!("<error code=\"{code}\">")), "{q}: {body}");
    }
}

//! Open data standards: the OAI-PMH provider harvested by a real client (Sickle from PyPI, installed by
//! scripts/setup-contract), with paging, sets, selective harvesting by date and deleted records.

use crate::common::*;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
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
    s.retract(&gone, &approver, "Niet meer in gebruik.");
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
    assert_eq!(inc["json"]["versions"][0]["content"]["name"], "Nieuw na het moment", "{inc}");
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

/// Our own supplement to the official shapes: DCAT-AP 3.0.1's shapes.ttl names the check of a
/// dataset's dates with `sh:shape`, which is not SHACL, so the dates would go unchecked; this checks them.
const DATE_SHAPES: &str = r#"
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<urn:algoreg:dates> a sh:NodeShape ; sh:or ( [ sh:datatype xsd:date ] [ sh:datatype xsd:dateTime ] ) .
<urn:algoreg:dataset-dates> a sh:NodeShape ; sh:targetClass dcat:Dataset ;
  sh:property [ sh:path dct:issued ; sh:node <urn:algoreg:dates> ] , [ sh:path dct:modified ; sh:node <urn:algoreg:dates> ] .
"#;

/// Validates RDF files with pySHACL against the official DCAT-AP 3.0.1 shapes (shapes, ranges and
/// controlled vocabularies) and our date shape, without network; prints the violations per file.
/// With `break_one`, the first dataset loses its description first (the check must then fail).
pub(crate) fn shacl(files: &[(&std::path::Path, &str)], break_one: bool) -> Value {
    let dir = shared().join("anchors/dcat-ap-3.0.1");
    let program = r#"
import json, sys
from rdflib import Graph, Namespace, URIRef
from pyshacl import validate
SH = Namespace("http://www.w3.org/ns/shacl#")
DCAT = Namespace("http://www.w3.org/ns/dcat#"); DCT = Namespace("http://purl.org/dc/terms/")
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
args = json.loads(sys.argv[1])
sg = Graph()
for f in ("shapes.ttl", "range.ttl", "mdr-vocabularies.shape.ttl"):
    sg.parse(args["dir"] + "/" + f, format="turtle")
sg.parse(data=args["extra"], format="turtle")
out = {}
for path, fmt in args["files"]:
    dg = Graph(); dg.parse(path, format=fmt)
    if args["break"]:
        first = sorted(dg.subjects(RDF_TYPE, DCAT.Dataset))[0]
        dg.remove((first, DCT.description, None))
    _, rg, _ = validate(dg, shacl_graph=sg, inference="none", do_owl_imports=False, allow_warnings=True)
    bad = []
    for r in rg.objects(None, SH.result):
        if str(rg.value(r, SH.resultSeverity)).endswith("Violation"):
            bad.append(f"{rg.value(r, SH.focusNode)} {rg.value(r, SH.resultPath)} {rg.value(r, SH.resultMessage)}"[:300])
    out[fmt] = {"triples": len(dg), "violations": bad[:20], "count": len(bad)}
print(json.dumps(out))
"#;
    let args = json!({
        "dir": dir.display().to_string(),
        "extra": DATE_SHAPES,
        "break": break_one,
        "files": files.iter().map(|(p, f)| json!([p.display().to_string(), f])).collect::<Vec<_>>(),
    });
    let o = Command::new(contract_python()).args(["-c", program, &args.to_string()]).output().expect("python");
    assert!(o.status.success(), "pyshacl: {}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("json")
}

#[test]
fn the_dcat_ap_catalogue_passes_the_official_shapes_in_turtle_and_json_ld() {
    let env = Env::new();
    // The launch-era seed (standard 0.1, 90 registrations) and two of today's.
    let seed = shared().join("anchors/algoritmeregister-data/minbzk-seed-v0_1-90-records/init_testdata.sql");
    env.ok(&["import", &seed.display().to_string()]);
    env.org("gem-a", "four_eyes");
    let (editor, approver) = (env.token("gem-a", "editor"), env.token("gem-a", "approver"));
    let s = env.serve_with(&["--public-url", "https://register.example"]);
    let mut withheld = complete_content("Risicoselectie \"controles\" <intern>");
    withheld.as_object_mut().unwrap().remove("contact_email");
    withheld["withheld"] = json!({"contact_email": {"ground": "woo-5.1.2.e", "explanation": "Geen openbaar adres."}});
    withheld["translations"] = json!({"en": {"name": "Risk selection"}});
    withheld["category"] = json!(["Verkeer", "Recht"]);
    let id = s.publish_new("gem-a", &editor, &approver, withheld);
    s.publish_new("gem-a", &editor, &approver, complete_content("Parkeervergunningen"));

    // Content negotiation.
    let dir = tempfile::tempdir().unwrap();
    let get = |path: &str, accept: &str| s.client.get(s.url(path)).header("accept", accept).send().unwrap();
    let r = get("/catalog", "text/turtle");
    assert_eq!(r.headers()["content-type"], "text/turtle; charset=utf-8");
    let turtle = r.text().unwrap();
    let r = get("/catalog", "application/ld+json");
    assert_eq!(r.headers()["content-type"], "application/ld+json");
    let jsonld = r.text().unwrap();
    assert_eq!(get("/catalog.ttl", "*/*").text().unwrap(), turtle);
    assert!(turtle.contains(&format!("<https://register.example/id/algoritme/{id}>")), "{}", &turtle[..2000.min(turtle.len())]);
    assert!(turtle.contains("\"Risk selection\"@en") && turtle.contains("Woo 5.1 lid 2 e"), "the translation and the withholding");
    assert!(turtle.contains("data-theme/TRAN") && turtle.contains("data-theme/JUST"));
    assert!(turtle.contains("dcat:accessService <https://register.example/id/dienst/feed>"), "the feed as a distribution");
    let (ttl, jl) = (dir.path().join("catalog.ttl"), dir.path().join("catalog.jsonld"));
    std::fs::write(&ttl, &turtle).unwrap();
    std::fs::write(&jl, &jsonld).unwrap();

    let report = shacl(&[(&ttl, "turtle"), (&jl, "json-ld")], false);
    for f in ["turtle", "json-ld"] {
        assert_eq!(report[f]["count"], 0, "{f}: {}", report[f]["violations"]);
        assert!(report[f]["triples"].as_u64().unwrap() > 2000, "{report}");
    }
    assert_eq!(report["turtle"]["triples"], report["json-ld"]["triples"], "the same graph in both");
    // And the check can fail: a dataset without its description is a violation.
    let broken = shacl(&[(&ttl, "turtle")], true);
    assert!(broken["turtle"]["count"].as_u64().unwrap() >= 1, "{broken}");
}

/// `algoreg verify URL --state FILE`: its exit status and output.
fn verify(url: &str, state: &std::path::Path) -> (bool, String) {
    let o = Command::new(BIN).args(["verify", url, "--state", &state.display().to_string()]).output().unwrap();
    (o.status.success(), format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)))
}

#[test]
fn every_publication_is_in_a_signed_log_that_anyone_can_verify_and_a_rewritten_history_is_caught() {
    let env = Env::new();
    env.org("gem-a", "four_eyes");
    let (editor, approver) = (env.token("gem-a", "editor"), env.token("gem-a", "approver"));
    // The log's name comes from the public address: the same across the restart below.
    let public = ["--public-url", "https://register.example"];
    let s = env.serve_with(&public);
    let size = || s.get("/log/checkpoint").text().unwrap().lines().nth(1).and_then(|l| l.parse::<u64>().ok()).unwrap_or(0);
    let a = s.publish_new("gem-a", &editor, &approver, complete_content("Parkeervergunningen"));
    let b = s.publish_new("gem-a", &editor, &approver, complete_content("Afvalroutes"));
    let mut changed = complete_content("Parkeervergunningen");
    changed["status"] = json!("Buiten gebruik");
    assert_eq!(s.send("PUT", &format!("/api/v1/algorithms/{a}/draft"), Some(&editor), Some(json!({"content": changed}))).0, 200);
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{a}/actions/release"), Some(&editor), None).0, 200);
    assert_eq!(s.send("POST", &format!("/api/v1/algorithms/{a}/actions/publish"), Some(&approver), None).0, 200);
    s.retract(&b, &approver, "Gestopt.");
    wait_until("four entries in the log", || size() == 4);

    // The entries: publication, publication, new version, retraction; with proofs.
    let entries = s.get_json("/log/entries?start=0&end=4");
    let leaves: Vec<Value> =
        entries["entries"].as_array().unwrap().iter().map(|e| serde_json::from_str(e["leaf"].as_str().unwrap()).unwrap()).collect();
    let events: Vec<(String, String, u64)> = leaves
        .iter()
        .map(|l| (l["record"].as_str().unwrap().to_string(), l["event"].as_str().unwrap().to_string(), l["version"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        events,
        vec![
            (a.clone(), "publish".into(), 1),
            (b.clone(), "publish".into(), 1),
            (a.clone(), "publish".into(), 2),
            (b.clone(), "retract".into(), 1)
        ]
    );
    assert!(leaves.iter().all(|l| l["content_hash"].as_str().unwrap().starts_with("sha256:")));
    assert_eq!(s.get_json("/log/proof/inclusion?index=2&size=4")["proof"].as_array().unwrap().len(), 2);
    assert_eq!(s.get("/log/proof/inclusion?index=4&size=4").status(), 422, "outside the log");
    assert_eq!(s.get("/log/entries?start=0&end=5000").status(), 422, "at most 1000 at a time");
    assert_eq!(s.get("/log/proof/consistency?first=x&second=4").status(), 422);
    // The proof of a registration's public version, for readers and as JSON.
    let page = s.get(&format!("/nl/algoritme/{a}/bewijs")).text().unwrap();
    assert!(page.contains("Klopt.") && page.contains("plaats 3 van het logboek van 4"), "{page}");
    let en = s.get(&format!("/en/algoritme/{a}/bewijs")).text().unwrap();
    assert!(en.contains("Verified."), "{en}");
    assert_eq!(s.get_json(&format!("/log/proof/record/{a}"))["index"], 2);
    assert_eq!(s.get(&format!("/log/proof/record/{b}")).status(), 404, "a retracted registration has no public version to prove");
    // And served with the version in the API: each published version with its own proof, which
    // verifies against the signed checkpoint.
    let key = s.get("/log/key").text().unwrap();
    let checks = |p: &Value, want_index: u64| {
        assert_eq!(p["index"], want_index, "{p}");
        let c = algoreg_tlog::Checkpoint::open(p["checkpoint"].as_str().unwrap(), key.trim()).unwrap();
        let proof: Vec<algoreg_tlog::Hash> =
            p["proof"].as_array().unwrap().iter().map(|h| B64.decode(h.as_str().unwrap()).unwrap().try_into().unwrap()).collect();
        let leaf = algoreg_tlog::leaf_hash(p["leaf"].as_str().unwrap().as_bytes());
        assert!(algoreg_tlog::verify_inclusion(&leaf, want_index, c.size, &proof, &c.root), "{p}");
    };
    checks(&s.get_json(&format!("/api/v1/algorithms/{a}"))["log"], 2);
    let versions = s.get_json(&format!("/api/v1/algorithms/{a}/versions"));
    checks(&versions[0]["log"], 0);
    checks(&versions[1]["log"], 2);
    checks(&s.get_json(&format!("/api/v1/algorithms/{a}/versions/1"))["log"], 0);
    assert!(s.get_json("/api/v1/algorithms")["items"][0].get("log").is_none(), "not in lists");

    // The log as tiles (C2SP tlog-tiles): the leaf hashes and the entries themselves, cacheable for good.
    let tile = s.get("/log/tile/0/000.p/4");
    assert_eq!(tile.status(), 200);
    assert!(tile.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    let tile = tile.bytes().unwrap();
    let bundle = s.get("/log/tile/entries/000.p/4").bytes().unwrap();
    let mut rest: &[u8] = &bundle;
    let mut hashes = vec![];
    while rest.len() >= 2 {
        let len = u16::from_be_bytes([rest[0], rest[1]]) as usize;
        hashes.extend_from_slice(&algoreg_tlog::leaf_hash(&rest[2..2 + len]));
        rest = &rest[2 + len..];
    }
    assert_eq!(tile.as_ref(), hashes.as_slice(), "the hash tile holds the entry bundle's leaf hashes");
    assert_eq!(hashes.len(), 4 * 32);
    for missing in ["/log/tile/0/000.p/5", "/log/tile/0/000", "/log/tile/1/000.p/1", "/log/tile/0/0", "/log/tile/entries/001.p/1"] {
        assert_eq!(s.get(missing).status(), 404, "{missing}");
    }

    // `algoreg verify`: the signature, every entry against the root, every published version in the log.
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let (ok, out) = verify(&s.base, &state);
    assert!(ok && out.contains("4 entries, signature and root verified") && out.contains("2 published versions"), "{out}");
    // The log grows: consistent with what was seen before.
    s.publish_new("gem-a", &editor, &approver, complete_content("Nieuw"));
    wait_until("five entries", || size() == 5);
    let (ok, out) = verify(&s.base, &state);
    assert!(ok && out.contains("consistent with the 4 entries seen before"), "{out}");

    // Someone rewrites history in the database (one old entry) and the server starts again, signing
    // the rewritten log: its own signature holds, but it no longer extends what was seen before.
    drop(s);
    env.sql("UPDATE log_entries SET content_hash = 'sha256:0000' WHERE idx = 0");
    let s = env.serve_with(&public);
    let (ok, out) = verify(&s.base, &state);
    assert!(!ok && out.contains("history was rewritten"), "{out}");
    // Without the saved state, the rewritten entry no longer matches the published version.
    let (ok, out) = verify(&s.base, &dir.path().join("fresh.json"));
    assert!(!ok && out.contains("differs from what the log holds"), "{out}");
}

#[test]
fn a_mirror_written_by_export_verifies_and_one_changed_byte_is_caught() {
    let env = Env::new();
    env.org("gem-m", "four_eyes");
    let (editor, approver) = (env.token("gem-m", "editor"), env.token("gem-m", "approver"));
    let public = ["--public-url", "https://register.example"];
    let s = env.serve_with(&public);
    s.publish_new("gem-m", &editor, &approver, complete_content("Parkeervergunningen"));
    s.publish_new("gem-m", &editor, &approver, complete_content("Afvalroutes"));
    wait_until("two entries", || s.get("/log/checkpoint").text().unwrap().lines().nth(1) == Some("2"));
    let served_key = s.get("/log/key").text().unwrap().trim().to_string();
    drop(s);
    let mirror = env.dir.path().join("mirror");
    let out = env.ok(&["export", "--feed", mirror.to_str().unwrap(), "--public-url", "https://register.example"]);
    assert!(out.contains("log written: 2 entries"), "{out}");
    let run = |extra: &[&str]| {
        let mut args = vec!["verify", mirror.to_str().unwrap()];
        args.extend_from_slice(extra);
        let o = Command::new(BIN).args(&args).output().unwrap();
        (o.status.success(), format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)))
    };
    // With the key the live register served: the mirror is that register's log.
    let (ok, out) = run(&["--key", &served_key]);
    assert!(ok && out.contains("2 entries, signature and root verified") && out.contains("2 published versions"), "{out}");
    // One byte changed in the log, or in the feed: caught.
    for (file, from, to, why) in [
        ("log/entries.jsonl", "publish", "publisH", "the log was changed"),
        ("feed/v1/register.json", "Parkeervergunningen", "Parkeervergunningem", "differs from what the log holds"),
        ("log/checkpoint", "\n2\n", "\n3\n", "signature does not verify"),
    ] {
        let path = mirror.join(file);
        let original = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, original.replacen(from, to, 1)).unwrap();
        let (ok, out) = run(&["--key", &served_key]);
        assert!(!ok && out.contains(why), "{file}: {out}");
        std::fs::write(&path, original).unwrap();
    }
    assert!(run(&["--key", &served_key]).0, "restored, it verifies again");
    // The tiles are there for a static web server, and one changed byte in one is caught too.
    for file in ["log/tile/0/000.p/2", "log/tile/entries/000.p/2"] {
        let path = mirror.join(file);
        let original = std::fs::read(&path).unwrap();
        let mut changed = original.clone();
        changed[5] ^= 1;
        std::fs::write(&path, &changed).unwrap();
        let (ok, out) = run(&["--key", &served_key]);
        assert!(!ok && out.contains("differs from the log's entries"), "{file}: {out}");
        std::fs::write(&path, original).unwrap();
    }
}

#[test]
fn feeds_and_oai_pmh_stay_well_formed_xml_whatever_a_text_holds() {
    let env = Env::new();
    env.org("gem-a", "four_eyes");
    let (editor, approver) = (env.token("gem-a", "editor"), env.token("gem-a", "approver"));
    let s = env.serve();
    // A non-character typed in is refused, naming the field.
    let mut c = complete_content("Vergunning \u{FFFF} toetsen");
    let (st, v) = s.send("POST", "/api/v1/organisations/gem-a/algorithms", Some(&editor), Some(json!({ "content": c })));
    assert_eq!(st, 422, "{v}");
    assert!(v.to_string().contains("name"), "{v}");
    // Written as references in rich text, the sanitiser would make them characters XML cannot carry:
    // refused too, at the save (not only at the release).
    c["name"] = json!("Vergunning toetsen");
    c["goal"] = json!("<p>Sneller&#1; een besluit&#xFFFF; over de vergunning.</p>");
    let (st, v) = s.send("POST", "/api/v1/organisations/gem-a/algorithms", Some(&editor), Some(json!({ "content": c })));
    assert_eq!(st, 422, "{v}");
    assert!(v.to_string().contains("goal") && v.to_string().contains("control_character"), "{v}");
    // Quotes, ampersands and markup in texts arrive as text.
    c["goal"] = json!("<p>Sneller & \"eerlijker\" <b>beslissen</b> over 'de' vergunning.</p>");
    c["description_short"] = json!("Toetst <aanvragen> & \"bezwaren\" aan de regels.");
    let id = s.publish_new("gem-a", &editor, &approver, c);
    let feed = s.get("/feeds/atom.xml").text().unwrap();
    let oai = s.get("/oai?verb=ListRecords&metadataPrefix=algoreg").text().unwrap();
    for (what, xml) in [("atom", &feed), ("oai", &oai)] {
        assert!(xml.contains(&id), "{what}: {xml}");
        // A strict parser (expat, as every feed reader and harvester has) reads it.
        let mut p = Command::new(contract_python())
            .args(["-c", "import sys, xml.etree.ElementTree as E; E.fromstring(sys.stdin.buffer.read())"])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("python");
        use std::io::Write;
        p.stdin.take().unwrap().write_all(xml.as_bytes()).unwrap();
        let o = p.wait_with_output().unwrap();
        assert!(o.status.success(), "{what}: {}", String::from_utf8_lossy(&o.stderr));
    }
    let harvested = sickle(&s.base, "out['n'] = len(list(s.ListRecords(metadataPrefix='oai_dc')))");
    assert_eq!(harvested["n"], 1, "{harvested}");
}

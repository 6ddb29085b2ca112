//! Public pages of the register core: a home page and the record page at the live register's paths
//! (`/nl/algoritme/{id}` and `/nl/algoritme/{slug}/{id}`), so existing links keep working.

use super::render::{record_view, when};
use super::{Ctx, IdPath, PageResult};
use algoreg_service::App;
use axum::extract::State;
use maud::html;

pub async fn record(ctx: Ctx, State(app): State<App>, IdPath(id): IdPath) -> PageResult {
    let v = app.register().published(id).await.map_err(|e| ctx.err(e))?;
    let history = app.register().published_history(id).await.map_err(|e| ctx.err(e))?;
    let org = app.orgs().by_code(&v.org_code).await.map_err(|e| ctx.err(e))?;
    let mut similar = vec![];
    if app.search.is_some() {
        let of = id.to_string();
        let hits = app.on_index(move |i| i.similar(&of, 5).unwrap_or_default()).await.map_err(|e| ctx.err(e))?;
        let ids: Vec<_> = hits.iter().filter_map(|h| algoreg_standard::AlgorithmId::parse(&h.id).ok()).collect();
        similar = app.register().published_many(&ids).await.map_err(|e| ctx.err(e))?;
    }
    let classification = app.public_classification(id).await.map_err(|e| ctx.err(e))?;
    let overview = match &classification {
        Some(c) => app.compliance_overview(c, true).await.map_err(|e| ctx.err(e))?,
        None => vec![],
    };
    let feedback = super::feedback::record_section(&ctx, &app, id).await?;
    let confirmed = app.register().confirmed_at(id).await.map_err(|e| ctx.err(e))?;
    // A shared registration: the organisations that adopted it (from the index, at most 100).
    let shared = algoreg_standard::extensions::is_shared(&v.content);
    let adopters = match (&app.search, shared) {
        (Some(_), true) => {
            let query = algoreg_search::SearchQuery {
                filters: algoreg_search::Filters { adopts: Some(id.to_string()), ..Default::default() },
                sort: algoreg_search::Sort::Name,
                limit: 100,
                ..Default::default()
            };
            let found = app
                .on_index(move |i| {
                    i.search(&query)
                        .map(|r| r.hits.iter().filter_map(|h| algoreg_standard::AlgorithmId::parse(&h.id).ok()).collect::<Vec<_>>())
                        .unwrap_or_default()
                })
                .await
                .map_err(|e| ctx.err(e))?;
            app.register().published_many(&found).await.map_err(|e| ctx.err(e))?
        }
        _ => vec![],
    };
    let adopted = algoreg_standard::extensions::adopts(&v.content);
    let body = html! {
        p.crumbs { a href=(format!("{}/organisatie/{}", ctx.base(), org.code)) { (org.name) } }
        @let en = |key: &str| (ctx.lang == algoreg_standard::Lang::En).then(|| algoreg_standard::extensions::translation(&v.content, "en", key)).flatten();
        h1 lang=[(ctx.lang == algoreg_standard::Lang::En && en("name").is_none()).then_some("nl")] { (en("name").unwrap_or(v.content.name())) }
        @if let Some(s) = en("description_short").or(v.content.str("description_short")) {
            div.lead lang=[(ctx.lang == algoreg_standard::Lang::En && en("description_short").is_none()).then_some("nl")] { (super::render::render_rich(s)) }
        }
        @if shared {
            section.shared aria-labelledby="g-shared" {
                h2 #g-shared { (ctx.t("Gedeelde registratie", "Shared registration")) }
                p { (ctx.t("Deze registratie beschrijft een product dat meerdere organisaties gebruiken. Elke organisatie die het gebruikt, neemt haar over en vult zelf in waarvoor en hoe.",
                    "This registration describes a product that several organisations use. Each organisation that uses it adopts it and fills in for what and how.")) }
                @if adopters.is_empty() {
                    p { (ctx.t("Nog geen organisatie heeft haar overgenomen.", "No organisation has adopted it yet.")) }
                } @else {
                    p { (ctx.t("Gebruikt door:", "Used by:")) }
                    ul { @for a in &adopters {
                        li { a href=(format!("{}/algoritme/{}", ctx.base(), a.record)) { (a.content.str("organization").unwrap_or(&a.org_code)) ": " (a.content.name()) } }
                    } }
                }
                p { a href=(format!("{}/beheer?adopt={}", ctx.base(), id)) { (ctx.t("Gebruikt uw organisatie dit ook? Neem de registratie over", "Does your organisation use this too? Adopt the registration")) } }
            }
        }
        @if let Some((shared_id, version)) = adopted {
            p.notice { (ctx.t("Gebaseerd op de gedeelde registratie ", "Based on the shared registration "))
                a href=(format!("{}/algoritme/{}", ctx.base(), shared_id)) { (shared_id) }
                @if let Some(n) = version { " (" (ctx.t("versie ", "version ")) (n) ")" }
                ". " (ctx.t("De beschrijving van het product komt daaruit; doel, wettelijke basis, menselijke tussenkomst en contact zijn van deze organisatie.",
                    "The product's description comes from there; purpose, legal basis, human intervention and contact are this organisation's own.")) }
        }
        (record_view(v.standard_version, &v.content, ctx.lang))
        @if let Some(c) = &classification {
            section.group aria-labelledby="g-aiact" {
                h2 #g-aiact { (ctx.t("AI-verordening", "AI Act")) }
                (super::aiact::summary(&ctx, &app, c, &overview))
            }
        }
        section.group aria-labelledby="g-versions" {
            h2 #g-versions { (ctx.t("Versies", "Versions")) }
            p { (ctx.t("Alle gepubliceerde versies van deze registratie:", "Every published version of this registration:")) }
            ol {
                @for h in &history {
                    li { (ctx.t("Versie ", "Version ")) (h.number) ", " (ctx.t("gepubliceerd ", "published ")) (when(&h.published_at)) @if h.current { " (" (ctx.t("huidige", "current")) ")" } }
                }
            }
            p { a href=(format!("{}/algoritme/{}/versies", ctx.base(), v.record)) { (ctx.t("Versies vergelijken", "Compare versions")) }
                " · " a href=(format!("{}/algoritme/{}/bewijs", ctx.base(), v.record)) { (ctx.t("Controleren dat deze versie niet is veranderd", "Verify that this version was not changed")) } }
            @if let Some(c) = confirmed.filter(|c| *c > v.published_at) {
                p #actueel { (ctx.t("De organisatie bevestigde op ", "The organisation confirmed on ")) (when(&c)) (ctx.t(" dat deze versie nog klopt.", " that this version is still right.")) }
            }
            p.meta { (ctx.t("Algoritme-ID ", "Algorithm ID ")) (v.record) " · " (ctx.t("standaard ", "standard ")) (v.standard_version) }
            @if let Some(p) = v.provenance.as_ref().filter(|p| p.get("source").and_then(|s| s.as_str()) == Some("harvest")) {
                div.provenance #herkomst {
                    h3 { (ctx.t("Herkomst", "Origin")) }
                    p { (ctx.t("Deze versie komt uit het eigen register van de organisatie en is automatisch overgenomen.",
                        "This version comes from the organisation's own register and was taken over automatically.")) }
                    dl {
                        dt { (ctx.t("Bron", "Source")) }
                        dd { @if let Some(u) = p.get("source_url").and_then(|u| u.as_str()) {
                            @if u.starts_with("https://") || u.starts_with("http://") { a href=(u) { (u) } } @else { (u) } } }
                        dt { (ctx.t("Opgehaald", "Harvested")) }
                        dd { (p.get("harvested_at").and_then(|t| t.as_str()).and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()).map(|t| when(&t.with_timezone(&chrono::Utc))).unwrap_or_default()) }
                        dt { (ctx.t("Inhoudshash", "Content hash")) }
                        dd { code { (p.get("content_hash").and_then(|h| h.as_str()).unwrap_or("")) } }
                    }
                }
            }
            p { (ctx.t("Downloaden: ", "Download: "))
                a href=(format!("{}/algoritme/{}/download.csv", ctx.base(), v.record)) { "CSV" } ", "
                a href=(format!("{}/algoritme/{}/download.xlsx", ctx.base(), v.record)) { "Excel" } ", "
                a href=(format!("{}/algoritme/{}/download.json", ctx.base(), v.record)) { "JSON" } }
        }
        (feedback)
        @if !similar.is_empty() {
            section.group aria-labelledby="g-similar" {
                h2 #g-similar { (ctx.t("Vergelijkbare registraties", "Similar registrations")) }
                ul { @for s in &similar { li { a href=(format!("{}/algoritme/{}", ctx.base(), s.record)) { (s.content.name()) } " – " (s.content.str("organization").unwrap_or(&s.org_code)) } } }
            }
        }
    };
    Ok(ctx.page(v.content.name(), body))
}

/// `/algoritme/{id}/bewijs`: the proof that the public version is in the publication log, in plain words.
pub async fn proof(ctx: Ctx, State(app): State<App>, IdPath(id): IdPath) -> PageResult {
    let v = app.register().published(id).await.map_err(|e| ctx.err(e))?;
    let p = app.log().record_proof(id).await.map_err(|e| ctx.err(e))?;
    let title = ctx.t("Controle: staat deze versie in het openbare logboek?", "Check: is this version in the public log?");
    let body = html! {
        p.crumbs { a href=(format!("{}/algoritme/{}", ctx.base(), id)) { (v.content.name()) } }
        h1 { (title) }
        p { (ctx.t("Dit register schrijft elke publicatie, nieuwe versie, intrekking en archivering in een logboek waar alleen iets bij kan komen. Zo kan niemand een gepubliceerde registratie achteraf ongemerkt veranderen of weghalen.",
            "This register writes every publication, new version, retraction and archive into a log that can only grow. So nobody can change or remove a published registration afterwards without it showing.")) }
        @match &p {
            None => {
                p.notice { (ctx.t("Deze versie staat nog niet in het logboek. Dat gebeurt binnen enkele seconden na publicatie; probeer het zo opnieuw.",
                    "This version is not in the log yet. That happens within seconds of publication; try again shortly.")) }
            }
            Some(p) => {
                h2 { (ctx.t("Wat is bewezen", "What was proved")) }
                @if p.verified {
                    p.notice { strong { (ctx.t("Klopt. ", "Verified. ")) }
                        (ctx.t("Versie ", "Version ")) (p.entry.version) (ctx.t(" van deze registratie staat op plaats ", " of this registration is entry "))
                        (p.entry.index + 1) (ctx.t(" van het logboek van ", " of the log of ")) (p.size)
                        (ctx.t(" regels, met een vingerafdruk (hash) van precies deze inhoud. Het logboek is ondertekend met de sleutel van dit register.",
                            " entries, with a fingerprint (hash) of exactly this content. The log is signed with this register's key.")) }
                } @else {
                    p.error { (ctx.t("Het bewijs klopt niet. Meld dit aan de beheerder van het register.", "The proof does not hold. Tell the register's operator.")) }
                }
                p { (ctx.t("U hoeft ons niet te vertrouwen: iedereen kan dit zelf narekenen met de gegevens hieronder, bijvoorbeeld met het programma ",
                    "You need not trust us: anyone can check this with the data below, for example with the program ")) code { "algoreg verify" } "." }
                h2 { (ctx.t("De gegevens", "The data")) }
                dl {
                    dt { (ctx.t("Regel in het logboek", "Log entry")) } dd { code { (p.leaf) } }
                    dt { (ctx.t("Plaats", "Position")) } dd { (p.entry.index) " (" (ctx.t("tellend vanaf 0", "counting from 0")) ")" }
                    dt { (ctx.t("Ondertekend controlepunt", "Signed checkpoint")) } dd { pre { (p.checkpoint) } }
                    dt { (ctx.t("Bewijs van opname (hashes)", "Inclusion proof (hashes)")) } dd { ol { @for h in algoreg_service::log::encode_hashes(&p.proof) { li { code { (h) } } } } }
                }
                p { a href="/log/key" { (ctx.t("De publieke sleutel van het logboek", "The log's public key")) } " · "
                    a href=(format!("/log/proof/record/{id}")) { (ctx.t("Dit bewijs als JSON", "This proof as JSON")) } }
            }
        }
        @if let Some(o) = algoreg_service::log::origin_proof(&v) {
            h2 { (ctx.t("Ook bewezen bij de organisatie zelf", "Also proved at the organisation itself")) }
            p { (ctx.t("Dit register heeft deze registratie overgenomen uit ", "This register took this registration from ")) code { (o.origin) } "." }
            @if o.holds {
                p.notice { strong { (ctx.t("Klopt. ", "Verified. ")) }
                    (ctx.t("Het logboek van de organisatie (", "The organisation's log (")) code { (o.log) }
                    (ctx.t(") bevat precies deze inhoud, op plaats ", ") holds exactly this content, as entry "))
                    (o.index + 1) (ctx.t(" van ", " of ")) (o.size)
                    (ctx.t(", ondertekend met de sleutel van dat logboek. Dit register bewaart die sleutel voor die organisatie (van het register van de organisatie zelf, of van het eerste register dat hem doorgaf) en weigert een versie met een bewijs onder een andere sleutel. Zo is te zien dat de registers daartussen de inhoud niet hebben veranderd.",
                        ", signed with that log's key. This register keeps that key for the organisation (from the organisation's own register, or from the first register that passed it on) and refuses a version whose proof is signed with another. So you can see that the registers in between did not change the content.")) }
                p { (ctx.t("Wie het zeker wil weten, vergelijkt de sleutel met die het register van de organisatie zelf toont (", "To be sure, compare the key with the one the organisation's own register shows ("))
                    code { "/log/key" } ")." }
            } @else {
                p.error { (ctx.t("Het bewijs van de organisatie klopt niet voor deze inhoud. Meld dit aan de beheerder van het register.",
                    "The organisation's proof does not hold for this content. Tell the register's operator.")) }
            }
            p { (ctx.t("Het bewijs zelf staat bij de herkomst van deze versie in de API.", "The proof itself is in this version's provenance in the API.")) }
        }
    };
    Ok(ctx.page(title, body))
}

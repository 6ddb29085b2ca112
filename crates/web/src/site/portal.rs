//! The public portal: home with search, results with facets, organisation pages, the published
//! history of a record with a word-level comparison of any two versions, downloads and feeds.

use super::diff::diff_view;
use super::downloads::{self, Format};
use super::render::{render_rich, value_label, when};
use super::{Ctx, IdPath, PageError, PageResult};
use crate::auth::ClientKey;
use algoreg_search::{Filters, SearchQuery, Sort};
use algoreg_service::register::parse_id;
use algoreg_service::{App, ServiceError};
use algoreg_standard::Lang;
use algoreg_store::PublishedVersion;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use maud::{html, Markup};
use std::collections::HashMap;

pub const PER_PAGE: usize = 20;
/// The longest filter value a search takes, in characters.
const MAX_FILTER: usize = 1024;

fn no_search(lang: Lang) -> PageError {
    PageError::Service(lang, ServiceError::Internal("search index not available".into()))
}

/// The search query from the URL; every value is checked, an unknown one names its parameter.
fn parse_query(ctx: &Ctx, q: &HashMap<String, String>) -> Result<(SearchQuery, usize), PageError> {
    let bad = |field: &str, nl: &str, en: &str| PageError::Service(ctx.lang, ServiceError::bad(field, nl, en));
    let page = match q.get("page").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => 1,
        Some(s) => s
            .parse::<usize>()
            .ok()
            .filter(|p| (1..=10_000).contains(p))
            .ok_or_else(|| bad("page", "Geef een paginanummer van 1 tot 10000.", "Give a page number from 1 to 10000."))?,
    };
    let sort = match q.get("sort").map(String::as_str) {
        None | Some("") | Some("relevance") => Sort::Relevance,
        Some("name") => Sort::Name,
        Some("newest") => Sort::Newest,
        Some(_) => return Err(bad("sort", "Sorteer op relevance, name of newest.", "Sort by relevance, name or newest.")),
    };
    let ia = match q.get("ia").map(String::as_str) {
        None | Some("") => None,
        Some("ja") => Some(true),
        Some("nee") => Some(false),
        Some(_) => return Err(bad("ia", "Kies ja of nee.", "Choose ja or nee.")),
    };
    // As long as the longest value a field of any standard version holds (the site's own facet links
    // carry such values), counted in characters.
    for k in ["org", "type", "theme", "cat", "status", "adopts"] {
        if q.get(k).is_some_and(|v| v.trim().chars().count() > MAX_FILTER) {
            return Err(bad(k, "Een filter heeft hoogstens 1024 tekens.", "A filter has at most 1024 characters."));
        }
    }
    let shared = match q.get("shared").map(|v| v.trim()) {
        None | Some("") => None,
        Some("ja") => Some(true),
        Some("nee") => Some(false),
        Some(_) => return Err(bad("shared", "Kies ja of nee.", "Choose ja or nee.")),
    };
    let get = |k: &str| q.get(k).map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let text = q.get("q").map(|s| s.chars().take(500).collect::<String>()).unwrap_or_default();
    let filters = Filters {
        org: get("org"),
        org_type: get("type"),
        theme: get("theme"),
        category: get("cat"),
        status: get("status"),
        impact_assessment: ia,
        impact_assessment_title: None,
        shared,
        adopts: get("adopts"),
    };
    Ok((SearchQuery { text, filters, sort, offset: (page - 1) * PER_PAGE, limit: PER_PAGE, ..Default::default() }, page))
}

/// `query` on the search index, off the request threads.
async fn run_search(ctx: &Ctx, app: &App, query: &SearchQuery) -> Result<algoreg_search::Results, PageError> {
    let asked = query.clone();
    app.on_index(move |i| i.search(&asked)).await.map_err(|e| ctx.err(e))?.map_err(|e| ctx.err(ServiceError::Internal(e.to_string())))
}

/// The parameters a search page carries over into its links; anything else in the query string is dropped.
const SEARCH_PARAMS: &[&str] = &["q", "org", "type", "theme", "cat", "status", "ia", "sort", "shared", "adopts"];

/// The parameters of `q` that a search page carries over (not the page): only values the search
/// takes (the text up to 500 characters, a filter up to [`MAX_FILTER`], `shared` as `ja` or `nee`), so a
/// long or odd value is not copied into every link and form of the page.
fn carried(q: &HashMap<String, String>) -> impl Iterator<Item = (&String, &String)> {
    q.iter()
        .filter(|(k, v)| {
            let most = if k.as_str() == "q" { 500 } else { MAX_FILTER };
            SEARCH_PARAMS.contains(&k.as_str()) && !v.is_empty() && v.chars().count() <= most
        })
        .filter(|(k, v)| k.as_str() != "shared" || v.as_str() == "ja" || v.as_str() == "nee")
}

fn url_with(ctx: &Ctx, q: &HashMap<String, String>, set: &[(&str, Option<&str>)]) -> String {
    let mut params: Vec<(String, String)> =
        carried(q).filter(|(k, _)| !set.iter().any(|(s, _)| s == k)).map(|(k, v)| (k.clone(), v.clone())).collect();
    for (k, v) in set {
        if let Some(v) = v {
            params.push((k.to_string(), v.to_string()));
        }
    }
    params.sort();
    let qs: Vec<String> = params.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect();
    format!("{}/search?{}", ctx.base(), qs.join("&"))
}

pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub async fn home(ctx: Ctx, State(app): State<App>) -> PageResult {
    let count = app.register().count_published().await.map_err(|e| ctx.err(e))?;
    let orgs = app.organisations().await.map_err(|e| ctx.err(e))?.len();
    let body = html! {
        h1 { (ctx.t("Algoritmes van de overheid", "Government algorithms")) }
        p.lead { (ctx.t(
            "Welke algoritmes gebruikt de overheid, waarvoor, en met welke afwegingen? Organisaties beschrijven het hier zelf, volgens één standaard.",
            "Which algorithms does government use, for what, and how were they weighed? Organisations describe it here themselves, under one standard."
        )) }
        (search_box(&ctx, ""))
        ul.figures {
            li { strong { (count) } " " (ctx.t("gepubliceerde algoritmes", "published algorithms")) }
            li { strong { (orgs) } " " (ctx.t("organisaties", "organisations")) }
        }
        p { a href=(format!("{}/overzicht", ctx.base())) { (ctx.t("Overzicht: welke organisaties publiceren, en hoe volledig", "Overview: which organisations publish, and how completely")) } }
        h2 { (ctx.t("Meenemen en volgen", "Take it with you, follow it")) }
        ul {
            li { (ctx.t("Het hele register: ", "The whole register: ")) a href="/downloads/register.csv" { "CSV" } ", " a href="/downloads/register.xlsx" { "Excel" } ", " a href="/downloads/register.json" { "JSON" } }
            li { (ctx.t("Alle gepubliceerde versies ooit: ", "Every version ever published: ")) a href="/downloads/history.csv" { "CSV" } ", " a href="/downloads/history.xlsx" { "Excel" } }
            li { (ctx.t("Nieuw en gewijzigd, als Atom-feed: ", "New and changed, as an Atom feed: ")) a href="/feeds/atom.xml" { "/feeds/atom.xml" } }
            li { (ctx.t("De API: ", "The API: ")) a href=(format!("{}/api", ctx.base())) { (ctx.t("uitleg", "explanation")) } }
        }
    };
    Ok(ctx.page(ctx.t("Start", "Home"), body))
}

fn search_box(ctx: &Ctx, q: &str) -> Markup {
    html! {
        form.search role="search" method="get" action=(format!("{}/search", ctx.base())) {
            label for="q" { (ctx.t("Zoek in het register", "Search the register")) }
            div.searchrow {
                input #q type="search" name="q" value=(q) autocomplete="off" data-suggest=(format!("{}/search/suggest", ctx.base())) aria-describedby="q-hint";
                button.primary type="submit" { (ctx.t("Zoeken", "Search")) }
            }
            p.hint #q-hint { (ctx.t("Bijvoorbeeld: parkeren, uitkering, UWV of een gemeente.", "For example: parking, benefits, UWV or a municipality.")) }
        }
    }
}

pub async fn search(ctx: Ctx, State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> PageResult {
    app.search.as_ref().ok_or_else(|| no_search(ctx.lang))?;
    let (query, page) = parse_query(&ctx, &q)?;
    let results = run_search(&ctx, &app, &query).await?;
    let all_orgs = app.organisations().await.map_err(|e| ctx.err(e))?;
    let orgs: HashMap<String, &algoreg_store::Organisation> = all_orgs.iter().map(|o| (o.code.clone(), o)).collect();
    let ids: Vec<algoreg_standard::AlgorithmId> =
        results.hits.iter().filter_map(|h| algoreg_standard::AlgorithmId::parse(&h.id).ok()).collect();
    let items = app.register().published_many(&ids).await.map_err(|e| ctx.err(e))?;
    // Pages link only as deep as the search pages (past that, pages are empty): narrow the search instead.
    let pages = results.total.div_ceil(PER_PAGE).clamp(1, algoreg_search::MAX_OFFSET / PER_PAGE + 1);
    let lang = ctx.lang;
    let facet = |title: &str, key: &str, values: &[(String, u64)], label: &dyn Fn(&str) -> String| -> Markup {
        let selected = q.get(key).filter(|s| !s.is_empty()).cloned();
        html! {
            @if !values.is_empty() {
                section.facet aria-labelledby=(format!("facet-{key}")) {
                    h3 id=(format!("facet-{key}")) { (title) }
                    ul {
                        @for (v, n) in values.iter().take(if key == "org" { 15 } else { 30 }) {
                            @let on = selected.as_deref() == Some(v.as_str());
                            li {
                                a href=(url_with(&ctx, &q, &[(key, if on { None } else { Some(v) })])) aria-current=[on.then_some("true")] {
                                    @if on { span.sr-only { (ctx.t("geselecteerd: ", "selected: ")) } "✓ " }
                                    (label(v)) " (" (n) ")"
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let org_label = |c: &str| orgs.get(c).map(|o| o.name.clone()).unwrap_or_else(|| c.to_string());
    let type_label = |c: &str| {
        algoreg_domain::OrgType::parse(c)
            .map(|t| if lang == Lang::Nl { t.label_nl() } else { t.label_en() }.to_string())
            .unwrap_or_else(|| c.to_string())
    };
    let val_label = |c: &str| value_label(lang, c);
    let ia_label = |c: &str| if c == "ja" { ctx.t("Ja", "Yes").to_string() } else { ctx.t("Nee", "No").to_string() };
    let export_qs = url_with(&ctx, &q, &[]).split_once('?').map(|(_, s)| s.to_string()).unwrap_or_default();
    let title = if query.text.is_empty() {
        ctx.t("Alle algoritmes", "All algorithms").to_string()
    } else {
        format!("{} “{}”", ctx.t("Zoekresultaten voor", "Search results for"), query.text)
    };
    let body = html! {
        h1 { (title) }
        (search_box(&ctx, &query.text))
        details.search-help {
            summary { (ctx.t("Zoektips", "Search tips")) }
            ul {
                li { (ctx.t("Alle woorden moeten voorkomen: ", "All words must occur: ")) code { "parkeren boete" } }
                li { (ctx.t("Het een of het ander: ", "One or the other: ")) code { "parkeren of verkeer" } " (" (ctx.t("ook ", "also ")) code { "OR" } ")" }
                li { (ctx.t("Woorden uitsluiten met een min: ", "Leave words out with a minus: ")) code { "uitkering -ww" } }
                li { (ctx.t("Woorden precies zo, tussen aanhalingstekens: ", "Words exactly so, between quotes: ")) code { "\"slimme camera\"" } }
                li { (ctx.t("Hoofdletters en accenten maken niet uit. Afkortingen en hun volledige naam vinden elkaar: ", "Capitals and accents do not matter. Abbreviations and their full names find each other: "))
                    code { "wmo" } " = " code { "wet maatschappelijke ondersteuning" } ", " code { "cjib" } " = " code { "centraal justitieel incassobureau" } "." }
                li { (ctx.t("Woorden als 'de', 'het' en 'van' tellen niet mee.", "Words such as 'de', 'het' and 'van' do not count.")) }
            }
        }
        @if let Some(dym) = &results.did_you_mean {
            p.notice {
                @if results.corrected { (ctx.t("Niets gevonden voor wat u typte. Resultaten voor ", "Nothing found for what you typed. Showing results for ")) }
                @else { (ctx.t("Bedoelde u ", "Did you mean ")) }
                a href=(url_with(&ctx, &q, &[("q", Some(dym))])) { (dym) } "?"
            }
        }
        div.results-layout {
            aside.facets aria-label=(ctx.t("Filters", "Filters")) {
                h2 { (ctx.t("Filters", "Filters")) }
                (facet(ctx.t("Organisatie", "Organisation"), "org", &results.facets.org, &org_label))
                (facet(ctx.t("Soort organisatie", "Type of organisation"), "type", &results.facets.org_type, &type_label))
                (facet(ctx.t("Thema", "Theme"), "theme", &results.facets.theme, &val_label))
                (facet(ctx.t("Publicatiecategorie", "Publication category"), "cat", &results.facets.category, &val_label))
                (facet(ctx.t("Status", "Status"), "status", &results.facets.status, &val_label))
                (facet(ctx.t("Impacttoets gedaan", "Impact assessment done"), "ia", &results.facets.impact_assessment, &ia_label))
            }
            div.results {
                p role="status" { strong { (results.total) } " " (ctx.t("resultaten", "results")) @if pages > 1 { " · " (ctx.t("pagina ", "page ")) (page) " / " (pages) } }
                @if results.relaxed {
                    p.notice { (ctx.t("Geen registratie heeft al deze woorden. Hieronder staan de registraties met een deel ervan, de beste eerst.",
                        "No registration has all these words. Below are the registrations with some of them, best first.")) }
                }
                form.sort method="get" action=(format!("{}/search", ctx.base())) {
                    @for (k, v) in carried(&q).filter(|(k, _)| k.as_str() != "sort") { input type="hidden" name=(k) value=(v); }
                    label for="sort" { (ctx.t("Sorteren op", "Sort by")) }
                    select #sort name="sort" {
                        option value="relevance" selected[query.sort == Sort::Relevance] { (ctx.t("Relevantie", "Relevance")) }
                        option value="name" selected[query.sort == Sort::Name] { (ctx.t("Naam", "Name")) }
                        option value="newest" selected[query.sort == Sort::Newest] { (ctx.t("Nieuwste", "Newest")) }
                    }
                    button type="submit" { (ctx.t("Toepassen", "Apply")) }
                }
                ol.hits start=(query.offset + 1) {
                    @for v in &items {
                        li.hit {
                            h2 { a href=(format!("{}/algoritme/{}", ctx.base(), v.record)) { (v.content.name()) } }
                            p.org { (orgs.get(&v.org_code).map(|o| o.name.as_str()).unwrap_or(&v.org_code)) }
                            @if let Some(s) = v.content.str("description_short") { p { (algoreg_standard::sanitize::plain_text(s)) } }
                            p.meta {
                                @if let Some(s) = v.content.str("status") { (value_label(lang, s)) }
                                @if let Some(c) = v.content.str("publication_category") { " · " (value_label(lang, c)) }
                            }
                        }
                    }
                }
                @if pages > 1 {
                    nav.paging aria-label=(ctx.t("Paginering", "Pagination")) {
                        ul {
                            @if page > 1 { li { a href=(format!("{}&page={}", url_with(&ctx, &q, &[]), page - 1)) rel="prev" { (ctx.t("Vorige", "Previous")) } } }
                            @for p in (page.saturating_sub(3).max(1))..=(page + 3).min(pages) {
                                li { @if p == page { span aria-current="page" { (p) } } @else { a href=(format!("{}&page={}", url_with(&ctx, &q, &[]), p)) { (p) } } }
                            }
                            @if page < pages { li { a href=(format!("{}&page={}", url_with(&ctx, &q, &[]), page + 1)) rel="next" { (ctx.t("Volgende", "Next")) } } }
                        }
                    }
                }
                p.downloads {
                    (ctx.t("Deze resultaten downloaden: ", "Download these results: "))
                    a href=(format!("{}/search/export.csv?{export_qs}", ctx.base())) { "CSV" } ", "
                    a href=(format!("{}/search/export.xlsx?{export_qs}", ctx.base())) { "Excel" } ", "
                    a href=(format!("{}/search/export.json?{export_qs}", ctx.base())) { "JSON" } " · "
                    a href=(format!("/feeds/search.xml?{export_qs}")) { (ctx.t("volgen via Atom-feed", "follow as Atom feed")) } " · "
                    a href=(format!("{}/meldingen?{export_qs}", ctx.base())) { (ctx.t("e-mail bij nieuwe resultaten", "e-mail about new results")) }
                }
            }
        }
    };
    Ok(ctx.page(&title, body))
}

/// Every hit of a search (up to 10,000), as records.
async fn all_hits(ctx: &Ctx, app: &App, mut query: SearchQuery) -> Result<Vec<PublishedVersion>, PageError> {
    app.search.as_ref().ok_or_else(|| no_search(ctx.lang))?;
    query.offset = 0;
    query.limit = 1000;
    let mut out = vec![];
    loop {
        let r = run_search(ctx, app, &query).await?;
        let ids: Vec<_> = r.hits.iter().filter_map(|h| algoreg_standard::AlgorithmId::parse(&h.id).ok()).collect();
        // One read per page of hits, in the order of the hits.
        out.extend(app.register().published_many(&ids).await.map_err(|e| ctx.err(e))?);
        query.offset += query.limit;
        if query.offset >= r.total || query.offset >= 10_000 {
            break;
        }
    }
    Ok(out)
}

/// When an export that found the exports busy may try again.
const EXPORT_RETRY_SECONDS: u64 = 10;

pub async fn search_export(
    ctx: Ctx,
    State(app): State<App>,
    ClientKey(client): ClientKey,
    Path(file): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let ext = file.strip_prefix("export.").filter(|e| Format::parse(e).is_some());
    let (Some(ext), Some(format)) = (ext, ext.and_then(Format::parse)) else {
        return Err(PageError::Status(StatusCode::NOT_FOUND, "Onbekend bestandsformaat.".into(), "Unknown file format.".into()));
    };
    // Without a search or a filter (whatever else the address holds) it is the whole register: the
    // download made once for everyone.
    let (query, _) = parse_query(&ctx, &q)?;
    if query.text.trim().is_empty() && query.filters == Filters::default() {
        return Ok(Redirect::to(&format!("/downloads/register.{ext}")).into_response());
    }
    // Up to 10,000 records in memory and a file to render: two exports at a time. Others are told to
    // come back instead of waiting, so that waiting exports never hold the connections other pages need
    // (and a refusal for that reason does not count against the address's limit).
    static EXPORTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);
    let one = EXPORTS.try_acquire().map_err(|_| ctx.err(ServiceError::TooManyRequests { retry_after: EXPORT_RETRY_SECONDS }))?;
    app.check_export_limit(&client).await.map_err(|e| ctx.err(e))?;
    let hits = all_hits(&ctx, &app, query).await?;
    let list = hits.iter().collect::<Vec<_>>();
    let ai = downloads::ai_columns(&app, &list).await?;
    let public_url = app.public_url().to_string();
    // Rendering is CPU work: off the request threads.
    let body = tokio::task::spawn_blocking(move || {
        let _one = one;
        downloads::render(&hits.iter().collect::<Vec<_>>(), &ai, format, &public_url)
    })
    .await
    .map_err(|e| ctx.err(ServiceError::Internal(e.to_string())))?
    .map_err(|e| ctx.err(e))?;
    Ok(downloads::respond(body, format, "algoritmes-zoekresultaat"))
}

pub async fn suggest(ctx: Ctx, State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> PageResult {
    app.search.clone().ok_or_else(|| no_search(ctx.lang))?;
    let text: String = q.get("q").map(|s| s.chars().take(100).collect()).unwrap_or_default();
    let s = algoreg_service::search::suggestions(&app, &text, 8).await.map_err(|e| ctx.err(e))?;
    Ok(Json(s).into_response())
}

pub async fn organisation(ctx: Ctx, State(app): State<App>, Path(code): Path<String>) -> PageResult {
    let org = app.orgs().by_code(&code).await.map_err(|e| ctx.err(e))?;
    let page = app
        .register()
        .list_published(&algoreg_store::ListQuery { offset: 0, limit: 1000, org_code: Some(org.code.clone()) })
        .await
        .map_err(|e| ctx.err(e))?;
    let figures = app.feedback().figures(org.id, chrono::Utc::now()).await.map_err(|e| ctx.err(e))?;
    // Its place in the government: what the organisation register says, with names from the register.
    let all = app.organisations().await.map_err(|e| ctx.err(e))?;
    let named =
        |code: &Option<String>| code.as_ref().and_then(|c| all.iter().find(|o| &o.code == c)).map(|o| (o.code.clone(), o.name.clone()));
    let parent = named(&org.relations.parent);
    let ministry = named(&org.relations.ministry);
    let mut under: Vec<&algoreg_store::Organisation> = all
        .iter()
        .filter(|o| o.relations.parent.as_deref() == Some(&org.code) || o.relations.ministry.as_deref() == Some(&org.code))
        .collect();
    under.sort_by(|a, b| a.name.cmp(&b.name));
    let body = html! {
        p.crumbs { (if ctx.lang == Lang::Nl { org.org_type.label_nl() } else { org.org_type.label_en() }) }
        h1 { (org.name) @if let Some(s) = &org.relations.short_name { " (" (s) ")" } }
        @if parent.is_some() || ministry.is_some() || org.tooi.is_some() {
            dl.facts {
                @if let Some((c, n)) = &parent { dt { (ctx.t("Onderdeel van", "Part of")) } dd { a href=(format!("{}/organisatie/{c}", ctx.base())) { (n) } } }
                @if let Some((c, n)) = &ministry { dt { (ctx.t("Ministerie", "Ministry")) } dd { a href=(format!("{}/organisatie/{c}", ctx.base())) { (n) } } }
                @if let Some(t) = &org.tooi { dt { (ctx.t("Officiële identificatie", "Official identifier")) } dd { code { (t) } } }
            }
        }
        @if let Some(a) = &org.about { div.lead { (render_rich(a)) } }
        @if let Some(c) = &org.contact { p { strong { (ctx.t("Contact: ", "Contact: ")) } (c) } }
        h2 { (ctx.t("Algoritmes", "Algorithms")) " (" (page.total) ")" }
        @if page.items.is_empty() { p { (ctx.t("Deze organisatie heeft nog niets gepubliceerd.", "This organisation has not published anything yet.")) } }
        ul.hits-plain {
            @for v in &page.items {
                li { a href=(format!("{}/algoritme/{}", ctx.base(), v.record)) { (v.content.name()) } @if let Some(s) = v.content.str("status") { " – " (value_label(ctx.lang, s)) } }
            }
        }
        @if !under.is_empty() {
            h2 #onder { (ctx.t("Organisaties die hieronder vallen", "Organisations under this one")) " (" (under.len()) ")" }
            ul.hits-plain {
                @for o in under.iter().take(500) {
                    li { a href=(format!("{}/organisatie/{}", ctx.base(), o.code)) { (o.name) } " – " (if ctx.lang == Lang::Nl { o.org_type.label_nl() } else { o.org_type.label_en() }) }
                }
            }
        }
        h2 #signalen { (ctx.t("Signalen van burgers", "Signals from citizens")) }
        p { (ctx.t("Hoe snel deze organisatie vragen en meldingen over haar algoritmes beantwoordt (termijn: zes weken).",
            "How quickly this organisation answers questions and reports about its algorithms (term: six weeks).")) }
        (super::feedback::figures_block(&ctx, &figures))
        p { a href=(format!("/feeds/antwoorden.xml?org={}", org.code)) { (ctx.t("Openbare antwoorden van deze organisatie (Atom-feed)", "This organisation's public answers (Atom feed)")) } }
        p { a href=(format!("/feeds/organisatie/{}.xml", org.code)) { (ctx.t("Volg deze organisatie (Atom-feed)", "Follow this organisation (Atom feed)")) } " · "
            a href=(format!("{}/meldingen?org={}", ctx.base(), org.code)) { (ctx.t("Volg deze organisatie per e-mail", "Follow this organisation by e-mail")) } " · "
            a href=(url_with(&ctx, &HashMap::new(), &[("org", Some(&org.code))])) { (ctx.t("Zoeken binnen deze organisatie", "Search within this organisation")) } }
    };
    Ok(ctx.page(&org.name, body))
}

/// `/voorbeeld/{secret}`: a registration's latest version for anyone with the link its organisation
/// made, while the link works. Not for search engines, and the link is not passed on to the sites the
/// registration links to.
pub async fn shared_preview(ctx: Ctx, State(app): State<App>, Path(secret): Path<String>) -> PageResult {
    let algoreg_service::preview::Preview { org, version, expires_at } = app.previews().open(&secret).await.map_err(|e| ctx.err(e))?;
    let body = html! {
        p.notice role="note" {
            (ctx.t("Voorbeeld van een registratie, zoals de organisatie haar nu heeft. Deze versie is misschien nog niet gepubliceerd en kan nog veranderen. Deze link werkt tot ",
                "Preview of a registration as the organisation has it now. This version may not be published yet and may still change. This link works until "))
            (when(&expires_at)) "."
        }
        p.crumbs { (org.name) }
        h1 { (version.content.name()) }
        @if let Some(s) = version.content.str("description_short") { div.lead { (render_rich(s)) } }
        (super::render::record_view(version.standard_version, &version.content, ctx.lang))
    };
    let mut resp = ctx.page(version.content.name(), body);
    let h = resp.headers_mut();
    h.insert(axum::http::header::REFERRER_POLICY, axum::http::HeaderValue::from_static("no-referrer"));
    // Never kept by a cache: a draft must be gone once the link ends or the registration goes offline.
    h.insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    h.insert("x-robots-tag", axum::http::HeaderValue::from_static("noindex, nofollow"));
    Ok(resp)
}

pub async fn history(ctx: Ctx, State(app): State<App>, IdPath(id): IdPath, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let versions = app.register().published_history(id).await.map_err(|e| ctx.err(e))?;
    let current = versions.iter().find(|v| v.current).or(versions.last()).ok_or_else(|| ctx.err(ServiceError::NotFound("algorithm")))?;
    let num = |k: &str, default: u32| -> Result<u32, PageError> {
        match q.get(k).filter(|s| !s.is_empty()) {
            None => Ok(default),
            Some(s) => s.parse::<u32>().ok().filter(|n| versions.iter().any(|v| v.number == *n)).ok_or_else(|| {
                PageError::Service(ctx.lang, ServiceError::bad(k, "Kies een gepubliceerde versie.", "Choose a published version."))
            }),
        }
    };
    let first = versions.first().map(|v| v.number).unwrap_or(1);
    let from = num("van", if versions.len() > 1 { versions[versions.len() - 2].number } else { first })?;
    let to = num("naar", current.number)?;
    let a = versions.iter().find(|v| v.number == from).unwrap_or(current);
    let b = versions.iter().find(|v| v.number == to).unwrap_or(current);
    // Comparing texts is work for the blocking pool, not for the thread that answers requests.
    let (sv, old, new, lang) = (b.standard_version, a.content.clone(), b.content.clone(), ctx.lang);
    let diff = tokio::task::spawn_blocking(move || diff_view(sv, &old, &new, lang))
        .await
        .map_err(|_| ctx.err(ServiceError::Internal("the comparison stopped".into())))?;
    let select = |name: &str, label: &str, sel: u32| {
        html! {
            div.field {
                label for=(name) { (label) }
                select id=(name) name=(name) { @for v in &versions { option value=(v.number) selected[v.number == sel] { (ctx.t("versie ", "version ")) (v.number) " (" (when(&v.published_at)) ")" } } }
            }
        }
    };
    let body = html! {
        p.crumbs { a href=(format!("{}/algoritme/{}", ctx.base(), id)) { (current.content.name()) } }
        h1 { (ctx.t("Versies en verschillen", "Versions and differences")) }
        table {
            caption.sr-only { (ctx.t("Alle gepubliceerde versies", "Every published version")) }
            (ctx.head_row(&[("Versie", "Version"), ("Gepubliceerd", "Published"), ("Download", "Download")]))
            tbody { @for v in &versions { tr {
                td { (v.number) @if v.current { " (" (ctx.t("huidige", "current")) ")" } }
                td { (when(&v.published_at)) }
                td { a href=(format!("{}/algoritme/{}/download.json?versie={}", ctx.base(), id, v.number)) { "JSON" } }
            } } }
        }
        h2 { (ctx.t("Twee versies vergelijken", "Compare two versions")) }
        form.inline method="get" {
            (select("van", ctx.t("Van", "From"), from))
            (select("naar", ctx.t("Naar", "To"), to))
            button type="submit" { (ctx.t("Vergelijken", "Compare")) }
        }
        h3 { (ctx.t("Versie ", "Version ")) (a.number) " → " (b.number) }
        (diff)
        p { (ctx.t("Alle versies downloaden: ", "Download every version: "))
            a href=(format!("{}/algoritme/{}/download.csv", ctx.base(), id)) { "CSV" } ", "
            a href=(format!("{}/algoritme/{}/download.xlsx", ctx.base(), id)) { "Excel" } ", "
            a href=(format!("{}/algoritme/{}/download.json", ctx.base(), id)) { "JSON" } }
    };
    Ok(ctx.page(ctx.t("Versies", "Versions"), body))
}

pub async fn record_download(
    ctx: Ctx,
    State(app): State<App>,
    Path((id, file)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let id = parse_id("id", &id).map_err(|e| ctx.err(e))?;
    let format = file
        .strip_prefix("download.")
        .and_then(Format::parse)
        .ok_or_else(|| PageError::Status(StatusCode::NOT_FOUND, "Onbekend bestandsformaat.".into(), "Unknown file format.".into()))?;
    let versions = app.register().published_history(id).await.map_err(|e| ctx.err(e))?;
    let only: Option<u32> = q.get("versie").and_then(|s| s.parse().ok());
    let chosen: Vec<&PublishedVersion> = versions.iter().filter(|v| only.is_none_or(|n| v.number == n)).collect();
    let ai = downloads::ai_columns(&app, &chosen).await?;
    downloads::file(&chosen, &ai, format, &format!("algoritme-{id}"), app.public_url())
}

pub async fn register_download(State(app): State<App>, Path(file): Path<String>) -> PageResult {
    let (name, ext) = file.rsplit_once('.').ok_or_else(PageError::not_found)?;
    let format = Format::parse(ext)
        .ok_or_else(|| PageError::Status(StatusCode::NOT_FOUND, "Onbekend bestandsformaat.".into(), "Unknown file format.".into()))?;
    let history = match name {
        "register" => false,
        "history" => true,
        _ => return Err(PageError::not_found()),
    };
    let render = move |app: App| async move {
        let all = downloads::all(&app, history).await?;
        let ids: Vec<_> = all.iter().map(|v| v.record).collect();
        let ai = app.aiact_columns(&ids).await?;
        // Rendering is CPU work: off the request threads.
        let public_url = app.public_url().to_string();
        tokio::task::spawn_blocking(move || downloads::render(&all.iter().collect::<Vec<_>>(), &ai, format, &public_url))
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))?
    };
    let bytes = app.cached(format!("register:{history}:{format:?}"), render).await.map_err(|e| PageError::Service(Lang::Nl, e))?;
    Ok(downloads::respond(downloads::Shared(bytes), format, if history { "algoritmeregister-alle-versies" } else { "algoritmeregister" }))
}

/// The address feeds link to: the configured public address, never the request's `Host` header (which
/// the client chooses, and a shared cache might keep).
fn base_url(app: &App) -> String {
    app.public_url().trim_end_matches('/').to_string()
}

pub async fn feed_all(State(app): State<App>) -> PageResult {
    let v = app.register().recent_published(50, None).await.map_err(|e| PageError::Service(Lang::Nl, e))?;
    Ok(downloads::atom(&base_url(&app), Lang::Nl, "Algoritmeregister: nieuw en gewijzigd", "/feeds/atom.xml", &v))
}

pub async fn feed_org(State(app): State<App>, Path(file): Path<String>) -> PageResult {
    let code = file.strip_suffix(".xml").unwrap_or(&file);
    let org = app.orgs().by_code(code).await.map_err(|e| PageError::Service(Lang::Nl, e))?;
    let v = app.register().recent_published(50, Some(&org.code)).await.map_err(|e| PageError::Service(Lang::Nl, e))?;
    Ok(downloads::atom(
        &base_url(&app),
        Lang::Nl,
        &format!("Algoritmeregister: {}", org.name),
        &format!("/feeds/organisatie/{}.xml", org.code),
        &v,
    ))
}

pub async fn feed_search(ctx: Ctx, State(app): State<App>, Query(mut q): Query<HashMap<String, String>>) -> PageResult {
    q.insert("sort".into(), "newest".into());
    q.remove("page");
    app.search.as_ref().ok_or_else(|| no_search(ctx.lang))?;
    let (mut query, _) = parse_query(&ctx, &q)?;
    query.limit = 50;
    let r = run_search(&ctx, &app, &query).await?;
    let ids: Vec<_> = r.hits.iter().filter_map(|h| algoreg_standard::AlgorithmId::parse(&h.id).ok()).collect();
    let v = app.register().published_many(&ids).await.map_err(|e| ctx.err(e))?;
    let qs = url_with(&ctx, &q, &[]).split_once('?').map(|(_, s)| s.to_string()).unwrap_or_default();
    Ok(downloads::atom(&base_url(&app), Lang::Nl, &format!("Algoritmeregister: {}", query.text), &format!("/feeds/search.xml?{qs}"), &v))
}

pub async fn api_page(ctx: Ctx) -> Response {
    let body = html! {
        h1 { (ctx.t("De API", "The API")) }
        p { (ctx.t("Alles wat u op deze site ziet, is ook als gegevens op te vragen. Lezen kan zonder account.", "Everything on this site is also available as data. Reading needs no account.")) }
        ul {
            li { a href="/api/v1/openapi.json" { (ctx.t("Beschrijving van de API (OpenAPI 3.1)", "API description (OpenAPI 3.1)")) } }
            li { code { "GET /api/v1/algorithms?page=1&per_page=20" } }
            li { code { "GET /api/v1/algorithms/{id}" } " · " code { "GET /api/v1/algorithms/{id}/versions" } }
        }
        h2 { (ctx.t("Zoeken via de API", "Searching through the API")) }
        p { (ctx.t("De zoekvraag (", "The search text (")) code { "q" } (ctx.t(" op de zoekpagina, ", " on the search page, ")) code { "searchtext" }
            (ctx.t(" in de compatibele API) gebruikt dezelfde regels als de zoektips: alle woorden moeten voorkomen, OR of 'of' tussen alternatieven, een min sluit uit, aanhalingstekens houden woorden bij elkaar; afkortingen en hun volledige naam vinden elkaar.",
                " in the compatible API) follows the same rules as the search tips: all words must occur, OR or 'of' between alternatives, a minus leaves out, quotes keep words together; abbreviations and their full names find each other.")) }
        h2 { (ctx.t("Downloads en feeds", "Downloads and feeds")) }
        ul {
            li { a href="/downloads/register.csv" { "register.csv" } ", " a href="/downloads/register.xlsx" { "register.xlsx" } ", " a href="/downloads/register.json" { "register.json" } }
            li { a href="/downloads/history.csv" { "history.csv" } ", " a href="/downloads/history.xlsx" { "history.xlsx" } ", " a href="/downloads/history.json" { "history.json" } }
            li { a href="/feeds/atom.xml" { "/feeds/atom.xml" } }
        }
    };
    ctx.page(ctx.t("API", "API"), body)
}

pub async fn about(ctx: Ctx) -> Response {
    let body = html! {
        h1 { (ctx.t("Over dit register", "About this register")) }
        p { (ctx.t(
            "Overheidsorganisaties beschrijven hier de algoritmes die zij gebruiken: waarvoor, met welke gegevens, welke risico's zij zien en hoe mensen meekijken. Elke organisatie is verantwoordelijk voor haar eigen beschrijvingen.",
            "Government organisations describe the algorithms they use here: what for, with which data, which risks they see and how people oversee them. Each organisation is responsible for its own descriptions."
        )) }
        p { (ctx.t(
            "Elke gepubliceerde versie blijft zichtbaar, zodat u kunt zien wat er veranderde en wanneer.",
            "Every published version stays visible, so you can see what changed and when."
        )) }
    };
    ctx.page(ctx.t("Over", "About"), body)
}

/// `/algoritme/{x}/{y}`: a download (`download.csv`, ...) of record `x`, or the live register's long
/// path `/algoritme/{slug}/{id}`.
pub async fn record_download_or_long(
    ctx: Ctx,
    state: State<App>,
    Path((a, b)): Path<(String, String)>,
    q: Query<HashMap<String, String>>,
) -> PageResult {
    if b.starts_with("download.") {
        record_download(ctx, state, Path((a, b)), q).await
    } else if b == "bewijs" {
        let id = parse_id("id", &a).map_err(|e| ctx.err(e))?;
        super::public::proof(ctx, state, IdPath(id)).await
    } else {
        let id = parse_id("id", &b).map_err(|e| ctx.err(e))?;
        super::public::record(ctx, state, IdPath(id)).await
    }
}

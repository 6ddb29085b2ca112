//! The supervision view (`/nl/toezicht`): for supervisors and coordinators, read-only, across every
//! organisation. Each section is one table; the page shows it and `/nl/toezicht/{section}.csv` gives
//! the same rows, with the filters of the page.

use super::render::when;
use super::{Ctx, PageError, PageResult};
use algoreg_service::supervision::{Filter, Supervision};
use algoreg_service::App;
use algoreg_standard::Lang;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use maud::{html, Markup};
use std::collections::HashMap;

struct Cell {
    text: String,
    href: Option<String>,
}

fn text(s: impl Into<String>) -> Cell {
    Cell { text: s.into(), href: None }
}

/// One table of the view: its key (the CSV's name), title, what it shows, columns (Dutch, English,
/// CSV header) and rows.
struct Section {
    key: &'static str,
    title: (&'static str, &'static str),
    intro: (&'static str, &'static str),
    columns: Vec<(&'static str, &'static str, &'static str)>,
    rows: Vec<Vec<Cell>>,
}

const SECTIONS: &[&str] = &["signals", "incidents", "evaluations", "high-risk", "not-publishing", "stale", "withheld"];

fn sections(ctx: &Ctx, s: &Supervision) -> Vec<Section> {
    let nl = ctx.lang == Lang::Nl;
    let base = ctx.base();
    let org =
        |o: &algoreg_service::supervision::OrgRef| Cell { text: o.name.clone(), href: Some(format!("{base}/organisatie/{}", o.code)) };
    let record =
        |id: &algoreg_standard::AlgorithmId, name: &str| Cell { text: name.to_string(), href: Some(format!("{base}/algoritme/{id}")) };
    let org_type = |t: algoreg_domain::OrgType| text(if nl { t.label_nl() } else { t.label_en() });
    vec![
        Section {
            key: "signals",
            title: ("Open signalen per organisatie en thema", "Open signals per organisation and theme"),
            intro: (
                "Signalen van burgers zonder antwoord, en hoeveel daarvan over hun termijn zijn. Een registratie met meer thema's telt bij elk thema.",
                "Signals from the public without an answer, and how many of them are past their deadline. A registration with several themes counts under each.",
            ),
            columns: vec![("Organisatie", "Organisation", "organisation"), ("Thema", "Theme", "theme"), ("Open", "Open", "open"), ("Te laat", "Overdue", "overdue")],
            rows: s
                .signals
                .iter()
                .map(|r| vec![org(&r.org), text(if r.theme.is_empty() { "–".into() } else { r.theme.clone() }), text(r.open.to_string()), text(r.overdue.to_string())])
                .collect(),
        },
        Section {
            key: "incidents",
            title: ("Incidenten die nog lopen", "Incidents still open"),
            intro: (
                "Incidenten die niet gesloten zijn, met hun klasse en de termijn om ze te melden aan de toezichthouder. Te laat: de termijn is voorbij en het incident is niet gemeld.",
                "Incidents not closed, with their class and the deadline for reporting them to the authority. Overdue: the deadline has passed and the incident was not reported.",
            ),
            columns: vec![
                ("Organisatie", "Organisation", "organisation"),
                ("Incident", "Incident", "title"),
                ("Klasse", "Class", "class"),
                ("Status", "Status", "status"),
                ("Meldtermijn", "Reporting deadline", "deadline"),
                ("Te laat", "Overdue", "overdue"),
            ],
            rows: s
                .incidents
                .iter()
                .map(|i| {
                    vec![
                        org(&i.org),
                        text(i.title.clone().unwrap_or_else(|| format!("#{} ({})", i.id, ctx.t("niet openbaar", "not public")))),
                        text(if nl { i.class.label_nl() } else { i.class.label_en() }),
                        text(if nl { i.status.label_nl() } else { i.status.label_en() }),
                        text(i.deadline_at.as_ref().map(when).unwrap_or_else(|| "–".into())),
                        text(if i.overdue { ctx.t("ja", "yes") } else { ctx.t("nee", "no") }),
                    ]
                })
                .collect(),
        },
        Section {
            key: "evaluations",
            title: ("Evaluaties over hun datum", "Evaluations past their date"),
            intro: ("Registraties waarvan de geplande evaluatie voorbij haar datum is.", "Registrations whose planned evaluation is past its date."),
            columns: vec![("Organisatie", "Organisation", "organisation"), ("Registratie", "Registration", "registration"), ("Gepland", "Due", "due"), ("Dagen te laat", "Days overdue", "days_overdue")],
            rows: s
                .evaluations
                .iter()
                .map(|e| {
                    let reg = match &e.name {
                        Some(n) => record(&e.record, n),
                        None => text(format!("{} ({})", e.record, ctx.t("niet openbaar", "not public"))),
                    };
                    vec![org(&e.org), reg, text(e.due.to_string()), text(e.days_overdue.to_string())]
                })
                .collect(),
        },
        Section {
            key: "high-risk",
            title: ("AI-verordening: vereisten die nog openstaan", "AI Act: requirements still open"),
            intro: (
                "Registraties met een openbare AI-verordening-check waarvan vereisten nog niet zijn afgehandeld, en registraties in de categorie hoog-risico zonder check.",
                "Registrations with a public AI Act check whose requirements are not all dealt with, and registrations in the high-risk category without a check.",
            ),
            columns: vec![
                ("Organisatie", "Organisation", "organisation"),
                ("Registratie", "Registration", "registration"),
                ("Conclusie", "Conclusion", "conclusion"),
                ("Open vereisten", "Open requirements", "open"),
                ("Vereisten", "Requirements", "requirements"),
            ],
            rows: s
                .high_risk
                .iter()
                .map(|h| {
                    vec![
                        org(&h.org),
                        record(&h.record, &h.name),
                        text(h.conclusion.clone().unwrap_or_else(|| ctx.t("geen check", "no check").into())),
                        text(h.open.to_string()),
                        text(h.requirements.to_string()),
                    ]
                })
                .collect(),
        },
        Section {
            key: "not-publishing",
            title: ("Organisaties die niets publiceren", "Organisations that publish nothing"),
            intro: ("Organisaties die het register kent zonder één openbare registratie.", "Organisations the register knows without a single public registration."),
            columns: vec![("Organisatie", "Organisation", "organisation"), ("Soort", "Type", "type"), ("Code", "Code", "code")],
            rows: s.not_publishing.iter().map(|o| vec![org(o), org_type(o.org_type), text(o.code.clone())]).collect(),
        },
        Section {
            key: "stale",
            title: ("Meer dan een jaar niet bijgewerkt", "Not updated for over a year"),
            intro: (
                "Registraties die meer dan een jaar niet zijn gepubliceerd of als actueel bevestigd: tijd om na te gaan of ze nog kloppen.",
                "Registrations neither published nor confirmed as current for over a year: time to check whether they are still right.",
            ),
            columns: vec![("Organisatie", "Organisation", "organisation"), ("Registratie", "Registration", "registration"), ("Gepubliceerd of bevestigd", "Published or confirmed", "last_reviewed_at"), ("Dagen", "Days", "days")],
            rows: s.stale.iter().map(|r| vec![org(&r.org), record(&r.record, &r.name), text(when(&r.last_reviewed_at)), text(r.days.to_string())]).collect(),
        },
        Section {
            key: "withheld",
            title: ("Afgeschermde velden per organisatie en grond", "Withheld fields per organisation and ground"),
            intro: (
                "Velden van openbare registraties die niet openbaar zijn gemaakt, met de wettelijke grond die de organisatie noemt.",
                "Fields of public registrations that were not made public, with the legal ground the organisation gives.",
            ),
            columns: vec![("Organisatie", "Organisation", "organisation"), ("Grond", "Ground", "ground"), ("Velden", "Fields", "fields"), ("Registraties", "Registrations", "registrations")],
            rows: s
                .withheld
                .iter()
                .map(|r| vec![org(&r.org), text(format!("{} ({})", r.cite, r.ground)), text(r.fields.to_string()), text(r.registrations.to_string())])
                .collect(),
        },
    ]
}

fn filter(ctx: &Ctx, q: &HashMap<String, String>) -> Result<Filter, PageError> {
    Filter::parse(q.get("org_type").map(String::as_str), q.get("org").map(String::as_str)).map_err(|e| ctx.err(e))
}

fn query_string(f: &Filter) -> String {
    let mut parts = vec![];
    if let Some(t) = f.org_type {
        parts.push(format!("org_type={}", t.code()));
    }
    if let Some(o) = &f.org {
        parts.push(format!("org={}", super::portal::enc(o)));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

fn table(ctx: &Ctx, s: &Section, qs: &str) -> Markup {
    let nl = ctx.lang == Lang::Nl;
    html! {
        section.group aria-labelledby=(format!("t-{}", s.key)) {
            h2 id=(format!("t-{}", s.key)) { (if nl { s.title.0 } else { s.title.1 }) " (" (s.rows.len()) ")" }
            p { (if nl { s.intro.0 } else { s.intro.1 }) }
            @if s.rows.is_empty() { p { (ctx.t("Niets.", "Nothing.")) } }
            @else {
                table {
                    caption.sr-only { (if nl { s.title.0 } else { s.title.1 }) }
                    thead { tr { @for c in &s.columns { th scope="col" { (if nl { c.0 } else { c.1 }) } } } }
                    tbody { @for r in &s.rows { tr { @for c in r {
                        td { @if let Some(h) = &c.href { a href=(h) { (c.text) } } @else { (c.text) } }
                    } } } }
                }
            }
            p { a href=(format!("{}/toezicht/{}.csv{qs}", ctx.base(), s.key)) { (ctx.t("Als CSV downloaden", "Download as CSV")) } }
        }
    }
}

pub async fn page(ctx: Ctx, State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let p = ctx.require()?.clone();
    let f = filter(&ctx, &q)?;
    let s = app.supervision(&p, &f, chrono::Utc::now()).await.map_err(|e| ctx.err(e))?;
    let qs = query_string(&f);
    let all = sections(&ctx, &s);
    let body = html! {
        p.crumbs { a href=(format!("{}/beheer", ctx.base())) { (ctx.t("Beheer", "Manage")) } }
        h1 { (ctx.t("Toezicht: wat aandacht vraagt", "Supervision: what needs attention")) }
        p.lead { (ctx.t(
            "Voor toezichthouders en coördinatoren: over alle organisaties heen, alleen lezen. De cijfers van iedereen staan in het openbare overzicht.",
            "For supervisors and coordinators: across every organisation, read-only. The figures for everyone are in the public overview."
        )) " " a href=(format!("{}/overzicht", ctx.base())) { (ctx.t("Openbaar overzicht", "Public overview")) } }
        form.filters method="get" {
            div.field {
                label for="org_type" { (ctx.t("Soort organisatie", "Type of organisation")) }
                select #org_type name="org_type" {
                    option value="" { (ctx.t("Alle", "All")) }
                    @for t in algoreg_domain::OrgType::ALL {
                        option value=(t.code()) selected[f.org_type == Some(*t)] { (if ctx.lang == Lang::Nl { t.label_nl() } else { t.label_en() }) }
                    }
                }
            }
            div.field {
                label for="org" { (ctx.t("Organisatiecode", "Organisation code")) }
                input #org type="text" name="org" maxlength="100" value=(f.org.clone().unwrap_or_default());
            }
            button type="submit" { (ctx.t("Filteren", "Filter")) }
        }
        nav aria-label=(ctx.t("Onderdelen", "Sections")) {
            ul { @for s in &all { li { a href=(format!("#t-{}", s.key)) { (if ctx.lang == Lang::Nl { s.title.0 } else { s.title.1 }) } " (" (s.rows.len()) ")" } } }
        }
        @for s in &all { (table(&ctx, s, &qs)) }
        p.meta { (ctx.t("Opgesteld op ", "Drawn up at ")) (when(&s.generated_at)) "." }
    };
    Ok(ctx.page(ctx.t("Toezicht", "Supervision"), body))
}

/// One section as CSV, with the page's filters.
pub async fn csv(ctx: Ctx, State(app): State<App>, Path(file): Path<String>, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let p = ctx.require()?.clone();
    // Who asks comes before what is asked for.
    if !algoreg_service::supervision::may_supervise(&p) {
        return Err(ctx.err(algoreg_service::ServiceError::forbidden("Alleen voor toezichthouders.", "For supervisors only.")));
    }
    let key = file.strip_suffix(".csv").filter(|k| SECTIONS.contains(k));
    let Some(key) = key else { return Err(PageError::not_found()) };
    let f = filter(&ctx, &q)?;
    let s = app.supervision(&p, &f, chrono::Utc::now()).await.map_err(|e| ctx.err(e))?;
    let all = sections(&ctx, &s);
    let Some(section) = all.iter().find(|s| s.key == key) else {
        return Err(PageError::not_found());
    };
    let mut w = algoreg_service::export::csv_in_memory();
    let header: Vec<&str> = section.columns.iter().map(|c| c.2).collect();
    let write = |w: &mut csv::Writer<Vec<u8>>, cells: Vec<String>| {
        w.write_record(cells.iter().map(|c| algoreg_service::export::safe_cell(c).into_owned()))
            .map_err(|e| ctx.err(algoreg_service::ServiceError::Internal(e.to_string())))
    };
    write(&mut w, header.iter().map(|h| h.to_string()).collect())?;
    for r in &section.rows {
        write(&mut w, r.iter().map(|c| c.text.clone()).collect())?;
    }
    let body = w.into_inner().map_err(|e| ctx.err(algoreg_service::ServiceError::Internal(e.to_string())))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"toezicht-{key}.csv\"")),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response())
}

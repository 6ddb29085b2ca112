//! The public overview (`/nl/overzicht`, `/en/overview`): who publishes and who does not, what was
//! published when, categories and AI Act conclusions, completeness and answers to signals. Every chart
//! has its table beside it, and every figure downloads as CSV and JSON (`/downloads/statistics/…`).

use super::charts::{bars, columns, Bar};
use super::{Ctx, PageError, PageResult};
use crate::api::statistics::StatisticsDto;
use algoreg_domain::statistics::Statistics;
use algoreg_service::{App, ServiceError};
use algoreg_standard::Lang;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use maud::{html, Markup};

use super::render::{opt_pct, pct};

fn days(d: Option<f64>) -> String {
    d.map(|d| format!("{d:.1}")).unwrap_or_else(|| "–".into())
}

fn downloads(ctx: &Ctx, name: &str) -> Markup {
    html! {
        p.downloads { (ctx.t("Deze cijfers downloaden: ", "Download these figures: "))
            a href=(format!("/downloads/statistics/{name}.csv")) { "CSV" } ", "
            a href=(format!("/downloads/statistics/{name}.json")) { "JSON" } }
    }
}

fn type_label(ctx: &Ctx, t: algoreg_domain::OrgType) -> &'static str {
    if ctx.lang == Lang::Nl {
        t.label_nl()
    } else {
        t.label_en()
    }
}

fn category_label(ctx: &Ctx, v: &str) -> String {
    if ctx.lang == Lang::Nl {
        v.to_string()
    } else {
        algoreg_standard::codes::english_value(v).to_string()
    }
}

pub async fn page(ctx: Ctx, State(app): State<App>) -> PageResult {
    let s = app.statistics().await.map_err(|e| ctx.err(e))?;
    let t = &s.totals;
    let max_cat = s.categories.iter().map(|c| c.records).max().unwrap_or(1).max(1) as f64;
    let max_ai = s.ai_act.iter().map(|c| c.records).max().unwrap_or(1).max(1) as f64;
    let of = ctx.t(" van ", " of ");
    // Organisations by the completeness of their registrations, in bands.
    let bands: [(&str, f64, f64); 4] = [("100%", 1.0, 1.01), ("90–99%", 0.9, 1.0), ("75–89%", 0.75, 0.9), ("< 75%", 0.0, 0.75)];
    let publishing: Vec<_> = s.organisations.iter().filter(|o| o.published > 0).collect();
    let band_counts: Vec<(String, usize)> = bands
        .iter()
        .map(|(label, lo, hi)| {
            (label.to_string(), publishing.iter().filter(|o| o.completeness.is_some_and(|c| c >= *lo - 1e-9 && c < *hi - 1e-9)).count())
        })
        .collect();
    let with_signals: Vec<_> = s.organisations.iter().filter(|o| o.signals.received > 0).collect();
    // The AI Act check's conclusions are written in Dutch, also on the English page.
    let dutch = (ctx.lang == Lang::En).then_some("nl");
    let label_every = if s.months.len() > 24 { 12 } else { 3 };
    let body = html! {
        h1 { (ctx.t("Overzicht: wie publiceert", "Overview: who publishes")) }
        p.lead { (ctx.t(
            "Hoeveel overheidsorganisaties hun algoritmes in dit register zetten, en hoe volledig. De cijfers worden elke minuut opnieuw geteld.",
            "How many government organisations put their algorithms in this register, and how completely. The figures are counted again every minute."
        )) }
        ul.figures {
            li { strong { (t.publishing) } (of) (t.organisations) " " (ctx.t("organisaties publiceren", "organisations publish")) }
            li { strong { (t.published) } " " (ctx.t("gepubliceerde registraties", "published registrations")) }
            li { strong { (t.high_risk) } " " (ctx.t("hoog-risico AI-systemen", "high-risk AI systems")) }
            li { strong { (opt_pct(t.completeness)) } " " (ctx.t("gemiddeld volledig", "complete on average")) }
        }
        p { a href="#s-how" { (ctx.t("Hoe deze cijfers worden geteld", "How these figures are counted")) } " · "
            (ctx.t("Alles als JSON: ", "Everything as JSON: ")) a href="/api/v1/statistics" { "/api/v1/statistics" } }

        section.group aria-labelledby="s-coverage" {
            h2 #s-coverage { (ctx.t("Wie publiceert, per soort organisatie", "Who publishes, per type of organisation")) }
            p { (ctx.t("Per soort: hoeveel organisaties het register kent en hoeveel er minstens één registratie hebben gepubliceerd.",
                "Per type: how many organisations the register knows and how many have published at least one registration.")) }
            @if s.coverage.is_empty() { p { (ctx.t("Het register kent nog geen organisaties.", "The register knows no organisations yet.")) } }
            @else {
                div.chartpair {
                    (bars("c-coverage", ctx.t("Aandeel organisaties dat publiceert, per soort", "Share of organisations that publish, per type"),
                        ctx.t("Staafdiagram; de tabel ernaast geeft dezelfde cijfers.", "Bar chart; the table beside it gives the same figures."),
                        &s.coverage.iter().map(|r| Bar { label: type_label(&ctx, r.org_type).into(), share: r.share(), text: format!("{}{of}{}", r.publishing, r.organisations) }).collect::<Vec<_>>(), None))
                    table {
                        caption { (ctx.t("Organisaties die publiceren, per soort", "Organisations that publish, per type")) }
                        (ctx.head_row(&[("Soort", "Type"), ("Bekend", "Known"), ("Publiceren", "Publish"), ("Aandeel", "Share"), ("Registraties", "Registrations")]))
                        tbody { @for r in &s.coverage { tr { th scope="row" { (type_label(&ctx, r.org_type)) } td { (r.organisations) } td { (r.publishing) } td { (pct(r.share())) } td { (r.published) } } } }
                    }
                }
            }
            (downloads(&ctx, "coverage"))
        }

        @if !s.ministries.is_empty() {
            section.group aria-labelledby="s-ministries" {
                h2 #s-ministries { (ctx.t("Ministeries met hun organisaties", "Ministries with their organisations")) }
                p { (ctx.t("Per ministerie: het ministerie zelf en de organisaties die volgens het overheidsregister onder het ministerie vallen (agentschappen, zelfstandige bestuursorganen en andere), en hoeveel daarvan publiceren.",
                    "Per ministry: the ministry itself and the organisations that belong to it according to the government's organisation register (agencies, independent bodies and others), and how many of them publish.")) }
                table {
                    caption { (ctx.t("Organisaties die publiceren, per ministerie", "Organisations that publish, per ministry")) }
                    (ctx.head_row(&[("Ministerie", "Ministry"), ("Organisaties", "Organisations"), ("Publiceren", "Publish"), ("Registraties", "Registrations")]))
                    tbody { @for m in &s.ministries { tr {
                        th scope="row" { a href=(format!("{}/organisatie/{}", ctx.base(), m.code)) { (m.name) } }
                        td { (m.organisations) } td { (m.publishing) } td { (m.published) }
                    } } }
                }
                (downloads(&ctx, "ministries"))
            }
        }

        section.group aria-labelledby="s-months" {
            h2 #s-months { (ctx.t("Gepubliceerd per maand", "Published per month")) }
            @if s.months.is_empty() { p { (ctx.t("Er is nog niets gepubliceerd.", "Nothing has been published yet.")) } }
            @else {
                (columns("c-months", ctx.t("Nieuwe registraties per maand", "New registrations per month"),
                    ctx.t("Kolomdiagram van de eerste publicaties per maand; de tabel hieronder geeft dezelfde cijfers.", "Column chart of first publications per month; the table below gives the same figures."),
                    &s.months.iter().map(|m| (m.month.clone(), m.published)).collect::<Vec<_>>(), label_every))
                details {
                    summary { (ctx.t("Tabel: registraties en nieuwe organisaties per maand", "Table: registrations and new organisations per month")) }
                    table {
                        caption { (ctx.t("Per maand: registraties voor het eerst gepubliceerd, en organisaties met hun eerste publicatie", "Per month: registrations first published, and organisations with their first publication")) }
                        (ctx.head_row(&[("Maand", "Month"), ("Registraties", "Registrations"), ("Nieuwe organisaties", "New organisations")]))
                        tbody { @for m in &s.months { tr { th scope="row" { (m.month) } td { (m.published) } td { (m.joined) } } } }
                    }
                }
            }
            (downloads(&ctx, "months"))
        }

        section.group aria-labelledby="s-categories" {
            h2 #s-categories { (ctx.t("Publicatiecategorie en AI-verordening", "Publication category and AI Act")) }
            @if !s.categories.is_empty() {
                div.chartpair {
                    (bars("c-categories", ctx.t("Registraties per publicatiecategorie", "Registrations per publication category"),
                        ctx.t("Staafdiagram; de tabel ernaast geeft dezelfde cijfers.", "Bar chart; the table beside it gives the same figures."),
                        &s.categories.iter().map(|c| Bar { label: category_label(&ctx, &c.value), share: c.records as f64 / max_cat, text: c.records.to_string() }).collect::<Vec<_>>(), None))
                    table {
                        caption { (ctx.t("Registraties per publicatiecategorie", "Registrations per publication category")) }
                        (ctx.head_row(&[("Categorie", "Category"), ("Registraties", "Registrations")]))
                        tbody { @for c in &s.categories { tr { th scope="row" { (category_label(&ctx, &c.value)) } td { (c.records) } } } }
                    }
                }
                (downloads(&ctx, "categories"))
            }
            h3 { (ctx.t("Conclusies van de AI-verordening-check", "Conclusions of the AI Act check")) }
            @if s.ai_act.is_empty() { p { (ctx.t("Nog geen gepubliceerde registratie heeft een AI-verordening-check.", "No published registration has an AI Act check yet.")) } }
            @else {
                div.chartpair {
                    (bars("c-aiact", ctx.t("Registraties per conclusie van de AI-verordening-check", "Registrations per conclusion of the AI Act check"),
                        ctx.t("Staafdiagram; de tabel ernaast geeft dezelfde cijfers.", "Bar chart; the table beside it gives the same figures."),
                        &s.ai_act.iter().map(|c| Bar { label: c.value.clone(), share: c.records as f64 / max_ai, text: c.records.to_string() }).collect::<Vec<_>>(), dutch))
                    table {
                        caption { (ctx.t("Registraties per conclusie", "Registrations per conclusion")) }
                        (ctx.head_row(&[("Conclusie", "Conclusion"), ("Registraties", "Registrations")]))
                        tbody { @for c in &s.ai_act { tr { th scope="row" lang=[dutch] { (c.value) } td { (c.records) } } } }
                    }
                }
            }
            (downloads(&ctx, "ai-act"))
        }

        section.group aria-labelledby="s-orgs" {
            h2 #s-orgs { (ctx.t("Volledigheid en antwoorden op signalen", "Completeness and answers to signals")) }
            p { (ctx.t("Volledigheid: het aandeel verplichte velden van de standaard dat is ingevuld, gemiddeld over de gepubliceerde registraties.",
                "Completeness: the share of the standard's required fields that is filled in, averaged over the published registrations.")) }
            @if !publishing.is_empty() {
                div.chartpair {
                    (bars("c-complete", ctx.t("Organisaties naar volledigheid van hun registraties", "Organisations by the completeness of their registrations"),
                        ctx.t("Staafdiagram; de tabel ernaast geeft dezelfde cijfers.", "Bar chart; the table beside it gives the same figures."),
                        &band_counts.iter().map(|(l, n)| Bar { label: l.clone(), share: *n as f64 / publishing.len() as f64, text: n.to_string() }).collect::<Vec<_>>(), None))
                    table {
                        caption { (ctx.t("Organisaties naar volledigheid", "Organisations by completeness")) }
                        (ctx.head_row(&[("Volledig", "Complete"), ("Organisaties", "Organisations")]))
                        tbody { @for (l, n) in &band_counts { tr { th scope="row" { (l) } td { (n) } } } }
                    }
                }
            }
            p { (ctx.t("Signalen van burgers: ", "Signals from the public: ")) (t.signals.received) (ctx.t(" ontvangen, ", " received, ")) (t.signals.answered)
                (ctx.t(" beantwoord; op tijd beantwoord: ", " answered; answered in time: ")) (opt_pct(t.signals.answered_in_time)) "." }
            @if !s.organisations.is_empty() {
                details {
                    summary { (ctx.t("Tabel per organisatie", "Table per organisation")) " (" (s.organisations.len()) ")" }
                    table {
                        caption { (ctx.t("Per organisatie: registraties, volledigheid en signalen", "Per organisation: registrations, completeness and signals")) }
                        (ctx.head_row(&[("Organisatie", "Organisation"), ("Registraties", "Registrations"), ("Volledig", "Complete"), ("Signalen", "Signals"), ("Op tijd beantwoord", "Answered in time"), ("Mediaan dagen tot antwoord", "Median days to answer")]))
                        tbody { @for o in &s.organisations { tr {
                            th scope="row" { a href=(format!("{}/organisatie/{}", ctx.base(), o.code)) { (o.name) } }
                            td { (o.published) } td { (opt_pct(o.completeness)) } td { (o.signals.received) }
                            td { (opt_pct(o.signals.answered_in_time)) } td { (days(o.signals.median_answer_days)) }
                        } } }
                    }
                }
            }
            @if !with_signals.is_empty() { p.meta { (with_signals.len()) (ctx.t(" organisaties kregen signalen.", " organisations received signals.")) } }
            (downloads(&ctx, "organisations"))
        }

        section.group aria-labelledby="s-how" {
            h2 #s-how { (ctx.t("Hoe deze cijfers worden geteld", "How these figures are counted")) }
            ul {
                li { (ctx.t("Een organisatie publiceert als ze minstens één registratie openbaar heeft. Het register kent ook organisaties die nog niets publiceerden: uit de officiële lijsten van gemeenten, provincies, waterschappen, veiligheidsregio's en omgevingsdiensten.",
                    "An organisation publishes when at least one of its registrations is public. The register also knows organisations that have published nothing yet: from the official lists of municipalities, provinces, water boards, safety regions and environmental services.")) }
                li { (ctx.t("Per maand telt de maand waarin een registratie voor het eerst openbaar werd. Een organisatie telt als nieuw in de maand van haar eerste publicatie.",
                    "Per month counts the month in which a registration first became public. An organisation counts as new in the month of its first publication.")) }
                li { (ctx.t("Hoog-risico: registraties met de publicatiecategorie 'Hoog-risico AI-systeem'. De conclusies komen uit de openbare AI-verordening-check van een registratie.",
                    "High-risk: registrations with the publication category 'High-risk AI system'. The conclusions come from a registration's public AI Act check.")) }
                li { (ctx.t("Op tijd beantwoord: van de signalen die beantwoord zijn of over hun termijn, het deel dat binnen de termijn antwoord kreeg.",
                    "Answered in time: of the signals that were answered or are past their deadline, the share answered within the deadline.")) }
            }
            p.meta { (ctx.t("Geteld op ", "Counted at ")) (super::render::when(&s.generated_at)) "." }
        }
    };
    Ok(ctx.page(ctx.t("Overzicht", "Overview"), body))
}

/// One figure of the overview as CSV or JSON: `coverage`, `months`, `categories`, `ai-act`, `organisations`.
pub async fn download(State(app): State<App>, Path(file): Path<String>) -> PageResult {
    let (name, ext) = file.rsplit_once('.').ok_or_else(PageError::not_found)?;
    if !["csv", "json"].contains(&ext) || !["coverage", "months", "categories", "ai-act", "organisations", "ministries"].contains(&name) {
        return Err(PageError::not_found());
    }
    let s = app.statistics().await.map_err(|e| PageError::Service(Lang::Nl, e))?;
    let bytes = render(&s, name, ext == "json").map_err(|e| PageError::Service(Lang::Nl, ServiceError::Internal(e)))?;
    let mime = if ext == "json" { "application/json" } else { "text/csv; charset=utf-8" };
    let mut resp = (StatusCode::OK, bytes).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"algoritmeregister-{name}.{ext}\"")) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

fn render(s: &Statistics, name: &str, json: bool) -> Result<Vec<u8>, String> {
    let dto = StatisticsDto::from(s);
    if json {
        let value = match name {
            "coverage" => serde_json::to_vec_pretty(&dto.coverage),
            "months" => serde_json::to_vec_pretty(&dto.months),
            "categories" => serde_json::to_vec_pretty(&dto.categories),
            "ai-act" => serde_json::to_vec_pretty(&dto.ai_act),
            "ministries" => serde_json::to_vec_pretty(&dto.ministries),
            _ => serde_json::to_vec_pretty(&dto.organisations),
        };
        return value.map_err(|e| e.to_string());
    }
    let f = |v: Option<f64>| v.map(|v| format!("{v:.4}")).unwrap_or_default();
    let mut w = algoreg_service::export::csv_in_memory();
    // Names and values come from organisations and files: no cell may start a spreadsheet formula.
    let mut row = |cells: Vec<String>| {
        w.write_record(cells.iter().map(|c| algoreg_service::export::safe_cell(c).into_owned())).map_err(|e| e.to_string())
    };
    match name {
        "coverage" => {
            row(["org_type", "label_nl", "label_en", "organisations", "publishing", "share", "published"].map(String::from).to_vec())?;
            for r in &dto.coverage {
                row(vec![
                    r.org_type.clone(),
                    r.label_nl.clone(),
                    r.label_en.clone(),
                    r.organisations.to_string(),
                    r.publishing.to_string(),
                    f(Some(r.share)),
                    r.published.to_string(),
                ])?;
            }
        }
        "months" => {
            row(["month", "published", "joined"].map(String::from).to_vec())?;
            for m in &dto.months {
                row(vec![m.month.clone(), m.published.to_string(), m.joined.to_string()])?;
            }
        }
        "ministries" => {
            row(["code", "name", "organisations", "publishing", "published"].map(String::from).to_vec())?;
            for m in &dto.ministries {
                row(vec![m.code.clone(), m.name.clone(), m.organisations.to_string(), m.publishing.to_string(), m.published.to_string()])?;
            }
        }
        "categories" | "ai-act" => {
            row(["value", "records"].map(String::from).to_vec())?;
            for c in if name == "categories" { &dto.categories } else { &dto.ai_act } {
                row(vec![c.value.clone(), c.records.to_string()])?;
            }
        }
        _ => {
            row([
                "code",
                "name",
                "org_type",
                "published",
                "high_risk",
                "completeness",
                "signals_received",
                "signals_answered",
                "answered_in_time",
                "median_answer_days",
            ]
            .map(String::from)
            .to_vec())?;
            for o in &dto.organisations {
                row(vec![
                    o.code.clone(),
                    o.name.clone(),
                    o.org_type.clone(),
                    o.published.to_string(),
                    o.high_risk.to_string(),
                    f(o.completeness),
                    o.signals.received.to_string(),
                    o.signals.answered.to_string(),
                    f(o.signals.answered_in_time),
                    f(o.signals.median_answer_days),
                ])?;
            }
        }
    }
    w.into_inner().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use algoreg_domain::statistics::{compute, OrgFacts, RecordFacts};

    #[test]
    fn no_csv_cell_starts_a_formula() {
        let orgs = vec![OrgFacts {
            id: algoreg_domain::OrgId(1),
            code: "x".into(),
            name: "=HYPERLINK(\"http://evil\")".into(),
            org_type: algoreg_domain::OrgType::Overig,
            ministry: None,
        }];
        let records = vec![RecordFacts {
            org: algoreg_domain::OrgId(1),
            first_published: chrono::Utc::now(),
            category: Some("+Hoog".into()),
            required: 1,
            filled: 1,
            ai_act: Some("@conclusie".into()),
        }];
        let s = compute(&orgs, &records, &Default::default(), chrono::Utc::now());
        for name in ["organisations", "categories", "ai-act"] {
            let csv = String::from_utf8(render(&s, name, false).unwrap()).unwrap();
            for cell in csv.lines().skip(1).flat_map(|l| l.split(',')) {
                let cell = cell.trim_start_matches('"');
                assert!(!cell.starts_with(['=', '+', '-', '@']), "{name}: {cell}");
            }
        }
    }
}

//! The editors' workspace: dashboards, the registration form, the record page with the workflow
//! buttons (shown only where the role and flow allow them), the review diff, history and preview.

use super::csrf::CsrfForm;
use super::diff::diff_view;
use super::form::{error_summary, parse, registration_form};
use super::render::{action_label, record_view, state_label, when};
use super::{Ctx, IdPath, PageError, PageResult};
use algoreg_domain::org::Role;
use algoreg_domain::workflow::{self, Action, Principal, VersionState};
use algoreg_service::register::{parse_id, state_of};
use algoreg_service::workspace::{EditorView, NewForm};
use algoreg_service::{App, ServiceError};
use algoreg_standard::text::broken_links;
use algoreg_standard::validate::{self, Mode};
use algoreg_standard::{AlgorithmId, Content, FieldError, FieldKind, StandardVersion};
use algoreg_store::{OrgId, Organisation, RecordMeta, Version};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use std::collections::{BTreeMap, HashMap};

fn forbidden() -> PageError {
    PageError::Status(
        StatusCode::FORBIDDEN,
        "U heeft geen toegang tot deze organisatie.".into(),
        "You have no access to this organisation.".into(),
    )
}

async fn org_for(ctx: &Ctx, app: &App, code: &str) -> Result<(Principal, Organisation), PageError> {
    let p = ctx.require()?.clone();
    let org = app.workspace().organisation(&p, code).await.map_err(|e| denied(ctx, e))?;
    Ok((p, org))
}

/// A refusal of the workspace as this site words it; other errors as they are.
fn denied(ctx: &Ctx, e: ServiceError) -> PageError {
    match e {
        ServiceError::Forbidden { .. } => forbidden(),
        e => ctx.err(e),
    }
}

fn roles_text(ctx: &Ctx, p: &Principal, org_id: OrgId) -> String {
    let mut r: Vec<&str> = p
        .roles
        .iter()
        .filter(|(o, _)| *o == org_id)
        .map(|(_, r)| if ctx.lang == algoreg_standard::Lang::Nl { r.label_nl() } else { r.label_en() })
        .collect();
    if p.central_operator {
        r.push(ctx.t("centrale beheerder", "central operator"));
    }
    r.join(", ")
}

/// `/beheer`: the organisations of this user, and for the central operator the publication queue.
pub async fn start(ctx: Ctx, State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let p = ctx.require()?.clone();
    let mine = app.workspace().organisations(&p).await.map_err(|e| ctx.err(e))?;
    // Coming from a shared registration's page: adopt it in (one of) the person's organisations.
    if let Some(shared) = q.get("adopt").and_then(|s| AlgorithmId::parse(s).ok()) {
        let new = |code: &str| format!("{}/beheer/org/{code}/nieuw?adopt={shared}", ctx.base());
        if mine.len() == 1 {
            return Ok(Redirect::to(&new(&mine[0].code)).into_response());
        }
        let body = html! {
            h1 { (ctx.t("Gedeelde registratie overnemen", "Adopt a shared registration")) }
            @if mine.is_empty() { p { (ctx.t("U bent van geen organisatie lid.", "You are not a member of any organisation.")) } }
            p { (ctx.t("Voor welke organisatie?", "For which organisation?")) }
            ul { @for o in &mine { li { a href=(new(&o.code)) { (o.name) } } } }
        };
        return Ok(ctx.page(ctx.t("Gedeelde registratie overnemen", "Adopt a shared registration"), body));
    }
    let invitations = app.auth().invitations(&p).await.map_err(|e| ctx.err(e))?;
    if mine.len() == 1 && !p.central_operator && !algoreg_service::supervision::may_supervise(&p) && invitations.is_empty() {
        return Ok(Redirect::to(&format!("{}/beheer/org/{}", ctx.base(), mine[0].code)).into_response());
    }
    let central = app.workspace().central_queue(&p).await.map_err(|e| ctx.err(e))?;
    let body = html! {
        h1 { (ctx.t("Beheer", "Manage")) }
        @if !invitations.is_empty() {
            section.notice aria-labelledby="invitations" {
                h2 #invitations { (ctx.t("Uitnodigingen", "Invitations")) }
                ul { @for i in &invitations {
                    li {
                        (i.org_name) " – " (if ctx.lang == algoreg_standard::Lang::Nl { i.role.label_nl() } else { i.role.label_en() })
                        form.inline method="post" action=(format!("{}/beheer/uitnodiging/{}", ctx.base(), i.id)) {
                            (ctx.csrf_field())
                            button.primary type="submit" name="answer" value="accept" aria-label=(format!("{} {}", ctx.t("Aannemen:", "Accept:"), i.org_name)) { (ctx.t("Aannemen", "Accept")) }
                            " "
                            button type="submit" name="answer" value="decline" aria-label=(format!("{} {}", ctx.t("Afwijzen:", "Decline:"), i.org_name)) { (ctx.t("Afwijzen", "Decline")) }
                        }
                    }
                } }
            }
        }
        p { a href=(format!("{}/account/wachtwoord", ctx.base())) { (ctx.t("Mijn wachtwoord wijzigen", "Change my password")) } " · "
            a href=(format!("{}/account/sessies", ctx.base())) { (ctx.t("Mijn sessies", "My sessions")) } " · "
            a href=(format!("{}/account/tweestaps", ctx.base())) { (ctx.t("Tweestapsverificatie", "Second factor")) } " · "
            a href=(format!("{}/account/passkeys", ctx.base())) { (ctx.t("Mijn passkeys", "My passkeys")) } }
        @if p.central_operator {
            h2 { (ctx.t("Wacht op publicatie door de centrale beheerder", "Waiting for publication by the central operator")) }
            @if central.is_empty() { p { (ctx.t("Niets te doen.", "Nothing to do.")) } }
            @else {
                ul { @for (o, item) in &central { li { a href=(format!("{}/beheer/algoritme/{}", ctx.base(), item.id)) { (item.name) } " – " (o.name) } } }
            }
        }
        @if algoreg_service::supervision::may_supervise(&p) {
            p { a href=(format!("{}/toezicht", ctx.base())) { (ctx.t("Toezicht: wat aandacht vraagt bij alle organisaties", "Supervision: what needs attention across every organisation")) } }
        }
        p { a href=(format!("{}/beheer/bronnen", ctx.base())) { (ctx.t("Bronnen: feeds van eigen registers die worden opgehaald", "Sources: feeds of own registers that are harvested")) } }
        p { a href=(format!("{}/beheer/logboek", ctx.base())) { (ctx.t("Logboek van het register: inloggen, rollen en tokens", "Audit log of the register: logins, roles and tokens")) } }
        h2 { (ctx.t("Organisaties", "Organisations")) }
        @if mine.is_empty() { p { (ctx.t("U bent nog geen lid van een organisatie. Vraag de beheerder van uw organisatie om u toe te voegen.", "You are not a member of any organisation yet. Ask your organisation's admin to add you.")) } }
        ul.orglist { @for o in &mine { li { a href=(format!("{}/beheer/org/{}", ctx.base(), o.code)) { (o.name) } } } }
    };
    Ok(ctx.page(ctx.t("Beheer", "Manage"), body))
}

/// The organisation's dashboard: its records with state, standard version, completeness and last
/// change; filters; and what waits for this user.
pub async fn dashboard(ctx: Ctx, State(app): State<App>, Path(code): Path<String>, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let p = ctx.require()?.clone();
    let d = app.workspace().dashboard(&p, &code, chrono::Utc::now()).await.map_err(|e| denied(&ctx, e))?;
    let (org, items, can_publish) = (&d.org, &d.items, d.can_publish);
    let state_filter = q.get("state").and_then(|s| VersionState::parse(s));
    let text = q.get("q").map(|s| s.trim().to_lowercase()).unwrap_or_default();
    let waiting: Vec<_> = items.iter().filter(|i| can_publish && i.state == VersionState::Released).collect();
    let shown: Vec<_> = items
        .iter()
        .filter(|i| {
            state_filter.is_none_or(|s| {
                i.state == s || (s == VersionState::Published && i.published_version.is_some() && i.state == VersionState::Published)
            })
        })
        .filter(|i| text.is_empty() || i.name.to_lowercase().contains(&text) || i.id.to_string() == text)
        .collect();
    let required = StandardVersion::CURRENT.fields().iter().filter(|f| f.required && !f.system).count();
    let body = html! {
        p.crumbs { a href=(format!("{}/beheer", ctx.base())) { (ctx.t("Beheer", "Manage")) } }
        h1 { (org.name) }
        p { (ctx.t("Uw rol: ", "Your role: ")) (roles_text(&ctx, &p, org.id)) ". "
            (ctx.t("Publicatie: ", "Publication: ")) (if ctx.lang == algoreg_standard::Lang::Nl { org.flow.label_nl() } else { org.flow.label_en() }) "." }
        p.actions {
            a.button.primary href=(format!("{}/beheer/org/{}/nieuw", ctx.base(), org.code)) { (ctx.t("Nieuwe registratie", "New registration")) }
            @if p.central_operator || p.has(org.id, Role::OrgAdmin) {
                " " a.button href=(format!("{}/beheer/org/{}/instellingen", ctx.base(), org.code)) { (ctx.t("Organisatie beheren", "Manage organisation")) }
            }
            @if p.is_member(org.id) {
                " " a.button href=(format!("{}/beheer/org/{}/signalen", ctx.base(), org.code)) { (ctx.t("Signalen", "Signals")) " (" (d.open_signals.len()) ")" }
                " " a.button href=(format!("{}/beheer/org/{}/incidenten", ctx.base(), org.code)) { (ctx.t("Incidenten", "Incidents")) }
            }
        }
        @if d.overdue_signals > 0 || !d.overdue_evaluations.is_empty() {
            section.todo aria-labelledby="late" {
                h2 #late { (ctx.t("Te laat", "Overdue")) }
                ul {
                    @if d.overdue_signals > 0 {
                        li { a href=(format!("{}/beheer/org/{}/signalen", ctx.base(), org.code)) { (d.overdue_signals) (ctx.t(" signalen zonder antwoord na de termijn", " signals without an answer past the deadline")) } }
                    }
                    @for (name, id, days) in &d.overdue_evaluations {
                        li { a href=(format!("{}/beheer/algoritme/{}/evaluaties", ctx.base(), id)) { (ctx.t("Evaluatie van ", "Evaluation of ")) (name) } ": " (days) (ctx.t(" dagen te laat", " days overdue")) }
                    }
                }
            }
        }
        @if !d.unconfirmed.is_empty() {
            section.todo aria-labelledby="cur" {
                h2 #cur { (ctx.t("Nog actueel? Meer dan een jaar niet bevestigd", "Still current? Not confirmed for over a year")) }
                ul { @for (name, id, days) in &d.unconfirmed {
                    li { a href=(format!("{}/beheer/algoritme/{}#cur", ctx.base(), id)) { (name) } ": " (days) (ctx.t(" dagen geleden gepubliceerd of bevestigd", " days since published or confirmed")) }
                } }
            }
        }
        @if !d.duplicates.is_empty() {
            section.todo aria-labelledby="dup" {
                h2 #dup { (ctx.t("Mogelijk dubbel geregistreerd", "Possibly registered twice")) }
                p { (ctx.t("Deze registraties hebben (bijna) dezelfde naam. Gaat het om hetzelfde algoritme? Archiveer dan een van beide.",
                    "These registrations have (nearly) the same name. Are they the same algorithm? Then archive one of them.")) }
                ul { @for ((a, an), (b, bn)) in &d.duplicates {
                    li { a href=(format!("{}/beheer/algoritme/{}", ctx.base(), a)) { (an) } " (" (a) ") " (ctx.t("en", "and")) " "
                        a href=(format!("{}/beheer/algoritme/{}", ctx.base(), b)) { (bn) } " (" (b) ")" }
                } }
            }
        }
        @if !d.shared_updates.is_empty() {
            section.todo aria-labelledby="su" {
                h2 #su { (ctx.t("Gedeelde registratie bijgewerkt: wijziging voorgesteld", "Shared registration updated: change proposed")) }
                ul { @for (id, name, u) in &d.shared_updates {
                    li { a href=(format!("{}/beheer/algoritme/{}#su", ctx.base(), id)) { (name) } ": "
                        (u.name) " " (ctx.t("heeft versie ", "has version ")) (u.to) (ctx.t(" (u volgt versie ", " (you follow version ")) (u.from) ")" }
                } }
            }
        }
        @if !d.stale_translations.is_empty() {
            section.todo aria-labelledby="tr" {
                h2 #tr { (ctx.t("Vertalingen bijwerken", "Translations to update")) }
                p { (ctx.t("De Nederlandse tekst is gewijzigd nadat deze vertalingen zijn geschreven.", "The Dutch text changed after these translations were written.")) }
                ul { @for i in items.iter().filter(|i| d.stale_translations.contains_key(&i.id)) {
                    li { a href=(format!("{}/beheer/algoritme/{}/bewerken", ctx.base(), i.id)) { (i.name) } ": " (d.stale_translations[&i.id]) (ctx.t(" verouderd", " out of date")) }
                } }
            }
        }
        @if !d.withheld.is_empty() {
            section aria-labelledby="wh" {
                h2 #wh { (ctx.t("Afgeschermde velden", "Withheld fields")) }
                table {
                    caption.sr-only { (ctx.t("Afgeschermde velden per grond", "Withheld fields by ground")) }
                    (ctx.head_row(&[("Grond", "Ground"), ("Velden", "Fields")]))
                    tbody { @for (g, n) in &d.withheld {
                        tr { td { (g.cite) " – " (ctx.t(g.label_nl, g.label_en)) } td { (n) } }
                    } }
                }
            }
        }
        @if !waiting.is_empty() {
            section.todo aria-labelledby="todo" {
                h2 #todo { (ctx.t("Wacht op u: goedkeuren en publiceren", "Waiting for you: approve and publish")) }
                ul { @for i in &waiting { li { a href=(format!("{}/beheer/algoritme/{}", ctx.base(), i.id)) { (i.name) } } } }
            }
        }
        h2 { (ctx.t("Registraties", "Registrations")) " (" (items.len()) ")" }
        form.filters method="get" {
            div.field {
                label for="q" { (ctx.t("Zoek op naam of ID", "Search by name or ID")) }
                input #q type="search" name="q" value=(text);
            }
            div.field {
                label for="state" { (ctx.t("Status", "State")) }
                select #state name="state" {
                    option value="" { (ctx.t("Alle", "All")) }
                    @for s in [VersionState::Draft, VersionState::Released, VersionState::Published, VersionState::Archived] {
                        option value=(s.code()) selected[state_filter == Some(s)] { (state_label(s, ctx.lang)) }
                    }
                }
            }
            button type="submit" { (ctx.t("Filteren", "Filter")) }
        }
        @if shown.is_empty() { p { (ctx.t("Geen registraties gevonden.", "No registrations found.")) } }
        @else {
            table.records {
                caption.sr-only { (ctx.t("Registraties van ", "Registrations of ")) (org.name) }
                (ctx.head_row(&[("Naam", "Name"), ("Status", "State"), ("Standaard", "Standard"), ("Volledig", "Complete"), ("Links", "Links"), ("Laatst gewijzigd", "Last change")]))
                tbody {
                    @for i in &shown {
                        tr {
                            td { a href=(format!("{}/beheer/algoritme/{}", ctx.base(), i.id)) { (if i.name.is_empty() { ctx.t("(zonder naam)", "(no name)") } else { &i.name }) } }
                            td { (state_label(i.state, ctx.lang)) @if i.published_version.is_some() && i.state != VersionState::Published { br; small { (ctx.t("eerdere versie is openbaar", "an earlier version is public")) } } }
                            td { (i.standard_version) }
                            td { @if i.missing.is_empty() { (ctx.t("ja", "yes")) } @else { (required - i.missing.len().min(required)) " / " (required) " " (ctx.t("verplichte velden", "required fields")) } }
                            td { @match d.bad_links.get(&i.id) { Some(n) => { strong { (n) (ctx.t(" werken niet", " do not work")) } } None => { (ctx.t("geen fouten bekend", "none known to fail")) } } }
                            td { (when(&i.updated_at)) }
                        }
                    }
                }
            }
        }
    };
    Ok(ctx.page(&org.name, body))
}

/// A new registration: empty, from a template, or as a copy of one of the organisation's records.
pub async fn new_form(ctx: Ctx, State(app): State<App>, Path(code): Path<String>, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let (p, org) = org_for(&ctx, &app, &code).await?;
    let template = q.get("template").and_then(|s| s.parse::<i64>().ok());
    let copy = q.get("copy").and_then(|s| AlgorithmId::parse(s).ok());
    let NewForm { templates, records, mut content, mut started_from } =
        app.workspace().new_form(&p, &org, template, copy).await.map_err(|e| denied(&ctx, e))?;
    // Adopting a shared registration: its shared part, and the organisation's own fields to fill in.
    if let Some(shared) = q.get("adopt").and_then(|s| AlgorithmId::parse(s).ok()) {
        let a = app.workspace().adoption(shared).await.map_err(|e| ctx.err(e))?;
        content = a.content;
        content.remove("organization");
        started_from = Some(a.name);
    }
    // Shared registrations that suppliers and central bodies published (at most 200, by name).
    let shared_ids: Vec<AlgorithmId> = match &app.search {
        Some(index) => index
            .search(&algoreg_search::SearchQuery {
                filters: algoreg_search::Filters { shared: Some(true), ..Default::default() },
                sort: algoreg_search::Sort::Name,
                limit: 200,
                ..Default::default()
            })
            .map(|r| r.hits.iter().filter_map(|h| AlgorithmId::parse(&h.id).ok()).collect())
            .unwrap_or_default(),
        None => vec![],
    };
    let shared = app.register().published_many(&shared_ids).await.map_err(|e| ctx.err(e))?;
    let intro = html! {
        p.crumbs { a href=(format!("{}/beheer/org/{}", ctx.base(), org.code)) { (org.name) } }
        h1 { (ctx.t("Nieuwe registratie", "New registration")) }
        @if let Some(from) = &started_from {
            p.notice { (ctx.t("Gestart vanuit: ", "Started from: ")) strong { (from) } ". " (ctx.t("Controleer alles en pas het aan uw organisatie aan.", "Check everything and adapt it to your organisation.")) }
        } @else {
            section.start aria-labelledby="start-from" {
                h2 #start-from { (ctx.t("Beginnen vanuit een sjabloon of een bestaande registratie", "Start from a template or an existing registration")) }
                (start_from(&ctx, "template", ctx.t("Sjabloon van een leverancier", "Supplier template"), ctx.t("Sjabloon gebruiken", "Use template"),
                    templates.iter().map(|t| (t.id.to_string(), format!("{} ({})", t.name, t.source)))))
                @if !shared.is_empty() {
                    (start_from(&ctx, "adopt", ctx.t("Overnemen van een gedeelde registratie (van een leverancier of een centrale organisatie)", "Adopt a shared registration (of a supplier or a central body)"), ctx.t("Overnemen", "Adopt"),
                        shared.iter().map(|v| (v.record.to_string(), format!("{} ({})", v.content.name(), v.content.str("organization").unwrap_or(&v.org_code))))))
                }
                @if !records.is_empty() {
                    (start_from(&ctx, "copy", ctx.t("Kopie van een registratie van uw organisatie", "Copy of one of your organisation's registrations"), ctx.t("Kopiëren", "Copy"),
                        records.iter().map(|r| (r.id.to_string(), r.name.to_string()))))
                }
            }
        }
        p { (ctx.t("Een concept hoeft nog niet compleet te zijn. Verplichte velden zijn nodig voordat u vrijgeeft.", "A draft need not be complete yet. Required fields are needed before you release.")) }
    };
    let form = registration_form(&ctx, &format!("{}/beheer/org/{}/nieuw", ctx.base(), org.code), &content, &[], &BTreeMap::new(), html! {});
    Ok(ctx.page(ctx.t("Nieuwe registratie", "New registration"), html! { (intro) (form) }))
}

/// One way to start a new registration: a form that asks for `name` (a template, a shared registration
/// to adopt, a registration to copy) from these (value, label) options.
fn start_from(ctx: &Ctx, name: &str, label: &str, button: &str, options: impl Iterator<Item = (String, String)>) -> maud::Markup {
    html! {
        form method="get" {
            div.field {
                label for=(name) { (label) }
                select id=(name) name=(name) {
                    option value="" { (ctx.t("Kies…", "Choose…")) }
                    @for (value, text) in options { option value=(value) { (text) } }
                }
            }
            button type="submit" { (button) }
        }
    }
}

/// Content of an older version for a new 1.0 version, by the documented field-by-field mapping.
fn carry_over(v: &Version) -> algoreg_standard::migrate::CarryOver {
    algoreg_standard::migrate::to_current(v.standard_version, &v.content)
}

/// What the carry-over did, field by field, and the values that have no place in 1.0.
fn carry_over_notice(ctx: &Ctx, from: StandardVersion, r: &algoreg_standard::migrate::CarryOver) -> Markup {
    let label = |k: &str| from.field(k).map(|f| f.label(ctx.lang)).unwrap_or(k).to_string();
    let label_new = |k: &str| StandardVersion::CURRENT.field(k).map(|f| f.label(ctx.lang)).unwrap_or(k).to_string();
    html! {
        div.notice {
            p { (ctx.t(
                "Deze registratie is geschreven in versie ", "This registration was written in version ")) (from.as_str())
                (ctx.t(" van de standaard. Hieronder ziet u waar elk veld in 1.0 terechtkomt; bewaren maakt er een 1.0-versie van.",
                    " of the standard. Below you see where each field goes in 1.0; saving makes it a 1.0 version.")) }
            details {
                summary { (ctx.t("Overname per veld", "Carry-over per field")) }
                table {
                    (ctx.head_row(&[("Oud veld", "Old field"), ("Nieuw veld (1.0)", "New field (1.0)")]))
                    tbody {
                        @for m in r.moves.iter().filter(|m| m.to.is_some()) {
                            tr { td { (label(&m.from)) } td { (label_new(m.to.as_deref().unwrap_or(""))) } }
                        }
                    }
                }
            }
            @if r.left().next().is_some() {
                p { strong { (ctx.t("Niet overgenomen: deze waarden hebben geen plaats in 1.0. Neem over wat nog klopt.",
                    "Not carried over: these values have no place in 1.0. Copy what still holds.")) } }
                dl {
                    @for m in r.left() {
                        dt { (label(&m.from)) }
                        dd { (m.value.as_deref().unwrap_or("")) }
                    }
                }
            }
        }
    }
}

/// Advice per field that does not block saving: links that are left out, plain language and
/// consistency between fields ([`algoreg_domain::quality`], each with its rule named).
fn link_warnings(ctx: &Ctx, content: &Content) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in algoreg_domain::quality::check(StandardVersion::CURRENT, content) {
        out.entry(f.field.clone()).or_default().push(quality_text(ctx, &f));
    }
    for f in StandardVersion::CURRENT.fields() {
        if f.kind == FieldKind::RichText {
            if let Some(s) = content.str(f.key) {
                let bad = broken_links(s);
                if !bad.is_empty() {
                    let msg = format!(
                        "{}{}",
                        ctx.t(
                            "Deze link is geen volledige webadres en wordt weggelaten: ",
                            "This link is not a full web address and is left out: "
                        ),
                        bad.join(", ")
                    );
                    out.entry(f.key.to_string()).or_default().insert(0, msg);
                }
            }
        }
    }
    out
}

/// One quality finding in the page's language, with its rule named.
fn quality_text(ctx: &Ctx, f: &algoreg_domain::quality::Finding) -> String {
    let msg = if ctx.lang == algoreg_standard::Lang::Nl { &f.message_nl } else { &f.message_en };
    format!("{msg} ({}{})", ctx.t("regel: ", "rule: "), f.rule)
}

fn form_error(ctx: &Ctx, title: &str, action: &str, content: &Content, errors: &[FieldError], hidden: Markup) -> Response {
    let warnings = link_warnings(ctx, content);
    let body = html! { h1 { (title) } (registration_form(ctx, action, content, errors, &warnings, hidden)) };
    ctx.page_status(StatusCode::UNPROCESSABLE_ENTITY, title, body)
}

pub async fn create(ctx: Ctx, State(app): State<App>, Path(code): Path<String>, CsrfForm(form): CsrfForm) -> PageResult {
    let (p, org) = org_for(&ctx, &app, &code).await?;
    let content = parse(&form);
    match app.register().create(&p, &org.code, content.clone(), None).await {
        Ok(v) => Ok(Redirect::to(&format!("{}/beheer/algoritme/{}?opgeslagen=1", ctx.base(), v.record)).into_response()),
        Err(ServiceError::Validation(errors)) => Ok(form_error(
            &ctx,
            ctx.t("Nieuwe registratie", "New registration"),
            &format!("{}/beheer/org/{}/nieuw", ctx.base(), org.code),
            &content,
            &errors,
            html! {},
        )),
        Err(e) => Err(ctx.err(e)),
    }
}

/// A record as its workspace page needs it.
struct Loaded {
    p: Principal,
    org: Organisation,
    meta: RecordMeta,
    versions: Vec<Version>,
    history: Vec<algoreg_store::HistoryEntry>,
    /// Display names for the actor keys in the history (`user:ID` → name).
    names: HashMap<String, String>,
    links: Vec<algoreg_service::links::LinkState>,
    confirmed_at: Option<chrono::DateTime<chrono::Utc>>,
    shared_update: Option<algoreg_service::register::SharedUpdate>,
}

async fn load(ctx: &Ctx, app: &App, id: &str) -> Result<Loaded, PageError> {
    let p = ctx.require()?.clone();
    let id = parse_id("id", id).map_err(|e| ctx.err(e))?;
    let EditorView { org, meta, versions, history, names, links, confirmed_at, shared_update } =
        app.workspace().editor_view(&p, id).await.map_err(|e| denied(ctx, e))?;
    Ok(Loaded { p, org, meta, versions, history, names, links, confirmed_at, shared_update })
}

/// Which workflow buttons this person sees: allowed by role and flow, and possible in this state.
fn possible_actions(p: &Principal, org: &Organisation, meta: &RecordMeta) -> Vec<Action> {
    [Action::Release, Action::Publish, Action::Reject, Action::Retract, Action::Archive, Action::Unarchive]
        .into_iter()
        .filter(|a| workflow::authorize(p, org.id, org.flow, *a).is_ok())
        .filter(|a| workflow::plan(&state_of(meta), *a, p, org.flow, Some("x")).is_ok())
        .collect()
}

fn latest_is_draft(versions: &[Version]) -> bool {
    versions.last().is_some_and(|v| v.state == VersionState::Draft)
}

fn record_page(ctx: &Ctx, l: &Loaded, flash: Option<&str>, errors: &[FieldError], problem: Option<String>) -> Response {
    let Loaded { p, org, meta, versions, history, names, links, confirmed_at, shared_update } = l;
    let who = |key: &str| names.get(key).cloned().unwrap_or_else(|| key.replace("token:", "API-token ").replace("import:", "import "));
    let rejection = history.last().filter(|h| h.action == Action::Reject && latest_is_draft(versions)).and_then(|h| h.reason.clone());
    let Some(latest) = versions.last() else {
        return ctx.page_status(StatusCode::NOT_FOUND, "", html! {});
    };
    let published = meta.published_version.and_then(|n| versions.iter().find(|v| v.number == n));
    let actions = possible_actions(p, org, meta);
    let incomplete = validate::validate(latest.standard_version, &latest.content, Mode::Complete).err().unwrap_or_default();
    let quality = algoreg_domain::quality::check(latest.standard_version, &latest.content);
    let editable = latest.state != VersionState::Archived && workflow::authorize(p, org.id, org.flow, Action::Save).is_ok();
    let base = format!("{}/beheer/algoritme/{}", ctx.base(), meta.id);
    let status = if problem.is_some() || !errors.is_empty() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let body = html! {
        p.crumbs { a href=(format!("{}/beheer/org/{}", ctx.base(), org.code)) { (org.name) } }
        h1 { (if latest.content.name().is_empty() { ctx.t("(zonder naam)", "(no name)") } else { latest.content.name() }) }
        @if let Some(f) = flash { p.notice role="status" { (f) } }
        @if let Some(r) = &rejection { div.notice.rejected { p { strong { (ctx.t("Afgewezen. Reden: ", "Rejected. Reason: ")) } (r) } } }
        @if let Some(pr) = &problem { div.error-summary role="alert" tabindex="-1" { h2 { (ctx.t("Dat lukte niet", "That did not work")) } p { (pr) } } }
        (error_summary(ctx, latest.standard_version, errors, ctx.t("Nog niet compleet: vul eerst deze velden in", "Not complete yet: fill in these fields first")))
        dl.facts {
            dt { (ctx.t("Status", "State")) } dd { (state_label(latest.state, ctx.lang)) }
            dt { (ctx.t("Versie", "Version")) } dd { (latest.number) " (" (ctx.t("standaard ", "standard ")) (latest.standard_version) ")" }
            dt { (ctx.t("Openbaar", "Public")) } dd {
                @match published { Some(v) => { (ctx.t("versie ", "version ")) (v.number) " – " a href=(format!("{}/algoritme/{}", ctx.base(), meta.id)) { (ctx.t("bekijk openbare pagina", "view public page")) } } None => { (ctx.t("nee", "no")) } }
            }
            dt { (ctx.t("Algoritme-ID", "Algorithm ID")) } dd { (meta.id) }
        }
        @if !incomplete.is_empty() && latest.state == VersionState::Draft && errors.is_empty() {
            details.incomplete {
                summary { (ctx.t("Nog in te vullen voor vrijgeven: ", "Still to fill in before release: ")) (incomplete.len()) }
                ul { @for e in &incomplete {
                    @let label = latest.standard_version.field(e.field.split('[').next().unwrap_or(&e.field)).map(|f| f.label(ctx.lang)).unwrap_or(&e.field);
                    li { a href=(format!("{base}/bewerken#{}", super::form::field_id(&e.field))) { (label) } ": " (e.message(ctx.lang)) }
                } }
            }
        }
        @if !quality.is_empty() {
            details.quality {
                summary { (ctx.t("Adviezen voor een leesbare, kloppende registratie: ", "Advice for a readable, consistent registration: ")) (quality.len()) }
                ul { @for q in &quality {
                    @let label = latest.standard_version.field(&q.field).map(|f| f.label(ctx.lang)).unwrap_or(&q.field);
                    li { a href=(format!("{base}/bewerken#{}", super::form::field_id(&q.field))) { (label) } ": " (quality_text(ctx, q)) }
                } }
            }
        }
        @if let Some((shared_id, version)) = algoreg_standard::extensions::adopts(&latest.content) {
            section.attention aria-labelledby="su" {
                h2 #su { (ctx.t("Gedeelde registratie", "Shared registration")) }
                p { (ctx.t("Deze registratie neemt de gedeelde registratie ", "This registration adopts the shared registration "))
                    a href=(format!("{}/algoritme/{}", ctx.base(), shared_id)) { (shared_id) }
                    (ctx.t(" over (versie ", " (version ")) (version.unwrap_or(0)) "). "
                    (ctx.t("Alleen de eigen velden van uw organisatie (zoals doel, wettelijke basis, menselijke tussenkomst en contact) vult u zelf in; de rest volgt de gedeelde registratie.",
                        "Your organisation fills in only its own fields (such as purpose, legal basis, human intervention and contact); the rest follows the shared registration.")) }
                @if let Some(u) = shared_update {
                    p { strong { (ctx.t("Voorgestelde wijziging: ", "Proposed change: ")) } (u.name) " " (ctx.t("heeft nu versie ", "now has version ")) (u.to) ". "
                        a href=(format!("{}/algoritme/{}/versies", ctx.base(), u.shared)) { (ctx.t("Bekijk de verschillen", "See the differences")) } }
                    @if editable {
                        form.action method="post" action=(format!("{base}/gedeeld-bijwerken")) {
                            (ctx.csrf_field())
                            button type="submit" { (ctx.t("Wijziging overnemen in een nieuw concept", "Take the change into a new draft")) }
                        }
                    }
                }
            }
        }
        @let withheld = algoreg_standard::extensions::withheld(&latest.content);
        @if !withheld.is_empty() {
            section.attention aria-labelledby="wh" {
                h2 #wh { (ctx.t("Afgeschermd in deze versie", "Withheld in this version")) " (" (withheld.len()) ")" }
                p { (ctx.t("Controleer bij het goedkeuren of de grond past en de toelichting klopt.", "When approving, check that the ground fits and the explanation is right.")) }
                dl { @for w in &withheld {
                    dt { (latest.standard_version.field(&w.field).map(|f| f.label(ctx.lang)).unwrap_or(&w.field)) }
                    dd { (super::render::withheld_note(w, ctx.lang)) }
                } }
            }
        }
        @let stale: Vec<_> = algoreg_standard::extensions::translations(&latest.content).into_iter().filter(|t| t.out_of_date(&latest.content)).collect();
        @if !stale.is_empty() {
            section.attention aria-labelledby="tr" {
                h2 #tr { (ctx.t("Verouderde vertalingen", "Translations out of date")) " (" (stale.len()) ")" }
                ul { @for t in &stale {
                    li { a href=(format!("{base}/bewerken#{}", super::form::field_id(&format!("translations.{}.{}", t.lang, t.field)))) {
                        (latest.standard_version.field(&t.field).map(|f| f.label(ctx.lang)).unwrap_or(&t.field)) " (" (t.lang) ")" } }
                } }
            }
        }
        @if let Some(pv) = published {
            section.current aria-labelledby="cur" {
                h2 #cur { (ctx.t("Nog actueel?", "Still current?")) }
                p { (ctx.t("Gepubliceerd: ", "Published: ")) (when(&pv.published_at.unwrap_or(pv.created_at)))
                    @if let Some(c) = confirmed_at { ". " (ctx.t("Laatst bevestigd als actueel: ", "Last confirmed as current: ")) (when(c)) } "." }
                @if editable {
                    form.action method="post" action=(format!("{base}/actueel")) {
                        (ctx.csrf_field())
                        button type="submit" { (ctx.t("Bevestigen: de openbare versie klopt nog", "Confirm: the public version is still right")) }
                    }
                }
            }
        }
        @if !links.is_empty() {
            @let bad = links.iter().filter(|s| algoreg_service::links::needs_attention(&s.check)).count();
            details.links open[bad > 0] {
                summary { (ctx.t("Links in deze registratie: ", "Links in this registration: ")) (links.len())
                    @if bad > 0 { ", " strong { (bad) (ctx.t(" werken niet", " do not work")) } } }
                table {
                    caption.sr-only { (ctx.t("Links en wat de controle vond", "Links and what the check found")) }
                    (ctx.head_row(&[("Veld", "Field"), ("Link", "Link"), ("Gecontroleerd", "Checked")]))
                    tbody { @for s in links.iter() {
                        @let (nl, en) = algoreg_service::links::outcome_text(&s.check);
                        tr {
                            td { (latest.standard_version.field(&s.field).map(|f| f.label(ctx.lang)).unwrap_or(&s.field)) }
                            td { code { (s.url) } }
                            td.link-bad[algoreg_service::links::needs_attention(&s.check) && s.accepted.is_none()] { (if ctx.lang == algoreg_standard::Lang::Nl { nl } else { en })
                                @if let Some(c) = &s.check { @if let Some(st) = c.http_status { " (HTTP " (st) ")" } br; small { (super::render::when(&c.checked_at)) } }
                                @if let Some(a) = &s.accepted {
                                    br; (ctx.t("Geaccepteerd door de centrale beheerder: ", "Accepted by the central operator: ")) (a.reason) " " small { (super::render::when(&a.at)) }
                                } @else if p.central_operator && s.check.as_ref().is_some_and(|c| c.outcome.blocks_publication()) {
                                    form.inline method="post" action=(format!("{base}/link-accepteren")) {
                                        (ctx.csrf_field())
                                        input type="hidden" name="url" value=(s.url);
                                        label for=(format!("accept-{}", s.field)) { (ctx.t("Reden om de link te accepteren", "Reason to accept the link")) }
                                        input id=(format!("accept-{}", s.field)) type="text" name="reason" required maxlength="2000";
                                        button type="submit" { (ctx.t("Accepteren", "Accept")) }
                                    }
                                } }
                        }
                    } }
                }
            }
        }
        div.actions {
            @if editable { a.button.primary href=(format!("{base}/bewerken")) { (ctx.t("Bewerken", "Edit")) } " " }
            a.button href=(format!("{base}/voorbeeld")) { (ctx.t("Voorbeeld", "Preview")) } " "
            @if editable { a.button href=(format!("{base}/ai-act")) { (ctx.t("AI-verordening-check", "AI Act check")) } " "
                a.button href=(format!("{base}/evaluaties")) { (ctx.t("Evaluaties", "Evaluations")) } " "
                a.button href=(format!("{base}/incident")) { (ctx.t("Incident melden", "Report an incident")) } }
        }
        @if !actions.is_empty() {
            section.workflow aria-labelledby="wf" {
                h2 #wf { (ctx.t("Workflow", "Workflow")) }
                @for a in &actions {
                    form.action method="post" action=(format!("{base}/actie")) {
                        (ctx.csrf_field())
                        input type="hidden" name="action" value=(a.code());
                        input type="hidden" name="expected" value=(meta.latest_version);
                        @if a.needs_reason() {
                            div.field {
                                label for=(format!("reason-{}", a.code())) { (ctx.t("Reden", "Reason")) " (" (ctx.t("verplicht", "required")) ")" }
                                textarea id=(format!("reason-{}", a.code())) name="reason" rows="2" required {}
                            }
                        } @else if *a == Action::Publish && p.central_operator && links.iter().any(|s| s.check.as_ref().is_some_and(|c| c.outcome.blocks_publication())) {
                            // A link that does not work holds publication back; the operator may publish anyway, with a reason.
                            div.field {
                                label for="reason-publish" { (ctx.t("Reden om toch te publiceren met een link die niet werkt", "Reason to publish anyway with a link that does not work")) }
                                textarea #reason-publish name="reason" rows="2" {}
                            }
                        }
                        button type="submit" class=(if matches!(a, Action::Release | Action::Publish) { "primary" } else { "" }) { (action_label(a.code(), ctx.lang)) }
                    }
                }
            }
        }
        @if let (Some(pv), true) = (published, latest.number != meta.published_version.unwrap_or(0)) {
            section.review aria-labelledby="rv" {
                h2 #rv { (ctx.t("Verschil met de gepubliceerde versie", "Difference from the published version")) }
                (diff_view(latest.standard_version, &pv.content, &latest.content, ctx.lang))
            }
        }
        section aria-labelledby="hist" {
            h2 #hist { (ctx.t("Geschiedenis", "History")) }
            table.history {
                caption.sr-only { (ctx.t("Alle acties op deze registratie", "Every action on this registration")) }
                (ctx.head_row(&[("Wanneer", "When"), ("Actie", "Action"), ("Versie", "Version"), ("Door", "By"), ("Reden", "Reason")]))
                tbody { @for h in history.iter().rev() {
                    tr { td { (when(&h.at)) } td { (action_label(h.action.code(), ctx.lang)) } td { (h.version) } td { (who(&h.actor)) } td { (h.reason.as_deref().unwrap_or("")) } }
                } }
            }
        }
    };
    ctx.page_status(status, latest.content.name(), body)
}

pub async fn record(ctx: Ctx, State(app): State<App>, Path(id): Path<String>, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let l = load(&ctx, &app, &id).await?;
    let flash = q
        .get("opgeslagen")
        .map(|_| ctx.t("Opgeslagen.", "Saved."))
        .or_else(|| q.get("gedaan").map(|_| ctx.t("Gedaan.", "Done.")))
        .or_else(|| q.get("bevestigd").map(|_| ctx.t("Bevestigd als actueel.", "Confirmed as current.")));
    Ok(record_page(&ctx, &l, flash, &[], None))
}

pub async fn edit_form(ctx: Ctx, State(app): State<App>, Path(id): Path<String>) -> PageResult {
    let Loaded { p, org, meta, versions, .. } = load(&ctx, &app, &id).await?;
    if workflow::authorize(&p, org.id, org.flow, Action::Save).is_err() {
        return Err(forbidden());
    }
    let latest = versions.last().ok_or_else(|| ctx.err(ServiceError::NotFound("version")))?;
    let carried = (latest.standard_version != StandardVersion::CURRENT).then(|| carry_over(latest));
    let content = carried.as_ref().map(|c| c.content.clone()).unwrap_or_else(|| latest.content.clone());
    // Show what is still missing right away, so editors see it before they release.
    let errors = validate::validate(StandardVersion::CURRENT, &content, Mode::Complete).err().unwrap_or_default();
    let title = format!("{}: {}", ctx.t("Bewerken", "Edit"), content.name());
    let body = html! {
        p.crumbs { a href=(format!("{}/beheer/algoritme/{}", ctx.base(), meta.id)) { (content.name()) } }
        h1 { (title) }
        @if let Some(c) = &carried {
            (carry_over_notice(&ctx, latest.standard_version, c))
        }
        (registration_form(&ctx, &format!("{}/beheer/algoritme/{}/bewerken", ctx.base(), meta.id), &content, &errors, &link_warnings(&ctx, &content),
            html! { input type="hidden" name="expected" value=(meta.latest_version); }))
    };
    Ok(ctx.page(&title, body))
}

/// The yearly confirmation that the published registration is still current.
/// `POST .../link-accepteren`: the central operator accepts a link that does not work, with a reason.
pub async fn accept_link(ctx: Ctx, State(app): State<App>, IdPath(id): IdPath, CsrfForm(form): CsrfForm) -> PageResult {
    let p = ctx.require()?.clone();
    let field = |k: &str| super::form_field(&form, k);
    match app.accept_link(&p, id, field("url"), field("reason"), chrono::Utc::now()).await {
        Ok(_) => Ok(Redirect::to(&format!("{}/beheer/algoritme/{}?geaccepteerd=1", ctx.base(), id)).into_response()),
        Err(ServiceError::Forbidden { .. }) => Err(forbidden()),
        Err(e) => Err(ctx.err(e)),
    }
}

pub async fn confirm_current(ctx: Ctx, State(app): State<App>, IdPath(id): IdPath, CsrfForm(_): CsrfForm) -> PageResult {
    let p = ctx.require()?.clone();
    match app.register().confirm_current(&p, id, chrono::Utc::now()).await {
        Ok(_) => Ok(Redirect::to(&format!("{}/beheer/algoritme/{}?bevestigd=1", ctx.base(), id)).into_response()),
        Err(ServiceError::Forbidden { .. } | ServiceError::Workflow(_)) => Err(forbidden()),
        Err(e) => Err(ctx.err(e)),
    }
}

pub async fn save(ctx: Ctx, State(app): State<App>, Path(id): Path<String>, CsrfForm(form): CsrfForm) -> PageResult {
    let Loaded { p, meta, .. } = load(&ctx, &app, &id).await?;
    let content = parse(&form);
    let expected = form.iter().find(|(k, _)| k == "expected").and_then(|(_, v)| v.parse::<u32>().ok());
    match app.register().save(&p, meta.id, content.clone(), expected).await {
        Ok(_) => Ok(Redirect::to(&format!("{}/beheer/algoritme/{}?opgeslagen=1", ctx.base(), meta.id)).into_response()),
        Err(ServiceError::Validation(errors)) => Ok(form_error(
            &ctx,
            &format!("{}: {}", ctx.t("Bewerken", "Edit"), content.name()),
            &format!("{}/beheer/algoritme/{}/bewerken", ctx.base(), meta.id),
            &content,
            &errors,
            html! { input type="hidden" name="expected" value=(meta.latest_version); },
        )),
        Err(ServiceError::Forbidden { .. }) => Err(forbidden()),
        Err(e) => Err(ctx.err(e)),
    }
}

pub async fn act(ctx: Ctx, State(app): State<App>, Path(id): Path<String>, CsrfForm(form): CsrfForm) -> PageResult {
    let l = load(&ctx, &app, &id).await?;
    let (p, meta) = (&l.p, &l.meta);
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let Some(action) = get("action").and_then(|a| Action::parse(&a)).filter(|a| Action::WORKFLOW.contains(a) && *a != Action::Save) else {
        return Err(PageError::Status(StatusCode::UNPROCESSABLE_ENTITY, "Onbekende actie.".into(), "Unknown action.".into()));
    };
    if get("expected").and_then(|v| v.parse::<u32>().ok()).is_some_and(|e| e != meta.latest_version) {
        let msg = ctx.t(
            "Iemand anders heeft de registratie intussen gewijzigd. Bekijk de nieuwe versie en probeer het opnieuw.",
            "Someone else changed the registration meanwhile. Look at the new version and try again.",
        );
        return Ok(record_page(&ctx, &l, None, &[], Some(msg.into())));
    }
    let done = app.register().act(p, meta.id, action, get("reason").filter(|r| !r.trim().is_empty())).await;
    done_or_record_page(&ctx, &l, done)
}

/// After a change from the record's page: back to it when done, or the page again with what went wrong.
fn done_or_record_page<T>(ctx: &Ctx, l: &Loaded, done: Result<T, ServiceError>) -> PageResult {
    match done {
        Ok(_) => Ok(Redirect::to(&format!("{}/beheer/algoritme/{}?gedaan=1", ctx.base(), l.meta.id)).into_response()),
        Err(ServiceError::Validation(errors)) => Ok(record_page(ctx, l, None, &errors, None)),
        Err(ServiceError::Forbidden { .. }) => Err(forbidden()),
        Err(e @ (ServiceError::Workflow(_) | ServiceError::Stale | ServiceError::BadInput { .. })) => {
            let (_, prob) = crate::problem::problem_of(&e);
            let msg = if ctx.lang == algoreg_standard::Lang::Nl { prob.detail_nl } else { prob.detail };
            Ok(record_page(ctx, l, None, &[], Some(msg)))
        }
        Err(e) => Err(ctx.err(e)),
    }
}

/// Takes the shared registration's newer version into a new draft.
pub async fn take_shared_update(ctx: Ctx, State(app): State<App>, Path(id): Path<String>, CsrfForm(_): CsrfForm) -> PageResult {
    let l = load(&ctx, &app, &id).await?;
    let done = app.register().take_shared_update(&l.p, l.meta.id).await;
    done_or_record_page(&ctx, &l, done)
}

/// The latest version exactly as the public will see it.
pub async fn preview(ctx: Ctx, State(app): State<App>, Path(id): Path<String>) -> PageResult {
    preview_page(&ctx, &app, &id, None).await
}

/// Makes a preview link for anyone (without an account) and shows it above the preview.
pub async fn share_preview(ctx: Ctx, State(app): State<App>, Path(id): Path<String>, CsrfForm(_): CsrfForm) -> PageResult {
    let p = ctx.require()?.clone();
    let record = parse_id("id", &id).map_err(|e| ctx.err(e))?;
    let shared = app.previews().share(&p, record).await.map_err(|e| denied(&ctx, e))?;
    preview_page(&ctx, &app, &id, Some(shared)).await
}

async fn preview_page(ctx: &Ctx, app: &App, id: &str, shared: Option<algoreg_service::preview::Shared>) -> PageResult {
    let Loaded { org, meta, versions, .. } = load(ctx, app, id).await?;
    let latest = versions.last().ok_or_else(|| ctx.err(ServiceError::NotFound("version")))?;
    let hours = algoreg_service::preview::PREVIEW_HOURS;
    let offer = if ctx.lang == algoreg_standard::Lang::Nl {
        format!("Wilt u iemand zonder account deze versie laten lezen voordat ze gepubliceerd is? Maak een link die {hours} uur werkt.")
    } else {
        format!("Want someone without an account to read this version before it is published? Make a link that works for {hours} hours.")
    };
    let body = html! {
        p.notice role="note" { (ctx.t("Voorbeeld: zo ziet het publiek deze versie na publicatie. ", "Preview: this is how the public will see this version once published. "))
            a href=(format!("{}/beheer/algoritme/{}", ctx.base(), meta.id)) { (ctx.t("Terug", "Back")) } }
        @if let Some(s) = &shared {
            div.notice role="status" {
                p { (ctx.t("Voorbeeldlink gemaakt. Iedereen met deze link ziet de laatste versie van deze registratie, tot ", "Preview link made. Anyone with this link sees this registration's latest version, until "))
                    (super::render::when(&s.expires_at)) "." }
                div.field {
                    label for="preview-link" { (ctx.t("Link", "Link")) }
                    input #preview-link type="text" readonly value=(s.url);
                }
            }
        } @else {
            form method="post" action=(format!("{}/beheer/algoritme/{}/voorbeeld", ctx.base(), meta.id)) {
                (ctx.csrf_field())
                p { (offer) }
                button type="submit" { (ctx.t("Voorbeeldlink maken", "Make a preview link")) }
            }
        }
        p.crumbs { (org.name) }
        h1 { (latest.content.name()) }
        @if let Some(s) = latest.content.str("description_short") { div.lead { (super::render::render_rich(s)) } }
        (record_view(latest.standard_version, &latest.content, ctx.lang))
    };
    Ok(ctx.page(latest.content.name(), body))
}

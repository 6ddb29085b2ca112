//! Organisation admin: members and roles, password resets, API tokens (shown once), the
//! organisation's page (about, contact) and its publication flow.

use super::csrf::CsrfForm;
use super::{Ctx, PageError, PageResult};
use algoreg_domain::org::{PublicationFlow, Role};
use algoreg_domain::workflow::Principal;
use algoreg_service::orgs::{Added, AdminView};
use algoreg_service::{App, ServiceError};
use algoreg_store::Organisation;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use maud::html;

async fn admin_org(ctx: &Ctx, app: &App, code: &str) -> Result<(Principal, Organisation), PageError> {
    let p = ctx.require()?.clone();
    let org = app.orgs().by_code(code).await.map_err(|e| ctx.err(e))?;
    if app.orgs().require_admin(&p, org.id).await.is_err() {
        return Err(PageError::Status(
            StatusCode::FORBIDDEN,
            "Alleen de beheerder van deze organisatie mag dit.".into(),
            "Only this organisation's admin may do this.".into(),
        ));
    }
    Ok((p, org))
}

/// How someone logged in, in words.
fn login_method(ctx: &Ctx, method: &str) -> String {
    let (way, second_step) = match method.strip_suffix("+mfa") {
        Some(way) => (way, ctx.t(" en tweede stap", " and second step")),
        None => (method, ""),
    };
    let way = match way {
        "password" => ctx.t("wachtwoord", "password"),
        "organisation-api" => ctx.t("inloggen van de aanlever-API", "organisation API login"),
        w if algoreg_service::sso::via(w).passkey => "passkey",
        other => other,
    };
    format!("{way}{second_step}")
}

fn role_label(ctx: &Ctx, r: Role) -> &'static str {
    if ctx.lang == algoreg_standard::Lang::Nl {
        r.label_nl()
    } else {
        r.label_en()
    }
}

async fn render(
    ctx: &Ctx,
    app: &App,
    org: &Organisation,
    status: StatusCode,
    flash: Option<(String, Option<String>)>,
    problem: Option<String>,
) -> PageResult {
    let p = ctx.require()?;
    let AdminView { members, invitations, tokens } = app.orgs().admin_view(p, org.id).await.map_err(|e| ctx.err(e))?;
    let base = format!("{}/beheer/org/{}", ctx.base(), org.code);
    let role_select = |id: &str| {
        html! {
            select id=(id) name="role" {
                @for r in Role::ALL { option value=(r.code()) { (role_label(ctx, *r)) } }
            }
        }
    };
    let body = html! {
        p.crumbs { a href=(base.clone()) { (org.name) } }
        h1 { (ctx.t("Organisatie beheren", "Manage organisation")) }
        p { a href=(format!("{base}/logboek")) { (ctx.t("Logboek: inloggen, rollen en tokens", "Audit log: logins, roles and tokens")) } }
        @if let Some((msg, secret)) = &flash {
            div.notice role="status" {
                p { (msg) }
                @if let Some(s) = secret {
                    p { (ctx.t("Eenmalig getoond; bewaar het nu:", "Shown once; keep it now:")) }
                    p { code.secret { (s) } }
                }
            }
        }
        @if let Some(pr) = &problem { div.error-summary role="alert" tabindex="-1" { h2 { (ctx.t("Dat lukte niet", "That did not work")) } p { (pr) } } }

        section aria-labelledby="members" {
            h2 #members { (ctx.t("Leden", "Members")) }
            table {
                caption.sr-only { (ctx.t("Leden en hun rollen", "Members and their roles")) }
                (ctx.head_row(&[("Naam", "Name"), ("E-mail", "E-mail"), ("Rol", "Role"), ("Laatst ingelogd", "Last login"), ("Acties", "Actions")]))
                tbody {
                    @for (u, r) in &members {
                        tr {
                            td { (u.name) } td { (u.email) } td { (role_label(ctx, *r)) }
                            td { @match &u.last_login {
                                Some((at, method)) => { (super::render::when(at)) " (" (login_method(ctx, method)) ")" }
                                None => { (ctx.t("nog niet", "not yet")) }
                            } }
                            td.row-actions {
                                form method="post" action=(format!("{base}/leden/verwijderen")) {
                                    (ctx.csrf_field())
                                    input type="hidden" name="user" value=(u.id);
                                    input type="hidden" name="role" value=(r.code());
                                    button type="submit" aria-label=(format!("{} {} {}", ctx.t("Rol intrekken:", "Revoke role:"), role_label(ctx, *r), u.email)) { (ctx.t("Rol intrekken", "Revoke role")) }
                                }
                                form method="post" action=(format!("{base}/leden/wachtwoord")) {
                                    (ctx.csrf_field())
                                    input type="hidden" name="user" value=(u.id);
                                    button type="submit" aria-label=(format!("{} {}", ctx.t("Nieuw wachtwoord voor", "New password for"), u.email)) { (ctx.t("Nieuw wachtwoord", "New password")) }
                                }
                            }
                        }
                    }
                }
            }
            @if !invitations.is_empty() {
                h3 { (ctx.t("Uitgenodigd", "Invited")) }
                table {
                    caption.sr-only { (ctx.t("Uitnodigingen die nog niet zijn aangenomen", "Invitations not yet accepted")) }
                    (ctx.head_row(&[("E-mail", "E-mail"), ("Rol", "Role"), ("Geldig tot", "Valid until"), ("Acties", "Actions")]))
                    tbody { @for i in &invitations {
                        tr { td { (i.user_email) } td { (role_label(ctx, i.role)) } td { (super::render::when(&i.expires_at)) }
                            td { form method="post" action=(format!("{base}/uitnodigingen/intrekken")) {
                                (ctx.csrf_field())
                                input type="hidden" name="invitation" value=(i.id);
                                button type="submit" aria-label=(format!("{} {}", ctx.t("Uitnodiging intrekken:", "Withdraw invitation:"), i.user_email)) { (ctx.t("Intrekken", "Withdraw")) }
                            } }
                        }
                    } }
                }
            }
            h3 { (ctx.t("Iemand toevoegen", "Add someone")) }
            p.hint { (ctx.t(
                "Heeft deze persoon al een account, dan krijgt hij of zij een uitnodiging en wordt pas lid na het aannemen ervan. Een nieuw account krijgt een tijdelijk wachtwoord dat bij de eerste keer inloggen moet worden gewijzigd.",
                "Someone who already has an account gets an invitation and joins only after accepting it. A new account gets a temporary password that must be changed at the first login."
            )) }
            form.inline method="post" action=(format!("{base}/leden")) {
                (ctx.csrf_field())
                div.field { label for="inv-email" { (ctx.t("E-mailadres", "E-mail address")) } input #inv-email type="email" name="email" required autocomplete="off"; }
                div.field { label for="inv-name" { (ctx.t("Naam", "Name")) } input #inv-name type="text" name="name" autocomplete="off"; }
                div.field { label for="inv-role" { (ctx.t("Rol", "Role")) } (role_select("inv-role")) }
                button type="submit" { (ctx.t("Toevoegen", "Add")) }
            }
        }

        section aria-labelledby="tokens" {
            h2 #tokens { (ctx.t("API-tokens", "API tokens")) }
            p { (ctx.t("Voor systemen die registraties aanleveren. Een token hoort bij deze organisatie en heeft één rol.", "For systems that submit registrations. A token belongs to this organisation and has one role.")) }
            @if !tokens.is_empty() {
                table {
                    caption.sr-only { (ctx.t("API-tokens van deze organisatie", "API tokens of this organisation")) }
                    (ctx.head_row(&[("Naam", "Name"), ("Client-ID (inloggen met client credentials)", "Client ID (client credentials login)"), ("Rol", "Role"), ("Gemaakt", "Created"), ("Status", "State")]))
                    tbody { @for t in &tokens {
                        tr { td { (t.name) } td { code { "token-" (t.id) } } td { (role_label(ctx, t.role)) } td { (super::render::when(&t.created_at)) }
                            td { @if t.revoked { (ctx.t("ingetrokken", "revoked")) } @else {
                                form method="post" action=(format!("{base}/tokens/intrekken")) {
                                    (ctx.csrf_field())
                                    input type="hidden" name="token" value=(t.id);
                                    button type="submit" aria-label=(format!("{} {}", ctx.t("Intrekken:", "Revoke:"), t.name)) { (ctx.t("Intrekken", "Revoke")) }
                                }
                            } }
                        }
                    } }
                }
            }
            form.inline method="post" action=(format!("{base}/tokens")) {
                (ctx.csrf_field())
                div.field { label for="tok-name" { (ctx.t("Naam van de token", "Token name")) } input #tok-name type="text" name="name" required; }
                div.field { label for="tok-role" { (ctx.t("Rol", "Role")) } (role_select("tok-role")) }
                button type="submit" { (ctx.t("Token maken", "Create token")) }
            }
        }

        section aria-labelledby="orgpage" {
            h2 #orgpage { (ctx.t("Organisatiepagina en publicatie", "Organisation page and publication")) }
            form method="post" action=(format!("{base}/organisatie")) {
                (ctx.csrf_field())
                div.field { label for="about" { (ctx.t("Over de organisatie", "About the organisation")) } textarea #about name="about" rows="4" { (org.about.as_deref().unwrap_or("")) } }
                div.field { label for="contact" { (ctx.t("Contact", "Contact")) } input #contact type="text" name="contact" value=(org.contact.as_deref().unwrap_or("")); }
                fieldset {
                    legend { (ctx.t("Wie publiceert?", "Who publishes?")) }
                    @for f in PublicationFlow::ALL {
                        div.check {
                            input type="radio" id=(format!("flow-{}", f.code())) name="flow" value=(f.code()) checked[*f == org.flow];
                            label for=(format!("flow-{}", f.code())) { (if ctx.lang == algoreg_standard::Lang::Nl { f.label_nl() } else { f.label_en() }) }
                        }
                    }
                }
                button.primary type="submit" { (ctx.t("Opslaan", "Save")) }
            }
        }

        (requirement_section(ctx, &format!("{base}/tweestaps"), "second-factor", org.require_second_factor, [
            ctx.t("Tweestapsverificatie", "Second factor"),
            ctx.t("Verplicht: leden werken pas voor de organisatie als zij tweestapsverificatie hebben aangezet.", "Required: members act for the organisation only once they have turned on a second factor."),
            ctx.t("Niet verplicht: leden kiezen zelf.", "Not required: members choose for themselves."),
        ]))
        @if app.sso().serves_any(&org.code) {
            (requirement_section(ctx, &format!("{base}/sso"), "single-sign-on", org.require_sso, [
                ctx.t("Inloggen via de eigen identiteitsprovider", "Logging in through your own identity provider"),
                ctx.t("Verplicht: leden werken alleen voor de organisatie als zij via de identiteitsprovider van de organisatie zijn ingelogd. Nieuwe leden krijgen geen wachtwoord.", "Required: members act for the organisation only when logged in through the organisation's identity provider. New members get no password."),
                ctx.t("Niet verplicht: leden loggen in met wachtwoord of via een identiteitsprovider.", "Not required: members log in with a password or through an identity provider."),
            ]))
        }
    };
    Ok(ctx.page_status(status, ctx.t("Organisatie beheren", "Manage organisation"), body))
}

/// A requirement of the organisation (a second factor, single sign-on): heading, what it means now,
/// and the button that turns it the other way. `texts`: the heading, the text when on, when off.
fn requirement_section(ctx: &Ctx, action: &str, id: &str, required: bool, texts: [&str; 3]) -> maud::Markup {
    html! {
        section aria-labelledby=(id) {
            h2 id=(id) { (texts[0]) }
            p { (if required { texts[1] } else { texts[2] }) }
            form method="post" action=(action) {
                (ctx.csrf_field())
                input type="hidden" name="required" value=(if required { "no" } else { "yes" });
                button type="submit" { (if required {
                    ctx.t("Niet meer verplichten", "No longer require it")
                } else {
                    ctx.t("Verplicht stellen voor alle leden", "Require it of all members")
                }) }
            }
        }
    }
}

use super::form_field as field;

/// Renders the admin page after a change: a success message, or the service's problem in words.
async fn after(ctx: &Ctx, app: &App, org: &Organisation, result: Result<(String, Option<String>), ServiceError>) -> PageResult {
    match result {
        Ok(flash) => {
            let org = app.orgs().by_code(&org.code).await.map_err(|e| ctx.err(e))?;
            render(ctx, app, &org, StatusCode::OK, Some(flash), None).await
        }
        Err(e @ (ServiceError::Internal(_) | ServiceError::Unauthenticated)) => Err(ctx.err(e)),
        Err(e) => {
            let (status, p) = crate::problem::problem_of(&e);
            render(ctx, app, org, status, None, Some(if ctx.lang == algoreg_standard::Lang::Nl { p.detail_nl } else { p.detail })).await
        }
    }
}

pub async fn page(ctx: Ctx, State(app): State<App>, Path(code): Path<String>) -> PageResult {
    let (_, org) = admin_org(&ctx, &app, &code).await?;
    render(&ctx, &app, &org, StatusCode::OK, None, None).await
}

pub async fn invite(ctx: Ctx, State(app): State<App>, Path(code): Path<String>, CsrfForm(form): CsrfForm) -> PageResult {
    let (p, org) = admin_org(&ctx, &app, &code).await?;
    let result = async {
        let role = algoreg_service::orgs::parse_role(field(&form, "role"))?;
        let added = app.orgs().invite(&p, org.id, field(&form, "email"), field(&form, "name"), role).await?;
        let email = field(&form, "email").trim();
        Ok(match added {
            Added::NewAccount(temp) => (
                format!(
                    "{} {email}. {}",
                    ctx.t("Account gemaakt en toegevoegd:", "Account created and added:"),
                    ctx.t(
                        "Het tijdelijke wachtwoord werkt 72 uur en moet bij de eerste keer inloggen worden gewijzigd.",
                        "The temporary password works for 72 hours and must be changed at the first login."
                    )
                ),
                Some(temp),
            ),
            Added::Invited => (
                format!(
                    "{} {email}. {}",
                    ctx.t("Uitgenodigd:", "Invited:"),
                    ctx.t(
                        "Deze persoon wordt lid zodra hij of zij de uitnodiging aanneemt.",
                        "This person joins once they accept the invitation."
                    )
                ),
                None,
            ),
            Added::Own => (format!("{} {email}", ctx.t("Toegevoegd:", "Added:")), None),
            Added::SingleSignOn => (
                format!(
                    "{} {email}. {}",
                    ctx.t("Account gemaakt en toegevoegd:", "Account created and added:"),
                    ctx.t(
                        "Deze persoon logt in via de identiteitsprovider van de organisatie en kreeg daarover een e-mail.",
                        "This person logs in through the organisation's identity provider and was sent an e-mail about it."
                    )
                ),
                None,
            ),
        })
    }
    .await;
    after(&ctx, &app, &org, result).await
}

pub async fn remove(ctx: Ctx, State(app): State<App>, Path(code): Path<String>, CsrfForm(form): CsrfForm) -> PageResult {
    let (p, org) = admin_org(&ctx, &app, &code).await?;
    let result = async {
        let user: algoreg_store::UserId =
            field(&form, "user").parse().map_err(|_| ServiceError::bad("user", "Onbekend lid.", "Unknown member."))?;
        let role = algoreg_service::orgs::parse_role(field(&form, "role"))?;
        let tokens = app.orgs().remove_member(&p, org.id, user, Some(role)).await?;
        let mut said = ctx.t("Rol ingetrokken.", "Role revoked.").to_string();
        if tokens > 0 {
            let nl = format!(" Deze persoon is geen lid meer: de {tokens} API-token(s) die deze persoon maakte zijn ingetrokken.");
            let en = format!(" This person is no longer a member: the {tokens} API token(s) this person made were revoked.");
            said.push_str(if ctx.lang == algoreg_standard::Lang::En { &en } else { &nl });
        }
        Ok((said, None))
    }
    .await;
    after(&ctx, &app, &org, result).await
}

pub async fn reset(ctx: Ctx, State(app): State<App>, Path(code): Path<String>, CsrfForm(form): CsrfForm) -> PageResult {
    let (p, org) = admin_org(&ctx, &app, &code).await?;
    let result = async {
        let user: algoreg_store::UserId = field(&form, "user").parse().map_err(|_| ServiceError::bad("user", "Onbekend lid.", "Unknown member."))?;
        let temp = app.orgs().reset_password(&p, org.id, user).await?;
        Ok((
            ctx.t(
                "Nieuw tijdelijk wachtwoord gemaakt; eerdere sessies zijn beëindigd. Het werkt 72 uur en moet bij de eerste keer inloggen worden gewijzigd.",
                "New temporary password made; earlier sessions were ended. It works for 72 hours and must be changed at the first login.",
            )
            .to_string(),
            Some(temp),
        ))
    }
    .await;
    after(&ctx, &app, &org, result).await
}

pub async fn create_token(ctx: Ctx, State(app): State<App>, Path(code): Path<String>, CsrfForm(form): CsrfForm) -> PageResult {
    let (p, org) = admin_org(&ctx, &app, &code).await?;
    let result = async {
        let role = algoreg_service::orgs::parse_role(field(&form, "role"))?;
        let (info, secret) = app.orgs().create_token(&p, org.id, role, field(&form, "name")).await?;
        Ok((format!("{} {}", ctx.t("Token gemaakt:", "Token created:"), info.name), Some(secret)))
    }
    .await;
    after(&ctx, &app, &org, result).await
}

pub async fn revoke_token(ctx: Ctx, State(app): State<App>, Path(code): Path<String>, CsrfForm(form): CsrfForm) -> PageResult {
    let (p, org) = admin_org(&ctx, &app, &code).await?;
    let result = async {
        let token: i64 = field(&form, "token").parse().map_err(|_| ServiceError::bad("token", "Onbekende token.", "Unknown token."))?;
        app.orgs().revoke_token(&p, org.id, token).await?;
        Ok((ctx.t("Token ingetrokken.", "Token revoked.").to_string(), None))
    }
    .await;
    after(&ctx, &app, &org, result).await
}

pub async fn update_org(ctx: Ctx, State(app): State<App>, Path(code): Path<String>, CsrfForm(form): CsrfForm) -> PageResult {
    let (p, mut org) = admin_org(&ctx, &app, &code).await?;
    let result = async {
        org.flow = algoreg_service::orgs::parse_flow(field(&form, "flow"))?;
        let about = field(&form, "about").trim();
        let contact = field(&form, "contact").trim();
        org.about = (!about.is_empty()).then(|| about.to_string());
        org.contact = (!contact.is_empty()).then(|| contact.to_string());
        app.orgs().update(&p, org.clone()).await?;
        Ok((ctx.t("Opgeslagen.", "Saved.").to_string(), None))
    }
    .await;
    let fresh = app.orgs().by_code(&code).await.map_err(|e| ctx.err(e))?;
    after(&ctx, &app, &fresh, result).await
}

pub async fn second_factor(ctx: Ctx, State(app): State<App>, Path(code): Path<String>, form: CsrfForm) -> PageResult {
    requirement(ctx, app, code, form, Requirement::SecondFactor).await
}

pub async fn single_sign_on(ctx: Ctx, State(app): State<App>, Path(code): Path<String>, form: CsrfForm) -> PageResult {
    requirement(ctx, app, code, form, Requirement::SingleSignOn).await
}

/// What an organisation can require of its members.
enum Requirement {
    SecondFactor,
    SingleSignOn,
}

/// Turns a requirement on (`required=yes`) or off (`no`).
async fn requirement(ctx: Ctx, app: App, code: String, CsrfForm(form): CsrfForm, which: Requirement) -> PageResult {
    let (p, org) = admin_org(&ctx, &app, &code).await?;
    let result = async {
        let required = match field(&form, "required") {
            "yes" => true,
            "no" => false,
            _ => return Err(ServiceError::bad("required", "Kies yes of no.", "Choose yes or no.")),
        };
        match which {
            Requirement::SecondFactor => app.orgs().set_second_factor_required(&p, org.id, required).await?,
            Requirement::SingleSignOn => app.orgs().set_sso_required(&p, org.id, required).await?,
        }
        Ok((ctx.t("Opgeslagen.", "Saved.").to_string(), None))
    }
    .await;
    let fresh = app.orgs().by_code(&code).await.map_err(|e| ctx.err(e))?;
    after(&ctx, &app, &fresh, result).await
}

pub async fn withdraw_invitation(ctx: Ctx, State(app): State<App>, Path(code): Path<String>, CsrfForm(form): CsrfForm) -> PageResult {
    let (p, org) = admin_org(&ctx, &app, &code).await?;
    let result = async {
        let id: i64 = field(&form, "invitation")
            .parse()
            .map_err(|_| ServiceError::bad("invitation", "Onbekende uitnodiging.", "Unknown invitation."))?;
        app.orgs().withdraw_invitation(&p, org.id, id).await?;
        Ok((ctx.t("Uitnodiging ingetrokken.", "Invitation withdrawn.").to_string(), None))
    }
    .await;
    after(&ctx, &app, &org, result).await
}

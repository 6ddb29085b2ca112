//! `/account/passkeys`: the person's passkeys, with a way to add one (in the browser, with JavaScript:
//! WebAuthn has no form) and to remove one (a form; works without JavaScript). Logging in with a
//! passkey is a button on the login page. Both talk to the session API (`/api/v1/session/passkey*`).

use super::csrf::CsrfForm;
use super::{form_field as field, Ctx, PageResult};
use algoreg_service::App;
use axum::extract::State;
use maud::html;

pub async fn page(ctx: Ctx, State(app): State<App>) -> PageResult {
    render(&ctx, &app, None).await
}

async fn render(ctx: &Ctx, app: &App, flash: Option<&str>) -> PageResult {
    let p = ctx.require()?;
    let keys = app.passkeys().list(p).await.map_err(|e| ctx.err(e))?;
    let body = html! {
        h1 { (ctx.t("Mijn passkeys", "My passkeys")) }
        @if let Some(f) = flash { p.notice role="status" { (f) } }
        p { (ctx.t("Met een passkey logt u in zonder wachtwoord: uw telefoon, computer of beveiligingssleutel vraagt uw pincode, vingerafdruk of gezicht. Dat telt ook als tweestapsverificatie.",
            "With a passkey you log in without a password: your phone, computer or security key asks for your PIN, fingerprint or face. It also counts as a second factor.")) }
        @if keys.is_empty() {
            p { (ctx.t("U heeft nog geen passkey.", "You have no passkey yet.")) }
        } @else {
            table {
                caption.sr-only { (ctx.t("Uw passkeys", "Your passkeys")) }
                (ctx.head_row(&[("Naam", "Name"), ("Toegevoegd", "Added"), ("Laatst gebruikt", "Last used"), ("Actie", "Action")]))
                tbody { @for k in &keys {
                    tr {
                        td { (k.name) }
                        td { (super::render::when(&k.created_at)) }
                        td { @if let Some(t) = &k.last_used_at { (super::render::when(t)) } @else { "–" } }
                        td { form method="post" action=(format!("{}/account/passkeys", ctx.base())) {
                            (ctx.csrf_field())
                            input type="hidden" name="passkey" value=(k.id);
                            button type="submit" aria-label=(format!("{} {}", ctx.t("Verwijderen:", "Remove:"), k.name)) { (ctx.t("Verwijderen", "Remove")) }
                        } }
                    }
                } }
            }
        }
        h2 { (ctx.t("Passkey toevoegen", "Add a passkey")) }
        div data-passkey-add hidden {
            div.field {
                label for="passkey-name" { (ctx.t("Naam (zodat u hem herkent)", "Name (so that you recognise it)")) }
                input #passkey-name type="text" maxlength="100" placeholder=(ctx.t("bijvoorbeeld: Laptop", "for example: Laptop"));
            }
            div.field {
                label for="passkey-password" { (ctx.t("Uw huidige wachtwoord", "Your current password")) }
                input #passkey-password type="password" autocomplete="current-password" required;
            }
            button.primary type="button" { (ctx.t("Passkey toevoegen", "Add a passkey")) }
        }
        p data-passkey-status role="status" {}
        noscript { p { (ctx.t("Een passkey toevoegen kan alleen met JavaScript aan.", "Adding a passkey needs JavaScript.")) } }
    };
    Ok(ctx.page(ctx.t("Mijn passkeys", "My passkeys"), body))
}

pub async fn remove(ctx: Ctx, State(app): State<App>, CsrfForm(form): CsrfForm) -> PageResult {
    let p = ctx.require()?.clone();
    let id = field(&form, "passkey").parse::<i64>().map_err(|_| ctx.err(algoreg_service::ServiceError::NotFound("passkey")))?;
    app.passkeys().remove(&p, id).await.map_err(|e| ctx.err(e))?;
    render(
        &ctx,
        &app,
        Some(ctx.t(
            "Passkey verwijderd. Wie ermee was ingelogd, is nu uitgelogd.",
            "Passkey removed. Whoever had logged in with it is logged out now.",
        )),
    )
    .await
}

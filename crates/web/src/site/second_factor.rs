//! The second factor in the browser: turn it on with a QR code (or the key typed in) and a first code,
//! keep the recovery codes (shown once), turn it off with the password; an organisation's admin makes it
//! required for its members.

use super::csrf::CsrfForm;
use super::{form_field as field, problem_text, Ctx, PageResult};
use crate::auth::ClientKey;
use algoreg_service::second_factor::{new_enrolment, uri, Enrolment};
use algoreg_service::App;
use axum::extract::State;
use axum::http::StatusCode;
use maud::{html, Markup, PreEscaped};

/// The QR code of an `otpauth://` address as inline SVG, named for screen readers.
fn qr_svg(ctx: &Ctx, uri: &str) -> Markup {
    let svg = match qrcode::QrCode::new(uri.as_bytes()) {
        Ok(code) => code.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).quiet_zone(true).build(),
        Err(_) => String::new(),
    };
    let svg = svg.trim_start_matches(|c| c != '<').to_string();
    let svg = match svg.find("<svg") {
        Some(i) => svg[i..].replacen(
            "<svg",
            &format!("<svg role=\"img\" aria-label=\"{}\"", ctx.t("QR-code om te scannen met uw app", "QR code to scan with your app")),
            1,
        ),
        None => String::new(),
    };
    PreEscaped(svg)
}

async fn render(
    ctx: &Ctx,
    app: &App,
    status: StatusCode,
    problem: Option<&str>,
    codes: Option<&[String]>,
    enrolment: Option<Enrolment>,
) -> PageResult {
    let p = ctx.require_any()?.clone();
    let view = app.auth().second_factor(&p).await.map_err(|e| ctx.err(e))?;
    let action = format!("{}/account/tweestaps", ctx.base());
    let body = html! {
        h1 { (ctx.t("Tweestapsverificatie", "Second factor")) }
        @if let Some(pr) = problem {
            div.error-summary role="alert" tabindex="-1" { h2 { (ctx.t("Dat lukte niet", "That did not work")) } p { (pr) } }
        }
        @if !view.required_by.is_empty() && !view.enabled {
            p.notice role="status" { (ctx.t("Verplicht voor ", "Required by ")) (view.required_by.join(", ")) ". "
                (ctx.t("Tot u het aanzet, werkt u niet voor deze organisatie.", "Until you turn it on, you do not act for this organisation.")) }
        }
        @if let Some(codes) = codes {
            div.notice role="status" {
                h2 { (ctx.t("Uw herstelcodes", "Your recovery codes")) }
                p { (ctx.t(
                    "Bewaar ze nu op een veilige plek; u ziet ze maar één keer. Elke code werkt één keer, in plaats van een code uit de app (bijvoorbeeld als u uw telefoon kwijt bent).",
                    "Keep them in a safe place now; you see them only once. Each code works once, instead of a code from the app (when you have lost your phone, say).")) }
                ul.codes { @for c in codes { li { code { (c) } } } }
            }
        }
        @if view.enabled {
            p { (ctx.t("Tweestapsverificatie staat aan. Bij het inloggen vult u ook de code uit uw app in.", "The second factor is on. When you log in, you also fill in the code from your app.")) }
            p { (ctx.t("Herstelcodes over: ", "Recovery codes left: ")) (view.codes_left) }
            @if view.required_by.is_empty() {
                h2 { (ctx.t("Uitzetten", "Turn off")) }
                form method="post" action=(action) {
                    (ctx.csrf_field())
                    input type="hidden" name="action" value="disable";
                    div.field {
                        label for="password" { (ctx.t("Uw wachtwoord", "Your password")) }
                        input #password type="password" name="password" autocomplete="current-password" required;
                    }
                    div.buttons { button type="submit" { (ctx.t("Tweestapsverificatie uitzetten", "Turn the second factor off")) } }
                }
            }
        } @else if !view.has_password {
            p { (ctx.t(
                "U logt in via de identiteitsprovider van uw organisatie. Die vraagt de tweede stap; hier is niets aan te zetten.",
                "You log in through your organisation's identity provider. It asks for the second step; there is nothing to turn on here.")) }
        } @else {
            @let e = enrolment.unwrap_or_else(|| new_enrolment(&view.account));
            p { (ctx.t(
                "Met tweestapsverificatie vraagt het inloggen naast uw wachtwoord een code van zes cijfers uit een app op uw telefoon (zoals FreeOTP, Google Authenticator of Microsoft Authenticator).",
                "With a second factor, logging in asks for a six-digit code from an app on your phone (such as FreeOTP, Google Authenticator or Microsoft Authenticator) besides your password.")) }
            ol {
                li { (ctx.t("Scan deze QR-code met de app:", "Scan this QR code with the app:")) }
            }
            figure.qr { (qr_svg(ctx, &e.uri)) }
            p { (ctx.t("Of typ deze sleutel in de app: ", "Or type this key into the app: ")) code.secret { (e.secret) } }
            form method="post" action=(action) {
                (ctx.csrf_field())
                input type="hidden" name="action" value="enable";
                input type="hidden" name="secret" value=(e.secret);
                div.field {
                    label for="code" { (ctx.t("De code die de app nu toont", "The code the app shows now")) }
                    input #code type="text" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="10" required;
                }
                div.field {
                    label for="enable-password" { (ctx.t("Uw wachtwoord", "Your password")) }
                    input #enable-password type="password" name="password" autocomplete="current-password" required;
                }
                div.buttons { button.primary type="submit" { (ctx.t("Aanzetten", "Turn on")) } }
            }
        }
    };
    Ok(ctx.page_status(status, ctx.t("Tweestapsverificatie", "Second factor"), body))
}

pub async fn page(ctx: Ctx, State(app): State<App>) -> PageResult {
    render(&ctx, &app, StatusCode::OK, None, None, None).await
}

pub async fn submit(
    ctx: Ctx,
    State(app): State<App>,
    ClientKey(client): ClientKey,
    headers: axum::http::HeaderMap,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let p = ctx.require_any()?.clone();
    let this_session = crate::auth::session_cookie(&headers);
    match field(&form, "action") {
        "enable" => {
            let secret = field(&form, "secret");
            match app
                .auth()
                .enable_second_factor(&p, secret, field(&form, "code"), field(&form, "password"), &client, this_session.as_deref())
                .await
            {
                Ok((codes, fresh)) => {
                    let mut resp = render(&ctx, &app, StatusCode::OK, None, Some(&codes), None).await?;
                    // This browser's session goes on as one that has passed the second step.
                    if let Some(v) = fresh.as_deref().and_then(super::account::session_cookie_header) {
                        resp.headers_mut().append(axum::http::header::SET_COOKIE, v);
                    }
                    Ok(resp)
                }
                Err(e) => {
                    // The same key again, so that the app's entry stays right.
                    let account = app.auth().second_factor(&p).await.map(|v| v.account).unwrap_or_default();
                    let again = algoreg_service::second_factor::valid_secret(secret)
                        .then(|| Enrolment { secret: secret.to_string(), uri: uri(secret, &account) });
                    render(&ctx, &app, StatusCode::UNPROCESSABLE_ENTITY, Some(&problem_text(&ctx, &e)), None, again).await
                }
            }
        }
        "disable" => match app.auth().disable_second_factor(&p, field(&form, "password"), &client).await {
            Ok(()) => render(&ctx, &app, StatusCode::OK, None, None, None).await,
            Err(e) => {
                let status = if matches!(e, algoreg_service::ServiceError::Forbidden { .. }) {
                    StatusCode::FORBIDDEN
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                };
                render(&ctx, &app, status, Some(&problem_text(&ctx, &e)), None, None).await
            }
        },
        _ => {
            render(
                &ctx,
                &app,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(ctx.t("action: kies enable of disable.", "action: choose enable or disable.")),
                None,
                None,
            )
            .await
        }
    }
}

//! Server-rendered HTML: the editors' workspace (`/{nl|en}/beheer/...`), login, and the public
//! record page. Works without JavaScript; `assets/algoreg.js` only adds comfort (counters, a small
//! rich-text editor). Dutch first, English under `/en`.

mod account;
mod admin;
mod aiact;
mod alerts;
mod audit;
mod charts;
mod csrf;
mod diff;
mod downloads;
mod feedback;
mod form;
mod login;
mod overview;
mod passkeys;
mod portal;
mod public;
mod render;
mod second_factor;
mod sources;
mod sso;
mod supervision;
mod workspace;

use crate::auth::session_cookie;
use crate::routes::Routes;
use algoreg_domain::workflow::Principal;
use algoreg_service::{App, ServiceError};
use algoreg_standard::Lang;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Extension;
use maud::{html, Markup, DOCTYPE};

pub use downloads::Shared;
pub use render::{render_rich, t};

const CSS: &str = include_str!("../../assets/algoreg.css");
const JS: &str = include_str!("../../assets/algoreg.js");

/// A short fingerprint of the script and style sheet, in their addresses: a browser that cached an older
/// script (for an hour) fetches the new one after an upgrade.
fn asset_version() -> &'static str {
    static V: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    V.get_or_init(|| {
        use sha2::Digest;
        hex::encode(&sha2::Sha256::digest(format!("{CSS}{JS}").as_bytes())[..6])
    })
}

fn lang_routes() -> Routes {
    Routes::new()
        .add("GET", "/", get(portal::home))
        .add("GET", "/search", get(portal::search))
        .add("GET", "/search/suggest", get(portal::suggest))
        .add("GET", "/search/{file}", get(portal::search_export))
        .add("GET", "/organisatie/{code}", get(portal::organisation))
        .add("GET", "/voorbeeld/{secret}", get(portal::shared_preview))
        .add("GET", "/algoritme/{id}/versies", get(portal::history))
        .add("GET", "/algoritme/{id}/{file}", get(portal::record_download_or_long))
        .add("GET", "/api", get(portal::api_page))
        .add("GET", "/over", get(portal::about))
        .add("GET", "/overzicht", get(overview::page))
        .add("GET", "/overview", get(overview::page))
        .add("GET POST", "/login", get(login::form).post(login::submit).layer(small()))
        .add("GET POST", "/account/wachtwoord", get(account::change_form).post(account::change_submit).layer(small()))
        .add("GET POST", "/account/sessies", get(account::sessions).post(account::end_session).layer(small()))
        .add("GET POST", "/account/passkeys", get(passkeys::page).post(passkeys::remove).layer(small()))
        .add("GET POST", "/account/tweestaps", get(second_factor::page).post(second_factor::submit).layer(small()))
        .add("GET POST", "/wachtwoord-vergeten", get(account::forgot_form).post(account::forgot_submit).layer(small()))
        .add("GET POST", "/wachtwoord-herstellen/{secret}", get(account::reset_form).post(account::reset_submit).layer(small()))
        .add("POST", "/beheer/uitnodiging/{id}", post(account::answer_invitation))
        .add("POST", "/beheer/org/{org}/uitnodigingen/intrekken", post(admin::withdraw_invitation))
        .add("POST", "/logout", post(login::logout).layer(small()))
        .add("GET", "/login/sso/{provider}", get(sso::start))
        .add("GET", "/algoritme/{id}", get(public::record))
        .add("GET POST", "/algoritme/{id}/signaal", get(feedback::signal_new).post(feedback::signal_submit).layer(public_body()))
        .add("GET POST", "/meldingen", get(alerts::form).post(alerts::subscribe).layer(small()))
        .add("GET POST", "/meldingen/{id}/bevestigen/{token}", get(alerts::confirm_page).post(alerts::confirm).layer(small()))
        .add("GET POST", "/meldingen/{id}/afmelden/{token}", get(alerts::unsubscribe_page).post(alerts::unsubscribe).layer(small()))
        .add("GET", "/signaal", get(feedback::status_lookup))
        .add("GET", "/signaal/{code}", get(feedback::status_page))
        .add("GET POST", "/incident/{code}", get(feedback::incident_link).post(feedback::incident_link_step).layer(public_body()))
        .add("GET", "/beheer/org/{org}/signalen", get(feedback::inbox))
        .add("GET", "/beheer/org/{org}/incidenten", get(feedback::incidents_of_org))
        .add("GET", "/beheer/signaal/{id}", get(feedback::signal_show))
        .add("POST", "/beheer/signaal/{id}/toewijzen", post(feedback::signal_assign))
        .add("POST", "/beheer/signaal/{id}/antwoord", post(feedback::signal_answer))
        .add("POST", "/beheer/signaal/{id}/afhandelen", post(feedback::signal_close))
        .add("GET POST", "/beheer/algoritme/{id}/incident", get(feedback::incident_new).post(feedback::incident_create))
        .add("GET POST", "/beheer/incident/{id}", get(feedback::incident_show).post(feedback::incident_step))
        .add("GET POST", "/beheer/algoritme/{id}/evaluaties", get(feedback::evaluations).post(feedback::evaluation_add))
        .add("POST", "/beheer/algoritme/{id}/evaluaties/schema", post(feedback::evaluation_plan))
        .add("GET", "/beheer", get(workspace::start))
        .add("GET", "/beheer/org/{org}", get(workspace::dashboard))
        .add("GET POST", "/beheer/bronnen", get(sources::list).post(sources::add))
        .add("GET", "/beheer/bronnen/{id}", get(sources::show))
        .add("POST", "/beheer/bronnen/{id}/oogsten", post(sources::harvest))
        .add("POST", "/beheer/bronnen/{id}/verwijderen", post(sources::remove))
        .add("GET POST", "/beheer/org/{org}/nieuw", get(workspace::new_form).post(workspace::create))
        .add("GET", "/beheer/org/{org}/instellingen", get(admin::page))
        .add("POST", "/beheer/org/{org}/leden", post(admin::invite))
        .add("POST", "/beheer/org/{org}/leden/verwijderen", post(admin::remove))
        .add("POST", "/beheer/org/{org}/leden/wachtwoord", post(admin::reset))
        .add("POST", "/beheer/org/{org}/tokens", post(admin::create_token))
        .add("POST", "/beheer/org/{org}/tokens/intrekken", post(admin::revoke_token))
        .add("POST", "/beheer/org/{org}/organisatie", post(admin::update_org))
        .add("POST", "/beheer/org/{org}/tweestaps", post(admin::second_factor))
        .add("POST", "/beheer/org/{org}/sso", post(admin::single_sign_on))
        .add("GET", "/beheer/org/{org}/logboek", get(audit::org_page))
        .add("GET", "/beheer/org/{org}/logboek.csv", get(audit::org_csv))
        .add("GET", "/beheer/logboek", get(audit::all_page))
        .add("GET", "/toezicht", get(supervision::page))
        .add("GET", "/toezicht/{file}", get(supervision::csv))
        .add("GET", "/beheer/logboek.csv", get(audit::all_csv))
        .add("GET", "/beheer/algoritme/{id}", get(workspace::record))
        .add("GET POST", "/beheer/algoritme/{id}/bewerken", get(workspace::edit_form).post(workspace::save))
        .add("POST", "/beheer/algoritme/{id}/actie", post(workspace::act))
        .add("POST", "/beheer/algoritme/{id}/gedeeld-bijwerken", post(workspace::take_shared_update))
        .add("POST", "/beheer/algoritme/{id}/actueel", post(workspace::confirm_current))
        .add("POST", "/beheer/algoritme/{id}/link-accepteren", post(workspace::accept_link))
        .add("GET POST", "/beheer/algoritme/{id}/voorbeeld", get(workspace::preview).post(workspace::share_preview))
        .add("GET POST", "/beheer/algoritme/{id}/ai-act", get(aiact::page).post(aiact::save))
        .add("POST", "/beheer/algoritme/{id}/ai-act/vereiste", post(aiact::requirement))
        .with(|r| r.layer(axum::extract::DefaultBodyLimit::max(crate::security::FORM_BODY)))
}

fn small() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(crate::security::SMALL_BODY)
}

fn public_body() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(crate::security::PUBLIC_BODY)
}

pub fn routes() -> Routes {
    Routes::new()
        .add("GET", "/", get(|| async { Redirect::to("/nl/") }))
        .add(
            "GET",
            "/static/algoreg.css",
            get(|| async { ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], CSS) }),
        )
        .add(
            "GET",
            "/static/algoreg.js",
            get(|| async {
                ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], JS)
            }),
        )
        .add("GET", "/sso/{provider}/callback", get(sso::callback))
        .add("GET", "/downloads/{file}", get(portal::register_download))
        .add("GET", "/downloads/statistics/{file}", get(overview::download))
        .add("GET", "/feeds/atom.xml", get(portal::feed_all))
        .add("GET", "/feeds/antwoorden.xml", get(feedback::answers_feed))
        .add("GET", "/feeds/organisatie/{file}", get(portal::feed_org))
        .add("GET", "/feeds/search.xml", get(portal::feed_search).layer(Extension(Lang::Nl)))
        .add("GET", "/nl/", get(portal::home).layer(Extension(Lang::Nl)))
        .add("GET", "/en/", get(portal::home).layer(Extension(Lang::En)))
        .nest("/nl", lang_routes().with(|r| r.layer(Extension(Lang::Nl))))
        .nest("/en", lang_routes().with(|r| r.layer(Extension(Lang::En))))
}

/// Everything a page needs to know about the request.
pub struct Ctx {
    pub lang: Lang,
    pub user: Option<Principal>,
    pub user_name: Option<String>,
    /// The CSRF token of this browser (double-submit cookie).
    pub csrf: String,
    csrf_is_new: bool,
    /// The path without the language prefix, for the language switch.
    pub rest: String,
}

impl FromRequestParts<App> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let lang = parts.extensions.get::<Lang>().copied().unwrap_or_default();
        let path = parts.uri.path();
        let rest = path.strip_prefix("/nl").or_else(|| path.strip_prefix("/en")).unwrap_or(path).to_string();
        let mut user = None;
        let mut user_name = None;
        if let Some(secret) = session_cookie(&parts.headers) {
            if let Ok(p) = app.auth().session_principal(&secret).await {
                user_name = Some(p.display.clone());
                user = Some(p);
            }
        }
        let (csrf, csrf_is_new) = match csrf::cookie(&parts.headers) {
            Some(c) => (c, false),
            None => (csrf::new_token(), true),
        };
        Ok(Ctx { lang, user, user_name, csrf, csrf_is_new, rest })
    }
}

/// The registration ID of a page whose one path parameter is `{id}`, parsed: a malformed one answers an
/// error page that names it.
pub struct IdPath(pub algoreg_standard::AlgorithmId);

impl FromRequestParts<App> for IdPath {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let lang = parts.extensions.get::<Lang>().copied().unwrap_or_default();
        let axum::extract::Path(id) =
            axum::extract::Path::<String>::from_request_parts(parts, app).await.map_err(|_| PageError::not_found())?;
        algoreg_service::register::parse_id("id", &id).map(IdPath).map_err(|e| PageError::Service(lang, e))
    }
}

/// What a page handler answers: the response, or a failure rendered as a page.
pub type PageResult = Result<Response, PageError>;

/// A page-level failure, rendered as a page in the right language.
pub enum PageError {
    Redirect(String),
    Status(StatusCode, String, String),
    Service(Lang, ServiceError),
}

impl PageError {
    /// 404 for a page or file that does not exist.
    pub fn not_found() -> PageError {
        PageError::Status(StatusCode::NOT_FOUND, "Niet gevonden.".into(), "Not found.".into())
    }
}

impl From<(Lang, ServiceError)> for PageError {
    fn from((lang, e): (Lang, ServiceError)) -> Self {
        PageError::Service(lang, e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Redirect(to) => Redirect::to(&to).into_response(),
            PageError::Status(status, nl, en) => error_page(Lang::Nl, status, &nl, &en),
            PageError::Service(lang, e) => {
                let (status, p) = crate::problem::problem_of(&e);
                error_page(lang, status, &p.detail_nl, &p.detail)
            }
        }
    }
}

fn error_page(lang: Lang, status: StatusCode, nl: &str, en: &str) -> Response {
    let title = match status.as_u16() {
        403 => t(lang, "Geen toegang", "No access"),
        404 => t(lang, "Niet gevonden", "Not found"),
        _ => t(lang, "Er ging iets mis", "Something went wrong"),
    };
    let body = html! {
        h1 { (title) }
        p { (if lang == Lang::Nl { nl } else { en }) }
        p { a href=(format!("/{}/", lang.code())) { (t(lang, "Naar de startpagina", "To the home page")) } }
    };
    (status, layout(lang, None, "", "/", title, body).into_string()).into_response().with_html()
}

trait WithHtml {
    fn with_html(self) -> Response;
}

impl WithHtml for Response {
    fn with_html(mut self) -> Response {
        self.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        self
    }
}

impl Ctx {
    pub fn t(&self, nl: &'static str, en: &'static str) -> &'static str {
        t(self.lang, nl, en)
    }

    pub fn base(&self) -> String {
        format!("/{}", self.lang.code())
    }

    pub fn err(&self, e: ServiceError) -> PageError {
        PageError::Service(self.lang, e)
    }

    /// The logged-in principal, or a redirect to the login page. Someone logged in with a temporary
    /// password is sent to change it first.
    pub fn require(&self) -> Result<&Principal, PageError> {
        let p = self.require_any()?;
        if p.must_change_password {
            return Err(PageError::Redirect(format!("{}/account/wachtwoord", self.base())));
        }
        Ok(p)
    }

    /// The logged-in principal, also one that must still change a temporary password.
    pub fn require_any(&self) -> Result<&Principal, PageError> {
        self.user.as_ref().ok_or_else(|| PageError::Redirect(format!("{}/login?next={}{}", self.base(), self.base(), self.rest)))
    }

    /// A complete HTML page, setting the CSRF cookie when this browser had none.
    pub fn page(&self, title: &str, body: Markup) -> Response {
        self.page_status(StatusCode::OK, title, body)
    }

    pub fn page_status(&self, status: StatusCode, title: &str, body: Markup) -> Response {
        let markup = layout(self.lang, self.user_name.as_deref(), &self.csrf, &self.rest, title, body);
        let mut resp = (status, markup.into_string()).into_response().with_html();
        if self.csrf_is_new {
            if let Ok(v) = HeaderValue::from_str(&csrf::set_cookie(&self.csrf)) {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
        }
        resp.headers_mut().insert("x-frame-options", HeaderValue::from_static("DENY"));
        resp.headers_mut().insert(
            "content-security-policy",
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
            ),
        );
        resp
    }

    /// The hidden CSRF field for forms.
    pub fn csrf_field(&self) -> Markup {
        html! { input type="hidden" name="_csrf" value=(self.csrf); }
    }

    /// A table's head: one column header a (Dutch, English) pair, in the page's language.
    pub fn head_row(&self, columns: &[(&'static str, &'static str)]) -> Markup {
        html! { thead { tr { @for (nl, en) in columns { th scope="col" { (self.t(nl, en)) } } } } }
    }

    /// What went wrong with a form, above it, where a screen reader announces it.
    pub fn error_box(&self, problem: Option<&str>) -> Markup {
        html! {
            @if let Some(pr) = problem {
                div.error-summary role="alert" tabindex="-1" { h2 { (self.t("Dat lukte niet", "That did not work")) } p { (pr) } }
            }
        }
    }
}

/// The frame of every page: skip link, header with language switch and login state, main, footer.
pub fn layout(lang: Lang, user: Option<&str>, csrf: &str, rest: &str, title: &str, body: Markup) -> Markup {
    let other = match lang {
        Lang::Nl => ("en", "English"),
        Lang::En => ("nl", "Nederlands"),
    };
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " | " (t(lang, "Algoritmeregister", "Algorithm register")) }
                link rel="stylesheet" href=(format!("/static/algoreg.css?v={}", asset_version()));
                script src=(format!("/static/algoreg.js?v={}", asset_version())) defer {}
            }
            body {
                a.skip href="#inhoud" { (t(lang, "Naar de inhoud", "Skip to content")) }
                header.site {
                    div.wrap {
                        a.brand href=(format!("/{}/", lang.code())) { (t(lang, "Algoritmeregister", "Algorithm register")) }
                        nav aria-label=(t(lang, "Hoofdmenu", "Main menu")) {
                            ul {
                                li { a href=(format!("/{}/beheer", lang.code())) { (t(lang, "Beheer", "Manage")) } }
                                li { a href=(format!("/{}{}", other.0, rest)) lang=(other.0) hreflang=(other.0) { (other.1) } }
                                @if let Some(name) = user {
                                    li {
                                        form method="post" action=(format!("/{}/logout", lang.code())) {
                                            input type="hidden" name="_csrf" value=(csrf);
                                            button.linklike type="submit" { (t(lang, "Uitloggen", "Log out")) " (" (name) ")" }
                                        }
                                    }
                                } @else {
                                    li { a href=(format!("/{}/login", lang.code())) { (t(lang, "Inloggen", "Log in")) } }
                                }
                            }
                        }
                    }
                }
                main #inhoud.wrap tabindex="-1" { (body) }
                footer.site { div.wrap { p { (t(lang, "algoreg: open register van algoritmes van de overheid.", "algoreg: the open register of government algorithms.")) } } }
            }
        }
    }
}

/// A form field's value (empty when absent).
pub(crate) fn form_field<'a>(form: &'a [(String, String)], k: &str) -> &'a str {
    form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str()).unwrap_or("")
}

/// The problem of a failed action in the page's language, with the fields named.
pub(crate) fn problem_text(ctx: &Ctx, e: &ServiceError) -> String {
    if let ServiceError::BadInput { field, message_nl, message_en } = e {
        return format!("{field}: {}", if ctx.lang == Lang::Nl { message_nl } else { message_en });
    }
    let (_, p) = crate::problem::problem_of(e);
    let nl = ctx.lang == Lang::Nl;
    let mut out = if nl { p.detail_nl } else { p.detail };
    for f in &p.errors {
        out.push(' ');
        out.push_str(if nl { &f.message_nl } else { &f.message_en });
    }
    out
}

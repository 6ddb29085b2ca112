//! JSON API v1. One module per resource; the OpenAPI document is built from the same handlers.

mod algorithms;
mod body;
mod dto;
mod feedback;
mod import;
mod organisations;
mod session;
mod sources;

use algoreg_service::App;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

pub use dto::*;

#[derive(OpenApi)]
#[openapi(
    info(title = "algoreg API", version = "1", description = "The algorithm register: organisations register algorithms under the publication standard, move them through their publication workflow and publish them. Public reads need no login; writes need an organisation-scoped bearer token."),
    paths(
        organisations::list, organisations::get_one, organisations::create,
        algorithms::list, algorithms::get_current, algorithms::history, algorithms::version, algorithms::mapping, algorithms::aiact_get, algorithms::aiact_answer, algorithms::aiact_requirement,
        algorithms::create, algorithms::save, algorithms::act, algorithms::workspace,
        session::login, session::whoami, session::logout, session::change_password, import::import,
        sources::list, sources::get_one, sources::create, sources::delete, sources::harvest,
        feedback::submit, feedback::public_list, feedback::status, feedback::inbox, feedback::answer, feedback::assign, feedback::close, feedback::figures,
        feedback::report_incident, feedback::incident, feedback::incident_event, feedback::public_incidents, feedback::set_plan, feedback::add_evaluation, feedback::evaluations,
    ),
    components(schemas(crate::problem::Problem, crate::problem::FieldProblem)),
    modifiers(&BearerAuth),
    tags((name = "organisations"), (name = "algorithms", description = "Published registrations (public)"), (name = "workspace", description = "Registering and the publication workflow (token or session)"), (name = "session", description = "Login for people"), (name = "federation", description = "Feeds of other registers that this register harvests"), (name = "feedback", description = "Signals from citizens, incidents between deployer and provider, evaluations"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    }
}

fn small() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(crate::security::SMALL_BODY)
}

fn public_body() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(crate::security::PUBLIC_BODY)
}

pub fn routes() -> Router<App> {
    Router::new()
        .route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
        .route("/session", post(session::login).get(session::whoami).delete(session::logout).layer(small()))
        .route("/session/password", post(session::change_password).layer(small()))
        .route("/organisations", get(organisations::list).post(organisations::create))
        .route("/organisations/{code}", get(organisations::get_one))
        .route("/organisations/{code}/algorithms", post(algorithms::create))
        .route("/import", post(import::import))
        .route("/algorithms/{id}/signals", get(feedback::public_list).post(feedback::submit).layer(public_body()))
        .route("/algorithms/{id}/incidents", get(feedback::public_incidents).post(feedback::report_incident))
        .route("/algorithms/{id}/evaluation-plan", put(feedback::set_plan))
        .route("/algorithms/{id}/evaluations", get(feedback::evaluations).post(feedback::add_evaluation))
        .route("/signals/status/{code}", get(feedback::status))
        .route("/signals/{id}/answer", post(feedback::answer))
        .route("/signals/{id}/assign", post(feedback::assign))
        .route("/signals/{id}/close", post(feedback::close))
        .route("/organisations/{code}/signals", get(feedback::inbox))
        .route("/organisations/{code}/response-figures", get(feedback::figures))
        .route("/incidents/{id}", get(feedback::incident))
        .route("/incidents/{id}/events", post(feedback::incident_event))
        .route("/sources", get(sources::list).post(sources::create))
        .route("/sources/{id}", get(sources::get_one).delete(sources::delete))
        .route("/sources/{id}/harvest", post(sources::harvest))
        .route("/algorithms", get(algorithms::list))
        .route("/algorithms/{id}", get(algorithms::get_current))
        .route("/algorithms/{id}/versions", get(algorithms::history))
        .route("/algorithms/{id}/versions/{number}", get(algorithms::version))
        .route("/algorithms/{id}/mappings/{name}", get(algorithms::mapping))
        .route("/algorithms/{id}/ai-act", get(algorithms::aiact_get).post(algorithms::aiact_answer))
        .route("/algorithms/{id}/ai-act/requirements/{urn}", put(algorithms::aiact_requirement))
        .route("/algorithms/{id}/draft", put(algorithms::save))
        .route("/algorithms/{id}/actions/{action}", post(algorithms::act))
        .route("/algorithms/{id}/workspace", get(algorithms::workspace))
}

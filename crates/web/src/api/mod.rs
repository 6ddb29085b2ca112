//! JSON API v1. One module per resource; the OpenAPI document is built from the same handlers.

mod algorithms;
mod audit;
mod body;
pub(crate) mod dto;
mod feedback;
mod import;
mod organisations;
mod session;
mod sources;
mod standards;
pub(crate) mod statistics;
mod supervision;

use axum::routing::{delete, get, post, put};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

pub use dto::*;

#[derive(OpenApi)]
#[openapi(
    info(title = "algoreg API", version = "1", description = "The algorithm register: organisations register algorithms under the publication standard, move them through their publication workflow and publish them. Public reads need no login; writes need an organisation-scoped bearer token."),
    paths(
        organisations::list, organisations::get_one, organisations::create, audit::of_organisation, audit::all,
        algorithms::list, algorithms::get_current, algorithms::history, algorithms::version, algorithms::mapping, algorithms::aiact_get, algorithms::aiact_answer, algorithms::aiact_requirement,
        algorithms::create, algorithms::save, algorithms::take_shared_update, algorithms::act, algorithms::workspace, algorithms::confirm, algorithms::accept_link,
        session::login, session::whoami, session::logout, session::change_password,
        session::passkey_registration_options, session::passkey_add, session::passkey_list, session::passkey_remove,
        session::passkey_login_options, session::passkey_login, import::import,
        sources::list, sources::get_one, sources::create, sources::delete, sources::harvest,
        feedback::submit, feedback::public_list, feedback::status, feedback::inbox, feedback::answer, feedback::assign, feedback::close, feedback::figures,
        feedback::report_incident, feedback::incident, feedback::incident_event, feedback::public_incidents, feedback::set_plan, feedback::add_evaluation, feedback::evaluations,
        statistics::get, supervision::get, standards::list, standards::schema,
    ),
    components(schemas(crate::problem::Problem, crate::problem::FieldProblem)),
    modifiers(&BearerAuth),
    tags((name = "organisations"), (name = "algorithms", description = "Published registrations (public)"), (name = "workspace", description = "Registering and the publication workflow (token or session)"), (name = "session", description = "Login for people"), (name = "federation", description = "Feeds of other registers that this register harvests"), (name = "feedback", description = "Signals from citizens, incidents between deployer and provider, evaluations"), (name = "statistics", description = "Who publishes and who does not: the public overview's figures"), (name = "supervision", description = "What needs attention across every organisation: supervisors and coordinators only"), (name = "standards", description = "The publication standard's versions as JSON Schema, with their changes"))
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

/// The OpenAPI description, built once.
async fn openapi() -> axum::response::Response {
    use axum::response::IntoResponse;
    static DOC: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let doc = DOC.get_or_init(|| serde_json::to_vec(&ApiDoc::openapi()).unwrap_or_default());
    ([(axum::http::header::CONTENT_TYPE, "application/json")], axum::body::Body::from(doc.as_slice())).into_response()
}

pub fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new()
        .add("GET", "/openapi.json", get(openapi))
        .add("POST GET DELETE", "/session", post(session::login).get(session::whoami).delete(session::logout).layer(small()))
        .add("POST", "/session/password", post(session::change_password).layer(small()))
        .add("POST", "/session/passkeys/options", post(session::passkey_registration_options).layer(small()))
        .add("GET POST", "/session/passkeys", get(session::passkey_list).post(session::passkey_add).layer(small()))
        .add("DELETE", "/session/passkeys/{id}", delete(session::passkey_remove).layer(small()))
        .add("POST", "/session/passkey/options", post(session::passkey_login_options).layer(small()))
        .add("POST", "/session/passkey", post(session::passkey_login).layer(small()))
        .add("GET POST", "/organisations", get(organisations::list).post(organisations::create))
        .add("GET", "/organisations/{code}", get(organisations::get_one))
        .add("GET", "/organisations/{code}/audit", get(audit::of_organisation))
        .add("GET", "/audit", get(audit::all))
        .add("POST", "/organisations/{code}/algorithms", post(algorithms::create))
        .add("POST", "/import", post(import::import))
        .add("GET POST", "/algorithms/{id}/signals", get(feedback::public_list).post(feedback::submit).layer(public_body()))
        .add("GET POST", "/algorithms/{id}/incidents", get(feedback::public_incidents).post(feedback::report_incident))
        .add("PUT", "/algorithms/{id}/evaluation-plan", put(feedback::set_plan))
        .add("GET POST", "/algorithms/{id}/evaluations", get(feedback::evaluations).post(feedback::add_evaluation))
        .add("GET", "/signals/status/{code}", get(feedback::status))
        .add("POST", "/signals/{id}/answer", post(feedback::answer))
        .add("POST", "/signals/{id}/assign", post(feedback::assign))
        .add("POST", "/signals/{id}/close", post(feedback::close))
        .add("GET", "/organisations/{code}/signals", get(feedback::inbox))
        .add("GET", "/organisations/{code}/response-figures", get(feedback::figures))
        .add("GET", "/incidents/{id}", get(feedback::incident))
        .add("POST", "/incidents/{id}/events", post(feedback::incident_event))
        .add("GET POST", "/sources", get(sources::list).post(sources::create))
        .add("GET DELETE", "/sources/{id}", get(sources::get_one).delete(sources::delete))
        .add("POST", "/sources/{id}/harvest", post(sources::harvest))
        .add("GET", "/statistics", get(statistics::get))
        .add("GET", "/standards", get(standards::list))
        .add("GET", "/standards/{version}/schema.json", get(standards::schema))
        .add("GET", "/supervision", get(supervision::get))
        .add("GET", "/algorithms", get(algorithms::list))
        .add("GET", "/algorithms/{id}", get(algorithms::get_current))
        .add("GET", "/algorithms/{id}/versions", get(algorithms::history))
        .add("GET", "/algorithms/{id}/versions/{number}", get(algorithms::version))
        .add("GET", "/algorithms/{id}/mappings/{name}", get(algorithms::mapping))
        .add("GET POST", "/algorithms/{id}/ai-act", get(algorithms::aiact_get).post(algorithms::aiact_answer))
        .add("PUT", "/algorithms/{id}/ai-act/requirements/{urn}", put(algorithms::aiact_requirement))
        .add("PUT", "/algorithms/{id}/draft", put(algorithms::save))
        .add("POST", "/algorithms/{id}/shared-update", post(algorithms::take_shared_update))
        .add("POST", "/algorithms/{id}/actions/{action}", post(algorithms::act))
        .add("GET", "/algorithms/{id}/workspace", get(algorithms::workspace))
        .add("POST", "/algorithms/{id}/confirmations", post(algorithms::confirm))
        .add("POST", "/algorithms/{id}/link-acceptances", post(algorithms::accept_link))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The router and the OpenAPI description come from the same handlers; this keeps them one list:
    /// every route of the JSON API is described with each of its methods, and nothing else is.
    #[test]
    fn the_openapi_description_lists_exactly_the_routes() {
        let routed: BTreeSet<(String, String)> = routes()
            .list
            .iter()
            .filter(|(_, path)| path != "/openapi.json")
            .flat_map(|(methods, path)| methods.split(' ').map(move |m| (m.to_string(), format!("/api/v1{path}"))))
            .collect();
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let described: BTreeSet<(String, String)> = doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, item)| item.as_object().unwrap().keys().map(move |m| (m.to_uppercase(), path.clone())))
            .filter(|(m, _)| ["GET", "POST", "PUT", "DELETE", "PATCH"].contains(&m.as_str()))
            .collect();
        let undocumented: Vec<_> = routed.difference(&described).collect();
        let unrouted: Vec<_> = described.difference(&routed).collect();
        assert!(
            undocumented.is_empty() && unrouted.is_empty(),
            "routes without a description: {undocumented:?}; descriptions without a route: {unrouted:?}"
        );
    }
}

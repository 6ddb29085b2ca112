use super::body::JsonBody;
use super::dto::*;
use crate::auth::Auth;
use crate::problem::{ApiResult, Problem};
use algoreg_service::orgs::{parse_flow, parse_org_type};
use algoreg_service::App;
use algoreg_store::NewOrganisation;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations", responses((status = 200, body = Vec<OrganisationDto>)))]
pub async fn list(State(app): State<App>) -> ApiResult<Json<Vec<OrganisationDto>>> {
    let orgs = app.orgs().list().await?;
    Ok(Json(orgs.iter().map(OrganisationDto::from).collect()))
}

#[utoipa::path(get, path = "/api/v1/organisations/{code}", tag = "organisations", params(("code" = String, Path)),
    responses((status = 200, body = OrganisationDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_one(State(app): State<App>, Path(code): Path<String>) -> ApiResult<Json<OrganisationDto>> {
    let org = app.orgs().by_code(&code).await?;
    Ok(Json(OrganisationDto::from(&org)))
}

#[utoipa::path(post, path = "/api/v1/organisations", tag = "organisations", request_body = CreateOrganisation, security(("bearer" = [])),
    responses((status = 201, body = OrganisationDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(app): State<App>,
    Auth(p): Auth,
    JsonBody(body): JsonBody<CreateOrganisation>,
) -> ApiResult<(StatusCode, Json<OrganisationDto>)> {
    let new = NewOrganisation {
        code: body.code,
        name: body.name,
        org_type: parse_org_type(&body.org_type)?,
        tooi: body.tooi,
        relations: Default::default(),
        flow: match body.flow {
            Some(f) => parse_flow(&f)?,
            None => algoreg_domain::PublicationFlow::Central,
        },
        about: body.about,
        contact: body.contact,
    };
    let org = app.orgs().create(&p, new).await?;
    Ok((StatusCode::CREATED, Json(OrganisationDto::from(&org))))
}

//! `/api/v1/webhooks`: a creator registers, lists, removes and enables the endpoints their
//! site's events are sent to (see `webhooks`).

use crate::error::Error;
use crate::http::creator::Creator;
use crate::http::problem::Json;
use crate::http::state::AppState;
use crate::webhooks;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::webhooks::{Endpoint, EndpointInput};
use domain::wire::Problem;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(add, list))
        .routes(routes!(remove))
        .routes(routes!(enable))
        .layer(axum::extract::DefaultBodyLimit::max(8 * 1024))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct EndpointList {
    endpoints: Vec<Endpoint>,
}

/// Registers an endpoint for the site's events. The answer carries the secret that signs
/// them.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "creator", security(("creator_key" = [])),
    request_body = EndpointInput,
    responses((status = 201, body = Endpoint), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn add(
    State(state): State<AppState>,
    creator: Creator,
    Json(input): Json<EndpointInput>,
) -> Result<Response, Error> {
    let endpoint = webhooks::add(&state.store, &state.settings.webhooks, &creator.site, &input).await?;
    Ok((StatusCode::CREATED, axum::Json(endpoint)).into_response())
}

/// The site's endpoints: enabled or disabled (and why), failures in a row, the last error,
/// events waiting.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "creator", security(("creator_key" = [])),
    responses((status = 200, body = EndpointList), (status = 401, body = Problem)))]
async fn list(State(state): State<AppState>, creator: Creator) -> Result<Response, Error> {
    let endpoints = state.store.endpoints(&creator.site).await?;
    Ok(axum::Json(EndpointList { endpoints }).into_response())
}

/// Removes an endpoint and the events it had still to deliver.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "creator", security(("creator_key" = [])),
    params(("id" = String, Path, description = "The endpoint's id")),
    responses((status = 204), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn remove(
    State(state): State<AppState>,
    creator: Creator,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    if !state.store.remove_endpoint(&creator.site, &id).await? {
        return Err(Error::NotFound);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Enables a disabled endpoint: its record is cleared and the events it missed are sent.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/enable", tag = "creator", security(("creator_key" = [])),
    params(("id" = String, Path, description = "The endpoint's id")),
    responses((status = 200, body = Endpoint), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn enable(
    State(state): State<AppState>,
    creator: Creator,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let endpoint = webhooks::enable(&state.store, &creator.site, &id).await?;
    Ok(axum::Json(endpoint).into_response())
}

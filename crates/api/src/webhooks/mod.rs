//! Webhooks out: a site registers endpoints through the creator API; each change queues its
//! event in the change's own transaction (`store::webhooks`), and [`deliver`] sends them,
//! signed, retried with backoff, and disables an endpoint that keeps failing, saying why.

pub mod address;
pub mod deliver;

use crate::error::Error;
use crate::http::creator::Creator;
use crate::http::problem::Json;
use crate::http::state::AppState;
use crate::store::webhooks::{AddRefused, MAX_ENDPOINTS};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::webhooks::{Endpoint, EndpointInput};
use domain::wire::Problem;
use domain::{FieldError, FieldErrors};
use std::time::Duration;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// How webhooks are sent.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Endpoints may be `http://` and on private or local addresses (a receiver on the
    /// same machine or network); off, only public `https://` addresses are taken and
    /// connected to.
    pub private_addresses: bool,
    /// The wait before the first retry; each later one waits twice as long.
    pub first_retry: Duration,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings { private_addresses: false, first_retry: Duration::from_secs(10) }
    }
}

pub fn router() -> OpenApiRouter<AppState> {
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
    let url = address::check(&input.url, state.settings.webhooks.private_addresses)
        .map_err(|e| invalid("url", e))?;
    let id = format!("we_{}", crate::ids::alphanumeric(16));
    let secret = format!("whsec_{}", crate::ids::secret());
    match state.store.add_endpoint(&creator.site, (&id, url.as_str(), &secret), crate::now()).await? {
        Ok(()) => {}
        Err(AddRefused::TooMany) => {
            return Err(invalid("url", FieldError::TooMany { max: MAX_ENDPOINTS as u32 }));
        }
    }
    let endpoint = endpoint(&state, &creator.site, &id).await?;
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
    if !state.store.enable_endpoint(&creator.site, &id, crate::now()).await? {
        return Err(Error::NotFound);
    }
    let endpoint = endpoint(&state, &creator.site, &id).await?;
    Ok(axum::Json(endpoint).into_response())
}

/// Endpoint `id` of `site`, as its list shows it.
async fn endpoint(state: &AppState, site: &str, id: &str) -> Result<Endpoint, Error> {
    let endpoints = state.store.endpoints(site).await?;
    endpoints.into_iter().find(|e| e.id == id).ok_or(Error::NotFound)
}

fn invalid(field: &str, error: FieldError) -> Error {
    let mut errors = FieldErrors::new();
    errors.add(field, error);
    Error::Invalid(errors)
}

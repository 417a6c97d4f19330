//! After the pledge, the backer's doors: the survey (`GET`/`PUT
//! /api/v1/receipts/{token}/survey` and the page `/r/{token}/survey`, a plain form that
//! works without scripts) and "Received" (`POST /api/v1/receipts/{token}/received` and the
//! receipt page's button). Each takes a token from the client's receipt bucket, like the
//! receipt itself, and the JSON and page doors call the same capability
//! (`crate::delivery`). An answer that carries the backer's address is never cached.

pub(super) mod block;
mod page;

use super::problem::Json;
use super::requests::ReceiptToken;
use super::state::AppState;
use crate::error::Error;
use crate::ids::is_receipt_token;
use crate::store::StoredPledge;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::wire::{Problem, SurveyInput, SurveyView};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(survey, save)).routes(routes!(received)).routes(routes!(erase))
}

pub(super) fn pages() -> Router<AppState> {
    Router::new()
        .route("/r/{token}/survey", axum::routing::get(page::show).post(page::submit))
        .route("/r/{token}/received", axum::routing::post(page::received))
        .route("/r/{token}/erase", axum::routing::post(page::erase))
}

/// The backer says the reward arrived: 204, also when they said so before.
#[utoipa::path(post, path = "/api/v1/receipts/{token}/received", tag = "public",
    params(("token" = String, Path, description = "The last part of the pledge's receipt_url")),
    responses((status = 204, description = "Marked delivered"), (status = 404, body = Problem),
              (status = 409, body = Problem, description = "Nothing shipped yet"), (status = 429, body = Problem)))]
async fn received(
    State(state): State<AppState>,
    ReceiptToken(token): ReceiptToken,
) -> Result<StatusCode, Error> {
    let pledge = pledge(&state, &token).await?;
    crate::delivery::received(&state.store, &pledge, crate::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What the backer is asked, what they gave, and whether they may still change it.
#[utoipa::path(get, path = "/api/v1/receipts/{token}/survey", tag = "public",
    params(("token" = String, Path, description = "The last part of the pledge's receipt_url")),
    responses((status = 200, body = SurveyView), (status = 404, body = Problem), (status = 429, body = Problem)))]
async fn survey(State(state): State<AppState>, ReceiptToken(token): ReceiptToken) -> Result<Response, Error> {
    let pledge = pledge(&state, &token).await?;
    let view = crate::delivery::survey::view(&state.store, &state.hub, &pledge, crate::now()).await?;
    Ok(private(axum::Json(view).into_response()))
}

/// Keeps the backer's address and answers (the whole of them: what is left out is
/// removed); every bad field is named (`address.phone`, `answers.size`).
#[utoipa::path(put, path = "/api/v1/receipts/{token}/survey", tag = "public", request_body = SurveyInput,
    params(("token" = String, Path, description = "The last part of the pledge's receipt_url")),
    responses((status = 200, body = SurveyView), (status = 404, body = Problem),
              (status = 409, body = Problem, description = "Locked, not open yet, cancelled, or shipped"),
              (status = 422, body = Problem), (status = 429, body = Problem)))]
async fn save(
    State(state): State<AppState>,
    ReceiptToken(token): ReceiptToken,
    Json(input): Json<SurveyInput>,
) -> Result<Response, Error> {
    let pledge = pledge(&state, &token).await?;
    let view = crate::delivery::survey::save(&state.store, &state.hub, &pledge, input, crate::now()).await?;
    Ok(private(axum::Json(view).into_response()))
}

/// Erases the backer's name, contact, message, address and answers, once the reward is
/// delivered or the pledge cancelled: 204. Totals and amounts stay.
#[utoipa::path(delete, path = "/api/v1/receipts/{token}/personal-data", tag = "public",
    params(("token" = String, Path, description = "The last part of the pledge's receipt_url")),
    responses((status = 204, description = "Erased"), (status = 404, body = Problem),
              (status = 409, body = Problem, description = "Not delivered or cancelled yet"), (status = 429, body = Problem)))]
async fn erase(
    State(state): State<AppState>,
    ReceiptToken(token): ReceiptToken,
) -> Result<StatusCode, Error> {
    let pledge = pledge(&state, &token).await?;
    crate::delivery::erase(&state.store, &state.hub, &pledge, crate::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The pledge behind a receipt token, or 404.
async fn pledge(state: &AppState, token: &str) -> Result<StoredPledge, Error> {
    if !is_receipt_token(token) {
        return Err(Error::NotFound);
    }
    state.store.receipt(token).await?.ok_or(Error::NotFound)
}

/// The answer holds a bearer secret's data: kept out of shared caches and Referer headers.
fn private(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

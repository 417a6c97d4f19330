//! The money doors: a creator marking a manual payment received, a backer saving a card or
//! choosing made values through their receipt, a manual campaign's collection code, Stripe's
//! events and the card form's page. What each does is `payments`' to decide.

mod page;

use crate::error::Error;
use crate::http::creator::Creator;
use crate::http::problem::Json;
use crate::http::requests::ReceiptToken;
use crate::http::state::AppState;
use crate::payments::{self, cards, qr, stripe_events, unmade};
use crate::store::StoredPledge;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::wire::{OptionsChoice, PaymentInfo, Problem};
use domain::{PaymentMode, PaymentStatus};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(mark_paid))
        .routes(routes!(start_card))
        .routes(routes!(confirm_card))
        .routes(routes!(choose))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(upload))
                .layer(axum::extract::DefaultBodyLimit::max(crate::covers::UPLOAD_LIMIT)),
        )
}

/// Stripe's events (`POST /webhooks/stripe`, called by Stripe) and the card form's page
/// (`GET /pay/{token}`), outside `/api/v1`.
pub(super) fn stripe_router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/webhooks/stripe", axum::routing::post(receive))
        .route("/pay/{token}", axum::routing::get(page::page))
}

/// Marks a manual payment received: the pledge's money counts toward the goal from now and
/// `pledge.paid` is sent. Marking it again changes nothing.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/pledges/{pledge}/paid", tag = "creator", security(("creator_key" = [])),
    params(("id" = String, Path, description = "The campaign's id"), ("pledge" = String, Path, description = "The pledge's id")),
    responses((status = 200, body = PaymentInfo), (status = 401, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem, description = "Cancelled, void, or of a campaign without manual payments")))]
async fn mark_paid(
    State(state): State<AppState>,
    creator: Creator,
    Path((id, pledge)): Path<(String, String)>,
) -> Result<Response, Error> {
    creator.campaign(&state, &id)?;
    payments::mark(&state.cards, &id, &pledge).await?;
    Ok(axum::Json(PaymentInfo::status(PaymentStatus::Paid.as_str())).into_response())
}

/// Starts saving the backer's card, or picks up the start made: the client secret Stripe.js
/// confirms the card with. Also how a backer whose card was declined saves another.
#[utoipa::path(post, path = "/api/v1/receipts/{token}/payment", tag = "public",
    params(("token" = String, Path, description = "The last part of the pledge's receipt_url")),
    responses((status = 200, body = PaymentInfo), (status = 404, body = Problem),
              (status = 409, body = Problem, description = "Not awaiting a card"), (status = 429, body = Problem),
              (status = 502, body = Problem, description = "Stripe did not answer; nothing was charged")))]
async fn start_card(
    State(state): State<AppState>,
    ReceiptToken(token): ReceiptToken,
) -> Result<Response, Error> {
    let pledge = card_pledge(&state, &token).await?;
    let secret = cards::setup(&state.cards, &pledge).await?.ok_or(Error::NotPayable)?;
    let mut info = payments::info(&state.cards, &pledge).ok_or(Error::NotPayable)?;
    info.client_secret = Some(secret);
    Ok(no_store(axum::Json(info).into_response()))
}

/// The card form says the card is saved: the server reads the intent back from Stripe (it
/// never takes the browser's word) and answers the payment as it now stands.
#[utoipa::path(post, path = "/api/v1/receipts/{token}/payment/confirm", tag = "public",
    params(("token" = String, Path, description = "The last part of the pledge's receipt_url")),
    responses((status = 200, body = PaymentInfo), (status = 404, body = Problem),
              (status = 409, body = Problem, description = "Not a card payment"), (status = 429, body = Problem),
              (status = 502, body = Problem)))]
async fn confirm_card(
    State(state): State<AppState>,
    ReceiptToken(token): ReceiptToken,
) -> Result<Response, Error> {
    let pledge = card_pledge(&state, &token).await?;
    cards::confirm(&state.cards, &pledge).await?;
    let pledge = state.store.receipt(&token).await?.ok_or(Error::NotFound)?;
    Ok(no_store(axum::Json(payments::info(&state.cards, &pledge).ok_or(Error::NotPayable)?).into_response()))
}

/// Chooses values that are made instead of ones that were not; the card is charged after.
#[utoipa::path(post, path = "/api/v1/receipts/{token}/options", tag = "public",
    params(("token" = String, Path, description = "The last part of the pledge's receipt_url")),
    request_body = OptionsChoice,
    responses((status = 204, description = "Chosen"), (status = 404, body = Problem),
              (status = 409, body = Problem, description = "Not waiting for a choice"),
              (status = 422, body = Problem, description = "Not a value that is made"), (status = 429, body = Problem)))]
async fn choose(
    State(state): State<AppState>,
    ReceiptToken(token): ReceiptToken,
    Json(choice): Json<OptionsChoice>,
) -> Result<Response, Error> {
    unmade::switch(&state.cards, &token, &choice).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct QrSet {
    /// The code's address, also in the campaign's `manual_payment.qr`.
    qr: String,
}

/// Sets a manual campaign's collection code: the body is the image, sent as `image/png`,
/// `image/jpeg` or `image/webp`.
#[utoipa::path(put, path = "/api/v1/campaigns/{id}/payment-qr", tag = "creator", security(("creator_key" = [])),
    params(("id" = String, Path, description = "The campaign's id")),
    request_body(content = Vec<u8>, content_type = "image/png", description = "A PNG, JPEG or WebP image of at most 5 MB"),
    responses((status = 200, body = QrSet), (status = 401, body = Problem), (status = 404, body = Problem),
              (status = 413, body = Problem), (status = 415, body = Problem),
              (status = 422, body = Problem, description = "Not an image, or the campaign is not manual")))]
async fn upload(
    State(state): State<AppState>,
    creator: Creator,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<QrSet>, Error> {
    creator.campaign(&state, &id)?;
    let declared = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let qr = qr::set(&state.cards, &state.metrics, &creator.site, &id, declared, body).await?;
    Ok(axum::Json(QrSet { qr }))
}

/// Stripe's events: 404 without Stripe's keys, 400 for a wrong or stale signature or a body
/// that is no event, 503 when it could not be applied yet (Stripe sends it again).
async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let signature = headers.get("stripe-signature").and_then(|v| v.to_str().ok()).unwrap_or("");
    match stripe_events::receive(&state.cards, signature, &body).await {
        stripe_events::Received::NoStripe => StatusCode::NOT_FOUND,
        stripe_events::Received::Refused => StatusCode::BAD_REQUEST,
        stripe_events::Received::Applied => StatusCode::OK,
        stripe_events::Received::Later => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// The pledge behind a receipt token (already through its rate limit) that awaits a card.
async fn card_pledge(state: &AppState, token: &str) -> Result<StoredPledge, Error> {
    if !crate::ids::is_receipt_token(token) {
        return Err(Error::NotFound);
    }
    let pledge = state.store.receipt(token).await?.ok_or(Error::NotFound)?;
    let card =
        payments::campaign_of(&state.hub, &pledge).is_some_and(|c| c.payments() == PaymentMode::Stripe);
    if !card || state.cards.stripe.is_none() {
        return Err(Error::NotPayable);
    }
    Ok(pledge)
}

fn no_store(mut response: Response) -> Response {
    use axum::http::{HeaderValue, header};
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

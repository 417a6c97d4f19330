//! `/api/v1/campaigns`: progress snapshots and pledges.

use super::requests::{BaseUrl, ClientIp, PageLang, ReceiptToken};
use crate::error::Error;
use crate::http::problem::Json;
use crate::http::state::AppState;
use crate::pledging;
use crate::store::Accepted;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use domain::wire::{CampaignView, PledgeCreated, PledgeRequest, Problem, ReceiptView};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router(bench_routes: bool) -> OpenApiRouter<AppState> {
    let router = if bench_routes {
        OpenApiRouter::new().route("/bench/noop", post(noop))
    } else {
        OpenApiRouter::new()
    };
    router
        .routes(routes!(campaign))
        .routes(routes!(create_pledge))
        .routes(routes!(super::events::events))
        .routes(routes!(cancel_pledge))
        .routes(routes!(receipt))
}

/// The campaign's current snapshot, straight from the hub.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "public",
    params(("id" = String, Path, description = "The campaign's id")),
    responses((status = 200, body = CampaignView), (status = 404, body = Problem)))]
async fn campaign(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, Error> {
    let entry = state.hub.get(&id).ok_or(Error::NotFound)?;
    let snapshot = entry.snapshot(crate::now());
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")),
        ],
        snapshot.stamped_json(),
    )
        .into_response())
}

/// Takes a pledge; acknowledged once durable.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/pledges", tag = "public",
    params(("id" = String, Path, description = "The campaign's id"),
           ("Idempotency-Key" = Option<String>, Header, description = "1 to 128 visible ASCII characters; a retry with the same key and body gets the first answer")),
    request_body = PledgeRequest,
    responses((status = 201, body = PledgeCreated),
              (status = 400, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem, description = "Sold out, not live, cancelled or changed"),
              (status = 413, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem), (status = 503, body = Problem)))]
async fn create_pledge(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    BaseUrl(base): BaseUrl,
    PageLang(lang): PageLang,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(request): Json<PledgeRequest>,
) -> Result<Response, Error> {
    let entry = state.hub.get(&id).ok_or(Error::NotFound)?;
    let key = pledging::key(headers.get("idempotency-key").map(|v| v.as_bytes()))?;
    let fan = pledging::Fan { ip, lang, base: base.clone() };
    let accepted = pledging::take(&state.desk(), &entry, request, key, &fan).await?;
    let mut created = created(&state, &base, &accepted);
    if let Some(payment) = created.payment.as_mut().filter(|p| p.publishable_key.is_some()) {
        // The pledge is taken whatever Stripe says; without a secret now, the receipt's
        // card form asks again (`POST /api/v1/receipts/{token}/payment`).
        payment.client_secret =
            crate::payments::cards::setup(&state.cards, &accepted.pledge).await.unwrap_or(None);
    }
    let location = HeaderValue::from_str(&created.receipt_url).map_err(anyhow::Error::from)?;
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], axum::Json(created)).into_response())
}

/// Cancels the pledge behind a receipt token while its campaign is live: 204, also when
/// it was cancelled already.
#[utoipa::path(delete, path = "/api/v1/receipts/{token}", tag = "public",
    params(("token" = String, Path, description = "The last part of the pledge's receipt_url")),
    responses((status = 204, description = "Cancelled"), (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 429, body = Problem)))]
async fn cancel_pledge(
    State(state): State<AppState>,
    ReceiptToken(token): ReceiptToken,
) -> Result<StatusCode, Error> {
    pledging::cancel(&state.cards, &token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A backer's own pledge, and how many friends backed through their link.
#[utoipa::path(get, path = "/api/v1/receipts/{token}", tag = "public",
    params(("token" = String, Path, description = "The last part of the pledge's receipt_url")),
    responses((status = 200, body = ReceiptView), (status = 404, body = Problem), (status = 429, body = Problem)))]
async fn receipt(
    State(state): State<AppState>,
    ReceiptToken(token): ReceiptToken,
    BaseUrl(base): BaseUrl,
) -> Result<Response, Error> {
    let view = super::receipts::find(&state, &base, &token).await?.ok_or(Error::NotFound)?;
    let mut response = axum::Json(view).into_response();
    // The token is a bearer secret: keep the answer out of shared caches.
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The benchmark's baseline: the same extractor and JSON work as a pledge, no store.
async fn noop(Json(request): Json<PledgeRequest>) -> Response {
    let created = PledgeCreated {
        id: String::new(),
        amount: match request.amount {
            domain::wire::RawAmount::Minor(minor) => minor,
            _ => 0,
        },
        referral_code: String::new(),
        share_url: String::new(),
        receipt_url: String::new(),
        payment: None,
    };
    (StatusCode::CREATED, axum::Json(created)).into_response()
}

/// What a pledge's backer is answered: its links under `base`, and how to pay.
pub(super) fn created(state: &AppState, base: &str, accepted: &Accepted) -> PledgeCreated {
    let p = &accepted.pledge;
    PledgeCreated {
        id: p.id.clone(),
        amount: p.amount,
        referral_code: p.referral_code.clone(),
        share_url: crate::tribe::share_link(base, &p.campaign_id, Some(&p.referral_code)),
        receipt_url: format!("{base}/r/{}", accepted.receipt_token),
        payment: crate::payments::info(&state.cards, p),
    }
}

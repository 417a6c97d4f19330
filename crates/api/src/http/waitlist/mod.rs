//! Waitlists for fans: joining a sold-out tier's line (`POST
//! /api/v1/campaigns/{id}/tiers/{tier}/waitlist`, a pledge's body), the waitlist receipt
//! (`/api/v1/waitlist/{token}`, and its page `/w/{token}`), taking an offer and leaving.
//! What they do is in [`crate::waitlist`]; the token is read through the receipt bucket.

mod page;

use super::requests::{BaseUrl, ClientIp, PageLang, ReceiptToken};
use crate::error::Error;
use crate::http::problem::Json;
use crate::http::state::AppState;
use crate::store::waitlist::{StoredEntry, pledge_token};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::wire::{PledgeCreated, PledgeRequest, Problem, WaitlistEntry, WaitlistJoined, WaitlistReceipt};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) use page::pages;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(join)).routes(routes!(receipt, leave)).routes(routes!(take))
}

/// Joins a sold-out limited tier's waitlist: the place in line and the waitlist receipt.
/// When units come back they are offered in line order: without payments the entry becomes
/// a pledge at once; with them, the fan takes the offer from the receipt in time.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/tiers/{tier}/waitlist", tag = "public",
    params(("id" = String, Path, description = "The campaign's id"), ("tier" = String, Path, description = "The tier's id")),
    request_body = PledgeRequest,
    responses((status = 201, body = WaitlistJoined),
              (status = 404, body = Problem),
              (status = 409, body = Problem, description = "Not sold out, already waiting, over the address's cap, not live"),
              (status = 413, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem), (status = 503, body = Problem)))]
async fn join(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    BaseUrl(base): BaseUrl,
    PageLang(lang): PageLang,
    Path((id, tier)): Path<(String, String)>,
    Json(request): Json<PledgeRequest>,
) -> Result<Response, Error> {
    let entry = state.hub.get(&id).ok_or(Error::NotFound)?;
    let fan = crate::pledging::Fan { ip, lang, base: base.clone() };
    let joined = crate::waitlist::join(&state.desk(), &entry, &tier, request, &fan).await?;
    let receipt_url = format!("{base}/w/{}", joined.token);
    let location = HeaderValue::from_str(&receipt_url).map_err(anyhow::Error::from)?;
    let body = WaitlistJoined {
        position: joined.position,
        receipt_url,
        entry: WaitlistEntry { contact: None, ..joined.entry },
    };
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], axum::Json(body)).into_response())
}

/// The fan's waitlist entry: their place in line while waiting, and what happened since.
#[utoipa::path(get, path = "/api/v1/waitlist/{token}", tag = "public",
    params(("token" = String, Path, description = "The last part of the waitlist receipt_url")),
    responses((status = 200, body = WaitlistReceipt), (status = 404, body = Problem), (status = 429, body = Problem)))]
async fn receipt(
    State(state): State<AppState>,
    ReceiptToken(token): ReceiptToken,
    BaseUrl(base): BaseUrl,
) -> Result<Response, Error> {
    let view = view(&state, &token, &base).await?;
    Ok(([(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))], axum::Json(view)).into_response())
}

/// Leaves the waitlist (an offer held passes to the next in line): 204, also when the
/// entry had already moved on.
#[utoipa::path(delete, path = "/api/v1/waitlist/{token}", tag = "public",
    params(("token" = String, Path, description = "The last part of the waitlist receipt_url")),
    responses((status = 204, description = "Left"), (status = 404, body = Problem), (status = 429, body = Problem)))]
async fn leave(
    State(state): State<AppState>,
    ReceiptToken(token): ReceiptToken,
) -> Result<StatusCode, Error> {
    check(&token)?;
    crate::waitlist::leave(&state.store, &token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Takes the offer: it becomes a pledge with the units it held, answered as a pledge is
/// (with payments, the card form or the transfer's instructions follow from its receipt).
#[utoipa::path(post, path = "/api/v1/waitlist/{token}/pledge", tag = "public",
    params(("token" = String, Path, description = "The last part of the waitlist receipt_url")),
    responses((status = 201, body = PledgeCreated), (status = 404, body = Problem),
              (status = 409, body = Problem, description = "The offer was taken, left or ran out"),
              (status = 429, body = Problem), (status = 503, body = Problem)))]
async fn take(
    State(state): State<AppState>,
    ReceiptToken(token): ReceiptToken,
    BaseUrl(base): BaseUrl,
) -> Result<Response, Error> {
    let created = take_offer(&state, &token, &base).await?;
    let location = HeaderValue::from_str(&created.receipt_url).map_err(anyhow::Error::from)?;
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], axum::Json(created)).into_response())
}

/// Takes the offer behind `token`: the pledge it became, as its backer is answered.
async fn take_offer(state: &AppState, token: &str, base: &str) -> Result<PledgeCreated, Error> {
    check(token)?;
    let mail = state.settings.mail.is_some().then_some(base);
    let (accepted, receipt_token) = crate::waitlist::take(&state.store, &state.hub, token, mail).await?;
    let accepted = crate::store::Accepted { receipt_token, ..accepted };
    let mut created = super::campaigns::created(state, base, &accepted);
    if let Some(payment) = created.payment.as_mut().filter(|p| p.publishable_key.is_some()) {
        payment.client_secret =
            crate::payments::cards::setup(&state.cards, &accepted.pledge).await.unwrap_or(None);
    }
    Ok(created)
}

/// A waitlist token has a receipt token's shape: an id and a secret, 64 hex digits.
fn check(token: &str) -> Result<(), Error> {
    crate::ids::is_receipt_token(token).then_some(()).ok_or(Error::NotFound)
}

/// The entry behind `token`, as its fan sees it.
async fn view(state: &AppState, token: &str, base: &str) -> Result<WaitlistReceipt, Error> {
    check(token)?;
    let (stored, position) = state.store.waitlist_entry(token).await?.ok_or(Error::NotFound)?;
    Ok(receipt_view(state, &stored, position, (token, base)))
}

fn receipt_view(
    state: &AppState,
    stored: &StoredEntry,
    position: Option<u32>,
    (token, base): (&str, &str),
) -> WaitlistReceipt {
    let live = state.hub.get(&stored.entry.campaign).map(|e| e.snapshot(crate::now()).campaign.clone());
    let tier_title = live
        .as_ref()
        .and_then(|c| c.tier(&stored.entry.tier).map(|t| t.title().to_owned()))
        .unwrap_or_else(|| stored.entry.tier.clone());
    WaitlistReceipt {
        entry: WaitlistEntry { contact: None, ..stored.entry.clone() },
        position,
        campaign_title: live.as_ref().map(|c| c.title().to_owned()).unwrap_or_default(),
        tier_title,
        payments: live.as_ref().map_or("none", |c| c.payments().as_str()).to_owned(),
        live: state.hub.get(&stored.entry.campaign).is_some_and(|e| {
            let now = crate::now();
            e.snapshot(now).view.status_at(now) == domain::Status::Live
        }),
        pledge_receipt_url: pledge_token(stored, token).map(|t| format!("{base}/r/{t}")),
    }
}

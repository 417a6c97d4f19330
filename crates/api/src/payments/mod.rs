//! Money behind pledges. A campaign's `payments` mode says how backers pay: `none` (a
//! promise), `manual` (WeChat Pay or Alipay to the creator, with a reference, marked paid by
//! the creator) or `stripe` (a card saved and charged as the funding model says: [`cards`];
//! offered when the server has Stripe's keys). With payments on, a pledge starts `pending`,
//! holds its units until it is paid or secured or its time runs out ([`expiry`]), and only
//! secured or paid money counts toward the goal.

pub mod cards;
pub mod expiry;
mod page;
pub mod qr;
pub mod stripe;
pub mod stripe_events;
pub mod unmade;

use crate::creator::Creator;
use crate::error::Error;
use crate::hub::Hub;
use crate::startup::AppState;
use crate::store::StoredPledge;
use crate::store::payments::{Move, Moved};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use domain::wire::{PaymentInfo, Problem};
use domain::{PaymentMode, PaymentStatus};
use std::net::SocketAddr;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(mark_paid))
        .routes(routes!(start_card))
        .routes(routes!(confirm_card))
        .routes(routes!(unmade::choose))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(qr::upload))
                .layer(axum::extract::DefaultBodyLimit::max(crate::creator::cover::UPLOAD_LIMIT)),
        )
}

/// Stripe's events (`POST /webhooks/stripe`, called by Stripe) and the card form's page
/// (`GET /pay/{token}`), outside `/api/v1`.
pub fn stripe_router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/webhooks/stripe", axum::routing::post(stripe_events::receive))
        .route("/pay/{token}", axum::routing::get(page::page))
}

/// What the backer of `pledge` is told of its payment; `None` without payments.
pub fn info(state: &AppState, pledge: &StoredPledge) -> Option<PaymentInfo> {
    let status = pledge.payment?;
    let mut info = PaymentInfo::status(status.as_str());
    if pledge.cancelled {
        return Some(info);
    }
    let campaign = campaign_of(&state.hub, pledge);
    match (status, campaign.as_deref().map(domain::Campaign::payments)) {
        (PaymentStatus::Pending, Some(PaymentMode::Manual)) => {
            let manual = campaign.as_deref().and_then(|c| c.manual_payment());
            info.reference = Some(reference(pledge));
            info.instructions = manual.map(|m| m.instructions.clone());
            info.qr = manual.and_then(|m| m.qr.clone());
            info.due_at = pledge.payment_due_at;
        }
        (PaymentStatus::Pending | PaymentStatus::Failed, Some(PaymentMode::Stripe)) => {
            if let Some(stripe) = &state.stripe {
                info.publishable_key = Some(stripe.settings.publishable_key.clone());
                info.stripe_js = Some(stripe.settings.js_url.clone());
            }
            info.due_at = pledge.payment_due_at;
        }
        _ => {}
    }
    Some(info)
}

fn campaign_of(hub: &Hub, pledge: &StoredPledge) -> Option<std::sync::Arc<domain::Campaign>> {
    hub.get(&pledge.campaign_id).map(|e| e.snapshot(crate::now()).campaign.clone())
}

/// What a backer writes in a manual transfer's note: their referral code, which the
/// creator finds in the backer list.
pub fn reference(pledge: &StoredPledge) -> String {
    format!("TF-{}", pledge.referral_code)
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
    mark(&state, &id, &pledge).await?;
    Ok(axum::Json(PaymentInfo::status(PaymentStatus::Paid.as_str())).into_response())
}

/// Marks pledge `pledge` of campaign `id` (which the caller checked is the creator's)
/// paid, and shows the new totals to every viewer; for the creator API and the dashboard.
/// Only manual payments are marked: a card's status is Stripe's to say.
pub async fn mark(state: &AppState, id: &str, pledge: &str) -> Result<(), Error> {
    if pledge.len() > 64 {
        return Err(Error::NotFound);
    }
    let manual = state
        .hub
        .get(id)
        .is_some_and(|e| e.snapshot(crate::now()).campaign.payments() == PaymentMode::Manual);
    if !manual {
        let found = state.store.pledge_by_id(pledge).await?.is_some_and(|p| p.campaign_id == id);
        return Err(if found { Error::NotPayable } else { Error::NotFound });
    }
    let now = crate::now();
    match state.store.move_payment(Some(id), pledge, Move::MARK_PAID, now).await? {
        Moved::Done(counts, _) => {
            if let Some(entry) = state.hub.get(id) {
                entry.publish(*counts, now);
            }
            Ok(())
        }
        Moved::Unmoved(p) if p.payment == Some(PaymentStatus::Paid) && !p.cancelled => Ok(()),
        Moved::Unmoved(_) => Err(Error::NotPayable),
        Moved::NotFound => Err(Error::NotFound),
    }
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
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let pledge = card_pledge(&state, peer, &headers, &token).await?;
    let secret = cards::setup(&state, &pledge).await?.ok_or(Error::NotPayable)?;
    let mut info = info(&state, &pledge).ok_or(Error::NotPayable)?;
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
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let pledge = card_pledge(&state, peer, &headers, &token).await?;
    cards::confirm(&state, &pledge).await?;
    let pledge = state.store.receipt(&token).await?.ok_or(Error::NotFound)?;
    Ok(no_store(axum::Json(info(&state, &pledge).ok_or(Error::NotPayable)?).into_response()))
}

async fn card_pledge(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    token: &str,
) -> Result<StoredPledge, Error> {
    crate::http::receipt_allowed(state, peer, headers)?;
    if !crate::http::pages::is_receipt_token(token) {
        return Err(Error::NotFound);
    }
    let pledge = state.store.receipt(token).await?.ok_or(Error::NotFound)?;
    let card = campaign_of(&state.hub, &pledge).is_some_and(|c| c.payments() == PaymentMode::Stripe);
    if !card || state.stripe.is_none() {
        return Err(Error::NotPayable);
    }
    Ok(pledge)
}

fn no_store(mut response: Response) -> Response {
    use axum::http::{HeaderValue, header};
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

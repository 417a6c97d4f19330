//! Money behind pledges. A campaign's `payments` mode says how backers pay: `none` (a
//! promise), `manual` (WeChat Pay or Alipay to the creator, with a reference, marked paid by
//! the creator) or `stripe` (not offered yet: refused when a campaign asks for it). With
//! payments on, a pledge starts `pending`, holds its units until it is paid or its time runs
//! out ([`expiry`]), and only paid money counts toward the goal.

pub mod expiry;

use crate::creator::Creator;
use crate::error::Error;
use crate::hub::Hub;
use crate::startup::AppState;
use crate::store::StoredPledge;
use crate::store::payments::MarkedPaid;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use domain::PaymentStatus;
use domain::wire::{PaymentInfo, Problem};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(mark_paid))
}

/// What the backer of `pledge` is told of its payment; `None` without payments.
pub fn info(hub: &Hub, pledge: &StoredPledge) -> Option<PaymentInfo> {
    let status = pledge.payment?;
    let mut info =
        PaymentInfo { status: status.as_str().to_owned(), reference: None, instructions: None, due_at: None };
    if status == PaymentStatus::Pending && !pledge.cancelled {
        let campaign = hub.get(&pledge.campaign_id).map(|e| e.snapshot(crate::now()).campaign.clone());
        if let Some(manual) = campaign.as_deref().and_then(|c| c.manual_payment()) {
            info.reference = Some(reference(pledge));
            info.instructions = Some(manual.instructions.clone());
            info.due_at = pledge.payment_due_at;
        }
    }
    Some(info)
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
              (status = 409, body = Problem, description = "Cancelled, void, or of a campaign without payments")))]
async fn mark_paid(
    State(state): State<AppState>,
    creator: Creator,
    Path((id, pledge)): Path<(String, String)>,
) -> Result<Response, Error> {
    creator.campaign(&state, &id)?;
    mark(&state, &id, &pledge).await?;
    let status = PaymentStatus::Paid.as_str().to_owned();
    Ok(axum::Json(PaymentInfo { status, reference: None, instructions: None, due_at: None }).into_response())
}

/// Marks pledge `pledge` of campaign `id` (which the caller checked is the creator's)
/// paid, and shows the new totals to every viewer; for the creator API and the dashboard.
pub async fn mark(state: &AppState, id: &str, pledge: &str) -> Result<(), Error> {
    if pledge.len() > 64 {
        return Err(Error::NotFound);
    }
    let now = crate::now();
    match state.store.mark_paid(id, pledge, now).await? {
        MarkedPaid::Paid(counts) => {
            if let Some(entry) = state.hub.get(id) {
                entry.publish(*counts, now);
            }
            Ok(())
        }
        MarkedPaid::Already => Ok(()),
        MarkedPaid::NotPayable => Err(Error::NotPayable),
        MarkedPaid::NotFound => Err(Error::NotFound),
    }
}

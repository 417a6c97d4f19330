//! A backer's receipt, found by its token and put together once for both doors that show
//! it: the JSON (`GET /api/v1/receipts/{token}`) and the receipt page (`/r/{token}`), which
//! is the same view with the page's forms added.

use super::state::AppState;
use crate::error::Error;
use crate::ids::is_receipt_token;
use domain::wire::ReceiptView;

/// The receipt behind `token`, its links under `base`; `None` for a token of the wrong
/// shape or of no pledge.
pub(super) async fn find(state: &AppState, base: &str, token: &str) -> Result<Option<ReceiptView>, Error> {
    if !is_receipt_token(token) {
        return Ok(None);
    }
    let Some(p) = state.store.receipt(token).await? else { return Ok(None) };
    let delivery = crate::delivery::on_receipt(&state.store, &state.hub, &p, crate::now()).await?;
    Ok(Some(ReceiptView {
        payment: crate::payments::info(&state.cards, &p),
        choose_by: crate::payments::unmade::choose_by(&p),
        share_url: crate::tribe::share_link(base, &p.campaign_id, Some(&p.referral_code)),
        id: p.id,
        campaign: p.campaign_id,
        name: p.name,
        amount: p.amount,
        tier: p.tier_id,
        quantity: p.quantity,
        options: p.options,
        status: if p.cancelled { "cancelled" } else { "live" }.to_owned(),
        referral_code: p.referral_code,
        recruits: p.recruits,
        recruited_amount: p.recruited_amount,
        ship_to: p.ship_to,
        shipping: p.shipping,
        delivery: delivery.delivery,
        survey: delivery.survey,
        shipments: delivery.shipments,
        milestones: delivery.milestones,
    }))
}

/// Where the receipt page's forms post, and why the last choice posted there was refused.
pub(super) struct PageForms {
    pub receipt_url: String,
    /// `None` once the campaign is cancelled: there is nothing left to cancel.
    pub cancel_action: Option<String>,
    pub choose_action: String,
    pub choose_problem: Option<String>,
}

/// The receipt as the widget shows it on the receipt page.
pub(super) fn on_page(view: ReceiptView, forms: PageForms) -> widget::Receipt {
    widget::Receipt {
        cancelled: view.status == "cancelled",
        choose_by: view.choose_by,
        pledge_id: view.id,
        name: view.name,
        amount: view.amount,
        tier: view.tier,
        quantity: view.quantity,
        options: view.options.into_iter().collect(),
        share_url: view.share_url,
        receipt_url: forms.receipt_url,
        cancel_action: forms.cancel_action,
        recruits: view.recruits,
        recruited_amount: view.recruited_amount,
        payment: view.payment,
        ship_to: view.ship_to,
        shipping: view.shipping,
        choose_action: Some(forms.choose_action),
        choose_problem: forms.choose_problem,
    }
}

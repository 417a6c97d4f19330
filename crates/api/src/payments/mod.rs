//! Money behind pledges. A campaign's `payments` mode says how backers pay: `none` (a
//! promise), `manual` (WeChat Pay or Alipay to the creator, with a reference, marked paid by
//! the creator) or `stripe` (a card saved and charged as the funding model says: [`cards`];
//! offered when the server has Stripe's keys). With payments on, a pledge starts `pending`,
//! holds its units until it is paid or secured or its time runs out ([`expiry`]), and only
//! secured or paid money counts toward the goal.

pub mod cards;
pub mod expiry;
pub mod qr;
pub mod stripe;
pub mod stripe_events;
pub mod unmade;

use crate::error::Error;
use crate::hub::Hub;
use crate::store::payments::{Move, Moved};
use crate::store::{Store, StoredPledge};
use domain::wire::PaymentInfo;
use domain::{PaymentMode, PaymentStatus};
use std::sync::Arc;

/// What the money capabilities work with: the store, the hub whose viewers see totals
/// move, and Stripe when the server has its keys. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Cards {
    pub store: Store,
    pub hub: Arc<Hub>,
    pub stripe: Option<stripe::Stripe>,
}

/// What the backer of `pledge` is told of its payment; `None` without payments.
pub fn info(state: &Cards, pledge: &StoredPledge) -> Option<PaymentInfo> {
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

pub(crate) fn campaign_of(hub: &Hub, pledge: &StoredPledge) -> Option<std::sync::Arc<domain::Campaign>> {
    hub.get(&pledge.campaign_id).map(|e| e.snapshot(crate::now()).campaign.clone())
}

/// What a backer writes in a manual transfer's note: their referral code, which the
/// creator finds in the backer list.
pub fn reference(pledge: &StoredPledge) -> String {
    format!("TF-{}", pledge.referral_code)
}

/// Marks pledge `pledge` of campaign `id` (which the caller checked is the creator's)
/// paid, and shows the new totals to every viewer; for the creator API and the dashboard.
/// Only manual payments are marked: a card's status is Stripe's to say.
pub async fn mark(state: &Cards, id: &str, pledge: &str) -> Result<(), Error> {
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

//! Card pledges through Stripe, Kickstarter's way. A pledge starts `pending` and holds its
//! units for 15 minutes while the backer saves a card (a SetupIntent, `usage=off_session`);
//! saved, it is `secured` and counts toward the goal. A flexible campaign charges it at once;
//! an all-or-nothing one when it succeeds (settlement records the outcome, then every
//! replica's round here charges what is due, each pledge claimed by one replica), and
//! never when it fails. A declined charge leaves the pledge `failed` with seven days to save
//! another card through the receipt, which is then charged at once. A paid pledge the backer
//! cancels is refunded through Stripe. No card is charged for a cancelled or failed
//! campaign: cancellation and failure void every pledge not paid in their own transaction
//! (so no later set-up, save or charge moves it), and every paid card is refunded.
//!
//! Nothing the browser says is believed: the server reads every intent back from Stripe.
//!
//! A card is charged at most once per try: the charge is claimed in `card_payments` (a
//! lease) before Stripe is called; its idempotency key (`charge-{pledge}-{attempt}`) makes
//! a retry after a lost answer the same charge at Stripe; and a charge whose intent is
//! recorded is read back, never made again.

use super::Cards;
use super::stripe::{Charge, SetupIntent, Stripe, StripeError};
use crate::error::Error;
use crate::store::StoredPledge;
use crate::store::cards::{Card, Due};
use crate::store::payments::{Move, Moved};
use domain::webhooks::EventType;
use domain::{Funding, PaymentStatus, Timestamp};
use std::time::Duration;

/// Days a backer whose card was declined has to save another one.
pub const FIX_DAYS: i64 = 7;
const EVERY: Duration = Duration::from_secs(2);
const PER_ROUND: i64 = 100;

fn stripe(cards: &Cards) -> Result<&Stripe, Error> {
    cards.stripe.as_ref().ok_or(Error::NotPayable)
}

/// The client secret of the intent saving `pledge`'s card, made now if there is none for
/// the backer's current try; `None` when the pledge awaits no card (saved, paid, void).
pub async fn setup(cards: &Cards, pledge: &StoredPledge) -> Result<Option<String>, Error> {
    let stripe = stripe(cards)?;
    let awaiting = matches!(pledge.payment, Some(PaymentStatus::Pending | PaymentStatus::Failed));
    if !awaiting || pledge.cancelled {
        return Ok(None);
    }
    let card = cards.store.card(&pledge.id).await?.unwrap_or_default();
    // A current try whose card is not saved yet is picked up (a retried request, a
    // reloaded receipt); a declined card's fix is a new try.
    if let (Some(id), None) = (&card.setup_intent, &card.payment_method) {
        let intent = stripe.setup_intent(id).await.map_err(provider)?;
        match intent.status.as_str() {
            "succeeded" => {
                apply_setup(cards, pledge, &intent).await?;
                return Ok(None);
            }
            "canceled" => {}
            _ => return Ok(intent.client_secret),
        }
    }
    let attempt = card.attempt + 1;
    let customer = match &card.customer {
        Some(customer) => customer.clone(),
        None => stripe.create_customer(&pledge.name, &pledge.id).await.map_err(provider)?.id,
    };
    let intent = stripe.create_setup_intent(&customer, &pledge.id, attempt).await.map_err(provider)?;
    let recorded = cards.store.record_setup(&pledge.id, &customer, &intent.id, attempt).await?;
    if recorded.setup_intent.as_deref() == Some(intent.id.as_str()) {
        return Ok(intent.client_secret);
    }
    // Another request recorded its own intent first: the backer uses that one.
    let theirs = recorded.setup_intent.unwrap_or_default();
    Ok(stripe.setup_intent(&theirs).await.map_err(provider)?.client_secret)
}

/// The backer's card form says the card is saved: read the intent back from Stripe and
/// apply what it says. The pledge's payment status after.
pub async fn confirm(cards: &Cards, pledge: &StoredPledge) -> Result<PaymentStatus, Error> {
    let stripe = stripe(cards)?;
    let card = cards.store.card(&pledge.id).await?.ok_or(Error::NotPayable)?;
    let id = card.setup_intent.ok_or(Error::NotPayable)?;
    let intent = stripe.setup_intent(&id).await.map_err(provider)?;
    apply_setup(cards, pledge, &intent).await
}

/// Applies a SetupIntent read from Stripe (by [`confirm`] or from Stripe's event): once it
/// has succeeded, the card is saved and the pledge secured (and charged at once in a
/// flexible campaign). Applying it again changes nothing.
pub async fn apply_setup(
    cards: &Cards,
    pledge: &StoredPledge,
    intent: &SetupIntent,
) -> Result<PaymentStatus, Error> {
    let current = pledge.payment.unwrap_or(PaymentStatus::Void);
    let method = intent.payment_method.as_ref().map(|m| m.id().to_owned());
    let (true, Some(method)) = (intent.status == "succeeded", method) else { return Ok(current) };
    if intent.metadata.get("pledge").is_some_and(|p| *p != pledge.id)
        || !cards.store.record_card(&pledge.id, &intent.id, &method).await?
    {
        // Not this pledge's current intent (an older try's, or another pledge's).
        return Ok(current);
    }
    const SECURE: Move = Move {
        from: &[PaymentStatus::Pending, PaymentStatus::Failed],
        to: PaymentStatus::Secured,
        due_at: None,
        cancelled_too: false,
        event: None,
        mail: None,
    };
    let status = publish(cards, cards.store.move_payment(None, &pledge.id, SECURE, crate::now()).await?);
    let flexible = cards
        .hub
        .get(&pledge.campaign_id)
        .is_some_and(|e| e.snapshot(crate::now()).campaign.funding() == Funding::Flexible);
    if status == Some(PaymentStatus::Secured) && flexible {
        return Ok(charge(cards, &pledge.id).await?.unwrap_or(PaymentStatus::Secured));
    }
    Ok(status.unwrap_or(current))
}

/// Charges `pledge`'s saved card, if it is due one and no other replica is at it: the
/// status after, or `None` when there was nothing for this replica to do. A charge whose
/// answer was lost is read back rather than made again.
pub async fn charge(cards: &Cards, pledge: &str) -> anyhow::Result<Option<PaymentStatus>> {
    let Some(stripe) = cards.stripe.as_ref() else { return Ok(None) };
    let now = crate::now();
    if !cards.store.claim_card(pledge, now).await? {
        return Ok(None);
    }
    let outcome = charge_claimed(cards, stripe, pledge, now).await;
    let (intent, failure, status) = match &outcome {
        Ok(done) => (done.intent.as_deref(), done.failure.as_deref(), done.status),
        Err(_) => (None, None, None),
    };
    cards.store.release_card(pledge, intent, failure).await?;
    outcome.map(|_| status)
}

struct Charged {
    intent: Option<String>,
    failure: Option<String>,
    status: Option<PaymentStatus>,
}

async fn charge_claimed(cards: &Cards, stripe: &Stripe, id: &str, now: Timestamp) -> anyhow::Result<Charged> {
    let none = Charged { intent: None, failure: None, status: None };
    let (Some(pledge), Some(card)) = (cards.store.pledge_by_id(id).await?, cards.store.card(id).await?)
    else {
        return Ok(none);
    };
    if pledge.payment != Some(PaymentStatus::Secured) || pledge.cancelled {
        return Ok(none);
    }
    let (Some(customer), Some(method)) = (&card.customer, &card.payment_method) else { return Ok(none) };
    let Some(entry) = cards.hub.get(&pledge.campaign_id) else { return Ok(none) };
    let currency = entry.snapshot(now).campaign.currency();
    let answer = match &card.payment_intent {
        // Charged before, its outcome not recorded: read it back.
        Some(intent) => stripe.payment_intent(intent).await,
        None => {
            let charge = Charge {
                pledge: id,
                amount: pledge.amount,
                currency: currency.code(),
                customer,
                payment_method: method,
            };
            stripe.charge(&charge, &format!("charge-{id}-{}", card.attempt)).await
        }
    };
    let (intent, failure) = match answer {
        Ok(intent) if intent.status == "succeeded" => {
            let status = move_to(cards, id, PAY, now).await?;
            return Ok(Charged { intent: Some(intent.id), failure: None, status });
        }
        // Stripe is still at it: its event (or the next round) tells the outcome.
        Ok(intent) if intent.status == "processing" => {
            return Ok(Charged {
                intent: Some(intent.id),
                failure: None,
                status: Some(PaymentStatus::Secured),
            });
        }
        Ok(intent) => {
            let why = intent.last_payment_error.and_then(|e| e.message);
            (Some(intent.id), why.unwrap_or_else(|| format!("the charge ended {}", intent.status)))
        }
        Err(StripeError::Unreachable(why)) => anyhow::bail!("charging pledge {id}: {why}"),
        Err(StripeError::Refused { error, .. }) => (
            error.payment_intent.map(|i| i.id),
            error.message.or(error.decline_code).or(error.code).unwrap_or_else(|| "declined".into()),
        ),
    };
    tracing::info!(pledge = %id, reason = %failure, "a charge failed; the backer may fix the card");
    let status = move_to(cards, id, decline(now), now).await?;
    Ok(Charged { intent, failure: Some(failure), status })
}

/// A charge that went through. A pledge cancelled, or voided with its campaign, while its
/// charge was on its way is paid too (and then refunded by the round): money taken is
/// never left unrecorded.
const PAY: Move = Move {
    from: &[PaymentStatus::Secured, PaymentStatus::Void],
    to: PaymentStatus::Paid,
    due_at: None,
    cancelled_too: true,
    event: Some(EventType::PledgePaid),
    mail: Some("payment_paid"),
};

/// A declined charge: the backer has [`FIX_DAYS`] to save another card.
pub fn decline(now: Timestamp) -> Move {
    Move {
        from: &[PaymentStatus::Secured],
        to: PaymentStatus::Failed,
        due_at: Some(now.plus_seconds(FIX_DAYS * 24 * 3600)),
        cancelled_too: false,
        event: None,
        mail: Some("payment_failed"),
    }
}

/// The charge `intent` (of Stripe's `payment_intent.succeeded`) went through.
pub async fn paid(cards: &Cards, pledge: &str, intent: &str) -> anyhow::Result<()> {
    cards.store.release_card(pledge, Some(intent), None).await?;
    move_to(cards, pledge, PAY, crate::now()).await.map(|_| ())
}

/// Refunds `pledge` if it was paid and its money must go back (the pledge or its campaign
/// was cancelled, or the campaign failed), and no other replica is at it.
pub async fn refund(cards: &Cards, pledge: &str) -> anyhow::Result<()> {
    let Some(stripe) = cards.stripe.as_ref() else { return Ok(()) };
    let now = crate::now();
    if !cards.store.claim_card(pledge, now).await? {
        return Ok(());
    }
    let card = cards.store.card(pledge).await?.unwrap_or_default();
    let (intent, failure) = match (&card, cards.store.card_due(pledge).await?) {
        (Card { payment_intent: Some(intent), .. }, Some(Due::Refund)) => {
            match stripe.refund(intent, pledge).await {
                Ok(()) => {
                    const REFUND: Move = Move {
                        from: &[PaymentStatus::Paid],
                        to: PaymentStatus::Refunded,
                        due_at: None,
                        cancelled_too: true,
                        event: Some(EventType::PledgeRefunded),
                        mail: Some("payment_refunded"),
                    };
                    move_to(cards, pledge, REFUND, now).await?;
                    (None, None)
                }
                Err(StripeError::Refused { error, .. }) => {
                    let why = error.message.unwrap_or_else(|| "refused".into());
                    tracing::warn!(pledge, reason = %why, "Stripe refused a refund; it is not tried again");
                    (None, Some(why))
                }
                Err(StripeError::Unreachable(why)) => {
                    tracing::warn!(pledge, reason = %why, "a refund could not be made; trying again");
                    (None, None)
                }
            }
        }
        _ => (None, None),
    };
    cards.store.release_card(pledge, intent, failure.as_deref()).await
}

/// Moves a pledge's payment and shows the new totals to every viewer: the status after the
/// move (`None` when it was not in a status the move starts from).
pub async fn move_to(
    cards: &Cards,
    pledge: &str,
    step: Move,
    now: Timestamp,
) -> anyhow::Result<Option<PaymentStatus>> {
    Ok(publish(cards, cards.store.move_payment(None, pledge, step, now).await?))
}

fn publish(cards: &Cards, moved: Moved) -> Option<PaymentStatus> {
    match moved {
        Moved::Done(counts, pledge) => {
            if let Some(entry) = cards.hub.get(&pledge.campaign_id) {
                entry.publish(*counts, crate::now());
            }
            pledge.payment
        }
        Moved::Unmoved(_) | Moved::NotFound => None,
    }
}

fn provider(error: StripeError) -> Error {
    tracing::warn!(error = %error, "Stripe did not do what was asked");
    Error::Provider
}

/// Every replica, every two seconds: charges saved cards of campaigns that succeeded,
/// refunds paid pledges that were cancelled or whose campaign was cancelled or failed,
/// and lets go of cards that will never be charged (each claimed by one replica).
pub(crate) fn spawn(cards: Cards) {
    if cards.stripe.is_none() {
        return;
    }
    tokio::spawn(async move {
        let mut every = cards.store.every(EVERY);
        while every.next().await {
            if let Err(e) = round(&cards).await {
                tracing::warn!(error = %e, "charging or refunding cards failed; trying again");
            }
        }
    });
}

/// One round of [`spawn`]'s work; public for tests.
pub async fn round(cards: &Cards) -> anyhow::Result<()> {
    for (pledge, due) in cards.store.cards_due(crate::now(), PER_ROUND).await? {
        let done = match due {
            Due::Charge => charge(cards, &pledge).await.map(|_| ()),
            Due::Refund => refund(cards, &pledge).await,
            Due::Release => release(cards, &pledge).await,
        };
        if let Err(e) = done {
            tracing::warn!(error = %e, pledge, "a card will be tried again");
        }
    }
    Ok(())
}

/// Lets go, at Stripe, of the card of a pledge that will never be charged (cancelled,
/// void or refunded): an intent not confirmed is cancelled, a saved card detached.
pub async fn release(cards: &Cards, pledge: &str) -> anyhow::Result<()> {
    let Some(stripe) = cards.stripe.as_ref() else { return Ok(()) };
    let now = crate::now();
    if !cards.store.claim_card(pledge, now).await? {
        return Ok(());
    }
    let card = cards.store.card(pledge).await?.unwrap_or_default();
    let released = match (&card.payment_method, &card.setup_intent) {
        (Some(method), _) => stripe.detach(method).await,
        (None, Some(intent)) => stripe.cancel_setup_intent(intent).await,
        (None, None) => Ok(()),
    };
    match released {
        // Refused: gone already, or never there; nothing more to let go of.
        Ok(()) | Err(StripeError::Refused { .. }) => cards.store.card_released(pledge, now).await,
        Err(StripeError::Unreachable(why)) => {
            cards.store.release_card(pledge, None, None).await?;
            anyhow::bail!("letting go of a card: {why}")
        }
    }
}

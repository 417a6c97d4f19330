//! Reminders to backers, by every replica's round each minute, each told once
//! (`store::told`):
//!
//! - a declined card, on days 1, 3 and 6 of the [`FIX_DAYS`] its backer has to save another
//!   (after an outage, only the latest day passed is mailed);
//! - a pledge whose payment lapses in 24 hours unpaid (a manual transfer not yet marked
//!   received, a card not yet saved), when it had longer than that to pay.
//!
//! Each carries a freshly minted receipt link, where the card is replaced or the payment
//! instructions are; they are transactional and carry no unsubscribe.

use crate::payments::cards::FIX_DAYS;
use crate::store::Store;
use crate::store::mails::NewMail;
use crate::store::told::PaymentDue;
use domain::Timestamp;
use std::time::Duration;

const EVERY: Duration = Duration::from_secs(60);
const DAY: i64 = 24 * 3600;
/// The days after a decline a reminder goes out.
const CARD_DAYS: [i64; 3] = [1, 3, 6];
/// How long before it lapses an unpaid pledge is reminded.
const LAPSE_NOTICE_SECS: i64 = DAY;
/// The most pledges a round looks at, of each kind.
const PER_ROUND: i64 = 500;

pub fn spawn(store: Store) {
    tokio::spawn(async move {
        let mut every = store.every(EVERY);
        while every.next().await {
            if let Err(e) = round(&store, crate::now()).await {
                tracing::warn!(error = %e, "reminding backers failed; trying again");
            }
        }
    });
}

/// Queues, at `now`, every reminder that is due and not yet told.
pub async fn round(store: &Store, now: Timestamp) -> anyhow::Result<()> {
    let Some(base) = store.mail_base() else { return Ok(()) };
    let window = (now, now.plus_seconds(FIX_DAYS * DAY));
    for due in store.payments_due_between("failed", window, PER_ROUND).await? {
        if let Some(day) = card_day(now, due.payment_due_at) {
            remind(store, &due, (format!("card:{}:{day}", due.payment_due_at), "card"), &base).await?;
        }
    }
    let window = (now, now.plus_seconds(LAPSE_NOTICE_SECS));
    for due in store.payments_due_between("pending", window, PER_ROUND).await? {
        if due.payment_due_at - due.created_at > LAPSE_NOTICE_SECS {
            remind(store, &due, (format!("lapse:{}", due.payment_due_at), "lapse"), &base).await?;
        }
    }
    Ok(())
}

/// The latest reminder day passed at `now` for a card declined with `due_at` to replace it.
fn card_day(now: Timestamp, due_at: i64) -> Option<i64> {
    let days = (now.unix() - (due_at - FIX_DAYS * DAY)).div_euclid(DAY);
    CARD_DAYS.iter().rev().find(|&&d| days >= d).copied()
}

/// Tells `what` of the pledge once, when its contact is an address. Days only pass, so a
/// card reminder is never looked at after a later day's.
async fn remind(
    store: &Store,
    due: &PaymentDue,
    (what, reminder): (String, &str),
    base: &str,
) -> anyhow::Result<()> {
    let Some(address) = domain::contact::email(&due.contact) else { return Ok(()) };
    let subject = format!("pledge:{}", due.id);
    // A read first: a write for what was told would take SQLite's lock every minute.
    if store.told(&subject).await?.contains(&what) {
        return Ok(());
    }
    let mail = NewMail {
        id: crate::ids::time_ordered(),
        campaign_id: Some(due.campaign_id.clone()),
        pledge_id: Some(due.id.clone()),
        kind: "payment_reminder",
        recipient: address.to_owned(),
        lang: if due.lang == "zh-CN" { "zh-CN" } else { "en" },
        data: serde_json::json!({ "base": base, "reminder": reminder }).to_string(),
    };
    store.tell_once(&subject, &what, &[mail]).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_declined_card_is_reminded_on_days_one_three_and_six_and_after_an_outage_only_the_latest() {
        let declined = Timestamp::from_unix(1_000_000);
        let due = declined.unix() + FIX_DAYS * DAY;
        let at = |hours: i64| card_day(declined.plus_seconds(hours * 3600), due);
        assert_eq!(at(23), None);
        assert_eq!((at(24), at(71)), (Some(1), Some(1)));
        assert_eq!((at(72), at(143)), (Some(3), Some(3)));
        assert_eq!((at(144), at(167)), (Some(6), Some(6)));
    }
}

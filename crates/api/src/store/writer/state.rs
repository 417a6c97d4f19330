//! Where each pledge of a batch stands while the batch is worked out, and the checks that
//! need no database: the campaign as the transaction found it, dates and tier windows,
//! and the row an admitted pledge becomes.

use super::command::{Accepted, PledgeCommand};
use crate::ids;
use crate::store::db::{Conn, ROWS_PER_INSERT, on_conn};
use crate::store::{Refusal, StoredPledge, StoredSecret, receipts};
use domain::{Campaign, PaymentMode, PaymentStatus, Timestamp, Unavailable};
use sqlx::QueryBuilder;
use std::collections::HashMap;

/// Where a pledge of the batch stands while the batch is worked out.
pub(in crate::store) enum State {
    Done(Result<Accepted, Refusal>),
    /// A key already used earlier in this batch, by the pledge at this index.
    SameKeyAs(usize),
    /// Waiting for its tier to be claimed.
    Candidate,
    /// Claimed; the row to insert and its receipt secret.
    Admitted(StoredPledge, String),
}

/// A touched campaign as the batch's transaction found it.
pub(super) struct Current {
    revision: u64,
    pub(super) cancelled: bool,
}

/// Reads (and on PostgreSQL locks, in sorted order) the revision of each campaign.
pub(super) async fn lock_campaigns(
    conn: &mut Conn,
    mut ids: Vec<&str>,
) -> sqlx::Result<HashMap<String, Current>> {
    ids.sort_unstable();
    ids.dedup();
    let lock = if matches!(conn, Conn::Postgres(_)) { " FOR UPDATE" } else { "" };
    let mut current = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(ROWS_PER_INSERT) {
        let rows: Vec<(String, i64, Option<i64>)> = on_conn!(&mut *conn, |c| {
            let mut query: QueryBuilder<Db> =
                QueryBuilder::new("SELECT id, revision, cancelled_at FROM campaigns WHERE id IN (");
            let mut list = query.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            query.push(") ORDER BY id").push(lock);
            query.build_query_as().fetch_all(&mut **c).await
        })?;
        for (id, revision, cancelled_at) in rows {
            current.insert(
                id,
                Current { revision: u64::try_from(revision).unwrap_or(0), cancelled: cancelled_at.is_some() },
            );
        }
    }
    Ok(current)
}

/// Whether the campaign is still as the pledge was checked against, then dates and tier
/// windows, which need no database.
pub(super) fn admissible(command: &PledgeCommand, current: Option<&Current>, now: Timestamp) -> State {
    let tier = command.pledge.tier().map(|t| t.as_str());
    match open_for((&command.campaign, command.revision), tier, current, now) {
        Ok(()) => State::Candidate,
        Err(refusal) => State::Done(Err(refusal)),
    }
}

/// Why a pledge or waitlist entry for `tier` of `campaign` (checked against `revision`)
/// cannot be taken now, if it cannot.
pub(super) fn open_for(
    (campaign, revision): (&Campaign, u64),
    tier: Option<&str>,
    current: Option<&Current>,
    now: Timestamp,
) -> Result<(), Refusal> {
    match current {
        None => return Err(Refusal::NotFound),
        Some(c) if c.cancelled => return Err(Refusal::Cancelled),
        Some(c) if c.revision != revision => return Err(Refusal::Changed),
        Some(_) => {}
    }
    if now < campaign.starts_at() {
        return Err(Refusal::NotStarted(campaign.starts_at()));
    }
    if now >= campaign.ends_at() {
        return Err(Refusal::Ended);
    }
    let tier = tier.and_then(|t| campaign.tier(t));
    match tier.map(|t| t.available_at(now)) {
        Some(Err(why)) => Err(Refusal::TierUnavailable {
            tier: tier.map(|t| t.id().to_string()).unwrap_or_default(),
            opens_at: tier.and_then(|t| t.available_from()).filter(|_| why == Unavailable::NotYet),
        }),
        _ => Ok(()),
    }
}

fn new_row(command: &PledgeCommand, now: Timestamp) -> (StoredPledge, String) {
    let pledge = &command.pledge;
    let id = ids::time_ordered();
    // A waitlist offer's pledge opens with its entry's secret, which only the fan knows.
    let (secret, hashed) = match &command.offer {
        Some(offer) => (String::new(), offer.secret_hash.clone()),
        None => {
            let secret = ids::secret();
            let hashed = receipts::hash(&secret);
            (secret, hashed)
        }
    };
    let row = StoredPledge {
        receipt: StoredSecret::Hashed(hashed),
        id,
        campaign_id: command.campaign.id().to_string(),
        tier_id: pledge.tier().map(|t| t.to_string()),
        quantity: pledge.quantity(),
        amount: pledge.amount().minor(),
        options: pledge.options().clone(),
        name: pledge.name().to_owned(),
        referral_code: ids::referral_code(),
        referred_by: None,
        recruits: 0,
        recruited_amount: 0,
        cancelled: false,
        payment: (!command.campaign.payments().is_none()).then_some(PaymentStatus::Pending),
        payment_due_at: payment_due(&command.campaign, now),
        unmade_due_at: None,
        ship_to: pledge.ship_to().map(str::to_owned),
        shipping: pledge.shipping(),
    };
    (row, secret)
}

pub(super) fn admitted(command: &PledgeCommand, now: Timestamp) -> State {
    let (row, secret) = new_row(command, now);
    State::Admitted(row, secret)
}

/// How long a pledge's units are held while its payment is pending: Kickstarter's 15
/// minutes for a card, the creator's setting for a manual payment.
const CARD_HOLD_SECS: i64 = 15 * 60;

fn payment_due(campaign: &Campaign, now: Timestamp) -> Option<Timestamp> {
    match campaign.payments() {
        PaymentMode::None => None,
        PaymentMode::Stripe => Some(now.plus_seconds(CARD_HOLD_SECS)),
        PaymentMode::Manual => {
            let hours = campaign.manual_payment().map_or(72, |m| m.expires_after_hours);
            Some(now.plus_seconds(i64::from(hours) * 3600))
        }
    }
}

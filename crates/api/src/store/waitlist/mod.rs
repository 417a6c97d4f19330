//! Waitlists (候补): fans in line for a sold-out limited tier, and the offers made to them
//! when units come back.
//!
//! Guarantees:
//! - Joining goes through the pledge writer, so places follow the writer's queue: first
//!   come, first placed, and a place is never given twice (`tiers.queued` only grows, and
//!   `(campaign, tier, position)` is unique).
//! - An offer claims its units on the tier as a pledge does (`claimed + n <= max_claims`,
//!   and the `CHECK` on `tiers`): never more offered than free, and a unit is never both
//!   offered and sold. Offers are made in queue order, in the transaction that frees the
//!   units (a cancellation, a voided payment, an expired or left offer in the writer's
//!   batch; a raised limit in the creator's edit), and only while the campaign is live.
//! - An offer becomes a pledge at most once: the writer takes it with a conditional
//!   `UPDATE … WHERE state = 'offered' AND offer_expires_at > now`, and the pledge uses
//!   the units the offer held. One not taken in time is expired by the writer, which
//!   offers its units to the next in line in the same transaction.
//! - The fan's token is the entry's id and a secret kept only as its hash; the pledge the
//!   entry becomes is opened by the same secret (and by its offer mail's link).

mod queue;
mod reads;

pub use queue::DEFAULT_HOLD_HOURS;
pub(in crate::store) use queue::{
    OfferTerms, by_id, event, join, link_pledge, offer_mail, release, serve, serve_raised, take_offer,
};
pub use reads::{lapsed, pledge_token};

use super::writer::command::Client;
use domain::Campaign;
use domain::wire::{WaitState, WaitlistEntry};
use std::sync::Arc;

/// A checked request to join a tier's waitlist, for the writer.
#[derive(Debug)]
pub struct JoinCommand {
    pub campaign: Arc<Campaign>,
    pub revision: u64,
    pub tier: String,
    pub quantity: u32,
    pub name: String,
    pub contact: String,
    /// The pledge it asks for, as the API took it: what it becomes when units come back.
    pub request: String,
    /// Where it came from, and the caps its address is held to.
    pub client: Option<Client>,
    pub lang: &'static str,
}

/// A joined entry, its place in line, and the fan's token (made once, kept as a hash).
#[derive(Debug, Clone)]
pub struct Joined {
    pub entry: WaitlistEntry,
    pub position: u32,
    pub token: String,
}

/// An entry as stored, with what only the store reads.
#[derive(Debug, Clone)]
pub struct StoredEntry {
    pub entry: WaitlistEntry,
    /// The pledge request it becomes.
    pub request: String,
    pub lang: String,
    secret_hash: String,
    mail_hash: Option<String>,
}

impl StoredEntry {
    pub fn state(&self) -> WaitState {
        self.entry.state
    }
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: String,
    campaign_id: String,
    tier_id: String,
    position: i64,
    quantity: i64,
    name: String,
    contact: String,
    request: String,
    lang: String,
    secret_hash: String,
    mail_hash: Option<String>,
    state: String,
    joined_at: i64,
    offered_at: Option<i64>,
    offer_expires_at: Option<i64>,
    pledge_id: Option<String>,
}

/// `SELECT` of an entry's columns, then `$tail` (`WHERE …`).
macro_rules! select_entry {
    ($tail:literal) => {
        concat!(
            "SELECT id, campaign_id, tier_id, position, quantity, name, contact, request, lang, secret_hash, ",
            "mail_hash, state, joined_at, offered_at, offer_expires_at, pledge_id FROM waitlist ",
            $tail
        )
    };
}
use select_entry;

impl From<EntryRow> for StoredEntry {
    fn from(row: EntryRow) -> StoredEntry {
        let options = serde_json::from_str::<domain::wire::PledgeRequest>(&row.request)
            .map(|r| r.options)
            .unwrap_or_default();
        StoredEntry {
            entry: WaitlistEntry {
                id: row.id,
                campaign: row.campaign_id,
                tier: row.tier_id,
                place: u64::try_from(row.position).unwrap_or(0),
                quantity: u32::try_from(row.quantity).unwrap_or(0),
                name: row.name,
                state: WaitState::parse(&row.state).unwrap_or(WaitState::Left),
                joined_at: domain::Timestamp::from_unix(row.joined_at),
                offered_at: row.offered_at.map(domain::Timestamp::from_unix),
                offer_expires_at: row.offer_expires_at.map(domain::Timestamp::from_unix),
                pledge: row.pledge_id,
                contact: Some(row.contact),
                options,
            },
            request: row.request,
            lang: row.lang,
            secret_hash: row.secret_hash,
            mail_hash: row.mail_hash,
        }
    }
}

/// An offer for the writer to take: the entry, and the receipt hash its pledge keeps.
#[derive(Debug, Clone)]
pub struct Offer {
    pub id: String,
    pub(in crate::store) secret_hash: String,
}

impl StoredEntry {
    /// The offer this entry holds, to make a pledge of.
    pub fn offer(&self) -> Option<Offer> {
        (self.entry.state == WaitState::Offered)
            .then(|| Offer { id: self.entry.id.clone(), secret_hash: self.secret_hash.clone() })
    }
}

impl super::Store {
    /// Queues a join for the writer and waits for its place (or refusal). A full queue
    /// answers at once, as for a pledge.
    pub async fn join_waitlist(&self, command: JoinCommand) -> Result<Joined, super::Refusal> {
        let request = super::writer::WaitlistRequest::Join(Box::new(command));
        match self.send_waitlist(request, false).await? {
            super::Waitlisted::Joined(joined) => Ok(joined),
            super::Waitlisted::Released(_) => Err(super::Refusal::Unavailable),
        }
    }

    /// Ends entry `id` as `to` (`Left`, or `Expired` once its offer ran out): an offer's
    /// units pass to the next in line in the same transaction. The entry as it was, or
    /// `None` when it had already moved on.
    pub async fn release_waitlist(
        &self,
        id: &str,
        to: WaitState,
    ) -> Result<Option<StoredEntry>, super::Refusal> {
        let request = super::writer::WaitlistRequest::Release { id: id.to_owned(), to };
        match self.send_waitlist(request, true).await? {
            super::Waitlisted::Released(entry) => Ok(entry),
            super::Waitlisted::Joined(_) => Err(super::Refusal::Unavailable),
        }
    }

    async fn send_waitlist(
        &self,
        request: super::writer::WaitlistRequest,
        wait_for_room: bool,
    ) -> Result<super::Waitlisted, super::Refusal> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let writer = self.writer.as_ref().ok_or(super::Refusal::Unavailable)?;
        let command = super::writer::Command::Waitlist(request, reply);
        if wait_for_room {
            writer.send(command).await.map_err(|_| super::Refusal::Unavailable)?;
        } else {
            writer.try_send(command).map_err(|e| match e {
                tokio::sync::mpsc::error::TrySendError::Full(_) => super::Refusal::Saturated,
                tokio::sync::mpsc::error::TrySendError::Closed(_) => super::Refusal::Unavailable,
            })?;
        }
        answer.await.map_err(|_| super::Refusal::Unknown)?
    }

    /// How long an offer holds its units (`--waitlist-hold-hours`).
    pub fn set_waitlist_hold(&self, hold: std::time::Duration) {
        self.offer_terms.set_hold(hold);
    }

    /// Waits until this replica made waitlist offers (or returns at once if it did since
    /// the last call).
    pub async fn offers_made(&self) {
        self.offer_terms.offered.notified().await;
    }
}

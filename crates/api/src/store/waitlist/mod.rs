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

pub(in crate::store) mod entry;
mod joins;
mod queue;
mod reads;

pub(in crate::store) use joins::join_group;
pub use queue::DEFAULT_HOLD_HOURS;
pub(in crate::store) use queue::{
    OfferTerms, by_id, close, event, link_pledge, offered_news, release, serve, serve_raised, take_offer,
};
pub use reads::{lapsed, pledge_token};

pub use entry::{JoinCommand, Joined, Offer, StoredEntry};

use super::Refusal;
use super::writer::command::{Command, WaitlistRequest, Waitlisted};
use domain::wire::WaitState;

impl super::Store {
    /// Queues a join for the writer and waits for its place (or refusal). A full queue
    /// answers at once, as for a pledge.
    pub async fn join_waitlist(&self, command: JoinCommand) -> Result<Joined, Refusal> {
        let request = WaitlistRequest::Join(Box::new(command));
        match self.send_waitlist(request, false).await? {
            Waitlisted::Joined(joined) => Ok(joined),
            Waitlisted::Released(_) => Err(Refusal::Unavailable),
        }
    }

    /// Ends entry `id` as `to` (`Left`, or `Expired` once its offer ran out): an offer's
    /// units pass to the next in line in the same transaction. The entry as it was, or
    /// `None` when it had already moved on.
    pub async fn release_waitlist(&self, id: &str, to: WaitState) -> Result<Option<StoredEntry>, Refusal> {
        let request = WaitlistRequest::Release { id: id.to_owned(), to };
        match self.send_waitlist(request, true).await? {
            Waitlisted::Released(entry) => Ok(entry),
            Waitlisted::Joined(_) => Err(Refusal::Unavailable),
        }
    }

    async fn send_waitlist(
        &self,
        request: WaitlistRequest,
        wait_for_room: bool,
    ) -> Result<Waitlisted, Refusal> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let writer = self.writer.as_ref().ok_or(Refusal::Unavailable)?;
        let command = Command::Waitlist(request, reply);
        if wait_for_room {
            writer.send(command).await.map_err(|_| Refusal::Unavailable)?;
        } else {
            writer.try_send(command).map_err(|e| match e {
                tokio::sync::mpsc::error::TrySendError::Full(_) => Refusal::Saturated,
                tokio::sync::mpsc::error::TrySendError::Closed(_) => Refusal::Unavailable,
            })?;
        }
        answer.await.map_err(|_| Refusal::Unknown)?
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

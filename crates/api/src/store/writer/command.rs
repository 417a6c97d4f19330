//! What the writer is asked to do, and what it answers: pledges and cancellations on its
//! queue, each with the channel its answer goes back on.

pub use super::client::Client;
use crate::store::waitlist::entry::{JoinCommand, Joined, Offer, StoredEntry};
use crate::store::{Refusal, StoredPledge};
use domain::{Campaign, NewPledge};
use std::sync::Arc;
use tokio::sync::oneshot;

/// A checked pledge for the writer.
#[derive(Debug)]
pub struct PledgeCommand {
    pub campaign: Arc<Campaign>,
    /// The stored revision of `campaign`: the writer refuses the pledge if it has changed.
    pub revision: u64,
    pub pledge: NewPledge,
    /// The `Idempotency-Key` and a hash of the request it came with.
    pub idempotency: Option<(String, String)>,
    /// Where it came from, and the caps its address is held to; `None` for none.
    pub client: Option<Client>,
    /// The most of a limited tier's units that pledges awaiting payment may hold at once,
    /// in percent of its limit; `None` for no bound.
    pub unpaid_share: Option<u8>,
    /// The language the fan pledged in (`en`, `zh-CN`), kept with the pledge.
    pub lang: &'static str,
    /// Who is mailed of the pledge, queued in its transaction; `None` when mail is off.
    pub mail: Option<MailTo>,
    /// The waitlist offer it takes: its units are already claimed, and its receipt opens
    /// with the entry's secret.
    pub offer: Option<Offer>,
}

/// The backer's e-mail address, when their contact is one, and the base of the links in
/// the pledge's mails (the backer's, and the creator's when their site hears of each).
#[derive(Debug, Clone)]
pub struct MailTo {
    pub address: Option<String>,
    pub base: String,
}

/// A durable pledge; `replayed` when it was made by an earlier request with the same key.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub pledge: StoredPledge,
    /// The receipt link's last part: known when the pledge is made, when its request is
    /// replayed with its key, and to whoever presents it.
    pub receipt_token: String,
    pub replayed: bool,
}

/// A cancelled pledge; `already` when an earlier request cancelled it.
#[derive(Debug, Clone)]
pub struct Cancelled {
    pub pledge: StoredPledge,
    pub already: bool,
}

pub(super) type Reply<T> = oneshot::Sender<Result<T, Refusal>>;

/// A cancellation of a pledge, and why.
#[derive(Debug)]
pub(in crate::store) struct CancelRequest {
    pub target: Target,
    pub kind: CancelKind,
}

/// Which pledge a cancellation is for.
#[derive(Debug)]
pub(in crate::store) enum Target {
    /// The one behind a receipt token (its backer).
    Receipt(String),
    /// Pledge id (the server's own rounds).
    Pledge(String),
}

/// Who cancels a pledge, which says when it may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::store) enum CancelKind {
    /// Its backer, while the campaign is live.
    Backer,
    /// Its payment is overdue: whenever, and only while it is still not made.
    Overdue,
    /// Its value was not made and its backer chose no other in time: after the campaign.
    Unmade,
}

/// A change to a waitlist, made in the writer's batch so that places follow its queue.
#[derive(Debug)]
pub(in crate::store) enum WaitlistRequest {
    Join(Box<JoinCommand>),
    /// Ends entry `id` as `to`: `Left` by its fan, `Expired` once its offer ran out.
    Release {
        id: String,
        to: domain::wire::WaitState,
    },
}

/// What a waitlist request did.
#[derive(Debug, Clone)]
pub enum Waitlisted {
    Joined(Joined),
    /// The entry as it was before it ended; `None` when it had already moved on.
    Released(Option<StoredEntry>),
}

#[derive(Debug)]
pub(in crate::store) enum Command {
    Pledge(Box<PledgeCommand>, Reply<Accepted>),
    /// Cancel the pledge with this receipt token.
    Cancel(CancelRequest, Reply<Cancelled>),
    Waitlist(WaitlistRequest, Reply<Waitlisted>),
}

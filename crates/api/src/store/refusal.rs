//! Why the store did not do what it was asked: the store's own answer, mapped to HTTP once
//! (`impl From<Refusal> for crate::Error`). `Clone`, so a request that repeats one already
//! refused in the same batch gets the same answer.

/// A refusal decided in the database's transaction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The campaign starts at the time given.
    #[error("campaign has not started")]
    NotStarted(domain::Timestamp),
    #[error("campaign has ended")]
    Ended,
    #[error("campaign was cancelled")]
    Cancelled,
    /// The pledge was checked against a definition the creator has since changed.
    #[error("campaign changed while the pledge was on its way")]
    Changed,
    #[error("tier {0} is sold out")]
    SoldOut(String),
    /// A waitlist is joined only when the tier cannot give the units asked for: pledge.
    #[error("tier {0} is not sold out")]
    NotSoldOut(String),
    /// This contact already waits for (or holds an offer of) this tier.
    #[error("already on the waitlist of tier {0}")]
    AlreadyWaiting(String),
    /// The waitlist offer was taken, expired or left.
    #[error("the offer is no longer open")]
    OfferGone,
    /// Outside the tier's window: `opens_at` when it has not opened yet.
    #[error("tier {tier} is not available now")]
    TierUnavailable { tier: String, opens_at: Option<domain::Timestamp> },
    #[error("idempotency key reused with a different request")]
    KeyReused,
    /// One address already holds as many units of this limited tier as it may.
    #[error("at most {cap} units of tier {tier} per address")]
    AddressCap { tier: String, cap: u32 },
    /// One address already holds as many units of this limited tier awaiting payment as
    /// it may: it pays for those first.
    #[error("at most {cap} unpaid units of tier {tier} per address")]
    UnpaidCap { tier: String, cap: u32 },
    /// Pledges awaiting payment hold as much of this limited tier as unpaid pledges may;
    /// units come back as they are paid or expire.
    #[error("the rest of tier {0} is held by pledges awaiting payment")]
    HeldUnpaid(String),
    /// The survey locked: answers and addresses are final.
    #[error("the survey has locked")]
    SurveyLocked,
    /// The survey does not open until the campaign succeeds.
    #[error("the survey is not open yet")]
    SurveyNotOpen,
    /// The reward has been shipped: its address can no longer change.
    #[error("already shipped")]
    Shipped,
    /// Nothing has been shipped yet: it cannot have arrived.
    #[error("not shipped yet")]
    NotShipped,
    /// Personal data is erased once the reward is delivered or the pledge cancelled.
    #[error("not erasable yet")]
    NotErasable,
    /// The pledge was cancelled: there is nothing to deliver.
    #[error("the pledge was cancelled")]
    PledgeCancelled,
    #[error("not found")]
    NotFound,
    /// Nothing was stored: the database failed or could not be reached.
    #[error("the store is unavailable")]
    Unavailable,
    /// The writer's queue is full: nothing was taken, and the same request may be sent again
    /// in a moment.
    #[error("the server is saturated")]
    Saturated,
    /// Nobody knows whether it was stored (the commit or the writer failed as it went):
    /// retrying with the same idempotency key gives the answer.
    #[error("the outcome is unknown")]
    Unknown,
}

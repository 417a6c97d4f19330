//! The one error type of the server's capabilities, and the problem document (RFC 9457)
//! each error is told as; `http::problem` answers it with its status.
//!
//! Internal errors are logged with their cause chain and told opaquely: a client never
//! sees SQL, a path or a panic message.

use crate::store::Refusal;
use domain::FieldErrors;
use domain::wire::Problem;
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Malformed(String),
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("not found")]
    NotFound,
    #[error("campaign has not started")]
    NotStarted,
    #[error("campaign has ended")]
    Ended,
    #[error("campaign was cancelled")]
    Cancelled,
    #[error("campaign changed")]
    Changed,
    /// A pledge that cannot be paid: cancelled, void, or of a campaign without payments.
    #[error("not awaiting payment")]
    NotPayable,
    /// The payment provider (Stripe) did not answer, or not as expected.
    #[error("payment provider unavailable")]
    Provider,
    #[error("locked by pledges")]
    Locked(FieldErrors),
    #[error("unauthorized")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("tier {0} is sold out")]
    SoldOut(String),
    /// One address holds as many units of a limited tier as it may.
    #[error("at most {cap} units of tier {tier} per address")]
    AddressCap { tier: String, cap: u32 },
    /// One address holds as many units of a limited tier awaiting payment as it may.
    #[error("at most {cap} unpaid units of tier {tier} per address")]
    UnpaidCap { tier: String, cap: u32 },
    /// Pledges awaiting payment hold as much of a limited tier as they may together.
    #[error("the rest of tier {0} is held by pledges awaiting payment")]
    HeldUnpaid(String),
    #[error("tier {tier} is not available now")]
    TierUnavailable { tier: String, not_yet: bool },
    #[error("request body too large")]
    TooLarge,
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("idempotency key reused with a different request")]
    KeyReused,
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    #[error("service unavailable")]
    Unavailable,
    /// Whether the pledge was stored is not known: retry with the same idempotency key.
    #[error("outcome unknown")]
    Unknown,
    /// Over the server's cap on event streams (in all, or from one address).
    #[error("too many streams")]
    Busy,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Internal(e.into())
    }
}

impl From<Refusal> for Error {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotStarted => Error::NotStarted,
            Refusal::Ended => Error::Ended,
            Refusal::Cancelled => Error::Cancelled,
            Refusal::Changed => Error::Changed,
            Refusal::SoldOut(tier) => Error::SoldOut(tier),
            Refusal::TierUnavailable { tier, not_yet } => Error::TierUnavailable { tier, not_yet },
            Refusal::KeyReused => Error::KeyReused,
            Refusal::AddressCap { tier, cap } => Error::AddressCap { tier, cap },
            Refusal::UnpaidCap { tier, cap } => Error::UnpaidCap { tier, cap },
            Refusal::HeldUnpaid(tier) => Error::HeldUnpaid(tier),
            Refusal::NotFound => Error::NotFound,
            Refusal::Unavailable => Error::Unavailable,
            Refusal::Unknown => Error::Unknown,
        }
    }
}

impl Error {
    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        let (kind, title, detail) = match self {
            Error::Malformed(why) => ("malformed", "Malformed request", why.clone()),
            Error::UnsupportedMediaType => (
                "unsupported-media-type",
                "Unsupported media type",
                "Send the body as application/json.".into(),
            ),
            Error::NotFound => ("not-found", "Not found", "There is nothing at this address.".into()),
            Error::NotStarted => {
                ("not-live", "Campaign not live", "This campaign has not started yet.".into())
            }
            Error::Ended => ("not-live", "Campaign not live", "This campaign has ended.".into()),
            Error::Cancelled => ("cancelled", "Campaign cancelled", "The creator cancelled this campaign.".into()),
            Error::NotPayable => (
                "not-payable",
                "Not awaiting payment",
                "This pledge was cancelled, its time to pay ran out, or its campaign takes no payments.".into(),
            ),
            Error::Provider => (
                "payment-provider",
                "Payment service unavailable",
                "The card service did not answer; nothing was charged. Please try again shortly.".into(),
            ),
            Error::Changed => (
                "campaign-changed",
                "Campaign changed",
                "The creator changed this campaign while the pledge was on its way; please check it and try again."
                    .into(),
            ),
            Error::Locked(_) => (
                "locked",
                "Locked by pledges",
                "Backers have pledged to these terms; see errors for each locked field.".into(),
            ),
            Error::Forbidden => (
                "forbidden",
                "Forbidden",
                "This request did not come from this server's own pages.".into(),
            ),
            Error::Unauthorized => (
                "unauthorized",
                "Unauthorized",
                "Send the site's creator key as `Authorization: Bearer KEY`.".into(),
            ),
            Error::SoldOut(tier) => ("sold-out", "Sold out", format!("The tier \"{tier}\" is sold out.")),
            Error::AddressCap { tier, cap } => (
                "per-address-limit",
                "Limit per address",
                format!("One address may hold at most {cap} units of the tier \"{tier}\"."),
            ),
            Error::UnpaidCap { tier, cap } => (
                "unpaid-limit",
                "Unpaid limit per address",
                format!(
                    "One address may hold at most {cap} units of the tier \"{tier}\" awaiting payment; pay for those first."
                ),
            ),
            Error::HeldUnpaid(tier) => (
                "held-unpaid",
                "Held by unpaid pledges",
                format!(
                    "The rest of the tier \"{tier}\" is held by pledges awaiting payment; units come back if they are not paid in time."
                ),
            ),
            Error::TierUnavailable { tier, not_yet } => (
                "tier-unavailable",
                "Tier not available",
                if *not_yet {
                    format!("The tier \"{tier}\" is not available yet.")
                } else {
                    format!("The tier \"{tier}\" is no longer available.")
                },
            ),
            Error::TooLarge => ("too-large", "Request too large", "The request body is too large.".into()),
            Error::Invalid(_) => ("invalid", "Invalid input", "Some fields are invalid; see errors.".into()),
            Error::KeyReused => (
                "idempotency-key-reused",
                "Idempotency key reused",
                "This Idempotency-Key was already used for a different request.".into(),
            ),
            Error::RateLimited { retry_after_secs } => (
                "rate-limited",
                "Too many requests",
                format!("Too many requests from this address; try again in {retry_after_secs} s."),
            ),
            Error::Unavailable => (
                "unavailable",
                "Service unavailable",
                "The pledge was not taken; please try again shortly.".into(),
            ),
            Error::Unknown => (
                "outcome-unknown",
                "Outcome unknown",
                "It is not known whether the pledge was stored: send it again with the same Idempotency-Key to find out."
                    .into(),
            ),
            Error::Busy => (
                "busy",
                "Too many live streams",
                "The server holds as many live streams as it can; poll the campaign instead, or retry later.".into(),
            ),
            Error::Internal(_) => ("internal", "Internal error", "Something went wrong on our side.".into()),
        };
        let (errors, codes) = match self {
            Error::Invalid(fields) | Error::Locked(fields) => {
                (fields.iter().map(|(k, v)| (k.to_owned(), v.to_string())).collect(), fields.to_map())
            }
            _ => (BTreeMap::new(), BTreeMap::new()),
        };
        Problem {
            kind: format!("/problems/{kind}"),
            title: title.into(),
            status: self.status().as_u16(),
            detail,
            errors,
            codes,
        }
    }
}

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
    /// A format this server does not offer (oEmbed's `format=xml`).
    #[error("not implemented")]
    NotImplemented,
    #[error("not found")]
    NotFound,
    /// What the store refused in its transaction: the campaign's state, a tier's units or
    /// caps, a reused key, or the store itself being unavailable.
    #[error(transparent)]
    Refused(Refusal),
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
    #[error("request body too large")]
    TooLarge,
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    /// Something this request needs is missing on the server (a font for posters).
    #[error("service unavailable")]
    Unavailable,
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
    /// A pledge or receipt that is not there is `NotFound` like any other address.
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotFound => Error::NotFound,
            refusal => Error::Refused(refusal),
        }
    }
}

impl Error {
    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        let (kind, title, detail) = match self {
            Error::Malformed(why) => ("malformed", "Malformed request", why.clone()),
            Error::NotImplemented => {
                ("not-implemented", "Not implemented", "Only format=json is offered.".into())
            }
            Error::UnsupportedMediaType => (
                "unsupported-media-type",
                "Unsupported media type",
                "Send the body as application/json.".into(),
            ),
            Error::NotFound => ("not-found", "Not found", "There is nothing at this address.".into()),
            Error::Refused(refusal) => refusal_words(refusal),
            Error::NotPayable => (
                "not-payable",
                "Not awaiting payment",
                "This pledge was cancelled, its time to pay ran out, or its campaign takes no payments."
                    .into(),
            ),
            Error::Provider => (
                "payment-provider",
                "Payment service unavailable",
                "The card service did not answer; nothing was charged. Please try again shortly.".into(),
            ),
            Error::Locked(_) => (
                "locked",
                "Locked by pledges",
                "Backers have pledged to these terms; see errors for each locked field.".into(),
            ),
            Error::Forbidden => {
                ("forbidden", "Forbidden", "This request did not come from this server's own pages.".into())
            }
            Error::Unauthorized => (
                "unauthorized",
                "Unauthorized",
                "Send the site's creator key as `Authorization: Bearer KEY`.".into(),
            ),
            Error::TooLarge => ("too-large", "Request too large", "The request body is too large.".into()),
            Error::Invalid(_) => ("invalid", "Invalid input", "Some fields are invalid; see errors.".into()),
            Error::RateLimited { retry_after_secs } => (
                "rate-limited",
                "Too many requests",
                format!("Too many requests from this address; try again in {retry_after_secs} s."),
            ),
            Error::Unavailable => (
                "unavailable",
                "Service unavailable",
                "This is not available on this server right now; please try again later.".into(),
            ),
            Error::Busy => (
                "busy",
                "Too many live streams",
                "The server holds as many live streams as it can; poll the campaign instead, or retry later."
                    .into(),
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
            retry_after: self.retry_after(),
        }
    }

    /// Seconds until the same request may succeed, when that is known.
    fn retry_after(&self) -> Option<u64> {
        match self {
            Error::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            Error::Busy => Some(10),
            Error::Refused(Refusal::NotStarted(at) | Refusal::TierUnavailable { opens_at: Some(at), .. }) => {
                Some(seconds_until(*at))
            }
            Error::Refused(Refusal::Saturated | Refusal::Unavailable | Refusal::Unknown) => Some(1),
            _ => None,
        }
    }
}

/// Whole seconds from the server's clock now until `at`, rounded up: a pledge a
/// millisecond early is told "1 s", never "0 s".
fn seconds_until(at: domain::Timestamp) -> u64 {
    let left = at.unix() * 1000 - crate::moment().millis();
    u64::try_from((left + 999) / 1000).unwrap_or(0).max(1)
}

/// A refusal's problem type, title and detail.
fn refusal_words(refusal: &Refusal) -> (&'static str, &'static str, String) {
    match refusal {
        Refusal::NotStarted(at) => (
            "not-live",
            "Campaign not live",
            format!("This campaign has not started yet: it starts in {} s.", seconds_until(*at)),
        ),
        Refusal::Ended => ("not-live", "Campaign not live", "This campaign has ended.".into()),
        Refusal::Cancelled => ("cancelled", "Campaign cancelled", "The creator cancelled this campaign.".into()),
        Refusal::Changed => (
                "campaign-changed",
                "Campaign changed",
                "The creator changed this campaign while the pledge was on its way; please check it and try again."
                    .into(),
            ),
            Refusal::SoldOut(tier) => ("sold-out", "Sold out", format!("The tier \"{tier}\" is sold out.")),
            Refusal::AddressCap { tier, cap } => (
                "per-address-limit",
                "Limit per address",
                format!("One address may hold at most {cap} units of the tier \"{tier}\"."),
            ),
            Refusal::UnpaidCap { tier, cap } => (
                "unpaid-limit",
                "Unpaid limit per address",
                format!(
                    "One address may hold at most {cap} units of the tier \"{tier}\" awaiting payment; pay for those first."
                ),
            ),
            Refusal::HeldUnpaid(tier) => (
                "held-unpaid",
                "Held by unpaid pledges",
                format!(
                    "The rest of the tier \"{tier}\" is held by pledges awaiting payment; units come back if they are not paid in time."
                ),
            ),
            Refusal::TierUnavailable { tier, opens_at: Some(at) } => (
                "tier-not-yet",
                "Tier not open yet",
                format!("The tier \"{tier}\" is not open yet: it opens in {} s.", seconds_until(*at)),
            ),
            Refusal::TierUnavailable { tier, opens_at: None } => (
                "tier-unavailable",
                "Tier not available",
                format!("The tier \"{tier}\" is no longer available."),
            ),
            Refusal::KeyReused => (
                "idempotency-key-reused",
                "Idempotency key reused",
                "This Idempotency-Key was already used for a different request.".into(),
            ),
            Refusal::Saturated => (
                "saturated",
                "Server saturated",
                "The server is taking as many pledges as it can and this one was not taken; send it again with the same Idempotency-Key in a moment."
                    .into(),
            ),
            Refusal::Unavailable => (
                "unavailable",
                "Service unavailable",
                "The pledge was not taken; please try again shortly.".into(),
            ),
            Refusal::Unknown => (
                "outcome-unknown",
                "Outcome unknown",
                "It is not known whether the pledge was stored: send it again with the same Idempotency-Key to find out."
                    .into(),
            ),
        Refusal::SurveyLocked => (
            "survey-locked",
            "Survey locked",
            "The survey has locked: the creator is producing from the answers given, which can no longer change."
                .into(),
        ),
        Refusal::SurveyNotOpen => (
            "survey-not-open",
            "Survey not open yet",
            "The survey opens once the campaign succeeds.".into(),
        ),
        Refusal::Shipped => (
            "already-shipped",
            "Already shipped",
            "The reward has been shipped to the address given; it can no longer change.".into(),
        ),
        Refusal::NotErasable => (
            "not-erasable-yet",
            "Not erasable yet",
            "Personal data can be erased once the reward is delivered or the pledge cancelled: the creator still needs it to deliver."
                .into(),
        ),
        Refusal::NotShipped => {
            ("not-shipped", "Not shipped yet", "Nothing has been shipped for this pledge yet.".into())
        }
        Refusal::PledgeCancelled => {
            ("pledge-cancelled", "Pledge cancelled", "This pledge was cancelled: there is nothing to deliver.".into())
        }
        Refusal::NotSoldOut(tier) => (
            "not-sold-out",
            "Not sold out",
            format!("The tier \"{tier}\" still has the units asked for: pledge for them instead of joining its waitlist."),
        ),
        Refusal::AlreadyWaiting(tier) => (
            "already-waiting",
            "Already on the waitlist",
            format!("This contact is already on the waitlist of the tier \"{tier}\"; its waitlist receipt shows the place."),
        ),
        Refusal::OfferGone => (
            "offer-gone",
            "Offer no longer open",
            "This waitlist offer was already taken, or its time ran out and the units passed to the next in line."
                .into(),
        ),
        Refusal::NotFound => ("not-found", "Not found", "There is nothing at this address.".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use widget::i18n::Lang;

    /// Every refusal a fan can meet on the pledge form, in the widget or on the share page.
    fn fans_refusals() -> Vec<Refusal> {
        let tier = || "early".to_owned();
        vec![
            Refusal::NotStarted(domain::Timestamp::from_unix(0)),
            Refusal::Saturated,
            Refusal::Ended,
            Refusal::Cancelled,
            Refusal::Changed,
            Refusal::SoldOut(tier()),
            Refusal::TierUnavailable { tier: tier(), opens_at: Some(domain::Timestamp::from_unix(0)) },
            Refusal::TierUnavailable { tier: tier(), opens_at: None },
            Refusal::AddressCap { tier: tier(), cap: 2 },
            Refusal::UnpaidCap { tier: tier(), cap: 3 },
            Refusal::HeldUnpaid(tier()),
            Refusal::NotSoldOut(tier()),
            Refusal::AlreadyWaiting(tier()),
            Refusal::OfferGone,
            Refusal::Unavailable,
            Refusal::Unknown,
        ]
    }

    #[test]
    fn every_refusal_a_fan_can_meet_has_words_in_chinese_and_english_is_the_servers_detail_or_better() {
        for refusal in fans_refusals() {
            let problem = Error::from(refusal.clone()).problem();
            let chinese = Lang::ZhCn.refusal(&problem);
            assert!(!chinese.is_ascii(), "{refusal:?} has no Chinese words: {chinese}");
            assert!(!Lang::En.refusal(&problem).is_empty(), "{refusal:?}");
        }
    }

    #[test]
    fn a_refusal_without_words_of_its_own_is_told_in_the_servers_detail() {
        let problem = Error::RateLimited { retry_after_secs: 30 }.problem();
        assert_eq!(Lang::ZhCn.refusal(&problem), problem.detail);
        assert!(problem.detail.contains("30 s"));
    }

    #[test]
    fn a_pledge_a_millisecond_before_its_tier_opens_is_told_one_second_in_the_readers_words() {
        let opens = crate::moment().timestamp().plus_seconds(1);
        // What the writer reads at commit a millisecond early is the second before.
        assert!(domain::Moment::from_millis(opens.unix() * 1000 - 1).timestamp() < opens);
        let problem =
            Error::from(Refusal::TierUnavailable { tier: "early".into(), opens_at: Some(opens) }).problem();
        assert_eq!(problem.retry_after, Some(1));
        assert_eq!(Lang::ZhCn.refusal(&problem), "尚未开放：1 秒后开放。");
        assert_eq!(Lang::En.refusal(&problem), "Not open yet: it opens in 1 s.");
    }

    #[test]
    fn a_missing_pledge_is_not_found_like_any_other_address() {
        assert!(matches!(Error::from(Refusal::NotFound), Error::NotFound));
        assert!(matches!(Error::from(Refusal::SoldOut("a".into())), Error::Refused(Refusal::SoldOut(_))));
    }
}

//! Taking and cancelling a pledge: the one path shared by the JSON API and the plain HTML
//! form. Taking: rate limit by address, check against the campaign as the hub holds it,
//! hand to the writer, wait until durable. Cancelling: through the writer, then a paid
//! card's money goes back at once (and by every replica's round, should that fail).
//! Both doors read an idempotency key by one rule ([`key`]).

use crate::error::Error;
use crate::hub::Entry;
use crate::metrics::Metrics;
use crate::payments::Cards;
use crate::ratelimit::Limiter;
use crate::store::{Accepted, Cancelled, Client, MailTo, PledgeCommand, Store};
use domain::wire::PledgeRequest;
use domain::{IdempotencyKey, NewPledge};
use std::net::IpAddr;
use widget::i18n::Lang;

/// Who is pledging, as the door saw them.
#[derive(Debug, Clone)]
pub struct Fan {
    pub ip: IpAddr,
    /// The language of the page they pledge from; the request's own `lang` wins when it
    /// names one we speak.
    pub lang: Lang,
    /// The base of the links mailed to them (`https://fund.example.com`).
    pub base: String,
}

/// Takes `request` for the campaign behind `entry`. A `key` seen before with the same
/// request gives back the first answer; with another request, 422. The server's cap
/// bounds the units of a limited tier that the fan's address may hold (an IPv6 /64 counts
/// as one). With mail on, a contact that is an e-mail address is mailed the pledge, queued
/// in its transaction. Every outcome is counted in the metrics.
pub async fn take(
    state: &Desk<'_>,
    entry: &std::sync::Arc<Entry>,
    request: PledgeRequest,
    key: Option<IdempotencyKey>,
    fan: &Fan,
) -> Result<Accepted, Error> {
    let ip = fan.ip;
    let outcome: Result<Accepted, Error> = async {
        state
            .limiter
            .check(ip, std::time::Instant::now())
            .map_err(|retry_after_secs| Error::RateLimited { retry_after_secs })?;
        let idempotency = key.map(|key| {
            let body = serde_json::to_vec(&request).unwrap_or_default();
            (key.as_str().to_owned(), crate::ids::sha256_hex(&body))
        });
        let snapshot = entry.snapshot(crate::now());
        let lang = request.lang.as_deref().and_then(Lang::from_tag).unwrap_or(fan.lang);
        let pledge = NewPledge::parse(request, &snapshot.campaign).map_err(Error::Invalid)?;
        let mail = state.mail.then(|| MailTo {
            address: domain::contact::email(pledge.contact()).map(str::to_owned),
            base: fan.base.clone(),
        });
        let client = Client {
            address: crate::admission::address_key(ip).to_string(),
            units: state.caps.units_per_address,
            unpaid: state.caps.unpaid_per_address,
        };
        let command = PledgeCommand {
            campaign: snapshot.campaign.clone(),
            revision: snapshot.revision,
            pledge,
            idempotency,
            client: Some(client),
            unpaid_share: state.caps.unpaid_share_of_tier,
            lang: lang.tag(),
            mail,
            offer: None,
        };
        let answer = state.store.pledge(command).await;
        // A pledge the saturated server turned away at once cost it nothing. (A replay is
        // still counted: each one is read by the writer, so free replays would let one
        // address fill its queue.)
        if matches!(&answer, Err(crate::store::Refusal::Saturated)) {
            state.limiter.refund(ip);
        }
        Ok(answer?)
    }
    .await;
    state.metrics.pledge(&outcome);
    outcome
}

/// What taking a pledge works with.
pub struct Desk<'a> {
    pub store: &'a Store,
    /// Pledges per client address.
    pub limiter: &'a Limiter,
    pub metrics: &'a Metrics,
    pub caps: Caps,
    /// Whether mail is sent (an SMTP server or a folder is configured).
    pub mail: bool,
}

/// The server's bounds on what one address, and pledges awaiting payment, may hold of a
/// limited tier (`None`: no bound).
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    pub units_per_address: Option<u32>,
    pub unpaid_per_address: Option<u32>,
    /// In percent of the tier's limit.
    pub unpaid_share_of_tier: Option<u8>,
}

/// An idempotency key as a client sent it (the JSON API's `Idempotency-Key` header, the
/// plain form's hidden field), or why it is refused: absent or empty is fine, anything
/// else must be 1 to 128 visible ASCII characters.
pub fn key(sent: Option<&[u8]>) -> Result<Option<IdempotencyKey>, Error> {
    match sent {
        None | Some(b"") => Ok(None),
        Some(bytes) => {
            std::str::from_utf8(bytes).ok().and_then(IdempotencyKey::parse).map(Some).ok_or_else(|| {
                Error::Malformed("Idempotency-Key must be 1 to 128 visible ASCII characters.".into())
            })
        }
    }
}

/// Cancels the pledge behind receipt `token` while its campaign is live (cancelling it
/// again changes nothing); a paid card is refunded at once, and by every replica's round
/// should that fail.
pub async fn cancel(cards: &Cards, token: &str) -> Result<Cancelled, Error> {
    if !crate::ids::is_receipt_token(token) {
        return Err(Error::NotFound);
    }
    let cancelled = cards.store.cancel(token).await?;
    if cancelled.pledge.payment == Some(domain::PaymentStatus::Paid)
        && let Err(e) = crate::payments::cards::refund(cards, &cancelled.pledge.id).await
    {
        tracing::warn!(error = %e, "a refund will be tried again");
    }
    Ok(cancelled)
}

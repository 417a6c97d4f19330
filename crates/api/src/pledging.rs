//! Taking a pledge: the one path shared by the JSON API, the plain HTML form and, later,
//! payments. Rate limit by address, check against the campaign as the hub holds it, hand
//! to the writer, wait until durable.

use crate::error::Error;
use crate::hub::Entry;
use crate::startup::AppState;
use crate::store::{Accepted, Client, PledgeCommand};
use domain::wire::PledgeRequest;
use domain::{IdempotencyKey, NewPledge};
use std::net::IpAddr;

/// Takes `request` for the campaign behind `entry`. A `key` seen before with the same
/// request gives back the first answer; with another request, 422. The server's cap
/// bounds the units of a limited tier that `ip`'s address may hold (an IPv6 /64 counts as
/// one). Every outcome is counted in the metrics.
pub async fn take(
    state: &AppState,
    entry: &Entry,
    request: PledgeRequest,
    key: Option<IdempotencyKey>,
    ip: IpAddr,
) -> Result<Accepted, Error> {
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
        let pledge = NewPledge::parse(request, &snapshot.campaign).map_err(Error::Invalid)?;
        let client = Client {
            address: crate::admission::address_key(ip).to_string(),
            units: state.settings.tier_cap_per_address,
            unpaid: state.settings.unpaid_cap_per_address,
        };
        let command = PledgeCommand {
            campaign: snapshot.campaign.clone(),
            revision: snapshot.revision,
            pledge,
            idempotency,
            client: Some(client),
            unpaid_share: state.settings.unpaid_share_of_tier,
        };
        Ok(state.store.pledge(command).await?)
    }
    .await;
    state.metrics.pledge(&outcome);
    outcome
}

/// The `Idempotency-Key` header's value, or why it is refused. Absent is fine.
pub fn key_from_header(value: Option<&axum::http::HeaderValue>) -> Result<Option<IdempotencyKey>, Error> {
    match value {
        None => Ok(None),
        Some(value) => value.to_str().ok().and_then(IdempotencyKey::parse).map(Some).ok_or_else(|| {
            Error::Malformed("Idempotency-Key must be 1 to 128 visible ASCII characters.".into())
        }),
    }
}

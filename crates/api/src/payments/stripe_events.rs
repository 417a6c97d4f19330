//! `POST /webhooks/stripe`: what Stripe tells of cards and charges. The signature (HMAC-SHA256
//! of `"<t>.<body>"` with the endpoint's secret, in `Stripe-Signature`) and its age are
//! checked before anything is read (any `t=` at all, the ends of `i64` included, is
//! refused cleanly when out of date); each event is applied once whichever replica receives it
//! and however often it is sent (every move it makes is conditional, and an event applied is
//! recorded).

use super::Cards;
use super::cards;
use super::stripe::{PaymentIntent, SetupIntent};
use domain::{PaymentStatus, Timestamp};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// How old a signed event may be (Stripe's own libraries allow five minutes).
pub const TOLERANCE_SECS: i64 = 300;

#[derive(Debug, Deserialize)]
struct Event {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: EventData,
}

#[derive(Debug, Deserialize)]
struct EventData {
    object: serde_json::Value,
}

/// What became of an event Stripe sent.
pub enum Received {
    /// The server has no Stripe keys.
    NoStripe,
    /// A wrong or stale signature, or no event.
    Refused,
    Applied,
    /// Not applied yet: Stripe sends it again later.
    Later,
}

/// Verifies an event's `Stripe-Signature` and applies it (once, whatever Stripe resends).
pub async fn receive(cards: &Cards, signature: &str, body: &[u8]) -> Received {
    let Some(stripe) = cards.stripe.as_ref() else { return Received::NoStripe };
    if !verify(&stripe.settings.webhook_secret, signature, body, crate::now(), TOLERANCE_SECS) {
        tracing::warn!("a Stripe event with a wrong or stale signature was refused");
        return Received::Refused;
    }
    let Ok(event) = serde_json::from_slice::<Event>(body) else { return Received::Refused };
    match apply(cards, &event).await {
        Ok(()) => Received::Applied,
        Err(e) => {
            tracing::warn!(error = %e, event = %event.kind, "a Stripe event could not be applied yet");
            Received::Later
        }
    }
}

async fn apply(state: &Cards, event: &Event) -> anyhow::Result<()> {
    if state.store.stripe_event_seen(&event.id).await? {
        return Ok(());
    }
    let object = &event.data.object;
    let pledge_of = |metadata: &std::collections::HashMap<String, String>| metadata.get("pledge").cloned();
    match event.kind.as_str() {
        "setup_intent.succeeded" => {
            let intent: SetupIntent = serde_json::from_value(object.clone())?;
            let pledge = match pledge_of(&intent.metadata) {
                Some(id) => state.store.pledge_by_id(&id).await?,
                None => None,
            };
            if let Some(pledge) = pledge {
                cards::apply_setup(state, &pledge, &intent).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            }
        }
        "setup_intent.setup_failed" => {
            // The card form shows the backer why; they may try another card while the hold lasts.
            tracing::info!(event = %event.id, "a backer's card could not be saved");
        }
        "payment_intent.succeeded" | "payment_intent.payment_failed" => {
            let intent: PaymentIntent = serde_json::from_value(object.clone())?;
            if let Some(pledge) = pledge_of(&intent.metadata) {
                let card = state.store.card(&pledge).await?.unwrap_or_default();
                // An older try's charge says nothing of the card saved since.
                let current = card.payment_intent.as_deref().is_none_or(|id| id == intent.id);
                if current && event.kind == "payment_intent.succeeded" {
                    cards::paid(state, &pledge, &intent.id).await?;
                } else if current {
                    let now = crate::now();
                    let why = intent.last_payment_error.and_then(|e| e.message);
                    state
                        .store
                        .release_card(&pledge, Some(&intent.id), why.as_deref().or(Some("declined")))
                        .await?;
                    let status = cards::move_to(state, &pledge, cards::decline(now), now).await?;
                    if status == Some(PaymentStatus::Failed) {
                        tracing::info!(pledge, "a charge failed; the backer may fix the card");
                    }
                }
            }
        }
        _ => {}
    }
    state.store.stripe_event_applied(&event.id, crate::now()).await
}

/// Whether `header` (`t=…,v1=…[,v1=…]`) signs `body` with `secret`, made within
/// `tolerance` seconds of `now`. Compared in constant time.
pub fn verify(secret: &str, header: &str, body: &[u8], now: Timestamp, tolerance: i64) -> bool {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.push(v),
            _ => {}
        }
    }
    let Some(t) = timestamp else { return false };
    // Checked: `t` is whatever the sender wrote, `i64::MIN` included.
    let age = now.unix().checked_sub(t).and_then(i64::checked_abs);
    if age.is_none_or(|age| age > tolerance) {
        return false;
    }
    signatures.iter().any(|signature| {
        let Some(expected) = unhex(signature) else { return false };
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
        mac.update(t.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.verify_slice(&expected).is_ok()
    })
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() != 64 {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhooks::deliver::signature;

    #[test]
    fn a_signature_is_taken_only_when_made_with_the_secret_over_this_body_and_recently() {
        let now = Timestamp::from_unix(1_800_000_000);
        let body = br#"{"id":"evt_1","type":"setup_intent.succeeded"}"#;
        let header = signature("whsec_1", now.unix(), std::str::from_utf8(body).unwrap());
        assert!(verify("whsec_1", &header, body, now, TOLERANCE_SECS));
        assert!(!verify("whsec_2", &header, body, now, TOLERANCE_SECS), "another secret");
        assert!(!verify("whsec_1", &header, b"{\"id\":\"evt_2\"}", now, TOLERANCE_SECS), "another body");
        let later = Timestamp::from_unix(now.unix() + TOLERANCE_SECS + 1);
        assert!(!verify("whsec_1", &header, body, later, TOLERANCE_SECS), "too old: a replay");
        let rotated = format!("{header},v1={}", "0".repeat(64));
        assert!(verify("whsec_1", &rotated, body, now, TOLERANCE_SECS), "any one v1 may match");
        for bad in ["", "t=abc,v1=00", "v1=zz", "t=1800000000", "t=1800000000,v1=é"] {
            assert!(!verify("whsec_1", bad, body, now, TOLERANCE_SECS), "{bad}");
        }
    }

    #[test]
    fn a_signed_timestamp_at_the_ends_of_the_range_is_refused_without_overflowing() {
        let now = Timestamp::from_unix(1_800_000_000);
        let body = "{}";
        for t in [i64::MIN, i64::MIN + 1, -1_800_000_000, i64::MAX, i64::MAX - 1] {
            let header = signature("whsec_1", t, body);
            assert!(!verify("whsec_1", &header, body.as_bytes(), now, TOLERANCE_SECS), "t={t}");
        }
        for header in ["t=99999999999999999999,v1=00", "t=-99999999999999999999,v1=00"] {
            assert!(!verify("whsec_1", header, body.as_bytes(), now, TOLERANCE_SECS), "{header}");
        }
        // Our own clock at either end, too.
        for now in [Timestamp::from_unix(i64::MIN), Timestamp::from_unix(i64::MAX)] {
            let header = signature("whsec_1", 1_800_000_000, body);
            assert!(!verify("whsec_1", &header, body.as_bytes(), now, TOLERANCE_SECS));
        }
    }
}

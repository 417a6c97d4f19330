//! Stripe's side of card pledges (`card_payments`): the intent saving a card, the card,
//! and claims on charges and refunds so that of all replicas one calls Stripe for each;
//! and the Stripe events already applied.

use super::Store;
use super::db::on_conn;
use domain::Timestamp;

/// How long a claim on a charge or refund holds before another replica may take it over
/// (the claimer stopped midway): longer than a call to Stripe may take.
pub const CLAIM_LEASE_SECS: i64 = 120;

/// What a card pledge is due, one rule for the round's search and for the recheck under a
/// claim (see `due!`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// A saved card of a campaign that succeeded (and was not cancelled), not waiting for
    /// its backer to choose a value that is made.
    Charge,
    /// A paid card whose money must go back: the pledge was cancelled, or its campaign was
    /// cancelled or failed.
    Refund,
    /// A card that will never be charged (void, refunded, or cancelled before its charge),
    /// not let go at Stripe yet.
    Release,
}

impl Due {
    fn parse(text: &str) -> Option<Due> {
        match text {
            "charge" => Some(Due::Charge),
            "refund" => Some(Due::Refund),
            "release" => Some(Due::Release),
            _ => None,
        }
    }
}

/// [`Due`] as one SQL expression over `p` (the pledge), `k` (its card) and `c` (its
/// campaign); NULL when nothing is due.
macro_rules! due {
    () => {
        "CASE \
         WHEN p.payment_status = 'secured' AND p.cancelled_at IS NULL AND p.unmade_due_at IS NULL \
              AND c.outcome = 'succeeded' AND c.cancelled_at IS NULL AND k.payment_method IS NOT NULL THEN 'charge' \
         WHEN p.payment_status = 'paid' AND (p.cancelled_at IS NOT NULL OR c.cancelled_at IS NOT NULL OR c.outcome = 'failed') \
              AND k.payment_intent IS NOT NULL AND k.failure IS NULL THEN 'refund' \
         WHEN k.released_at IS NULL AND (p.payment_status IN ('void', 'refunded') \
              OR (p.cancelled_at IS NOT NULL AND p.payment_status IN ('pending', 'secured'))) THEN 'release' END"
    };
}

/// The tables [`due!`] reads.
macro_rules! from_cards {
    () => {
        "FROM card_payments k JOIN pledges p ON p.id = k.pledge_id JOIN campaigns c ON c.id = p.campaign_id"
    };
}

/// One card pledge's Stripe ids.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct Card {
    pub customer: Option<String>,
    pub setup_intent: Option<String>,
    pub payment_method: Option<String>,
    pub payment_intent: Option<String>,
    pub attempt: i64,
    pub failure: Option<String>,
}

impl Store {
    pub async fn card(&self, pledge: &str) -> anyhow::Result<Option<Card>> {
        let mut conn = self.readers.acquire().await?;
        Ok(on_conn!(&mut conn, |c| sqlx::query_as(sql(
            "SELECT customer, setup_intent, payment_method, payment_intent, attempt, failure \
             FROM card_payments WHERE pledge_id = ?"
        ))
        .bind(pledge)
        .fetch_optional(&mut **c)
        .await)?)
    }

    /// Records the intent saving a card for `pledge`, unless one of the same `attempt` or
    /// a later one is recorded (another request made it first): the card as it stands.
    pub async fn record_setup(
        &self,
        pledge: &str,
        customer: &str,
        setup_intent: &str,
        attempt: i64,
    ) -> anyhow::Result<Card> {
        let mut conn = self.readers.acquire().await?;
        on_conn!(&mut conn, |c| sqlx::query(sql(
            "INSERT INTO card_payments (pledge_id, customer, setup_intent, attempt) VALUES (?, ?, ?, ?) \
             ON CONFLICT (pledge_id) DO UPDATE SET customer = excluded.customer, \
             setup_intent = excluded.setup_intent, attempt = excluded.attempt, payment_method = NULL, \
             payment_intent = NULL, failure = NULL \
             WHERE card_payments.attempt < excluded.attempt"
        ))
        .bind(pledge)
        .bind(customer)
        .bind(setup_intent)
        .bind(attempt)
        .execute(&mut **c)
        .await
        .map(|_| ()))?;
        drop(conn);
        self.card(pledge).await?.ok_or_else(|| anyhow::anyhow!("the card of pledge {pledge} vanished"))
    }

    /// Records the saved card of the intent `setup_intent` (a stale intent's card is not).
    pub async fn record_card(
        &self,
        pledge: &str,
        setup_intent: &str,
        payment_method: &str,
    ) -> anyhow::Result<bool> {
        let mut conn = self.readers.acquire().await?;
        let changed = on_conn!(&mut conn, |c| {
            sqlx::query(sql(
            "UPDATE card_payments SET payment_method = ?, failure = NULL WHERE pledge_id = ? AND setup_intent = ?"
        )).bind(payment_method).bind(pledge).bind(setup_intent).execute(&mut **c).await.map(|r| r.rows_affected())
        })?;
        Ok(changed == 1)
    }

    /// Takes the charge or refund of `pledge` for this replica at `now`, unless another
    /// holds it: whether it is ours.
    pub async fn claim_card(&self, pledge: &str, now: Timestamp) -> anyhow::Result<bool> {
        let mut conn = self.readers.acquire().await?;
        let changed = on_conn!(&mut conn, |c| {
            sqlx::query(sql(
            "UPDATE card_payments SET claimed_at = ? WHERE pledge_id = ? AND (claimed_at IS NULL OR claimed_at < ?)"
        )).bind(now.unix()).bind(pledge).bind(now.unix() - CLAIM_LEASE_SECS).execute(&mut **c).await.map(|r| r.rows_affected())
        })?;
        Ok(changed == 1)
    }

    /// Lets the claim go, recording the charge made (if any) and why it failed (if it did).
    pub async fn release_card(
        &self,
        pledge: &str,
        payment_intent: Option<&str>,
        failure: Option<&str>,
    ) -> anyhow::Result<()> {
        let mut conn = self.readers.acquire().await?;
        on_conn!(&mut conn, |c| {
            sqlx::query(sql(
            "UPDATE card_payments SET claimed_at = NULL, payment_intent = COALESCE(?, payment_intent), failure = ? \
             WHERE pledge_id = ?"
        )).bind(payment_intent).bind(failure).bind(pledge).execute(&mut **c).await.map(|_| ())
        })?;
        Ok(())
    }

    /// Card pledges with something due (see [`Due`]) and no live claim on them, at most
    /// `limit`.
    pub async fn cards_due(&self, now: Timestamp, limit: i64) -> anyhow::Result<Vec<(String, Due)>> {
        let mut conn = self.readers.acquire().await?;
        let rows: Vec<(String, String)> = on_conn!(&mut conn, |c| sqlx::query_as(sql(concat!(
            "SELECT id, due FROM (SELECT p.id, k.claimed_at, ",
            due!(),
            " AS due ",
            from_cards!(),
            ") d \
             WHERE due IS NOT NULL AND (claimed_at IS NULL OR claimed_at < ?) ORDER BY id LIMIT ?"
        )))
        .bind(now.unix() - CLAIM_LEASE_SECS)
        .bind(limit)
        .fetch_all(&mut **c)
        .await)?;
        Ok(rows.into_iter().filter_map(|(id, due)| Some((id, Due::parse(&due)?))).collect())
    }

    /// What `pledge`'s card is due now, read afresh (under a claim, before acting on it).
    pub async fn card_due(&self, pledge: &str) -> anyhow::Result<Option<Due>> {
        let mut conn = self.readers.acquire().await?;
        let due: Option<(Option<String>,)> = on_conn!(&mut conn, |c| sqlx::query_as(sql(concat!(
            "SELECT ",
            due!(),
            " ",
            from_cards!(),
            " WHERE p.id = ?"
        )))
        .bind(pledge)
        .fetch_optional(&mut **c)
        .await)?;
        Ok(due.and_then(|(due,)| due).as_deref().and_then(Due::parse))
    }

    /// Records that `pledge`'s card was let go at Stripe.
    pub async fn card_released(&self, pledge: &str, now: Timestamp) -> anyhow::Result<()> {
        let mut conn = self.readers.acquire().await?;
        on_conn!(&mut conn, |c| sqlx::query(sql(
            "UPDATE card_payments SET released_at = ?, claimed_at = NULL WHERE pledge_id = ?"
        ))
        .bind(now.unix())
        .bind(pledge)
        .execute(&mut **c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Whether Stripe event `id` was applied already.
    pub async fn stripe_event_seen(&self, id: &str) -> anyhow::Result<bool> {
        let mut conn = self.readers.acquire().await?;
        let seen: Option<(String,)> =
            on_conn!(&mut conn, |c| sqlx::query_as(sql("SELECT id FROM stripe_events WHERE id = ?"))
                .bind(id)
                .fetch_optional(&mut **c)
                .await)?;
        Ok(seen.is_some())
    }

    /// Records Stripe event `id` applied (after applying it: every move it makes is
    /// conditional, so one applied twice by replicas racing changes things once).
    pub async fn stripe_event_applied(&self, id: &str, now: Timestamp) -> anyhow::Result<()> {
        let mut conn = self.readers.acquire().await?;
        on_conn!(&mut conn, |c| sqlx::query(sql(
            "INSERT INTO stripe_events (id, received_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING"
        ))
        .bind(id)
        .bind(now.unix())
        .execute(&mut **c)
        .await
        .map(|_| ()))?;
        Ok(())
    }
}

impl Store {
    /// A pledge by its id (for Stripe's events, which name it in their metadata).
    pub async fn pledge_by_id(&self, id: &str) -> anyhow::Result<Option<super::StoredPledge>> {
        let mut conn = self.readers.acquire().await?;
        super::pledge_by_id(&mut conn, id).await
    }
}

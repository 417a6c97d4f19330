//! What the database forgets, and when: idempotency keys once they are older than
//! [`IDEMPOTENCY_RETENTION_SECS`] (as payment APIs do: a retry a day later is a new
//! request), dashboard sessions and sign-in links once expired. Every replica purges every
//! few minutes; deleting what another replica deleted already costs nothing.

use super::Store;
use super::db::on_conn;
use domain::Timestamp;
use std::time::Duration;

/// How long an `Idempotency-Key` answers with its first pledge: at least 24 hours, and
/// forgotten within [`EVERY`] after.
pub const IDEMPOTENCY_RETENTION_SECS: i64 = 24 * 3600;
/// How long a delivered webhook event is kept (for the endpoint's record), as Stripe keeps
/// its events for 30 days.
pub const DELIVERED_RETENTION_SECS: i64 = 30 * 24 * 3600;
/// How often the purge runs.
const EVERY: Duration = Duration::from_secs(300);

/// What one purge removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub idempotency_keys: u64,
    pub sessions: u64,
    pub sign_in_links: u64,
    pub webhook_deliveries: u64,
}

impl Store {
    /// Forgets what is past its retention at `now`.
    pub async fn purge(&self, now: Timestamp) -> anyhow::Result<Purged> {
        let mut conn = self.readers.acquire().await?;
        let keys_before = now.plus_seconds(-IDEMPOTENCY_RETENTION_SECS).unix();
        let idempotency_keys =
            on_conn!(&mut conn, |c| sqlx::query(sql("DELETE FROM idempotency_keys WHERE created_at < ?"))
                .bind(keys_before)
                .execute(&mut **c)
                .await
                .map(|r| r.rows_affected()))?;
        let sessions =
            on_conn!(&mut conn, |c| sqlx::query(sql("DELETE FROM sessions WHERE expires_at <= ?"))
                .bind(now.unix())
                .execute(&mut **c)
                .await
                .map(|r| r.rows_affected()))?;
        let sign_in_links =
            on_conn!(&mut conn, |c| sqlx::query(sql("DELETE FROM sign_in_links WHERE expires_at <= ?"))
                .bind(now.unix())
                .execute(&mut **c)
                .await
                .map(|r| r.rows_affected()))?;
        let delivered_before = now.plus_seconds(-DELIVERED_RETENTION_SECS).unix();
        let webhook_deliveries = on_conn!(&mut conn, |c| sqlx::query(sql(
            "DELETE FROM webhook_deliveries WHERE delivered_at < ?"
        ))
        .bind(delivered_before)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(Purged { idempotency_keys, sessions, sign_in_links, webhook_deliveries })
    }
}

/// Purges every [`EVERY`] until the store closes.
pub(super) fn spawn(store: Store) {
    tokio::spawn(async move {
        let mut every = store.every(EVERY);
        while every.next().await {
            match store.purge(crate::now()).await {
                Ok(purged) if purged != Purged::default() => tracing::info!(?purged, "purged expired rows"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "purge failed"),
            }
        }
    });
}

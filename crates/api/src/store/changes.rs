//! Changes made by another process, for a running server to pick up: the command line
//! creating a site, rotating a key or changing origins while `tribefund serve` runs.
//!
//! Keys are checked against the database on every creator request, so a rotated key stops
//! at once everywhere. What servers hold in memory (a site's framing policy, campaigns) is
//! announced: on PostgreSQL with the same NOTIFY channel replicas use; on SQLite, which
//! has no NOTIFY, as rows in `changes` that each server polls for every second.

use super::db::{Conn, on_conn};
use super::{Store, notify};
use crate::hub::Hub;
use std::sync::Arc;
use std::time::Duration;

/// What a notification or a change row names: a campaign id, or `site:<id>`.
pub(crate) const SITE_PREFIX: &str = "site:";

/// How long change rows are kept: far longer than any server takes to poll them.
const KEEP_SECS: i64 = 3_600;

impl Store {
    /// Tells running servers that `subject` (a campaign id, or `site:<id>`) changed.
    pub async fn announce(&self, subject: &str) -> anyhow::Result<()> {
        let mut conn = self.readers.acquire().await?;
        match &mut conn {
            Conn::Postgres(_) => notify(&mut conn, subject).await?,
            Conn::Sqlite(_) => {
                on_conn!(&mut conn, |c| sqlx::query(sql(
                    "INSERT INTO changes (subject, created_at) VALUES (?, ?)"
                ))
                .bind(subject)
                .bind(crate::now().unix())
                .execute(&mut **c)
                .await
                .map(|_| ()))?;
            }
        }
        Ok(())
    }

    /// Brings one announced change into `hub`.
    pub(crate) async fn reload(&self, hub: &Hub, subject: &str) -> anyhow::Result<()> {
        let now = crate::now();
        if let Some(site) = subject.strip_prefix(SITE_PREFIX) {
            if let Some(record) = self.site(site).await? {
                hub.set_site(&record.id, &record.origins.join(" "));
            }
        } else if let Some(stored) = self.campaign(subject).await? {
            hub.insert(stored.campaign, &stored.site, stored.counts, now);
        }
        Ok(())
    }
}

/// Starts polling `changes` from the newest row there now.
pub(super) async fn spawn(pool: sqlx::SqlitePool, store: Store, hub: Arc<Hub>) -> anyhow::Result<()> {
    let (mut seen,): (i64,) =
        sqlx::query_as("SELECT COALESCE(MAX(seq), 0) FROM changes").fetch_one(&pool).await?;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if pool.is_closed() {
                return;
            }
            match poll(&pool, &store, &hub, seen).await {
                Ok(newest) => seen = newest,
                Err(e) => tracing::warn!(error = ?e, "reading changes from other processes failed"),
            }
        }
    });
    Ok(())
}

async fn poll(pool: &sqlx::SqlitePool, store: &Store, hub: &Hub, seen: i64) -> anyhow::Result<i64> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT seq, subject FROM changes WHERE seq > ? ORDER BY seq")
            .bind(seen)
            .fetch_all(pool)
            .await?;
    let mut newest = seen;
    for (seq, subject) in rows {
        store.reload(hub, &subject).await?;
        newest = seq;
    }
    if newest != seen {
        sqlx::query("DELETE FROM changes WHERE created_at < ?")
            .bind(crate::now().unix() - KEEP_SECS)
            .execute(pool)
            .await?;
    }
    Ok(newest)
}

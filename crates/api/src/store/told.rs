//! What is told once, by every replica's rounds alike: a reminder about a pledge, a moment of
//! a campaign to its creator, a digest of new pledges. Each is recorded in the transaction
//! that queues its mails (`mail_told`, or a site's `told_until` moved from the value the
//! round read), so two replicas, or a round after a restart, never queue it twice; a
//! round that loses the race queues nothing.

use super::db::{Conn, on_conn};
use super::mails::{self, NewMail};
use super::{Store, StoredPledge, begin_write, finish};
use domain::Timestamp;
use std::collections::HashSet;

/// A site whose creator hears from it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct People {
    pub site: String,
    pub name: String,
    pub emails: String,
    pub notify: String,
    pub lang: String,
    /// Pledges made before this (unix seconds) were told.
    pub told_until: i64,
}

/// Where a campaign stands after its end, for its creator's mails.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Ending {
    pub campaign: String,
    /// `succeeded` or `failed`; `None` before settlement.
    pub outcome: Option<String>,
    /// Saved cards not yet charged, and cards declined.
    pub secured: i64,
    pub failed: i64,
}

/// A pledge whose payment is due, for its reminder.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PaymentDue {
    pub id: String,
    pub campaign_id: String,
    pub contact: String,
    pub lang: String,
    pub payment_due_at: i64,
    pub created_at: i64,
}

/// A webhook endpoint that was disabled.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Disabled {
    pub id: String,
    pub url: String,
    pub disabled_at: i64,
    pub reason: Option<String>,
}

/// Records `what` of `subject` as told and queues `mails`, in one transaction; false (and
/// nothing queued) when it was told already.
pub(super) async fn record(
    conn: &mut Conn,
    (subject, what): (&str, &str),
    mails: &[NewMail],
    now: Timestamp,
) -> anyhow::Result<bool> {
    let inserted = on_conn!(&mut *conn, |c| {
        sqlx::query(sql(
        "INSERT INTO mail_told (subject, what, created_at) VALUES (?, ?, ?) ON CONFLICT (subject, what) DO NOTHING"
    ))
    .bind(subject)
    .bind(what)
    .bind(now.unix())
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())
    })?;
    if inserted == 1 {
        mails::queue(conn, mails, now).await?;
    }
    Ok(inserted == 1)
}

impl Store {
    /// Queues webhook `events` as telling `what` of `subject`, once across replicas: false
    /// (nothing queued) when it was told already.
    pub(crate) async fn queue_once(
        &self,
        subject: &str,
        what: &str,
        events: &[super::webhooks::NewEvent],
    ) -> anyhow::Result<bool> {
        let now = crate::now();
        let mut conn = self.readers.acquire().await?;
        begin_write(&mut conn).await?;
        let told = async {
            let told = record(&mut conn, (subject, what), &[], now).await?;
            if told {
                super::webhooks::queue(&mut conn, events, now).await?;
            }
            anyhow::Ok(told)
        }
        .await;
        finish(&mut conn, told).await
    }

    /// What of `subject` was told already.
    pub async fn told(&self, subject: &str) -> anyhow::Result<HashSet<String>> {
        let mut conn = self.readers.acquire().await?;
        let rows: Vec<(String,)> =
            on_conn!(&mut conn, |c| sqlx::query_as(sql("SELECT what FROM mail_told WHERE subject = ?"))
                .bind(subject)
                .fetch_all(&mut **c)
                .await)?;
        Ok(rows.into_iter().map(|(what,)| what).collect())
    }

    /// Tells `what` of `subject` with `mails`, once across replicas: false when it was told.
    /// Whatever time the round judged by, the mails go at once.
    pub async fn tell_once(&self, subject: &str, what: &str, mails: &[NewMail]) -> anyhow::Result<bool> {
        let now = crate::now();
        let mut conn = self.readers.acquire().await?;
        begin_write(&mut conn).await?;
        let told = record(&mut conn, (subject, what), mails, now).await;
        finish(&mut conn, told).await
    }

    /// Moves site `site`'s pledges told from `from` to `until` and queues `mails` (a digest),
    /// in one transaction; false (nothing queued) when another round moved it first.
    pub async fn tell_pledges(
        &self,
        site: &str,
        (from, until): (i64, i64),
        mails: &[NewMail],
    ) -> anyhow::Result<bool> {
        let now = crate::now();
        let mut conn = self.readers.acquire().await?;
        begin_write(&mut conn).await?;
        let told = async {
            let moved = on_conn!(&mut conn, |c| sqlx::query(sql(
                "UPDATE sites SET told_until = ? WHERE id = ? AND told_until = ?"
            ))
            .bind(until)
            .bind(site)
            .bind(from)
            .execute(&mut **c)
            .await
            .map(|r| r.rows_affected()))?;
            if moved == 1 {
                mails::queue(&mut conn, mails, now).await?;
            }
            Ok(moved == 1)
        }
        .await;
        finish(&mut conn, told).await
    }

    /// Every site with an address for its creator's mails.
    pub async fn sites_with_people(&self) -> anyhow::Result<Vec<People>> {
        let mut conn = self.readers.acquire().await?;
        Ok(on_conn!(&mut conn, |c| {
            sqlx::query_as(sql(
            "SELECT id AS site, name, emails, notify, lang, told_until FROM sites WHERE emails <> '' ORDER BY id"
        ))
        .fetch_all(&mut **c)
        .await
        })?)
    }

    /// The live pledges of `site`'s campaigns made in `[from, until)`, newest first, at most
    /// `limit`, and how many there were in all.
    pub async fn pledges_made(
        &self,
        site: &str,
        (from, until): (i64, i64),
        limit: i64,
    ) -> anyhow::Result<(Vec<StoredPledge>, i64)> {
        let mut conn = self.readers.acquire().await?;
        let ids: Vec<(String,)> = on_conn!(&mut conn, |c| sqlx::query_as(sql(
            "SELECT p.id FROM pledges p JOIN campaigns c ON c.id = p.campaign_id WHERE c.site_id = ? \
             AND p.created_at >= ? AND p.created_at < ? AND p.cancelled_at IS NULL ORDER BY p.id DESC"
        ))
        .bind(site)
        .bind(from)
        .bind(until)
        .fetch_all(&mut **c)
        .await)?;
        let mut pledges = Vec::new();
        for (id,) in ids.iter().take(usize::try_from(limit).unwrap_or(0)) {
            pledges.extend(super::pledge_by_id(&mut conn, id).await?);
        }
        Ok((pledges, ids.len() as i64))
    }

    /// How `site`'s campaigns settled since `since` stand: the outcome and the cards.
    pub async fn endings(&self, site: &str, since: Timestamp) -> anyhow::Result<Vec<Ending>> {
        let mut conn = self.readers.acquire().await?;
        Ok(on_conn!(&mut conn, |c| sqlx::query_as(sql("SELECT c.id AS campaign, c.outcome, \
             (SELECT COUNT(*) FROM pledges p WHERE p.campaign_id = c.id AND p.cancelled_at IS NULL \
              AND p.payment_status = 'secured') AS secured, \
             (SELECT COUNT(*) FROM pledges p WHERE p.campaign_id = c.id AND p.cancelled_at IS NULL \
              AND p.payment_status = 'failed') AS failed \
             FROM campaigns c WHERE c.site_id = ? AND c.settled_at > ? ORDER BY c.id"))
        .bind(site)
        .bind(since.unix())
        .fetch_all(&mut **c)
        .await)?)
    }

    /// `site`'s webhook endpoints disabled since `since`.
    pub async fn disabled_endpoints(&self, site: &str, since: Timestamp) -> anyhow::Result<Vec<Disabled>> {
        let mut conn = self.readers.acquire().await?;
        Ok(on_conn!(&mut conn, |c| sqlx::query_as(sql(
            "SELECT id, url, disabled_at, disabled_reason AS reason FROM webhook_endpoints \
             WHERE site_id = ? AND disabled_at > ? ORDER BY id"
        ))
        .bind(site)
        .bind(since.unix())
        .fetch_all(&mut **c)
        .await)?)
    }

    /// The units of each value of `campaign`: `(tier, option, value, units)`.
    pub async fn value_units(&self, campaign: &str) -> anyhow::Result<Vec<(String, String, String, i64)>> {
        let mut conn = self.readers.acquire().await?;
        Ok(on_conn!(&mut conn, |c| sqlx::query_as(sql(
            "SELECT tier_id, name, value, claimed FROM option_values WHERE campaign_id = ?"
        ))
        .bind(campaign)
        .fetch_all(&mut **c)
        .await)?)
    }

    /// Pledges whose payment is `status` and due in `(after, before]`, oldest due first, at
    /// most `limit`: declined cards to remind, unpaid manual pledges about to lapse.
    pub async fn payments_due_between(
        &self,
        status: &str,
        (after, before): (Timestamp, Timestamp),
        limit: i64,
    ) -> anyhow::Result<Vec<PaymentDue>> {
        let mut conn = self.readers.acquire().await?;
        Ok(on_conn!(&mut conn, |c| {
            sqlx::query_as(sql(
            "SELECT id, campaign_id, contact, lang, payment_due_at, created_at FROM pledges WHERE payment_status = ? \
             AND payment_due_at > ? AND payment_due_at <= ? AND cancelled_at IS NULL ORDER BY payment_due_at LIMIT ?"
        ))
        .bind(status)
        .bind(after.unix())
        .bind(before.unix())
        .bind(limit)
        .fetch_all(&mut **c)
        .await
        })?)
    }
}

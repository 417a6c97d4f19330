//! The mail outbox. A mail is queued in the transaction of the change it tells of (the
//! pledge writer's batch queues each pledge's receipt mail), so none is lost and none is
//! sent for a change that was rolled back. Every replica's round ([`crate::mail`]) claims
//! due mails for a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so one replica sends a
//! mail at a time; a crash between the send and [`Store::mail_sent`] sends it again, with
//! the same `Message-ID`. What only the mail needs (the receipt link) is kept in `data`
//! until the mail is sent or given up, then emptied.
//!
//! An address a receiving server refuses for good is suppressed for the campaign's site:
//! its mails are given up without being sent, until a new pledge gives it again.

use super::Store;
use super::db::{Conn, ROWS_PER_INSERT, on_conn};
use domain::Timestamp;
use domain::webhooks::EventType;
use sqlx::QueryBuilder;
use std::collections::BTreeMap;

/// A mail to queue in the caller's transaction.
#[derive(Debug, Clone)]
pub struct NewMail {
    pub id: String,
    /// The campaign it tells of; `None` for a mail of no one campaign.
    pub campaign_id: Option<String>,
    pub pledge_id: Option<String>,
    /// What it tells of (`pledge_received`), which chooses its template.
    pub kind: &'static str,
    pub recipient: String,
    pub lang: &'static str,
    /// What it needs that is kept nowhere else, as JSON.
    pub data: String,
}

/// A mail claimed for sending.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueMail {
    pub id: String,
    pub campaign_id: Option<String>,
    pub pledge_id: Option<String>,
    pub kind: String,
    pub recipient: String,
    pub lang: String,
    pub data: Option<String>,
    pub attempts: i64,
    /// The campaign's site refused this address for good: give the mail up unsent.
    pub suppressed: bool,
}

/// The outbox at a glance, for `/readyz` and `/metrics`.
#[derive(Debug, Clone, Copy, Default)]
pub struct MailQueue {
    pub waiting: i64,
    /// Of those, the ones a try failed (the mail server down, or refusing for now).
    pub retrying: i64,
    /// Seconds the oldest waiting mail has waited.
    pub oldest_secs: i64,
    pub sent: i64,
    pub undeliverable: i64,
}

const CLAIM_SQLITE: &str = "UPDATE mails SET locked_until = ?, attempts = attempts + 1 WHERE id IN (\
     SELECT id FROM mails WHERE status = 'waiting' AND next_at <= ? AND locked_until <= ? \
     ORDER BY next_at, id LIMIT ?) RETURNING id";
const CLAIM_POSTGRES: &str = "UPDATE mails SET locked_until = ?, attempts = attempts + 1 WHERE id IN (\
     SELECT id FROM mails WHERE status = 'waiting' AND next_at <= ? AND locked_until <= ? \
     ORDER BY next_at, id LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING id";

/// Queues `mails` in the caller's transaction, to be sent from `now`.
pub(super) async fn queue(conn: &mut Conn, mails: &[NewMail], now: Timestamp) -> sqlx::Result<()> {
    for chunk in mails.chunks(ROWS_PER_INSERT) {
        on_conn!(&mut *conn, |c| {
            let mut query: QueryBuilder<Db> = QueryBuilder::new(
                "INSERT INTO mails (id, campaign_id, pledge_id, kind, recipient, lang, data, next_at, created_at) ",
            );
            query.push_values(chunk, |mut values, mail| {
                values
                    .push_bind(&mail.id)
                    .push_bind(&mail.campaign_id)
                    .push_bind(&mail.pledge_id)
                    .push_bind(mail.kind)
                    .push_bind(&mail.recipient)
                    .push_bind(mail.lang)
                    .push_bind(&mail.data)
                    .push_bind(now.unix())
                    .push_bind(now.unix());
            });
            // A mail whose id is made of what it tells and whom (an update's) is queued once.
            query.push(" ON CONFLICT (id) DO NOTHING");
            query.build().execute(&mut **c).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// Lifts the suppression of each address that new pledges give again, in their
/// transaction: a backer who gives an address again asks to hear at it.
/// One statement per campaign (and per hundred addresses), as the writer's other steps.
pub(super) async fn lift_suppression(conn: &mut Conn, mails: &[NewMail]) -> sqlx::Result<()> {
    let mut by_campaign: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for mail in mails.iter().filter(|m| m.pledge_id.is_some()) {
        if let Some(campaign) = &mail.campaign_id {
            by_campaign.entry(campaign).or_default().push(&mail.recipient);
        }
    }
    for (campaign, addresses) in by_campaign {
        for chunk in addresses.chunks(ROWS_PER_INSERT) {
            on_conn!(&mut *conn, |c| {
                let mut query: QueryBuilder<Db> = QueryBuilder::new(
                    "DELETE FROM mail_suppressed WHERE site_id = (SELECT site_id FROM campaigns WHERE id = ",
                );
                query.push_bind(campaign).push(") AND address IN (");
                let mut list = query.separated(", ");
                for address in chunk {
                    list.push_bind(*address);
                }
                query.push(")");
                query.build().execute(&mut **c).await.map(|_| ())
            })?;
        }
    }
    Ok(())
}

impl Store {
    /// Has the store queue a mail on its own moves (a payment received or declined), with
    /// links under `base`, and sign the way out of mails with `key`: called once at start
    /// when mail is on.
    pub fn mail_links(&self, base: String, key: String) {
        let _ = self.mail_base.set(base);
        let _ = self.mail_key.set(key);
    }

    /// The base of the links in mails; `None` while mail is off.
    pub fn mail_base(&self) -> Option<String> {
        self.mail_base.get().cloned()
    }

    /// Claims up to `limit` due mails for `lease` seconds: no other replica sends them
    /// meanwhile, and a replica that dies holding them lets them go at the lease's end.
    pub async fn claim_mails(&self, now: Timestamp, limit: i64, lease: i64) -> anyhow::Result<Vec<DueMail>> {
        let mut conn = self.readers.acquire().await?;
        // A read first: the claim is a write, which on SQLite would take the write lock
        // from the pledge writer every round even with nothing to send.
        let due: Option<(String,)> = on_conn!(&mut conn, |c| sqlx::query_as(sql(
            "SELECT id FROM mails WHERE status = 'waiting' AND next_at <= ? AND locked_until <= ? LIMIT 1"
        ))
        .bind(now.unix())
        .bind(now.unix())
        .fetch_optional(&mut **c)
        .await)?;
        if due.is_none() {
            return Ok(Vec::new());
        }
        let claim = if matches!(conn, Conn::Postgres(_)) { CLAIM_POSTGRES } else { CLAIM_SQLITE };
        let claimed: Vec<(String,)> = on_conn!(&mut conn, |c| sqlx::query_as(sql(claim))
            .bind(now.unix() + lease)
            .bind(now.unix())
            .bind(now.unix())
            .bind(limit)
            .fetch_all(&mut **c)
            .await)?;
        if claimed.is_empty() {
            return Ok(Vec::new());
        }
        let mails = on_conn!(&mut conn, |c| {
            let mut query: QueryBuilder<Db> = QueryBuilder::new(
                "SELECT m.id, m.campaign_id, m.pledge_id, m.kind, m.recipient, m.lang, m.data, m.attempts, \
                 EXISTS (SELECT 1 FROM mail_suppressed s JOIN campaigns k ON k.site_id = s.site_id \
                 WHERE k.id = m.campaign_id AND s.address = m.recipient) AS suppressed \
                 FROM mails m WHERE m.id IN (",
            );
            let mut ids = query.separated(", ");
            for (id,) in &claimed {
                ids.push_bind(id);
            }
            query.push(") ORDER BY m.next_at, m.id");
            query.build_query_as::<DueMail>().fetch_all(&mut **c).await
        })?;
        Ok(mails)
    }

    /// Mails the receiving servers took: done, and what only they needed is forgotten. One
    /// statement for each hundred.
    pub async fn mails_sent(&self, ids: &[String], now: Timestamp) -> anyhow::Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut conn = self.readers.acquire().await?;
        for chunk in ids.chunks(ROWS_PER_INSERT) {
            on_conn!(&mut conn, |c| {
                let mut query: QueryBuilder<Db> =
                    QueryBuilder::new("UPDATE mails SET status = 'sent', sent_at = ");
                query.push_bind(now.unix()).push(", data = NULL, last_error = NULL WHERE id IN (");
                let mut list = query.separated(", ");
                for id in chunk {
                    list.push_bind(id);
                }
                query.push(")");
                query.build().execute(&mut **c).await.map(|_| ())
            })?;
        }
        Ok(())
    }

    /// A mail that could not be sent this time: tried again at `retry_at`.
    pub async fn mail_retry(&self, id: &str, error: &str, retry_at: Timestamp) -> anyhow::Result<()> {
        let mut conn = self.readers.acquire().await?;
        on_conn!(&mut conn, |c| sqlx::query(sql(
            "UPDATE mails SET next_at = ?, locked_until = 0, last_error = ? WHERE id = ?"
        ))
        .bind(retry_at.unix())
        .bind(error)
        .bind(id)
        .execute(&mut **c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// A mail given up: its address was refused for good (and is suppressed for the
    /// campaign's site when `suppress`, which the site's endpoints hear of as
    /// `mail.undeliverable`), or it cannot be written at all. One transaction.
    pub async fn mail_undeliverable(
        &self,
        mail: &DueMail,
        error: &str,
        suppress: bool,
        now: Timestamp,
    ) -> anyhow::Result<()> {
        let mut conn = self.readers.acquire().await?;
        super::begin_write(&mut conn).await?;
        let given_up = async {
            on_conn!(&mut conn, |c| sqlx::query(sql(
                "UPDATE mails SET status = 'undeliverable', data = NULL, last_error = ? WHERE id = ?"
            ))
            .bind(error)
            .bind(&mail.id)
            .execute(&mut **c)
            .await
            .map(|_| ()))?;
            let Some(campaign) = mail.campaign_id.as_deref().filter(|_| suppress) else { return Ok(()) };
            on_conn!(&mut conn, |c| sqlx::query(sql(
                "INSERT INTO mail_suppressed (site_id, address, reason, created_at) \
                 SELECT site_id, ?, ?, ? FROM campaigns WHERE id = ? ON CONFLICT (site_id, address) DO NOTHING"
            ))
            .bind(&mail.recipient)
            .bind(error)
            .bind(now.unix())
            .bind(campaign)
            .execute(&mut **c)
            .await
            .map(|_| ()))?;
            if super::webhooks::listening(&mut conn, std::iter::once(campaign)).await?.is_empty() {
                return Ok(());
            }
            let data = serde_json::json!({
                "campaign": campaign, "pledge": mail.pledge_id, "address": mail.recipient,
                "mail": mail.kind, "error": error,
            });
            let event = super::webhooks::NewEvent::new(campaign, EventType::MailUndeliverable, data, now);
            Ok(super::webhooks::queue(&mut conn, &[event], now).await?)
        }
        .await;
        super::finish(&mut conn, given_up).await
    }

    /// How the outbox stands, at `now`.
    pub async fn mail_queue(&self, now: Timestamp) -> anyhow::Result<MailQueue> {
        let mut conn = self.readers.acquire().await?;
        let (waiting, retrying, oldest, sent, undeliverable): (i64, i64, Option<i64>, i64, i64) =
            on_conn!(&mut conn, |c| sqlx::query_as(sql(
                // Each count reads the status index, not the whole outbox.
                "SELECT (SELECT COUNT(*) FROM mails WHERE status = 'waiting'), \
                 (SELECT COUNT(*) FROM mails WHERE status = 'waiting' AND last_error IS NOT NULL), \
                 (SELECT MIN(created_at) FROM mails WHERE status = 'waiting'), \
                 (SELECT COUNT(*) FROM mails WHERE status = 'sent'), \
                 (SELECT COUNT(*) FROM mails WHERE status = 'undeliverable')"
            ))
            .fetch_one(&mut **c)
            .await)?;
        Ok(MailQueue {
            waiting,
            retrying,
            oldest_secs: oldest.map_or(0, |at| (now.unix() - at).max(0)),
            sent,
            undeliverable,
        })
    }

    /// Queues `mail` (a fan's list of receipts), unless no pledge holds its address or one
    /// went to it in the last `quiet_secs`: false then, which its door does not tell.
    pub async fn queue_lookup(
        &self,
        mail: &NewMail,
        quiet_secs: i64,
        now: Timestamp,
    ) -> anyhow::Result<bool> {
        let mut conn = self.readers.acquire().await?;
        let (held,): (i64,) =
            on_conn!(&mut conn, |c| sqlx::query_as(sql("SELECT COUNT(*) FROM pledges WHERE contact = ?"))
                .bind(&mail.recipient)
                .fetch_one(&mut **c)
                .await)?;
        drop(conn);
        if held == 0 {
            return Ok(false);
        }
        self.queue_quietly(std::slice::from_ref(mail), quiet_secs, now).await
    }

    /// Queues `mails` (all of one kind, to one address), unless a mail of that kind went to
    /// that address in the last `quiet_secs`: false then.
    pub async fn queue_quietly(
        &self,
        mails: &[NewMail],
        quiet_secs: i64,
        now: Timestamp,
    ) -> anyhow::Result<bool> {
        let Some(first) = mails.first() else { return Ok(false) };
        let mut conn = self.readers.acquire().await?;
        let (recent,): (i64,) = on_conn!(&mut conn, |c| sqlx::query_as(sql(
            "SELECT COUNT(*) FROM mails WHERE kind = ? AND recipient = ? AND created_at > ?"
        ))
        .bind(first.kind)
        .bind(&first.recipient)
        .bind(now.unix() - quiet_secs)
        .fetch_one(&mut **c)
        .await)?;
        if recent > 0 {
            return Ok(false);
        }
        queue(&mut conn, mails, now).await?;
        Ok(true)
    }

    /// `campaign`'s mails, newest first, at most `limit`, of `status` when given.
    pub async fn campaign_mails(
        &self,
        campaign: &str,
        status: Option<&str>,
        limit: u32,
    ) -> anyhow::Result<Vec<domain::wire::MailView>> {
        type Row = (String, String, String, Option<String>, String, i64, Option<i64>, Option<String>);
        let mut conn = self.readers.acquire().await?;
        let rows: Vec<Row> = on_conn!(&mut conn, |c| {
            sqlx::query_as(sql(
            "SELECT id, kind, recipient, pledge_id, status, created_at, sent_at, last_error FROM mails \
             WHERE campaign_id = ? AND (CAST(? AS TEXT) IS NULL OR status = ?) ORDER BY created_at DESC, id DESC LIMIT ?"
        ))
        .bind(campaign)
        .bind(status)
        .bind(status)
        .bind(i64::from(limit))
        .fetch_all(&mut **c)
        .await
        })?;
        Ok(rows
            .into_iter()
            .map(|(id, kind, recipient, pledge, status, created, sent, error)| domain::wire::MailView {
                id,
                kind,
                recipient,
                pledge,
                status,
                created_at: Timestamp::from_unix(created),
                sent_at: sent.map(Timestamp::from_unix),
                error,
            })
            .collect())
    }

    /// `campaign`'s mails by where they stand, at `now`.
    pub async fn campaign_mail_queue(&self, campaign: &str, now: Timestamp) -> anyhow::Result<MailQueue> {
        let mut conn = self.readers.acquire().await?;
        let rows: Vec<(String, i64, i64)> = on_conn!(&mut conn, |c| sqlx::query_as(sql(
            "SELECT status, COUNT(*), MIN(created_at) FROM mails WHERE campaign_id = ? GROUP BY status"
        ))
        .bind(campaign)
        .fetch_all(&mut **c)
        .await)?;
        let mut queue = MailQueue::default();
        for (status, n, oldest) in rows {
            match status.as_str() {
                "waiting" => (queue.waiting, queue.oldest_secs) = (n, (now.unix() - oldest).max(0)),
                "sent" => queue.sent = n,
                _ => queue.undeliverable += n,
            }
        }
        Ok(queue)
    }

    /// The mails a pledge was sent, oldest first: `(kind, status)`.
    pub async fn pledge_mails(&self, pledge_id: &str) -> anyhow::Result<Vec<(String, String)>> {
        let mut conn = self.readers.acquire().await?;
        Ok(on_conn!(&mut conn, |c| sqlx::query_as(sql(
            "SELECT kind, status FROM mails WHERE pledge_id = ? ORDER BY created_at, id"
        ))
        .bind(pledge_id)
        .fetch_all(&mut **c)
        .await)?)
    }
}

//! Payments on pledges: a creator marking a manual payment received, and the pending
//! pledges whose time to pay has run out.

use super::db::{PledgeRow, SELECT_PLEDGE, on_conn};
use super::webhooks::{self, NewEvent};
use super::{Store, StoredPledge, begin_write, counts, finish, notify};
use domain::progress::Counts;
use domain::webhooks::EventType;
use domain::{PaymentStatus, Timestamp};

/// What marking a pledge paid did.
#[derive(Debug)]
pub enum MarkedPaid {
    /// Paid now; the campaign's fresh counts.
    Paid(Box<Counts>),
    /// Paid already: nothing changed.
    Already,
    /// It cannot be paid: cancelled, void, or of a campaign without payments.
    NotPayable,
    NotFound,
}

impl Store {
    /// Marks pledge `pledge` of `campaign` paid: its money counts toward the goal from now,
    /// and `pledge.paid` is queued, in one transaction.
    pub async fn mark_paid(
        &self,
        campaign: &str,
        pledge: &str,
        now: Timestamp,
    ) -> anyhow::Result<MarkedPaid> {
        let mut conn = self.readers.acquire().await?;
        begin_write(&mut conn).await?;
        let marked = async {
            let changed = on_conn!(&mut conn, c => sqlx::query(sql(
                "UPDATE pledges SET payment_status = 'paid', paid_at = ? \
                 WHERE id = ? AND campaign_id = ? AND cancelled_at IS NULL AND payment_status = 'pending'"
            )).bind(now.unix()).bind(pledge).bind(campaign).execute(&mut **c).await.map(|r| r.rows_affected()))?;
            let row: Option<PledgeRow> = on_conn!(&mut conn, c => sqlx::query_as(sql(SELECT_PLEDGE))
                .bind(pledge).fetch_optional(&mut **c).await)?;
            let Some(row) = row.filter(|r| r.campaign_id == campaign) else { return Ok(MarkedPaid::NotFound) };
            let stored = StoredPledge::try_from(row)?;
            if changed == 0 {
                return Ok(if stored.payment == Some(PaymentStatus::Paid) && !stored.cancelled {
                    MarkedPaid::Already
                } else {
                    MarkedPaid::NotPayable
                });
            }
            on_conn!(&mut conn, c => sqlx::query(sql(
                "UPDATE campaigns SET raised = raised + ?, seq = seq + 1 WHERE id = ?"
            )).bind(stored.amount).bind(campaign).execute(&mut **c).await.map(|_| ()))?;
            notify(&mut conn, campaign).await?;
            webhooks::queue(&mut conn, &[NewEvent::pledge(EventType::PledgePaid, &stored, now)], now).await?;
            let counts = counts(&mut conn, campaign).await?;
            anyhow::Ok(MarkedPaid::Paid(Box::new(counts)))
        }
        .await;
        finish(&mut conn, marked).await
    }

    /// Receipt tokens of pending pledges whose time to pay ran out by `now`, at most `limit`
    /// (a cancelled campaign's pledges stay as they were, so they are not asked for).
    pub async fn payments_overdue(&self, now: Timestamp, limit: i64) -> anyhow::Result<Vec<String>> {
        let mut conn = self.readers.acquire().await?;
        let rows: Vec<(String, String)> = on_conn!(&mut conn, c => sqlx::query_as(sql(
            "SELECT p.id, p.receipt_secret FROM pledges p JOIN campaigns c ON c.id = p.campaign_id \
             WHERE p.payment_status = 'pending' AND p.payment_due_at <= ? AND p.cancelled_at IS NULL \
             AND c.cancelled_at IS NULL ORDER BY p.payment_due_at LIMIT ?"
        )).bind(now.unix()).bind(limit).fetch_all(&mut **c).await)?;
        Ok(rows.into_iter().map(|(id, secret)| format!("{id}{secret}")).collect())
    }
}

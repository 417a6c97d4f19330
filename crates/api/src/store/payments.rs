//! Payments on pledges: a payment moving from one status to another (a creator marking a
//! manual payment received, a card saved, charged, declined or refunded), and the pending
//! pledges whose time to pay has run out.
//!
//! With payments on, `campaigns.raised` counts only secured or paid money and `pledged`
//! everything live pledges promise. One pledge's payment moves only through
//! [`Store::move_payment`]: a conditional `UPDATE` naming the status and cancellation it
//! read, so of two moves at once (a browser's confirmation and Stripe's event, two
//! replicas) one happens, and `raised` changes by what it makes count or stop counting, in
//! the transaction that queues its event. A failed or cancelled campaign's unpaid pledges
//! are voided together, in the transaction that settles or cancels it.

use super::db::{Conn, on_conn};
use super::webhooks::{self, NewEvent};
use super::{Store, StoredPledge, begin_write, counts, finish, notify, pledge_by_id};
use domain::progress::Counts;
use domain::webhooks::EventType;
use domain::{PaymentStatus, Timestamp};

/// A payment's move: from any of `from` to `to`.
#[derive(Debug, Clone, Copy)]
pub struct Move {
    pub from: &'static [PaymentStatus],
    pub to: PaymentStatus,
    /// When a pledge left in `to` is given up on (a declined card's time to be fixed);
    /// `None` clears it.
    pub due_at: Option<Timestamp>,
    /// Whether a cancelled pledge moves too (its refund); otherwise only live ones do.
    pub cancelled_too: bool,
    /// The event the move sends.
    pub event: Option<EventType>,
    /// The mail it sends the backer (`payment_paid`), when mail is on and their contact is
    /// an address.
    pub mail: Option<&'static str>,
}

impl Move {
    /// A manual payment received.
    pub const MARK_PAID: Move = Move {
        from: &[PaymentStatus::Pending],
        to: PaymentStatus::Paid,
        due_at: None,
        cancelled_too: false,
        event: Some(EventType::PledgePaid),
        mail: Some("payment_paid"),
    };
}

/// What a move did.
#[derive(Debug)]
pub enum Moved {
    /// Moved; the campaign's fresh counts and the pledge as it now is.
    Done(Box<Counts>, Box<StoredPledge>),
    /// It was not in a status the move starts from (or was cancelled): nothing changed.
    Unmoved(Box<StoredPledge>),
    NotFound,
}

impl Store {
    /// Moves pledge `pledge`'s payment (of `campaign`, when given) as `step` says: what
    /// counts toward the goal changes with it, and its event is queued, in one transaction.
    /// Concurrent moves and cancellations of one pledge are ordered by its row: the update
    /// names the status and cancellation it read, so of two only one moves it.
    pub async fn move_payment(
        &self,
        campaign: Option<&str>,
        pledge: &str,
        step: Move,
        now: Timestamp,
    ) -> anyhow::Result<Moved> {
        let mut conn = self.readers.acquire().await?;
        begin_write(&mut conn).await?;
        let moved = async {
            let found = pledge_by_id(&mut conn, pledge).await?;
            let Some(stored) = found.filter(|p| campaign.is_none_or(|c| p.campaign_id == c)) else {
                return Ok(Moved::NotFound);
            };
            let from = stored.payment.filter(|s| step.from.contains(s));
            let Some(from) = from.filter(|_| step.cancelled_too || !stored.cancelled) else {
                return Ok(Moved::Unmoved(Box::new(stored)));
            };
            let changed = on_conn!(&mut conn, |c| sqlx::query(sql(
                "UPDATE pledges SET payment_status = ?, payment_due_at = ?, \
                 paid_at = CASE WHEN ? THEN ? ELSE paid_at END \
                 WHERE id = ? AND payment_status = ? AND (cancelled_at IS NULL) = ?"
            ))
            .bind(step.to.as_str())
            .bind(step.due_at.map(|t| t.unix()))
            .bind(step.to == PaymentStatus::Paid)
            .bind(now.unix())
            .bind(pledge)
            .bind(from.as_str())
            .bind(!stored.cancelled)
            .execute(&mut **c)
            .await
            .map(|r| r.rows_affected()))?;
            if changed == 0 {
                // Moved or cancelled meanwhile: as it stands now.
                let fresh = pledge_by_id(&mut conn, pledge).await?.unwrap_or(stored);
                return Ok(Moved::Unmoved(Box::new(fresh)));
            }
            let counted = |s: PaymentStatus| if s.counts() && !stored.cancelled { stored.amount } else { 0 };
            let delta = counted(step.to) - counted(from);
            on_conn!(&mut conn, |c| sqlx::query(sql(
                "UPDATE campaigns SET raised = raised + ?, seq = seq + 1 WHERE id = ?"
            ))
            .bind(delta)
            .bind(&stored.campaign_id)
            .execute(&mut **c)
            .await
            .map(|_| ()))?;
            notify(&mut conn, &stored.campaign_id).await?;
            let moved = StoredPledge { payment: Some(step.to), payment_due_at: step.due_at, ..stored };
            if let Some(kind) = step.event {
                webhooks::queue(&mut conn, &[NewEvent::pledge(kind, &moved, now)], now).await?;
            }
            if let (Some(kind), Some(base)) = (step.mail, self.mail_base.get()) {
                super::recipients::queue_for_pledge(&mut conn, &moved, kind, base, now).await?;
            }
            let counts = counts(&mut conn, &moved.campaign_id).await?;
            anyhow::Ok(Moved::Done(Box::new(counts), Box::new(moved)))
        }
        .await;
        finish(&mut conn, moved).await
    }

    /// Pledges whose time to pay ran out by `now` (pending ones, and declined cards not
    /// fixed in time), at most `limit`; a cancelled campaign's pledges are void already.
    pub async fn payments_overdue(&self, now: Timestamp, limit: i64) -> anyhow::Result<Vec<String>> {
        let mut conn = self.readers.acquire().await?;
        let rows: Vec<(String,)> = on_conn!(&mut conn, |c| {
            sqlx::query_as(sql(
            "SELECT p.id FROM pledges p JOIN campaigns c ON c.id = p.campaign_id \
             WHERE p.payment_status IN ('pending', 'failed') AND p.payment_due_at <= ? AND p.cancelled_at IS NULL \
             AND c.cancelled_at IS NULL ORDER BY p.payment_due_at LIMIT ?"
        )).bind(now.unix()).bind(limit).fetch_all(&mut **c).await
        })?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }
}

/// Voids every live pledge of a failed or cancelled campaign whose money was not taken
/// (pending, a card saved for a charge that will not come, a declined card awaiting its
/// fix): what counted of it no longer does, and no later move can secure or charge it
/// (every such move starts from a status this leaves behind).
pub(super) async fn void_unpaid(conn: &mut Conn, campaign: &str) -> anyhow::Result<()> {
    on_conn!(&mut *conn, |c| {
        sqlx::query(sql(
        "UPDATE campaigns SET raised = raised - (SELECT COALESCE(SUM(amount), 0) FROM pledges \
         WHERE campaign_id = ? AND cancelled_at IS NULL AND payment_status = 'secured'), seq = seq + 1 WHERE id = ?"
    )).bind(campaign).bind(campaign).execute(&mut **c).await.map(|_| ())
    })?;
    on_conn!(&mut *conn, |c| {
        sqlx::query(sql(
        "UPDATE pledges SET payment_status = 'void', payment_due_at = NULL \
         WHERE campaign_id = ? AND cancelled_at IS NULL AND payment_status IN ('pending', 'secured', 'failed')"
    )).bind(campaign).execute(&mut **c).await.map(|_| ())
    })?;
    super::notify(conn, campaign).await
}

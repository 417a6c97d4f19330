//! How a batch moves each touched campaign's totals: added up in memory as pledges are
//! admitted and cancelled, then written once per campaign.
//!
//! Totals therefore move only in the transaction that inserts or cancels the pledges they
//! sum (and, for `raised`, with a payment's move: `store::payments`), so `raised`,
//! `pledged` and `backers` always equal what the pledges that count add up to
//! (`Store::recount` checks `raised`).

use crate::store::db::{Conn, on_conn};
use crate::store::notify;

/// How a batch moves one campaign's totals.
#[derive(Debug, Default)]
pub(in crate::store) struct Totals {
    pub(in crate::store) raised: i64,
    pub(in crate::store) pledged: i64,
    pub(in crate::store) backers: i64,
    pub(in crate::store) changes: i64,
    /// The batch changed what the view shows beside the numbers (a public pledge on the
    /// wall, a referral credited, a cancellation): `extras_version` moves.
    pub(in crate::store) extras: bool,
}

impl Totals {
    /// Moves `campaign`'s totals and `seq` once, and tells other replicas.
    pub(in crate::store) async fn apply(&self, conn: &mut Conn, campaign: &str) -> anyhow::Result<()> {
        on_conn!(&mut *conn, |c| {
            sqlx::query(sql(
            "UPDATE campaigns SET raised = raised + ?, pledged = pledged + ?, backers = backers + ?, seq = seq + ?, \
             extras_version = extras_version + ? WHERE id = ?"
        )).bind(self.raised).bind(self.pledged).bind(self.backers).bind(self.changes).bind(i64::from(self.extras))
          .bind(campaign).execute(&mut **c).await.map(|_| ())
        })?;
        notify(conn, campaign).await
    }
}

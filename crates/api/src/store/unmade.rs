//! Option values left short of their minimum batch when a campaign succeeds: their pledges
//! are marked at settlement (due to be cancelled at once, or after the backers' time to
//! choose a value that is made), a backer's choice moves their units to the new value, and
//! the pledges still due are cancelled through the writer (refunded when paid by card).

use super::claims::add_to_value;
use super::db::{Conn, on_conn};
use super::{Store, begin_write, counts, finish, notify};
use domain::progress::Counts;
use domain::{Campaign, PaymentStatus, Timestamp, Unmade};
use std::collections::{BTreeMap, HashMap};

/// The live pledges of a campaign that hold a value not made, and the money of theirs that
/// counts toward the goal.
#[derive(Debug, Default)]
pub(super) struct Short {
    pub(super) pledges: Vec<String>,
    pub(super) counted: i64,
}

/// Finds, inside the settlement's transaction, every live pledge of `campaign` that holds a
/// value not made. When the creator refunds such pledges (`Unmade::Refund`), a value is
/// made only when the units of the pledges not already found short reach its batch:
/// cancelling a short pledge can leave another of its values short, so this repeats until
/// nothing changes, and every value left made stays made once they are cancelled. When
/// backers may choose another value (`Unmade::Switch`), a short pledge may keep its other
/// values, so one pass is made, and a switch never drops a made value below its batch.
pub(super) async fn short(conn: &mut Conn, campaign: &Campaign) -> anyhow::Result<Short> {
    let id = campaign.id().as_str();
    let rows: Vec<(String, String, String, i64, i64, Option<String>)> =
        on_conn!(&mut *conn, |c| sqlx::query_as(sql(
            "SELECT id, tier_id, options, quantity, amount, payment_status FROM pledges \
         WHERE campaign_id = ? AND cancelled_at IS NULL AND tier_id IS NOT NULL"
        ))
        .bind(id)
        .fetch_all(&mut **c)
        .await)?;
    let mut pledges = Vec::with_capacity(rows.len());
    let mut claimed: HashMap<(String, String, String), i64> = HashMap::new();
    for (pledge, tier, options, units, amount, status) in rows {
        let options: BTreeMap<String, String> = serde_json::from_str(&options)?;
        for (name, value) in &options {
            *claimed.entry((tier.clone(), name.clone(), value.clone())).or_default() += units;
        }
        let counts = status.as_deref().and_then(PaymentStatus::parse).is_none_or(PaymentStatus::counts);
        pledges.push((pledge, tier, options, units, if counts { amount } else { 0 }, false));
    }
    let mut found = Short::default();
    loop {
        let made = |tier: &str, name: &str, value: &str| {
            let key = (tier.to_owned(), name.to_owned(), value.to_owned());
            let units = claimed.get(&key).copied().unwrap_or(0);
            campaign.is_made(tier, name, value, u32::try_from(units).unwrap_or(0))
        };
        let newly: Vec<usize> = pledges
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.5 && p.2.iter().any(|(name, value)| !made(&p.1, name, value)))
            .map(|(i, _)| i)
            .collect();
        if newly.is_empty() || (!found.pledges.is_empty() && campaign.unmade() == Unmade::Switch) {
            return Ok(found);
        }
        for i in newly {
            let (pledge, tier, options, units, counted, short) = &mut pledges[i];
            *short = true;
            for (name, value) in options.iter() {
                *claimed.entry((tier.clone(), name.clone(), value.clone())).or_default() -= *units;
            }
            found.pledges.push(pledge.clone());
            found.counted += *counted;
        }
    }
}

/// Marks the `short` pledges due to be cancelled at `due`, inside the settlement's
/// transaction.
pub(super) async fn mark(conn: &mut Conn, short: &[String], due: Timestamp) -> anyhow::Result<()> {
    for pledge in short {
        on_conn!(&mut *conn, |c| sqlx::query(sql("UPDATE pledges SET unmade_due_at = ? WHERE id = ?"))
            .bind(due.unix())
            .bind(pledge)
            .execute(&mut **c)
            .await
            .map(|_| ()))?;
    }
    Ok(())
}

/// What a backer's choice of another value did.
#[derive(Debug)]
pub enum Switched {
    /// Moved; the campaign's fresh counts.
    Done(Box<Counts>),
    /// The pledge is not waiting for a choice (made already, cancelled, or too late).
    NotOffered,
    /// Leaving these options' values would drop each below its minimum batch, which it
    /// had reached: values declared made stay made.
    WouldUnmake(Vec<String>),
}

impl Store {
    /// Moves pledge `pledge` (of `tier`, `units` units) from the options `old` to `new` at
    /// `now`, while its backer may still choose: the claims follow, and it is no longer due
    /// to be cancelled. The update names the options it read, so of two choices at once
    /// one moves it.
    pub async fn switch_options(
        &self,
        (definition, pledge, tier, units): (&Campaign, &str, &str, u32),
        old: &BTreeMap<String, String>,
        new: &BTreeMap<String, String>,
        now: Timestamp,
    ) -> anyhow::Result<Switched> {
        let campaign = definition.id().as_str();
        let mut conn = self.readers.acquire().await?;
        begin_write(&mut conn).await?;
        let switched = async {
            let short = left_short(&mut conn, definition, (tier, i64::from(units)), old, new).await?;
            if !short.is_empty() {
                return Ok(Switched::WouldUnmake(short));
            }
            let changed = on_conn!(&mut conn, |c| sqlx::query(sql(
                "UPDATE pledges SET options = ?, unmade_due_at = NULL WHERE id = ? AND options = ? \
                 AND cancelled_at IS NULL AND unmade_due_at > ?"
            ))
            .bind(serde_json::to_string(new)?)
            .bind(pledge)
            .bind(serde_json::to_string(old)?)
            .bind(now.unix())
            .execute(&mut **c)
            .await
            .map(|r| r.rows_affected()))?;
            if changed == 0 {
                return Ok(Switched::NotOffered);
            }
            let units = i64::from(units);
            for (name, value) in old {
                if new.get(name) != Some(value) {
                    add_to_value(&mut conn, campaign, tier, name, value, -units).await?;
                    add_to_value(&mut conn, campaign, tier, name, &new[name], units).await?;
                }
            }
            on_conn!(&mut conn, |c| sqlx::query(sql("UPDATE campaigns SET seq = seq + 1 WHERE id = ?"))
                .bind(campaign)
                .execute(&mut **c)
                .await
                .map(|_| ()))?;
            notify(&mut conn, campaign).await?;
            anyhow::Ok(Switched::Done(Box::new(counts(&mut conn, campaign).await?)))
        }
        .await;
        finish(&mut conn, switched).await
    }

    /// Pledges for values not made whose time to choose ran out by `now`, at most `limit`.
    pub async fn unmade_overdue(&self, now: Timestamp, limit: i64) -> anyhow::Result<Vec<String>> {
        let mut conn = self.readers.acquire().await?;
        let rows: Vec<(String,)> = on_conn!(&mut conn, |c| sqlx::query_as(sql(
            "SELECT id FROM pledges WHERE unmade_due_at <= ? AND cancelled_at IS NULL \
             ORDER BY unmade_due_at LIMIT ?"
        ))
        .bind(now.unix())
        .bind(limit)
        .fetch_all(&mut **c)
        .await)?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }
}

/// The options whose value `old` holds and `new` leaves that would fall below a minimum
/// batch they have reached, read under the values' row locks (PostgreSQL) or the write
/// lock (SQLite) of the switch's own transaction.
async fn left_short(
    conn: &mut Conn,
    definition: &Campaign,
    (tier, units): (&str, i64),
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> anyhow::Result<Vec<String>> {
    let campaign = definition.id().as_str();
    let mut short = Vec::new();
    for (name, value) in old.iter().filter(|(name, value)| new.get(*name) != Some(*value)) {
        let batch = definition.tier(tier).and_then(|t| t.option(name)).and_then(|o| o.value(value));
        let Some(batch) = batch.and_then(|v| v.min_batch()).map(i64::from) else { continue };
        let claimed: Option<i64> = match &mut *conn {
            Conn::Sqlite(c) => sqlx::query_scalar(
                "SELECT claimed FROM option_values WHERE campaign_id = ? AND tier_id = ? AND name = ? AND value = ?",
            )
            .bind(campaign).bind(tier).bind(name).bind(value)
            .fetch_optional(&mut **c)
            .await?,
            Conn::Postgres(c) => sqlx::query_scalar(
                "SELECT claimed FROM option_values WHERE campaign_id = $1 AND tier_id = $2 AND name = $3 AND value = $4 FOR UPDATE",
            )
            .bind(campaign).bind(tier).bind(name).bind(value)
            .fetch_optional(&mut **c)
            .await?,
        };
        let claimed = claimed.unwrap_or(0);
        if claimed >= batch && claimed - units < batch {
            short.push(name.clone());
        }
    }
    Ok(short)
}

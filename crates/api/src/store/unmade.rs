//! Option values left short of their minimum batch when a campaign succeeds: their pledges
//! are marked at settlement (due to be cancelled at once, or after the backers' time to
//! choose a value that is made), a backer's choice moves their units to the new value, and
//! the pledges still due are cancelled through the writer (refunded when paid by card).

use super::claims::add_to_value;
use super::db::{Conn, on_conn};
use super::{Store, begin_write, counts, finish, notify};
use domain::progress::Counts;
use domain::{Campaign, Timestamp};
use std::collections::{BTreeMap, HashMap};

/// Marks, inside the settlement's transaction, every live pledge of `campaign` that chose a
/// value not made, due to be cancelled at `due`; how many.
pub(super) async fn mark(conn: &mut Conn, campaign: &Campaign, due: Timestamp) -> anyhow::Result<usize> {
    let id = campaign.id().as_str();
    let claims: Vec<(String, String, String, i64)> = on_conn!(&mut *conn, c => sqlx::query_as(sql(
        "SELECT tier_id, name, value, claimed FROM option_values WHERE campaign_id = ?"
    )).bind(id).fetch_all(&mut **c).await)?;
    let claimed: HashMap<(String, String, String), u32> = claims
        .into_iter()
        .map(|(tier, name, value, n)| ((tier, name, value), u32::try_from(n).unwrap_or(0)))
        .collect();
    let made = |tier: &str, name: &str, value: &str| {
        let n = claimed.get(&(tier.to_owned(), name.to_owned(), value.to_owned())).copied().unwrap_or(0);
        campaign.is_made(tier, name, value, n)
    };
    if claimed.keys().all(|(tier, name, value)| made(tier, name, value)) {
        return Ok(0);
    }
    let pledges: Vec<(String, String, String)> = on_conn!(&mut *conn, c => sqlx::query_as(sql(
        "SELECT id, tier_id, options FROM pledges WHERE campaign_id = ? AND cancelled_at IS NULL AND tier_id IS NOT NULL"
    )).bind(id).fetch_all(&mut **c).await)?;
    let mut marked = 0;
    for (pledge, tier, options) in pledges {
        let options: BTreeMap<String, String> = serde_json::from_str(&options)?;
        if options.iter().all(|(name, value)| made(&tier, name, value)) {
            continue;
        }
        on_conn!(&mut *conn, c => sqlx::query(sql("UPDATE pledges SET unmade_due_at = ? WHERE id = ?"))
            .bind(due.unix()).bind(&pledge).execute(&mut **c).await.map(|_| ()))?;
        marked += 1;
    }
    Ok(marked)
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
            let changed = on_conn!(&mut conn, c => sqlx::query(sql(
                "UPDATE pledges SET options = ?, unmade_due_at = NULL WHERE id = ? AND options = ? \
                 AND cancelled_at IS NULL AND unmade_due_at > ?"
            )).bind(serde_json::to_string(new)?).bind(pledge).bind(serde_json::to_string(old)?).bind(now.unix())
              .execute(&mut **c).await.map(|r| r.rows_affected()))?;
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
            on_conn!(&mut conn, c => sqlx::query(sql("UPDATE campaigns SET seq = seq + 1 WHERE id = ?"))
                .bind(campaign).execute(&mut **c).await.map(|_| ()))?;
            notify(&mut conn, campaign).await?;
            anyhow::Ok(Switched::Done(Box::new(counts(&mut conn, campaign).await?)))
        }
        .await;
        finish(&mut conn, switched).await
    }

    /// Pledges for values not made whose time to choose ran out by `now`, at most `limit`.
    pub async fn unmade_overdue(&self, now: Timestamp, limit: i64) -> anyhow::Result<Vec<String>> {
        let mut conn = self.readers.acquire().await?;
        let rows: Vec<(String,)> = on_conn!(&mut conn, c => sqlx::query_as(sql(
            "SELECT id FROM pledges WHERE unmade_due_at <= ? AND cancelled_at IS NULL \
             ORDER BY unmade_due_at LIMIT ?"
        )).bind(now.unix()).bind(limit).fetch_all(&mut **c).await)?;
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

//! Units of tiers and option values, inside the writer's transaction: claiming a tier's
//! units within its limit, the caps on limited tiers (per address, and on units awaiting
//! payment per address and per tier), and option counts.
//!
//! A tier's `claimed` never passes its limit: every claim is a conditional `UPDATE`
//! (`claimed + n <= max_claims`), and a `CHECK` constraint on `tiers` repeats it. The caps
//! are counted under the tier's row lock (PostgreSQL) or the one write transaction
//! (SQLite), in arrival order within a batch, so two batches never both count below a cap.

use super::db::{Conn, ROWS_PER_INSERT, on_conn};
use super::refusal::Refusal;
use super::writer::command::PledgeCommand;
use super::writer::state::State;
use domain::PaymentMode;
use sqlx::QueryBuilder;
use std::collections::HashMap;

/// The members of one limited tier's group that stay within the caps, in arrival order;
/// the others are refused. An address holds at most its cap of the tier's units, and at
/// most its unpaid cap of them awaiting payment; all pledges awaiting payment together
/// hold at most the unpaid share of the tier. Units awaiting payment are counted apart
/// from paid ones, so paying for a pledge frees its address to pledge again. The tier's
/// row is locked first (PostgreSQL), so two replicas never both count below a cap.
pub(super) async fn capped(
    conn: &mut Conn,
    commands: &[&PledgeCommand],
    states: &mut [State],
    campaign: &str,
    tier: &str,
    members: Vec<usize>,
) -> sqlx::Result<Vec<usize>> {
    let first = commands[members[0]];
    let Some(limit) = first.campaign.tier(tier).and_then(|t| t.limit()) else { return Ok(members) };
    // Every pledge of a campaign that takes payments starts out awaiting it.
    let unpaid = first.campaign.payments() != PaymentMode::None;
    let share = first.unpaid_share.filter(|_| unpaid).map(|percent| share_of(limit, percent));
    let clients: Vec<&str> =
        members.iter().filter_map(|&i| commands[i].client.as_ref().map(|c| c.address.as_str())).collect();
    if clients.is_empty() && share.is_none() {
        return Ok(members);
    }
    if let Conn::Postgres(c) = &mut *conn {
        sqlx::query("SELECT 1 FROM tiers WHERE campaign_id = $1 AND id = $2 FOR UPDATE")
            .bind(campaign)
            .bind(tier)
            .execute(&mut **c)
            .await?;
    }
    let mut held = held_by(conn, campaign, tier, &clients).await?;
    let mut tier_unpaid = if share.is_some() { unpaid_of_tier(conn, campaign, tier).await? } else { 0 };
    let mut kept = Vec::with_capacity(members.len());
    for i in members {
        let units = i64::from(commands[i].pledge.quantity());
        let client = commands[i].client.as_ref();
        let now_held = client.map(|c| held.get(&c.address).copied().unwrap_or_default()).unwrap_or_default();
        let refusal = match client {
            Some(c) if c.units.is_some_and(|cap| now_held.0 + units > i64::from(cap)) => {
                Some(Refusal::AddressCap { tier: tier.to_owned(), cap: c.units.unwrap_or_default() })
            }
            Some(c) if unpaid && c.unpaid.is_some_and(|cap| now_held.1 + units > i64::from(cap)) => {
                Some(Refusal::UnpaidCap { tier: tier.to_owned(), cap: c.unpaid.unwrap_or_default() })
            }
            _ if share.is_some_and(|share| tier_unpaid + units > share) => {
                Some(Refusal::HeldUnpaid(tier.to_owned()))
            }
            _ => None,
        };
        if let Some(refusal) = refusal {
            states[i] = State::Done(Err(refusal));
            continue;
        }
        if let Some(c) = client {
            let entry = held.entry(c.address.clone()).or_default();
            entry.0 += units;
            entry.1 += if unpaid { units } else { 0 };
        }
        tier_unpaid += if unpaid { units } else { 0 };
        kept.push(i);
    }
    Ok(kept)
}

/// The most units of a tier of `limit` that `percent` allows to await payment: at least one.
fn share_of(limit: u32, percent: u8) -> i64 {
    (i64::from(limit) * i64::from(percent) / 100).max(1)
}

/// Units of the tier each of `clients` holds: in all, and awaiting payment.
pub(super) async fn held_by(
    conn: &mut Conn,
    campaign: &str,
    tier: &str,
    clients: &[&str],
) -> sqlx::Result<HashMap<String, (i64, i64)>> {
    let mut held = HashMap::new();
    for chunk in clients.chunks(ROWS_PER_INSERT) {
        let rows: Vec<(String, i64, i64)> = on_conn!(&mut *conn, |c| {
            let mut query: QueryBuilder<Db> = QueryBuilder::new(
                "SELECT client, CAST(SUM(quantity) AS BIGINT), \
                 CAST(SUM(CASE WHEN payment_status IN ('pending', 'failed') THEN quantity ELSE 0 END) AS BIGINT) \
                 FROM pledges WHERE cancelled_at IS NULL AND campaign_id = ",
            );
            query.push_bind(campaign).push(" AND tier_id = ").push_bind(tier).push(" AND client IN (");
            let mut list = query.separated(", ");
            for client in chunk {
                list.push_bind(*client);
            }
            query.push(") GROUP BY client");
            query.build_query_as().fetch_all(&mut **c).await
        })?;
        held.extend(rows.into_iter().map(|(client, all, unpaid)| (client, (all, unpaid))));
    }
    Ok(held)
}

/// Units of the tier held by live pledges awaiting payment (a small partial index).
async fn unpaid_of_tier(conn: &mut Conn, campaign: &str, tier: &str) -> sqlx::Result<i64> {
    on_conn!(conn, |c| {
        sqlx::query_scalar(sql(
        "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM pledges WHERE campaign_id = ? AND tier_id = ? \
         AND payment_status IN ('pending', 'failed') AND cancelled_at IS NULL"
    )).bind(campaign).bind(tier).fetch_one(&mut **c).await
    })
}

/// Adds `units` to a tier's claims unless that would pass its limit.
pub(super) async fn claim(conn: &mut Conn, campaign: &str, tier: &str, units: i64) -> sqlx::Result<bool> {
    let done = on_conn!(conn, |c| sqlx::query(sql("UPDATE tiers SET claimed = claimed + ? \
         WHERE campaign_id = ? AND id = ? AND (max_claims IS NULL OR claimed + ? <= max_claims)"))
    .bind(units)
    .bind(campaign)
    .bind(tier)
    .bind(units)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// Moves an option value's count by `units` (negative when a pledge is cancelled); the
/// value's units after.
pub(super) async fn add_to_value(
    conn: &mut Conn,
    campaign: &str,
    tier: &str,
    name: &str,
    value: &str,
    units: i64,
) -> sqlx::Result<Option<i64>> {
    on_conn!(conn, |c| {
        sqlx::query_scalar(sql(
        "UPDATE option_values SET claimed = claimed + ? WHERE campaign_id = ? AND tier_id = ? AND name = ? AND value = ? RETURNING claimed"
    )).bind(units).bind(campaign).bind(tier).bind(name).bind(value).fetch_optional(&mut **c).await
    })
}

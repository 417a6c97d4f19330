//! Units of tiers and option values, inside the writer's transaction: claiming a tier's
//! units within its limit, the per-address cap on limited tiers, and option counts.

use super::db::{Conn, on_conn};
use super::refusal::Refusal;
use super::writer::{PledgeCommand, ROWS_PER_INSERT, State};
use sqlx::QueryBuilder;
use std::collections::HashMap;

/// The members of one limited tier's group that stay within their address's cap, in
/// arrival order; the others are refused. The tier's row is locked first (PostgreSQL), so
/// two replicas never both count an address below its cap.
pub(super) async fn capped(
    conn: &mut Conn,
    commands: &[&PledgeCommand],
    states: &mut [State],
    campaign: &str,
    tier: &str,
    members: Vec<usize>,
) -> sqlx::Result<Vec<usize>> {
    let limited = commands[members[0]].campaign.tier(tier).is_some_and(|t| t.limit().is_some());
    let clients: Vec<&str> =
        members.iter().filter_map(|&i| commands[i].client.as_ref().map(|(c, _)| c.as_str())).collect();
    if !limited || clients.is_empty() {
        return Ok(members);
    }
    if let Conn::Postgres(c) = &mut *conn {
        sqlx::query("SELECT 1 FROM tiers WHERE campaign_id = $1 AND id = $2 FOR UPDATE")
            .bind(campaign)
            .bind(tier)
            .execute(&mut **c)
            .await?;
    }
    let mut held: HashMap<String, i64> = HashMap::new();
    for chunk in clients.chunks(ROWS_PER_INSERT) {
        let rows: Vec<(String, i64)> = on_conn!(&mut *conn, c => {
            let mut query: QueryBuilder<Db> = QueryBuilder::new(
                "SELECT client, CAST(SUM(quantity) AS BIGINT) FROM pledges WHERE cancelled_at IS NULL AND campaign_id = ",
            );
            query.push_bind(campaign).push(" AND tier_id = ").push_bind(tier).push(" AND client IN (");
            let mut list = query.separated(", ");
            for client in chunk {
                list.push_bind(*client);
            }
            query.push(") GROUP BY client");
            query.build_query_as().fetch_all(&mut **c).await
        })?;
        held.extend(rows);
    }
    let mut kept = Vec::with_capacity(members.len());
    for i in members {
        let units = i64::from(commands[i].pledge.quantity());
        match &commands[i].client {
            Some((client, cap)) => {
                let now_held = held.entry(client.clone()).or_default();
                if *now_held + units > i64::from(*cap) {
                    states[i] = State::Done(Err(Refusal::AddressCap { tier: tier.to_owned(), cap: *cap }));
                } else {
                    *now_held += units;
                    kept.push(i);
                }
            }
            None => kept.push(i),
        }
    }
    Ok(kept)
}

/// Adds `units` to a tier's claims unless that would pass its limit.
pub(super) async fn claim(conn: &mut Conn, campaign: &str, tier: &str, units: i64) -> sqlx::Result<bool> {
    let done = on_conn!(conn, c => sqlx::query(sql(
        "UPDATE tiers SET claimed = claimed + ? \
         WHERE campaign_id = ? AND id = ? AND (max_claims IS NULL OR claimed + ? <= max_claims)"
    )).bind(units).bind(campaign).bind(tier).bind(units).execute(&mut **c).await.map(|r| r.rows_affected()))?;
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
    on_conn!(conn, c => sqlx::query_scalar(sql(
        "UPDATE option_values SET claimed = claimed + ? WHERE campaign_id = ? AND tier_id = ? AND name = ? AND value = ? RETURNING claimed"
    )).bind(units).bind(campaign).bind(tier).bind(name).bind(value).fetch_optional(&mut **c).await)
}

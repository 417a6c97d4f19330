//! Referral credit, worked out inside the pledge writer's batch: which pledges' codes count
//! for their backers, and how each referrer's `recruits` and `recruited_amount` move.
//!
//! Credit is counted in the pledges' own transaction, so leaderboards are exact under any
//! concurrency, on every replica. A code counts only when it is a live pledge of the same
//! campaign, whoever the backer is (the creator sees self-referrals flagged instead), and
//! only then is `referred_by` stored. Each referrer's row moves once per batch, in code
//! order; a cancellation moves it back the same way (`store::cancels`).

use super::db::{Conn, ROWS_PER_INSERT, on_conn};
use super::writer::command::PledgeCommand;
use super::writer::state::State;
use sqlx::QueryBuilder;
use std::collections::{BTreeMap, HashMap};

/// How the batch moves each referrer's recruits and recruited amount, by referral code.
/// Applied in code order, so batches on two replicas lock referrers' rows in one order.
#[derive(Debug, Default)]
pub(super) struct Credits(BTreeMap<String, (i64, i64)>);

impl Credits {
    pub(super) fn add(&mut self, code: &str, recruits: i64, amount: i64) {
        let entry = self.0.entry(code.to_owned()).or_default();
        entry.0 += recruits;
        entry.1 += amount;
    }

    pub(super) async fn apply(self, conn: &mut Conn) -> sqlx::Result<()> {
        for (code, (recruits, amount)) in self.0.into_iter().filter(|(_, d)| *d != (0, 0)) {
            on_conn!(&mut *conn, |c| {
                sqlx::query(sql(
                "UPDATE pledges SET recruits = recruits + ?, recruited_amount = recruited_amount + ? WHERE referral_code = ?"
            )).bind(recruits).bind(amount).bind(&code).execute(&mut **c).await.map(|_| ())
            })?;
        }
        Ok(())
    }
}

/// A referrer's pledge as the batch needs it to decide whether a referral counts.
#[derive(sqlx::FromRow)]
struct Referrer {
    referral_code: String,
    campaign_id: String,
    cancelled_at: Option<i64>,
}

/// Gives each admitted pledge its `referred_by` when its code counts: the code belongs to a
/// live pledge of the same campaign. Unknown codes and cancelled referrers credit no one.
///
/// Whether the referred backer is the referrer again (the same contact) is deliberately not
/// asked here: credit that moved only for another contact would let anyone test a guessed
/// contact against a public leader's by pledging through their code. The creator sees such
/// self-referrals flagged in their backer list instead (`creator::backers`).
pub(super) async fn credit_referrers(
    conn: &mut Conn,
    commands: &[&PledgeCommand],
    states: &mut [State],
    credits: &mut Credits,
) -> sqlx::Result<()> {
    let mut codes: Vec<&str> = states
        .iter()
        .enumerate()
        .filter(|(_, s)| matches!(s, State::Admitted(..)))
        .filter_map(|(i, _)| commands[i].pledge.referral())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    let mut referrers: HashMap<String, Referrer> = HashMap::with_capacity(codes.len());
    for chunk in codes.chunks(ROWS_PER_INSERT) {
        let rows: Vec<Referrer> = on_conn!(&mut *conn, |c| {
            let mut query: QueryBuilder<Db> = QueryBuilder::new(
                "SELECT referral_code, campaign_id, cancelled_at FROM pledges WHERE referral_code IN (",
            );
            let mut list = query.separated(", ");
            for code in chunk {
                list.push_bind(*code);
            }
            query.push(")");
            query.build_query_as().fetch_all(&mut **c).await
        })?;
        referrers.extend(rows.into_iter().map(|r| (r.referral_code.clone(), r)));
    }
    for (i, state) in states.iter_mut().enumerate() {
        let State::Admitted(row, _) = state else { continue };
        let pledge = &commands[i].pledge;
        let Some(referrer) = pledge.referral().and_then(|code| referrers.get(code)) else { continue };
        if referrer.campaign_id == row.campaign_id && referrer.cancelled_at.is_none() {
            credits.add(&referrer.referral_code, 1, row.amount);
            row.referred_by = Some(referrer.referral_code.clone());
        }
    }
    Ok(())
}

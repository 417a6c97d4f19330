//! Joining a tier's waitlist inside the writer's batch: the batch's joins for one tier
//! together, in arrival order, with a handful of statements whatever their number (as
//! pledges claim a tier once per batch), so a sold-out drop's crowd joining costs the
//! writer little more than its refusals did.

use super::entry::{JoinCommand, Joined};
use crate::store::claims::held_by;
use crate::store::db::{Conn, ROWS_PER_INSERT, on_conn};
use crate::store::receipts;
use crate::store::refusal::Refusal;
use domain::Timestamp;
use domain::wire::{PledgeRequest, WaitState, WaitlistEntry};
use sqlx::QueryBuilder;
use std::collections::{HashMap, HashSet};

/// Joins `commands` (one campaign and tier, in arrival order) at the end of the tier's
/// line, or refuses each in turn: only a limited tier that cannot give the units asked for
/// has a line, a contact waits once per tier, and an address's units (held and waited
/// for) stay within its cap.
pub(in crate::store) async fn join_group(
    conn: &mut Conn,
    (campaign, tier): (&str, &str),
    commands: &[&JoinCommand],
    now: Timestamp,
) -> anyhow::Result<Vec<Result<Joined, Refusal>>> {
    let free: Option<(i64, Option<i64>)> = on_conn!(&mut *conn, |c| sqlx::query_as(sql(
        "SELECT claimed, max_claims FROM tiers WHERE campaign_id = ? AND id = ?"
    ))
    .bind(campaign)
    .bind(tier)
    .fetch_optional(&mut **c)
    .await)?;
    let Some((claimed, limit)) = free else {
        return Ok(commands.iter().map(|_| Err(Refusal::NotFound)).collect());
    };
    let contacts: Vec<&str> = commands.iter().map(|c| c.contact.as_str()).collect();
    let mut waiting_contacts = already_waiting(conn, (campaign, tier), &contacts).await?;
    let capped: Vec<&str> = commands
        .iter()
        .filter(|c| c.client.as_ref().is_some_and(|c| c.units.is_some()))
        .filter_map(|c| c.client.as_ref().map(|c| c.address.as_str()))
        .collect();
    let mut units = units_of(conn, (campaign, tier), &capped).await?;
    let mut outcomes: Vec<Result<(), Refusal>> = Vec::with_capacity(commands.len());
    for command in commands {
        let quantity = i64::from(command.quantity);
        let outcome = if limit.is_none_or(|limit| claimed + quantity <= limit) {
            Err(Refusal::NotSoldOut(tier.to_owned()))
        } else if !waiting_contacts.insert(command.contact.clone()) {
            Err(Refusal::AlreadyWaiting(tier.to_owned()))
        } else {
            match command.client.as_ref().and_then(|c| Some((c.address.as_str(), c.units?))) {
                Some((address, cap))
                    if units.get(address).copied().unwrap_or(0) + quantity > i64::from(cap) =>
                {
                    waiting_contacts.remove(&command.contact);
                    Err(Refusal::AddressCap { tier: tier.to_owned(), cap })
                }
                Some((address, _)) => {
                    *units.entry(address.to_owned()).or_default() += quantity;
                    Ok(())
                }
                None => Ok(()),
            }
        };
        outcomes.push(outcome);
    }
    let joining = outcomes.iter().filter(|o| o.is_ok()).count();
    if joining == 0 {
        return Ok(outcomes.into_iter().filter_map(Result::err).map(Err).collect());
    }
    let n = i64::try_from(joining)?;
    let (queued, waiting): (i64, i64) = on_conn!(&mut *conn, |c| sqlx::query_as(sql(
        "UPDATE tiers SET queued = queued + ?, waiting = waiting + ? WHERE campaign_id = ? AND id = ? \
         RETURNING queued, waiting"
    ))
    .bind(n)
    .bind(n)
    .bind(campaign)
    .bind(tier)
    .fetch_one(&mut **c)
    .await)?;
    let (first_place, first_position) = (queued - n + 1, waiting - n + 1);
    let mut joined = Vec::with_capacity(joining);
    let mut answers = Vec::with_capacity(commands.len());
    for (command, outcome) in commands.iter().zip(outcomes) {
        answers.push(match outcome {
            Err(refusal) => Err(refusal),
            Ok(()) => {
                let k = i64::try_from(joined.len())?;
                let made = made(command, (campaign, tier), (first_place + k, first_position + k), now);
                joined.push((*command, made.0.clone(), made.1.clone()));
                Ok(made.0)
            }
        });
    }
    insert(conn, &joined, now).await?;
    Ok(answers)
}

/// The entry `command` becomes at `place`, `position` in line now, and the hash of its
/// token's secret.
fn made(
    command: &JoinCommand,
    (campaign, tier): (&str, &str),
    (place, position): (i64, i64),
    now: Timestamp,
) -> (Joined, String) {
    let (id, secret) = (crate::ids::time_ordered(), crate::ids::secret());
    let entry = WaitlistEntry {
        id: id.clone(),
        campaign: campaign.to_owned(),
        tier: tier.to_owned(),
        place: u64::try_from(place).unwrap_or(0),
        quantity: command.quantity,
        name: command.name.clone(),
        state: WaitState::Waiting,
        joined_at: now,
        offered_at: None,
        offer_expires_at: None,
        pledge: None,
        contact: None,
        options: serde_json::from_str::<PledgeRequest>(&command.request)
            .map(|r| r.options)
            .unwrap_or_default(),
    };
    let joined = Joined {
        entry,
        position: u32::try_from(position).unwrap_or(u32::MAX),
        token: format!("{id}{secret}"),
    };
    (joined, receipts::hash(&secret))
}

/// Which of `contacts` already wait for (or hold an offer of) the tier.
async fn already_waiting(
    conn: &mut Conn,
    (campaign, tier): (&str, &str),
    contacts: &[&str],
) -> sqlx::Result<HashSet<String>> {
    let mut found = HashSet::new();
    for chunk in contacts.chunks(ROWS_PER_INSERT) {
        let rows: Vec<(String,)> = on_conn!(&mut *conn, |c| {
            let mut query: QueryBuilder<Db> =
                QueryBuilder::new("SELECT contact FROM waitlist WHERE campaign_id = ");
            query.push_bind(campaign).push(" AND tier_id = ").push_bind(tier);
            query.push(" AND state IN ('waiting', 'offered') AND contact IN (");
            let mut list = query.separated(", ");
            for contact in chunk {
                list.push_bind(*contact);
            }
            query.push(")");
            query.build_query_as().fetch_all(&mut **c).await
        })?;
        found.extend(rows.into_iter().map(|(contact,)| contact));
    }
    Ok(found)
}

/// The units of the tier each of `addresses` holds in pledges and waits for or is offered.
async fn units_of(
    conn: &mut Conn,
    (campaign, tier): (&str, &str),
    addresses: &[&str],
) -> sqlx::Result<HashMap<String, i64>> {
    if addresses.is_empty() {
        return Ok(HashMap::new());
    }
    let mut units: HashMap<String, i64> =
        held_by(conn, campaign, tier, addresses).await?.into_iter().map(|(a, (all, _))| (a, all)).collect();
    for chunk in addresses.chunks(ROWS_PER_INSERT) {
        let rows: Vec<(String, i64)> = on_conn!(&mut *conn, |c| {
            let mut query: QueryBuilder<Db> = QueryBuilder::new(
                "SELECT client, CAST(SUM(quantity) AS BIGINT) FROM waitlist WHERE campaign_id = ",
            );
            query.push_bind(campaign).push(" AND tier_id = ").push_bind(tier);
            query.push(" AND state IN ('waiting', 'offered') AND client IN (");
            let mut list = query.separated(", ");
            for address in chunk {
                list.push_bind(*address);
            }
            query.push(") GROUP BY client");
            query.build_query_as().fetch_all(&mut **c).await
        })?;
        for (address, waited) in rows {
            *units.entry(address).or_default() += waited;
        }
    }
    Ok(units)
}

/// Inserts the joined entries, in multi-row statements.
async fn insert(
    conn: &mut Conn,
    joined: &[(&JoinCommand, Joined, String)],
    now: Timestamp,
) -> sqlx::Result<()> {
    for chunk in joined.chunks(ROWS_PER_INSERT) {
        on_conn!(&mut *conn, |c| {
            let mut query: QueryBuilder<Db> = QueryBuilder::new(
                "INSERT INTO waitlist (id, campaign_id, tier_id, position, quantity, name, contact, request, client, \
                 lang, secret_hash, state, joined_at) ",
            );
            query.push_values(chunk, |mut row, (command, joined, hash)| {
                let entry = &joined.entry;
                row.push_bind(&entry.id)
                    .push_bind(&entry.campaign)
                    .push_bind(&entry.tier)
                    .push_bind(i64::try_from(entry.place).unwrap_or(i64::MAX))
                    .push_bind(i64::from(entry.quantity))
                    .push_bind(&command.name)
                    .push_bind(&command.contact)
                    .push_bind(&command.request)
                    .push_bind(command.client.as_ref().map(|c| c.address.as_str()))
                    .push_bind(command.lang)
                    .push_bind(hash)
                    .push_bind("waiting")
                    .push_bind(now.unix());
            });
            query.build().execute(&mut **c).await.map(|_| ())
        })?;
    }
    Ok(())
}

//! The batch's rows, inside the writer's transaction: which idempotency keys were seen
//! before, and the new pledges and their keys, in multi-row inserts.

use super::command::PledgeCommand;
use crate::store::StoredPledge;
use crate::store::db::{Conn, KeyRow, ROWS_PER_INSERT, on_conn};
use crate::store::receipts;
use domain::Timestamp;
use sqlx::QueryBuilder;
use std::collections::HashMap;

/// `(campaign, key)` → `(request hash, pledge id, sealed receipt secret)` for the batch's
/// keys already stored (each looked up by its hash).
pub(super) async fn known_keys(
    conn: &mut Conn,
    commands: &[&PledgeCommand],
) -> sqlx::Result<HashMap<(String, String), (String, String, Option<String>)>> {
    let keyed: Vec<(&str, &str, String)> = commands
        .iter()
        .filter_map(|c| c.idempotency.as_ref().map(|(key, _)| (c.campaign.id().as_str(), key.as_str())))
        .map(|(campaign, key)| (campaign, key, receipts::key_hash(key)))
        .collect();
    let mut known = HashMap::new();
    for chunk in keyed.chunks(ROWS_PER_INSERT) {
        let rows: Vec<KeyRow> = on_conn!(&mut *conn, |c| {
            let mut query: QueryBuilder<Db> = QueryBuilder::new(
                "SELECT campaign_id, key, request_hash, pledge_id, sealed FROM idempotency_keys WHERE (campaign_id, key) IN (",
            );
            let mut list = query.separated(", ");
            for (campaign, _, hash) in chunk {
                list.push("(")
                    .push_bind_unseparated(*campaign)
                    .push_unseparated(", ")
                    .push_bind_unseparated(hash.as_str())
                    .push_unseparated(")");
            }
            query.push(")");
            query.build_query_as().fetch_all(&mut **c).await
        })?;
        for row in rows {
            let raw =
                chunk.iter().find(|(campaign, _, hash)| *campaign == row.campaign_id && *hash == row.key);
            if let Some((campaign, key, _)) = raw {
                known.insert(
                    ((*campaign).to_owned(), (*key).to_owned()),
                    (row.request_hash, row.pledge_id, row.sealed),
                );
            }
        }
    }
    Ok(known)
}

/// Inserts the admitted pledges and their idempotency keys.
pub(super) async fn insert_rows(
    conn: &mut Conn,
    rows: &[(&PledgeCommand, &StoredPledge, &str)],
    now: Timestamp,
) -> anyhow::Result<()> {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut options = Vec::with_capacity(chunk.len());
        for (_, row, _) in chunk {
            options.push(serde_json::to_string(&row.options)?);
        }
        on_conn!(&mut *conn, |c| {
            let mut query: QueryBuilder<Db> = QueryBuilder::new(
                "INSERT INTO pledges (id, campaign_id, tier_id, quantity, amount, options, name, contact, public, message, \
                 referral_code, referred_by, receipt_secret, receipt_hash, created_at, source, host_page, client, \
                 payment_status, payment_due_at, lang, ship_to, shipping) ",
            );
            query.push_values(chunk.iter().zip(&options), |mut values, ((command, row, _), options)| {
                let pledge = &command.pledge;
                values
                    .push_bind(&row.id)
                    .push_bind(&row.campaign_id)
                    .push_bind(&row.tier_id)
                    .push_bind(i64::from(row.quantity))
                    .push_bind(row.amount)
                    .push_bind(options)
                    .push_bind(&row.name)
                    .push_bind(pledge.contact())
                    .push_bind(pledge.public())
                    .push_bind(pledge.message())
                    .push_bind(&row.referral_code)
                    .push_bind(&row.referred_by)
                    .push_bind("")
                    .push_bind(row.receipt_hash())
                    .push_bind(now.unix())
                    .push_bind(pledge.source())
                    .push_bind(pledge.host())
                    .push_bind(command.client.as_ref().map(|client| client.address.as_str()))
                    .push_bind(row.payment.map(|p| p.as_str()))
                    .push_bind(row.payment_due_at.map(|t| t.unix()))
                    .push_bind(command.lang)
                    .push_bind(&row.ship_to)
                    .push_bind(row.shipping);
            });
            query.build().execute(&mut **c).await.map(|_| ())
        })?;

        let keyed: Vec<_> = chunk
            .iter()
            .filter_map(|(c, row, secret)| {
                let (key, request) = c.idempotency.as_ref()?;
                Some((receipts::key_hash(key), request, receipts::seal(secret, key, &row.id), *row))
            })
            .collect();
        if !keyed.is_empty() {
            on_conn!(&mut *conn, |c| {
                let mut query: QueryBuilder<Db> = QueryBuilder::new(
                    "INSERT INTO idempotency_keys (campaign_id, key, request_hash, pledge_id, created_at, sealed) ",
                );
                query.push_values(&keyed, |mut values, (key, request, sealed, row)| {
                    values
                        .push_bind(&row.campaign_id)
                        .push_bind(key)
                        .push_bind(*request)
                        .push_bind(&row.id)
                        .push_bind(now.unix())
                        .push_bind(sealed);
                });
                query.build().execute(&mut **c).await.map(|_| ())
            })?;
        }
    }
    Ok(())
}

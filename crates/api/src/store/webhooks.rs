//! Webhook endpoints and their outbox: events are queued in the transaction of the change
//! they tell of, one row per endpoint, and delivered by whichever replica claims them. A
//! fan-group robot's endpoint is queued only the events `domain::robots::ANNOUNCED` names,
//! and is claimed through `store::robots`, never here.
//!
//! A delivery is claimed for a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so one
//! replica sends it at a time and a replica that dies lets go at the lease's end. A
//! receiver may still get an event twice (an answer lost); its `id` is the same on every
//! try.

use super::db::ROWS_PER_INSERT;
use super::db::{Conn, on_conn};
use super::{Store, StoredPledge, begin_write, finish};
use domain::Timestamp;
use domain::robots::Format;
use domain::webhooks::{Endpoint, Event, EventPledge, EventType, OptionEvent, PledgeEvent};
use sqlx::QueryBuilder;
use std::collections::HashSet;

/// The most endpoints one site may register.
pub const MAX_ENDPOINTS: i64 = 16;

/// An event to queue for every enabled endpoint of its campaign's site.
pub(crate) struct NewEvent {
    pub campaign: String,
    pub id: String,
    pub kind: &'static str,
    pub payload: String,
}

impl NewEvent {
    /// An event of `kind` about `campaign`, its body serialised once for every endpoint.
    pub(crate) fn new(
        campaign: &str,
        kind: EventType,
        data: impl serde::Serialize,
        now: Timestamp,
    ) -> NewEvent {
        let id = format!("evt_{}", crate::ids::time_ordered());
        let event = Event { id: id.clone(), kind: kind.as_str().to_owned(), created_at: now, data };
        NewEvent {
            campaign: campaign.to_owned(),
            id,
            kind: kind.as_str(),
            payload: serde_json::to_string(&event).expect("an event serialises"),
        }
    }

    /// A `pledge.*` event telling of `pledge` as it is now.
    pub(crate) fn pledge(kind: EventType, pledge: &StoredPledge, now: Timestamp) -> NewEvent {
        let data =
            PledgeEvent { campaign: pledge.campaign_id.clone(), pledge: NewEvent::event_pledge(pledge) };
        NewEvent::new(&pledge.campaign_id, kind, data, now)
    }

    /// `pledge` as events tell of it.
    pub(crate) fn event_pledge(pledge: &StoredPledge) -> EventPledge {
        EventPledge {
            id: pledge.id.clone(),
            name: pledge.name.clone(),
            tier: pledge.tier_id.clone(),
            quantity: pledge.quantity,
            options: pledge.options.clone(),
            amount: pledge.amount,
            referral_code: pledge.referral_code.clone(),
            referred_by: pledge.referred_by.clone(),
            status: if pledge.cancelled { "cancelled" } else { "live" }.to_owned(),
            payment: pledge.payment.map(|p| p.as_str().to_owned()),
            ship_to: pledge.ship_to.clone(),
            shipping: pledge.shipping,
        }
    }

    /// `option.unlocked`: a value's units reached its minimum batch, so it will be made.
    pub(crate) fn unlocked(
        campaign: &str,
        (tier, option, value): (&str, &str, &str),
        (units, min_batch): (i64, i64),
        now: Timestamp,
    ) -> NewEvent {
        let data = OptionEvent {
            campaign: campaign.to_owned(),
            tier: tier.to_owned(),
            option: option.to_owned(),
            value: value.to_owned(),
            units: u64::try_from(units).unwrap_or(0),
            min_batch: u64::try_from(min_batch).unwrap_or(0),
        };
        NewEvent::new(campaign, EventType::OptionUnlocked, data, now)
    }
}

/// A delivery a replica has claimed.
#[derive(Debug, sqlx::FromRow)]
pub struct Due {
    pub id: i64,
    pub endpoint_id: String,
    pub url: String,
    pub secret: String,
    pub payload: String,
    pub attempts: i32,
}

/// Why an endpoint could not be added.
#[derive(Debug)]
pub enum AddRefused {
    TooMany,
}

/// Marks due deliveries as taken (`?` the lease's end, now twice, how many); PostgreSQL
/// skips rows another replica is claiming at that moment.
const CLAIM_SQLITE: &str = "UPDATE webhook_deliveries SET locked_until = ?, attempts = attempts + 1 WHERE id IN (\
     SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
     WHERE d.delivered_at IS NULL AND d.next_attempt_at <= ? AND d.locked_until <= ? \
     AND e.disabled_at IS NULL AND e.format = 'json' ORDER BY d.id LIMIT ?) RETURNING id";
const CLAIM_POSTGRES: &str = "UPDATE webhook_deliveries SET locked_until = ?, attempts = attempts + 1 WHERE id IN (\
     SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
     WHERE d.delivered_at IS NULL AND d.next_attempt_at <= ? AND d.locked_until <= ? \
     AND e.disabled_at IS NULL AND e.format = 'json' ORDER BY d.id LIMIT ? FOR UPDATE OF d SKIP LOCKED) RETURNING id";

#[derive(sqlx::FromRow)]
struct EndpointRow {
    id: String,
    url: String,
    secret: String,
    created_at: i64,
    failures: i32,
    last_error: Option<String>,
    disabled_reason: Option<String>,
    pending: i64,
    format: String,
    signed: bool,
}

impl Store {
    /// Registers an endpoint for `site`, unless it has [`MAX_ENDPOINTS`] already.
    pub async fn add_endpoint(
        &self,
        site: &str,
        (id, url, secret): (&str, &str, &str),
        (format, signing_secret): (Format, Option<&str>),
        now: Timestamp,
    ) -> anyhow::Result<Result<(), AddRefused>> {
        let mut conn = self.readers.acquire().await?;
        begin_write(&mut conn).await?;
        let added = async {
            // Two requests at once must not both pass the count: SQLite's write lock orders
            // them already, the site's row does on PostgreSQL.
            if let Conn::Postgres(c) = &mut conn {
                sqlx::query("SELECT 1 FROM sites WHERE id = $1 FOR UPDATE")
                    .bind(site)
                    .execute(&mut **c)
                    .await?;
            }
            let added = on_conn!(&mut conn, |c| sqlx::query(sql(
                "INSERT INTO webhook_endpoints (id, site_id, url, secret, format, signing_secret, created_at) \
                 SELECT ?, ?, ?, ?, ?, ?, ? WHERE (SELECT count(*) FROM webhook_endpoints WHERE site_id = ?) < ?"
            ))
            .bind(id)
            .bind(site)
            .bind(url)
            .bind(secret)
            .bind(format.as_str())
            .bind(signing_secret)
            .bind(now.unix())
            .bind(site)
            .bind(MAX_ENDPOINTS)
            .execute(&mut **c)
            .await
            .map(|r| r.rows_affected()))?;
            anyhow::Ok(if added == 1 { Ok(()) } else { Err(AddRefused::TooMany) })
        }
        .await;
        finish(&mut conn, added).await
    }

    /// A site's endpoints, oldest first, with the events each still has to deliver.
    pub async fn endpoints(&self, site: &str) -> anyhow::Result<Vec<Endpoint>> {
        let mut conn = self.readers.acquire().await?;
        let rows: Vec<EndpointRow> = on_conn!(&mut conn, |c| {
            sqlx::query_as(sql(
            "SELECT e.id, e.url, e.secret, e.created_at, e.failures, e.last_error, e.disabled_reason, \
             (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.delivered_at IS NULL) AS pending, \
             e.format, e.signing_secret IS NOT NULL AS signed \
             FROM webhook_endpoints e WHERE e.site_id = ? ORDER BY e.created_at, e.id"
        )).bind(site).fetch_all(&mut **c).await
        })?;
        Ok(rows
            .into_iter()
            .map(|row| Endpoint {
                id: row.id,
                url: row.url,
                secret: row.secret,
                created_at: Timestamp::from_unix(row.created_at),
                status: if row.disabled_reason.is_some() { "disabled" } else { "enabled" }.to_owned(),
                disabled_reason: row.disabled_reason,
                failures: u32::try_from(row.failures).unwrap_or(0),
                last_error: row.last_error,
                pending: u64::try_from(row.pending).unwrap_or(0),
                format: row.format,
                signed: row.signed,
            })
            .collect())
    }

    /// The sites with an enabled endpoint.
    pub async fn sites_listening(&self) -> anyhow::Result<HashSet<String>> {
        let mut conn = self.readers.acquire().await?;
        let rows: Vec<(String,)> = on_conn!(&mut conn, |c| sqlx::query_as(sql(
            "SELECT DISTINCT site_id FROM webhook_endpoints WHERE disabled_at IS NULL"
        ))
        .fetch_all(&mut **c)
        .await)?;
        Ok(rows.into_iter().map(|(site,)| site).collect())
    }

    /// Removes a site's endpoint and what it had still to deliver; false when the site has
    /// no such endpoint.
    pub async fn remove_endpoint(&self, site: &str, id: &str) -> anyhow::Result<bool> {
        let mut conn = self.readers.acquire().await?;
        let removed = on_conn!(&mut conn, |c| sqlx::query(sql(
            "DELETE FROM webhook_endpoints WHERE id = ? AND site_id = ?"
        ))
        .bind(id)
        .bind(site)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(removed == 1)
    }

    /// Enables a disabled endpoint again, with a clean record; its undelivered events are
    /// tried again at once. False when the site has no such endpoint.
    pub async fn enable_endpoint(&self, site: &str, id: &str, now: Timestamp) -> anyhow::Result<bool> {
        let mut conn = self.readers.acquire().await?;
        let enabled = on_conn!(&mut conn, |c| {
            sqlx::query(sql(
            "UPDATE webhook_endpoints SET failures = 0, disabled_at = NULL, disabled_reason = NULL, post_after = 0 \
             WHERE id = ? AND site_id = ?"
        ))
        .bind(id)
        .bind(site)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected())
        })?;
        if enabled == 1 {
            on_conn!(&mut conn, |c| {
                sqlx::query(sql(
                "UPDATE webhook_deliveries SET next_attempt_at = ? WHERE endpoint_id = ? AND delivered_at IS NULL"
            )).bind(now.unix()).bind(id).execute(&mut **c).await.map(|_| ())
            })?;
        }
        Ok(enabled == 1)
    }

    /// Claims up to `limit` deliveries that are due, for `lease` seconds: no other replica
    /// sends them meanwhile, and a replica that dies holding them lets them go at its end.
    pub async fn claim_deliveries(&self, now: Timestamp, limit: i64, lease: i64) -> anyhow::Result<Vec<Due>> {
        let mut conn = self.readers.acquire().await?;
        // A read first: the claim is a write, which on SQLite would take the write lock from
        // the pledge writer every round even with nothing to send.
        let due: Option<(i64,)> = on_conn!(&mut conn, |c| sqlx::query_as(sql(
            "SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
             WHERE d.delivered_at IS NULL AND d.next_attempt_at <= ? AND d.locked_until <= ? \
             AND e.disabled_at IS NULL AND e.format = 'json' LIMIT 1"
        ))
        .bind(now.unix())
        .bind(now.unix())
        .fetch_optional(&mut **c)
        .await)?;
        if due.is_none() {
            return Ok(Vec::new());
        }
        let claim = if matches!(conn, Conn::Postgres(_)) { CLAIM_POSTGRES } else { CLAIM_SQLITE };
        let claimed: Vec<(i64,)> = on_conn!(&mut conn, |c| sqlx::query_as(sql(claim))
            .bind(now.unix() + lease)
            .bind(now.unix())
            .bind(now.unix())
            .bind(limit)
            .fetch_all(&mut **c)
            .await)?;
        if claimed.is_empty() {
            return Ok(Vec::new());
        }
        on_conn!(&mut conn, |c| {
            let mut query: QueryBuilder<Db> = QueryBuilder::new(
                "SELECT d.id, d.endpoint_id, e.url, e.secret, d.payload, d.attempts FROM webhook_deliveries d \
                 JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id IN (",
            );
            let mut ids = query.separated(", ");
            for (id,) in &claimed {
                ids.push_bind(id);
            }
            query.push(") ORDER BY d.id");
            query.build_query_as::<Due>().fetch_all(&mut **c).await
        })
        .map_err(Into::into)
    }

    /// A delivery the receiver took; its endpoint's run of failures ends. The run ends
    /// first, so whoever sees the delivery done also sees the run ended (a crash between
    /// the two leaves the delivery to be sent again, which is what the receiver expects).
    pub async fn delivered(&self, due: &Due, now: Timestamp) -> anyhow::Result<()> {
        self.deliveries_done(Some(&due.endpoint_id), &[due.id], now).await
    }

    /// Deliveries `ids` done: taken by `endpoint`'s receiver (one message may carry several),
    /// whose run of failures ends first, as for [`Store::delivered`]; or, with `None`, with
    /// nothing left to tell (a robot's pledges cancelled since) and the endpoint's record
    /// left as it stands.
    pub async fn deliveries_done(
        &self,
        endpoint: Option<&str>,
        ids: &[i64],
        now: Timestamp,
    ) -> anyhow::Result<()> {
        let mut conn = self.readers.acquire().await?;
        if let Some(endpoint) = endpoint {
            on_conn!(&mut conn, |c| sqlx::query(sql(
                "UPDATE webhook_endpoints SET failures = 0, last_error = NULL WHERE id = ?"
            ))
            .bind(endpoint)
            .execute(&mut **c)
            .await
            .map(|_| ()))?;
        }
        for chunk in ids.chunks(ROWS_PER_INSERT) {
            on_conn!(&mut conn, |c| {
                let mut query: QueryBuilder<Db> =
                    QueryBuilder::new("UPDATE webhook_deliveries SET delivered_at = ");
                query.push_bind(now.unix()).push(", last_error = NULL WHERE id IN (");
                let mut list = query.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                query.push(")");
                query.build().execute(&mut **c).await.map(|_| ())
            })?;
        }
        Ok(())
    }

    /// A delivery that failed: tried again at `retry_at`; its endpoint is disabled once
    /// `disable_after` deliveries in a row have failed.
    pub async fn delivery_failed(
        &self,
        due: &Due,
        error: &str,
        retry_at: Timestamp,
        disable_after: i32,
        now: Timestamp,
    ) -> anyhow::Result<()> {
        self.deliveries_failed(&due.endpoint_id, &[due.id], error, retry_at, disable_after, now).await
    }

    /// Deliveries `ids` of endpoint `endpoint`, sent as one request that failed: each tried
    /// again at `retry_at`, and the endpoint's run of failures one longer. A robot waits
    /// until then too (`post_after`), so what happens meanwhile goes with the retry, and
    /// failures in a row mean retries in a row, as for JSON.
    pub async fn deliveries_failed(
        &self,
        endpoint: &str,
        ids: &[i64],
        error: &str,
        retry_at: Timestamp,
        disable_after: i32,
        now: Timestamp,
    ) -> anyhow::Result<()> {
        let mut conn = self.readers.acquire().await?;
        for chunk in ids.chunks(ROWS_PER_INSERT) {
            on_conn!(&mut conn, |c| {
                let mut query: QueryBuilder<Db> =
                    QueryBuilder::new("UPDATE webhook_deliveries SET locked_until = 0, next_attempt_at = ");
                query
                    .push_bind(retry_at.unix())
                    .push(", last_error = ")
                    .push_bind(error)
                    .push(" WHERE id IN (");
                let mut list = query.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                query.push(")");
                query.build().execute(&mut **c).await.map(|_| ())
            })?;
        }
        on_conn!(&mut conn, |c| sqlx::query(sql(
            "UPDATE webhook_endpoints SET post_after = ? WHERE id = ? AND format <> 'json' AND post_after < ?"
        ))
        .bind(retry_at.unix())
        .bind(endpoint)
        .bind(retry_at.unix())
        .execute(&mut **c)
        .await
        .map(|_| ()))?;
        let reason = format!("{disable_after} deliveries in a row failed; the last: {error}");
        on_conn!(&mut conn, |c| {
            sqlx::query(sql(
            "UPDATE webhook_endpoints SET failures = failures + 1, last_error = ?, \
             disabled_at = CASE WHEN failures + 1 >= ? AND disabled_at IS NULL THEN ? ELSE disabled_at END, \
             disabled_reason = CASE WHEN failures + 1 >= ? AND disabled_at IS NULL THEN ? ELSE disabled_reason END \
             WHERE id = ?"
        )).bind(error).bind(disable_after).bind(now.unix()).bind(disable_after).bind(&reason).bind(endpoint)
          .execute(&mut **c).await.map(|_| ())
        })?;
        Ok(())
    }
}

/// Which of `campaigns` belong to a site with an enabled endpoint, read inside the
/// caller's transaction.
pub(super) async fn listening<'a>(
    conn: &mut Conn,
    campaigns: impl Iterator<Item = &'a str>,
) -> sqlx::Result<HashSet<String>> {
    let campaigns: Vec<&str> = campaigns.collect();
    let mut found = HashSet::new();
    for chunk in campaigns.chunks(ROWS_PER_INSERT) {
        let rows: Vec<(String,)> = on_conn!(&mut *conn, |c| {
            let mut query: QueryBuilder<Db> = QueryBuilder::new(
                "SELECT DISTINCT c.id FROM campaigns c JOIN webhook_endpoints e \
                 ON e.site_id = c.site_id AND e.disabled_at IS NULL WHERE c.id IN (",
            );
            let mut ids = query.separated(", ");
            for id in chunk {
                ids.push_bind(*id);
            }
            query.push(")");
            query.build_query_as().fetch_all(&mut **c).await
        })?;
        found.extend(rows.into_iter().map(|(id,)| id));
    }
    Ok(found)
}

/// Queues `events` for every enabled endpoint of their campaigns' sites, inside the
/// caller's transaction: nothing is written for a site without endpoints.
pub(crate) async fn queue(conn: &mut Conn, events: &[NewEvent], now: Timestamp) -> sqlx::Result<()> {
    for chunk in events.chunks(ROWS_PER_INSERT) {
        on_conn!(&mut *conn, |c| {
            let mut query: QueryBuilder<Db> =
                QueryBuilder::new("WITH v (campaign_id, event_id, type, payload) AS (");
            query.push_values(chunk, |mut values, event| {
                values
                    .push("CAST(")
                    .push_bind_unseparated(&event.campaign)
                    .push_unseparated(" AS TEXT)")
                    .push("CAST(")
                    .push_bind_unseparated(&event.id)
                    .push_unseparated(" AS TEXT)")
                    .push("CAST(")
                    .push_bind_unseparated(event.kind)
                    .push_unseparated(" AS TEXT)")
                    .push("CAST(")
                    .push_bind_unseparated(&event.payload)
                    .push_unseparated(" AS TEXT)");
            });
            query.push(
                ") INSERT INTO webhook_deliveries (event_id, endpoint_id, type, payload, created_at, next_attempt_at) \
                 SELECT v.event_id, e.id, v.type, v.payload, ",
            );
            query.push_bind(now.unix()).push(", ").push_bind(now.unix());
            query.push(
                " FROM v JOIN campaigns c ON c.id = v.campaign_id \
                 JOIN webhook_endpoints e ON e.site_id = c.site_id AND e.disabled_at IS NULL \
                 WHERE e.format = 'json' OR v.type IN (",
            );
            let mut announced = query.separated(", ");
            for kind in domain::robots::ANNOUNCED {
                announced.push_bind(kind);
            }
            query.push(")");
            query.build().execute(&mut **c).await.map(|_| ())
        })?;
    }
    Ok(())
}

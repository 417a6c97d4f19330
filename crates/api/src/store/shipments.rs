//! Parcels sent to backers. One row per parcel: a pledge may have several, and the same
//! carrier and tracking number for the same pledge is the same parcel, so a file imported
//! twice adds nothing the second time.

use super::Store;
use super::db::{ROWS_PER_INSERT, on_conn};
pub use super::given::StoredShipment;
use super::given::{parcels, tell, tell_many};
use super::webhooks;
use domain::Timestamp;
use domain::webhooks::EventType;
use sqlx::QueryBuilder;
use std::collections::HashSet;

impl Store {
    /// The parcels sent for `pledge`, oldest first.
    pub async fn shipments_of(&self, pledge: &str) -> anyhow::Result<Vec<StoredShipment>> {
        let mut conn = self.readers.acquire().await?;
        parcels(&mut conn, pledge).await
    }
}

impl Store {
    /// Records that the backer of `pledge` received their reward at `now`: refused unless a
    /// parcel has left; a second press changes nothing.
    pub async fn mark_received(
        &self,
        pledge: &str,
        now: Timestamp,
    ) -> anyhow::Result<Result<(), super::Refusal>> {
        let mut conn = self.readers.acquire().await?;
        super::begin_write(&mut conn).await?;
        let marked = async {
            let parcels: (i64,) = on_conn!(&mut conn, |c| sqlx::query_as(sql(
                "SELECT COUNT(*) FROM shipments WHERE pledge_id = ?"
            ))
            .bind(pledge)
            .fetch_one(&mut **c)
            .await)?;
            if parcels.0 == 0 {
                return Ok(Err(super::Refusal::NotShipped));
            }
            let marked = on_conn!(&mut conn, |c| sqlx::query(sql(
                "UPDATE pledges SET received_at = ?, delivered_at = COALESCE(delivered_at, ?) \
                 WHERE id = ? AND received_at IS NULL"
            ))
            .bind(now.unix())
            .bind(now.unix())
            .bind(pledge)
            .execute(&mut **c)
            .await
            .map(|r| r.rows_affected()))?;
            if marked > 0 {
                tell(&mut conn, pledge, (EventType::PledgeDelivered, None), now).await?;
            }
            Ok(Ok(()))
        }
        .await;
        super::finish(&mut conn, marked).await
    }
}

/// A live pledge of a reward that ships, as the packing list and the summaries read it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PackingRow {
    pub id: String,
    pub tier_id: Option<String>,
    pub quantity: i64,
    /// JSON, as stored.
    pub options: String,
    pub ship_to: Option<String>,
    pub address: Option<String>,
    pub answers: Option<String>,
    pub surveyed_at: Option<i64>,
    /// How many parcels have left for it.
    pub parcels: i64,
    pub contact: String,
    pub lang: String,
}

/// A parcel to record, from the creator's file.
#[derive(Debug, Clone)]
pub struct NewShipment {
    pub pledge: String,
    pub carrier: String,
    pub tracking_number: String,
    pub items: String,
}

impl Store {
    /// Up to `limit` live pledges of `campaign` after id `after`, in id order.
    pub async fn packing_after(
        &self,
        campaign: &str,
        after: &str,
        limit: u32,
    ) -> anyhow::Result<Vec<PackingRow>> {
        let mut conn = self.readers.acquire().await?;
        let rows = on_conn!(&mut conn, |c| {
            sqlx::query_as::<Db, PackingRow>(sql(
            "SELECT p.id, p.tier_id, p.quantity, p.options, p.ship_to, p.address, p.answers, p.surveyed_at, \
             (SELECT COUNT(*) FROM shipments s WHERE s.pledge_id = p.id) AS parcels, p.contact, p.lang \
             FROM pledges p WHERE p.campaign_id = ? AND p.cancelled_at IS NULL AND p.id > ? ORDER BY p.id LIMIT ?"
        ))
        .bind(campaign)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&mut **c)
        .await
        })?;
        Ok(rows)
    }

    /// Which of `ids` are live pledges of `campaign`.
    pub async fn live_pledges_among(&self, campaign: &str, ids: &[String]) -> anyhow::Result<Vec<String>> {
        let mut conn = self.readers.acquire().await?;
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(ROWS_PER_INSERT) {
            let rows: Vec<(String,)> = on_conn!(&mut conn, |c| {
                let mut query: QueryBuilder<Db> =
                    QueryBuilder::new("SELECT id FROM pledges WHERE cancelled_at IS NULL AND campaign_id = ");
                query.push_bind(campaign).push(" AND id IN (");
                let mut list = query.separated(", ");
                for id in chunk {
                    list.push_bind(id);
                }
                query.push(")");
                query.build_query_as().fetch_all(&mut **c).await
            })?;
            found.extend(rows.into_iter().map(|(id,)| id));
        }
        Ok(found)
    }

    /// For each of `parcels`, whether it is recorded already.
    pub async fn recorded_among(&self, parcels: &[NewShipment]) -> anyhow::Result<Vec<bool>> {
        let mut conn = self.readers.acquire().await?;
        let mut recorded = HashSet::new();
        for chunk in parcels.chunks(ROWS_PER_INSERT) {
            let rows: Vec<(String, String, String)> = on_conn!(&mut conn, |c| {
                let mut query: QueryBuilder<Db> = QueryBuilder::new(
                    "SELECT pledge_id, carrier, tracking_number FROM shipments WHERE pledge_id IN (",
                );
                let mut list = query.separated(", ");
                for p in chunk {
                    list.push_bind(&p.pledge);
                }
                query.push(")");
                query.build_query_as().fetch_all(&mut **c).await
            })?;
            recorded.extend(rows);
        }
        Ok(parcels
            .iter()
            .map(|p| recorded.contains(&(p.pledge.clone(), p.carrier.clone(), p.tracking_number.clone())))
            .collect())
    }

    /// Records `parcels` of `campaign` shipped at `now`, all in one transaction, a hundred
    /// rows a statement; a parcel already recorded (same pledge, carrier and number, also
    /// earlier in the same file) is left as it is. Each pledge that got a parcel it did not
    /// have is told of (its event, its backer's mail). Answers how many parcels were new.
    pub async fn record_shipments(
        &self,
        campaign: &str,
        parcels: impl Iterator<Item = NewShipment> + Send,
        now: Timestamp,
    ) -> anyhow::Result<usize> {
        let mut conn = self.readers.acquire().await?;
        super::begin_write(&mut conn).await?;
        let recorded = async {
            // Told one by one, and only when someone listens: the site's endpoints, or the
            // backers by mail. Otherwise the pledges shipped are counted, not kept.
            let mail = self.mail_base.get().map(|base| ("pledge_shipped", base.as_str()));
            let listening = !webhooks::listening(&mut conn, std::iter::once(campaign)).await?.is_empty();
            let (mut shipped, mut new) = (Vec::new(), 0);
            let mut parcels = parcels.peekable();
            while parcels.peek().is_some() {
                let chunk: Vec<NewShipment> = parcels.by_ref().take(ROWS_PER_INSERT).collect();
                let rows: Vec<(String,)> = on_conn!(&mut conn, |c| {
                    let mut query: QueryBuilder<Db> =
                        QueryBuilder::new("WITH v (pledge_id, carrier, tracking_number, items) AS (");
                    query.push_values(&chunk, |mut row, p| {
                        for text in [&p.pledge, &p.carrier, &p.tracking_number, &p.items] {
                            row.push("CAST(").push_bind_unseparated(text).push_unseparated(" AS TEXT)");
                        }
                    });
                    query.push(
                        ") INSERT INTO shipments (pledge_id, campaign_id, carrier, tracking_number, items, shipped_at) \
                         SELECT v.pledge_id, ",
                    );
                    query.push_bind(campaign).push(", v.carrier, v.tracking_number, v.items, ");
                    query.push_bind(now.unix());
                    // Each row's pledge is looked up by its key (a join may scan every pledge).
                    query.push(
                        " FROM v WHERE EXISTS (SELECT 1 FROM pledges p WHERE p.id = v.pledge_id \
                         AND p.cancelled_at IS NULL AND p.campaign_id = ",
                    );
                    query.push_bind(campaign).push(")");
                    query.push(" ON CONFLICT (pledge_id, carrier, tracking_number) DO NOTHING RETURNING pledge_id");
                    query.build_query_as().fetch_all(&mut **c).await
                })?;
                new += rows.len();
                if listening || mail.is_some() {
                    shipped.extend(rows.into_iter().map(|(id,)| id));
                }
            }
            shipped.sort();
            shipped.dedup();
            tell_many(&mut conn, &shipped, (EventType::PledgeShipped, mail, listening), now).await?;
            anyhow::Ok(new)
        }
        .await;
        super::finish(&mut conn, recorded).await
    }
}

impl Store {
    /// Marks delivered, at `now`, up to `limit` live pledges whose last parcel left before
    /// `shipped_before` and that nobody marked yet, telling the site of each; how many.
    pub async fn deliver_due(
        &self,
        shipped_before: Timestamp,
        now: Timestamp,
        limit: i64,
    ) -> anyhow::Result<usize> {
        let mut conn = self.readers.acquire().await?;
        let due: Vec<(String,)> = on_conn!(&mut conn, |c| sqlx::query_as(sql(
            "SELECT p.id FROM pledges p JOIN (SELECT pledge_id, MAX(shipped_at) AS last FROM shipments \
             GROUP BY pledge_id) s ON s.pledge_id = p.id \
             WHERE p.delivered_at IS NULL AND p.cancelled_at IS NULL AND s.last < ? LIMIT ?"
        ))
        .bind(shipped_before.unix())
        .bind(limit)
        .fetch_all(&mut **c)
        .await)?;
        if due.is_empty() {
            return Ok(0);
        }
        super::begin_write(&mut conn).await?;
        let marked = async {
            let mut marked = 0;
            for (id,) in &due {
                let changed = on_conn!(&mut conn, |c| sqlx::query(sql(
                    "UPDATE pledges SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL"
                ))
                .bind(now.unix())
                .bind(id)
                .execute(&mut **c)
                .await
                .map(|r| r.rows_affected()))?;
                if changed > 0 {
                    // Whatever time the round judged by, the event goes at once.
                    tell(&mut conn, id, (EventType::PledgeDelivered, None), crate::now()).await?;
                    marked += 1;
                }
            }
            anyhow::Ok(marked)
        }
        .await;
        super::finish(&mut conn, marked).await
    }

    /// Erases the addresses of rewards delivered before `before` (the operator's
    /// retention); how many.
    pub async fn erase_addresses(&self, before: Timestamp, now: Timestamp) -> anyhow::Result<u64> {
        let mut conn = self.readers.acquire().await?;
        let erased = on_conn!(&mut conn, |c| sqlx::query(sql(
            "UPDATE pledges SET address = NULL, erased_at = COALESCE(erased_at, ?) \
             WHERE delivered_at IS NOT NULL AND address IS NOT NULL AND delivered_at < ?"
        ))
        .bind(now.unix())
        .bind(before.unix())
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(erased)
    }
}

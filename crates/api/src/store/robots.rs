//! Fan-group robots' side of the webhook outbox: an endpoint that takes a chat platform's
//! messages is posted to one message at a time, at most once per pace, with every event
//! due for it merged into that message.
//!
//! A replica takes an endpoint's turn by moving its `post_after` forward from a time
//! already past, in one conditional `UPDATE`: of replicas racing for it, one moves it and
//! the others find it moved, so the pace holds across replicas. It then claims the
//! endpoint's due deliveries for a lease, as JSON deliveries are claimed.

use super::Store;
use super::db::on_conn;
use domain::Timestamp;
use sqlx::QueryBuilder;
use std::collections::HashMap;

/// Endpoints that are robots, enabled, whose turn has come and which have a delivery due
/// (`?` now, three times).
macro_rules! due {
    () => {
        "FROM webhook_endpoints e WHERE e.format <> 'json' AND e.disabled_at IS NULL \
         AND e.post_after <= ? AND EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = e.id \
         AND d.delivered_at IS NULL AND d.next_attempt_at <= ? AND d.locked_until <= ?)"
    };
}

/// One message a replica has the turn to post: its endpoint, and the deliveries it carries.
#[derive(Debug)]
pub struct Post {
    pub endpoint_id: String,
    pub url: String,
    pub format: String,
    pub signing_secret: Option<String>,
    /// The language of the endpoint's site (`en`, `zh-CN`).
    pub lang: String,
    /// Oldest first.
    pub deliveries: Vec<PostDelivery>,
}

#[derive(Debug, sqlx::FromRow)]
pub struct PostDelivery {
    pub id: i64,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub payload: String,
    pub attempts: i32,
}

#[derive(sqlx::FromRow)]
struct PostEndpoint {
    id: String,
    url: String,
    format: String,
    signing_secret: Option<String>,
    lang: String,
}

impl Store {
    /// Takes the turn of up to `limit` robot endpoints whose turn has come, each until
    /// `pace` seconds from now, and claims up to `per_post` of each one's due deliveries for
    /// `lease` seconds.
    pub async fn claim_posts(
        &self,
        now: Timestamp,
        (limit, per_post): (i64, i64),
        (pace, lease): (i64, i64),
    ) -> anyhow::Result<Vec<Post>> {
        let mut conn = self.readers.acquire().await?;
        // A read first: the turn is a write, which on SQLite would take the write lock from
        // the pledge writer every round even with nothing to post.
        let due: Option<(String,)> =
            on_conn!(&mut conn, |c| sqlx::query_as(sql(concat!("SELECT e.id ", due!(), " LIMIT 1")))
                .bind(now.unix())
                .bind(now.unix())
                .bind(now.unix())
                .fetch_optional(&mut **c)
                .await)?;
        if due.is_none() {
            return Ok(Vec::new());
        }
        let turns: Vec<(String,)> = on_conn!(&mut conn, |c| sqlx::query_as(sql(concat!(
            "UPDATE webhook_endpoints SET post_after = ? WHERE post_after <= ? AND id IN (SELECT e.id ",
            due!(),
            " ORDER BY e.post_after LIMIT ?) RETURNING id"
        )))
        .bind(now.unix() + pace)
        .bind(now.unix())
        .bind(now.unix())
        .bind(now.unix())
        .bind(now.unix())
        .bind(limit)
        .fetch_all(&mut **c)
        .await)?;
        let mut posts = Vec::with_capacity(turns.len());
        for (endpoint,) in turns {
            let claimed: Vec<(i64,)> = on_conn!(&mut conn, |c| sqlx::query_as(sql(
                "UPDATE webhook_deliveries SET locked_until = ?, attempts = attempts + 1 WHERE id IN (\
                 SELECT id FROM webhook_deliveries WHERE endpoint_id = ? AND delivered_at IS NULL \
                 AND next_attempt_at <= ? AND locked_until <= ? ORDER BY id LIMIT ?) RETURNING id"
            ))
            .bind(now.unix() + lease)
            .bind(&endpoint)
            .bind(now.unix())
            .bind(now.unix())
            .bind(per_post)
            .fetch_all(&mut **c)
            .await)?;
            if claimed.is_empty() {
                continue;
            }
            let deliveries: Vec<PostDelivery> = on_conn!(&mut conn, |c| {
                let mut query: QueryBuilder<Db> = QueryBuilder::new(
                    "SELECT id, type, payload, attempts FROM webhook_deliveries WHERE id IN (",
                );
                let mut ids = query.separated(", ");
                for (id,) in &claimed {
                    ids.push_bind(id);
                }
                query.push(") ORDER BY id");
                query.build_query_as().fetch_all(&mut **c).await
            })?;
            let found: Option<PostEndpoint> = on_conn!(&mut conn, |c| sqlx::query_as(sql(
                "SELECT e.id, e.url, e.format, e.signing_secret, s.lang FROM webhook_endpoints e \
                 JOIN sites s ON s.id = e.site_id WHERE e.id = ?"
            ))
            .bind(&endpoint)
            .fetch_optional(&mut **c)
            .await)?;
            // Removed meanwhile: its deliveries went with it.
            let Some(e) = found else { continue };
            posts.push(Post {
                endpoint_id: e.id,
                url: e.url,
                format: e.format,
                signing_secret: e.signing_secret,
                lang: e.lang,
                deliveries,
            });
        }
        Ok(posts)
    }

    /// The name each of `pledges` (ids) is announced by: its backer's name when they chose
    /// to be listed, else `None`. A pledge cancelled since is left out.
    pub async fn announced_names(&self, pledges: &[&str]) -> anyhow::Result<HashMap<String, Option<String>>> {
        let mut conn = self.readers.acquire().await?;
        let mut names = HashMap::new();
        for chunk in pledges.chunks(super::db::ROWS_PER_INSERT) {
            let rows: Vec<(String, String, bool)> = on_conn!(&mut conn, |c| {
                let mut query: QueryBuilder<Db> = QueryBuilder::new(
                    "SELECT id, name, public FROM pledges WHERE cancelled_at IS NULL AND id IN (",
                );
                let mut ids = query.separated(", ");
                for id in chunk {
                    ids.push_bind(*id);
                }
                query.push(")");
                query.build_query_as().fetch_all(&mut **c).await
            })?;
            names.extend(rows.into_iter().map(|(id, name, public)| (id, public.then_some(name))));
        }
        Ok(names)
    }
}

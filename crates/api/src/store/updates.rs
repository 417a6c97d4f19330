//! A creator's updates to their backers.

use super::db::on_conn;
use super::{Store, begin_write, counts, extras_moved, finish};
use domain::Timestamp;
use domain::progress::Counts;
use domain::wire::{Audience, Update};

impl Store {
    /// Publishes an update, its mails to `audience` to be queued by [`Store::mail_update_page`];
    /// the campaign's `seq` moves so viewers get its headline.
    pub async fn post_update(
        &self,
        campaign: &str,
        id: &str,
        (title, body): (&str, &str),
        audience: &Audience,
        now: Timestamp,
    ) -> anyhow::Result<Counts> {
        let named = (!audience.is_everyone()).then(|| serde_json::to_string(audience)).transpose()?;
        let mut conn = self.readers.acquire().await?;
        begin_write(&mut conn).await?;
        let posted: anyhow::Result<Counts> = async {
            on_conn!(&mut conn, |c| sqlx::query(sql(
                "INSERT INTO updates (id, campaign_id, title, body, published_at, audience, mail_after) \
                 VALUES (?, ?, ?, ?, ?, ?, ?)"
            ))
            .bind(id)
            .bind(campaign)
            .bind(title)
            .bind(body)
            .bind(now.unix())
            .bind(&named)
            .bind(self.mail_base.get().map(|_| ""))
            .execute(&mut **c)
            .await
            .map(|_| ()))?;
            extras_moved(&mut conn, campaign).await?;
            counts(&mut conn, campaign).await
        }
        .await;
        finish(&mut conn, posted).await
    }

    /// Queues the mails of the next `page` pledges of the oldest update still being mailed,
    /// in a transaction of its own: `true` when a page was queued (there may be more).
    pub async fn mail_update_page(&self, page: i64, now: Timestamp) -> anyhow::Result<bool> {
        const MAILING: &str = "SELECT id, campaign_id, audience, mail_after FROM updates \
             WHERE mail_after IS NOT NULL ORDER BY id LIMIT 1";
        type Row = Option<(String, String, Option<String>, String)>;
        let Some(base) = self.mail_base.get() else { return Ok(false) };
        let mut conn = self.readers.acquire().await?;
        // Read first, so a round with nothing to page takes no write lock.
        let mailing: Row =
            on_conn!(&mut conn, |c| sqlx::query_as(sql(MAILING)).fetch_optional(&mut **c).await)?;
        if mailing.is_none() {
            return Ok(false);
        }
        begin_write(&mut conn).await?;
        let paged: anyhow::Result<bool> = async {
            let mailing: Row =
                on_conn!(&mut conn, |c| sqlx::query_as(sql(MAILING)).fetch_optional(&mut **c).await)?;
            let Some((id, campaign, audience, after)) = mailing else { return Ok(false) };
            let audience: Audience =
                audience.as_deref().map(serde_json::from_str).transpose()?.unwrap_or_default();
            let next = super::recipients::queue_update_page(
                &mut conn,
                (&campaign, &id),
                &audience,
                (&after, page),
                base,
                now,
            )
            .await?;
            on_conn!(&mut conn, |c| sqlx::query(sql("UPDATE updates SET mail_after = ? WHERE id = ?"))
                .bind(&next)
                .bind(&id)
                .execute(&mut **c)
                .await
                .map(|_| ()))?;
            Ok(true)
        }
        .await;
        finish(&mut conn, paged).await
    }

    /// A campaign's updates, newest first, at most `limit`.
    pub async fn updates(&self, campaign: &str, limit: u32) -> anyhow::Result<Vec<Update>> {
        let mut conn = self.readers.acquire().await?;
        let rows: Vec<(String, String, String, i64)> = on_conn!(&mut conn, |c| {
            sqlx::query_as(sql(
            "SELECT id, title, body, published_at FROM updates WHERE campaign_id = ? ORDER BY id DESC LIMIT ?"
        )).bind(campaign).bind(i64::from(limit)).fetch_all(&mut **c).await
        })?;
        Ok(rows
            .into_iter()
            .map(|(id, title, body, at)| Update { id, title, body, published_at: Timestamp::from_unix(at) })
            .collect())
    }

    /// Update `id` of `campaign`.
    pub async fn update(&self, campaign: &str, id: &str) -> anyhow::Result<Option<Update>> {
        let mut conn = self.readers.acquire().await?;
        let row: Option<(String, String, String, i64)> = on_conn!(&mut conn, |c| sqlx::query_as(sql(
            "SELECT id, title, body, published_at FROM updates WHERE campaign_id = ? AND id = ?"
        ))
        .bind(campaign)
        .bind(id)
        .fetch_optional(&mut **c)
        .await)?;
        Ok(row.map(|(id, title, body, at)| Update {
            id,
            title,
            body,
            published_at: Timestamp::from_unix(at),
        }))
    }
}

//! A creator's updates to their backers.

use super::db::on_conn;
use super::{Store, begin_write, counts, finish, notify};
use domain::Timestamp;
use domain::progress::Counts;
use domain::wire::{Audience, Update};

impl Store {
    /// Publishes an update and queues its mails to `audience`; the campaign's `seq` moves so
    /// viewers get its headline.
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
                "INSERT INTO updates (id, campaign_id, title, body, published_at, audience) VALUES (?, ?, ?, ?, ?, ?)"
            ))
            .bind(id)
            .bind(campaign)
            .bind(title)
            .bind(body)
            .bind(now.unix())
            .bind(&named)
            .execute(&mut **c)
            .await
            .map(|_| ()))?;
            on_conn!(&mut conn, |c| sqlx::query(sql(
                "UPDATE campaigns SET seq = seq + 1, extras_version = extras_version + 1 WHERE id = ?"
            ))
            .bind(campaign)
            .execute(&mut **c)
            .await
            .map(|_| ()))?;
            notify(&mut conn, campaign).await?;
            if let Some(base) = self.mail_base.get() {
                super::recipients::queue_update(&mut conn, (campaign, id), audience, base, now).await?;
            }
            counts(&mut conn, campaign).await
        }
        .await;
        finish(&mut conn, posted).await
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

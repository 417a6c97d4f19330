//! The editor's drafts: a campaign as its creator typed it, kept per site until published.

use super::Store;
use super::db::on_conn;
use domain::Timestamp;

/// The most drafts a site keeps: more is refused, so no session can fill the disk.
pub const MAX_DRAFTS: i64 = 100;

/// A stored draft.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DraftRecord {
    pub id: String,
    /// The published campaign it changes, if any.
    pub campaign_id: Option<String>,
    pub title: String,
    /// The draft as JSON.
    pub body: String,
}

impl Store {
    /// Saves draft `id` of `site`; false when the site already keeps [`MAX_DRAFTS`] others.
    pub async fn save_draft(&self, site: &str, draft: &DraftRecord, now: Timestamp) -> anyhow::Result<bool> {
        let mut conn = self.readers.acquire().await?;
        let saved = on_conn!(&mut conn, |c| sqlx::query(sql(
            "INSERT INTO drafts (site_id, id, campaign_id, title, body, updated_at) \
             SELECT ?, ?, ?, ?, ?, ? \
             WHERE (SELECT COUNT(*) FROM drafts WHERE site_id = ? AND id <> ?) < ? \
             ON CONFLICT (site_id, id) DO UPDATE SET title = excluded.title, body = excluded.body, \
             updated_at = excluded.updated_at"
        ))
        .bind(site)
        .bind(&draft.id)
        .bind(&draft.campaign_id)
        .bind(&draft.title)
        .bind(&draft.body)
        .bind(now.unix())
        .bind(site)
        .bind(&draft.id)
        .bind(MAX_DRAFTS)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(saved > 0)
    }

    /// Draft `id` of `site`.
    pub async fn draft(&self, site: &str, id: &str) -> anyhow::Result<Option<DraftRecord>> {
        let mut conn = self.readers.acquire().await?;
        Ok(on_conn!(&mut conn, |c| sqlx::query_as(sql(
            "SELECT id, campaign_id, title, body FROM drafts WHERE site_id = ? AND id = ?"
        ))
        .bind(site)
        .bind(id)
        .fetch_optional(&mut **c)
        .await)?)
    }

    /// The site's drafts, newest first (without their bodies' text).
    pub async fn drafts(&self, site: &str) -> anyhow::Result<Vec<DraftRecord>> {
        let mut conn = self.readers.acquire().await?;
        Ok(on_conn!(&mut conn, |c| sqlx::query_as(sql(
            "SELECT id, campaign_id, title, '' AS body FROM drafts WHERE site_id = ? \
             ORDER BY updated_at DESC, id"
        ))
        .bind(site)
        .fetch_all(&mut **c)
        .await)?)
    }

    /// Forgets draft `id` of `site` (it was published).
    pub async fn delete_draft(&self, site: &str, id: &str) -> anyhow::Result<()> {
        let mut conn = self.readers.acquire().await?;
        on_conn!(&mut conn, |c| sqlx::query(sql("DELETE FROM drafts WHERE site_id = ? AND id = ?"))
            .bind(site)
            .bind(id)
            .execute(&mut **c)
            .await
            .map(|_| ()))?;
        Ok(())
    }
}

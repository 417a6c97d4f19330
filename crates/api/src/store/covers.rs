//! Campaign cover images: stored once by their hash, pointed to by the campaign.

use super::db::on_conn;
use super::{Store, begin_write, counts, finish, notify};
use domain::Timestamp;
use domain::progress::Counts;

/// A cover as the server re-encoded it.
#[derive(Debug, Clone)]
pub struct CoverImage {
    pub id: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

impl Store {
    /// Makes `cover` campaign `id`'s cover, if it is a campaign of `site`; `Ok(None)` when
    /// not. `seq` moves, so viewers get the new picture.
    pub async fn set_cover(
        &self,
        site: &str,
        id: &str,
        cover: &CoverImage,
        now: Timestamp,
    ) -> anyhow::Result<Option<Counts>> {
        let mut conn = self.readers.acquire().await?;
        begin_write(&mut conn).await?;
        let set: anyhow::Result<Option<Counts>> = async {
            let changed = on_conn!(&mut conn, |c| sqlx::query(sql(
                "UPDATE campaigns SET cover_id = ?, seq = seq + 1 WHERE id = ? AND site_id = ?"
            ))
            .bind(&cover.id)
            .bind(id)
            .bind(site)
            .execute(&mut **c)
            .await
            .map(|r| r.rows_affected()))?;
            if changed == 0 {
                return Ok(None);
            }
            on_conn!(&mut conn, |c| sqlx::query(sql(
                "INSERT INTO covers (id, campaign_id, content_type, bytes, width, height, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"
            ))
            .bind(&cover.id)
            .bind(id)
            .bind(cover.content_type)
            .bind(&cover.bytes)
            .bind(i64::from(cover.width))
            .bind(i64::from(cover.height))
            .bind(now.unix())
            .execute(&mut **c)
            .await
            .map(|_| ()))?;
            notify(&mut conn, id).await?;
            Ok(Some(counts(&mut conn, id).await?))
        }
        .await;
        finish(&mut conn, set).await
    }

    /// Stores `image` for campaign `id` (a collection code; the campaign's definition
    /// points to it).
    pub async fn store_image(&self, id: &str, image: &CoverImage, now: Timestamp) -> anyhow::Result<()> {
        let mut conn = self.readers.acquire().await?;
        on_conn!(&mut conn, |c| sqlx::query(sql(
            "INSERT INTO covers (id, campaign_id, content_type, bytes, width, height, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"
        ))
        .bind(&image.id)
        .bind(id)
        .bind(image.content_type)
        .bind(&image.bytes)
        .bind(i64::from(image.width))
        .bind(i64::from(image.height))
        .bind(now.unix())
        .execute(&mut **c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// A stored image's type and bytes.
    pub async fn cover(&self, cover_id: &str) -> anyhow::Result<Option<(String, Vec<u8>)>> {
        let mut conn = self.readers.acquire().await?;
        Ok(on_conn!(&mut conn, |c| sqlx::query_as(sql(
            "SELECT content_type, bytes FROM covers WHERE id = ?"
        ))
        .bind(cover_id)
        .fetch_optional(&mut **c)
        .await)?)
    }
}

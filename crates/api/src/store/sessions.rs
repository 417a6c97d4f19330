//! Dashboard sessions, stored as hashes of their tokens.

use super::Store;
use super::db::on_conn;
use domain::Timestamp;

/// A session that is still good: not expired, and its site's key unchanged since sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub site: String,
    pub csrf: String,
}

impl Store {
    pub async fn create_session(
        &self,
        token_hash: &str,
        site: &str,
        csrf: &str,
        expires_at: Timestamp,
    ) -> anyhow::Result<()> {
        let mut conn = self.readers.acquire().await?;
        on_conn!(&mut conn, |c| sqlx::query(sql(
            "INSERT INTO sessions (token_hash, site_id, key_hash, csrf, expires_at) \
             SELECT ?, id, key_hash, ?, ? FROM sites WHERE id = ?"
        ))
        .bind(token_hash)
        .bind(csrf)
        .bind(expires_at.unix())
        .bind(site)
        .execute(&mut **c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// The session behind a token hash, when it is still good at `now`.
    pub async fn session(&self, token_hash: &str, now: Timestamp) -> anyhow::Result<Option<SessionRecord>> {
        let mut conn = self.readers.acquire().await?;
        let row: Option<(String, String)> = on_conn!(&mut conn, |c| sqlx::query_as(sql(
            "SELECT s.site_id, s.csrf FROM sessions s JOIN sites ON sites.id = s.site_id \
             WHERE s.token_hash = ? AND s.expires_at > ? AND s.key_hash = sites.key_hash"
        ))
        .bind(token_hash)
        .bind(now.unix())
        .fetch_optional(&mut **c)
        .await)?;
        Ok(row.map(|(site, csrf)| SessionRecord { site, csrf }))
    }

    /// Ends a session (signing out); also clears sessions that expired before `now`.
    pub async fn end_session(&self, token_hash: &str, now: Timestamp) -> anyhow::Result<()> {
        let mut conn = self.readers.acquire().await?;
        on_conn!(&mut conn, |c| sqlx::query(sql(
            "DELETE FROM sessions WHERE token_hash = ? OR expires_at <= ?"
        ))
        .bind(token_hash)
        .bind(now.unix())
        .execute(&mut **c)
        .await
        .map(|_| ()))?;
        Ok(())
    }
}

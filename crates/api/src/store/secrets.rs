//! Secrets every replica shares: made once by whichever replica asks first, then read.

use super::Store;
use super::db::on_conn;

impl Store {
    /// The secret called `name`, made now (random, 256 bits) when there is none yet.
    pub async fn secret(&self, name: &str) -> anyhow::Result<String> {
        let fresh = format!("{}{}", crate::ids::secret(), crate::ids::secret());
        let mut conn = self.readers.acquire().await?;
        on_conn!(&mut conn, |c| sqlx::query(sql(
            "INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING"
        ))
        .bind(name)
        .bind(&fresh)
        .execute(&mut **c)
        .await
        .map(|_| ()))?;
        let (value,): (String,) =
            on_conn!(&mut conn, |c| sqlx::query_as(sql("SELECT value FROM secrets WHERE name = ?"))
                .bind(name)
                .fetch_one(&mut **c)
                .await)?;
        Ok(value)
    }
}

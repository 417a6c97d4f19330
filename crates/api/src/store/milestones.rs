//! A campaign's production timeline, kept as the JSON list its creator last set. Setting it
//! moves the campaign's `seq` and `extras_version` in the same transaction, so every viewer
//! gets the new timeline with the next numbers.

use super::db::{Conn, on_conn};
use super::{Store, begin_write, counts, extras_moved, finish};
use domain::milestones::Milestone;
use domain::progress::Counts;

/// The timeline of `campaign`, read inside whatever transaction `conn` is in.
pub(super) async fn read(conn: &mut Conn, campaign: &str) -> anyhow::Result<Vec<Milestone>> {
    let (json,): (String,) =
        on_conn!(conn, |c| sqlx::query_as(sql("SELECT milestones FROM campaigns WHERE id = ?"))
            .bind(campaign)
            .fetch_one(&mut **c)
            .await)?;
    Ok(serde_json::from_str(&json)?)
}

impl Store {
    /// Replaces the timeline of `campaign` with `milestones` (checked by the caller).
    pub async fn set_milestones(&self, campaign: &str, milestones: &[Milestone]) -> anyhow::Result<Counts> {
        let json = serde_json::to_string(milestones)?;
        let mut conn = self.readers.acquire().await?;
        begin_write(&mut conn).await?;
        let set: anyhow::Result<Counts> = async {
            on_conn!(&mut conn, |c| sqlx::query(sql("UPDATE campaigns SET milestones = ? WHERE id = ?"))
                .bind(&json)
                .bind(campaign)
                .execute(&mut **c)
                .await
                .map(|_| ()))?;
            extras_moved(&mut conn, campaign).await?;
            counts(&mut conn, campaign).await
        }
        .await;
        finish(&mut conn, set).await
    }
}

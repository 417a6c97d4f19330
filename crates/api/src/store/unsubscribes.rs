//! The way out of update mails: each update mail carries a token minted for it (kept only
//! as its hash, on its `mails` row), which stands for its address and campaign; an address
//! that used it gets no more updates of the campaign, or of anything its site sends that
//! is not about the backer's own pledge (`campaign_id` '').

use super::Store;
use super::db::on_conn;
use domain::Timestamp;

/// Who an unsubscribe token stands for.
#[derive(Debug, Clone)]
pub struct Unsubscribing {
    pub address: String,
    pub campaign: String,
    pub site: String,
}

impl Store {
    /// A one-click unsubscribe token for mail `id`, kept only as its hash.
    pub async fn unsubscribe_token(&self, id: &str) -> anyhow::Result<String> {
        let token = crate::ids::secret();
        let mut conn = self.readers.acquire().await?;
        on_conn!(&mut conn, |c| sqlx::query(sql("UPDATE mails SET unsubscribe_hash = ? WHERE id = ?"))
            .bind(super::receipts::hash(&token))
            .bind(id)
            .execute(&mut **c)
            .await
            .map(|_| ()))?;
        Ok(token)
    }

    /// What the mail behind unsubscribe `token` was: its address, its campaign's id and
    /// title, and its site's name; `None` for a token of no mail.
    pub async fn unsubscribing(&self, token: &str) -> anyhow::Result<Option<Unsubscribing>> {
        let mut conn = self.readers.acquire().await?;
        let found: Option<(String, String, String)> = on_conn!(&mut conn, |c| {
            sqlx::query_as(sql(
            "SELECT m.recipient, m.campaign_id, k.site_id FROM mails m JOIN campaigns k ON k.id = m.campaign_id \
             WHERE m.unsubscribe_hash = ?"
        ))
        .bind(super::receipts::hash(token))
        .fetch_optional(&mut **c)
        .await
        })?;
        Ok(found.map(|(address, campaign, site)| Unsubscribing { address, campaign, site }))
    }

    /// No more updates to `who.address`: of its campaign, or (`whole_site`) of anything
    /// its site sends that is not about the backer's own pledge. Those already queued and
    /// not yet being sent are withdrawn in the same transaction. Saying it again changes
    /// nothing.
    pub async fn unsubscribe(
        &self,
        who: &Unsubscribing,
        whole_site: bool,
        now: Timestamp,
    ) -> anyhow::Result<()> {
        let campaign = if whole_site { "" } else { who.campaign.as_str() };
        let mut conn = self.readers.acquire().await?;
        super::begin_write(&mut conn).await?;
        let done = async {
            on_conn!(&mut conn, |c| sqlx::query(sql(
                "INSERT INTO mail_unsubscribed (site_id, address, campaign_id, created_at) VALUES (?, ?, ?, ?) \
                 ON CONFLICT (site_id, address, campaign_id) DO NOTHING"
            ))
            .bind(&who.site)
            .bind(&who.address)
            .bind(campaign)
            .bind(now.unix())
            .execute(&mut **c)
            .await
            .map(|_| ()))?;
            on_conn!(&mut conn, |c| sqlx::query(sql(
                "DELETE FROM mails WHERE recipient = ? AND kind = 'update' AND status = 'waiting' \
                 AND locked_until <= ? AND campaign_id IN \
                 (SELECT id FROM campaigns WHERE site_id = ? AND (id = ? OR ? = ''))"
            ))
            .bind(&who.address)
            .bind(now.unix())
            .bind(&who.site)
            .bind(campaign)
            .bind(campaign)
            .execute(&mut **c)
            .await
            .map(|_| ()))?;
            Ok(())
        }
        .await;
        super::finish(&mut conn, done).await
    }
}

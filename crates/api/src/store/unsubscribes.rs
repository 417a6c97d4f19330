//! The way out of update and reminder mails: each carries a token made for it, its mail's
//! id and an HMAC of the id under a key every replica shares, so making one writes nothing
//! (a mail's send costs no write of its own) and a forged one opens nothing. It stands for
//! its mail's address and campaign; an address that used it gets no more updates of the
//! campaign, or of anything its site sends that is not about the backer's own pledge
//! (`campaign_id` ''). Tokens of an earlier form (kept as a hash on the mail) still work.

use super::Store;
use super::db::on_conn;
use domain::Timestamp;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The HMAC of mail `id` under `key`, 32 hex digits.
fn mac(key: &str, id: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes keys of any size");
    mac.update(format!("unsubscribe\n{id}").as_bytes());
    crate::ids::hex(&mac.finalize().into_bytes()[..16])
}

/// Who an unsubscribe token stands for.
#[derive(Debug, Clone)]
pub struct Unsubscribing {
    pub address: String,
    pub campaign: String,
    pub site: String,
}

impl Store {
    /// The one-click unsubscribe token of mail `id`: the id and its HMAC.
    pub fn unsubscribe_token(&self, id: &str) -> anyhow::Result<String> {
        let key = self.mail_key.get().ok_or_else(|| anyhow::anyhow!("mail is off"))?;
        Ok(format!("{id}{}", mac(key, id)))
    }

    /// What the mail behind unsubscribe `token` was: its address, its campaign's id and
    /// title, and its site's name; `None` for a token of no mail.
    pub async fn unsubscribing(&self, token: &str) -> anyhow::Result<Option<Unsubscribing>> {
        let mut conn = self.readers.acquire().await?;
        type Row = Option<(String, String, String)>;
        let found: Row = match (token.len(), self.mail_key.get()) {
            (64, Some(key)) => {
                let (id, presented) = token.split_at(32);
                if !crate::ids::same(presented.as_bytes(), mac(key, id).as_bytes()) {
                    return Ok(None);
                }
                on_conn!(&mut conn, |c| sqlx::query_as(sql(
                    "SELECT m.recipient, m.campaign_id, k.site_id FROM mails m \
                     JOIN campaigns k ON k.id = m.campaign_id WHERE m.id = ?"
                ))
                .bind(id)
                .fetch_optional(&mut **c)
                .await)?
            }
            _ => on_conn!(&mut conn, |c| sqlx::query_as(sql(
                "SELECT m.recipient, m.campaign_id, k.site_id FROM mails m \
                 JOIN campaigns k ON k.id = m.campaign_id WHERE m.unsubscribe_hash = ?"
            ))
            .bind(super::receipts::hash(token))
            .fetch_optional(&mut **c)
            .await)?,
        };
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

//! Fans who asked to hear of a campaign before pledging ("remind me"). Asking stores the
//! address unconfirmed and queues the confirmation mail in one transaction; only an
//! address whose owner opened the link mailed to it (its token kept as a hash) is told of
//! the launch and the last 48 hours, once each (`mail_told`), never an address that asked
//! the site for no more.

use super::db::on_conn;
use super::mails::{self, NewMail};
use super::{Store, begin_write, finish};
use domain::Timestamp;

impl Store {
    /// Records that `mail.recipient` asks to hear of `mail.campaign_id` in `mail.lang`, and
    /// queues `mail` (the confirmation) unless the address confirmed already or was sent one
    /// in the last `quiet_secs`; whether it was queued.
    pub async fn ask_reminder(
        &self,
        mail: &NewMail,
        quiet_secs: i64,
        now: Timestamp,
    ) -> anyhow::Result<bool> {
        let Some(campaign) = mail.campaign_id.as_deref() else { return Ok(false) };
        let mut conn = self.readers.acquire().await?;
        begin_write(&mut conn).await?;
        let asked = async {
            let (confirmed,): (Option<i64>,) = on_conn!(&mut conn, |c| sqlx::query_as(sql(
                "INSERT INTO reminders (campaign_id, address, lang, created_at) VALUES (?, ?, ?, ?) \
                 ON CONFLICT (campaign_id, address) DO UPDATE SET lang = excluded.lang RETURNING confirmed_at"
            ))
            .bind(campaign)
            .bind(&mail.recipient)
            .bind(mail.lang)
            .bind(now.unix())
            .fetch_one(&mut **c)
            .await)?;
            let (recent,): (i64,) = on_conn!(&mut conn, |c| sqlx::query_as(sql(
                "SELECT COUNT(*) FROM mails WHERE recipient = ? AND kind = ? AND created_at > ? AND campaign_id = ?"
            ))
            .bind(&mail.recipient)
            .bind(mail.kind)
            .bind(now.unix() - quiet_secs)
            .bind(campaign)
            .fetch_one(&mut **c)
            .await)?;
            if confirmed.is_some() || recent > 0 {
                return Ok(false);
            }
            mails::queue(&mut conn, std::slice::from_ref(mail), now).await?;
            Ok(true)
        }
        .await;
        finish(&mut conn, asked).await
    }

    /// A fresh confirmation token for `address`'s reminder of `campaign` (the one the mail
    /// being sent carries; an earlier one stops working).
    pub async fn mint_reminder_token(&self, campaign: &str, address: &str) -> anyhow::Result<String> {
        let token = crate::ids::secret();
        let mut conn = self.readers.acquire().await?;
        on_conn!(&mut conn, |c| sqlx::query(sql(
            "UPDATE reminders SET token_hash = ? WHERE campaign_id = ? AND address = ?"
        ))
        .bind(super::receipts::hash(&token))
        .bind(campaign)
        .bind(address)
        .execute(&mut **c)
        .await
        .map(|_| ()))?;
        Ok(token)
    }

    /// Whether `token` confirms a reminder of `campaign` (asking uses nothing up).
    pub async fn reminder_token_open(&self, campaign: &str, token: &str) -> anyhow::Result<bool> {
        let mut conn = self.readers.acquire().await?;
        let found: Option<(String,)> = on_conn!(&mut conn, |c| sqlx::query_as(sql(
            "SELECT address FROM reminders WHERE campaign_id = ? AND token_hash = ?"
        ))
        .bind(campaign)
        .bind(super::receipts::hash(token))
        .fetch_optional(&mut **c)
        .await)?;
        Ok(found.is_some())
    }

    /// Confirms the reminder `token` stands for; false for a token of none. Confirming again
    /// changes nothing.
    pub async fn confirm_reminder(
        &self,
        campaign: &str,
        token: &str,
        now: Timestamp,
    ) -> anyhow::Result<bool> {
        let mut conn = self.readers.acquire().await?;
        let changed = on_conn!(&mut conn, |c| {
            sqlx::query(sql(
            "UPDATE reminders SET confirmed_at = COALESCE(confirmed_at, ?) WHERE campaign_id = ? AND token_hash = ?"
        ))
        .bind(now.unix())
        .bind(campaign)
        .bind(super::receipts::hash(token))
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(changed == 1)
    }

    /// Tells `what` (`launched`, `ending_soon`) of `campaign` once: a mail of `kind` to each
    /// confirmed reminder asked for before `asked_before`, but for addresses that asked the
    /// site for no more, all in one transaction; how many were queued (`None` when told).
    pub async fn tell_reminded(
        &self,
        (campaign, what): (&str, &str),
        kind: &'static str,
        asked_before: Timestamp,
        base: &str,
    ) -> anyhow::Result<Option<usize>> {
        let now = crate::now();
        let mut conn = self.readers.acquire().await?;
        begin_write(&mut conn).await?;
        let told = async {
            let reminded: Vec<(String, String)> = on_conn!(&mut conn, |c| sqlx::query_as(sql(
                "SELECT r.address, r.lang FROM reminders r JOIN campaigns k ON k.id = r.campaign_id \
                 WHERE r.campaign_id = ? AND r.confirmed_at IS NOT NULL AND r.created_at < ? \
                 AND NOT EXISTS (SELECT 1 FROM mail_unsubscribed u WHERE u.site_id = k.site_id \
                 AND u.address = r.address AND (u.campaign_id = r.campaign_id OR u.campaign_id = '')) \
                 ORDER BY r.address"
            ))
            .bind(campaign)
            .bind(asked_before.unix())
            .fetch_all(&mut **c)
            .await)?;
            let data = serde_json::json!({ "base": base }).to_string();
            let queued: Vec<NewMail> = reminded
                .into_iter()
                .map(|(address, lang)| NewMail {
                    id: crate::ids::time_ordered(),
                    campaign_id: Some(campaign.to_owned()),
                    pledge_id: None,
                    kind,
                    recipient: address,
                    lang: if lang == "zh-CN" { "zh-CN" } else { "en" },
                    data: data.clone(),
                })
                .collect();
            let subject = format!("campaign:{campaign}");
            let recorded = super::told::record(&mut conn, (&subject, what), &queued, now).await?;
            Ok(recorded.then_some(queued.len()))
        }
        .await;
        finish(&mut conn, told).await
    }
}

//! Sites asked for through open sign-up while mail is on. The ask is kept, and its mail
//! queued, in one transaction; the link's token is minted as the mail is sent and kept
//! only as its hash; opening it takes the ask out once, before it expires, and only then
//! is the site created.

use super::db::on_conn;
use super::mails::{self, NewMail};
use super::{Store, begin_write, finish};
use domain::Timestamp;

/// A site asked for, waiting for its owner to open the mailed link.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Signup {
    pub id: String,
    pub site_id: String,
    pub name: String,
    /// Space-separated, checked.
    pub origins: String,
    pub email: String,
    pub lang: String,
}

impl Store {
    /// Keeps `signup` until `expires_at` and queues `mail` (its link) in one transaction;
    /// those expired go.
    pub async fn ask_signup(
        &self,
        signup: &Signup,
        mail: &NewMail,
        expires_at: Timestamp,
    ) -> anyhow::Result<()> {
        let now = crate::now();
        let mut conn = self.readers.acquire().await?;
        begin_write(&mut conn).await?;
        let asked = async {
            on_conn!(&mut conn, |c| sqlx::query(sql("DELETE FROM signups WHERE expires_at <= ?"))
                .bind(now.unix())
                .execute(&mut **c)
                .await
                .map(|_| ()))?;
            on_conn!(&mut conn, |c| sqlx::query(sql(
                "INSERT INTO signups (id, site_id, name, origins, email, lang, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            ))
            .bind(&signup.id)
            .bind(&signup.site_id)
            .bind(&signup.name)
            .bind(&signup.origins)
            .bind(&signup.email)
            .bind(&signup.lang)
            .bind(expires_at.unix())
            .execute(&mut **c)
            .await
            .map(|_| ()))?;
            Ok(mails::queue(&mut conn, std::slice::from_ref(mail), now).await?)
        }
        .await;
        finish(&mut conn, asked).await
    }

    /// A fresh token for sign-up `id`, for the mail being sent; `None` when it is gone.
    pub async fn mint_signup_token(&self, id: &str) -> anyhow::Result<Option<String>> {
        let token = format!("{}{}", crate::ids::secret(), crate::ids::secret());
        let mut conn = self.readers.acquire().await?;
        let changed =
            on_conn!(&mut conn, |c| sqlx::query(sql("UPDATE signups SET token_hash = ? WHERE id = ?"))
                .bind(crate::ids::sha256_hex(token.as_bytes()))
                .bind(id)
                .execute(&mut **c)
                .await
                .map(|r| r.rows_affected()))?;
        Ok((changed == 1).then_some(token))
    }

    /// Whether `token` opens a sign-up still waiting at `now` (asking uses nothing up).
    pub async fn signup_open(&self, token: &str, now: Timestamp) -> anyhow::Result<bool> {
        let mut conn = self.readers.acquire().await?;
        let found: Option<(String,)> = on_conn!(&mut conn, |c| sqlx::query_as(sql(
            "SELECT id FROM signups WHERE token_hash = ? AND expires_at > ?"
        ))
        .bind(crate::ids::sha256_hex(token.as_bytes()))
        .bind(now.unix())
        .fetch_optional(&mut **c)
        .await)?;
        Ok(found.is_some())
    }

    /// Takes out the sign-up `token` opens, once, before it expires.
    pub async fn take_signup(&self, token: &str, now: Timestamp) -> anyhow::Result<Option<Signup>> {
        let mut conn = self.readers.acquire().await?;
        Ok(on_conn!(&mut conn, |c| sqlx::query_as(sql(
            "DELETE FROM signups WHERE token_hash = ? AND expires_at > ? \
             RETURNING id, site_id, name, origins, email, lang"
        ))
        .bind(crate::ids::sha256_hex(token.as_bytes()))
        .bind(now.unix())
        .fetch_optional(&mut **c)
        .await)?)
    }
}

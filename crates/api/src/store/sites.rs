//! Sites (the host blogs), their creator keys and one-time dashboard sign-in links. Keys
//! and tokens are stored only as SHA-256 hashes.
//!
//! A key's rotation deletes the site's unused sign-in links in its own transaction, and a
//! link is redeemed in the same transaction as the session it starts is stored (under the
//! key hash of that moment): no link made under the old key opens a session that outlives
//! the rotation, however the two race.

use super::db::on_conn;
use super::{Store, begin_write, finish};
use domain::Timestamp;

/// A site as the operator sees it: never its key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SiteRecord {
    pub id: String,
    pub name: String,
    /// The `frame-ancestors` sources, as given (`https://blog.example.com`, `*`).
    pub origins: Vec<String>,
    /// Where the creator's mails go.
    pub emails: Vec<String>,
    /// How often they hear of new pledges: `each`, `hourly`, `daily` or `off`.
    pub notify: String,
    /// The language they read (`en`, `zh-CN`).
    pub lang: String,
}

/// A creator key's site, found by its id, with the stored hash to compare.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub site: String,
    pub key_hash: String,
}

#[derive(sqlx::FromRow)]
struct SiteRow {
    id: String,
    name: String,
    origins: String,
    emails: String,
    notify: String,
    lang: String,
}

impl From<SiteRow> for SiteRecord {
    fn from(row: SiteRow) -> SiteRecord {
        SiteRecord {
            id: row.id,
            name: row.name,
            origins: row.origins.split_whitespace().map(str::to_owned).collect(),
            emails: row.emails.split_whitespace().map(str::to_owned).collect(),
            notify: row.notify,
            lang: row.lang,
        }
    }
}

impl Store {
    /// Creates a site; `Ok(false)` when the id is taken.
    pub async fn create_site(
        &self,
        id: &str,
        name: &str,
        origins: &str,
        key_hash: &str,
        now: Timestamp,
    ) -> anyhow::Result<bool> {
        let mut conn = self.readers.acquire().await?;
        let inserted = on_conn!(&mut conn, |c| {
            sqlx::query(sql(
            "INSERT INTO sites (id, name, origins, key_hash, created_at, told_until) VALUES (?, ?, ?, ?, ?, ?)"
        ))
        .bind(id)
        .bind(name)
        .bind(origins)
        .bind(key_hash)
        .bind(now.unix())
        .bind(now.unix())
        .execute(&mut **c)
        .await
        .map(|_| ())
        });
        match inserted {
            Ok(_) => Ok(true),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
            Err(e) => Err(anyhow::Error::from(e).context(format!("creating site {id}"))),
        }
    }

    /// Every site, by id.
    pub async fn sites(&self) -> anyhow::Result<Vec<SiteRecord>> {
        let mut conn = self.readers.acquire().await?;
        let rows: Vec<SiteRow> = on_conn!(&mut conn, |c| sqlx::query_as(sql(
            "SELECT id, name, origins, emails, notify, lang FROM sites ORDER BY id"
        ))
        .fetch_all(&mut **c)
        .await)?;
        Ok(rows.into_iter().map(SiteRecord::from).collect())
    }

    pub async fn site(&self, id: &str) -> anyhow::Result<Option<SiteRecord>> {
        let mut conn = self.readers.acquire().await?;
        let row: Option<SiteRow> = on_conn!(&mut conn, |c| sqlx::query_as(sql(
            "SELECT id, name, origins, emails, notify, lang FROM sites WHERE id = ?"
        ))
        .bind(id)
        .fetch_optional(&mut **c)
        .await)?;
        Ok(row.map(SiteRecord::from))
    }

    /// Replaces a site's key hash and, in the same transaction, deletes the site's unused
    /// sign-in links (sessions end by themselves: they hold the key hash they were made
    /// under); `Ok(false)` for an unknown site.
    pub async fn set_key_hash(&self, id: &str, key_hash: &str) -> anyhow::Result<bool> {
        let mut conn = self.readers.acquire().await?;
        begin_write(&mut conn).await?;
        let set: anyhow::Result<bool> = async {
            let changed =
                on_conn!(&mut conn, |c| sqlx::query(sql("UPDATE sites SET key_hash = ? WHERE id = ?"))
                    .bind(key_hash)
                    .bind(id)
                    .execute(&mut **c)
                    .await
                    .map(|r| r.rows_affected()))?;
            on_conn!(&mut conn, |c| sqlx::query(sql(
                "DELETE FROM sign_in_links WHERE site_id = ? AND used_at IS NULL"
            ))
            .bind(id)
            .execute(&mut **c)
            .await
            .map(|_| ()))?;
            Ok(changed == 1)
        }
        .await;
        finish(&mut conn, set).await
    }

    /// Changes a site's name, origins and people (`site`, checked); `Ok(false)` for an
    /// unknown site. Running servers hear of it through [`Store::announce`]. A new `notify`
    /// starts its digests from `now`: a change to `hourly` tells nothing from before it.
    pub async fn update_site(&self, site: &SiteRecord, now: Timestamp) -> anyhow::Result<bool> {
        let mut conn = self.readers.acquire().await?;
        let changed = on_conn!(&mut conn, |c| sqlx::query(sql(
            "UPDATE sites SET name = ?, origins = ?, emails = ?, lang = ?, \
             told_until = CASE WHEN notify <> ? THEN ? ELSE told_until END, notify = ? WHERE id = ?"
        ))
        .bind(&site.name)
        .bind(site.origins.join(" "))
        .bind(site.emails.join(" "))
        .bind(&site.lang)
        .bind(&site.notify)
        .bind(now.unix())
        .bind(&site.notify)
        .bind(&site.id)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(changed == 1)
    }

    /// The stored key hash of a site, to compare a presented key with.
    pub async fn key_of(&self, site: &str) -> anyhow::Result<Option<Authenticated>> {
        let mut conn = self.readers.acquire().await?;
        let hash: Option<(String,)> =
            on_conn!(&mut conn, |c| sqlx::query_as(sql("SELECT key_hash FROM sites WHERE id = ?"))
                .bind(site)
                .fetch_optional(&mut **c)
                .await)?;
        Ok(hash.map(|(key_hash,)| Authenticated { site: site.to_owned(), key_hash }))
    }

    /// Stores a one-time sign-in link's token hash.
    pub async fn create_sign_in(
        &self,
        site: &str,
        token_hash: &str,
        expires_at: Timestamp,
    ) -> anyhow::Result<()> {
        let mut conn = self.readers.acquire().await?;
        on_conn!(&mut conn, |c| sqlx::query(sql(
            "INSERT INTO sign_in_links (token_hash, site_id, expires_at) VALUES (?, ?, ?)"
        ))
        .bind(token_hash)
        .bind(site)
        .bind(expires_at.unix())
        .execute(&mut **c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Whether a sign-in link can still be used at `now` (it is not used up by asking).
    pub async fn sign_in_open(&self, token_hash: &str, now: Timestamp) -> anyhow::Result<bool> {
        let mut conn = self.readers.acquire().await?;
        let open: Option<(i64,)> = on_conn!(&mut conn, |c| {
            sqlx::query_as(sql(
            "SELECT expires_at FROM sign_in_links WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?"
        )).bind(token_hash).bind(now.unix()).fetch_optional(&mut **c).await
        })?;
        Ok(open.is_some())
    }

    /// Uses up a sign-in link and stores the session it starts (`session_hash`, `csrf`,
    /// `expires_at`), in one transaction: the site it signs in to, once, before it expires.
    /// Two requests racing with the same link get it once between them; a rotation of the
    /// site's key either deleted the link first or leaves this session under the old key.
    pub async fn redeem_sign_in(
        &self,
        token_hash: &str,
        now: Timestamp,
        session_hash: &str,
        csrf: &str,
        expires_at: Timestamp,
    ) -> anyhow::Result<Option<String>> {
        let mut conn = self.readers.acquire().await?;
        begin_write(&mut conn).await?;
        let redeemed: anyhow::Result<Option<String>> = async {
            let site: Option<(String,)> = on_conn!(&mut conn, |c| sqlx::query_as(sql(
                "UPDATE sign_in_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? \
                 RETURNING site_id"
            )).bind(now.unix()).bind(token_hash).bind(now.unix()).fetch_optional(&mut **c).await)?;
            let Some((site,)) = site else { return Ok(None) };
            on_conn!(&mut conn, |c| sqlx::query(sql(
                "INSERT INTO sessions (token_hash, site_id, key_hash, csrf, expires_at) \
                 SELECT ?, id, key_hash, ?, ? FROM sites WHERE id = ?"
            )).bind(session_hash).bind(csrf).bind(expires_at.unix()).bind(&site).execute(&mut **c).await.map(|_| ()))?;
            Ok(Some(site))
        }
        .await;
        finish(&mut conn, redeemed).await
    }
}

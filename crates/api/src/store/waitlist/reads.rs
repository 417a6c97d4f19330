//! Reading waitlists: a fan's entry by its token and their place in line, a campaign's
//! list for its creator, and the offers the server's round looks after.

use super::entry::{EntryRow, StoredEntry, select_entry};
use crate::store::Store;
use crate::store::db::on_conn;
use crate::store::receipts::hash;
use domain::Timestamp;

impl Store {
    /// The entry behind a waitlist token, and its place in line while it waits (1: next).
    pub async fn waitlist_entry(&self, token: &str) -> anyhow::Result<Option<(StoredEntry, Option<u32>)>> {
        let Some((id, secret)) = token.split_at_checked(32) else { return Ok(None) };
        let mut conn = self.readers.acquire().await?;
        let row: Option<EntryRow> =
            on_conn!(&mut conn, |c| sqlx::query_as(sql(select_entry!("WHERE id = ?")))
                .bind(id)
                .fetch_optional(&mut **c)
                .await)?;
        let Some(entry) = row.map(StoredEntry::from) else { return Ok(None) };
        let presented = hash(secret);
        let opens = [Some(&entry.secret_hash), entry.mail_hash.as_ref()]
            .into_iter()
            .flatten()
            .any(|stored| crate::ids::same(presented.as_bytes(), stored.as_bytes()));
        if !opens {
            return Ok(None);
        }
        let position = if entry.state() == domain::wire::WaitState::Waiting {
            let ahead: i64 = on_conn!(&mut conn, |c| {
                sqlx::query_scalar(sql(
                "SELECT COUNT(*) FROM waitlist WHERE campaign_id = ? AND tier_id = ? AND state = 'waiting' AND position < ?"
            ))
            .bind(&entry.entry.campaign)
            .bind(&entry.entry.tier)
            .bind(i64::try_from(entry.entry.place).unwrap_or(i64::MAX))
            .fetch_one(&mut **c)
            .await
            })?;
            Some(u32::try_from(ahead + 1).unwrap_or(u32::MAX))
        } else {
            None
        };
        Ok(Some((entry, position)))
    }

    /// Entry `id`, for the server's own work (its offer mail).
    pub async fn waitlist_entry_by_id(&self, id: &str) -> anyhow::Result<Option<StoredEntry>> {
        let mut conn = self.readers.acquire().await?;
        Ok(super::by_id(&mut conn, id).await?)
    }

    /// Every entry of a campaign's waitlists, by tier and place, with contacts: for its
    /// creator.
    pub async fn waitlist_of(&self, campaign: &str) -> anyhow::Result<Vec<StoredEntry>> {
        let mut conn = self.readers.acquire().await?;
        let rows: Vec<EntryRow> = on_conn!(&mut conn, |c| sqlx::query_as(sql(select_entry!(
            "WHERE campaign_id = ? ORDER BY tier_id, position"
        )))
        .bind(campaign)
        .fetch_all(&mut **c)
        .await)?;
        Ok(rows.into_iter().map(StoredEntry::from).collect())
    }

    /// Offers whose time ran out by `now`, oldest first, up to `limit`.
    pub async fn offers_lapsed(&self, now: Timestamp, limit: i64) -> anyhow::Result<Vec<StoredEntry>> {
        let mut conn = self.readers.acquire().await?;
        let rows: Vec<EntryRow> = on_conn!(&mut conn, |c| sqlx::query_as(sql(select_entry!(
            "WHERE state = 'offered' AND offer_expires_at <= ? ORDER BY offer_expires_at LIMIT ?"
        )))
        .bind(now.unix())
        .bind(limit)
        .fetch_all(&mut **c)
        .await)?;
        Ok(rows.into_iter().map(StoredEntry::from).collect())
    }

    /// Offers of campaigns without payments, which become pledges at once: oldest first,
    /// up to `limit`.
    pub async fn offers_to_convert(&self, limit: i64) -> anyhow::Result<Vec<StoredEntry>> {
        let mut conn = self.readers.acquire().await?;
        let rows: Vec<EntryRow> = on_conn!(&mut conn, |c| sqlx::query_as(sql(select_entry!(
            "WHERE state = 'offered' AND converts = 1 ORDER BY offered_at LIMIT ?"
        )))
        .bind(limit)
        .fetch_all(&mut **c)
        .await)?;
        Ok(rows.into_iter().map(StoredEntry::from).collect())
    }

    /// A new link to waitlist entry `id`, for its offer mail: kept as a hash, it opens the
    /// entry beside the fan's own token, and the pledge the entry becomes.
    pub async fn mint_waitlist_link(&self, id: &str) -> anyhow::Result<String> {
        let secret = crate::ids::secret();
        let mut conn = self.readers.acquire().await?;
        on_conn!(&mut conn, |c| sqlx::query(sql("UPDATE waitlist SET mail_hash = ? WHERE id = ?"))
            .bind(hash(&secret))
            .bind(id)
            .execute(&mut **c)
            .await
            .map(|_| ()))?;
        Ok(format!("{id}{secret}"))
    }
}

/// The receipt token of the pledge an entry became, from the waitlist token that opened it.
pub fn pledge_token(entry: &StoredEntry, waitlist_token: &str) -> Option<String> {
    let secret = waitlist_token.get(32..)?;
    entry.entry.pledge.as_ref().map(|pledge| format!("{pledge}{secret}"))
}

/// Whether an offer's time ran out by `now`.
pub fn lapsed(entry: &StoredEntry, now: Timestamp) -> bool {
    entry.entry.offer_expires_at.is_some_and(|at| at <= now)
}

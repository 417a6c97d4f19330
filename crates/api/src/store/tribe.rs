//! A campaign's tribe: its top recruiters and its wall of public backers. Both read live
//! pledges only; names only of backers who chose to be listed; never a contact.

use super::Store;
use super::db::{Conn, on_conn};
use domain::Timestamp;
use domain::wire::{Leader, WallEntry};

/// How many of each the campaign view carries (the API lists more).
pub(super) const IN_VIEW: u32 = 3;
/// The longest wall message the view carries, in characters; the API has them whole.
const VIEW_MESSAGE: usize = 140;

impl Store {
    /// The top `limit` recruiters of a campaign.
    pub async fn leaders(&self, campaign: &str, limit: u32) -> anyhow::Result<Vec<Leader>> {
        let mut conn = self.readers.acquire().await?;
        leaders(&mut conn, campaign, limit).await
    }

    /// The name behind a referral code of a campaign, when its backer chose to be listed
    /// and the pledge is live.
    pub async fn public_name(&self, campaign: &str, code: &str) -> anyhow::Result<Option<String>> {
        let mut conn = self.readers.acquire().await?;
        let name: Option<(String,)> = on_conn!(&mut conn, |c| {
            sqlx::query_as(sql(
            "SELECT name FROM pledges WHERE referral_code = ? AND campaign_id = ? AND public AND cancelled_at IS NULL"
        )).bind(code).bind(campaign).fetch_optional(&mut **c).await
        })?;
        Ok(name.map(|(name,)| name))
    }

    /// The name behind a referral code of a campaign, for its creator (public or not).
    pub async fn referrer_name(&self, campaign: &str, code: &str) -> anyhow::Result<Option<String>> {
        let mut conn = self.readers.acquire().await?;
        let name: Option<(String,)> = on_conn!(&mut conn, |c| sqlx::query_as(sql(
            "SELECT name FROM pledges WHERE referral_code = ? AND campaign_id = ?"
        ))
        .bind(code)
        .bind(campaign)
        .fetch_optional(&mut **c)
        .await)?;
        Ok(name.map(|(name,)| name))
    }

    /// The newest `limit` public backers of a campaign, whole messages.
    pub async fn wall(&self, campaign: &str, limit: u32) -> anyhow::Result<Vec<WallEntry>> {
        let mut conn = self.readers.acquire().await?;
        wall(&mut conn, campaign, limit, usize::MAX).await
    }
}

pub(super) async fn leaders(conn: &mut Conn, campaign: &str, limit: u32) -> anyhow::Result<Vec<Leader>> {
    let rows: Vec<(String, bool, i64, i64)> = on_conn!(conn, |c| sqlx::query_as(sql(
        "SELECT name, public, recruits, recruited_amount FROM pledges \
         WHERE campaign_id = ? AND recruits > 0 AND cancelled_at IS NULL \
         ORDER BY recruits DESC, recruited_amount DESC, id LIMIT ?"
    ))
    .bind(campaign)
    .bind(i64::from(limit))
    .fetch_all(&mut **c)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(name, public, recruits, amount)| Leader {
            name: public.then_some(name),
            recruits: u32::try_from(recruits).unwrap_or(0),
            amount,
        })
        .collect())
}

/// The newest public backers; messages cut to `message_chars`.
pub(super) async fn wall(
    conn: &mut Conn,
    campaign: &str,
    limit: u32,
    message_chars: usize,
) -> anyhow::Result<Vec<WallEntry>> {
    let rows: Vec<(String, Option<String>, i64)> =
        on_conn!(conn, |c| sqlx::query_as(sql("SELECT name, message, created_at FROM pledges \
         WHERE campaign_id = ? AND public AND cancelled_at IS NULL ORDER BY id DESC LIMIT ?"))
        .bind(campaign)
        .bind(i64::from(limit))
        .fetch_all(&mut **c)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|(name, message, at)| WallEntry {
            name,
            message: message.map(|m| cut(&m, message_chars)),
            created_at: Timestamp::from_unix(at),
        })
        .collect())
}

/// The wall as the view carries it.
pub(super) async fn wall_in_view(conn: &mut Conn, campaign: &str) -> anyhow::Result<Vec<WallEntry>> {
    wall(conn, campaign, IN_VIEW, VIEW_MESSAGE).await
}

fn cut(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_messages_are_cut_at_a_character_boundary() {
        assert_eq!(super::cut("小米粉丝们", 2), "小米…");
        assert_eq!(super::cut("short", 140), "short");
    }
}

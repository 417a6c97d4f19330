//! A campaign's tribe: its top recruiters and its wall of public backers, whole and in
//! pages. Both read live pledges only; names only of backers who chose to be listed; never
//! a contact.

use super::Store;
use super::db::{Conn, on_conn};
use domain::Timestamp;
use domain::wire::{Leader, WallEntry};

/// How many of each the campaign view carries (the API lists more).
const IN_VIEW: u32 = 3;
/// The longest wall message the view carries, in characters; the API has them whole.
const VIEW_MESSAGE: usize = 140;

impl Store {
    /// The top `limit` recruiters of a campaign.
    pub async fn leaders(&self, campaign: &str, limit: u32) -> anyhow::Result<Vec<Leader>> {
        let mut conn = self.readers.acquire().await?;
        leaders(&mut conn, campaign, Window { skip: 0, limit }).await
    }

    /// Page `page` (from 0) of a campaign's recruiters, `per` to a page, highest first: the
    /// leaders, and whether a next page has any.
    pub async fn leaders_page(
        &self,
        campaign: &str,
        page: u32,
        per: u32,
    ) -> anyhow::Result<(Vec<Leader>, bool)> {
        let mut conn = self.readers.acquire().await?;
        let mut leaders = leaders(&mut conn, campaign, Window::page(page, per)).await?;
        let more = leaders.len() > per as usize;
        leaders.truncate(per as usize);
        Ok((leaders, more))
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

    /// The top `limit` recruiters of a campaign with their referral codes, which tell who
    /// they are whatever their names.
    pub async fn top_recruiters(&self, campaign: &str, limit: u32) -> anyhow::Result<Vec<(String, Leader)>> {
        let mut conn = self.readers.acquire().await?;
        let rows: Vec<(String, String, bool, i64, i64)> = on_conn!(&mut conn, |c| sqlx::query_as(sql(
            "SELECT referral_code, name, public, recruits, recruited_amount FROM pledges \
             WHERE campaign_id = ? AND recruits > 0 AND cancelled_at IS NULL \
             ORDER BY recruits DESC, recruited_amount DESC, id LIMIT ?"
        ))
        .bind(campaign)
        .bind(i64::from(limit))
        .fetch_all(&mut **c)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(code, name, public, recruits, amount)| {
                let leader = Leader {
                    name: public.then_some(name),
                    recruits: u32::try_from(recruits).unwrap_or(0),
                    amount,
                };
                (code, leader)
            })
            .collect())
    }

    /// Page `page` (from 0) of a campaign's public backers, `per` to a page, newest first,
    /// whole messages: the backers, and whether a next page has any.
    pub async fn wall_page(
        &self,
        campaign: &str,
        page: u32,
        per: u32,
    ) -> anyhow::Result<(Vec<WallEntry>, bool)> {
        let mut conn = self.readers.acquire().await?;
        let mut wall = wall(&mut conn, campaign, Window::page(page, per), usize::MAX).await?;
        let more = wall.len() > per as usize;
        wall.truncate(per as usize);
        Ok((wall, more))
    }
}

/// Which rows of a ranked list to read.
pub(super) struct Window {
    skip: u32,
    limit: u32,
}

impl Window {
    /// Page `page` of `per` rows, and one more, to tell whether another page follows.
    fn page(page: u32, per: u32) -> Window {
        Window { skip: page.saturating_mul(per), limit: per.saturating_add(1) }
    }
}

pub(super) async fn leaders(conn: &mut Conn, campaign: &str, window: Window) -> anyhow::Result<Vec<Leader>> {
    let rows: Vec<(String, bool, i64, i64)> = on_conn!(conn, |c| sqlx::query_as(sql(
        "SELECT name, public, recruits, recruited_amount FROM pledges \
         WHERE campaign_id = ? AND recruits > 0 AND cancelled_at IS NULL \
         ORDER BY recruits DESC, recruited_amount DESC, id LIMIT ? OFFSET ?"
    ))
    .bind(campaign)
    .bind(i64::from(window.limit))
    .bind(i64::from(window.skip))
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

/// The public backers, newest first; messages cut to `message_chars`.
async fn wall(
    conn: &mut Conn,
    campaign: &str,
    window: Window,
    message_chars: usize,
) -> anyhow::Result<Vec<WallEntry>> {
    let rows: Vec<(String, Option<String>, i64)> =
        on_conn!(conn, |c| sqlx::query_as(sql("SELECT name, message, created_at FROM pledges \
         WHERE campaign_id = ? AND public AND cancelled_at IS NULL ORDER BY id DESC LIMIT ? OFFSET ?"))
        .bind(campaign)
        .bind(i64::from(window.limit))
        .bind(i64::from(window.skip))
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
    wall(conn, campaign, Window { skip: 0, limit: IN_VIEW }, VIEW_MESSAGE).await
}

/// The campaign view's top recruiters.
pub(super) async fn leaders_in_view(conn: &mut Conn, campaign: &str) -> anyhow::Result<Vec<Leader>> {
    leaders(conn, campaign, Window { skip: 0, limit: IN_VIEW }).await
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

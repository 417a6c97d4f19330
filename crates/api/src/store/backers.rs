//! A campaign's backers for its creator: pages of pledges (newest first), the export read
//! in chunks (oldest first), and pledges grouped by combination for the demand report.
//! Contacts are read here and nowhere public.

use super::Store;
use super::db::on_conn;
use domain::Timestamp;
use domain::demand::Combination;
use sqlx::QueryBuilder;
use std::collections::BTreeMap;

/// One pledge as its creator sees it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BackerRow {
    pub id: String,
    pub created_at: i64,
    pub name: String,
    pub contact: String,
    pub public: bool,
    pub tier_id: Option<String>,
    pub quantity: i64,
    pub options: String,
    pub amount: i64,
    pub message: Option<String>,
    pub referral_code: String,
    pub referred_by: Option<String>,
    pub cancelled_at: Option<i64>,
    pub source: Option<String>,
    pub host_page: Option<String>,
    pub recruits: i64,
    pub recruited_amount: i64,
    pub payment_status: Option<String>,
    pub ship_to: Option<String>,
    pub shipping: i64,
    /// The contact of the pledge whose link brought this one, to flag self-referrals.
    pub referrer_contact: Option<String>,
    /// Why mail to the contact is no longer sent, when a server refused it for good.
    pub undeliverable: Option<String>,
}

/// Pledges and amount under one source tag or host page.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SourceRow {
    pub name: Option<String>,
    pub pledges: i64,
    pub amount: i64,
}

/// Where a page of pledges ends: the id of its last pledge. Ids grow with time, so pledges
/// made while a creator pages never shift the pages that follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(String);

impl Cursor {
    /// A cursor handed out earlier: a pledge id (32 lowercase hex digits).
    pub fn parse(text: &str) -> Option<Cursor> {
        (text.len() == 32 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
            .then(|| Cursor(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A page of pledges and the cursor of the next one, if there is more.
#[derive(Debug, Clone)]
pub struct BackerPage {
    pub pledges: Vec<BackerRow>,
    pub next: Option<Cursor>,
}

macro_rules! select_backers {
    ($rest:literal) => {
        concat!(
            "SELECT id, created_at, name, contact, public, tier_id, quantity, options, amount, message, \
             referral_code, referred_by, cancelled_at, source, host_page, recruits, recruited_amount, payment_status, \
             ship_to, shipping, \
             (SELECT r.contact FROM pledges r WHERE r.referral_code = pledges.referred_by) AS referrer_contact, \
             (SELECT s.reason FROM mail_suppressed s JOIN campaigns k ON k.site_id = s.site_id \
              WHERE k.id = pledges.campaign_id AND s.address = pledges.contact) AS undeliverable \
             FROM pledges ",
            $rest
        )
    };
}
const SELECT_BACKERS: &str = select_backers!("WHERE campaign_id = ");
const ONE: &str = select_backers!("WHERE campaign_id = ? AND id = ?");
const OLDEST_AFTER: &str = select_backers!("WHERE campaign_id = ? AND id > ? ORDER BY id LIMIT ?");

/// Which of a campaign's pledges a list shows; empty fields filter nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackerFilter {
    /// A piece of the name or contact, any case.
    pub search: Option<String>,
    pub tier: Option<String>,
    /// An option group and its value (`colour`, `red`).
    pub option: Option<(String, String)>,
    /// Only cancelled pledges (`Some(true)`) or only live ones (`Some(false)`).
    pub cancelled: Option<bool>,
    pub source: Option<String>,
}

/// `text` as a LIKE pattern that finds it anywhere: `%`, `_` and `\` taken literally.
fn like(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

impl Store {
    /// Up to `limit` pledges of a campaign that pass `filter`, newest first, after `cursor`.
    pub async fn backers(
        &self,
        campaign: &str,
        filter: &BackerFilter,
        limit: u32,
        cursor: Option<&Cursor>,
    ) -> anyhow::Result<BackerPage> {
        let mut conn = self.readers.acquire().await?;
        let fetch = i64::from(limit) + 1;
        let search = filter.search.as_deref().map(|s| like(&s.to_lowercase()));
        // An option is stored as JSON (`{"colour":"red"}`): its pair, JSON-quoted, is matched.
        let option = match &filter.option {
            Some((name, value)) => {
                Some(like(&format!("{}:{}", serde_json::to_string(name)?, serde_json::to_string(value)?)))
            }
            None => None,
        };
        let mut rows: Vec<BackerRow> = on_conn!(&mut conn, |c| {
            let mut query: QueryBuilder<Db> = QueryBuilder::new(SELECT_BACKERS);
            query.push_bind(campaign);
            if let Some(cursor) = cursor {
                query.push(" AND id < ").push_bind(cursor.as_str());
            }
            if let Some(search) = &search {
                query.push(" AND (LOWER(name) LIKE ").push_bind(search.clone()).push(" ESCAPE '\\'");
                query.push(" OR LOWER(contact) LIKE ").push_bind(search.clone()).push(" ESCAPE '\\')");
            }
            if let Some(tier) = &filter.tier {
                query.push(" AND tier_id = ").push_bind(tier.as_str());
            }
            if let Some(option) = &option {
                query.push(" AND options LIKE ").push_bind(option.clone()).push(" ESCAPE '\\'");
            }
            match filter.cancelled {
                Some(true) => {
                    query.push(" AND cancelled_at IS NOT NULL");
                }
                Some(false) => {
                    query.push(" AND cancelled_at IS NULL");
                }
                None => {}
            }
            if let Some(source) = &filter.source {
                query.push(" AND source = ").push_bind(source.as_str());
            }
            query.push(" ORDER BY id DESC LIMIT ").push_bind(fetch);
            query.build_query_as().fetch_all(&mut **c).await
        })?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next = if more { rows.last().map(|r| Cursor(r.id.clone())) } else { None };
        Ok(BackerPage { pledges: rows, next })
    }

    /// One pledge of a campaign.
    pub async fn backer(&self, campaign: &str, id: &str) -> anyhow::Result<Option<BackerRow>> {
        let mut conn = self.readers.acquire().await?;
        Ok(on_conn!(&mut conn, |c| sqlx::query_as(sql(ONE))
            .bind(campaign)
            .bind(id)
            .fetch_optional(&mut **c)
            .await)?)
    }

    /// The next `limit` pledges of a campaign after pledge id `after` (oldest first), for
    /// exports that must not hold every row at once.
    pub async fn backers_after(
        &self,
        campaign: &str,
        after: &str,
        limit: u32,
    ) -> anyhow::Result<Vec<BackerRow>> {
        let mut conn = self.readers.acquire().await?;
        Ok(on_conn!(&mut conn, |c| sqlx::query_as(sql(OLDEST_AFTER))
            .bind(campaign)
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(&mut **c)
            .await)?)
    }

    /// Live pledges and their amounts per source tag and per host page (a pledge with
    /// neither is counted under `None` in each).
    pub async fn sources(&self, campaign: &str) -> anyhow::Result<(Vec<SourceRow>, Vec<SourceRow>)> {
        let mut conn = self.readers.acquire().await?;
        let by_source: Vec<SourceRow> = on_conn!(&mut conn, |c| {
            sqlx::query_as(sql(
            "SELECT source AS name, COUNT(*) AS pledges, CAST(SUM(amount) AS BIGINT) AS amount FROM pledges \
             WHERE campaign_id = ? AND cancelled_at IS NULL GROUP BY source ORDER BY amount DESC, name"
        )).bind(campaign).fetch_all(&mut **c).await
        })?;
        let by_host: Vec<SourceRow> = on_conn!(&mut conn, |c| {
            sqlx::query_as(sql(
            "SELECT host_page AS name, COUNT(*) AS pledges, CAST(SUM(amount) AS BIGINT) AS amount FROM pledges \
             WHERE campaign_id = ? AND cancelled_at IS NULL GROUP BY host_page ORDER BY amount DESC, name"
        )).bind(campaign).fetch_all(&mut **c).await
        })?;
        Ok((by_source, by_host))
    }

    /// Live pledges and their amount per day (UTC), oldest first.
    pub async fn timeline(&self, campaign: &str) -> anyhow::Result<Vec<(Timestamp, u64, i64)>> {
        let mut conn = self.readers.acquire().await?;
        let rows: Vec<(i64, i64, i64)> = on_conn!(&mut conn, |c| {
            sqlx::query_as(sql(
            "SELECT CAST(created_at / 86400 AS BIGINT) AS day, COUNT(*), CAST(SUM(amount) AS BIGINT) FROM pledges \
             WHERE campaign_id = ? AND cancelled_at IS NULL GROUP BY day ORDER BY day"
        )).bind(campaign).fetch_all(&mut **c).await
        })?;
        Ok(rows
            .into_iter()
            .map(|(day, pledges, amount)| {
                (Timestamp::from_unix(day * 86_400), u64::try_from(pledges).unwrap_or(0), amount)
            })
            .collect())
    }

    /// Live tier pledges grouped by tier and chosen values.
    pub async fn combinations(&self, campaign: &str) -> anyhow::Result<Vec<Combination>> {
        let mut conn = self.readers.acquire().await?;
        let rows: Vec<(String, String, i64, i64, i64)> = on_conn!(&mut conn, |c| {
            sqlx::query_as(sql(
            "SELECT tier_id, options, COUNT(*), CAST(SUM(quantity) AS BIGINT), \
             CAST(SUM(CASE WHEN payment_status IN ('pending', 'failed') THEN quantity ELSE 0 END) AS BIGINT) FROM pledges \
             WHERE campaign_id = ? AND cancelled_at IS NULL AND tier_id IS NOT NULL GROUP BY tier_id, options"
        )).bind(campaign).fetch_all(&mut **c).await
        })?;
        let mut out = Vec::with_capacity(rows.len());
        for (tier, options, backers, units, unpaid) in rows {
            let options: BTreeMap<String, String> = serde_json::from_str(&options)?;
            out.push(Combination {
                tier,
                options,
                backers: u64::try_from(backers).unwrap_or(0),
                units: u64::try_from(units).unwrap_or(0),
                unpaid: u64::try_from(unpaid).unwrap_or(0),
            });
        }
        Ok(out)
    }
}

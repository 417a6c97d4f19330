//! A backer's survey: the address and answers kept on their pledge.
//!
//! A save is judged in its own write transaction against what holds at its commit: the
//! campaign's survey as stored then (so a save that arrives as the survey locks is refused,
//! whatever the caller read before), the pledge still live, and nothing shipped yet when
//! the address changes. Addresses and answers are read only through the receipt's token or
//! the site's key; no public view reads these columns.

use super::db::on_conn;
pub use super::given::StoredSurvey;
pub(crate) use super::given::stored;
use super::given::{survey, tell};
use super::{Refusal, Store, begin_write, counts, extras_moved, finish};
use domain::Timestamp;
use domain::address::Address;
use domain::progress::Counts;
use domain::webhooks::EventType;
use domain::wire::CampaignInput;
use std::collections::BTreeMap;

/// What a backer sends.
pub struct SurveySave<'a> {
    pub pledge: &'a str,
    pub address: Option<&'a Address>,
    pub answers: &'a BTreeMap<String, String>,
    /// The campaign's survey must be open to the pledge (the caller knows the outcome).
    pub open: bool,
    /// What is given completes the survey: the site is told (`survey.completed`).
    pub complete: bool,
}

impl Store {
    /// What the backer of `pledge` has given.
    pub async fn survey(&self, pledge: &str) -> anyhow::Result<StoredSurvey> {
        let mut conn = self.readers.acquire().await?;
        survey(&mut conn, pledge).await
    }

    /// Keeps what a backer gave (checked by the caller), unless the survey has locked at
    /// `now`, the pledge was cancelled, or the address changes after a parcel left.
    pub async fn save_survey(
        &self,
        save: SurveySave<'_>,
        now: Timestamp,
    ) -> anyhow::Result<Result<(), Refusal>> {
        let address = save.address.map(serde_json::to_string).transpose()?;
        let answers = serde_json::to_string(save.answers)?;
        let mut conn = self.readers.acquire().await?;
        begin_write(&mut conn).await?;
        let saved = async {
            let row: Option<(String, Option<i64>, Option<String>, i64)> =
                on_conn!(&mut conn, |c| sqlx::query_as(sql(
                    "SELECT c.definition, p.cancelled_at, p.address, \
                 (SELECT COUNT(*) FROM shipments s WHERE s.pledge_id = p.id) \
                 FROM pledges p JOIN campaigns c ON c.id = p.campaign_id WHERE p.id = ?"
                ))
                .bind(save.pledge)
                .fetch_optional(&mut **c)
                .await)?;
            let Some((definition, cancelled, stored_address, parcels)) = row else {
                return Ok(Err(Refusal::NotFound));
            };
            let definition: CampaignInput = serde_json::from_str(&definition)?;
            if definition.survey.as_ref().is_some_and(|s| s.locked(now)) {
                return Ok(Err(Refusal::SurveyLocked));
            }
            if cancelled.is_some() {
                return Ok(Err(Refusal::PledgeCancelled));
            }
            if !save.open {
                return Ok(Err(Refusal::SurveyNotOpen));
            }
            if parcels > 0 && stored_address != address {
                return Ok(Err(Refusal::Shipped));
            }
            on_conn!(&mut conn, |c| sqlx::query(sql(
                "UPDATE pledges SET address = ?, answers = ?, surveyed_at = ? WHERE id = ?"
            ))
            .bind(&address)
            .bind(&answers)
            .bind(now.unix())
            .bind(save.pledge)
            .execute(&mut **c)
            .await
            .map(|_| ()))?;
            if save.complete {
                tell(&mut conn, save.pledge, (EventType::SurveyCompleted, None), now).await?;
            }
            Ok(Ok(()))
        }
        .await;
        finish(&mut conn, saved).await
    }
}

impl Store {
    /// Erases what identifies the backer of `pledge` at `now`: name, contact, message,
    /// address and answers are replaced, the pledge leaves the backer wall, and the mails
    /// kept for it forget their recipient. Amounts, counts and the creator's records of
    /// them stay. Answers the campaign's fresh counts (the wall moved).
    pub async fn erase_personal(
        &self,
        pledge: &str,
        campaign: &str,
        now: Timestamp,
    ) -> anyhow::Result<Counts> {
        let mut conn = self.readers.acquire().await?;
        begin_write(&mut conn).await?;
        let erased = async {
            on_conn!(&mut conn, |c| sqlx::query(sql(
                "UPDATE pledges SET name = '', contact = '', message = NULL, public = ?, address = NULL, \
                 answers = NULL, erased_at = COALESCE(erased_at, ?) WHERE id = ?"
            ))
            .bind(false)
            .bind(now.unix())
            .bind(pledge)
            .execute(&mut **c)
            .await
            .map(|_| ()))?;
            on_conn!(&mut conn, |c| sqlx::query(sql("UPDATE mails SET recipient = '' WHERE pledge_id = ?"))
                .bind(pledge)
                .execute(&mut **c)
                .await
                .map(|_| ()))?;
            extras_moved(&mut conn, campaign).await?;
            counts(&mut conn, campaign).await
        }
        .await;
        finish(&mut conn, erased).await
    }
}

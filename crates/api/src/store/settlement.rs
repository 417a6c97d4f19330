//! Settling a campaign once it has ended: its outcome recorded with the event that tells
//! of it, in one transaction. The conditional `UPDATE` takes the campaign's row, so of
//! replicas settling at once exactly one records it; a crash before `COMMIT` leaves it for
//! the next try. A campaign that failed takes no money: its saved cards and unpaid pledges
//! are void in the same transaction. One that succeeded has its saved cards charged after
//! (`payments::cards`), each claimed by one replica; a card pledge whose card was never
//! saved by the end is voided in the settling transaction, its units released first. When
//! pledges of values not made are refunded, the outcome counts only the money of pledges
//! whose values are all made (found by repeating until no cancellation unmakes another
//! value), so pledges bound to be cancelled never carry a campaign over its goal.

use super::db::{Conn, on_conn};
use super::referrals::Credits;
use super::webhooks::{self, NewEvent};
use super::writer::command::CancelKind;
use super::{Store, begin_write, finish};
use domain::webhooks::{CampaignEvent, EventType};
use domain::{Campaign, Funding, PaymentMode, Timestamp, Unmade};
use std::collections::{BTreeMap, HashSet};

/// What a call to [`Store::settle`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settle {
    /// This call settled it.
    Settled(Settled),
    /// It was settled already (by any replica), was cancelled, or is gone.
    Already,
    /// By its stored dates it has not ended (it was moved to a later end meanwhile).
    NotEnded,
}

/// A campaign this call settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    pub outcome: String,
    pub raised: i64,
    pub backers: u64,
}

impl Store {
    /// The campaigns already settled (by any replica).
    pub async fn settled(&self) -> anyhow::Result<HashSet<String>> {
        let mut conn = self.readers.acquire().await?;
        let ids: Vec<(String,)> = on_conn!(&mut conn, |c| sqlx::query_as(sql(
            "SELECT id FROM campaigns WHERE settled_at IS NOT NULL"
        ))
        .fetch_all(&mut **c)
        .await)?;
        Ok(ids.into_iter().map(|(id,)| id).collect())
    }

    /// Settles campaign `id` at `now` by its stored definition and dates, unless it has not
    /// ended by them, is settled already or was cancelled.
    pub async fn settle(&self, id: &str, now: Timestamp) -> anyhow::Result<Settle> {
        let mut conn = self.readers.acquire().await?;
        begin_write(&mut conn).await?;
        let settled = async {
            let Some(campaign) = super::campaigns::lock(&mut conn, None, id).await? else {
                return Ok(Settle::Already);
            };
            if campaign.ends_at() > now {
                return Ok(Settle::NotEnded);
            }
            let taken: Option<(i64, i64)> = on_conn!(&mut conn, |c| sqlx::query_as(sql(
                "UPDATE campaigns SET settled_at = ? WHERE id = ? AND settled_at IS NULL AND cancelled_at IS NULL \
                 RETURNING raised, backers"
            )).bind(now.unix()).bind(id).fetch_optional(&mut **c).await)?;
            if taken.is_none() {
                return Ok(Settle::Already);
            }
            // Cards never saved by the end will never be charged: their units go back
            // before anything is counted against a batch.
            release_unsaved(&mut conn, &campaign, now).await?;
            // When pledges of values not made are refunded, the outcome counts only money of
            // pledges whose values are all made: one bound to be cancelled cannot carry the
            // others over the goal (and have their cards charged) at no cost to itself.
            // Backers who may choose another value still count (see ARCHITECTURE).
            let short = super::unmade::short(&mut conn, &campaign).await?;
            let (raised, backers): (i64, i64) = on_conn!(&mut conn, |c| sqlx::query_as(sql(
                "SELECT raised, backers FROM campaigns WHERE id = ?"
            )).bind(id).fetch_one(&mut **c).await)?;
            let kept = if campaign.unmade() == Unmade::Refund { raised - short.counted } else { raised };
            let succeeded = kept >= campaign.goal().minor() || (campaign.funding() == Funding::Flexible && kept > 0);
            let outcome = if succeeded { "succeeded" } else { "failed" };
            on_conn!(&mut conn, |c| sqlx::query(sql("UPDATE campaigns SET outcome = ? WHERE id = ?"))
                .bind(outcome).bind(id).execute(&mut **c).await.map(|_| ()))?;
            let settled = Settled { outcome: outcome.to_owned(), raised, backers: u64::try_from(backers).unwrap_or(0) };
            if !succeeded {
                super::payments::void_unpaid(&mut conn, campaign.id().as_str()).await?;
            } else {
                // Backers of a value not made: cancelled now, or after their time to choose.
                let due = match campaign.unmade() {
                    Unmade::Refund => now,
                    Unmade::Switch => now.plus_seconds(Unmade::SWITCH_DAYS * 24 * 3600),
                };
                super::unmade::mark(&mut conn, &short.pledges, due).await?;
            }
            let kind = if settled.outcome == "succeeded" { EventType::CampaignSucceeded } else { EventType::CampaignFailed };
            let data = CampaignEvent {
                campaign: campaign.id().to_string(),
                outcome: settled.outcome.clone(),
                raised: settled.raised,
                goal: campaign.goal().minor(),
                currency: campaign.currency(),
                backers: settled.backers,
            };
            let event = NewEvent::new(campaign.id().as_str(), kind, data, now);
            webhooks::queue(&mut conn, &[event], now).await?;
            if let Some(base) = self.mail_base.get() {
                let kind = if succeeded { "campaign_succeeded" } else { "campaign_failed" };
                super::recipients::queue_for_backers(&mut conn, campaign.id().as_str(), kind, base, now).await?;
            }
            anyhow::Ok(Settle::Settled(settled))
        }
        .await;
        finish(&mut conn, settled).await
    }
}

/// Cancels, as overdue, every card pledge of a campaign whose card was never saved (still
/// `pending` at the end): it becomes `void` and its units, money and referral credit go
/// back, exactly as when its hold runs out. Declined cards keep their week to be fixed.
async fn release_unsaved(conn: &mut Conn, campaign: &Campaign, now: Timestamp) -> anyhow::Result<()> {
    if campaign.payments() != PaymentMode::Stripe {
        return Ok(());
    }
    let id = campaign.id().as_str();
    let pending: Vec<(String,)> = on_conn!(&mut *conn, |c| {
        sqlx::query_as(sql(
        "SELECT id FROM pledges WHERE campaign_id = ? AND cancelled_at IS NULL AND payment_status = 'pending'"
    )).bind(id).fetch_all(&mut **c).await
    })?;
    if pending.is_empty() {
        return Ok(());
    }
    let (mut totals, mut credits, mut events) = (BTreeMap::new(), Credits::default(), Vec::new());
    for (pledge,) in pending {
        let Some(pledge) = super::pledge_by_id(conn, &pledge).await? else { continue };
        let kind = (false, CancelKind::Overdue);
        if let Ok(cancelled) =
            super::cancels::cancel(conn, pledge, kind, now, &mut totals, &mut credits).await?
            && !cancelled.already
        {
            events.push(NewEvent::pledge(EventType::PledgeCancelled, &cancelled.pledge, now));
        }
    }
    credits.apply(conn).await?;
    for (campaign, total) in &totals {
        total.apply(conn, campaign).await?;
    }
    Ok(webhooks::queue(conn, &events, now).await?)
}

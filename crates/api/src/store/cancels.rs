//! A cancellation inside the writer's batch: by the backer while the campaign runs, or of
//! a pledge whose payment is overdue. Its units, money and referral credit go back.

use super::StoredPledge;
use super::claims::add_to_value;
use super::db::{Conn, on_conn};
use super::referrals::Credits;
use super::refusal::Refusal;
use super::writer::command::{CancelKind, Cancelled};
use super::writer::totals::Totals;
use domain::{Campaign, PaymentStatus, Timestamp};
use std::collections::BTreeMap;

/// Cancels one pledge inside the batch's transaction (or settlement's), giving back its
/// units and money; `campaign_cancelled` says whether its campaign is cancelled (or gone).
pub(super) async fn cancel(
    conn: &mut Conn,
    pledge: StoredPledge,
    (campaign_cancelled, kind): (bool, CancelKind),
    now: Timestamp,
    totals: &mut BTreeMap<String, Totals>,
    credits: &mut Credits,
) -> anyhow::Result<Result<Cancelled, Refusal>> {
    if pledge.cancelled {
        return Ok(Ok(Cancelled { pledge, already: true }));
    }
    if campaign_cancelled {
        return Ok(Err(Refusal::Cancelled));
    }
    let definition: (String,) =
        on_conn!(&mut *conn, |c| sqlx::query_as(sql("SELECT definition FROM campaigns WHERE id = ?"))
            .bind(&pledge.campaign_id)
            .fetch_one(&mut **c)
            .await)?;
    let campaign = Campaign::new(serde_json::from_str(&definition.0)?)
        .map_err(|e| anyhow::anyhow!("stored campaign is invalid: {e:?}"))?;
    // A backer cancels while the campaign runs; an overdue payment is voided whenever, and
    // a value not made is let go after the end.
    let backer = kind == CancelKind::Backer;
    if backer && now < campaign.starts_at() {
        return Ok(Err(Refusal::NotStarted(campaign.starts_at())));
    }
    if backer && now >= campaign.ends_at() {
        return Ok(Err(Refusal::Ended));
    }
    // The condition makes a concurrent cancel on another replica count once, and an
    // overdue payment made meanwhile stand. A payment not made (pending, or a declined
    // card) is void from now on; one that counts keeps its status (a saved card is never
    // charged once cancelled, a paid one is refunded), so the status as it stands under
    // the row's lock says whether the money counted.
    let changed: Option<(Option<String>,)> = on_conn!(&mut *conn, |c| {
        sqlx::query_as(sql(
        "UPDATE pledges SET cancelled_at = ?, \
         payment_status = CASE WHEN payment_status IN ('pending', 'failed') THEN 'void' ELSE payment_status END \
         WHERE id = ? AND cancelled_at IS NULL AND (NOT ? OR payment_status IN ('pending', 'failed')) \
         AND (NOT ? OR unmade_due_at IS NOT NULL) RETURNING payment_status"
    )).bind(now.unix()).bind(&pledge.id).bind(kind == CancelKind::Overdue).bind(kind == CancelKind::Unmade)
      .fetch_optional(&mut **c).await
    })?;
    let Some((status,)) = changed else {
        return Ok(Ok(Cancelled { pledge: StoredPledge { cancelled: true, ..pledge }, already: true }));
    };
    let payment = status.as_deref().and_then(PaymentStatus::parse);
    let counted = payment.is_none_or(PaymentStatus::counts);
    if let Some(tier) = &pledge.tier_id {
        let units = i64::from(pledge.quantity);
        on_conn!(&mut *conn, |c| sqlx::query(sql(
            "UPDATE tiers SET claimed = claimed - ? WHERE campaign_id = ? AND id = ?"
        ))
        .bind(units)
        .bind(&pledge.campaign_id)
        .bind(tier)
        .execute(&mut **c)
        .await
        .map(|_| ()))?;
        for (name, value) in &pledge.options {
            add_to_value(conn, &pledge.campaign_id, tier, name, value, -units).await?;
        }
    }
    if let Some(code) = &pledge.referred_by {
        credits.add(code, -1, -pledge.amount);
    }
    let total = totals.entry(pledge.campaign_id.clone()).or_default();
    if counted {
        total.raised -= pledge.amount;
    }
    total.pledged -= pledge.amount;
    total.backers -= 1;
    total.changes += 1;
    total.extras = true;
    Ok(Ok(Cancelled { pledge: StoredPledge { cancelled: true, payment, ..pledge }, already: false }))
}

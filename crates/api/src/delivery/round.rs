//! The delivery round, on every replica each minute: what time alone moves on.
//!
//! - A survey that locks within 48 hours reminds, once, each backer who has not given all
//!   it asks (when mail is on);
//! - a reward whose last parcel left [`domain::delivery::DELIVERED_AFTER_DAYS`] ago and
//!   that nobody marked counts as delivered, and the site is told (`pledge.delivered`);
//! - an address is erased `address_retention_days` after its reward was delivered.
//!
//! Each is recorded in the transaction that does it, so replicas and restarts do it once.

use crate::hub::Hub;
use crate::store::Store;
use crate::store::mails::NewMail;
use crate::store::shipments::PackingRow;
use domain::Timestamp;
use domain::delivery::DELIVERED_AFTER_DAYS;
use std::time::Duration;

const EVERY: Duration = Duration::from_secs(60);
const DAY: i64 = 86_400;
/// How long before its survey locks a backer is reminded.
pub const REMIND_BEFORE_SECS: i64 = 48 * 3600;

pub fn spawn(store: Store, hub: std::sync::Arc<Hub>, address_retention_days: u32) {
    tokio::spawn(async move {
        let mut every = store.every(EVERY);
        while every.next().await {
            if let Err(e) = round(&store, &hub, address_retention_days, crate::now()).await {
                tracing::warn!(error = %e, "the delivery round failed; trying again");
            }
        }
    });
}

/// Does, at `now`, what is due.
pub async fn round(
    store: &Store,
    hub: &Hub,
    address_retention_days: u32,
    now: Timestamp,
) -> anyhow::Result<()> {
    for entry in hub.all() {
        let campaign = entry.snapshot(now).campaign.clone();
        let Some(lock_at) = campaign.survey().and_then(|s| s.lock_at) else { continue };
        if now < lock_at && lock_at.unix() - now.unix() <= REMIND_BEFORE_SECS {
            remind(store, &campaign, &format!("survey:{}", lock_at.unix())).await?;
        }
    }
    let shipped_before = now.plus_seconds(-DELIVERED_AFTER_DAYS * DAY);
    while store.deliver_due(shipped_before, now, 500).await? == 500 {}
    let erased =
        store.erase_addresses(now.plus_seconds(-i64::from(address_retention_days) * DAY), now).await?;
    if erased > 0 {
        tracing::info!(erased, "erased the addresses of rewards delivered past their retention");
    }
    Ok(())
}

/// Mails every backer of `campaign` whose survey is not complete a reminder, each told
/// `what` once; how many were mailed now. Nothing without mail.
pub async fn remind(
    store: &Store,
    campaign: &std::sync::Arc<domain::Campaign>,
    what: &str,
) -> anyhow::Result<u32> {
    let Some(base) = store.mail_base() else { return Ok(0) };
    let id = campaign.id().to_string();
    let marker = format!("campaign:{id}");
    if store.told(&marker).await?.contains(what) {
        return Ok(0);
    }
    let (mut walk, mut mailed) = (super::walk::Walk::new(store, campaign), 0);
    while let Some(chunk) = walk.next().await? {
        for seen in &chunk {
            if seen.survey == "incomplete"
                && seen.row.parcels == 0
                && tell(store, &seen.row, (&id, what), &base).await?
            {
                mailed += 1;
            }
        }
    }
    store.tell_once(&marker, what, &[]).await?;
    Ok(mailed)
}

/// Mails one backer their survey reminder, once for `what`.
async fn tell(
    store: &Store,
    row: &PackingRow,
    (campaign, what): (&str, &str),
    base: &str,
) -> anyhow::Result<bool> {
    let Some(address) = domain::contact::email(&row.contact) else { return Ok(false) };
    let mail = NewMail {
        id: crate::ids::time_ordered(),
        campaign_id: Some(campaign.to_owned()),
        pledge_id: Some(row.id.clone()),
        kind: "survey_reminder",
        recipient: address.to_owned(),
        lang: if row.lang == "zh-CN" { "zh-CN" } else { "en" },
        data: serde_json::json!({ "base": base }).to_string(),
    };
    store.tell_once(&format!("pledge:{}", row.id), what, &[mail]).await
}

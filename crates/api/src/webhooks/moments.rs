//! The moments of a live campaign that no single change makes, queued as webhook events
//! once each, by whichever replica's round sees them first (`Store::queue_once`):
//!
//! - `campaign.goal_reached`, and `campaign.stretch_reached` for each stretch goal;
//! - `campaign.last_day`, as its last 24 hours begin;
//! - `leaders.changed`, whenever the top three recruiters become a line-up not told before.
//!
//! Only campaigns of sites with an enabled endpoint are looked at, every 15 seconds.

use crate::hub::{Hub, Snapshot};
use crate::store::Store;
use crate::store::webhooks::NewEvent;
use domain::Timestamp;
use domain::webhooks::{EventType, LeadersEvent, ProgressEvent};
use std::sync::Arc;
use std::time::Duration;

const EVERY: Duration = Duration::from_secs(15);
/// How long before its end a campaign's last day is told.
const LAST_DAY_SECS: i64 = 24 * 3600;
/// The recruiters a line-up counts.
const TOP: u32 = 3;

pub(crate) fn spawn(store: Store, hub: Arc<Hub>) {
    tokio::spawn(async move {
        let mut every = store.every(EVERY);
        while every.next().await {
            if let Err(e) = round(&store, &hub, crate::now()).await {
                tracing::warn!(error = %e, "queueing campaign moments failed; trying again");
            }
        }
    });
}

/// Queues, at `now`, every moment of a listened-to live campaign not queued before.
pub async fn round(store: &Store, hub: &Hub, now: Timestamp) -> anyhow::Result<()> {
    let sites = store.sites_listening().await?;
    for site in &sites {
        for entry in hub.of_site(site) {
            let snapshot = entry.snapshot(now);
            let campaign = &snapshot.campaign;
            if snapshot.counts.cancelled || now < campaign.starts_at() || now >= campaign.ends_at() {
                continue;
            }
            tell(store, &snapshot, now).await?;
        }
    }
    Ok(())
}

async fn tell(store: &Store, snapshot: &Snapshot, now: Timestamp) -> anyhow::Result<()> {
    let campaign = &snapshot.campaign;
    let id = campaign.id().to_string();
    let subject = format!("events:{id}");
    let told = store.told(&subject).await?;
    let progress = |stretch, ends_at| ProgressEvent {
        campaign: id.clone(),
        raised: snapshot.counts.raised,
        goal: campaign.goal().minor(),
        currency: campaign.currency(),
        backers: snapshot.counts.backers,
        stretch,
        ends_at,
    };
    let mut moments: Vec<(String, NewEvent)> = Vec::new();
    if snapshot.counts.raised >= campaign.goal().minor() {
        moments.push(("goal".into(), NewEvent::new(&id, EventType::GoalReached, progress(None, None), now)));
    }
    for stretch in campaign.stretch_goals().iter().filter(|s| snapshot.counts.raised >= s.amount) {
        let event = NewEvent::new(&id, EventType::StretchReached, progress(Some(stretch.clone()), None), now);
        moments.push((format!("stretch:{}", stretch.amount), event));
    }
    if now >= campaign.ends_at().plus_seconds(-LAST_DAY_SECS) {
        let event = NewEvent::new(&id, EventType::LastDay, progress(None, Some(campaign.ends_at())), now);
        moments.push(("last_day".into(), event));
    }
    let top = store.top_recruiters(&id, TOP).await?;
    if !top.is_empty() {
        let line_up: Vec<&str> = top.iter().map(|(code, _)| code.as_str()).collect();
        let leaders = top.iter().map(|(_, leader)| leader.clone()).collect();
        let event = NewEvent::new(
            &id,
            EventType::LeadersChanged,
            LeadersEvent { campaign: id.clone(), leaders },
            now,
        );
        moments.push((format!("leaders:{}", line_up.join(",")), event));
    }
    for (what, event) in moments.into_iter().filter(|(what, _)| !told.contains(what)) {
        store.queue_once(&subject, &what, std::slice::from_ref(&event)).await?;
    }
    Ok(())
}

//! After the pledge: what a backer is asked (the survey and the address a reward ships
//! to), the parcels sent, and what the backer says arrived. Plain functions over the store
//! and the hub, for every door (the receipt's JSON, its pages, the creator's API and the
//! dashboard); none knows HTTP.
//!
//! A backer's survey is found only through their receipt token, and a campaign's only
//! through its site's key or session: no public view carries an address or an answer.

mod csv;
pub mod round;
pub mod shipments;
pub mod survey;
pub mod walk;

use crate::error::Error;
use crate::hub::Hub;
use crate::store::{Store, StoredPledge, StoredShipment};
use domain::delivery::DeliveryState;
use domain::milestones::Milestone;
use domain::survey::Survey;
use domain::wire::ShipmentView;
use domain::{Campaign, Timestamp};
use std::sync::Arc;

/// What a receipt shows of delivery.
pub struct OnReceipt {
    pub delivery: DeliveryState,
    /// `not_needed`, `incomplete` or `complete`.
    pub survey: String,
    pub shipments: Vec<ShipmentView>,
    pub milestones: Vec<Milestone>,
}

/// Where the reward of `pledge` stands at `now`, its parcels and the campaign's timeline.
pub async fn on_receipt(
    store: &Store,
    hub: &Hub,
    pledge: &StoredPledge,
    now: Timestamp,
) -> Result<OnReceipt, Error> {
    let context = Context::of(hub, pledge, now).ok_or(Error::NotFound)?;
    let stored = store.survey(&pledge.id).await?;
    let parcels = store.shipments_of(&pledge.id).await?;
    let ships = context.ships(pledge);
    let survey = walk::state(&context.survey(), pledge.tier_id.as_deref(), ships, &stored);
    let last = parcels.iter().map(|p| p.shipped_at).max();
    let delivery = domain::delivery::state(ships, survey == "complete", last, stored.received_at, now);
    let milestones =
        hub.get(&pledge.campaign_id).map(|e| e.snapshot(now).view.milestones.clone()).unwrap_or_default();
    Ok(OnReceipt {
        delivery,
        survey: survey.to_owned(),
        shipments: parcels.iter().map(StoredShipment::view).collect(),
        milestones,
    })
}

/// The campaign a pledge belongs to, and whether it has succeeded, as the hub holds it.
pub(crate) struct Context {
    pub campaign: Arc<Campaign>,
    pub succeeded: bool,
}

impl Context {
    pub(crate) fn of(hub: &Hub, pledge: &StoredPledge, now: domain::Timestamp) -> Option<Context> {
        let snapshot = hub.get(&pledge.campaign_id)?.snapshot(now);
        let succeeded = snapshot.view.status_at(now) == domain::Status::Succeeded;
        Some(Context { campaign: snapshot.campaign.clone(), succeeded })
    }

    /// The campaign's survey, or the empty one every campaign has (which asks only for the
    /// address of a reward that ships, from the pledge on, and never locks).
    pub(crate) fn survey(&self) -> Survey {
        self.campaign.survey().cloned().unwrap_or_default()
    }

    /// Whether the pledge's reward ships.
    pub(crate) fn ships(&self, pledge: &StoredPledge) -> bool {
        let tier = pledge.tier_id.as_deref().and_then(|t| self.campaign.tier(t));
        tier.is_some_and(|t| t.shipping().ships())
    }
}

/// The backer of `pledge` says their reward arrived.
pub async fn received(store: &Store, pledge: &StoredPledge, now: Timestamp) -> Result<(), Error> {
    store.mark_received(&pledge.id, now).await?.map_err(Error::from)
}

/// Erases the personal data of the backer of `pledge` (name, contact, message, address,
/// answers), once the reward is delivered or the pledge cancelled (a reward with nothing
/// to deliver: once the campaign has ended); totals stay.
pub async fn erase(store: &Store, hub: &Hub, pledge: &StoredPledge, now: Timestamp) -> Result<(), Error> {
    let state = on_receipt(store, hub, pledge, now).await?.delivery;
    let ended = hub.get(&pledge.campaign_id).is_some_and(|e| {
        !matches!(e.snapshot(now).view.status_at(now), domain::Status::Live | domain::Status::Scheduled)
    });
    let done = state == DeliveryState::Delivered || (state == DeliveryState::NotNeeded && ended);
    if !pledge.cancelled && !done {
        return Err(crate::store::Refusal::NotErasable.into());
    }
    let counts = store.erase_personal(&pledge.id, &pledge.campaign_id, now).await?;
    if let Some(entry) = hub.get(&pledge.campaign_id) {
        entry.publish(counts, now);
    }
    Ok(())
}

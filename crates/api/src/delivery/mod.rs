//! After the pledge: what a backer is asked (the survey and the address a reward ships
//! to), the parcels sent, and what the backer says arrived. Plain functions over the store
//! and the hub, for every door (the receipt's JSON, its pages, the creator's API and the
//! dashboard); none knows HTTP.
//!
//! A backer's survey is found only through their receipt token, and a campaign's only
//! through its site's key or session: no public view carries an address or an answer.

mod csv;
pub mod shipments;
pub mod survey;

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
    let survey = survey::state(&context.survey(), pledge, ships, &stored);
    let last = parcels.iter().map(|p| p.shipped_at).max();
    let delivery = domain::delivery::state(ships, survey == "complete", last, stored.received_at, now);
    let milestones =
        hub.get(&pledge.campaign_id).map(|e| e.snapshot(now).view.milestones.clone()).unwrap_or_default();
    Ok(OnReceipt {
        delivery,
        survey: survey.to_owned(),
        shipments: parcels.iter().map(shipment_view).collect(),
        milestones,
    })
}

/// A parcel as the receipt shows it, with its carrier's tracking link when known.
pub fn shipment_view(p: &StoredShipment) -> ShipmentView {
    ShipmentView {
        tracking_url: domain::carriers::tracking_url(&p.carrier, &p.tracking_number),
        carrier: p.carrier.clone(),
        tracking_number: p.tracking_number.clone(),
        items: p.items.clone(),
        shipped_at: p.shipped_at,
    }
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

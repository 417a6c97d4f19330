//! The demo site and campaign that `cargo xtask run` shows on an empty database.

use crate::hub::Hub;
use crate::sites::CreatedSite;
use crate::store::Store;
use domain::PaymentMode;
use domain::wire::{CampaignInput, OptionInput, StretchGoal, TierInput, ValueInput};
use domain::{Currency, Funding, Timestamp};

pub const SITE: &str = "demo";
pub const CAMPAIGN: &str = "demo";

/// Seeds the demo site and campaign unless the site exists already; running it twice
/// changes nothing. Returns the new site's creator key and sign-in link when it made them.
pub async fn seed(store: &Store, hub: &Hub, base_url: &str) -> anyhow::Result<Option<CreatedSite>> {
    if store.site(SITE).await?.is_some() {
        return Ok(None);
    }
    let created = crate::sites::create(store, SITE, "Demo blog", &["*".to_owned()], base_url).await?;
    hub.set_site(SITE, "*");
    crate::campaigning::create(store, hub, SITE, campaign(crate::now()), false).await?;
    Ok(Some(created))
}

/// A walnut desk lamp: an early-bird tier limited to 50, and the lamp itself (up to four
/// per backer) in three colours, of which red is made only if 30 lamps are ordered in it;
/// two stretch goals. Live for 30 days from `now`.
pub fn campaign(now: Timestamp) -> CampaignInput {
    CampaignInput {
        survey: None,
        id: CAMPAIGN.into(),
        title: "Walnut desk lamp, made by the tribe".into(),
        story: String::new(),
        summary:
            "A solid walnut lamp with a warm dimmable LED, made in one small batch if 200 of you want it. \
                  Pick your colour: red is made only if 30 backers choose it."
                .into(),
        currency: Currency::Cny,
        goal: 5_000_000,
        starts_at: now.plus_seconds(-86_400),
        ends_at: now.plus_seconds(30 * 86_400),
        funding: Funding::AllOrNothing,
        stretch_goals: vec![
            StretchGoal { amount: 8_000_000, label: "A brass dimmer switch for every lamp".into() },
            StretchGoal { amount: 12_000_000, label: "A second shade in linen".into() },
        ],
        tiers: vec![
            TierInput {
                id: "early-bird".into(),
                title: "Early bird lamp".into(),
                price: 19_900,
                limit: Some(50),
                per_backer: None,
                available_from: None,
                available_until: None,
                options: vec![],
                ships: false,
                shipping: vec![],
            },
            TierInput {
                id: "lamp".into(),
                title: "Desk lamp".into(),
                price: 29_900,
                limit: None,
                per_backer: Some(4),
                available_from: None,
                available_until: None,
                options: vec![OptionInput {
                    name: "colour".into(),
                    values: vec![
                        ValueInput { value: "walnut".into(), min_batch: None },
                        ValueInput { value: "black".into(), min_batch: None },
                        ValueInput { value: "red".into(), min_batch: Some(30) },
                    ],
                }],
                ships: false,
                shipping: vec![],
            },
        ],
        max_pledge: None,
        payments: PaymentMode::None,
        manual_payment: None,
        unmade: Default::default(),
    }
}

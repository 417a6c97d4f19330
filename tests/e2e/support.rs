//! Campaign definitions and request bodies the tests share.

use domain::wire::{CampaignInput, OptionInput, TierInput, ValueInput};
use domain::{Currency, Funding};
use serde_json::{Value, json};

/// A live campaign `id` whose only tier `limited` takes `limit` pledges.
pub(crate) fn limited_campaign(id: &str, limit: u32) -> CampaignInput {
    let now = api::now();
    CampaignInput {
        survey: None,
        manual_payment: None,
        unmade: Default::default(),
        payments: Default::default(),
        id: id.into(),
        title: "Limited run".into(),
        summary: String::new(),
        story: String::new(),
        currency: Currency::Usd,
        goal: 100_000,
        starts_at: now.plus_seconds(-60),
        ends_at: now.plus_seconds(3600),
        funding: Funding::Flexible,
        stretch_goals: vec![],
        tiers: vec![TierInput {
            id: "limited".into(),
            title: "Numbered print".into(),
            price: 1_000,
            limit: Some(limit),
            per_backer: Some(5),
            available_from: None,
            available_until: None,
            options: vec![OptionInput {
                name: "size".into(),
                values: vec![
                    ValueInput { value: "S".into(), min_batch: None },
                    ValueInput { value: "L".into(), min_batch: Some(3) },
                ],
            }],
            ships: false,
            shipping: vec![],
        }],
        max_pledge: None,
    }
}

/// A campaign `id` running between the given offsets from now, in seconds.
pub(crate) fn campaign_between(id: &str, starts_in: i64, ends_in: i64) -> CampaignInput {
    let now = api::now();
    CampaignInput {
        survey: None,
        starts_at: now.plus_seconds(starts_in),
        ends_at: now.plus_seconds(ends_in),
        ..limited_campaign(id, 10)
    }
}

/// A valid pledge on the demo campaign's lamp tier.
pub(crate) fn lamp_pledge() -> Value {
    json!({
        "tier": "lamp",
        "amount": 29_900,
        "options": { "colour": "red" },
        "name": "Mei",
        "contact": "mei@example.com",
        "public": true
    })
}

/// A valid pledge on [`limited_campaign`]'s tier.
pub(crate) fn limited_pledge(n: usize) -> Value {
    json!({
        "tier": "limited",
        "amount": 1_000,
        "options": { "size": "L" },
        "name": format!("Backer {n}"),
        "contact": format!("backer{n}@example.com"),
        "public": false
    })
}

pub(crate) fn with(mut body: Value, key: &str, value: Value) -> Value {
    body[key] = value;
    body
}

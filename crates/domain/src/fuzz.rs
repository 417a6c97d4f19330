//! Property-based fuzzing of what arrives from outside as JSON: a pledge and a campaign
//! definition. Whatever the bytes, parsing never panics, and whatever it accepts keeps the
//! rules. `cargo xtask fuzz` runs these (and the server's) with many more cases.

use crate::campaign::tests::lamp;
use crate::wire::{CampaignInput, PledgeRequest};
use crate::{Campaign, NewPledge};
use proptest::prelude::*;

/// JSON values of any shape, a few levels deep, with hostile strings and numbers.
fn json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f)
                .map_or(serde_json::Value::Null, serde_json::Value::Number)),
        "\\PC{0,40}".prop_map(serde_json::Value::from),
        prop::sample::select(vec![
            "lamp",
            "early",
            "colour",
            "red",
            "",
            "\u{0}",
            "é",
            "9999999999999999999999"
        ])
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A pledge's fields, each replaced or dropped at random.
fn pledge_json() -> impl Strategy<Value = serde_json::Value> {
    let field = |name: &'static str, good: serde_json::Value| {
        prop_oneof![3 => Just(Some(good)), 1 => json().prop_map(Some), 1 => Just(None)]
            .prop_map(move |v| (name, v))
    };
    (
        field("tier", "lamp".into()),
        field("amount", 29_900.into()),
        field("quantity", 1.into()),
        field("options", serde_json::json!({ "colour": "red" })),
        field("name", "Mei".into()),
        field("contact", "mei@example.com".into()),
        field("public", true.into()),
        field("referral", "AbC123xy".into()),
        field("message", "hi".into()),
    )
        .prop_map(|fields| {
            let all =
                [fields.0, fields.1, fields.2, fields.3, fields.4, fields.5, fields.6, fields.7, fields.8];
            serde_json::Value::Object(all.into_iter().filter_map(|(k, v)| Some((k.to_owned(), v?))).collect())
        })
}

proptest! {
    #[test]
    fn any_pledge_json_is_refused_cleanly_or_accepted_within_the_rules(value in pledge_json()) {
        let campaign = Campaign::new(lamp()).unwrap();
        let Ok(request) = serde_json::from_value::<PledgeRequest>(value) else { return Ok(()) };
        if let Ok(pledge) = NewPledge::parse(request, &campaign) {
            prop_assert!(pledge.amount().minor() > 0);
            prop_assert!(pledge.amount() <= campaign.max_pledge());
            prop_assert!(!pledge.name().is_empty() && pledge.name().chars().all(|c| !c.is_control()));
            if let Some(tier) = pledge.tier().and_then(|t| campaign.tier(t.as_str())) {
                prop_assert!(pledge.amount().minor() >= tier.price().minor() * i64::from(pledge.quantity()));
            }
        }
    }

    #[test]
    fn any_bytes_as_a_pledge_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let campaign = Campaign::new(lamp()).unwrap();
        if let Ok(request) = serde_json::from_slice::<PledgeRequest>(&bytes) {
            let _ = NewPledge::parse(request, &campaign);
        }
    }

    #[test]
    fn any_campaign_json_is_refused_cleanly_or_accepted_within_the_rules(
        changes in prop::collection::btree_map(
            prop::sample::select(vec!["id", "title", "goal", "starts_at", "ends_at", "currency", "funding",
                                      "tiers", "stretch_goals", "max_pledge", "summary", "story"]),
            json(),
            0..5,
        )
    ) {
        let mut value = serde_json::to_value(lamp()).unwrap();
        for (field, replacement) in changes {
            value[field] = replacement;
        }
        let Ok(input) = serde_json::from_value::<CampaignInput>(value) else { return Ok(()) };
        if let Ok(campaign) = Campaign::new(input) {
            prop_assert!(campaign.ends_at() > campaign.starts_at());
            prop_assert!(campaign.goal().minor() > 0 && campaign.max_pledge().minor() > 0);
            prop_assert!(campaign.tiers().len() <= Campaign::MAX_TIERS);
            prop_assert!(campaign.stretch_goals().iter().all(|g| g.amount > campaign.goal().minor()));
        }
    }
}

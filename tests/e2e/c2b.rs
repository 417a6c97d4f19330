//! Tiers with units and windows, customisation demand, stretch goals, and cancellation.

use crate::api::futures_join;
use crate::support::{limited_campaign, limited_pledge, with};
use domain::wire::{PledgeCreated, Problem, StretchGoal};
use serde_json::json;
use std::time::Duration;
use tests::{EventReader, TestApp, store_test};

store_test!(several_units_take_several_places_in_a_limited_tier);
async fn several_units_take_several_places_in_a_limited_tier(app: TestApp) {
    app.create_campaign(limited_campaign("print", 10)).await;
    let units = |n: u32| with(with(limited_pledge(1), "quantity", json!(n)), "amount", json!(1_000 * n));
    for (n, status) in [(4, 201), (4, 201), (4, 409), (2, 201), (1, 409)] {
        let response = app.post_pledge("print", units(n).to_string()).await;
        assert_eq!(response.status(), status, "{n} units");
    }
    let campaign = app.campaign("print").await;
    assert_eq!(campaign.tiers[0].claimed, 10);
    assert_eq!((campaign.backers, campaign.raised), (3, 10_000));
    assert_eq!(campaign.tiers[0].options[0].values[1].claimed, 10, "every unit counts toward its size");
}

store_test!(concurrent_pledges_of_mixed_units_never_pass_the_limit_and_totals_add_up);
async fn concurrent_pledges_of_mixed_units_never_pass_the_limit_and_totals_add_up(app: TestApp) {
    app.create_campaign(limited_campaign("mixed", 25)).await;
    let mut n = 0u32;
    let responses = futures_join(150, || {
        n += 1;
        let units = n % 5 + 1;
        app.post_pledge(
            "mixed",
            with(with(limited_pledge(n as usize), "quantity", json!(units)), "amount", json!(1_000 * units))
                .to_string(),
        )
    })
    .await;
    let mut units_accepted = 0;
    let mut raised = 0;
    for response in responses {
        match response.status().as_u16() {
            201 => {
                let created: PledgeCreated = response.json().await.unwrap();
                units_accepted += created.amount / 1_000;
                raised += created.amount;
            }
            409 => assert_eq!(response.json::<Problem>().await.unwrap().kind, "/problems/sold-out"),
            other => panic!("unexpected {other}"),
        }
    }
    let campaign = app.campaign("mixed").await;
    assert!(campaign.tiers[0].claimed <= 25);
    assert_eq!(i64::from(campaign.tiers[0].claimed), units_accepted);
    assert_eq!(campaign.raised, raised);
    assert_eq!(app.state.store.recount("mixed").await.unwrap().0, raised);
}

store_test!(a_tier_outside_its_own_window_is_refused_while_the_campaign_is_live);
async fn a_tier_outside_its_own_window_is_refused_while_the_campaign_is_live(app: TestApp) {
    let mut input = limited_campaign("window", 10);
    input.tiers[0].available_until = Some(api::now().plus_seconds(-1));
    input.tiers[0].available_from = Some(api::now().plus_seconds(-30));
    app.create_campaign(input).await;
    let response = app.post_pledge("window", limited_pledge(1).to_string()).await;
    assert_eq!(response.status(), 409);
    let problem: Problem = response.json().await.unwrap();
    assert_eq!(problem.kind, "/problems/tier-unavailable");
    let tierless = json!({ "amount": 500, "name": "Li", "contact": "li@example.com", "public": false });
    assert_eq!(
        app.post_pledge("window", tierless.to_string()).await.status(),
        201,
        "support without reward still works"
    );
}

store_test!(stretch_goals_and_per_value_demand_are_in_the_view);
async fn stretch_goals_and_per_value_demand_are_in_the_view(app: TestApp) {
    let campaign = app.campaign("demo").await;
    assert_eq!(
        campaign.stretch_goals.iter().map(|g: &StretchGoal| g.amount).collect::<Vec<_>>(),
        [8_000_000, 12_000_000]
    );
    let red = json!({ "tier": "lamp", "quantity": 3, "amount": 89_700, "options": {"colour": "red"},
                      "name": "Mei", "contact": "mei@example.com", "public": true });
    assert_eq!(app.post_pledge("demo", red.to_string()).await.status(), 201);
    let lamp = app.campaign("demo").await.tier("lamp").unwrap().clone();
    let red = lamp.options[0].values.iter().find(|v| v.value == "red").unwrap();
    assert_eq!((red.claimed, red.min_batch, red.unlocked()), (3, Some(30), false));
    let html = app.text("/embed/demo?lang=en").await;
    assert!(html.contains("red · 3/30 to unlock"), "the widget shows the batch progress");
    assert!(html.contains("A brass dimmer switch for every lamp"), "the widget lists the stretch goals");
    assert!(!html.contains(r#"data-reached="true""#), "no stretch goal is reached yet");
    // No single pledge may pass the goal: two patrons reach the first stretch goal.
    for n in 1..=2 {
        let patron = json!({ "amount": 4_000_000, "name": format!("Patron {n}"),
                             "contact": format!("p{n}@example.com"), "public": false });
        assert_eq!(app.post_pledge("demo", patron.to_string()).await.status(), 201);
    }
    let html = app.text("/embed/demo?lang=en").await;
    assert_eq!(html.matches(r#"data-reached="true""#).count(), 1, "the first stretch goal is reached");
    assert_eq!(html.matches(r#"data-reached="false""#).count(), 1);
}

store_test!(a_backer_cancels_and_every_viewer_sees_the_counts_go_back_down);
async fn a_backer_cancels_and_every_viewer_sees_the_counts_go_back_down(app: TestApp) {
    let body = json!({ "tier": "lamp", "quantity": 2, "amount": 59_800, "options": {"colour": "black"},
                       "name": "Wang", "contact": "wang@example.com", "public": true });
    let created: PledgeCreated = app.post_pledge("demo", body.to_string()).await.json().await.unwrap();
    let token = created.receipt_url.rsplit('/').next().unwrap().to_owned();
    let mut events =
        EventReader::new(app.client.get(app.url("/api/v1/campaigns/demo/events")).send().await.unwrap());
    let (_, before) = events.next_progress(Duration::from_secs(10)).await.unwrap();
    assert_eq!((before.backers, before.raised), (1, 59_800));

    let cancel = || app.client.delete(app.url(&format!("/api/v1/receipts/{token}"))).send();
    assert_eq!(cancel().await.unwrap().status(), 204);
    let (_, after) = events.next_progress(Duration::from_secs(10)).await.expect("the cancellation is pushed");
    assert_eq!((after.backers, after.raised, after.seq), (0, 0, before.seq + 1));
    let lamp = after.tier("lamp").unwrap();
    assert_eq!((lamp.claimed, lamp.options[0].values[1].claimed), (0, 0));
    assert_eq!(cancel().await.unwrap().status(), 204, "cancelling twice changes nothing");
    assert_eq!(app.campaign("demo").await.seq, after.seq);
    assert_eq!(app.state.store.recount("demo").await.unwrap(), (0, 0));

    let receipt = app.text(&created.receipt_url).await;
    assert!(receipt.contains("This pledge was cancelled."));
    assert!(!receipt.contains("data-testid=\"cancel\""), "no cancel button on a cancelled pledge");
    let unknown =
        app.client.delete(app.url("/api/v1/receipts/0123456789abcdef0123456789abcdef")).send().await.unwrap();
    assert_eq!(unknown.status(), 404);
}

store_test!(the_receipt_page_cancels_with_a_plain_form);
async fn the_receipt_page_cancels_with_a_plain_form(app: TestApp) {
    let created: PledgeCreated =
        app.post_pledge("demo", crate::support::lamp_pledge().to_string()).await.json().await.unwrap();
    let receipt = app.text(&format!("{}?lang=en", created.receipt_url)).await;
    let action = receipt.split("action=\"/r/").nth(1).expect("a cancel form").split('"').next().unwrap();
    let action = format!("/r/{}", action.replace("&amp;", "&"));
    let response = app.client.post(app.url(&action)).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let back = response.headers()["location"].to_str().unwrap().to_owned();
    let page = app.text(&back).await;
    assert!(page.contains("This pledge was cancelled."), "{page}");
    assert_eq!(app.campaign("demo").await.backers, 0);
}

store_test!(cancelling_many_pledges_at_once_keeps_the_totals_exact);
async fn cancelling_many_pledges_at_once_keeps_the_totals_exact(app: TestApp) {
    app.create_campaign(limited_campaign("undo", 40)).await;
    let mut n = 0;
    let created: Vec<PledgeCreated> = futures::future::join_all(
        futures_join(30, || {
            n += 1;
            app.post_pledge("undo", limited_pledge(n).to_string())
        })
        .await
        .into_iter()
        .map(|r| r.json::<PledgeCreated>()),
    )
    .await
    .into_iter()
    .map(Result::unwrap)
    .collect();
    let cancels = created.iter().take(20).map(|c| {
        let token = c.receipt_url.rsplit('/').next().unwrap().to_owned();
        app.client.delete(app.url(&format!("/api/v1/receipts/{token}"))).send()
    });
    for response in futures::future::join_all(cancels).await {
        assert_eq!(response.unwrap().status(), 204);
    }
    let campaign = app.campaign("undo").await;
    assert_eq!((campaign.backers, campaign.raised, campaign.tiers[0].claimed), (10, 10_000, 10));
    assert_eq!(campaign.seq, 50, "thirty pledges and twenty cancellations");
}

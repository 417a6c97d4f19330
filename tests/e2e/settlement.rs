//! Ended campaigns are settled once: succeeded or failed, told to the site's endpoints,
//! whatever restarts or replicas do.

use crate::support::campaign_between;
use crate::webhooks::{add_endpoint, endpoints};
use domain::wire::CampaignInput;
use domain::{Funding, webhooks::EventType};
use serde_json::json;
use std::time::Duration;
use tests::{Receiver, TestApp, eventually, spawn_replicas, store_test};

const WAIT: Duration = Duration::from_secs(30);

fn all_or_nothing(id: &str, goal: i64, ends_in: i64) -> CampaignInput {
    CampaignInput { funding: Funding::AllOrNothing, goal, ..campaign_between(id, -60, ends_in) }
}

async fn pledge(app: &TestApp, campaign: &str, units: u32) {
    let body = json!({
        "tier": "limited", "quantity": units, "amount": 1_000 * i64::from(units),
        "options": { "size": "S" }, "name": "Fan", "contact": "fan@example.com"
    });
    assert_eq!(app.post_pledge(campaign, body.to_string()).await.status(), 201);
}

/// The `campaign.*` events the receiver got, by campaign.
fn outcomes(receiver: &Receiver) -> Vec<serde_json::Value> {
    let mut events: Vec<serde_json::Value> = receiver
        .deliveries()
        .into_iter()
        .map(|d| d.event)
        .filter(|e| e["type"].as_str().is_some_and(|t| t.starts_with("campaign.")))
        .collect();
    events.sort_by_key(|e| e["data"]["campaign"].as_str().unwrap_or_default().to_owned());
    events
}

store_test!(an_ended_campaign_is_settled_once_and_its_endpoints_are_told);
async fn an_ended_campaign_is_settled_once_and_its_endpoints_are_told(app: TestApp) {
    let receiver = Receiver::start().await;
    assert_eq!(add_endpoint(&app, &receiver.url).await.status(), 201);
    let (store, hub) = (&app.state.store, &app.state.hub);
    for campaign in [all_or_nothing("reached", 2_000, 3), all_or_nothing("missed", 100_000, 3)] {
        api::campaigning::create(store, hub, api::demo::SITE, campaign, false).await.unwrap();
    }
    pledge(&app, "reached", 2).await;
    pledge(&app, "missed", 1).await;

    let events = eventually(WAIT, "both campaigns settled", || async {
        Some(outcomes(&receiver)).filter(|e| e.len() == 2)
    })
    .await;
    assert_eq!(events[0]["type"], EventType::CampaignFailed.as_str());
    assert_eq!(
        events[0]["data"],
        json!({ "campaign": "missed", "outcome": "failed", "raised": 1_000, "goal": 100_000, "currency": "USD", "backers": 1 })
    );
    assert_eq!(events[1]["type"], EventType::CampaignSucceeded.as_str());
    assert_eq!(
        (events[1]["data"]["raised"].clone(), events[1]["data"]["outcome"].clone()),
        (json!(2_000), json!("succeeded"))
    );
    // The demo campaign has not ended: nothing for it.
    assert!(events.iter().all(|e| e["data"]["campaign"] != "demo"));

    // Asked again (after a restart, say), nothing is settled twice.
    let again = api::settlement::settle_due(store, hub, &mut Default::default(), api::now()).await.unwrap();
    assert!(again.is_empty(), "{again:?}");
    let settled = store.settled().await.unwrap();
    assert!(settled.contains("reached") && settled.contains("missed") && !settled.contains("demo"));
}

#[tokio::test]
async fn two_replicas_settling_at_once_settle_a_campaign_once() {
    let Some((a, b)) = spawn_replicas().await else { return };
    let receiver = Receiver::start().await;
    assert_eq!(add_endpoint(&a, &receiver.url).await.status(), 201);
    api::campaigning::create(
        &a.state.store,
        &a.state.hub,
        api::demo::SITE,
        all_or_nothing("twice", 1_000, 2),
        false,
    )
    .await
    .unwrap();
    eventually(WAIT, "the other replica to know it", || async { b.state.hub.get("twice") }).await;
    pledge(&b, "twice", 1).await;
    // Both replicas' settlers race for it; then both are asked again, at once.
    eventually(WAIT, "the campaign settled", || async {
        a.state.store.settled().await.unwrap().contains("twice").then_some(())
    })
    .await;
    let (now, mut known_a, mut known_b) =
        (api::now(), api::settlement::Known::new(), api::settlement::Known::new());
    let (on_a, on_b) = tokio::join!(
        api::settlement::settle_due(&a.state.store, &a.state.hub, &mut known_a, now),
        api::settlement::settle_due(&b.state.store, &b.state.hub, &mut known_b, now),
    );
    assert!(on_a.unwrap().is_empty() && on_b.unwrap().is_empty());
    eventually(WAIT, "every event delivered", || async {
        endpoints(&a).await.into_iter().next().filter(|e| e.pending == 0)
    })
    .await;
    let events = outcomes(&receiver);
    assert_eq!(events.len(), 1, "one campaign.succeeded, not one per replica: {events:?}");
    assert_eq!(events[0]["type"], "campaign.succeeded");
}

//! Webhooks out: a site's endpoints get its events, signed, once each change is stored,
//! again after failures, never lost to a crash; and an endpoint that keeps failing is
//! disabled with the reason.

use crate::support::lamp_pledge;
use domain::webhooks::Endpoint;
use domain::wire::{PledgeCreated, Problem};
use serde_json::json;
use std::time::Duration;
use tests::{Process, Receiver, TestApp, eventually, store_test, verify};

const WAIT: Duration = Duration::from_secs(30);

pub(crate) async fn add_endpoint(app: &TestApp, url: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/webhooks"))
        .bearer_auth(&app.demo_key)
        .json(&json!({ "url": url }))
        .send()
        .await
        .unwrap()
}

pub(crate) async fn endpoints(app: &TestApp) -> Vec<Endpoint> {
    let list = app.creator_json("/api/v1/webhooks").await;
    serde_json::from_value(list["endpoints"].clone()).unwrap()
}

/// Waits until the receiver holds `n` deliveries.
pub(crate) async fn received(receiver: &Receiver, n: usize) -> Vec<tests::Delivery> {
    eventually(WAIT, &format!("{n} deliveries"), || async {
        let got = receiver.deliveries();
        (got.len() >= n).then_some(got)
    })
    .await
}

store_test!(an_endpoint_gets_signed_events_for_pledges_and_cancellations);
async fn an_endpoint_gets_signed_events_for_pledges_and_cancellations(app: TestApp) {
    let receiver = Receiver::start().await;
    let added = add_endpoint(&app, &receiver.url).await;
    assert_eq!(added.status(), 201);
    let endpoint: Endpoint = added.json().await.unwrap();
    assert!(endpoint.secret.starts_with("whsec_") && endpoint.status == "enabled", "{endpoint:?}");

    let created: PledgeCreated =
        app.post_pledge("demo", lamp_pledge().to_string()).await.json().await.unwrap();
    let token = created.receipt_url.rsplit('/').next().unwrap();
    let cancelled = app.client.delete(app.url(&format!("/api/v1/receipts/{token}"))).send().await.unwrap();
    assert_eq!(cancelled.status(), 204);

    let got = received(&receiver, 2).await;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    for delivery in &got {
        assert!(verify(&endpoint.secret, &delivery.signature, &delivery.body, now, 300), "{delivery:?}");
        assert!(!verify("whsec_someone_else", &delivery.signature, &delivery.body, now, 300));
        assert!(
            !verify(&endpoint.secret, &delivery.signature, &delivery.body, now + 3600, 300),
            "too old to replay"
        );
    }
    let kinds: Vec<&str> = got.iter().map(|d| d.event["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["pledge.created", "pledge.cancelled"]);
    let (first, second) = (&got[0].event, &got[1].event);
    assert_ne!(first["id"], second["id"]);
    assert_eq!(first["data"]["campaign"], "demo");
    assert_eq!(first["data"]["pledge"]["id"], created.id.as_str());
    assert_eq!(first["data"]["pledge"]["amount"], 29_900);
    assert_eq!(first["data"]["pledge"]["options"], json!({ "colour": "red" }));
    assert_eq!(second["data"]["pledge"]["status"], "cancelled");
    eventually(WAIT, "nothing left to deliver", || async {
        endpoints(&app).await.first().filter(|e| e.pending == 0 && e.failures == 0).cloned()
    })
    .await;
    let store = &app.state.store;
    let kept = store.purge(api::now().plus_seconds(29 * 24 * 3600)).await.unwrap();
    assert_eq!(kept.webhook_deliveries, 0, "kept for 30 days");
    let retention = api::store::retention::DELIVERED_RETENTION_SECS;
    let purged = store.purge(api::now().plus_seconds(retention + 60)).await.unwrap();
    assert_eq!(purged.webhook_deliveries, 2);
}

store_test!(a_failing_receiver_gets_the_same_event_again_until_it_takes_it);
async fn a_failing_receiver_gets_the_same_event_again_until_it_takes_it(app: TestApp) {
    let receiver = Receiver::start().await;
    receiver.fail_next(2);
    assert_eq!(add_endpoint(&app, &receiver.url).await.status(), 201);
    assert_eq!(app.post_pledge("demo", lamp_pledge().to_string()).await.status(), 201);
    let got = received(&receiver, 3).await;
    assert!(got.iter().all(|d| d.event["id"] == got[0].event["id"]), "one event, three tries");
    let endpoint = eventually(WAIT, "the endpoint's record cleared", || async {
        endpoints(&app).await.into_iter().next().filter(|e| e.pending == 0)
    })
    .await;
    assert_eq!((endpoint.failures, endpoint.status.as_str()), (0, "enabled"));
    assert_eq!(receiver.deliveries().len(), 3, "not sent again once taken");
}

#[tokio::test]
async fn an_endpoint_that_keeps_failing_is_disabled_with_the_reason_and_can_be_enabled_again() {
    let app = tests::spawn_app().await;
    let receiver = Receiver::start().await;
    receiver.fail_next(usize::MAX);
    let endpoint: Endpoint = add_endpoint(&app, &receiver.url).await.json().await.unwrap();
    assert_eq!(app.post_pledge("demo", lamp_pledge().to_string()).await.status(), 201);
    let disabled = eventually(Duration::from_secs(60), "the endpoint disabled", || async {
        endpoints(&app).await.into_iter().next().filter(|e| e.status == "disabled")
    })
    .await;
    let reason = disabled.disabled_reason.unwrap();
    assert!(reason.contains("15 deliveries in a row failed") && reason.contains("HTTP 500"), "{reason}");
    assert_eq!(disabled.pending, 1);
    // Disabled, it gets nothing more, not even new events.
    let tries = receiver.deliveries().len();
    assert_eq!(tries, 15);
    assert_eq!(app.post_pledge("demo", lamp_pledge().to_string()).await.status(), 201);

    receiver.fail_next(0);
    let enabled = app
        .client
        .post(app.url(&format!("/api/v1/webhooks/{}/enable", endpoint.id)))
        .bearer_auth(&app.demo_key)
        .send()
        .await
        .unwrap();
    assert_eq!(enabled.status(), 200);
    let got = received(&receiver, tries + 1).await;
    assert_eq!(got.last().unwrap().event["id"], got[0].event["id"], "the missed event is sent");
    eventually(WAIT, "nothing left", || async {
        endpoints(&app).await.into_iter().next().filter(|e| e.pending == 0)
    })
    .await;
    assert_eq!(receiver.deliveries().len(), tries + 1, "events of the disabled time are not queued");
}

store_test!(endpoints_refuse_hostile_addresses_other_sites_and_more_than_sixteen);
async fn endpoints_refuse_hostile_addresses_other_sites_and_more_than_sixteen(app: TestApp) {
    for url in [
        "ftp://example.com/",
        "not a url",
        "https://user:pw@example.com/",
        &format!("https://example.com/{}", "a".repeat(2_100)),
    ] {
        let refused = add_endpoint(&app, url).await;
        assert_eq!(refused.status(), 422, "{url}");
        let problem: Problem = refused.json().await.unwrap();
        assert!(problem.errors.contains_key("url"), "{problem:?}");
    }
    let anonymous = app
        .client
        .post(app.url("/api/v1/webhooks"))
        .json(&json!({ "url": "https://example.com/" }))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let unknown = app
        .client
        .post(app.url("/api/v1/webhooks"))
        .bearer_auth(&app.demo_key)
        .json(&json!({ "url": "https://example.com/", "events": ["*"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 400, "unknown fields are refused as malformed");
    let huge = app
        .client
        .post(app.url("/api/v1/webhooks"))
        .bearer_auth(&app.demo_key)
        .header("content-type", "application/json")
        .body(format!("{{\"url\":\"{}\"}}", "a".repeat(20_000)))
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), 413);

    let added = futures::future::join_all((0..20).map(|n| {
        let app = &app;
        async move { add_endpoint(app, &format!("https://example.com/{n}")).await }
    }))
    .await;
    assert_eq!(added.iter().filter(|r| r.status() == 201).count(), 16, "sixteen at most, even all at once");
    let endpoints = endpoints(&app).await;
    assert_eq!(endpoints.len(), 16);

    // Another site's key sees none of them and can remove none.
    let other_key = app.create_site("other", &["https://other.example"]).await;
    let theirs: serde_json::Value = app
        .client
        .get(app.url("/api/v1/webhooks"))
        .bearer_auth(&other_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["endpoints"], json!([]));
    let id = &endpoints[0].id;
    for request in [
        app.client.delete(app.url(&format!("/api/v1/webhooks/{id}"))),
        app.client.post(app.url(&format!("/api/v1/webhooks/{id}/enable"))),
    ] {
        assert_eq!(request.bearer_auth(&other_key).send().await.unwrap().status(), 404);
    }
    let removed = app
        .client
        .delete(app.url(&format!("/api/v1/webhooks/{id}")))
        .bearer_auth(&app.demo_key)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 204);
}

#[tokio::test]
async fn events_queued_before_a_sigkill_are_delivered_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}/t.db", dir.path().display());
    // The receiver's port is chosen now; nothing listens on it until after the crash.
    let port = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/tribefund", port.local_addr().unwrap());
    drop(port);
    let server = Process::start(&db_url, &["--webhooks-private", "--webhook-first-retry", "1"], None).await;
    let key = server.demo_key.clone().unwrap();
    let http = reqwest::Client::new();
    let added = http
        .post(server.url("/api/v1/webhooks"))
        .bearer_auth(&key)
        .json(&json!({ "url": url }))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 201);
    let mut pledged = Vec::new();
    for n in 0..20 {
        let body = json!({ "amount": 100 + n, "name": "Fan", "contact": "fan@example.com" });
        let created =
            http.post(server.url("/api/v1/campaigns/demo/pledges")).json(&body).send().await.unwrap();
        assert_eq!(created.status(), 201);
        pledged.push(created.json::<PledgeCreated>().await.unwrap().id);
    }
    server.kill().await;

    let receiver = Receiver::on(
        tokio::net::TcpListener::bind(url.trim_start_matches("http://").trim_end_matches("/hooks/tribefund"))
            .await
            .unwrap(),
    )
    .await;
    let _server = Process::start(&db_url, &["--webhooks-private", "--webhook-first-retry", "1"], None).await;
    let got = received(&receiver, pledged.len()).await;
    let mut delivered: Vec<String> =
        got.iter().map(|d| d.event["data"]["pledge"]["id"].as_str().unwrap().to_owned()).collect();
    delivered.sort();
    delivered.dedup();
    pledged.sort();
    assert_eq!(delivered, pledged, "every acknowledged pledge's event arrives");
}

store_test!(a_value_reaching_its_minimum_batch_sends_option_unlocked_once);
async fn a_value_reaching_its_minimum_batch_sends_option_unlocked_once(app: TestApp) {
    let receiver = Receiver::start().await;
    assert_eq!(add_endpoint(&app, &receiver.url).await.status(), 201);
    let campaign = crate::support::limited_campaign("prints", 50);
    api::campaigning::create(&app.state.store, &app.state.hub, api::demo::SITE, campaign, false)
        .await
        .unwrap();
    // Size L is made from 3 units: 2, then 1 more (reached), then 1 more.
    for units in [2, 1, 1] {
        let body = json!({
            "tier": "limited", "quantity": units, "amount": 1_000 * units, "options": { "size": "L" },
            "name": "Fan", "contact": "fan@example.com"
        });
        assert_eq!(app.post_pledge("prints", body.to_string()).await.status(), 201);
    }
    let got = received(&receiver, 4).await;
    let unlocked: Vec<&serde_json::Value> =
        got.iter().map(|d| &d.event).filter(|e| e["type"] == "option.unlocked").collect();
    assert_eq!(unlocked.len(), 1, "{unlocked:?}");
    assert_eq!(
        unlocked[0]["data"],
        json!({ "campaign": "prints", "tier": "limited", "option": "size", "value": "L", "units": 3, "min_batch": 3 })
    );
}

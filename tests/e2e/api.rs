//! The v1 JSON API over real HTTP against a real SQLite database.

use crate::support::{campaign_between, lamp_pledge, limited_campaign, limited_pledge, with};
use api::ratelimit::RateLimit;
use domain::Status;
use domain::wire::{PledgeCreated, Problem};
use serde_json::{Value, json};
use tests::{Options, TestApp, spawn_app_with, store_test};

async fn problem(response: reqwest::Response) -> (u16, Problem) {
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(content_type, "application/problem+json", "status {status}");
    (status, response.json().await.expect("a problem document"))
}

store_test!(the_demo_campaign_is_served_with_its_tiers_and_zero_counts);
async fn the_demo_campaign_is_served_with_its_tiers_and_zero_counts(app: TestApp) {
    let response = app.client.get(app.url("/api/v1/campaigns/demo")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: Value = response.json().await.unwrap();
    for field in [
        "id",
        "title",
        "summary",
        "currency",
        "goal",
        "raised",
        "backers",
        "starts_at",
        "ends_at",
        "funding",
        "status",
        "seq",
        "tiers",
    ] {
        assert!(body.get(field).is_some(), "missing {field}");
    }
    let campaign = app.campaign("demo").await;
    assert_eq!((campaign.raised, campaign.backers, campaign.seq), (0, 0, 0));
    assert_eq!(campaign.status, Status::Live);
    assert_eq!(campaign.tiers.len(), 2);
    assert_eq!(campaign.tiers[0].limit, Some(50));
    let colour = &campaign.tiers[1].options[0];
    assert_eq!(colour.name, "colour");
    assert_eq!(colour.values.iter().find(|v| v.value == "red").unwrap().min_batch, Some(30));
}

store_test!(a_pledge_is_acknowledged_with_links_and_counted_everywhere);
async fn a_pledge_is_acknowledged_with_links_and_counted_everywhere(app: TestApp) {
    let response = app.post_pledge("demo", lamp_pledge().to_string()).await;
    assert_eq!(response.status(), 201);
    let created: PledgeCreated = response.json().await.unwrap();
    assert_eq!(created.amount, 29_900);
    assert!(
        created.share_url.ends_with(&format!("/c/demo?ref={}", created.referral_code)),
        "{}",
        created.share_url
    );
    assert!(created.receipt_url.contains("/r/"));

    let campaign = app.campaign("demo").await;
    assert_eq!((campaign.raised, campaign.backers, campaign.seq), (29_900, 1, 1));
    let lamp = campaign.tier("lamp").unwrap();
    assert_eq!(lamp.claimed, 1);
    let red = lamp.options[0].values.iter().find(|v| v.value == "red").unwrap();
    assert_eq!(red.claimed, 1);
    assert_eq!(app.state.store.recount("demo").await.unwrap(), (29_900, 1));

    let share = app.client.get(&created.share_url).send().await.unwrap();
    assert_eq!(share.status(), 200);
    let receipt = app.text(&created.receipt_url).await;
    assert!(receipt.contains("Mei"), "the receipt names the backer");
    assert!(!receipt.contains("mei@example.com"), "the receipt never shows the contact");
}

store_test!(a_pledge_without_reward_takes_any_positive_amount);
async fn a_pledge_without_reward_takes_any_positive_amount(app: TestApp) {
    let body = json!({ "amount": 1, "name": "Li", "contact": "li@example.com", "public": false });
    assert_eq!(app.post_pledge("demo", body.to_string()).await.status(), 201);
    assert_eq!(app.campaign("demo").await.raised, 1);
}

store_test!(replaying_an_idempotency_key_returns_the_original_pledge_once);
async fn replaying_an_idempotency_key_returns_the_original_pledge_once(app: TestApp) {
    let send = || {
        app.client
            .post(app.url("/api/v1/campaigns/demo/pledges"))
            .header("idempotency-key", "retry-1")
            .json(&lamp_pledge())
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let replays = futures_join(8, send).await;
    for replay in replays {
        let replay = replay.unwrap();
        assert_eq!(replay.status(), 201);
        assert_eq!(replay.json::<Value>().await.unwrap(), first);
    }
    let campaign = app.campaign("demo").await;
    assert_eq!((campaign.backers, campaign.raised), (1, 29_900));
}

store_test!(concurrent_first_tries_of_one_idempotency_key_make_one_pledge);
async fn concurrent_first_tries_of_one_idempotency_key_make_one_pledge(app: TestApp) {
    let responses = futures_join(16, || {
        app.client
            .post(app.url("/api/v1/campaigns/demo/pledges"))
            .header("idempotency-key", "same-key")
            .json(&lamp_pledge())
            .send()
    })
    .await;
    let mut ids = std::collections::BTreeSet::new();
    for response in responses {
        let response = response.unwrap();
        assert_eq!(response.status(), 201);
        ids.insert(response.json::<PledgeCreated>().await.unwrap().id);
    }
    assert_eq!(ids.len(), 1, "every retry got the same pledge");
    assert_eq!(app.campaign("demo").await.backers, 1);
}

store_test!(reusing_an_idempotency_key_with_another_body_is_refused);
async fn reusing_an_idempotency_key_with_another_body_is_refused(app: TestApp) {
    let send = |body: Value| {
        app.client
            .post(app.url("/api/v1/campaigns/demo/pledges"))
            .header("idempotency-key", "k-1")
            .json(&body)
            .send()
    };
    assert_eq!(send(lamp_pledge()).await.unwrap().status(), 201);
    let (status, problem) = problem(send(with(lamp_pledge(), "amount", json!(40_000))).await.unwrap()).await;
    assert_eq!(status, 422);
    assert_eq!(problem.kind, "/problems/idempotency-key-reused");
    assert_eq!(app.campaign("demo").await.backers, 1);
}

store_test!(bad_pledges_are_refused_with_a_problem_naming_the_field);
async fn bad_pledges_are_refused_with_a_problem_naming_the_field(app: TestApp) {
    let cases: Vec<(&str, String, u16, Option<&str>)> = vec![
        ("malformed JSON", "{\"amount\": 100,".into(), 400, None),
        ("not an object", "[1, 2]".into(), 400, None),
        ("name of the wrong type", with(lamp_pledge(), "name", json!(5)).to_string(), 400, None),
        ("amount as a string", with(lamp_pledge(), "amount", json!("29900")).to_string(), 400, None),
        ("options of the wrong type", with(lamp_pledge(), "options", json!(["red"])).to_string(), 400, None),
        ("negative amount", with(lamp_pledge(), "amount", json!(-29_900)).to_string(), 422, Some("amount")),
        ("zero amount", with(lamp_pledge(), "amount", json!(0)).to_string(), 422, Some("amount")),
        (
            "overflowing amount",
            with(lamp_pledge(), "amount", json!(18_446_744_073_709_551_615u64)).to_string(),
            422,
            Some("amount"),
        ),
        ("huge float amount", lamp_pledge().to_string().replace("29900", "1e300"), 422, Some("amount")),
        ("fractional amount", with(lamp_pledge(), "amount", json!(299.5)).to_string(), 422, Some("amount")),
        (
            "missing amount",
            {
                let mut b = lamp_pledge();
                b.as_object_mut().unwrap().remove("amount");
                b.to_string()
            },
            422,
            Some("amount"),
        ),
        (
            "below the tier price",
            with(lamp_pledge(), "amount", json!(29_899)).to_string(),
            422,
            Some("amount"),
        ),
        ("unknown tier", with(lamp_pledge(), "tier", json!("platinum")).to_string(), 422, Some("tier")),
        (
            "unknown colour",
            with(lamp_pledge(), "options", json!({"colour": "pink"})).to_string(),
            422,
            Some("options.colour"),
        ),
        (
            "missing colour",
            with(lamp_pledge(), "options", json!({})).to_string(),
            422,
            Some("options.colour"),
        ),
        (
            "10 KB name",
            with(lamp_pledge(), "name", json!("x".repeat(10 * 1024))).to_string(),
            422,
            Some("name"),
        ),
        ("blank name", with(lamp_pledge(), "name", json!("   ")).to_string(), 422, Some("name")),
        (
            "control characters in the contact",
            with(lamp_pledge(), "contact", json!("a\u{0}b")).to_string(),
            422,
            Some("contact"),
        ),
        (
            "a malformed referral code",
            with(lamp_pledge(), "ref", json!("'; DROP TABLE pledges;--")).to_string(),
            422,
            Some("ref"),
        ),
        (
            "a body over the limit",
            with(lamp_pledge(), "message", json!("x".repeat(20 * 1024))).to_string(),
            413,
            None,
        ),
    ];
    for (case, body, status, field) in cases {
        let (got, problem) = problem(app.post_pledge("demo", body).await).await;
        assert_eq!(got, status, "{case}: {problem:?}");
        assert_eq!(problem.status, status, "{case}");
        if let Some(field) = field {
            assert!(problem.errors.contains_key(field), "{case}: errors name {field}: {problem:?}");
        }
        let text = format!("{problem:?}").to_lowercase();
        for leak in ["sqlx", "sqlite", "select ", "panicked", "src/"] {
            assert!(!text.contains(leak), "{case}: the problem leaks {leak:?}: {problem:?}");
        }
    }
    let campaign = app.campaign("demo").await;
    assert_eq!((campaign.backers, campaign.raised, campaign.seq), (0, 0, 0), "nothing bad was counted");
}

store_test!(a_body_that_is_not_json_is_an_unsupported_media_type);
async fn a_body_that_is_not_json_is_an_unsupported_media_type(app: TestApp) {
    let response = app
        .client
        .post(app.url("/api/v1/campaigns/demo/pledges"))
        .body(lamp_pledge().to_string())
        .send()
        .await
        .unwrap();
    let (status, problem) = problem(response).await;
    assert_eq!((status, problem.kind.as_str()), (415, "/problems/unsupported-media-type"));
}

store_test!(an_unknown_campaign_is_not_found);
async fn an_unknown_campaign_is_not_found(app: TestApp) {
    let (status, _) = problem(app.client.get(app.url("/api/v1/campaigns/nope")).send().await.unwrap()).await;
    assert_eq!(status, 404);
    let (status, _) = problem(app.post_pledge("nope", lamp_pledge().to_string()).await).await;
    assert_eq!(status, 404);
    let (status, _) =
        problem(app.client.get(app.url("/api/v1/campaigns/..%2F..%2Fetc")).send().await.unwrap()).await;
    assert_eq!(status, 404);
}

store_test!(pledges_before_the_start_or_after_the_end_are_refused_as_not_live);
async fn pledges_before_the_start_or_after_the_end_are_refused_as_not_live(app: TestApp) {
    app.create_campaign(campaign_between("later", 3600, 7200)).await;
    app.create_campaign(campaign_between("over", -7200, -3600)).await;
    assert_eq!(app.campaign("later").await.status, Status::Scheduled);
    assert_eq!(app.campaign("over").await.status, Status::Failed);
    for (id, detail) in [("later", "not started"), ("over", "ended")] {
        let (status, problem) = problem(app.post_pledge(id, limited_pledge(1).to_string()).await).await;
        assert_eq!(status, 409, "{id}");
        assert_eq!(problem.kind, "/problems/not-live");
        assert!(problem.detail.contains(detail), "{id}: {}", problem.detail);
    }
}

store_test!(concurrent_pledges_on_a_limited_tier_never_oversell_it);
async fn concurrent_pledges_on_a_limited_tier_never_oversell_it(app: TestApp) {
    app.create_campaign(limited_campaign("print", 10)).await;
    let mut n = 0;
    let responses = futures_join(200, || {
        n += 1;
        app.post_pledge("print", limited_pledge(n).to_string())
    })
    .await;
    let (mut created, mut sold_out) = (0, 0);
    for response in responses {
        match response.status().as_u16() {
            201 => created += 1,
            409 => {
                let (_, problem) = problem(response).await;
                assert_eq!(problem.kind, "/problems/sold-out");
                sold_out += 1;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!((created, sold_out), (10, 190));
    let campaign = app.campaign("print").await;
    assert_eq!(campaign.tiers[0].claimed, 10);
    assert_eq!((campaign.backers, campaign.raised), (10, 10_000));
    assert_eq!(app.state.store.recount("print").await.unwrap(), (10_000, 10));
}

#[tokio::test]
async fn too_many_pledges_from_one_address_are_rate_limited() {
    let app = spawn_app_with(Options {
        rate_limit: Some(RateLimit { burst: 2, per_minute: 1 }),
        ..Options::default()
    })
    .await;
    for _ in 0..2 {
        assert_eq!(app.post_pledge("demo", lamp_pledge().to_string()).await.status(), 201);
    }
    let response = app.post_pledge("demo", lamp_pledge().to_string()).await;
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry_after >= 1);
    let (status, problem) = problem(response).await;
    assert_eq!((status, problem.kind.as_str()), (429, "/problems/rate-limited"));
    assert_eq!(app.campaign("demo").await.backers, 2);
}

store_test!(a_malformed_idempotency_key_is_refused);
async fn a_malformed_idempotency_key_is_refused(app: TestApp) {
    let response = app
        .client
        .post(app.url("/api/v1/campaigns/demo/pledges"))
        .header("idempotency-key", "k".repeat(200))
        .json(&lamp_pledge())
        .send()
        .await
        .unwrap();
    assert_eq!(problem(response).await.0, 400);
}

store_test!(acknowledged_pledges_survive_a_restart);
async fn acknowledged_pledges_survive_a_restart(app: TestApp) {
    for _ in 0..3 {
        assert_eq!(app.post_pledge("demo", lamp_pledge().to_string()).await.status(), 201);
    }
    let app = app.restart().await;
    let campaign = app.campaign("demo").await;
    assert_eq!((campaign.backers, campaign.raised, campaign.seq), (3, 3 * 29_900, 3));
    assert_eq!(campaign.tier("lamp").unwrap().claimed, 3);
}

store_test!(health_and_readiness_are_reported);
async fn health_and_readiness_are_reported(app: TestApp) {
    let body: Value = app.client.get(app.url("/healthz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(body, json!({ "status": "ok" }));
    let body: Value = app.client.get(app.url("/readyz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(body, json!({ "status": "ok", "database": true, "writer": true, "writer_restarts": 0 }));
}

/// Runs `count` requests made by `make` at once and collects their results in order.
pub(crate) async fn futures_join<F, Fut, T>(count: usize, make: F) -> Vec<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    futures::future::join_all(std::iter::repeat_with(make).take(count)).await
}

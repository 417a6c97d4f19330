//! Timed moments over HTTP: one clock (the server's) in every answer, a tier's window and a
//! campaign's start published at their second without a pledge, on every replica, a pledge
//! sent before its second refused in words with the seconds left, and a writer queue that
//! answers "come back" at once when full.

use crate::support::{campaign_between, limited_campaign, limited_pledge};
use domain::Moment;
use domain::wire::CampaignInput;
use std::time::Duration;
use tests::{
    EventReader, Options, TestApp, eventually, spawn_app, spawn_app_with, spawn_replicas, store_test,
};

const WAIT: Duration = Duration::from_secs(10);

/// A live campaign whose tier `limited` opens `opens_in` seconds from now (a whole second).
pub(crate) fn opening_campaign(id: &str, opens_in: i64) -> (CampaignInput, domain::Timestamp) {
    let mut input = limited_campaign(id, 10);
    let opens = api::now().plus_seconds(opens_in);
    input.tiers[0].available_from = Some(opens);
    (input, opens)
}

async fn stream(app: &TestApp, id: &str) -> EventReader {
    let response = app.client.get(app.url(&format!("/api/v1/campaigns/{id}/events"))).send().await.unwrap();
    assert_eq!(response.status(), 200);
    EventReader::new(response)
}

/// Waits until the server's clock reads at least `millis`.
async fn until(millis: i64) {
    eventually(WAIT, "the moment", || async { (api::moment().millis() >= millis).then_some(()) }).await;
}

#[tokio::test]
async fn every_answer_carries_the_servers_clock_to_the_millisecond_as_it_is_sent() {
    let app = spawn_app().await;
    let read = || async {
        let view: serde_json::Value = app.json("/api/v1/campaigns/demo").await;
        Moment::parse(view["server_time"].as_str().expect("a server_time")).expect("RFC 3339")
    };
    let first = read().await;
    assert!((first.millis() - api::moment().millis()).abs() < 2_000, "{first}");
    until(first.millis() + 20).await;
    assert!(read().await > first, "each answer is stamped as it is sent, not when the view was built");

    let mut events = stream(&app, "demo").await;
    let (_, view) = events.next_progress(WAIT).await.expect("the first snapshot");
    assert!(view.server_time.expect("the stream's first frame is stamped") > first);

    let page = app.text("/embed/demo?lang=en").await;
    assert!(page.contains("\"server_time\":\""), "the page's props carry the clock for live.js");
}

store_test!(a_tier_opening_is_published_at_its_second_without_a_pledge);
async fn a_tier_opening_is_published_at_its_second_without_a_pledge(app: TestApp) {
    let (input, opens) = opening_campaign("drop", 2);
    app.create_campaign(input).await;
    let mut events = stream(&app, "drop").await;
    let (_, first) = events.next_progress(WAIT).await.expect("the current snapshot");
    let (_, at_open) = events.next_progress(WAIT).await.expect("an event at the tier's opening");
    let stamped = at_open.server_time.expect("stamped").millis();
    assert_eq!(at_open.seq, first.seq, "no pledge moved it: the clock did");
    assert!(
        (opens.unix() * 1000..opens.unix() * 1000 + 1000).contains(&stamped),
        "published within the second it opens: {stamped} for {opens}"
    );
}

#[tokio::test]
async fn every_replica_publishes_a_campaigns_start_at_its_second() {
    let Some((a, b)) = spawn_replicas().await else { return };
    let starts = api::now().plus_seconds(5);
    a.create_campaign(CampaignInput { starts_at: starts, ..limited_campaign("launch", 10) }).await;
    let b_knows = eventually(WAIT, "replica B to learn the campaign", || async {
        let r = b.client.get(b.url("/api/v1/campaigns/launch")).send().await.ok()?;
        (r.status() == 200).then_some(())
    });
    b_knows.await;
    let mut streams = vec![stream(&a, "launch").await, stream(&b, "launch").await];
    for events in &mut streams {
        let (_, first) = events.next_progress(WAIT).await.expect("the current snapshot");
        assert_eq!(first.status, domain::Status::Scheduled, "watching before the start");
    }
    for events in &mut streams {
        let (_, started) = events.next_progress(WAIT).await.expect("an event at the start");
        assert_eq!(started.status, domain::Status::Live);
        let stamped = started.server_time.unwrap().millis();
        assert!((starts.unix() * 1000..starts.unix() * 1000 + 1000).contains(&stamped), "{stamped}");
    }
}

store_test!(a_pledge_before_its_second_is_refused_as_not_yet_with_the_seconds_left);
async fn a_pledge_before_its_second_is_refused_as_not_yet_with_the_seconds_left(app: TestApp) {
    let (input, opens) = opening_campaign("early", 3);
    app.create_campaign(input).await;
    // A few hundred milliseconds early: the writer's clock, at commit, says not yet.
    until(opens.unix() * 1000 - 400).await;
    let early = app.post_pledge("early", limited_pledge(1).to_string()).await;
    assert_eq!(early.status(), 409);
    assert_eq!(early.headers()["retry-after"], "1");
    let problem: serde_json::Value = early.json().await.unwrap();
    assert_eq!(problem["type"], "/problems/tier-not-yet");
    assert_eq!(problem["retry_after"], 1);
    assert!(problem["detail"].as_str().unwrap().contains("opens in 1 s"), "{problem}");

    until(opens.unix() * 1000).await;
    assert_eq!(app.post_pledge("early", limited_pledge(2).to_string()).await.status(), 201);

    // A scheduled campaign says when it starts, in seconds.
    app.create_campaign(campaign_between("soon", 90, 3600)).await;
    let soon = app.post_pledge("soon", limited_pledge(3).to_string()).await;
    assert_eq!(soon.status(), 409);
    let problem: serde_json::Value = soon.json().await.unwrap();
    let left = problem["retry_after"].as_u64().unwrap();
    assert!((88..=90).contains(&left), "{problem}");
    assert_eq!(app.campaign("soon").await.status, domain::Status::Scheduled, "visible before it starts");
}

#[tokio::test]
async fn a_full_writer_queue_answers_503_at_once_while_reads_keep_answering_and_nothing_is_lost() {
    let app = spawn_app_with(Options { pledge_queue: Some(2), ..Options::default() }).await;
    app.create_campaign(limited_campaign("crowd", 100)).await;
    // Another process holds SQLite's write lock: the writer waits on it with its batch.
    let path = app.db_url.trim_start_matches("sqlite://").to_owned();
    let mut blocker =
        <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!("sqlite://{path}")).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE").execute(&mut blocker).await.unwrap();

    let send = |n: usize| {
        let request = app
            .client
            .post(app.url("/api/v1/campaigns/crowd/pledges"))
            .header("content-type", "application/json")
            .header("idempotency-key", format!("crowd-{n}"))
            .body(limited_pledge(n).to_string());
        async move { (n, request.send().await.unwrap()) }
    };
    let waiting: Vec<_> = (0..8).map(|n| tokio::spawn(send(n))).collect();
    let refused = eventually(WAIT, "pledges past the queue to be refused", || async {
        let done: Vec<_> = waiting.iter().filter(|h| h.is_finished()).collect();
        (done.len() >= 5).then_some(done.len())
    })
    .await;
    assert!(refused >= 5, "one batch in the writer, two waiting, the rest told to come back");
    assert_eq!(app.client.get(app.url("/api/v1/campaigns/crowd")).send().await.unwrap().status(), 200);

    sqlx::query("ROLLBACK").execute(&mut blocker).await.unwrap();
    let mut taken = 0;
    for handle in waiting {
        let (n, response) = handle.await.unwrap();
        let response = if response.status() == 503 {
            assert_eq!(response.headers()["retry-after"], "1");
            let problem: serde_json::Value = response.json().await.unwrap();
            assert_eq!(problem["type"], "/problems/saturated", "{problem}");
            // Sent again with the same key, as the widget does.
            send(n).await.1
        } else {
            response
        };
        assert_eq!(response.status(), 201);
        taken += 1;
    }
    assert_eq!(taken, 8);
    assert_eq!(app.campaign("crowd").await.backers, 8, "each pledge once");
}

//! Live progress over Server-Sent Events.

use crate::support::{lamp_pledge, limited_campaign, limited_pledge};
use domain::wire::CampaignView;
use std::time::Duration;
use tests::{EventReader, Options, Sse, TestApp, spawn_app_with, store_test};

const WAIT: Duration = Duration::from_secs(10);

async fn open(app: &TestApp, id: &str, last_event_id: Option<&str>) -> EventReader {
    let mut request = app.client.get(app.url(&format!("/api/v1/campaigns/{id}/events")));
    if let Some(last) = last_event_id {
        request = request.header("last-event-id", last);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    assert_eq!(response.headers()["cache-control"], "no-cache");
    let mut reader = EventReader::new(response);
    assert_eq!(
        reader.next(WAIT).await,
        Some(Sse::Retry(2000)),
        "the stream starts with a reconnection delay"
    );
    reader
}

store_test!(a_stream_starts_with_the_current_snapshot_then_shows_each_pledge);
async fn a_stream_starts_with_the_current_snapshot_then_shows_each_pledge(app: TestApp) {
    let mut events = open(&app, "demo", None).await;
    let (id, first) = events.next_progress(WAIT).await.expect("the current snapshot");
    assert_eq!((id.as_str(), first.raised, first.backers), ("0", 0, 0));
    let unstamped = |view: CampaignView| CampaignView { server_time: None, ..view };
    assert_eq!(unstamped(first), unstamped(app.campaign("demo").await), "the stream's snapshot is the API's");

    assert_eq!(app.post_pledge("demo", lamp_pledge().to_string()).await.status(), 201);
    let (id, next) = events.next_progress(WAIT).await.expect("the pledge's event");
    assert_eq!((id.as_str(), next.seq, next.raised, next.backers), ("1", 1, 29_900, 1));
}

store_test!(reconnecting_with_last_event_id_resumes_without_repeating);
async fn reconnecting_with_last_event_id_resumes_without_repeating(app: TestApp) {
    assert_eq!(app.post_pledge("demo", lamp_pledge().to_string()).await.status(), 201);

    // Up to date: the snapshot the client has is not repeated; the first event is the next change.
    let mut current = open(&app, "demo", Some("1")).await;
    assert_eq!(app.post_pledge("demo", lamp_pledge().to_string()).await.status(), 201);
    assert_eq!(current.next_progress(WAIT).await.map(|(id, c)| (id, c.backers)), Some(("2".into(), 2)));

    // Behind: the latest snapshot at once, which carries everything missed.
    let mut behind = open(&app, "demo", Some("0")).await;
    assert_eq!(
        behind.next_progress(WAIT).await.map(|(id, c)| (id, c.raised)),
        Some(("2".into(), 2 * 29_900))
    );

    // Garbage in the header is ignored: a full snapshot.
    let mut garbage = open(&app, "demo", Some("'; DROP TABLE x")).await;
    assert_eq!(garbage.next_progress(WAIT).await.map(|(id, _)| id), Some("2".into()));
}

#[tokio::test]
async fn an_idle_stream_gets_keep_alive_comments() {
    let app =
        spawn_app_with(Options { keepalive: Some(Duration::from_millis(100)), ..Options::default() }).await;
    let mut events = open(&app, "demo", None).await;
    events.next_progress(WAIT).await.expect("the current snapshot");
    assert_eq!(events.next(WAIT).await, Some(Sse::Comment("keep-alive".into())));
    assert_eq!(events.next(WAIT).await, Some(Sse::Comment("keep-alive".into())));
}

store_test!(a_viewer_that_falls_behind_ends_on_the_latest_snapshot);
async fn a_viewer_that_falls_behind_ends_on_the_latest_snapshot(app: TestApp) {
    app.create_campaign(limited_campaign("burst", 1_000)).await;
    let mut events = open(&app, "burst", None).await;
    events.next_progress(WAIT).await.expect("the current snapshot");
    let pledges = (0..40).map(|n| app.post_pledge("burst", limited_pledge(n).to_string()));
    for response in futures::future::join_all(pledges).await {
        assert_eq!(response.status(), 201);
    }
    let mut seen = Vec::new();
    while let Some((id, campaign)) = events.next_progress(WAIT).await {
        seen.push(id.parse::<u64>().unwrap());
        if campaign.seq == 40 {
            assert_eq!((campaign.backers, campaign.tiers[0].claimed), (40, 40));
            break;
        }
    }
    assert_eq!(seen.last(), Some(&40), "the viewer ends on the latest snapshot");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "events only move forward: {seen:?}");
}

store_test!(the_events_of_an_unknown_campaign_are_not_found);
async fn the_events_of_an_unknown_campaign_are_not_found(app: TestApp) {
    let response = app.client.get(app.url("/api/v1/campaigns/nope/events")).send().await.unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
}

/// Reads a raw HTTP response until `needle` appears.
async fn raw_until(request: &str, app: &TestApp, needle: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut socket = tokio::net::TcpStream::connect(app.address.trim_start_matches("http://")).await.unwrap();
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    tokio::time::timeout(WAIT, async {
        while !String::from_utf8_lossy(&seen).contains(needle) {
            let n = socket.read(&mut buffer).await.unwrap();
            assert!(n > 0, "the stream ended early: {}", String::from_utf8_lossy(&seen));
            seen.extend_from_slice(&buffer[..n]);
        }
    })
    .await
    .expect("the response in time");
    String::from_utf8_lossy(&seen).into_owned()
}

store_test!(streams_served_off_the_socket_and_through_the_router_look_the_same);
async fn streams_served_off_the_socket_and_through_the_router_look_the_same(app: TestApp) {
    let fast =
        raw_until("GET /api/v1/campaigns/demo/events HTTP/1.1\r\nHost: x\r\n\r\n", &app, "event: progress")
            .await;
    // A request the socket-level path does not take (it announces a body) goes through hyper.
    let routed = raw_until(
        "GET /api/v1/campaigns/demo/events HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
        &app,
        "event: progress",
    )
    .await;
    for response in [&fast, &routed] {
        let head = response.split("\r\n\r\n").next().unwrap().to_lowercase();
        assert!(head.starts_with("http/1.1 200"), "{head}");
        for header in [
            "content-type: text/event-stream",
            "cache-control: no-cache",
            "x-accel-buffering: no",
            "x-content-type-options: nosniff",
            "referrer-policy: strict-origin-when-cross-origin",
            "transfer-encoding: chunked",
        ] {
            assert!(head.contains(header), "both paths send {header}: {head}");
        }
        assert!(response.contains("retry: 2000\n\n"));
        assert!(response.contains("id: 0\nevent: progress\ndata: {\"server_time\":\""), "{response}");
        assert!(response.contains(",\"id\":\"demo\""), "{response}");
    }
}

#[tokio::test]
async fn shutting_down_ends_event_streams_and_stops_accepting() {
    let dir = tempfile::tempdir().unwrap();
    let app =
        tests::build(&format!("sqlite://{}", dir.path().join("t.db").display()), Options::default()).await;
    let address = format!("http://{}", app.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let response = client.get(format!("{address}/api/v1/campaigns/demo/events")).send().await.unwrap();
    let mut events = EventReader::new(response);
    events.next_progress(WAIT).await.expect("the current snapshot");

    stop.send(()).unwrap();
    let ended = tokio::time::timeout(WAIT, async { while events.next(WAIT).await.is_some() {} }).await;
    assert!(ended.is_ok(), "the stream ends when the server shuts down");
    let finished = tokio::time::timeout(WAIT, server).await.expect("the server returns").unwrap();
    assert!(finished.is_ok());
    assert!(client.get(format!("{address}/healthz")).send().await.is_err(), "no longer accepting");
}

store_test!(a_viewer_asking_for_changes_gets_the_whole_view_then_compact_changes_an_old_one_whole_views);
async fn a_viewer_asking_for_changes_gets_the_whole_view_then_compact_changes_an_old_one_whole_views(
    app: TestApp,
) {
    let open_v2 = app.client.get(app.url("/api/v1/campaigns/demo/events?v=2")).send().await.unwrap();
    let mut changes = EventReader::new(open_v2);
    let mut whole = open(&app, "demo", None).await;
    assert_eq!(changes.next(WAIT).await, Some(Sse::Retry(2000)));
    let Some(Sse::Event { event, data, .. }) = changes.next(WAIT).await else { panic!("the first view") };
    assert_eq!(event.as_deref(), Some("progress"), "the whole view first");
    let mut view: CampaignView = serde_json::from_str(&data).unwrap();
    whole.next_progress(WAIT).await.expect("the old viewer's first view");

    assert_eq!(app.post_pledge("demo", lamp_pledge().to_string()).await.status(), 201);
    let Some(Sse::Event { id, event, data }) = changes.next(WAIT).await else { panic!("a change") };
    assert_eq!((id.as_deref(), event.as_deref()), (Some("1"), Some("delta")));
    assert!(data.len() < 400, "a pledge's change is small: {data}");
    let change: domain::delta::ProgressDelta = serde_json::from_str(&data).unwrap();
    domain::delta::apply(&mut view, &change);
    let (_, old) = whole.next_progress(WAIT).await.expect("the old viewer gets the whole view");
    assert!(old.server_time.is_some());
    assert_eq!(view, old, "the change applied is the whole view the old viewer got");
    assert_eq!((view.raised, view.backers), (29_900, 1));
}

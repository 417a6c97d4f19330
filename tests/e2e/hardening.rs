//! Cheap ways to hold the real server down: more live streams or connections than it
//! should hold, sockets that do not drain, bodies sent too slowly, oversized or malformed
//! heads. Over a cap the answer is a prompt 503; health checks, pages and pledges go on.

use api::admission::Limits;
use std::net::SocketAddr;
use std::time::Duration;
use tests::{Options, TestApp, eventually, spawn_app, spawn_app_with};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

const WAIT: Duration = Duration::from_secs(20);

fn server(app: &TestApp) -> SocketAddr {
    app.address.trim_start_matches("http://").parse().unwrap()
}

/// A connection to the server from loopback address `from` (all of 127/8 is this machine,
/// so each stands for another client).
async fn connect(app: &TestApp, from: &str) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    socket.connect(server(app)).await.unwrap()
}

/// Asks for the demo campaign's event stream from `from`; the connection and the status
/// line of the answer.
async fn stream(app: &TestApp, from: &str, extra_headers: &str) -> (TcpStream, String) {
    let mut socket = connect(app, from).await;
    let request = format!("GET /api/v1/campaigns/demo/events HTTP/1.1\r\nHost: x\r\n{extra_headers}\r\n");
    socket.write_all(request.as_bytes()).await.unwrap();
    let status = status_line(&mut socket).await;
    (socket, status)
}

async fn status_line(socket: &mut TcpStream) -> String {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    tokio::time::timeout(WAIT, async {
        while !line.ends_with(b"\r\n") {
            if socket.read(&mut byte).await.unwrap() == 0 {
                break;
            }
            line.push(byte[0]);
        }
    })
    .await
    .expect("an answer");
    String::from_utf8(line).unwrap().trim().to_owned()
}

fn capped(max_connections: Option<usize>, max_streams: usize, per_address: usize) -> Options {
    Options {
        admission: Some(Limits {
            max_connections,
            max_streams: Some(max_streams),
            max_streams_per_address: per_address,
        }),
        // Closed viewers are noticed at the next keep-alive.
        keepalive: Some(Duration::from_millis(100)),
        ..Options::default()
    }
}
#[tokio::test]
async fn live_streams_over_their_caps_get_503_while_pages_health_checks_and_pledges_go_on() {
    let app = spawn_app_with(capped(None, 10, 4)).await;
    let mut held = Vec::new();
    for _ in 0..4 {
        let (socket, status) = stream(&app, "127.0.0.1", "").await;
        assert_eq!(status, "HTTP/1.1 200 OK");
        held.push(socket);
    }
    let (_, refused) = stream(&app, "127.0.0.1", "").await;
    assert_eq!(refused, "HTTP/1.1 503 Service Unavailable", "four per address");
    for from in ["127.0.0.2", "127.0.0.2", "127.0.0.2", "127.0.0.2", "127.0.0.3", "127.0.0.3"] {
        let (socket, status) = stream(&app, from, "").await;
        assert_eq!(status, "HTTP/1.1 200 OK", "{from}");
        held.push(socket);
    }
    let (_, refused) = stream(&app, "127.0.0.4", "").await;
    assert_eq!(refused, "HTTP/1.1 503 Service Unavailable", "ten in all");
    // A stream request the fast path leaves to the router is capped the same way.
    let (mut routed, status) = stream(&app, "127.0.0.5", "Content-Length: 0\r\nConnection: close\r\n").await;
    assert_eq!(status, "HTTP/1.1 503 Service Unavailable");
    let mut rest = String::new();
    let _ = tokio::time::timeout(WAIT, routed.read_to_string(&mut rest)).await;
    assert!(
        rest.to_ascii_lowercase().contains("retry-after: 10") && rest.contains("/problems/busy"),
        "{rest}"
    );

    // Everything else still works at the cap.
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
    assert_eq!(app.client.get(app.url("/embed/demo")).send().await.unwrap().status(), 200);
    assert_eq!(app.post_pledge("demo", crate::support::lamp_pledge().to_string()).await.status(), 201);

    // Viewers who leave make room.
    held.truncate(6);
    let (_fresh, status) = eventually(WAIT, "a freed stream", || async {
        Some(stream(&app, "127.0.0.6", "").await).filter(|(_, status)| status.ends_with("200 OK"))
    })
    .await;
    assert_eq!(status, "HTTP/1.1 200 OK");
}

#[tokio::test]
async fn a_viewer_whose_socket_does_not_drain_is_dropped_and_its_place_given_to_the_next() {
    let options = Options { request_timeout: Some(Duration::from_secs(1)), ..capped(None, 1, 1) };
    let app = spawn_app_with(options).await;
    // A viewer that reads nothing after the status line, with the smallest receive buffer.
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(1024).unwrap();
    let mut stalled = socket.connect(server(&app)).await.unwrap();
    stalled.write_all(b"GET /api/v1/campaigns/demo/events HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    assert_eq!(status_line(&mut stalled).await, "HTTP/1.1 200 OK");
    let (_, refused) = stream(&app, "127.0.0.2", "").await;
    assert_eq!(refused, "HTTP/1.1 503 Service Unavailable", "the one place is taken");

    // Pledges move the campaign: events the stalled viewer never reads fill its socket,
    // until a write waits longer than the timeout and the viewer is let go.
    let started = std::time::Instant::now();
    let pledges = std::sync::atomic::AtomicUsize::new(0);
    let (_fresh, _) = eventually(Duration::from_secs(120), "the stalled viewer's place", || async {
        let sent = crate::api::futures_join(20, || {
            app.post_pledge("demo", crate::support::lamp_pledge().to_string())
        })
        .await;
        assert!(sent.iter().all(|r| r.status() == 201));
        pledges.fetch_add(sent.len(), std::sync::atomic::Ordering::Relaxed);
        Some(stream(&app, "127.0.0.2", "").await).filter(|(_, status)| status.ends_with("200 OK"))
    })
    .await;
    println!(
        "a viewer that stopped reading was dropped after {} pledges' events, {:.1?} after the first",
        pledges.into_inner(),
        started.elapsed()
    );
}

#[tokio::test]
async fn connections_over_the_cap_are_answered_503_at_once_and_freed_when_they_close() {
    let app = spawn_app_with(capped(Some(8), 4, 4)).await;
    // Idle connections that never send a byte hold their place until they time out.
    let mut idle = Vec::new();
    for _ in 0..8 {
        idle.push(connect(&app, "127.0.0.1").await);
    }
    let mut over = connect(&app, "127.0.0.2").await;
    assert_eq!(status_line(&mut over).await, "HTTP/1.1 503 Service Unavailable", "answered without asking");
    drop(idle);
    eventually(WAIT, "room again", || async {
        app.client.get(app.url("/healthz")).send().await.ok().filter(|r| r.status() == 200)
    })
    .await;
}

#[tokio::test]
async fn under_ulimit_1024_the_server_raises_its_limit_and_holds_thousands_of_streams() {
    // This process opens as many sockets as the server holds.
    let open_files = rlimit::increase_nofile_limit(u64::MAX).unwrap();
    let (_, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE).unwrap();
    let wanted = 3_000.min(open_files.saturating_sub(500) as usize);
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}/t.db", dir.path().display());
    let server = tests::Process::start(&db_url, &["--max-streams-per-address", "100000"], Some(1024)).await;
    let app_address: SocketAddr = server.address.trim_start_matches("http://").parse().unwrap();

    let mut held = Vec::with_capacity(wanted);
    while held.len() < wanted {
        let batch = (0..200.min(wanted - held.len())).map(|_| async move {
            let mut socket = TcpStream::connect(app_address).await.unwrap();
            socket.write_all(b"GET /api/v1/campaigns/demo/events HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
            let status = status_line(&mut socket).await;
            (socket, status)
        });
        for (socket, status) in futures::future::join_all(batch).await {
            assert_eq!(status, "HTTP/1.1 200 OK", "stream {} of {wanted}", held.len() + 1);
            held.push(socket);
        }
    }
    let client = reqwest::Client::new();
    let health = client.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200, "health checks answer beside {wanted} streams");
    let pledge = client
        .post(server.url("/api/v1/campaigns/demo/pledges"))
        .header("content-type", "application/json")
        .body(crate::support::lamp_pledge().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(pledge.status(), 201, "and so do pledges");
    println!("held {wanted} live streams on a server started under ulimit -n 1024 (hard limit {hard})");
    drop(held);
    server.kill().await;
}

#[tokio::test]
async fn streams_the_router_serves_end_promptly_when_the_server_stops() {
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", dir.path().join("t.db").display());
    let app = tests::build(&db_url, Options::default()).await;
    let address = app.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    // `Content-Length` keeps the request off the fast path: the router serves this stream.
    let mut socket = TcpStream::connect(address).await.unwrap();
    let request = "GET /api/v1/campaigns/demo/events HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
    socket.write_all(request.as_bytes()).await.unwrap();
    assert_eq!(status_line(&mut socket).await, "HTTP/1.1 200 OK");
    stop.send(()).unwrap();
    // Without its own end, the stream would hold the shutdown for the whole drain (10 s).
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), socket.read_to_end(&mut rest))
        .await
        .expect("the stream ends when the server stops")
        .unwrap();
    assert!(String::from_utf8_lossy(&rest).ends_with("0\r\n\r\n"), "a clean end of the chunked body");
    tokio::time::timeout(Duration::from_secs(5), server).await.expect("the server stops").unwrap().unwrap();
}

#[tokio::test]
async fn a_body_sent_too_slowly_is_cut_off_and_an_oversized_head_refused() {
    let app =
        spawn_app_with(Options { request_timeout: Some(Duration::from_secs(1)), ..Options::default() }).await;
    let mut slow = connect(&app, "127.0.0.1").await;
    let head = "POST /api/v1/campaigns/demo/pledges HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                Content-Length: 300\r\n\r\n{\"tier\":";
    slow.write_all(head.as_bytes()).await.unwrap();
    // The rest never comes: the server answers and lets go instead of waiting.
    let status = status_line(&mut slow).await;
    assert!(status.starts_with("HTTP/1.1 4"), "{status}");
    assert_eq!(app.campaign("demo").await.backers, 0);

    let mut big = connect(&app, "127.0.0.1").await;
    let header = format!("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: {}\r\n\r\n", "a".repeat(32 * 1024));
    let _ = big.write_all(header.as_bytes()).await;
    assert_eq!(status_line(&mut big).await, "HTTP/1.1 431 Request Header Fields Too Large");
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn stream_requests_are_parsed_as_strictly_as_any_other_and_end_the_connection() {
    let app = spawn_app().await;
    // The fast path takes only clean heads; anything else is hyper's to judge (a bare LF,
    // which hyper tolerates, included), so both paths answer a head the same way.
    for bad in [
        "GET /api/v1/campaigns/demo/events HTTP/1.1\r\nHo st: x\r\n\r\n",
        "GET /api/v1/campaigns/demo/events HTTP/1.1\r\nX\x01: y\r\nHost: x\r\n\r\n",
    ] {
        let mut socket = connect(&app, "127.0.0.1").await;
        socket.write_all(bad.as_bytes()).await.unwrap();
        assert_eq!(status_line(&mut socket).await, "HTTP/1.1 400 Bad Request", "{bad:?}");
    }
    // A request pipelined behind a stream's head is never answered: the stream is the
    // connection's last answer.
    let mut socket = connect(&app, "127.0.0.1").await;
    let two = "GET /api/v1/campaigns/demo/events HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    socket.write_all(two.as_bytes()).await.unwrap();
    assert_eq!(status_line(&mut socket).await, "HTTP/1.1 200 OK");
    assert_eq!(app.post_pledge("demo", crate::support::lamp_pledge().to_string()).await.status(), 201);
    let mut seen = Vec::new();
    tokio::time::timeout(WAIT, async {
        while String::from_utf8_lossy(&seen).matches("event: progress").count() < 2 {
            let mut chunk = [0u8; 4096];
            let n = socket.read(&mut chunk).await.unwrap();
            assert!(n > 0, "the stream stays open");
            seen.extend_from_slice(&chunk[..n]);
        }
    })
    .await
    .expect("two progress frames");
    assert!(!String::from_utf8_lossy(&seen).contains("HTTP/1.1"), "no second answer on the stream");
}

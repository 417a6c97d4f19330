//! Cheap abuse against the real server: more live streams or connections than it should
//! hold. Over a cap the answer is a prompt 503; health checks, pages and pledges go on.
//! Forwarding headers (the client's address, HTTPS) are believed only from a configured
//! proxy.

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
async fn forwarded_addresses_are_believed_only_from_configured_proxies_and_read_from_the_right() {
    let app = spawn_app_with(Options {
        rate_limit: Some(api::ratelimit::RateLimit { burst: 1, per_minute: 1 }),
        trusted_proxies: vec![api::net::Cidr::parse("127.0.0.1").unwrap()],
        ..Options::default()
    })
    .await;
    let from = |address: &str| {
        reqwest::Client::builder()
            .local_address(address.parse::<std::net::IpAddr>().unwrap())
            .build()
            .unwrap()
    };
    let (proxy, direct) = (from("127.0.0.1"), from("127.0.0.2"));
    let pledge = |client: &reqwest::Client, forwarded: &str, n: u32| {
        client
            .post(app.url("/api/v1/campaigns/demo/pledges"))
            .header("content-type", "application/json")
            .header("idempotency-key", format!("forwarded-pledge-{n}"))
            .header("x-forwarded-for", forwarded)
            .body(crate::support::lamp_pledge().to_string())
            .send()
    };
    // Through the proxy, each client has its own budget: the rightmost untrusted hop.
    assert_eq!(pledge(&proxy, "203.0.113.1", 1).await.unwrap().status(), 201);
    assert_eq!(pledge(&proxy, "203.0.113.1", 2).await.unwrap().status(), 429);
    assert_eq!(pledge(&proxy, "6.6.6.6, 203.0.113.2", 3).await.unwrap().status(), 201, "another client");
    let spoofed = pledge(&proxy, "7.7.7.7, 203.0.113.2:5555", 4).await.unwrap();
    assert_eq!(
        spoofed.status(),
        429,
        "what the client wrote on the left changes nothing; ports are stripped"
    );
    // Not a proxy of ours: its header is ignored, its own address counts.
    assert_eq!(pledge(&direct, "198.51.100.1", 5).await.unwrap().status(), 201);
    assert_eq!(
        pledge(&direct, "198.51.100.2", 6).await.unwrap().status(),
        429,
        "a new header is not a new client"
    );
}

#[tokio::test]
async fn forwarded_proto_is_believed_only_from_a_configured_proxy_for_links_and_cookies() {
    // A proxy is configured, but the direct client (127.0.0.1) is not it.
    let app = spawn_app_with(Options {
        trusted_proxies: vec![
            api::net::Cidr::parse("10.0.0.0/8").unwrap(),
            api::net::Cidr::parse("127.0.0.2").unwrap(),
        ],
        ..Options::default()
    })
    .await;
    let from = |address: &str| {
        reqwest::Client::builder()
            .local_address(address.parse::<std::net::IpAddr>().unwrap())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    };
    let (direct, proxy) = (from("127.0.0.1"), from("127.0.0.2"));
    let links = async |client: &reqwest::Client, n: u32| {
        let created = client
            .post(app.url("/api/v1/campaigns/demo/pledges"))
            .header("content-type", "application/json")
            .header("idempotency-key", format!("forwarded-proto-{n}"))
            .header("x-forwarded-proto", "https")
            .body(crate::support::lamp_pledge().to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 201);
        let created: serde_json::Value = created.json().await.unwrap();
        [
            created["share_url"].as_str().unwrap().to_owned(),
            created["receipt_url"].as_str().unwrap().to_owned(),
        ]
    };
    let cookie = async |client: &reqwest::Client| {
        let link = api::sites::sign_in_link(&app.state.store, "demo", &app.address).await.unwrap();
        let token = link.split("token=").nth(1).unwrap().to_owned();
        let signed_in = client
            .post(app.url("/dashboard/sign-in/link"))
            .header("x-forwarded-proto", "https")
            .form(&[("token", token)])
            .send()
            .await
            .unwrap();
        assert_eq!(signed_in.status(), 303);
        signed_in.headers()[reqwest::header::SET_COOKIE].to_str().unwrap().to_owned()
    };
    for url in links(&direct, 1).await {
        assert!(url.starts_with(&format!("{}/", app.address)), "a direct client's header is ignored: {url}");
    }
    let set = cookie(&direct).await;
    assert!(!set.contains("Secure"), "a direct client does not choose Secure: {set}");
    // The proxy's header is believed.
    let https = app.address.replacen("http://", "https://", 1);
    for url in links(&proxy, 2).await {
        assert!(url.starts_with(&format!("{https}/")), "behind the proxy: {url}");
    }
    let set = cookie(&proxy).await;
    assert!(set.contains("; Secure"), "behind the proxy's HTTPS: {set}");
}

#[tokio::test]
async fn receipt_reads_and_cancellations_are_rate_limited_per_address_like_pledges() {
    let app = spawn_app_with(Options {
        rate_limit: Some(api::ratelimit::RateLimit { burst: 3, per_minute: 1 }),
        ..Options::default()
    })
    .await;
    let created = app.post_pledge("demo", crate::support::lamp_pledge().to_string()).await;
    assert_eq!(created.status(), 201);
    let receipt_url =
        created.json::<serde_json::Value>().await.unwrap()["receipt_url"].as_str().unwrap().to_owned();
    let token = receipt_url.rsplit('/').next().unwrap().to_owned();
    let api_path = format!("/api/v1/receipts/{token}");
    for _ in 0..3 {
        assert_eq!(app.client.get(app.url(&api_path)).send().await.unwrap().status(), 200);
    }
    let limited = app.client.get(app.url(&api_path)).send().await.unwrap();
    assert_eq!(limited.status(), 429, "a fourth read from the same address waits");
    assert!(limited.headers().contains_key("retry-after"));
    for path in [format!("/r/{token}"), format!("/api/v1/receipts/{}", "a".repeat(token.len()))] {
        assert_eq!(app.client.get(app.url(&path)).send().await.unwrap().status(), 429, "{path}");
    }
    assert_eq!(app.client.delete(app.url(&api_path)).send().await.unwrap().status(), 429);
    assert_eq!(app.post_form(&format!("/r/{token}/cancel"), &[("x", "y")]).await.status(), 429);
    // Another address has its own budget; the pledge was never cancelled.
    let elsewhere = reqwest::Client::builder()
        .local_address("127.0.0.2".parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap();
    let read = elsewhere.get(app.url(&api_path)).send().await.unwrap();
    assert_eq!(read.json::<serde_json::Value>().await.unwrap()["status"], "live");
}

tests::store_test!(idempotency_keys_answer_for_a_day_and_are_then_forgotten);
async fn idempotency_keys_answer_for_a_day_and_are_then_forgotten(app: TestApp) {
    let pledge = || {
        app.client
            .post(app.url("/api/v1/campaigns/demo/pledges"))
            .header("content-type", "application/json")
            .header("idempotency-key", "one-key-for-a-day")
            .body(crate::support::lamp_pledge().to_string())
            .send()
    };
    let id = |response: reqwest::Response| async move {
        response.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
    };
    let first = id(pledge().await.unwrap()).await;
    assert_eq!(id(pledge().await.unwrap()).await, first, "a retry gets the same pledge");
    let store = &app.state.store;
    let within = store.purge(api::now().plus_seconds(23 * 3600)).await.unwrap();
    assert_eq!(within.idempotency_keys, 0, "kept for at least 24 hours");
    assert_eq!(id(pledge().await.unwrap()).await, first);
    let after =
        store.purge(api::now().plus_seconds(api::store::retention::IDEMPOTENCY_RETENTION_SECS + 60)).await;
    assert_eq!(after.unwrap().idempotency_keys, 1);
    let again = id(pledge().await.unwrap()).await;
    assert_ne!(again, first, "a day later the same key is a new request");
    assert_eq!(app.campaign("demo").await.backers, 2);
    // Expired sessions and sign-in links go too.
    api::sites::sign_in_link(store, "demo", &app.address).await.unwrap();
    let purged = store.purge(api::now().plus_seconds(100 * 3600)).await.unwrap();
    assert!(purged.sign_in_links >= 1, "{purged:?}");
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

tests::store_test!(one_pledge_cannot_make_a_campaign_funded_whatever_door_it_comes_through);
async fn one_pledge_cannot_make_a_campaign_funded_whatever_door_it_comes_through(app: TestApp) {
    let goal = app.campaign("demo").await.goal;
    let tierless =
        |amount: i64| serde_json::json!({ "amount": amount, "name": "Troll", "contact": "t@example.com" });
    let refused = app.post_pledge("demo", tierless(goal + 1).to_string()).await;
    assert_eq!(refused.status(), 422);
    let problem = refused.json::<serde_json::Value>().await.unwrap();
    assert_eq!(problem["codes"]["amount"]["code"], "above_max_pledge", "{problem}");
    let form =
        [("tier", ""), ("amount", "50001"), ("name", "Troll"), ("contact", "t@example.com"), ("lang", "en")];
    assert_eq!(app.post_form("/embed/demo/pledge", &form).await.status(), 422, "the plain form too");
    assert_eq!(app.campaign("demo").await.raised, 0);

    // The creator may set a lower maximum, and take it back.
    let patch = |body: serde_json::Value| {
        app.creator(reqwest::Method::PATCH, "/api/v1/campaigns/demo", &app.demo_key).json(&body).send()
    };
    assert_eq!(patch(serde_json::json!({ "max_pledge": 100_000 })).await.unwrap().status(), 200);
    assert_eq!(app.campaign("demo").await.max_pledge, Some(100_000));
    assert_eq!(app.post_pledge("demo", tierless(100_001).to_string()).await.status(), 422);
    assert_eq!(app.post_pledge("demo", tierless(100_000).to_string()).await.status(), 201);
    assert_eq!(patch(serde_json::json!({ "max_pledge": null })).await.unwrap().status(), 200);
    assert_eq!(app.campaign("demo").await.max_pledge, None, "the goal again");
    assert_eq!(app.post_pledge("demo", tierless(200_000).to_string()).await.status(), 201);
    assert_eq!(patch(serde_json::json!({ "max_pledge": 0 })).await.unwrap().status(), 422);
}

#[tokio::test]
async fn the_plain_form_refuses_posts_from_other_sites_and_takes_its_own() {
    let app = spawn_app().await;
    let form = |key: &str| {
        vec![
            ("tier", "lamp".to_owned()),
            ("option.lamp.colour", "red".to_owned()),
            ("name", "Visitor".to_owned()),
            ("contact", "visitor@example.com".to_owned()),
            ("idempotency_key", format!("cross-site-{key}")),
            ("lang", "en".to_owned()),
        ]
    };
    let post = |fields: Vec<(&'static str, String)>, headers: Vec<(&'static str, &'static str)>| {
        let mut request = app.client.post(app.url("/embed/demo/pledge")).form(&fields);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        request.send()
    };
    let evil = vec![("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")];
    assert_eq!(post(form("1"), evil).await.unwrap().status(), 403, "another site's auto-submitting form");
    let origin_only = vec![("origin", "https://evil.example")];
    assert_eq!(post(form("2"), origin_only).await.unwrap().status(), 403);
    assert_eq!(post(form("3"), vec![]).await.unwrap().status(), 403, "saying nothing needs the signed token");
    assert_eq!(app.campaign("demo").await.backers, 0);

    // An old browser that says nothing posts the form the server rendered for it.
    let page = app.text("/embed/demo?lang=en").await;
    let token = crate::pages::input_value(&page, "form_token").to_owned();
    let mut signed = form("4");
    signed.push(("form_token", token.clone()));
    assert_eq!(post(signed, vec![]).await.unwrap().status(), 303);
    // A token fetched by another machine (the attacker's server) is not the visitor's.
    let elsewhere = reqwest::Client::builder()
        .local_address("127.0.0.2".parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap();
    let theirs = elsewhere.get(app.url("/embed/demo?lang=en")).send().await.unwrap().text().await.unwrap();
    let mut stolen = form("5");
    stolen.push(("form_token", crate::pages::input_value(&theirs, "form_token").to_owned()));
    assert_eq!(post(stolen, vec![]).await.unwrap().status(), 403);
    assert_eq!(app.campaign("demo").await.backers, 1);
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

#[tokio::test]
async fn on_postgresql_a_lock_someone_holds_costs_a_pledge_a_prompt_503_not_a_hang() {
    use sqlx::Connection;
    let Some(app) = tests::spawn_app_on(tests::Engine::Postgres).await else { return };
    // An operator's transaction left open on the campaign's row.
    let mut holder = sqlx::PgConnection::connect(&app.db_url).await.unwrap();
    sqlx::query("BEGIN").execute(&mut holder).await.unwrap();
    sqlx::query("SELECT id FROM campaigns WHERE id = 'demo' FOR UPDATE").execute(&mut holder).await.unwrap();
    let started = std::time::Instant::now();
    let refused =
        tokio::time::timeout(WAIT, app.post_pledge("demo", crate::support::lamp_pledge().to_string()))
            .await
            .expect("an answer, not a hang");
    assert_eq!(refused.status(), 503);
    println!("a pledge behind a held lock was answered 503 in {:?}", started.elapsed());
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
    // The writer's batch failed, but its connection answers: still ready for pledges.
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let ready: serde_json::Value = ready.json().await.unwrap();
    assert_eq!((ready["writer"].as_bool(), ready["writer_restarts"].as_u64()), (Some(true), Some(0)));
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
    assert_eq!(app.post_pledge("demo", crate::support::lamp_pledge().to_string()).await.status(), 201);
    assert_eq!(app.campaign("demo").await.backers, 1, "the refused pledge was not half-stored");
}

tests::store_test!(a_limited_tier_cannot_be_hoarded_from_one_address_even_all_at_once);
async fn a_limited_tier_cannot_be_hoarded_from_one_address_even_all_at_once(app: TestApp) {
    // The store test's server has no cap; this one shares its database and has the default.
    let capped =
        tests::build(&app.db_url, Options { tier_cap_per_address: Some(10), ..Options::default() }).await;
    let address = format!("http://{}", capped.local_addr());
    tokio::spawn(capped.run_until(std::future::pending()));
    let early = |n: usize| {
        serde_json::json!({ "tier": "early-bird", "amount": 19_900, "name": format!("Hoarder {n}"),
                            "contact": format!("h{n}@example.com") })
    };
    let from = |ip: &str| {
        reqwest::Client::builder().local_address(ip.parse::<std::net::IpAddr>().unwrap()).build().unwrap()
    };
    let hoarder = from("127.0.0.1");
    let pledge = |client: &reqwest::Client, n: usize| {
        client
            .post(format!("{address}/api/v1/campaigns/demo/pledges"))
            .header("content-type", "application/json")
            .body(early(n).to_string())
            .send()
    };
    let all_at_once = futures::future::join_all((0..25).map(|n| pledge(&hoarder, n))).await;
    let statuses: Vec<u16> = all_at_once.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 10, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 201 || *s == 409), "{statuses:?}");
    let refused = pledge(&hoarder, 99).await.unwrap();
    let problem: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(problem["type"], "/problems/per-address-limit");
    // The plain form says so in the reader's words, on the form, not as JSON.
    let form = [("tier", "early-bird"), ("name", "Hoarder"), ("contact", "h@example.com"), ("lang", "en")];
    let page = hoarder
        .post(format!("{address}/embed/demo/pledge"))
        .header("origin", &address)
        .header("sec-fetch-site", "same-origin")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 409);
    assert!(page.text().await.unwrap().contains("as many of this reward as one person may"));
    // Someone else, and unlimited tiers, are not held back.
    assert_eq!(pledge(&from("127.0.0.2"), 100).await.unwrap().status(), 201);
    let lamp = crate::support::lamp_pledge().to_string();
    let unlimited = hoarder
        .post(format!("{address}/api/v1/campaigns/demo/pledges"))
        .header("content-type", "application/json")
        .body(lamp)
        .send()
        .await
        .unwrap();
    assert_eq!(unlimited.status(), 201);
    let view: domain::wire::CampaignView =
        hoarder.get(format!("{address}/api/v1/campaigns/demo")).send().await.unwrap().json().await.unwrap();
    assert_eq!(view.tier("early-bird").unwrap().claimed, 11);
}

#[tokio::test]
async fn sqlites_log_gives_its_space_back_once_pledges_stop() {
    let app = spawn_app().await;
    for _ in 0..50 {
        assert_eq!(app.post_pledge("demo", crate::support::lamp_pledge().to_string()).await.status(), 201);
    }
    let log = format!("{}-wal", app.db_url.trim_start_matches("sqlite://"));
    eventually(WAIT, "the log truncated while idle", || async {
        std::fs::metadata(&log).ok().filter(|m| m.len() == 0).map(|_| ())
    })
    .await;
    assert_eq!(app.campaign("demo").await.backers, 50, "nothing lost with it");
    assert_eq!(app.post_pledge("demo", crate::support::lamp_pledge().to_string()).await.status(), 201);
}

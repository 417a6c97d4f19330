//! Cheap ways to cheat the real server: forged forwarding headers (believed only from a
//! configured proxy), receipt guessing and replayed keys (rate limited, forgotten after a
//! day), one pledge posing as a funded campaign, cross-site form posts, hoarding a limited
//! tier from one address, and a lock someone else holds on PostgreSQL.

use std::time::Duration;
use tests::{Options, TestApp, eventually, spawn_app, spawn_app_with};

const WAIT: Duration = Duration::from_secs(20);

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

//! What the real binary keeps and what it never gives away: an acknowledged pledge
//! survives SIGKILL in the middle of a stream of pledges, round after round, with totals
//! equal to the sum of the pledges stored; and no secret reaches its logs.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tests::Process;
use tokio::sync::Mutex;

/// Receipt links and amounts of the pledges the server answered 201.
type Acknowledged = Arc<Mutex<Vec<(String, i64)>>>;

/// Sixteen clients pledging as fast as they can until `stop`.
fn pledge_load(
    address: String,
    round: u32,
    acknowledged: Acknowledged,
    stop: Arc<AtomicBool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..16)
        .map(|client| {
            let (address, acknowledged, stop) = (address.clone(), acknowledged.clone(), stop.clone());
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                for n in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let amount = 100 + i64::from(client) + n;
                    let body =
                        serde_json::json!({ "amount": amount, "name": "Fan", "contact": "fan@example.com" });
                    let sent = http
                        .post(format!("{address}/api/v1/campaigns/demo/pledges"))
                        .header("content-type", "application/json")
                        .header("idempotency-key", format!("kill-{round}-{client}-{n}"))
                        .body(body.to_string())
                        .send()
                        .await;
                    // The server is gone: this client's part of the round is over.
                    let Ok(response) = sent else { return };
                    if response.status() != 201 {
                        continue;
                    }
                    let Ok(created) = response.json::<serde_json::Value>().await else { return };
                    let receipt = created["receipt_url"].as_str().unwrap_or_default().to_owned();
                    acknowledged.lock().await.push((receipt, amount));
                }
            })
        })
        .collect()
}

/// Every stored pledge's amount, through the creator API's pages.
async fn stored_amounts(server: &Process, key: &str) -> Vec<i64> {
    let http = reqwest::Client::new();
    let (mut amounts, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let mut url = server.url("/api/v1/campaigns/demo/pledges?limit=200");
        if let Some(cursor) = &cursor {
            url.push_str(&format!("&cursor={cursor}"));
        }
        let page: serde_json::Value =
            http.get(url).bearer_auth(key).send().await.unwrap().json().await.unwrap();
        amounts.extend(page["pledges"].as_array().unwrap().iter().map(|p| p["amount"].as_i64().unwrap()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return amounts,
        }
    }
}

#[tokio::test]
async fn every_acknowledged_pledge_survives_sigkill_under_load_round_after_round() {
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}/t.db", dir.path().display());
    let acknowledged: Acknowledged = Arc::default();
    let mut key = None;
    let rounds = 3;
    for round in 0..rounds {
        let server = Process::start(&db_url, &[], None).await;
        key = key.or(server.demo_key.clone());
        let stop = Arc::new(AtomicBool::new(false));
        let before = acknowledged.lock().await.len();
        let clients = pledge_load(server.address.clone(), round, acknowledged.clone(), stop.clone());
        // Killed mid-stream, once a few hundred pledges went through in this round.
        tests::eventually(std::time::Duration::from_secs(60), "a few hundred pledges", || async {
            (acknowledged.lock().await.len() >= before + 300).then_some(())
        })
        .await;
        server.kill().await;
        stop.store(true, Ordering::Relaxed);
        for client in clients {
            client.await.unwrap();
        }
    }
    let server = Process::start(&db_url, &[], None).await;
    let key = key.expect("the first start seeded the demo site and printed its key");
    let acknowledged = acknowledged.lock().await.clone();
    let http = reqwest::Client::new();
    for (receipt, amount) in &acknowledged {
        let path = receipt.find("/r/").map(|at| &receipt[at + 3..]).expect("a receipt link");
        let found = http.get(server.url(&format!("/api/v1/receipts/{path}"))).send().await.unwrap();
        assert_eq!(found.status(), 200, "an acknowledged pledge of {amount} is gone");
        assert_eq!(found.json::<serde_json::Value>().await.unwrap()["amount"], *amount);
    }
    let stored = stored_amounts(&server, &key).await;
    let view: serde_json::Value =
        http.get(server.url("/api/v1/campaigns/demo")).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        view["raised"].as_i64().unwrap(),
        stored.iter().sum::<i64>(),
        "the total is the sum of the pledges"
    );
    assert_eq!(view["backers"].as_u64().unwrap(), stored.len() as u64);
    assert!(stored.len() >= acknowledged.len());
    println!(
        "{rounds} SIGKILLs under load: {} pledges acknowledged, all found; {} stored (the rest were committed as the process died)",
        acknowledged.len(),
        stored.len()
    );
    server.kill().await;
}

#[tokio::test]
async fn secrets_never_reach_the_logs_even_at_debug_level() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let db_url = format!("sqlite://{}/t.db", dir.path().display());
    let server = Process::start_logging(&db_url, &log).await;
    let key = server.demo_key.clone().expect("the demo site's key");
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let created: serde_json::Value = http
        .post(server.url("/api/v1/campaigns/demo/pledges"))
        .header("content-type", "application/json")
        .body(crate::support::lamp_pledge().to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let receipt = created["receipt_url"].as_str().unwrap().to_owned();
    let token = receipt.rsplit('/').next().unwrap().to_owned();
    assert_eq!(http.get(&receipt).send().await.unwrap().status(), 200);
    assert_eq!(
        http.get(server.url(&format!("/api/v1/receipts/{token}"))).send().await.unwrap().status(),
        200
    );
    let listed = http.get(server.url("/api/v1/campaigns")).bearer_auth(&key).send().await.unwrap();
    assert_eq!(listed.status(), 200);
    let wrong =
        http.get(server.url("/api/v1/campaigns")).bearer_auth(format!("{key}x")).send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let link = api::sites::sign_in_link(
        &api::store::Store::open_admin(&db_url).await.unwrap(),
        "demo",
        &server.address,
    )
    .await
    .unwrap();
    let sign_in_token = link.split("token=").nth(1).unwrap().to_owned();
    assert_eq!(http.get(&link).send().await.unwrap().status(), 200, "the link's page, with its button");
    let pressed = http
        .post(server.url("/dashboard/sign-in/link"))
        .header("origin", &server.address)
        .header("sec-fetch-site", "same-origin")
        .form(&[("token", sign_in_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(pressed.status(), 303);
    server.kill().await;

    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains(r#"route="/r/{token}""#), "requests are logged, by route");
    let secret_of_key = key.rsplit('_').next().unwrap();
    for (what, secret) in [
        ("receipt token", token.as_str()),
        ("site key", secret_of_key),
        ("sign-in token", sign_in_token.as_str()),
    ] {
        assert!(!logged.contains(secret), "the {what} reached the log");
    }
}

#[tokio::test]
async fn a_full_database_refuses_pledges_loses_nothing_and_recovers_when_given_room() {
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}/t.db", dir.path().display());
    let server = Process::start(&db_url, &["--sqlite-max-mb", "1"], None).await;
    let http = reqwest::Client::new();
    let pledge = |server: &Process, n: u32| {
        let body = serde_json::json!({ "amount": 100 + i64::from(n), "name": "Fan", "contact": "fan@example.com",
                                       "message": "x".repeat(200) });
        http.post(server.url("/api/v1/campaigns/demo/pledges"))
            .header("content-type", "application/json")
            .header("idempotency-key", format!("full-{n}"))
            .body(body.to_string())
            .send()
    };
    let (mut taken, mut refused) = (0u32, None);
    for n in 0..50_000 {
        let status = pledge(&server, n).await.unwrap().status();
        if status == 201 {
            taken += 1;
        } else {
            refused = Some((n, status));
            break;
        }
    }
    let (full_at, status) = refused.expect("the database fills up");
    assert_eq!(status, 503, "a full database refuses, it does not fail");
    assert_eq!(pledge(&server, full_at + 1).await.unwrap().status(), 503, "and keeps refusing while full");
    let view: serde_json::Value =
        http.get(server.url("/api/v1/campaigns/demo")).send().await.unwrap().json().await.unwrap();
    assert_eq!(view["backers"].as_u64(), Some(u64::from(taken)), "progress still reads, from memory");
    server.kill().await;

    // Given room, it takes pledges again with everything it acknowledged.
    let server = Process::start(&db_url, &["--sqlite-max-mb", "64"], None).await;
    let view: serde_json::Value =
        http.get(server.url("/api/v1/campaigns/demo")).send().await.unwrap().json().await.unwrap();
    assert_eq!(view["backers"].as_u64(), Some(u64::from(taken)));
    let sum: i64 = (0..taken).map(|n| 100 + i64::from(n)).sum();
    assert_eq!(view["raised"].as_i64(), Some(sum), "totals are the sum of the pledges taken");
    assert_eq!(pledge(&server, full_at).await.unwrap().status(), 201, "the refused pledge goes through now");
    println!("a 1 MB database took {taken} pledges, refused the next with 503, and lost none");
    server.kill().await;
}

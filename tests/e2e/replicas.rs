//! Several replicas on one PostgreSQL: live progress crosses them, limits hold across them,
//! and a replica that loses its database degrades and recovers by itself.

use crate::api::futures_join;
use crate::support::{lamp_pledge, limited_campaign, limited_pledge};
use std::time::Duration;
use tests::{EventReader, TestApp, eventually, spawn_replicas};

const WAIT: Duration = Duration::from_secs(15);

/// Waits until `app` serves campaign `id` with at least `seq`.
async fn sees(app: &TestApp, id: &str, seq: u64) {
    eventually(WAIT, "the other replica to catch up", || async {
        let response = app.client.get(app.url(&format!("/api/v1/campaigns/{id}"))).send().await.ok()?;
        let campaign: domain::wire::CampaignView = response.json().await.ok()?;
        (campaign.seq >= seq).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_pledge_on_one_replica_reaches_the_viewers_of_another() {
    let Some((a, b)) = spawn_replicas().await else { return };
    let mut viewer =
        EventReader::new(b.client.get(b.url("/api/v1/campaigns/demo/events")).send().await.unwrap());
    let (_, first) = viewer.next_progress(WAIT).await.expect("the current snapshot");
    assert_eq!(first.backers, 0);
    assert_eq!(a.post_pledge("demo", lamp_pledge().to_string()).await.status(), 201);
    let (id, next) = viewer.next_progress(WAIT).await.expect("the pledge made on the other replica");
    assert_eq!((id.as_str(), next.backers, next.raised), ("1", 1, 29_900));
    assert_eq!(b.campaign("demo").await.seq, 1, "reads on the other replica are current too");
}

#[tokio::test]
async fn a_campaign_created_on_one_replica_is_served_by_another() {
    let Some((a, b)) = spawn_replicas().await else { return };
    a.create_campaign(limited_campaign("fresh", 5)).await;
    sees(&b, "fresh", 0).await;
    assert_eq!(b.post_pledge("fresh", limited_pledge(1).to_string()).await.status(), 201);
    sees(&a, "fresh", 1).await;
}

#[tokio::test]
async fn replicas_pledging_together_never_oversell_a_limited_tier() {
    let Some((a, b)) = spawn_replicas().await else { return };
    a.create_campaign(limited_campaign("print", 10)).await;
    sees(&b, "print", 0).await;
    let mut n = 0;
    let responses = futures_join(200, || {
        n += 1;
        let replica = if n % 2 == 0 { &a } else { &b };
        replica.post_pledge("print", limited_pledge(n).to_string())
    })
    .await;
    let created = responses.iter().filter(|r| r.status() == 201).count();
    let sold_out = responses.iter().filter(|r| r.status() == 409).count();
    assert_eq!((created, sold_out), (10, 190));
    for replica in [&a, &b] {
        eventually(WAIT, "both replicas to show the sell-out", || async {
            let campaign = replica.campaign("print").await;
            (campaign.tiers[0].claimed == 10 && campaign.backers == 10).then_some(())
        })
        .await;
    }
    assert_eq!(a.state.store.recount("print").await.unwrap(), (10_000, 10));
}

#[tokio::test]
async fn a_replica_that_loses_its_database_serves_reads_refuses_pledges_and_recovers() {
    let Some((a, b)) = spawn_replicas().await else { return };
    assert_eq!(a.post_pledge("demo", lamp_pledge().to_string()).await.status(), 201);
    sees(&b, "demo", 1).await;
    let database = a.db_url.rsplit('/').next().unwrap().to_owned();
    let admin = tests::postgres_admin_url();
    let set_connections = |allow: bool| {
        let (admin, database) = (admin.clone(), database.clone());
        async move {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
            sqlx::query(&format!("ALTER DATABASE {database} WITH ALLOW_CONNECTIONS {allow}"))
                .execute(&mut conn)
                .await
                .unwrap();
            if !allow {
                sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()")
                    .bind(&database)
                    .execute(&mut conn)
                    .await
                    .unwrap();
            }
        }
    };

    set_connections(false).await;
    let campaign = b.campaign("demo").await;
    assert_eq!((campaign.backers, campaign.raised), (1, 29_900), "reads come from the snapshot");
    let embed = b.client.get(b.url("/embed/demo")).send().await.unwrap();
    assert_eq!(embed.status(), 200, "pages still render");
    let refused = b.post_pledge("demo", lamp_pledge().to_string()).await;
    assert_eq!(refused.status(), 503);
    let problem: domain::wire::Problem = refused.json().await.unwrap();
    assert_eq!(problem.kind, "/problems/unavailable");
    assert_eq!(b.client.get(b.url("/readyz")).send().await.unwrap().status(), 503);

    set_connections(true).await;
    let accepted = eventually(WAIT, "pledges to be taken again", || async {
        let response = b.post_pledge("demo", lamp_pledge().to_string()).await;
        (response.status() == 201).then_some(())
    })
    .await;
    assert_eq!(accepted, ());
    sees(&a, "demo", 2).await;
    assert_eq!(b.campaign("demo").await.backers, 2, "the refused pledge was not stored");
    assert_eq!(a.state.store.recount("demo").await.unwrap(), (2 * 29_900, 2));
}

#[tokio::test]
async fn one_campaign_created_on_two_replicas_at_once_exists_once() {
    let Some((a, b)) = spawn_replicas().await else { return };
    let (on_a, on_b) = tokio::join!(
        api::campaigning::create(
            &a.state.store,
            &a.state.hub,
            api::demo::SITE,
            limited_campaign("twin", 5),
            false
        ),
        api::campaigning::create(
            &b.state.store,
            &b.state.hub,
            api::demo::SITE,
            limited_campaign("twin", 5),
            false
        ),
    );
    let refused = match (on_a, on_b) {
        (Ok(_), Err(e)) | (Err(e), Ok(_)) => e,
        (a, b) => panic!("exactly one replica creates it: {:?} {:?}", a.err(), b.err()),
    };
    let problem = refused.problem();
    assert_eq!((problem.status, problem.errors.get("id").map(String::as_str)), (422, Some("is used twice")));
    sees(&a, "twin", 0).await;
    sees(&b, "twin", 0).await;
}

/// The listener's reconnects and reloads, as the replica's metrics count them.
async fn counters(replica: &TestApp) -> (f64, f64) {
    let text = crate::operations::metrics(replica).await;
    let reconnects = crate::operations::sample(&text, "tribefund_listener_reconnects_total").unwrap();
    (reconnects, crate::operations::sample(&text, "tribefund_reloads_total").unwrap())
}

#[tokio::test]
async fn a_replica_whose_listener_was_cut_off_catches_up_by_resyncing() {
    use sqlx::Connection;
    let Some((a, b)) = spawn_replicas().await else { return };
    let before = [counters(&a).await, counters(&b).await];
    assert!(before.iter().all(|(reconnects, _)| *reconnects == 0.0), "{before:?}");
    let database = a.db_url.rsplit('/').next().unwrap().to_owned();
    let mut admin = sqlx::PgConnection::connect(&tests::postgres_admin_url()).await.unwrap();
    // Cut every listening connection, then pledge at once: the notification can be lost.
    let cut = sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query ILIKE 'LISTEN%'",
    )
    .bind(&database)
    .execute(&mut admin)
    .await
    .unwrap();
    assert!(cut.rows_affected() >= 1, "the replicas' listeners were found");
    assert_eq!(a.post_pledge("demo", lamp_pledge().to_string()).await.status(), 201);
    sees(&b, "demo", 1).await;
    // The metrics tell the operator what happened: each listener came back, and reloaded
    // every campaign (anything may have changed while it was deaf).
    for (replica, (_, reloads_before)) in [&a, &b].into_iter().zip(before) {
        eventually(WAIT, "the reconnect and the reload counted", || async {
            let (reconnects, reloads) = counters(replica).await;
            (reconnects >= 1.0 && reloads > reloads_before).then_some(())
        })
        .await;
    }
}

#[tokio::test]
async fn a_campaign_created_edited_and_cancelled_through_the_api_on_one_replica_reaches_the_other_live() {
    let Some((a, b)) = spawn_replicas().await else { return };
    let created = a
        .creator(reqwest::Method::POST, "/api/v1/campaigns", &a.demo_key)
        .json(&limited_campaign("shared", 5))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    sees(&b, "shared", 0).await;
    let mut viewer =
        EventReader::new(b.client.get(b.url("/api/v1/campaigns/shared/events")).send().await.unwrap());
    viewer.next_progress(WAIT).await.expect("the snapshot on the other replica");

    let edit = serde_json::json!({ "title": "Shared, renamed" });
    let edited = a
        .creator(reqwest::Method::PATCH, "/api/v1/campaigns/shared", &a.demo_key)
        .json(&edit)
        .send()
        .await
        .unwrap();
    assert_eq!(edited.status(), 200);
    let (_, view) = viewer.next_progress(WAIT).await.expect("the edit, live on the other replica");
    assert_eq!(view.title, "Shared, renamed");

    let update = serde_json::json!({ "title": "Shipping in May", "body": "Details soon." });
    let posted = a
        .creator(reqwest::Method::POST, "/api/v1/campaigns/shared/updates", &a.demo_key)
        .json(&update)
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 201);
    let (_, view) = viewer.next_progress(WAIT).await.expect("the update, live on the other replica");
    assert_eq!(view.latest_update.map(|u| u.title).as_deref(), Some("Shipping in May"));

    let cancelled = a
        .creator(reqwest::Method::POST, "/api/v1/campaigns/shared/cancel", &a.demo_key)
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), 200);
    // The other replica refuses at once, whether or not its viewers have heard yet: the
    // writer checks the campaign in the pledge's own transaction.
    assert_eq!(b.post_pledge("shared", limited_pledge(1).to_string()).await.status(), 409);
    let (_, view) = viewer.next_progress(WAIT).await.expect("the cancellation, live on the other replica");
    assert_eq!(view.status, domain::Status::Cancelled);
}

#[tokio::test]
async fn one_idempotency_key_on_two_replicas_at_once_is_one_pledge_and_fails_no_other() {
    let Some((a, b)) = spawn_replicas().await else { return };
    let send = |app: &TestApp, key: String, name: &str| {
        let body = serde_json::json!({ "tier": "lamp", "amount": 29_900, "options": { "colour": "red" },
                                       "name": name, "contact": "fan@example.com" });
        app.client
            .post(app.url("/api/v1/campaigns/demo/pledges"))
            .header("content-type", "application/json")
            .header("idempotency-key", key)
            .body(body.to_string())
            .send()
    };
    for round in 0..5 {
        // The same retried request reaches both replicas, each amid other pledges. (Each
        // batch locks its campaigns before it looks keys up, so the second replica sees the
        // first one's key once it commits, and replays its pledge.)
        let shared = format!("shared-{round}");
        let mut requests = Vec::new();
        for n in 0..8 {
            requests.push(send(&a, format!("a-{round}-{n}"), "Other"));
            requests.push(send(&b, format!("b-{round}-{n}"), "Other"));
        }
        requests.push(send(&a, shared.clone(), "Retried"));
        requests.push(send(&b, shared, "Retried"));
        let answers = futures::future::join_all(requests).await;
        let mut ids = Vec::new();
        for answer in answers {
            let answer = answer.unwrap();
            assert!(answer.status().is_success(), "round {round}: {}", answer.status());
            let body: serde_json::Value = answer.json().await.unwrap();
            ids.push(body["id"].as_str().unwrap().to_owned());
        }
        // The last two are the retried request's.
        let ids = ids.split_off(16);
        assert_eq!(ids.len(), 2);
        assert_eq!(ids[0], ids[1], "round {round}: both replicas answer with the one pledge");
    }
    let (raised, backers) = a.state.store.recount("demo").await.unwrap();
    assert_eq!((raised, backers), (5 * 17 * 29_900, 5 * 17), "16 others and one retried pledge per round");
}

//! Faults only PostgreSQL has: a replica cut off from its database by the network, and a
//! deadlock with a transaction of someone else's.

use crate::support::lamp_pledge;
use domain::wire::{PledgeCreated, Problem};
use sqlx::Connection;
use std::time::{Duration, Instant};
use tests::{Engine, Link, TestApp, eventually, spawn_app_on, spawn_app_through};

const WAIT: Duration = Duration::from_secs(30);

async fn keyed_pledge(app: &TestApp, key: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/campaigns/demo/pledges"))
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(lamp_pledge().to_string())
        .send()
        .await
        .unwrap()
}

async fn kind(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let problem: Problem = response.json().await.unwrap();
    (status, problem.kind)
}

#[tokio::test]
async fn a_replica_cut_off_from_its_database_answers_in_seconds_and_takes_the_retry_once_healed() {
    let link = Link::to_postgres().await;
    let Some(app) = spawn_app_through(&link).await else { return };
    assert_eq!(app.post_pledge("demo", lamp_pledge().to_string()).await.status(), 201);

    // The link is cut as the writer sends the batch with this pledge's key (kept as its
    // hash): what it sends is held, neither delivered nor refused, and no answer comes.
    // The writer cannot tell whether its batch will commit.
    let key_hash: String = {
        use sha2::Digest;
        sha2::Sha256::digest(b"across-the-cut").iter().map(|b| format!("{b:02x}")).collect()
    };
    link.cut_when_sent(key_hash.as_bytes());
    let started = Instant::now();
    let unknown = kind(keyed_pledge(&app, "across-the-cut").await).await;
    let first = started.elapsed();
    assert_eq!(unknown, (503, "/problems/outcome-unknown".to_owned()), "whether it was stored is unknown");
    // The next one needs a new connection, which cannot be made: certainly not stored.
    let started = Instant::now();
    let refused = kind(app.post_pledge("demo", lamp_pledge().to_string()).await).await;
    let second = started.elapsed();
    assert_eq!(refused, (503, "/problems/unavailable".to_owned()));
    println!(
        "cut off from PostgreSQL: a commit in flight answered in {first:.1?}, the next pledge refused in {second:.1?}"
    );

    // Healed, the backer retries with the same key: one pledge, however the cut ended.
    link.heal();
    eventually(WAIT, "the retry to be taken", || async {
        (keyed_pledge(&app, "across-the-cut").await.status() == 201).then_some(())
    })
    .await;
    assert_eq!(keyed_pledge(&app, "across-the-cut").await.status(), 201, "replayed, not pledged again");
    assert_eq!(app.state.store.recount("demo").await.unwrap(), (2 * 29_900, 2));
    eventually(WAIT, "the totals to be the pledges'", || async {
        (app.campaign("demo").await.backers == 2).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_cancellation_chosen_as_a_deadlock_victim_runs_again_and_fails_nothing() {
    let Some(app) = spawn_app_on(Engine::Postgres).await else { return };
    let created: PledgeCreated =
        app.post_pledge("demo", lamp_pledge().to_string()).await.json().await.unwrap();
    let token = created.receipt_url.rsplit('/').next().unwrap().to_owned();

    // Someone else's transaction (an operator's, say) holds the pledge's row...
    let mut other = sqlx::PgConnection::connect(&app.db_url).await.unwrap();
    // Only the writer looks for the cycle, so it is the one PostgreSQL ends.
    sqlx::query("SET deadlock_timeout = '60s'").execute(&mut other).await.unwrap();
    sqlx::query("BEGIN").execute(&mut other).await.unwrap();
    sqlx::query("UPDATE pledges SET name = name WHERE id = $1")
        .bind(&created.id)
        .execute(&mut other)
        .await
        .unwrap();

    // ...the cancellation locks the campaign and waits for the pledge...
    let cancel = {
        let (client, url) = (app.client.clone(), app.url(&format!("/api/v1/receipts/{token}")));
        tokio::spawn(async move { client.delete(url).send().await.unwrap().status() })
    };
    let watcher = sqlx::PgPool::connect(&app.db_url).await.unwrap();
    eventually(WAIT, "the cancellation to wait for the row", || async {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND wait_event_type = 'Lock' AND query LIKE 'UPDATE pledges%'",
        )
        .fetch_one(&watcher)
        .await
        .unwrap();
        (waiting == 1).then_some(())
    })
    .await;
    // ...and the other transaction now wants the campaign: a cycle, which PostgreSQL breaks
    // by ending the writer's transaction.
    sqlx::query("SELECT 1 FROM campaigns WHERE id = 'demo' FOR UPDATE").execute(&mut other).await.unwrap();
    sqlx::query("COMMIT").execute(&mut other).await.unwrap();

    assert_eq!(cancel.await.unwrap(), 204, "the cancellation ran again and went through");
    assert_eq!(app.post_pledge("demo", lamp_pledge().to_string()).await.status(), 201);
    assert_eq!(app.state.store.recount("demo").await.unwrap(), (29_900, 1));
}

//! What an operator runs tribefund with: metrics that count what was sent, request ids from
//! end to end (also in JSON logs), and backups of a live database that restore whole.

use std::time::Duration;
use tests::Process;
use tests::{TestApp, eventually, spawn_app};

const WAIT: Duration = Duration::from_secs(10);

fn pledge(n: u32) -> String {
    serde_json::json!({ "amount": 1_000 + n, "name": format!("Fan {n}"), "contact": format!("fan{n}@example.com") })
        .to_string()
}

/// The value of the sample whose line starts with `name` (labels included), if any.
pub(crate) fn sample(metrics: &str, name: &str) -> Option<f64> {
    metrics
        .lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))?
        .rsplit(' ')
        .next()?
        .parse()
        .ok()
}

pub(crate) async fn metrics(app: &TestApp) -> String {
    app.client.get(&app.metrics).send().await.unwrap().text().await.unwrap()
}

#[tokio::test]
async fn the_metrics_count_exactly_the_traffic_that_was_sent() {
    let app = spawn_app().await;
    for n in 0..3 {
        assert_eq!(app.post_pledge("demo", pledge(n)).await.status(), 201);
    }
    let invalid = serde_json::json!({ "amount": 1_000, "name": "", "contact": "nobody" }).to_string();
    assert_eq!(app.post_pledge("demo", invalid).await.status(), 422);
    for _ in 0..2 {
        assert_eq!(app.client.get(app.url("/api/v1/campaigns/demo")).send().await.unwrap().status(), 200);
    }
    assert_eq!(app.client.get(app.url("/api/v1/campaigns/nope")).send().await.unwrap().status(), 404);
    // One live viewer, on the event stream's own path.
    let mut stream = app.client.get(app.url("/api/v1/campaigns/demo/events")).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    assert!(stream.chunk().await.unwrap().is_some(), "the first frame");

    let text = eventually(WAIT, "the viewer counted", || async {
        let text = metrics(&app).await;
        (sample(&text, "tribefund_live_viewers") == Some(1.0)).then_some(text)
    })
    .await;
    assert_eq!(sample(&text, "tribefund_pledges_accepted_total"), Some(3.0), "{text}");
    assert_eq!(sample(&text, r#"tribefund_pledges_refused_total{reason="invalid"}"#), Some(1.0), "{text}");
    assert_eq!(sample(&text, "tribefund_batch_size_sum"), Some(3.0), "three pledges went through the writer");
    assert!(sample(&text, "tribefund_batch_size_count").is_some_and(|n| (1.0..=3.0).contains(&n)));
    assert!(sample(&text, "tribefund_commit_seconds_count").is_some_and(|n| n >= 1.0));
    let route = |path: &str, status: u16| {
        format!(r#"tribefund_http_requests_total{{route="{path}",status="{status}"}}"#)
    };
    assert_eq!(sample(&text, &route("/api/v1/campaigns/{id}", 200)), Some(2.0), "{text}");
    assert_eq!(sample(&text, &route("/api/v1/campaigns/{id}", 404)), Some(1.0), "{text}");
    assert_eq!(sample(&text, &route("/api/v1/campaigns/{id}/pledges", 201)), Some(3.0), "{text}");
    assert_eq!(sample(&text, &route("/api/v1/campaigns/{id}/pledges", 422)), Some(1.0), "{text}");
    assert_eq!(sample(&text, &route("/api/v1/campaigns/{id}/events", 200)), Some(1.0), "{text}");
    assert_eq!(sample(&text, "tribefund_event_streams"), Some(1.0));
    assert_eq!(sample(&text, "tribefund_writer_queue"), Some(0.0));
    assert!(sample(&text, "tribefund_hub_campaigns").is_some_and(|n| n >= 1.0));
    assert!(sample(&text, r#"tribefund_pool_connections{pool="readers",state="idle"}"#).is_some());
    assert!(text.contains("# TYPE tribefund_commit_seconds histogram"));
    assert!(!text.contains("fan0@example.com") && !text.contains("receipt"), "no personal data, no tokens");

    drop(stream);
    eventually(WAIT, "the viewer gone", || async {
        (sample(&metrics(&app).await, "tribefund_live_viewers") == Some(0.0)).then_some(())
    })
    .await;
    // Never on the public port.
    assert_eq!(app.client.get(app.url("/metrics")).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn every_answer_carries_a_request_id_and_a_proxys_well_formed_one_is_kept() {
    let app = spawn_app().await;
    let id_of =
        |response: &reqwest::Response| response.headers()["x-request-id"].to_str().unwrap().to_owned();
    let first = app.client.get(app.url("/api/v1/campaigns/demo")).send().await.unwrap();
    let second = app.client.get(app.url("/embed/demo")).send().await.unwrap();
    let (a, b) = (id_of(&first), id_of(&second));
    assert!(a.len() == 16 && a.chars().all(|c| c.is_ascii_hexdigit()), "{a}");
    assert_ne!(a, b, "each request its own");
    let refused = app.post_pledge("demo", "{not json").await;
    assert_eq!(id_of(&refused).len(), 16, "refusals carry one too");
    let stream = app.client.get(app.url("/api/v1/campaigns/demo/events")).send().await.unwrap();
    assert_eq!(id_of(&stream).len(), 16, "so does the event stream, served off the socket");

    let kept =
        app.client.get(app.url("/healthz")).header("x-request-id", "nginx-7f3a.1_b").send().await.unwrap();
    assert_eq!(id_of(&kept), "nginx-7f3a.1_b");
    for hostile in ["a b c", "x\"}{\"admin\":true", &"9".repeat(65), "${jndi:ldap://x}"] {
        let response =
            app.client.get(app.url("/healthz")).header("x-request-id", hostile).send().await.unwrap();
        let id = id_of(&response);
        assert!(id != hostile && id.len() == 16, "{hostile:?} replaced by {id}");
    }
}

#[tokio::test]
async fn json_logs_carry_the_request_id_of_every_line_a_request_writes() {
    let dir = tempfile::tempdir().unwrap();
    let (db, log) = (dir.path().join("t.db"), dir.path().join("log.json"));
    let url = format!("sqlite://{}", db.display());
    let server = Process::start_logging_with(&url, &log, &["--log-format", "json"]).await;
    let client = reqwest::Client::new();
    let response = client
        .get(server.url("/api/v1/campaigns/demo"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-me-42");
    let lines = eventually(WAIT, "the request logged", || async {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .filter(|v: &serde_json::Value| v["span"]["id"] == "trace-me-42")
            .collect();
        (!lines.is_empty()).then_some(lines)
    })
    .await;
    for line in &lines {
        assert_eq!(line["span"]["route"], "/api/v1/campaigns/{id}");
        assert!(line["level"].is_string() && line["timestamp"].is_string());
    }
    server.kill().await;
}

#[tokio::test]
async fn a_backup_taken_under_pledge_load_restores_with_totals_equal_to_its_pledges() {
    let app = spawn_app().await;
    let file = app.db_url.trim_start_matches("sqlite://").to_owned();
    let backups = tempfile::tempdir().unwrap();
    let copy = backups.path().join("backup.db");
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut load = Vec::new();
    for worker in 0..8u32 {
        let (client, url, accepted, stop) =
            (app.client.clone(), app.url("/api/v1/campaigns/demo/pledges"), accepted.clone(), stop.clone());
        load.push(tokio::spawn(async move {
            let mut n = worker * 100_000;
            while !stop.load(std::sync::atomic::Ordering::Acquire) {
                n += 1;
                let sent =
                    client.post(&url).header("content-type", "application/json").body(pledge(n)).send();
                if sent.await.unwrap().status() == 201 {
                    accepted.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
                }
            }
        }));
    }
    eventually(WAIT, "pledges flowing", || async {
        (accepted.load(std::sync::atomic::Ordering::Acquire) >= 50).then_some(())
    })
    .await;
    let before = accepted.load(std::sync::atomic::Ordering::Acquire);
    let said = api::backup::backup(&app.db_url, &copy).await.expect("a backup of the live database");
    let after_backup = accepted.load(std::sync::atomic::Ordering::Acquire);
    eventually(WAIT, "pledges still flowing after it", || async {
        (accepted.load(std::sync::atomic::Ordering::Acquire) >= after_backup + 20).then_some(())
    })
    .await;
    stop.store(true, std::sync::atomic::Ordering::Release);
    for worker in load {
        worker.await.unwrap();
    }
    assert!(said.contains("pledges"), "{said}");

    // Restored elsewhere: its totals are exactly the sum of the pledges it holds.
    let restored = backups.path().join("restored/tribefund.db");
    let restored_url = format!("sqlite://{}", restored.display());
    api::backup::restore(&copy, &restored_url, false).await.expect("the backup restores");
    let pool = sqlx::SqlitePool::connect(&restored_url).await.unwrap();
    let (raised, backers): (i64, i64) =
        sqlx::query_as("SELECT raised, backers FROM campaigns WHERE id = 'demo'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let (sum, count): (i64, i64) = sqlx::query_as(
        "SELECT COALESCE(SUM(amount), 0), COUNT(*) FROM pledges WHERE campaign_id = 'demo' AND cancelled_at IS NULL",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert_eq!((raised, backers), (sum, count), "totals equal the sum of the pledges");
    let count = u32::try_from(count).unwrap();
    assert!(before <= count && count <= after_backup, "{before} ≤ {count} ≤ {after_backup}: a moment's copy");
    let live = app.campaign("demo").await.backers;
    assert!(live > u64::from(count), "the live database went on ({live} > {count})");

    // A restore refuses what it should, and changes nothing when it does.
    let garbage = backups.path().join("garbage.db");
    std::fs::write(&garbage, b"this is not a database at all, only some words in a file").unwrap();
    let refused = api::backup::restore(&garbage, &restored_url, true).await.unwrap_err();
    assert!(format!("{refused:#}").contains("not a usable backup"), "{refused:#}");
    let over = api::backup::restore(&copy, &app.db_url, false).await.unwrap_err();
    assert!(over.to_string().contains("--force"), "{over}");
    let again = api::backup::backup(&app.db_url, &copy).await.unwrap_err();
    assert!(again.to_string().contains("never overwrites"), "{again}");
    let postgres =
        api::backup::backup("postgres://localhost/test", &backups.path().join("pg.db")).await.unwrap_err();
    assert!(postgres.to_string().contains("pg_dump"), "{postgres}");
    assert_eq!(app.campaign("demo").await.backers, live, "the live database untouched");
    assert!(std::path::Path::new(&file).exists());
}

/// `tribefund config check` with `file_text` as `--config` and `extra` after it: whether it
/// passed, and what it printed (standard output, then standard error).
fn config_check(file_text: &str, extra: &[&str]) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tribefund.toml");
    std::fs::write(&file, file_text).unwrap();
    let binary = tests::workspace_root().join("target/debug/tribefund");
    let output = std::process::Command::new(binary)
        .args(["config", "check", "--config", file.to_str().unwrap()])
        .args(extra)
        .env_remove("DATABASE_URL")
        .output()
        .expect("tribefund runs");
    let printed =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), printed)
}

#[test]
fn config_check_prints_the_effective_settings_with_secrets_redacted() {
    let file = r#"
        listen = "0.0.0.0:8080"
        database-url = "postgres://tf:hunter2@db.internal/tribefund"
        rate-limit = "5/10"
        trusted-proxy = ["10.0.0.0/8"]
        metrics-listen = "127.0.0.1:9090"
        stripe-secret-key = "sk_live_never_printed"
        stripe-publishable-key = "pk_live_abc"
        stripe-webhook-secret = "whsec_never_printed"
        smtp-url = "smtp://mailer:smtp_never_printed@mail.internal:587?tls=required"
        mail-from = "Tribe fund <mail@fund.example>"
    "#;
    let (ok, printed) = config_check(file, &["--rate-limit", "7/14"]);
    assert!(ok, "{printed}");
    for line in [
        "listen = 0.0.0.0:8080",
        "database-url = postgres://tf:redacted@db.internal/tribefund",
        "rate-limit = 7/14",
        "trusted-proxy = [\"10.0.0.0/8\"]",
        "metrics-listen = 127.0.0.1:9090",
        "stripe-secret-key = (set, redacted)",
        "stripe-publishable-key = pk_live_abc",
        "stripe-webhook-secret = (set, redacted)",
        "smtp-url = smtp://mailer:redacted@mail.internal:587?tls=required",
        "mail-from = Tribe fund <mail@fund.example>",
        "the settings are valid",
    ] {
        assert!(printed.contains(line), "{line:?} in:\n{printed}");
    }
    assert!(!printed.contains("hunter2") && !printed.contains("never_printed"), "{printed}");
}

#[test]
fn config_check_refuses_bad_values_naming_what_is_wrong() {
    for (file, reason) in [
        ("pledge-batch = 0", "pledge-batch"),
        ("rate-limit = \"x/1\"", "BURST is not a number"),
        ("colour = \"red\"", "--colour"),
        ("log-format = \"xml\"", "log-format"),
        ("request-timeout = \"soon\"", "request-timeout"),
        ("[server]\nlisten = \"x\"", "table values are not taken"),
        ("stripe-secret-key = \"sk_test_x\"", "need all three"),
        ("listen = \n", "not valid TOML"),
        ("smtp-url = \"ftp://mail.internal\"\nmail-from = \"a@b.example\"", "--smtp-url"),
        ("smtp-url = \"smtp://127.0.0.1:25\"", "--mail-from is needed"),
        ("mail-dir = \"m\"\nmail-from = \"not an address\"", "--mail-from"),
    ] {
        let (ok, printed) = config_check(file, &[]);
        assert!(!ok, "{file:?} passed:\n{printed}");
        assert!(printed.contains(reason), "{file:?}: {reason:?} in:\n{printed}");
        assert!(printed.contains("tribefund.toml"), "names the file: {printed}");
        assert!(!printed.contains("panicked"), "{printed}");
    }
}

#[test]
fn the_sample_settings_file_in_deploy_passes_config_check() {
    let sample = std::fs::read_to_string(tests::workspace_root().join("deploy/tribefund.toml")).unwrap();
    let (ok, printed) = config_check(&sample, &[]);
    assert!(ok, "{printed}");
    assert!(printed.contains("metrics-listen = 127.0.0.1:9464"), "{printed}");
    let unit = std::fs::read_to_string(tests::workspace_root().join("deploy/tribefund.service")).unwrap();
    assert!(unit.contains("LimitNOFILE=") && unit.contains("--config /etc/tribefund/tribefund.toml"));
}

//! Mail through a server that speaks TLS and wants a login, as a provider's does: the real
//! binary trusts the test authority (`tests/smtp/tls/ca.pem`) through `SSL_CERT_FILE`, logs
//! in, and delivers over TLS from the first byte or after STARTTLS; a login the server
//! refuses keeps the mail waiting, and it arrives once the password is right.

use serde_json::{Value, json};
use std::time::Duration;
use tests::{Process, SmtpSink, workspace_root};

const WAIT: Duration = Duration::from_secs(60);

/// The real binary sending through `url`, trusting the test authority alone.
async fn server_sending_to(db_url: &str, url: &str) -> Process {
    let ca = workspace_root().join("tests/smtp/tls/ca.pem").display().to_string();
    let flags = ["--smtp-url", url, "--mail-from", "Fund <mail@fund.test>"];
    Process::start_with_env(db_url, &flags, &[("SSL_CERT_FILE", ca.as_str())]).await
}

async fn pledge(server: &Process, contact: &str) {
    let body = json!({ "amount": 500, "name": "Fan", "contact": contact });
    let response =
        reqwest::Client::new().post(server.url("/api/v1/campaigns/demo/pledges")).json(&body).send().await;
    assert_eq!(response.unwrap().status(), 201);
}

async fn outbox(server: &Process) -> Value {
    reqwest::get(server.url("/readyz")).await.unwrap().json::<Value>().await.unwrap()["mail"].clone()
}

async fn delivered_over_tls(mode: &str, scheme_and_query: (&str, &str)) {
    let Some(sink) = SmtpSink::start_tls(mode).await else { return };
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}/t.db", dir.path().display());
    let (scheme, query) = scheme_and_query;
    let url = format!("{scheme}://fund:s3cret@127.0.0.1:{}{query}", sink.port);
    let server = server_sending_to(&db_url, &url).await;
    pledge(&server, "mei@example.com").await;
    pledge(&server, "lan@example.com").await;
    let mails = sink.wait_for(2, WAIT).await;
    assert!(mails.iter().all(|m| m["tls"] == true), "every mail came over TLS");
    let mut to: Vec<&str> = mails.iter().map(|m| m["rcpt_to"][0].as_str().unwrap()).collect();
    to.sort();
    assert_eq!(to, ["lan@example.com", "mei@example.com"]);
    server.kill().await;
}

#[tokio::test]
async fn mail_reaches_a_server_that_speaks_tls_from_the_first_byte_once_logged_in() {
    delivered_over_tls("implicit", ("smtps", "")).await;
}

#[tokio::test]
async fn mail_reaches_a_server_that_requires_starttls_once_logged_in() {
    delivered_over_tls("starttls", ("smtp", "?tls=required")).await;
}

#[tokio::test]
async fn a_refused_login_keeps_mail_waiting_and_the_address_deliverable_until_the_password_is_right() {
    let Some(sink) = SmtpSink::start_tls("starttls").await else { return };
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}/t.db", dir.path().display());
    let wrong = format!("smtp://fund:wrong@127.0.0.1:{}?tls=required", sink.port);
    let server = server_sending_to(&db_url, &wrong).await;
    pledge(&server, "mei@example.com").await;
    let queue = tests::eventually(WAIT, "the refused try is counted", || async {
        let queue = outbox(&server).await;
        (queue["retrying"] == 1).then_some(queue)
    })
    .await;
    assert_eq!((queue["waiting"].as_i64(), queue["undeliverable"].as_i64()), (Some(1), Some(0)));
    assert!(sink.messages().is_empty());
    server.kill().await;

    let right = format!("smtp://fund:s3cret@127.0.0.1:{}?tls=required", sink.port);
    let server = server_sending_to(&db_url, &right).await;
    let mails = sink.wait_for(1, WAIT).await;
    assert_eq!(mails[0]["rcpt_to"], json!(["mei@example.com"]));
    let queue = outbox(&server).await;
    assert_eq!((queue["waiting"].as_i64(), queue["undeliverable"].as_i64()), (Some(0), Some(0)));
    server.kill().await;
}

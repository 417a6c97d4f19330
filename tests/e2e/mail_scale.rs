//! The outbox under the failures it is built for: the real binary SIGKILLed while it sends,
//! then started again, delivers the rest (a mail in flight at the kill may come twice, with
//! the same Message-ID, never more); two replicas on one PostgreSQL outbox send each mail
//! once.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use tests::{Options, Process, SmtpSink, free_port, mail_settings, spawn_replicas_with};

/// A claim's lease runs two minutes: mails a killed sender held wait that long.
const WAIT: Duration = Duration::from_secs(240);
/// Mails one sender claims at once: at most these were in flight at the kill.
const CLAIM: usize = 50;

/// Each recipient's Message-IDs, as received.
fn by_recipient(mails: &[Value]) -> BTreeMap<String, Vec<String>> {
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for mail in mails {
        let to = mail["rcpt_to"][0].as_str().unwrap_or_default().to_owned();
        seen.entry(to)
            .or_default()
            .push(mail["headers"]["Message-ID"].as_str().unwrap_or_default().to_owned());
    }
    seen
}

async fn pledge(http: &reqwest::Client, address: &str, n: usize) {
    let body = json!({ "amount": 500, "name": "Fan", "contact": format!("fan{n}@example.com") });
    let response = http.post(format!("{address}/api/v1/campaigns/demo/pledges")).json(&body).send().await;
    assert_eq!(response.unwrap().status(), 201);
}

#[tokio::test]
async fn a_sender_killed_mid_queue_delivers_the_rest_when_started_again_none_more_than_twice() {
    const PLEDGES: usize = 300;
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}/t.db", dir.path().display());
    let smtp = format!("smtp://127.0.0.1:{port}");
    let flags = ["--smtp-url", smtp.as_str(), "--mail-from", "Fund <mail@fund.test>"];
    let server = Process::start(&db_url, &flags, None).await;
    let http = reqwest::Client::new();
    for n in 0..PLEDGES {
        pledge(&http, &server.address, n).await;
    }
    let Some(sink) = SmtpSink::start_on(port).await else { return };
    sink.wait_for(CLAIM, WAIT).await;
    server.kill().await;
    let sent_before = sink.messages().len();

    let server = Process::start(&db_url, &flags, None).await;
    let seen = tests::eventually(WAIT, "every backer was mailed", || async {
        let seen = by_recipient(&sink.messages());
        (seen.len() == PLEDGES).then_some(seen)
    })
    .await;
    let twice: Vec<&Vec<String>> = seen.values().filter(|ids| ids.len() > 1).collect();
    assert!(twice.len() <= CLAIM, "only mails in flight at the kill come again: {}", twice.len());
    for ids in &twice {
        assert!(ids.len() == 2 && ids[0] == ids[1], "a repeat keeps its Message-ID: {ids:?}");
    }
    println!(
        "SIGKILL after {sent_before} of {PLEDGES} mails: all {PLEDGES} delivered, {} twice (in flight at the kill)",
        twice.len()
    );
    server.kill().await;
}

#[tokio::test]
async fn two_replicas_sending_from_one_postgresql_outbox_send_each_mail_once() {
    const PLEDGES: usize = 200;
    let port = free_port();
    let settings = mail_settings(&format!("smtp://127.0.0.1:{port}"));
    let Some((a, b)) = spawn_replicas_with(Options { mail: Some(settings), ..Options::default() }).await
    else {
        return;
    };
    for n in 0..PLEDGES {
        let replica = if n % 2 == 0 { &a } else { &b };
        pledge(&replica.client, &replica.address, n).await;
    }
    // Both replicas' rounds find the whole backlog at once when the server comes up.
    let Some(sink) = SmtpSink::start_on(port).await else { return };
    let mails = sink.wait_for(PLEDGES, WAIT).await;
    tests::eventually(WAIT, "the outbox is empty", || async {
        (a.json("/readyz").await["mail"]["sent"] == PLEDGES).then_some(())
    })
    .await;
    let seen = by_recipient(&sink.messages());
    assert_eq!(seen.len(), PLEDGES);
    assert!(seen.values().all(|ids| ids.len() == 1), "no mail sent twice: {} received", mails.len());
    assert_eq!(sink.messages().len(), PLEDGES);
}

//! The outbox under the failures it is built for: the real binary SIGKILLed while it sends,
//! then started again, delivers the rest (a mail in flight at the kill may come twice, with
//! the same Message-ID, never more); two replicas on one PostgreSQL outbox send each mail
//! once.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use tests::{Options, Process, SmtpSink, TestApp, free_port, mail_settings, spawn_replicas_with};

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

/// Two replicas on one PostgreSQL database, mailing to 127.0.0.1:`port`.
async fn replicas_mailing_to(port: u16) -> Option<(TestApp, TestApp)> {
    let settings = mail_settings(&format!("smtp://127.0.0.1:{port}"));
    spawn_replicas_with(Options { mail: Some(settings), ..Options::default() }).await
}

/// `count` pledges to the demo campaign, through each replica by turns, from `fan{n %
/// addresses}@example.com`.
async fn pledge_by_turns((a, b): (&TestApp, &TestApp), count: usize, addresses: usize) {
    for n in 0..count {
        let replica = if n % 2 == 0 { a } else { b };
        pledge(&replica.client, &replica.address, n % addresses).await;
    }
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
    let Some((a, b)) = replicas_mailing_to(port).await else { return };
    pledge_by_turns((&a, &b), PLEDGES, PLEDGES).await;
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

/// Posts an update to the demo campaign through `app`.
async fn post_update(app: &TestApp, title: &str) {
    let body = json!({ "title": title, "body": "Walnut, black and red." });
    let path = "/api/v1/campaigns/demo/updates";
    let response = app.creator(reqwest::Method::POST, path, &app.demo_key).json(&body).send().await.unwrap();
    assert_eq!(response.status(), 201);
}

#[tokio::test]
async fn updates_to_more_backers_than_a_page_paged_by_two_replicas_reach_each_address_once() {
    // 1,100 pledges from 1,050 addresses: the last 50 addresses pledge again, two pages
    // after their first; after the first update, one address leaves the campaign's updates.
    const PLEDGES: usize = 1_100;
    const ADDRESSES: usize = 1_050;
    let port = free_port();
    let Some((a, b)) = replicas_mailing_to(port).await else { return };
    pledge_by_turns((&a, &b), PLEDGES, ADDRESSES).await;
    let Some(sink) = SmtpSink::start_on(port).await else { return };
    sink.wait_for(PLEDGES, WAIT).await;

    post_update(&a, "Samples are in").await;
    let mails = sink.wait_for(PLEDGES + ADDRESSES, WAIT).await;
    let updates = by_recipient(&mails[PLEDGES..]);
    assert_eq!(updates.len(), ADDRESSES, "every address hears of the update");
    assert!(updates.values().all(|ids| ids.len() == 1), "and only once");

    let leaving = mails[PLEDGES..].iter().find(|m| m["rcpt_to"][0] == "fan1049@example.com").unwrap();
    let header = leaving["headers"]["List-Unsubscribe"].as_str().unwrap();
    let url = header.trim_start_matches('<').trim_end_matches('>');
    let out = a.client.post(url).form(&[("List-Unsubscribe", "One-Click")]).send().await.unwrap();
    assert_eq!(out.status(), 200);
    post_update(&b, "Production started").await;
    let total = PLEDGES + 2 * ADDRESSES - 1;
    tests::eventually(WAIT, "the outbox is empty", || async {
        let mail = &a.json("/readyz").await["mail"];
        (mail["waiting"] == 0 && mail["sent"] == total).then_some(())
    })
    .await;
    let second = by_recipient(&sink.messages()[PLEDGES + ADDRESSES..]);
    assert_eq!(second.len(), ADDRESSES - 1, "all but the address that left");
    assert!(!second.contains_key("fan1049@example.com"));
    assert!(second.values().all(|ids| ids.len() == 1));
    assert_eq!(sink.messages().len(), total);
}

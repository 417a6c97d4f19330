//! "Remind me", through a real SMTP server: a fan's address counts only once they open the
//! link mailed to it, and then they hear once when a scheduled campaign opens and once 48
//! hours before it ends, with a one-click way out; asking answers the same for any address.

use crate::support::campaign_between;
use serde_json::{Value, json};
use std::time::Duration;
use tests::{Options, SmtpSink, TestApp, mail_settings, spawn_app_with};

const WAIT: Duration = Duration::from_secs(60);
const DAY: i64 = 24 * 3600;

async fn ask(app: &TestApp, campaign: &str, body: Value) -> u16 {
    let path = format!("/api/v1/campaigns/{campaign}/reminders");
    app.client.post(app.url(&path)).json(&body).send().await.unwrap().status().as_u16()
}

/// Opens the confirmation link in `mail` and presses its button.
async fn confirm(app: &TestApp, mail: &Value) {
    let text = mail["text"].as_str().unwrap();
    let link = text.split_whitespace().find(|w| w.contains("/remind/")).expect("a confirmation link");
    let page = app.text(link).await;
    assert!(page.contains("data-testid=\"confirm\""), "a link scanner's GET confirms nothing: {page}");
    let done = app.client.post(link).send().await.unwrap();
    assert_eq!(done.status(), 200);
    assert!(done.text().await.unwrap().contains("48 hours before it ends"));
}

async fn two_rounds(app: &TestApp, now: domain::Timestamp) {
    let (store, hub) = (&app.state.store, &app.state.hub);
    let (a, b) =
        tokio::join!(api::mail::fans::round(store, hub, now), api::mail::fans::round(store, hub, now));
    a.unwrap();
    b.unwrap();
}

async fn outbox_empty(app: &TestApp) {
    tests::eventually(WAIT, "the outbox is empty", || async {
        (app.json("/readyz").await["mail"]["waiting"] == 0).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_confirmed_fan_hears_once_48_hours_before_the_end_and_an_unconfirmed_one_never() {
    let Some(sink) = SmtpSink::start().await else { return };
    let app = spawn_app_with(Options { mail: Some(mail_settings(&sink.url())), ..Options::default() }).await;
    app.create_campaign(campaign_between("soon", -60, 10 * DAY)).await;
    assert!(app.text("/c/soon?lang=en").await.contains("data-testid=\"remind\""), "the share page offers it");

    assert_eq!(ask(&app, "soon", json!({ "email": "fan@example.com", "lang": "en" })).await, 202);
    assert_eq!(ask(&app, "soon", json!({ "email": "fan@example.com" })).await, 202, "the same answer again");
    assert_eq!(ask(&app, "soon", json!({ "email": "+86 138 0013 8000" })).await, 422);
    assert_eq!(ask(&app, "nope", json!({ "email": "fan@example.com" })).await, 404);
    assert_eq!(
        ask(&app, "soon", json!({ "mail": "fan@example.com" })).await,
        400,
        "a body without its field"
    );
    let form = app.post_form("/c/soon/remind?lang=en", &[("email", "unconfirmed@example.com")]).await;
    assert_eq!(form.status(), 200);
    assert!(form.text().await.unwrap().contains("Check your mail"));

    let mails = sink.wait_for(2, WAIT).await;
    outbox_empty(&app).await;
    assert_eq!(sink.messages().len(), 2, "one confirmation per address, however often it asks");
    let mine = mails.iter().find(|m| m["rcpt_to"] == json!(["fan@example.com"])).unwrap();
    assert_eq!(mine["headers"]["Subject"], "Confirm your reminders for Limited run");
    confirm(&app, mine).await;

    two_rounds(&app, api::now()).await;
    two_rounds(&app, api::now().plus_seconds(9 * DAY)).await;
    two_rounds(&app, api::now().plus_seconds(9 * DAY + 3600)).await;
    let mails = sink.wait_for(3, WAIT).await;
    outbox_empty(&app).await;
    assert_eq!(sink.messages().len(), 3, "the last 48 hours, once, to the confirmed address only");
    let soon = &mails[2];
    assert_eq!(soon["rcpt_to"], json!(["fan@example.com"]));
    assert_eq!(soon["headers"]["Subject"], "48 hours left: Limited run");
    assert_eq!(soon["headers"]["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click");
    let way_out = soon["headers"]["List-Unsubscribe"].as_str().unwrap();
    let out =
        app.client.post(way_out.trim_matches(['<', '>'])).form(&[("List-Unsubscribe", "One-Click")]).send();
    assert_eq!(out.await.unwrap().status(), 200);
}

#[tokio::test]
async fn a_scheduled_campaign_tells_its_confirmed_fans_once_when_it_opens() {
    let Some(sink) = SmtpSink::start().await else { return };
    let app = spawn_app_with(Options { mail: Some(mail_settings(&sink.url())), ..Options::default() }).await;
    app.create_campaign(campaign_between("later", 3600, 10 * DAY)).await;
    assert_eq!(ask(&app, "later", json!({ "email": "early@example.com", "lang": "zh-CN" })).await, 202);
    let mails = sink.wait_for(1, WAIT).await;
    assert_eq!(mails[0]["headers"]["Subject"], "请确认「Limited run」的提醒", "in the fan's language");
    let bad_link = app.client.post(app.url(&format!("/c/later/remind/{}", "0".repeat(32)))).send().await;
    assert_eq!(bad_link.unwrap().status(), 404, "a forged token confirms nothing");
    confirm_zh(&app, &mails[0]).await;

    two_rounds(&app, api::now()).await;
    let opened = api::now().plus_seconds(3600 + 60);
    two_rounds(&app, opened).await;
    two_rounds(&app, opened.plus_seconds(600)).await;
    let mails = sink.wait_for(2, WAIT).await;
    outbox_empty(&app).await;
    assert_eq!(sink.messages().len(), 2, "the opening, once");
    assert_eq!(mails[1]["headers"]["Subject"], "「Limited run」开始众筹了");
    assert!(mails[1]["text"].as_str().unwrap().contains("/c/later?lang=zh-CN"));
}

/// [`confirm`], on the Chinese page.
async fn confirm_zh(app: &TestApp, mail: &Value) {
    let text = mail["text"].as_str().unwrap();
    let link = text.split_whitespace().find(|w| w.contains("/remind/")).expect("a confirmation link");
    let done = app.client.post(link).send().await.unwrap();
    assert_eq!(done.status(), 200);
    assert!(done.text().await.unwrap().contains("结束前 48 小时"));
}

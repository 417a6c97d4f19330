//! What delivery tells and forgets: the site hears of each survey completed, parcel sent
//! and reward delivered (webhooks, with the address, only to the site), the backer is
//! mailed each parcel's tracking link and reminded before the survey locks, a reward counts
//! as delivered 30 days after it left, and personal data is erased on request or after its
//! retention while every total stays.

use crate::fulfilment::{hong_kong, import, pledge_to, put_survey, surveyed};
use crate::webhooks::{add_endpoint, received};
use api::delivery::round;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;
use tests::{Engine, Options, Receiver, SmtpSink, TestApp, mail_settings, spawn_app_on_with};

const WAIT: Duration = Duration::from_secs(60);
const DAY: i64 = 86_400;

/// The event of `kind` among what the receiver got, waiting for `n` in all.
async fn event(receiver: &Receiver, n: usize, kind: &str) -> Value {
    let got = received(receiver, n).await;
    let found = got.iter().map(|d| d.event.clone()).find(|e| e["type"] == kind);
    found.unwrap_or_else(|| {
        panic!("no {kind} among {:?}", got.iter().map(|d| &d.event["type"]).collect::<Vec<_>>())
    })
}

async fn on_both_engines_with_mail<F, Fut>(body: F)
where
    F: Fn(TestApp, SmtpSink) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let Some(sink) = SmtpSink::start().await else { return };
        let options = Options { mail: Some(mail_settings(&sink.url())), ..Options::default() };
        let Some(app) = spawn_app_on_with(engine, options).await else { continue };
        body(app, sink).await;
    }
}

#[tokio::test]
async fn the_site_hears_of_each_survey_parcel_and_delivery_and_the_backer_gets_the_tracking_link() {
    on_both_engines_with_mail(|app, sink| async move {
        let receiver = Receiver::start().await;
        assert_eq!(add_endpoint(&app, &receiver.url).await.status(), 201);
        app.create_campaign(surveyed("lamp", None)).await;
        let (token, pledge) = pledge_to(&app, "lamp", "HK", "mei@example.com").await;
        let thanks = sink.wait_for(1, WAIT).await.remove(0);
        assert!(thanks["text"].as_str().unwrap().contains("/survey"), "the pledge's mail links the survey: {thanks}");

        let good = json!({ "address": hong_kong("1 Nathan Road"), "answers": { "gift": "yes" } });
        assert_eq!(put_survey(&app, &token, good).await.status(), 200);
        let completed = event(&receiver, 2, "survey.completed").await;
        assert_eq!(completed["data"]["address"]["line1"], "1 Nathan Road");
        assert_eq!(completed["data"]["answers"], json!({ "gift": "yes" }));

        let parcels = json!([{ "reference": pledge, "carrier": "顺丰", "tracking_number": "SF1234567890", "items": "lamp" }]);
        assert_eq!(import(&app, "lamp", "application/json", parcels.to_string()).await.status(), 200);
        let shipped = event(&receiver, 3, "pledge.shipped").await;
        let url = "https://www.sf-express.com/chn/sc/waybill/waybill-detail/SF1234567890";
        assert_eq!(shipped["data"]["shipments"][0]["tracking_url"], url);
        let mail = sink.wait_for(2, WAIT).await.remove(1);
        assert_eq!(mail["rcpt_to"], json!(["mei@example.com"]));
        assert!(mail["text"].as_str().unwrap().contains(url), "{mail}");
        assert!(mail["headers"]["Subject"].as_str().unwrap().contains("on its way"), "{mail}");

        // A month later, unmarked, it counts as delivered, and the site hears of it once.
        let later = api::now().plus_seconds(31 * DAY);
        round::round(&app.state.store, &app.state.hub, 180, later).await.unwrap();
        round::round(&app.state.store, &app.state.hub, 180, later).await.unwrap();
        let delivered = event(&receiver, 4, "pledge.delivered").await;
        assert_eq!(delivered["data"]["pledge"]["id"], json!(pledge));
        let count = |kind: &str| receiver.deliveries().iter().filter(|d| d.event["type"] == kind).count();
        assert_eq!(count("pledge.delivered"), 1, "told once");
        let public = app.text("/api/v1/campaigns/lamp").await;
        assert!(!public.contains("Nathan"), "{public}");
    })
    .await;
}

#[tokio::test]
async fn backers_whose_survey_is_not_done_are_reminded_once_before_it_locks() {
    on_both_engines_with_mail(|app, sink| async move {
        app.create_campaign(surveyed("lamp", Some(30 * 3600))).await;
        let (done, _) = pledge_to(&app, "lamp", "HK", "done@example.com").await;
        pledge_to(&app, "lamp", "HK", "late@example.com").await;
        sink.wait_for(2, WAIT).await;
        let good = json!({ "address": hong_kong("1 Nathan Road"), "answers": { "gift": "no" } });
        assert_eq!(put_survey(&app, &done, good).await.status(), 200);

        // 30 hours before the lock: within 48, so the round reminds; a second round does not.
        round::round(&app.state.store, &app.state.hub, 180, api::now()).await.unwrap();
        let reminder = sink.wait_for(3, WAIT).await.remove(2);
        assert_eq!(reminder["rcpt_to"], json!(["late@example.com"]));
        assert!(reminder["text"].as_str().unwrap().contains("/survey"), "{reminder}");
        let campaign = app.state.hub.get("lamp").unwrap().snapshot(api::now()).campaign.clone();
        let lock = campaign.survey().unwrap().lock_at.unwrap().unix();
        let again = round::remind(&app.state.store, &campaign, &format!("survey:{lock}")).await.unwrap();
        assert_eq!(again, 0);

        // The creator may remind by hand, once a day.
        let remind =
            || app.creator(Method::POST, "/api/v1/campaigns/lamp/survey/remind", &app.demo_key).send();
        assert_eq!(remind().await.unwrap().json::<Value>().await.unwrap(), json!({ "reminded": 1 }));
        assert_eq!(remind().await.unwrap().json::<Value>().await.unwrap(), json!({ "reminded": 0 }));
        sink.wait_for(4, WAIT).await;
    })
    .await;
}

async fn a_backer_erases_their_data_once_delivered_and_every_total_stays(app: TestApp) {
    app.create_campaign(surveyed("lamp", None)).await;
    let (token, pledge) = pledge_to(&app, "lamp", "HK", "mei@example.com").await;
    let good =
        json!({ "address": hong_kong("1 Nathan Road"), "answers": { "gift": "yes", "engraving": "Mei" } });
    assert_eq!(put_survey(&app, &token, good).await.status(), 200);
    let erase = || app.client.delete(app.url(&format!("/api/v1/receipts/{token}/personal-data"))).send();
    let early = erase().await.unwrap();
    assert_eq!(early.status(), 409, "the creator still needs it to deliver");
    assert_eq!(early.json::<Value>().await.unwrap()["type"], "/problems/not-erasable-yet");

    let parcels = json!([{ "reference": pledge, "carrier": "dhl", "tracking_number": "1234567890" }]);
    assert_eq!(import(&app, "lamp", "application/json", parcels.to_string()).await.status(), 200);
    let received =
        app.client.post(app.url(&format!("/api/v1/receipts/{token}/received"))).send().await.unwrap();
    assert_eq!(received.status(), 204);
    let before = app.campaign("lamp").await;
    assert!(app.text(&format!("/r/{token}")).await.contains("data-testid=\"erase\""));
    assert_eq!(erase().await.unwrap().status(), 204);

    let after = app.campaign("lamp").await;
    assert_eq!((after.raised, after.backers), (before.raised, before.backers), "totals stay");
    let receipt = app.json(&format!("/api/v1/receipts/{token}")).await;
    assert_eq!(
        (&receipt["name"], &receipt["amount"], &receipt["delivery"]),
        (&json!(""), &json!(10_000), &json!("delivered"))
    );
    let survey = app.json(&format!("/api/v1/receipts/{token}/survey")).await;
    assert!(survey["address"].is_null() && survey["answers"] == json!({}), "{survey}");
    let export =
        app.creator(Method::GET, "/api/v1/campaigns/lamp/pledges.csv", &app.demo_key).send().await.unwrap();
    let export = export.text().await.unwrap();
    assert!(!export.contains("mei@example.com") && export.contains(",100.00,USD,HK,30.00,"), "{export}");
    assert_eq!(erase().await.unwrap().status(), 204, "erasing twice is harmless");
}
tests::store_test!(a_backer_erases_their_data_once_delivered_and_every_total_stays);

async fn an_address_is_erased_when_its_retention_after_delivery_has_passed(app: TestApp) {
    app.create_campaign(surveyed("lamp", None)).await;
    let (token, pledge) = pledge_to(&app, "lamp", "CN", "wei@example.com").await;
    let address = json!({ "name": "王伟", "phone": "13800138000", "country": "CN", "region": "浙江省",
        "city": "杭州市", "district": "西湖区", "line1": "文三路 1 号" });
    let body = json!({ "address": address, "answers": { "gift": "yes" } });
    assert_eq!(put_survey(&app, &token, body).await.status(), 200);
    let parcels = json!([{ "reference": pledge, "carrier": "zto", "tracking_number": "ZT1" }]);
    assert_eq!(import(&app, "lamp", "application/json", parcels.to_string()).await.status(), 200);
    let (store, hub) = (&app.state.store, &app.state.hub);
    round::round(store, hub, 180, api::now().plus_seconds(31 * DAY)).await.unwrap();
    round::round(store, hub, 180, api::now().plus_seconds(200 * DAY)).await.unwrap();
    let kept = app.json(&format!("/api/v1/receipts/{token}/survey")).await;
    assert!(kept["address"]["line1"] == "文三路 1 号", "180 days after delivery, not 170: {kept}");
    round::round(store, hub, 180, api::now().plus_seconds(212 * DAY)).await.unwrap();
    let survey = app.json(&format!("/api/v1/receipts/{token}/survey")).await;
    assert!(survey["address"].is_null(), "{survey}");
    assert_eq!(survey["answers"]["gift"], "yes", "answers stay");
}
tests::store_test!(an_address_is_erased_when_its_retention_after_delivery_has_passed);

//! A manual campaign's WeChat Pay or Alipay collection code: uploaded by the creator (API or
//! dashboard), kept through the editor, shown to backers with the amount and reference.

use crate::dashboard::{csrf, get, sign_in};
use crate::editor::{hidden, png, submit, upload_form};
use crate::support::limited_campaign;
use dashboard::editor::CampaignDraft;
use domain::wire::{CampaignInput, PledgeCreated};
use domain::{ManualPayment, PaymentMode};
use reqwest::Method;
use reqwest::header::COOKIE;
use serde_json::{Value, json};
use tests::{TestApp, store_test};

fn manual(id: &str) -> CampaignInput {
    CampaignInput {
        survey: None,
        payments: PaymentMode::Manual,
        manual_payment: Some(ManualPayment {
            instructions: "扫码付款，备注参考号".into(),
            expires_after_hours: 24,
            qr: None,
        }),
        ..limited_campaign(id, 10)
    }
}

async fn put_qr(app: &TestApp, key: &str, id: &str, content_type: &str, bytes: Vec<u8>) -> reqwest::Response {
    let path = format!("/api/v1/campaigns/{id}/payment-qr");
    app.creator(Method::PUT, &path, key)
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .unwrap()
}

store_test!(a_collection_code_uploaded_by_the_creator_is_shown_to_backers_with_the_amount);
async fn a_collection_code_uploaded_by_the_creator_is_shown_to_backers_with_the_amount(app: TestApp) {
    let created = app
        .creator(Method::POST, "/api/v1/campaigns", &app.demo_key)
        .json(&manual("jars"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    assert_eq!(
        put_qr(&app, &app.demo_key, "jars", "image/png", b"not a picture".to_vec()).await.status(),
        422
    );
    assert_eq!(put_qr(&app, &app.demo_key, "jars", "image/gif", png()).await.status(), 415);
    let other = app.create_site("other", &["https://other.example"]).await;
    assert_eq!(
        put_qr(&app, &other, "jars", "image/png", png()).await.status(),
        404,
        "another site's campaign"
    );
    assert_eq!(
        put_qr(&app, &app.demo_key, "demo", "image/png", png()).await.status(),
        422,
        "not a manual campaign"
    );

    let set = put_qr(&app, &app.demo_key, "jars", "image/png", png()).await;
    assert_eq!(set.status(), 200);
    let qr = set.json::<Value>().await.unwrap()["qr"].as_str().unwrap().to_owned();
    let image = app.client.get(app.url(&qr)).send().await.unwrap();
    assert_eq!(image.headers()["content-type"], "image/png");
    assert!(image.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    assert_eq!(app.campaign("jars").await.manual_payment.unwrap().qr.as_deref(), Some(qr.as_str()));

    let body = json!({ "tier": "limited", "amount": 1_000, "options": { "size": "S" }, "name": "Fan", "contact": "f@example.com" });
    let pledged: PledgeCreated = app.post_pledge("jars", body.to_string()).await.json().await.unwrap();
    assert_eq!(pledged.payment.unwrap().qr.as_deref(), Some(qr.as_str()));
    let page = app.text(&format!("{}?lang=en", pledged.receipt_url)).await;
    assert!(page.contains(&format!("src=\"{qr}\"")) && page.contains("$10"), "the code beside the amount");

    // The definition may name only an image this server stored.
    let forged =
        json!({ "manual_payment": { "instructions": "pay here", "qr": "https://evil.example/qr.png" } });
    let refused = app
        .creator(Method::PATCH, "/api/v1/campaigns/jars", &app.demo_key)
        .json(&forged)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["codes"]["manual_payment.qr"]["code"], "invalid_url", "{problem}");
}

store_test!(a_collection_code_uploaded_in_the_dashboard_stays_through_the_editor);
async fn a_collection_code_uploaded_in_the_dashboard_stays_through_the_editor(app: TestApp) {
    let created = app
        .creator(Method::POST, "/api/v1/campaigns", &app.demo_key)
        .json(&manual("pots"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let cookie = sign_in(&app, "demo").await;
    let page = get(&app, "/dashboard/editor/pots?lang=en", &cookie).await.text().await.unwrap();
    assert!(page.contains("/dashboard/campaigns/pots/payment-qr"), "the upload form");
    let token = csrf(&page);
    let (form_type, body) = upload_form(&token, "qr", "image/png", &png());
    let upload = |body: Vec<u8>| {
        app.client
            .post(app.url("/dashboard/campaigns/pots/payment-qr"))
            .header(COOKIE, &cookie)
            .header("content-type", form_type.clone())
            .body(body)
            .send()
    };
    assert_eq!(upload(upload_form("forged", "qr", "image/png", &png()).1).await.unwrap().status(), 403);
    assert_eq!(upload(body).await.unwrap().status(), 303);
    let qr = app.campaign("pots").await.manual_payment.unwrap().qr.expect("the code");

    // Publishing other changes from the editor keeps the code.
    let page = get(&app, "/dashboard/editor/pots?lang=en", &cookie).await.text().await.unwrap();
    assert!(page.contains(&qr), "the editor shows the code");
    let mut draft = CampaignDraft::from_input(
        &app.state.hub.get("pots").unwrap().snapshot(api::now()).campaign.to_input(),
    );
    draft.summary = "Now glazed in celadon.".into();
    let published = submit(&app, &cookie, &csrf(&page), &hidden(&page, "draft"), &draft, "publish").await;
    assert_eq!(published.status(), 303);
    let view = app.campaign("pots").await;
    assert_eq!(
        (view.summary.as_str(), view.manual_payment.unwrap().qr),
        ("Now glazed in celadon.", Some(qr))
    );
}

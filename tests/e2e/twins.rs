//! What a fan can do through two doors — the JSON API the widget calls and the plain
//! forms of the server's pages, for browsers without wasm — happens alike through both:
//! the same rule refuses the same request, and a cancellation gives the same money back.

use crate::cards::{card_app, cards, create, pledge, save_card, token};
use crate::pages::input_value;
use crate::support::{limited_campaign, limited_pledge};
use domain::Funding;
use serde_json::json;
use tests::cards::CARD_OK;
use tests::{Engine, spawn_app};

/// The plain form's fields for one unit of [`limited_campaign`]'s tier.
fn limited_form(key: &str) -> Vec<(&'static str, String)> {
    vec![
        ("tier", "limited".into()),
        ("amount", "10".into()),
        ("option.limited.size", "S".into()),
        ("name", "Form fan".into()),
        ("contact", "form@example.com".into()),
        ("idempotency_key", key.into()),
        ("lang", "en".into()),
    ]
}

#[tokio::test]
async fn a_paid_card_pledge_cancelled_from_the_receipt_page_is_refunded_at_once_as_through_the_api() {
    let Some((app, stripe)) = card_app(Engine::Sqlite).await else { return };
    create(&app, &cards(limited_campaign("twin-refund", 10), Funding::Flexible, 100_000)).await;
    let created = pledge(&app, "twin-refund", 2).await;
    assert_eq!(save_card(&app, &stripe, &created, CARD_OK).await.status, "paid");

    let response = app.post_form(&format!("/r/{}/cancel", token(&created)), &[("lang", "en")]).await;
    assert_eq!(response.status(), 303, "the form shows the receipt again");

    // No background round has run: the form's door refunds as the API's does.
    let receipt = app.json(&format!("/api/v1/receipts/{}", token(&created))).await;
    assert_eq!(
        (receipt["status"].as_str(), receipt["payment"]["status"].as_str()),
        (Some("cancelled"), Some("refunded"))
    );
    let refunds = stripe.get("/v1/refunds").await;
    assert_eq!(refunds["data"].as_array().map(Vec::len), Some(1), "{refunds}");
    assert_eq!(refunds["data"][0]["amount"], 2_000);
    assert_eq!(app.campaign("twin-refund").await.raised, 0);
}

#[tokio::test]
async fn a_malformed_idempotency_key_is_refused_by_the_api_and_the_form_alike_and_nothing_is_pledged() {
    let app = spawn_app().await;
    app.create_campaign(limited_campaign("twin-key", 10)).await;
    let response = app
        .client
        .post(app.url("/api/v1/campaigns/twin-key/pledges"))
        .header("idempotency-key", "two words")
        .json(&limited_pledge(1))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["type"], "/problems/malformed");

    let response = app.post_form("/embed/twin-key/pledge", &limited_form("two words")).await;
    assert_eq!(response.status(), 400, "the form is refused, not pledged under no key");
    let html = response.text().await.unwrap();
    assert!(html.contains(problem["detail"].as_str().unwrap()), "told in the same words: {html}");
    assert_ne!(input_value(&html, "idempotency_key"), "two words", "the form comes back with a fresh key");
    assert_eq!(app.campaign("twin-key").await.backers, 0);
}

#[tokio::test]
async fn a_sold_out_tier_is_refused_by_the_api_and_the_form_alike() {
    let app = spawn_app().await;
    let mut campaign = limited_campaign("twin-sold", 1);
    campaign.tiers[0].per_backer = Some(1);
    campaign.tiers[0].options[0].values[1].min_batch = None;
    app.create_campaign(campaign).await;
    assert_eq!(app.post_pledge("twin-sold", limited_pledge(1).to_string()).await.status(), 201);

    let response = app.post_pledge("twin-sold", limited_pledge(2).to_string()).await;
    assert_eq!(response.status(), 409);
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["type"], "/problems/sold-out");

    let response = app.post_form("/embed/twin-sold/pledge", &limited_form("twin-sold-form")).await;
    assert_eq!(response.status(), 409);
    let html = response.text().await.unwrap();
    assert!(html.contains("Sold out"), "{html}");
    assert_eq!(app.campaign("twin-sold").await.backers, 1);
}

#[tokio::test]
async fn the_receipt_page_and_the_receipt_api_show_the_same_pledge() {
    let app = spawn_app().await;
    app.create_campaign(limited_campaign("twin-receipt", 10)).await;
    let body = json!({
        "tier": "limited", "quantity": 2, "amount": 2_500, "options": { "size": "S" },
        "name": "Receipt <twin>", "contact": "twin@example.com"
    });
    let response = app.post_pledge("twin-receipt", body.to_string()).await;
    assert_eq!(response.status(), 201);
    let created: domain::wire::PledgeCreated = response.json().await.unwrap();
    let token = created.receipt_url.rsplit('/').next().unwrap().to_owned();

    let view = app.json(&format!("/api/v1/receipts/{token}")).await;
    let page = app.text(&format!("/r/{token}?lang=en")).await;
    assert_eq!(view["share_url"], created.share_url.as_str());
    assert!(page.contains(view["share_url"].as_str().unwrap()), "the same share link");
    assert!(page.contains("Receipt &lt;twin&gt;"), "the same name, as text");
    assert!(page.contains("Your pledge of $25 is in"), "the same amount: {page}");
    assert_eq!((view["quantity"].as_u64(), view["amount"].as_i64()), (Some(2), Some(2_500)));

    // A token of the wrong shape is not there, through either door.
    assert_eq!(app.client.get(app.url("/api/v1/receipts/not-a-token")).send().await.unwrap().status(), 404);
    assert_eq!(app.client.get(app.url("/r/not-a-token")).send().await.unwrap().status(), 404);
}

//! Values left short of their minimum batch when a campaign succeeds: their backers are
//! refunded, or offered the values that are made for seven days, as the creator chose.

use crate::support::campaign_between;
use crate::webhooks::{add_endpoint, received};
use domain::wire::{CampaignInput, PledgeCreated};
use domain::{Funding, PaymentMode, Unmade};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;
use tests::cards::CARD_OK;
use tests::{Localstripe, Options, Receiver, TestApp, eventually};

const WAIT: Duration = Duration::from_secs(30);

/// Size L is made from 3 units; the campaign ends in `ends_in` seconds.
fn campaign(id: &str, ends_in: i64, funding: Funding, unmade: Unmade) -> CampaignInput {
    CampaignInput {
        survey: None,
        payments: PaymentMode::Stripe,
        funding,
        goal: 2_000,
        unmade,
        ..campaign_between(id, -60, ends_in)
    }
}

async fn start() -> Option<(TestApp, Localstripe)> {
    let stripe = Localstripe::start().await?;
    let app = tests::spawn_app_with(Options { stripe: Some(stripe.settings()), ..Options::default() }).await;
    Some((app, stripe))
}

/// A one-unit pledge for `size` with its card saved: the payment status after.
async fn pledge(app: &TestApp, stripe: &Localstripe, id: &str, size: &str) -> (PledgeCreated, String) {
    let body = json!({ "tier": "limited", "amount": 1_000, "options": { "size": size }, "name": "Fan", "contact": "f@example.com" });
    let response = app.post_pledge(id, body.to_string()).await;
    assert_eq!(response.status(), 201);
    let created: PledgeCreated = response.json().await.unwrap();
    stripe.confirm_setup(created.payment.as_ref().unwrap().client_secret.as_deref().unwrap(), CARD_OK).await;
    let token = created.receipt_url.rsplit('/').next().unwrap().to_owned();
    let confirmed = app.post_json(&format!("/api/v1/receipts/{token}/payment/confirm")).await;
    assert!(confirmed["status"] == "paid" || confirmed["status"] == "secured", "{confirmed}");
    (created, token)
}

async fn receipt(app: &TestApp, token: &str) -> Value {
    app.json(&format!("/api/v1/receipts/{token}")).await
}

/// A `switch` campaign ending in 4 s with a one-unit pledge for each of `sizes` (the last a
/// made value), once it has settled: their receipt tokens.
async fn settled_with<const N: usize>(
    app: &TestApp,
    stripe: &Localstripe,
    id: &str,
    sizes: [&str; N],
) -> [String; N] {
    create(app, &campaign(id, 4, Funding::AllOrNothing, Unmade::Switch)).await;
    let mut tokens = Vec::new();
    for size in sizes {
        tokens.push(pledge(app, stripe, id, size).await.1);
    }
    let made = tokens.last().expect("a pledge of a made value");
    eventually(WAIT, "the campaign settled and the made value charged", || async {
        (receipt(app, made).await["payment"]["status"] == "paid").then_some(())
    })
    .await;
    tokens.try_into().expect("a token for each size")
}

async fn create(app: &TestApp, campaign: &CampaignInput) {
    let response =
        app.creator(Method::POST, "/api/v1/campaigns", &app.demo_key).json(campaign).send().await.unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
}

#[tokio::test]
async fn backers_of_a_value_not_made_are_cancelled_and_refunded_when_the_creator_chose_refunds() {
    let Some((app, stripe)) = start().await else { return };
    let receiver = Receiver::start().await;
    assert_eq!(add_endpoint(&app, &receiver.url).await.status(), 201);
    create(&app, &campaign("batch", 4, Funding::Flexible, Unmade::Refund)).await;
    let (_large, large) = pledge(&app, &stripe, "batch", "L").await;
    let (_small, small) = pledge(&app, &stripe, "batch", "S").await;
    assert_eq!(app.campaign("batch").await.raised, 2_000, "both charged at once (flexible)");

    eventually(WAIT, "the large pledge cancelled and refunded", || async {
        let r = receipt(&app, &large).await;
        (r["status"] == "cancelled" && r["payment"]["status"] == "refunded").then_some(())
    })
    .await;
    let kept = receipt(&app, &small).await;
    assert_eq!((kept["status"].as_str(), kept["payment"]["status"].as_str()), (Some("live"), Some("paid")));
    assert!(kept.get("choose_by").is_none());
    let view = app.campaign("batch").await;
    assert_eq!((view.raised, view.backers), (1_000, 1));
    let refunds = stripe.get("/v1/refunds").await;
    assert_eq!(refunds["data"].as_array().map(Vec::len), Some(1), "{refunds}");
    let events = received(&receiver, 7).await;
    let kinds: Vec<&str> = events.iter().filter_map(|d| d.event["type"].as_str()).collect();
    assert!(kinds.contains(&"pledge.cancelled") && kinds.contains(&"pledge.refunded"), "{kinds:?}");
}

#[tokio::test]
async fn backers_of_a_value_not_made_may_choose_one_that_is_and_are_charged_for_it() {
    let Some((app, stripe)) = start().await else { return };
    let [chooser, silent, _small] = settled_with(&app, &stripe, "offer", ["L", "L", "S"]).await;
    let offered = receipt(&app, &chooser).await;
    assert_eq!(offered["payment"]["status"], "secured", "not charged for a value not made");
    let by = offered["choose_by"].as_str().expect("a time to choose").to_owned();
    let days = (domain::Timestamp::parse(&by).unwrap().unix() - api::now().unix()) as f64 / 86_400.0;
    assert!((6.9..=7.0).contains(&days), "{days}");
    let page = app.text(&format!("/r/{chooser}?lang=en")).await;
    assert!(page.contains("Choose a value that is made instead"), "{page}");

    let choose = |options: Value| {
        let url = app.url(&format!("/api/v1/receipts/{chooser}/options"));
        let client = app.client.clone();
        async move { client.post(url).json(&json!({ "options": options })).send().await.unwrap() }
    };
    let refused = choose(json!({ "size": "L" })).await;
    assert_eq!(refused.status(), 422);
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["codes"]["options.size"]["code"], "not_made", "{problem}");
    assert_eq!(choose(json!({ "colour": "red" })).await.status(), 422, "an option it does not have");
    assert_eq!(choose(json!({ "size": "S" })).await.status(), 204);
    assert_eq!(choose(json!({ "size": "S" })).await.status(), 409, "chosen already");

    eventually(WAIT, "the chosen value charged", || async {
        (receipt(&app, &chooser).await["payment"]["status"] == "paid").then_some(())
    })
    .await;
    let view = app.campaign("offer").await;
    let size = &view.tiers[0].options[0];
    let claimed: Vec<(String, u32)> = size.values.iter().map(|v| (v.value.clone(), v.claimed)).collect();
    assert_eq!(claimed, [("S".to_owned(), 2), ("L".to_owned(), 1)]);

    // The backer who never chose is cancelled once the week is over; nothing was charged.
    let store = &app.state.store;
    assert_eq!(api::settlement::cancel_unmade(store, api::now().plus_seconds(6 * 86_400)).await.unwrap(), 0);
    assert_eq!(api::settlement::cancel_unmade(store, api::now().plus_seconds(8 * 86_400)).await.unwrap(), 1);
    let gone = receipt(&app, &silent).await;
    assert_eq!(
        (gone["status"].as_str(), gone["payment"]["status"].as_str()),
        (Some("cancelled"), Some("secured"))
    );
    let charged: Vec<Value> = stripe.payment_intents().await;
    assert_eq!(charged.len(), 2, "the small pledge and the chooser's: {charged:?}");
    assert_eq!(app.campaign("offer").await.raised, 2_000);
}

#[tokio::test]
async fn a_backer_without_the_wasm_chooses_a_value_that_is_made_with_the_receipts_plain_form() {
    let Some((app, stripe)) = start().await else { return };
    let [chooser, _small] = settled_with(&app, &stripe, "plain", ["L", "S"]).await;
    assert!(receipt(&app, &chooser).await["choose_by"].is_string());

    let page = app.text(&format!("/r/{chooser}?lang=en&view=embed")).await;
    let action = format!("/r/{chooser}/options?view=embed&amp;lang=en&amp;theme=light");
    assert!(
        page.contains(&format!(r#"method="post" action="{action}"#)),
        "the chooser posts without the wasm: {page}"
    );
    let post = |pairs: Vec<(String, String)>| {
        let url = app.url(&format!("/r/{chooser}/options?view=embed&lang=en"));
        let client = app.client.clone();
        async move { client.post(url).form(&pairs).send().await.unwrap() }
    };
    let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());

    let refused = post(vec![pair("choose.size", "L")]).await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(page.contains("data-testid=\"choose-refused\"") && page.contains("Is not made"), "{page}");
    assert!(page.contains("data-testid=\"choose\""), "the chooser is offered again: {page}");
    assert_eq!(post(vec![pair("choose.colour", "red")]).await.status(), 422, "an option it does not have");
    let junk: Vec<(String, String)> = (0..200).map(|i| (format!("choose.x{i}"), "<script>".into())).collect();
    let junk = post(junk).await;
    assert_eq!(junk.status(), 422);
    let junk = junk.text().await.unwrap();
    assert!(junk.contains("Is not an option of this tier"), "told why, in the reader's words: {junk}");
    assert!(!junk.contains("<script>"), "nothing posted is shown back");
    assert_eq!(
        post(vec![pair("choose.size", &"S".repeat(20_000))]).await.status(),
        413,
        "over the pages' 16 KB"
    );
    assert_eq!(receipt(&app, &chooser).await["options"]["size"], "L", "nothing changed by a refusal");
    let elsewhere =
        app.client.post(app.url(&format!("/r/{}/options", "0".repeat(64)))).form(&[pair("choose.size", "S")]);
    assert_eq!(elsewhere.send().await.unwrap().status(), 404);

    // Four taps at once: one choice is taken, the others are told it was already made.
    let taps = futures::future::join_all((0..4).map(|_| post(vec![pair("choose.size", "S")]))).await;
    let statuses: Vec<u16> = taps.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 303).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 303 || *s == 422), "{statuses:?}");
    let back = taps.iter().find(|r| r.status() == 303).unwrap();
    assert_eq!(back.headers()["location"], format!("/r/{chooser}?view=embed&lang=en&theme=light").as_str());
    let again = post(vec![pair("choose.size", "S")]).await.text().await.unwrap();
    assert!(again.contains("This pledge no longer waits for a choice."), "{again}");

    eventually(WAIT, "the chosen value charged", || async {
        (receipt(&app, &chooser).await["payment"]["status"] == "paid").then_some(())
    })
    .await;
    assert_eq!(receipt(&app, &chooser).await["options"]["size"], "S");
    assert_eq!(
        stripe.payment_intents().await.len(),
        2,
        "charged once for the choice, once for the small pledge"
    );
}

#[tokio::test]
async fn in_chromium_a_backer_chooses_a_made_value_with_the_wasm_and_another_without_it() {
    use crate::browser::{WAIT as SHOWN, hydrated, shows};
    use fantoccini::Locator;
    let Some((app, stripe)) = start().await else { return };
    let [with, without, _small] = settled_with(&app, &stripe, "both", ["L", "L", "S"]).await;

    let browser = tests::Browser::start(&["--lang=en-US"]).await.expect("Chromium starts");
    let c = &browser.client;
    c.goto(&app.url(&format!("/r/{with}?lang=en"))).await.unwrap();
    hydrated(c).await;
    c.find(Locator::Css("[data-testid=choose-submit]")).await.unwrap().click().await.unwrap();
    shows(
        c,
        "[data-testid=chosen]",
        "Thank you: your choice is saved, and your pledge stands.",
        "the wasm's answer",
    )
    .await;
    browser.close().await;

    let browser = tests::Browser::start(&["--lang=en-US"]).await.expect("Chromium starts");
    crate::light::refuse_wasm(&browser).await;
    let c = &browser.client;
    c.goto(&app.url(&format!("/r/{without}?lang=en"))).await.unwrap();
    c.find(Locator::Css("[data-testid=choose-submit]")).await.unwrap().click().await.unwrap();
    eventually(SHOWN, "the receipt again, with the value chosen", || async {
        crate::browser::text(c, ".tf-chosen").await.filter(|t| t.contains("size: S"))
    })
    .await;
    assert!(c.find(Locator::Css("[data-testid=choose]")).await.is_err(), "nothing left to choose");
    browser.close().await;

    for token in [&with, &without] {
        eventually(SHOWN, "each chooser charged for the made value", || async {
            let r = receipt(&app, token).await;
            (r["options"]["size"] == "S" && r["payment"]["status"] == "paid").then_some(())
        })
        .await;
    }
}

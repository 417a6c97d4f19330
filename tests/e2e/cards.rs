//! Card payments through Stripe, against localstripe: a card saved with a SetupIntent counts
//! toward the goal, is charged off-session when an all-or-nothing campaign succeeds (at once
//! in a flexible one) and never when it fails; declined cards get a week to be replaced;
//! Stripe's events are verified and applied once; a cancelled paid pledge is refunded.

use crate::support::{campaign_between, limited_campaign};
use crate::webhooks::{add_endpoint, received};
use domain::wire::{CampaignInput, PaymentInfo, PledgeCreated};
use domain::{Funding, PaymentMode};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;
use tests::cards::{CARD_DECLINED, CARD_DECLINED_AT_CHARGE, CARD_OK, WEBHOOK_SECRET};
use tests::{Engine, Localstripe, Options, Receiver, TestApp, eventually};

pub(crate) const WAIT: Duration = Duration::from_secs(30);

pub(crate) async fn card_app(engine: Engine) -> Option<(TestApp, Localstripe)> {
    let stripe = Localstripe::start().await?;
    let options = Options { stripe: Some(stripe.settings()), ..Options::default() };
    let app = tests::spawn_app_on_with(engine, options).await?;
    Some((app, stripe))
}

pub(crate) fn cards(campaign: CampaignInput, funding: Funding, goal: i64) -> CampaignInput {
    CampaignInput { payments: PaymentMode::Stripe, funding, goal, ..campaign }
}

pub(crate) async fn create(app: &TestApp, campaign: &CampaignInput) {
    let response =
        app.creator(Method::POST, "/api/v1/campaigns", &app.demo_key).json(campaign).send().await.unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
}

pub(crate) async fn pledge(app: &TestApp, campaign: &str, units: u32) -> PledgeCreated {
    let body = json!({
        "tier": "limited", "quantity": units, "amount": 1_000 * i64::from(units),
        "options": { "size": "S" }, "name": "Fan", "contact": "fan@example.com"
    });
    let response = app.post_pledge(campaign, body.to_string()).await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

pub(crate) fn token(created: &PledgeCreated) -> String {
    created.receipt_url.rsplit('/').next().unwrap().to_owned()
}

pub(crate) async fn post(app: &TestApp, path: &str) -> reqwest::Response {
    app.client.post(app.url(path)).send().await.unwrap()
}

/// Saves `card` as the backer's browser does, then tells the server: the payment after.
pub(crate) async fn save_card(
    app: &TestApp,
    stripe: &Localstripe,
    created: &PledgeCreated,
    card: &str,
) -> PaymentInfo {
    let secret = created.payment.as_ref().and_then(|p| p.client_secret.clone()).expect("a client secret");
    stripe.confirm_setup(&secret, card).await;
    confirm(app, &token(created)).await
}

pub(crate) async fn confirm(app: &TestApp, token: &str) -> PaymentInfo {
    serde_json::from_value(app.post_json(&format!("/api/v1/receipts/{token}/payment/confirm")).await).unwrap()
}

pub(crate) async fn status(app: &TestApp, created: &PledgeCreated) -> String {
    let receipt = app.json(&format!("/api/v1/receipts/{}", token(created))).await;
    receipt["payment"]["status"].as_str().unwrap_or_default().to_owned()
}

pub(crate) async fn settled_status(app: &TestApp, created: &PledgeCreated, wanted: &str) {
    eventually(WAIT, &format!("the payment {wanted}"), || async {
        (status(app, created).await == wanted).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_saved_card_counts_toward_the_goal_and_is_charged_once_when_the_campaign_succeeds() {
    let Some((app, stripe)) = card_app(Engine::Sqlite).await else { return };
    let receiver = Receiver::start().await;
    assert_eq!(add_endpoint(&app, &receiver.url).await.status(), 201);
    create(&app, &cards(campaign_between("kiln", -60, 4), Funding::AllOrNothing, 2_000)).await;

    let created = pledge(&app, "kiln", 2).await;
    let payment = created.payment.clone().unwrap();
    assert_eq!(payment.status, "pending");
    assert!(payment.client_secret.as_deref().is_some_and(|s| s.starts_with("seti_")), "{payment:?}");
    assert_eq!(payment.publishable_key.as_deref(), Some(tests::cards::PUBLISHABLE_KEY));
    let view = app.campaign("kiln").await;
    assert_eq!((view.raised, view.pledged), (0, 2_000), "a pending card does not count yet");

    let saved = save_card(&app, &stripe, &created, CARD_OK).await;
    assert_eq!(saved.status, "secured");
    assert_eq!(app.campaign("kiln").await.raised, 2_000, "a saved card counts");
    assert!(stripe.payment_intents().await.is_empty(), "nothing charged before the end");
    let listed = app.creator_json("/api/v1/campaigns/kiln/pledges").await;
    assert_eq!(listed["pledges"][0]["payment"], json!({ "status": "secured" }));

    settled_status(&app, &created, "paid").await;
    // However often every replica's round runs, the card was charged once.
    for _ in 0..5 {
        api::payments::cards::round(&app.state.cards).await.unwrap();
    }
    let charges = stripe.payment_intents().await;
    assert_eq!(charges.len(), 1, "{charges:?}");
    assert_eq!(
        (charges[0]["amount"].as_i64(), charges[0]["status"].as_str()),
        (Some(2_000), Some("succeeded"))
    );
    assert_eq!(charges[0]["metadata"]["pledge"], created.id.as_str());
    let paid = received(&receiver, 3).await;
    let kinds: Vec<&str> = paid.iter().filter_map(|d| d.event["type"].as_str()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "pledge.paid").count(), 1, "{kinds:?}");
    assert!(kinds.contains(&"campaign.succeeded"), "{kinds:?}");
}

#[tokio::test]
async fn nothing_is_charged_when_an_all_or_nothing_campaign_fails() {
    let Some((app, stripe)) = card_app(Engine::Sqlite).await else { return };
    create(&app, &cards(campaign_between("vase", -60, 3), Funding::AllOrNothing, 100_000)).await;
    let created = pledge(&app, "vase", 1).await;
    assert_eq!(save_card(&app, &stripe, &created, CARD_OK).await.status, "secured");
    assert_eq!(app.campaign("vase").await.raised, 1_000);

    settled_status(&app, &created, "void").await;
    api::payments::cards::round(&app.state.cards).await.unwrap();
    assert!(stripe.payment_intents().await.is_empty(), "no charge for a failed campaign");
    // The card is let go at Stripe: detached from the pledge's customer.
    let secret = created.payment.as_ref().unwrap().client_secret.clone().unwrap();
    let intent = stripe.get(&format!("/v1/setup_intents/{}", secret.split("_secret_").next().unwrap())).await;
    let method = intent["payment_method"].as_str().unwrap().to_owned();
    eventually(WAIT, "the card detached", || async {
        stripe.get(&format!("/v1/payment_methods/{method}")).await["customer"].is_null().then_some(())
    })
    .await;
    let view = app.campaign("vase").await;
    assert_eq!((view.raised, view.pledged), (0, 1_000), "no money taken; the promise is still shown");
}

#[tokio::test]
async fn a_flexible_campaign_charges_the_card_as_soon_as_it_is_saved() {
    let Some((app, stripe)) = card_app(Engine::Sqlite).await else { return };
    create(&app, &cards(limited_campaign("mugs", 10), Funding::Flexible, 100_000)).await;
    let created = pledge(&app, "mugs", 3).await;
    assert_eq!(save_card(&app, &stripe, &created, CARD_OK).await.status, "paid");
    assert_eq!(app.campaign("mugs").await.raised, 3_000);
    let charges = stripe.payment_intents().await;
    assert_eq!(charges.len(), 1);
    assert_eq!(charges[0]["amount"], 3_000);
    // The browser telling again changes nothing.
    assert_eq!(confirm(&app, &token(&created)).await.status, "paid");
    assert_eq!(stripe.payment_intents().await.len(), 1);
}

#[tokio::test]
async fn a_card_declined_at_the_charge_gets_a_week_to_be_replaced_and_the_new_card_is_charged() {
    let Some((app, stripe)) = card_app(Engine::Sqlite).await else { return };
    create(&app, &cards(limited_campaign("bowls", 10), Funding::Flexible, 100_000)).await;
    let created = pledge(&app, "bowls", 1).await;
    let failed = save_card(&app, &stripe, &created, CARD_DECLINED_AT_CHARGE).await;
    assert_eq!(failed.status, "failed");
    let due = failed.due_at.expect("a time to fix the card").unix() - api::now().unix();
    assert!((6 * 86_400..=7 * 86_400).contains(&due), "a week to fix it: {due}");
    assert_eq!(app.campaign("bowls").await.raised, 0, "a declined card does not count");
    let page = app.text(&format!("{}?lang=en", created.receipt_url)).await;
    assert!(page.contains("Your card was declined"), "{page}");

    // The receipt's card form asks for a fresh intent and saves another card.
    let response = post(&app, &format!("/api/v1/receipts/{}/payment", token(&created))).await;
    assert_eq!(response.status(), 200);
    let fresh: PaymentInfo = response.json().await.unwrap();
    let secret = fresh.client_secret.expect("a new client secret");
    assert_ne!(Some(&secret), created.payment.as_ref().unwrap().client_secret.as_ref());
    stripe.confirm_setup(&secret, CARD_OK).await;
    assert_eq!(confirm(&app, &token(&created)).await.status, "paid");
    assert_eq!(app.campaign("bowls").await.raised, 1_000);
    let statuses: Vec<Value> = stripe.payment_intents().await.iter().map(|p| p["status"].clone()).collect();
    assert_eq!(statuses.iter().filter(|s| *s == "succeeded").count(), 1, "{statuses:?}");
}

#[tokio::test]
async fn a_card_declined_when_saved_leaves_the_pledge_pending_for_another_card() {
    let Some((app, stripe)) = card_app(Engine::Sqlite).await else { return };
    create(&app, &cards(limited_campaign("plates", 10), Funding::Flexible, 100_000)).await;
    let created = pledge(&app, "plates", 1).await;
    let declined = stripe
        .confirm_setup(created.payment.as_ref().unwrap().client_secret.as_deref().unwrap(), CARD_DECLINED)
        .await;
    assert_eq!(declined["error"]["code"], "card_declined");
    assert_eq!(
        confirm(&app, &token(&created)).await.status,
        "pending",
        "the browser cannot claim it was saved"
    );
    let response = post(&app, &format!("/api/v1/receipts/{}/payment", token(&created))).await;
    let fresh: PaymentInfo = response.json().await.unwrap();
    stripe.confirm_setup(fresh.client_secret.as_deref().unwrap(), CARD_OK).await;
    assert_eq!(confirm(&app, &token(&created)).await.status, "paid");
}

/// A Stripe event as Stripe signs it, at `at` (Unix seconds).
pub(crate) fn signed(event: &Value, secret: &str, at: i64) -> (String, String) {
    let body = event.to_string();
    (api::webhooks::deliver::signature(secret, at, &body), body)
}

pub(crate) async fn send_event(app: &TestApp, (signature, body): (String, String)) -> u16 {
    let response = app
        .client
        .post(app.url("/webhooks/stripe"))
        .header("Stripe-Signature", signature)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    response.status().as_u16()
}

#[tokio::test]
async fn stripe_events_are_verified_and_each_applied_once() {
    let Some((app, stripe)) = card_app(Engine::Sqlite).await else { return };
    create(&app, &cards(campaign_between("jugs", -60, 3_600), Funding::AllOrNothing, 100_000)).await;
    let created = pledge(&app, "jugs", 2).await;
    let secret = created.payment.as_ref().unwrap().client_secret.clone().unwrap();
    // The backer's browser saves the card and closes before telling the server: Stripe's
    // event tells it instead.
    stripe.confirm_setup(&secret, CARD_OK).await;
    let intent = stripe.get(&format!("/v1/setup_intents/{}", secret.split("_secret_").next().unwrap())).await;
    let event = json!({ "id": "evt_saved", "type": "setup_intent.succeeded", "data": { "object": intent } });
    let now = api::now().unix();

    assert_eq!(send_event(&app, signed(&event, "whsec_forged", now)).await, 400, "a forged signature");
    assert_eq!(
        send_event(&app, signed(&event, WEBHOOK_SECRET, now - 3_600)).await,
        400,
        "a replay an hour late"
    );
    assert_eq!(send_event(&app, (String::new(), event.to_string())).await, 400, "no signature");
    assert_eq!(status(&app, &created).await, "pending", "nothing refused was applied");

    let sent =
        futures::future::join_all((0..5).map(|_| send_event(&app, signed(&event, WEBHOOK_SECRET, now))))
            .await;
    assert!(sent.iter().all(|s| *s == 200), "{sent:?}");
    assert_eq!(send_event(&app, signed(&event, WEBHOOK_SECRET, now)).await, 200, "replayed later");
    assert_eq!(status(&app, &created).await, "secured");
    assert_eq!(app.campaign("jugs").await.raised, 2_000, "counted once");
    assert_eq!(app.state.store.recount("jugs").await.unwrap().0, 2_000);
}

#[tokio::test]
async fn a_paid_pledge_its_backer_cancels_is_refunded_through_stripe() {
    let Some((app, stripe)) = card_app(Engine::Sqlite).await else { return };
    let receiver = Receiver::start().await;
    assert_eq!(add_endpoint(&app, &receiver.url).await.status(), 201);
    create(&app, &cards(limited_campaign("tiles", 10), Funding::Flexible, 100_000)).await;
    let created = pledge(&app, "tiles", 2).await;
    assert_eq!(save_card(&app, &stripe, &created, CARD_OK).await.status, "paid");

    let response =
        app.client.delete(app.url(&format!("/api/v1/receipts/{}", token(&created)))).send().await.unwrap();
    assert_eq!(response.status(), 204);
    let receipt = app.json(&format!("/api/v1/receipts/{}", token(&created))).await;
    assert_eq!(
        (receipt["status"].as_str(), receipt["payment"]["status"].as_str()),
        (Some("cancelled"), Some("refunded"))
    );
    let refunds = stripe.get("/v1/refunds").await;
    assert_eq!(refunds["data"].as_array().map(Vec::len), Some(1), "{refunds}");
    assert_eq!(refunds["data"][0]["amount"], 2_000);
    let view = app.campaign("tiles").await;
    assert_eq!((view.raised, view.pledged, view.tiers[0].claimed), (0, 0, 0));
    let events = received(&receiver, 4).await;
    let refunded: Vec<_> = events.iter().filter(|d| d.event["type"] == "pledge.refunded").collect();
    assert_eq!(refunded.len(), 1);
    assert_eq!(refunded[0].event["data"]["pledge"]["payment"], "refunded");
    // Every replica's round finds nothing more to give back.
    api::payments::cards::round(&app.state.cards).await.unwrap();
    assert_eq!(stripe.get("/v1/refunds").await["data"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn a_unit_held_for_a_card_is_released_after_fifteen_minutes() {
    let Some((app, stripe)) = card_app(Engine::Sqlite).await else { return };
    create(&app, &cards(limited_campaign("last", 5), Funding::Flexible, 100_000)).await;
    let created = pledge(&app, "last", 5).await;
    let due = created.payment.as_ref().unwrap().due_at.expect("held until").unix() - api::now().unix();
    assert!((14 * 60..=15 * 60).contains(&due), "held 15 minutes: {due}");
    let body = json!({ "tier": "limited", "amount": 1_000, "options": { "size": "S" }, "name": "Late", "contact": "late@example.com" });
    assert_eq!(app.post_pledge("last", body.to_string()).await.status(), 409, "the units are held");

    let store = &app.state.store;
    assert_eq!(
        api::payments::expiry::void_overdue(store, api::now().plus_seconds(14 * 60)).await.unwrap(),
        0
    );
    assert_eq!(
        api::payments::expiry::void_overdue(store, api::now().plus_seconds(16 * 60)).await.unwrap(),
        1
    );
    assert_eq!(status(&app, &created).await, "void");
    assert_eq!(app.post_pledge("last", body.to_string()).await.status(), 201, "released to the next fan");
    // Its intent is called off at Stripe: the card can no longer be saved for it.
    api::payments::cards::round(&app.state.cards).await.unwrap();
    let secret = created.payment.as_ref().unwrap().client_secret.clone().unwrap();
    let intent = stripe.get(&format!("/v1/setup_intents/{}", secret.split("_secret_").next().unwrap())).await;
    assert_eq!(intent["status"], "canceled", "{intent}");
}

#[tokio::test]
async fn the_card_form_page_allows_exactly_stripes_origins_and_only_its_backer() {
    let Some((app, stripe)) = card_app(Engine::Sqlite).await else { return };
    create(&app, &cards(limited_campaign("csp", 10), Funding::Flexible, 100_000)).await;
    let created = pledge(&app, "csp", 1).await;
    let response =
        app.client.get(app.url(&format!("/pay/{}?lang=en", token(&created)))).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let csp = response.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert_eq!(response.headers()["referrer-policy"], "no-referrer", "the token stays out of Referer");
    assert!(csp.contains(&format!("script-src 'self' {};", stripe.base)), "{csp}");
    assert!(csp.contains(&format!("frame-src {};", stripe.base)), "{csp}");
    assert!(csp.contains(&format!("connect-src 'self' {};", stripe.base)), "{csp}");
    for directive in csp.split(';').filter(|d| !d.trim().starts_with("frame-ancestors")) {
        assert!(!directive.contains('*'), "no wildcards: {csp}");
    }
    let page = response.text().await.unwrap();
    assert!(page.contains(&stripe.url("/js.stripe.com/v3/")) && page.contains("Save card"), "{page}");
    // The widget's own pages never load Stripe.js.
    let embed = app.client.get(app.url("/embed/csp")).send().await.unwrap();
    assert!(!embed.headers()["content-security-policy"].to_str().unwrap().contains(&stripe.base));
    // A wrong token, or a campaign without cards, has no card form.
    let wrong = format!("/pay/{}", "0".repeat(64));
    assert_eq!(app.client.get(app.url(&wrong)).send().await.unwrap().status(), 404);
    assert_eq!(app.client.get(app.url("/pay/not-a-token")).send().await.unwrap().status(), 404);
    create(&app, &limited_campaign("plain", 10)).await;
    let plain = pledge(&app, "plain", 1).await;
    let response = app.client.get(app.url(&format!("/pay/{}", token(&plain)))).send().await.unwrap();
    assert_eq!(response.status(), 409);
}

#[tokio::test]
async fn settlement_on_two_replicas_charges_each_card_once() {
    let Some(stripe) = Localstripe::start().await else { return };
    let options = Options { stripe: Some(stripe.settings()), ..Options::default() };
    let Some((a, b)) = tests::spawn_replicas_with(options).await else { return };
    create(&a, &cards(campaign_between("pair", -60, 5), Funding::AllOrNothing, 3_000)).await;
    eventually(WAIT, "replica B to know the campaign", || async { b.state.hub.get("pair") }).await;
    let mut pledges = Vec::new();
    for (i, app) in [&a, &b, &a].into_iter().enumerate() {
        let created = pledge(app, "pair", 1).await;
        assert_eq!(save_card(app, &stripe, &created, CARD_OK).await.status, "secured", "pledge {i}");
        pledges.push(created);
    }
    for created in &pledges {
        settled_status(&a, created, "paid").await;
    }
    // Both replicas' rounds, again and at once.
    let (ra, rb) = tokio::join!(
        api::payments::cards::round(&a.state.cards),
        api::payments::cards::round(&b.state.cards)
    );
    ra.unwrap();
    rb.unwrap();
    let charges = stripe.payment_intents().await;
    assert_eq!(charges.len(), 3, "one charge per card: {charges:?}");
    let mut charged: Vec<&str> = charges.iter().filter_map(|c| c["metadata"]["pledge"].as_str()).collect();
    charged.sort_unstable();
    charged.dedup();
    assert_eq!(charged.len(), 3);
    assert_eq!(a.campaign("pair").await.raised, 3_000);
}

#[tokio::test]
async fn card_payments_are_refused_where_the_server_has_no_stripe_keys() {
    let app = tests::spawn_app().await;
    let campaign = cards(limited_campaign("nokeys", 10), Funding::Flexible, 100_000);
    let response =
        app.creator(Method::POST, "/api/v1/campaigns", &app.demo_key).json(&campaign).send().await.unwrap();
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["codes"]["payments"]["code"], "not_available", "{body}");
    assert_eq!(post(&app, "/webhooks/stripe").await.status(), 404);
}

#[tokio::test]
async fn ten_confirmations_at_once_charge_the_card_once() {
    let Some((app, stripe)) = card_app(Engine::Sqlite).await else { return };
    create(&app, &cards(limited_campaign("rush", 10), Funding::Flexible, 100_000)).await;
    let created = pledge(&app, "rush", 1).await;
    stripe.confirm_setup(created.payment.as_ref().unwrap().client_secret.as_deref().unwrap(), CARD_OK).await;
    let path = format!("/api/v1/receipts/{}/payment/confirm", token(&created));
    let answers = futures::future::join_all((0..10).map(|_| post(&app, &path))).await;
    assert!(
        answers.iter().all(|r| r.status() == 200),
        "{:?}",
        answers.iter().map(|r| r.status()).collect::<Vec<_>>()
    );
    settled_status(&app, &created, "paid").await;
    assert_eq!(stripe.payment_intents().await.len(), 1, "charged once");
    assert_eq!(app.campaign("rush").await.raised, 1_000, "counted once");
}

#[tokio::test]
async fn hostile_card_calls_and_stripe_events_are_refused_without_effect() {
    let Some((app, _stripe)) = card_app(Engine::Sqlite).await else { return };
    create(&app, &cards(limited_campaign("guard", 10), Funding::Flexible, 100_000)).await;
    let created = pledge(&app, "guard", 1).await;
    // Someone else's receipt, guessed: nothing to see or do.
    let guessed = format!("{}{}", &token(&created)[..32], "0".repeat(32));
    for path in
        [format!("/api/v1/receipts/{guessed}/payment"), format!("/api/v1/receipts/{guessed}/payment/confirm")]
    {
        assert_eq!(post(&app, &path).await.status(), 404, "{path}");
    }
    assert_eq!(post(&app, "/api/v1/receipts/short/payment").await.status(), 404);
    // The browser cannot claim a card it never saved.
    assert_eq!(confirm(&app, &token(&created)).await.status, "pending");
    // Events: oversized, malformed though signed, of an unknown kind, or naming no pledge.
    let now = api::now().unix();
    let huge = json!({ "id": "evt_huge", "type": "setup_intent.succeeded", "pad": "x".repeat(300_000) });
    assert_eq!(send_event(&app, signed(&huge, WEBHOOK_SECRET, now)).await, 413);
    let garbage =
        (api::webhooks::deliver::signature(WEBHOOK_SECRET, now, "{not json"), "{not json".to_owned());
    assert_eq!(send_event(&app, garbage).await, 400);
    let unknown = json!({ "id": "evt_x", "type": "charge.dispute.created", "data": { "object": {} } });
    assert_eq!(send_event(&app, signed(&unknown, WEBHOOK_SECRET, now)).await, 200);
    let other = json!({ "id": "evt_y", "type": "setup_intent.succeeded", "data": { "object": {
        "id": "seti_forged", "status": "succeeded", "payment_method": "pm_x", "metadata": { "pledge": created.id }
    } } });
    assert_eq!(send_event(&app, signed(&other, WEBHOOK_SECRET, now)).await, 200);
    assert_eq!(
        status(&app, &created).await,
        "pending",
        "an intent that is not the pledge's own changes nothing"
    );
    assert_eq!(app.campaign("guard").await.raised, 0);
}

#[tokio::test]
async fn stripe_keys_card_numbers_and_client_secrets_never_reach_the_logs() {
    let Some(stripe) = Localstripe::start().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let db_url = format!("sqlite://{}/t.db", dir.path().display());
    let settings = stripe.settings();
    let args = [
        "--stripe-secret-key",
        settings.secret_key.as_str(),
        "--stripe-publishable-key",
        settings.publishable_key.as_str(),
        "--stripe-webhook-secret",
        settings.webhook_secret.as_str(),
        "--stripe-api-base",
        settings.api_base.as_str(),
        "--stripe-js-url",
        settings.js_url.as_str(),
    ];
    let server = tests::Process::start_logging_with(&db_url, &log, &args).await;
    let key = server.demo_key.clone().unwrap();
    let http = reqwest::Client::new();
    let campaign = cards(limited_campaign("logged", 10), Funding::Flexible, 100_000);
    let made =
        http.post(server.url("/api/v1/campaigns")).bearer_auth(&key).json(&campaign).send().await.unwrap();
    assert_eq!(made.status(), 201);
    let body = json!({ "tier": "limited", "amount": 1_000, "options": { "size": "S" }, "name": "Fan", "contact": "f@example.com" });
    let pledged = http.post(server.url("/api/v1/campaigns/logged/pledges")).json(&body).send().await.unwrap();
    let created: PledgeCreated = pledged.json().await.unwrap();
    let secret = created.payment.as_ref().and_then(|p| p.client_secret.clone()).expect("a client secret");
    stripe.confirm_setup(&secret, CARD_DECLINED_AT_CHARGE).await;
    let path = format!("/api/v1/receipts/{}/payment/confirm", token(&created));
    let failed: Value = http.post(server.url(&path)).send().await.unwrap().json().await.unwrap();
    assert_eq!(failed["status"], "failed", "a declined charge, logged as such");
    let forged = http
        .post(server.url("/webhooks/stripe"))
        .header("Stripe-Signature", "t=1,v1=00")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 400);
    server.kill().await;

    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("a charge failed"), "card events are logged");
    for (what, leaked) in [
        ("secret key", settings.secret_key.as_str()),
        ("webhook secret", settings.webhook_secret.as_str()),
        ("client secret", secret.split("_secret_").nth(1).unwrap()),
        ("card number", CARD_DECLINED_AT_CHARGE),
    ] {
        assert!(!logged.contains(leaked), "the {what} reached the log");
    }
}

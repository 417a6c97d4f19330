//! Money that is not owed is never taken, and unpaid pledges cannot hold what paying fans
//! want: no card saved or charged once its campaign is cancelled or failed (paid cards are
//! refunded), a settled campaign moved to a new end is settled again, holds awaiting
//! payment are bounded per address and per tier, a card never saved is let go when its
//! campaign succeeds, and a switch of values never unmakes a value declared made.

use crate::cards::{WAIT, card_app, cards, confirm, create, pledge, save_card, settled_status, status, token};
use crate::payments::{manual, mark_paid};
use crate::webhooks::{add_endpoint, received};
use domain::wire::PledgeCreated;
use domain::{Funding, PaymentMode};
use reqwest::Method;
use serde_json::{Value, json};
use tests::cards::CARD_OK;
use tests::{Localstripe, Receiver, TestApp, eventually, store_test};

/// Runs `async fn $name(app: TestApp, stripe: Localstripe)` on SQLite and on PostgreSQL,
/// each against its own localstripe.
macro_rules! card_test {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn on_sqlite() {
                if let Some((app, stripe)) = crate::cards::card_app(tests::Engine::Sqlite).await {
                    super::$name(app, stripe).await
                }
            }

            #[tokio::test]
            async fn on_postgres() {
                if let Some((app, stripe)) = crate::cards::card_app(tests::Engine::Postgres).await {
                    super::$name(app, stripe).await
                }
            }
        }
    };
}

async fn cancel_campaign(app: &TestApp, id: &str) {
    let path = format!("/api/v1/campaigns/{id}/cancel");
    let response = app.creator(Method::POST, &path, &app.demo_key).send().await.unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}

async fn refunds(stripe: &Localstripe) -> Vec<Value> {
    stripe.get("/v1/refunds").await["data"].as_array().cloned().unwrap_or_default()
}

card_test!(a_card_is_never_saved_or_charged_once_its_campaign_is_cancelled_and_paid_cards_are_refunded);
async fn a_card_is_never_saved_or_charged_once_its_campaign_is_cancelled_and_paid_cards_are_refunded(
    app: TestApp,
    stripe: Localstripe,
) {
    let receiver = Receiver::start().await;
    assert_eq!(add_endpoint(&app, &receiver.url).await.status(), 201);
    create(&app, &cards(crate::support::limited_campaign("kettle", 10), Funding::Flexible, 100_000)).await;
    let paid = pledge(&app, "kettle", 1).await;
    assert_eq!(save_card(&app, &stripe, &paid, CARD_OK).await.status, "paid");
    let waiting = pledge(&app, "kettle", 2).await;
    let by_event = pledge(&app, "kettle", 3).await;
    assert_eq!(app.campaign("kettle").await.raised, 1_000);

    cancel_campaign(&app, "kettle").await;
    assert_eq!(status(&app, &waiting).await, "void", "an unpaid pledge is void with its campaign");
    // The backer's card form, still open, saves the card and tells the server: refused.
    let secret = waiting.payment.as_ref().and_then(|p| p.client_secret.clone()).unwrap();
    stripe.confirm_setup(&secret, CARD_OK).await;
    assert_eq!(confirm(&app, &token(&waiting)).await.status, "void");
    // Nor may it ask for a fresh intent to try again.
    let again = crate::cards::post(&app, &format!("/api/v1/receipts/{}/payment", token(&by_event))).await;
    assert_eq!(again.status(), 409);
    // Stripe's own event of the saved card changes nothing either.
    let intent = stripe.get(&format!("/v1/setup_intents/{}", secret.split("_secret_").next().unwrap())).await;
    let event = json!({ "id": "evt_after_cancel", "type": "setup_intent.succeeded", "data": { "object": intent } });
    assert_eq!(crate::cards::send_event(&app, crate::cards::signed(&event, tests::cards::WEBHOOK_SECRET, api::now().unix())).await, 200);
    assert_eq!(status(&app, &waiting).await, "void");

    // The card that was paid goes back, once, however often every replica's round runs.
    settled_status(&app, &paid, "refunded").await;
    for _ in 0..3 {
        api::payments::cards::round(&app.state).await.unwrap();
    }
    let charges = stripe.payment_intents().await;
    assert_eq!(charges.len(), 1, "only the card paid before the cancellation was charged: {charges:?}");
    let back = refunds(&stripe).await;
    assert_eq!((back.len(), back[0]["amount"].as_i64()), (1, Some(1_000)), "{back:?}");
    assert_eq!(app.campaign("kettle").await.raised, 0);
    for created in [&waiting, &by_event] {
        assert_eq!(status(&app, created).await, "void");
    }
    let events = received(&receiver, 5).await;
    let refunded = events.iter().filter(|d| d.event["type"] == "pledge.refunded").count();
    assert_eq!(refunded, 1, "{:?}", events.iter().map(|d| d.event["type"].clone()).collect::<Vec<_>>());
}

store_test!(a_manual_payment_cannot_be_marked_paid_once_its_campaign_is_cancelled);
async fn a_manual_payment_cannot_be_marked_paid_once_its_campaign_is_cancelled(app: TestApp) {
    let created = crate::payments::create(&app, manual("jars", 10)).await;
    assert_eq!(created.status(), 201);
    let pledged: PledgeCreated = crate::payments::pledge(&app, "jars", 1).await.json().await.unwrap();
    cancel_campaign(&app, "jars").await;
    let marked = mark_paid(&app, &app.demo_key, "jars", &pledged.id).await;
    assert_eq!(marked.status(), 409, "{}", marked.text().await.unwrap());
    let receipt = app.json(&format!("/api/v1/receipts/{}", token(&pledged))).await;
    assert_eq!(receipt["payment"]["status"], "void");
    assert_eq!(app.campaign("jars").await.raised, 0);
}

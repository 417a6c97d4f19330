//! Money that is not owed is never taken, and unpaid pledges cannot hold what paying fans
//! want: no card saved or charged once its campaign is cancelled or failed (paid cards are
//! refunded), a settled campaign moved to a new end is settled again, holds awaiting
//! payment are bounded per address and per tier, a card never saved is let go when its
//! campaign succeeds, and a switch of values never unmakes a value declared made.

use crate::cards::{WAIT, cards, confirm, create, pledge, save_card, settled_status, status, token};
use crate::payments::{manual, mark_paid};
use crate::webhooks::{add_endpoint, received};
use domain::Funding;
use domain::wire::PledgeCreated;
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
    let event =
        json!({ "id": "evt_after_cancel", "type": "setup_intent.succeeded", "data": { "object": intent } });
    assert_eq!(
        crate::cards::send_event(
            &app,
            crate::cards::signed(&event, tests::cards::WEBHOOK_SECRET, api::now().unix())
        )
        .await,
        200
    );
    assert_eq!(status(&app, &waiting).await, "void");

    // The card that was paid goes back, once, however often every replica's round runs.
    settled_status(&app, &paid, "refunded").await;
    for _ in 0..3 {
        api::payments::cards::round(&app.state.cards).await.unwrap();
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

/// A manual campaign `id` whose tier takes 5 units.
async fn manual_tier(app: &TestApp, id: &str) {
    let created = crate::payments::create(app, manual(id, 5)).await;
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
}

async fn kind(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let problem: Value = response.json().await.unwrap_or_default();
    (status, problem["type"].as_str().unwrap_or_default().to_owned())
}

async fn demand_unpaid(app: &TestApp, id: &str) -> (u64, u64) {
    let demand = app.creator_json(&format!("/api/v1/campaigns/{id}/demand")).await;
    (demand["tiers"][0]["units"].as_u64().unwrap(), demand["tiers"][0]["unpaid"].as_u64().unwrap())
}

store_test!(
    one_address_holds_at_most_its_unpaid_cap_of_a_limited_tier_until_it_pays,
    tests::Options { unpaid_cap_per_address: Some(2), tier_cap_per_address: Some(10), ..Default::default() }
);
async fn one_address_holds_at_most_its_unpaid_cap_of_a_limited_tier_until_it_pays(app: TestApp) {
    manual_tier(&app, "urns").await;
    let first: PledgeCreated = crate::payments::pledge(&app, "urns", 2).await.json().await.unwrap();
    assert_eq!(
        kind(crate::payments::pledge(&app, "urns", 1).await).await,
        (409, "/problems/unpaid-limit".to_owned()),
        "two unpaid units are all one address may hold"
    );
    assert_eq!(demand_unpaid(&app, "urns").await, (2, 2), "the creator sees them held, unpaid");
    // The plain form says so in the reader's words.
    let form = [
        ("tier", "limited"),
        ("option.limited.size", "S"),
        ("name", "Fan"),
        ("contact", "f@example.com"),
        ("lang", "zh-CN"),
    ];
    let page = app.post_form("/embed/urns/pledge", &form).await;
    assert_eq!(page.status(), 409);
    assert!(page.text().await.unwrap().contains("请先为已认领但未付款的份数付款"));

    assert_eq!(mark_paid(&app, &app.demo_key, "urns", &first.id).await.status(), 200);
    assert_eq!(crate::payments::pledge(&app, "urns", 2).await.status(), 201, "paid units free the address");
    assert_eq!(demand_unpaid(&app, "urns").await, (4, 2));
}

store_test!(
    pledges_awaiting_payment_hold_at_most_half_of_a_limited_tier_even_all_at_once,
    tests::Options { unpaid_share_of_tier: Some(50), ..Default::default() }
);
async fn pledges_awaiting_payment_hold_at_most_half_of_a_limited_tier_even_all_at_once(app: TestApp) {
    manual_tier(&app, "vats").await;
    let all_at_once =
        futures::future::join_all((0..12).map(|_| crate::payments::pledge(&app, "vats", 1))).await;
    let mut accepted = Vec::new();
    for response in all_at_once {
        match kind_or_created(response).await {
            Ok(created) => accepted.push(created),
            Err(refused) => assert_eq!(refused, (409, "/problems/held-unpaid".to_owned())),
        }
    }
    assert_eq!(accepted.len(), 2, "half of five, rounded down");
    assert_eq!(app.campaign("vats").await.tiers[0].claimed, 2);
    // A paid pledge no longer holds the tier as unpaid: the next fan gets in.
    assert_eq!(mark_paid(&app, &app.demo_key, "vats", &accepted[0].id).await.status(), 200);
    assert_eq!(crate::payments::pledge(&app, "vats", 1).await.status(), 201);
    assert_eq!(demand_unpaid(&app, "vats").await, (3, 2));
    // A campaign without payments holds nothing unpaid.
    let free = crate::support::limited_campaign("free", 5);
    app.create_campaign(free).await;
    for n in 0..5 {
        let body = crate::support::limited_pledge(n);
        assert_eq!(app.post_pledge("free", body.to_string()).await.status(), 201);
    }
}

async fn kind_or_created(response: reqwest::Response) -> Result<PledgeCreated, (u16, String)> {
    if response.status() == 201 { Ok(response.json().await.unwrap()) } else { Err(kind(response).await) }
}

/// The `campaign.*` events `receiver` was sent, in the order they came.
fn outcomes(receiver: &Receiver) -> Vec<String> {
    let kinds = receiver.deliveries().into_iter().filter_map(|d| d.event["type"].as_str().map(str::to_owned));
    kinds.filter(|k| k.starts_with("campaign.")).collect()
}

store_test!(a_campaign_settled_before_any_pledge_and_moved_to_a_later_end_is_settled_again_at_it);
async fn a_campaign_settled_before_any_pledge_and_moved_to_a_later_end_is_settled_again_at_it(app: TestApp) {
    let receiver = Receiver::start().await;
    assert_eq!(add_endpoint(&app, &receiver.url).await.status(), 201);
    app.create_campaign(crate::support::campaign_between("late", -120, -60)).await;
    eventually(WAIT, "the ended campaign settled as failed", || async {
        (outcomes(&receiver) == ["campaign.failed"]).then_some(())
    })
    .await;

    // No backers, so its creator may move its end; it runs again and takes pledges.
    let ends_at = api::now().plus_seconds(3);
    let moved = app
        .creator(Method::PATCH, "/api/v1/campaigns/late", &app.demo_key)
        .json(&json!({ "ends_at": ends_at.to_string() }))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), 200, "{}", moved.text().await.unwrap());
    assert!(!app.state.store.settled().await.unwrap().contains("late"), "no longer settled");
    let body = crate::support::with(crate::support::limited_pledge(1), "options", json!({ "size": "S" }));
    assert_eq!(app.post_pledge("late", body.to_string()).await.status(), 201);

    // Settled again at its new end, by the dates stored: it succeeded.
    eventually(WAIT, "the campaign settled again at its new end", || async {
        (outcomes(&receiver) == ["campaign.failed", "campaign.succeeded"]).then_some(())
    })
    .await;
    let succeeded: Vec<_> =
        receiver.deliveries().into_iter().filter(|d| d.event["type"] == "campaign.succeeded").collect();
    assert_eq!(succeeded[0].event["data"]["raised"], 1_000);
    assert!(app.state.store.settled().await.unwrap().contains("late"));
}

card_test!(a_card_never_saved_is_void_when_its_all_or_nothing_campaign_succeeds_and_its_units_go_back);
async fn a_card_never_saved_is_void_when_its_all_or_nothing_campaign_succeeds_and_its_units_go_back(
    app: TestApp,
    stripe: Localstripe,
) {
    create(&app, &cards(crate::support::campaign_between("oven", -60, 4), Funding::AllOrNothing, 2_000))
        .await;
    let saved = pledge(&app, "oven", 2).await;
    assert_eq!(save_card(&app, &stripe, &saved, CARD_OK).await.status, "secured");
    let never = pledge(&app, "oven", 1).await;
    assert_eq!(app.campaign("oven").await.tiers[0].claimed, 3);

    settled_status(&app, &saved, "paid").await;
    assert_eq!(status(&app, &never).await, "void", "not left pending after the outcome");
    let view = app.campaign("oven").await;
    assert_eq!(
        (view.tiers[0].claimed, view.pledged, view.backers, view.raised),
        (2, 2_000, 1, 2_000),
        "its units and promise went back"
    );
    // Its intent is called off at Stripe: the card can no longer be saved for it.
    let secret = never.payment.as_ref().and_then(|p| p.client_secret.clone()).unwrap();
    let intent = format!("/v1/setup_intents/{}", secret.split("_secret_").next().unwrap());
    eventually(WAIT, "the intent called off", || async {
        api::payments::cards::round(&app.state.cards).await.unwrap();
        (stripe.get(&intent).await["status"] == "canceled").then_some(())
    })
    .await;
    assert_eq!(stripe.payment_intents().await.len(), 1, "only the saved card was charged");
}

/// An all-or-nothing campaign `id` ending in 3 s that offers values that are made to the
/// backers of values that are not: size L is made from 3 units, colour red from 2.
fn two_batches(id: &str) -> domain::wire::CampaignInput {
    let mut campaign = crate::support::campaign_between(id, -60, 3);
    campaign.funding = Funding::AllOrNothing;
    campaign.goal = 2_000;
    campaign.unmade = domain::Unmade::Switch;
    campaign.tiers[0].options.push(domain::wire::OptionInput {
        name: "colour".into(),
        values: vec![
            domain::wire::ValueInput { value: "red".into(), min_batch: Some(2) },
            domain::wire::ValueInput { value: "blue".into(), min_batch: None },
        ],
    });
    campaign
}

store_test!(a_switch_that_would_drop_a_value_declared_made_below_its_batch_is_refused_in_words);
async fn a_switch_that_would_drop_a_value_declared_made_below_its_batch_is_refused_in_words(app: TestApp) {
    app.create_campaign(two_batches("pots")).await;
    let mut tokens = Vec::new();
    for (n, size) in ["L", "S"].into_iter().enumerate() {
        let body = json!({ "tier": "limited", "amount": 1_000, "options": { "size": size, "colour": "red" },
                           "name": format!("Fan {n}"), "contact": format!("fan{n}@example.com") });
        let response = app.post_pledge("pots", body.to_string()).await;
        assert_eq!(response.status(), 201);
        tokens.push(token(&response.json().await.unwrap()));
    }
    let chooser = tokens[0].clone();
    eventually(WAIT, "the campaign settled, size L not made", || async {
        let receipt = app.json(&format!("/api/v1/receipts/{chooser}")).await;
        receipt.get("choose_by").is_some().then_some(())
    })
    .await;

    // Red is made at exactly its batch: the backer of L may not take it below by choosing blue.
    let choose = |options: Value| {
        let url = app.url(&format!("/api/v1/receipts/{chooser}/options"));
        let client = app.client.clone();
        async move { client.post(url).json(&json!({ "options": options })).send().await.unwrap() }
    };
    let refused = choose(json!({ "size": "S", "colour": "blue" })).await;
    assert_eq!(refused.status(), 422);
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["codes"]["options.colour"]["code"], "would_unmake", "{problem}");
    // The plain form says so in the reader's words, and nothing moved.
    let form = [("choose.size", "S"), ("choose.colour", "blue")];
    let url = app.url(&format!("/r/{chooser}/options?view=embed&lang=zh-CN"));
    let page = app.client.post(url).form(&form).send().await.unwrap();
    assert_eq!(page.status(), 422);
    assert!(page.text().await.unwrap().contains("换走会使它低于起订量"));
    let colours = &app.campaign("pots").await.tiers[0].options[1].values;
    assert_eq!(colours.iter().map(|v| v.claimed).collect::<Vec<_>>(), [2, 0], "red keeps its batch");

    assert_eq!(choose(json!({ "size": "S" })).await.status(), 204, "keeping red, the switch is made");
    let view = app.campaign("pots").await;
    let sizes: Vec<u32> = view.tiers[0].options[0].values.iter().map(|v| v.claimed).collect();
    assert_eq!(sizes, [2, 0]);
}

/// Runs `statement` on the test's database as an operator (or an intruder with a copy)
/// would: literal SQL, one row of two text columns back when it selects.
async fn raw(app: &TestApp, statement: &str) -> Vec<(String, Option<String>)> {
    use sqlx::Connection;
    if app.db_url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(&app.db_url).await.unwrap();
        sqlx::query_as(statement).fetch_all(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::SqliteConnection::connect(&app.db_url).await.unwrap();
        sqlx::query_as(statement).fetch_all(&mut conn).await.unwrap()
    }
}

fn sha256(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

async fn pledge_with_key(app: &TestApp, key: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/campaigns/demo/pledges"))
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(crate::support::lamp_pledge().to_string())
        .send()
        .await
        .unwrap()
}

store_test!(receipt_secrets_are_kept_only_as_hashes_and_a_replay_still_gets_its_receipt_link);
async fn receipt_secrets_are_kept_only_as_hashes_and_a_replay_still_gets_its_receipt_link(app: TestApp) {
    let created: PledgeCreated = pledge_with_key(&app, "key-of-mei").await.json().await.unwrap();
    let token = token(&created);
    let (id, secret) = token.split_at(32);
    let stored =
        raw(&app, &format!("SELECT receipt_secret, receipt_hash FROM pledges WHERE id = '{id}'")).await;
    assert_eq!(stored, [(String::new(), Some(sha256(secret)))], "only the hash is kept");
    let keys = raw(&app, "SELECT key, sealed FROM idempotency_keys").await;
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].0, format!("h {}", sha256("key-of-mei")), "the key is kept as its hash");
    assert!(keys[0].1.as_deref().is_some_and(|s| s.len() == 32 && s != secret), "{keys:?}");

    // The receipt opens with the link; a wrong secret of the same pledge does not.
    assert_eq!(app.client.get(&created.receipt_url).send().await.unwrap().status(), 200);
    let wrong = format!("/api/v1/receipts/{id}{}", "0".repeat(32));
    assert_eq!(app.client.get(app.url(&wrong)).send().await.unwrap().status(), 404);
    let stored_hash = format!("/api/v1/receipts/{id}{}", &sha256(secret)[..32]);
    assert_eq!(
        app.client.get(app.url(&stored_hash)).send().await.unwrap().status(),
        404,
        "the hash is no key"
    );
    // Replaying the request with its key gives back the very same answer.
    let replay: PledgeCreated = pledge_with_key(&app, "key-of-mei").await.json().await.unwrap();
    assert_eq!(replay.receipt_url, created.receipt_url);
    // The backer cancels with the link; the server's own rounds void by id.
    let cancelled = app.client.delete(app.url(&format!("/api/v1/receipts/{token}"))).send().await.unwrap();
    assert_eq!(cancelled.status(), 204);
}

store_test!(receipt_links_and_keys_stored_in_plain_text_before_keep_working_once_hashed_at_start);
async fn receipt_links_and_keys_stored_in_plain_text_before_keep_working_once_hashed_at_start(app: TestApp) {
    let created: PledgeCreated = pledge_with_key(&app, "key-of-wu").await.json().await.unwrap();
    let token = token(&created);
    let (id, secret) = token.split_at(32);
    // As an older version stored them: the secret and the key in plain text.
    raw(
        &app,
        &format!("UPDATE pledges SET receipt_secret = '{secret}', receipt_hash = NULL WHERE id = '{id}'"),
    )
    .await;
    raw(
        &app,
        &format!("UPDATE idempotency_keys SET key = 'key-of-wu', sealed = NULL WHERE pledge_id = '{id}'"),
    )
    .await;
    assert_eq!(app.client.get(&created.receipt_url).send().await.unwrap().status(), 200, "read as it was");

    // A client that sent a key and then that key's hash (as a key) cannot stop the start.
    let planted: PledgeCreated = pledge_with_key(&app, &sha256("key-of-wu")).await.json().await.unwrap();
    let planted_id = planted.id.clone();
    raw(
        &app,
        &format!(
            "UPDATE idempotency_keys SET key = '{}', sealed = NULL WHERE pledge_id = '{planted_id}'",
            sha256("key-of-wu")
        ),
    )
    .await;

    let app = app.restart().await;
    let stored =
        raw(&app, &format!("SELECT receipt_secret, receipt_hash FROM pledges WHERE id = '{id}'")).await;
    assert_eq!(stored, [(String::new(), Some(sha256(secret)))], "hashed at start");
    let keys = raw(&app, &format!("SELECT key, sealed FROM idempotency_keys WHERE pledge_id = '{id}'")).await;
    assert_eq!(keys[0].0, format!("h {}", sha256("key-of-wu")));
    let receipt = app.url(&format!("/api/v1/receipts/{token}"));
    assert_eq!(app.client.get(&receipt).send().await.unwrap().status(), 200, "the old link still opens it");
    let replay: PledgeCreated = pledge_with_key(&app, "key-of-wu").await.json().await.unwrap();
    assert_eq!(replay.receipt_url.rsplit('/').next(), Some(token.as_str()), "and a replay still finds it");
    assert_eq!(app.campaign("demo").await.backers, 2, "once each");
}

card_test!(pledges_of_values_not_made_never_carry_an_all_or_nothing_campaign_over_its_goal);
async fn pledges_of_values_not_made_never_carry_an_all_or_nothing_campaign_over_its_goal(
    app: TestApp,
    stripe: Localstripe,
) {
    // Size L is made from 3 units. An honest backer takes S; someone else takes L, which
    // will not be made, and so would be cancelled and never charged.
    create(&app, &cards(crate::support::campaign_between("mill", -60, 4), Funding::AllOrNothing, 2_000))
        .await;
    let honest = sized_card_pledge(&app, &stripe, "mill", "S").await;
    let carried = sized_card_pledge(&app, &stripe, "mill", "L").await;
    assert_eq!(app.campaign("mill").await.raised, 2_000, "the goal looks reached");

    settled_status(&app, &honest, "void").await;
    assert_eq!(status(&app, &carried).await, "void");
    api::payments::cards::round(&app.state.cards).await.unwrap();
    assert!(stripe.payment_intents().await.is_empty(), "nobody was charged for a campaign that failed");
}

async fn sized_card_pledge(app: &TestApp, stripe: &Localstripe, id: &str, size: &str) -> PledgeCreated {
    let body = json!({ "tier": "limited", "amount": 1_000, "options": { "size": size },
                       "name": "Fan", "contact": format!("{size}@example.com") });
    let response = app.post_pledge(id, body.to_string()).await;
    assert_eq!(response.status(), 201);
    let created: PledgeCreated = response.json().await.unwrap();
    assert_eq!(save_card(app, stripe, &created, CARD_OK).await.status, "secured");
    created
}

store_test!(cancelling_pledges_of_a_value_not_made_never_unmakes_a_value_declared_made);
async fn cancelling_pledges_of_a_value_not_made_never_unmakes_a_value_declared_made(app: TestApp) {
    let mut campaign = two_batches("kilns");
    (campaign.funding, campaign.unmade) = (Funding::Flexible, domain::Unmade::Refund);
    app.create_campaign(campaign).await;
    // Red reaches its batch of 2 only with the backer of L, which is not made.
    let mut tokens = Vec::new();
    for (n, (size, colour)) in [("S", "red"), ("L", "red"), ("S", "blue")].into_iter().enumerate() {
        let body = json!({ "tier": "limited", "amount": 1_000, "options": { "size": size, "colour": colour },
                           "name": format!("Fan {n}"), "contact": format!("fan{n}@example.com") });
        let response = app.post_pledge("kilns", body.to_string()).await;
        assert_eq!(response.status(), 201);
        tokens.push(token(&response.json().await.unwrap()));
    }
    let state = |token: String| {
        let app = &app;
        async move {
            app.json(&format!("/api/v1/receipts/{token}")).await["status"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        }
    };
    eventually(WAIT, "both backers of red cancelled with L", || async {
        (state(tokens[0].clone()).await == "cancelled" && state(tokens[1].clone()).await == "cancelled")
            .then_some(())
    })
    .await;
    assert_eq!(state(tokens[2].clone()).await, "live", "blue is made and kept");
    let demand = app.creator_json("/api/v1/campaigns/kilns/demand").await;
    assert_eq!(demand["units_not_made"], 0, "no one is left holding a value not made: {demand}");
}

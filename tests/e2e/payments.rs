//! Manual payments: a pledge holds its units while pending, counts toward the goal once its
//! creator marks it paid, and lets its units go when its time to pay runs out.

use crate::support::limited_campaign;
use crate::webhooks::{add_endpoint, received};
use domain::wire::{CampaignInput, PledgeCreated, Problem};
use domain::{ManualPayment, PaymentMode};
use reqwest::Method;
use serde_json::json;
use tests::{Receiver, TestApp, store_test};

pub(crate) fn manual(id: &str, limit: u32) -> CampaignInput {
    CampaignInput {
        survey: None,
        payments: PaymentMode::Manual,
        manual_payment: Some(ManualPayment {
            instructions: "微信转账到 mei-pottery，备注参考号".into(),
            expires_after_hours: 48,
            qr: None,
        }),
        ..limited_campaign(id, limit)
    }
}

pub(crate) async fn create(app: &TestApp, campaign: CampaignInput) -> reqwest::Response {
    app.creator(Method::POST, "/api/v1/campaigns", &app.demo_key).json(&campaign).send().await.unwrap()
}

pub(crate) async fn pledge(app: &TestApp, campaign: &str, units: u32) -> reqwest::Response {
    let body = json!({
        "tier": "limited", "quantity": units, "amount": 1_000 * i64::from(units),
        "options": { "size": "S" }, "name": "Fan", "contact": "fan@example.com"
    });
    app.post_pledge(campaign, body.to_string()).await
}

pub(crate) async fn mark_paid(app: &TestApp, key: &str, campaign: &str, pledge: &str) -> reqwest::Response {
    let path = format!("/api/v1/campaigns/{campaign}/pledges/{pledge}/paid");
    app.creator(Method::POST, &path, key).send().await.unwrap()
}

store_test!(a_manual_pledge_counts_toward_the_goal_once_its_creator_marks_it_paid);
async fn a_manual_pledge_counts_toward_the_goal_once_its_creator_marks_it_paid(app: TestApp) {
    let receiver = Receiver::start().await;
    assert_eq!(add_endpoint(&app, &receiver.url).await.status(), 201);
    assert_eq!(create(&app, manual("cups", 10)).await.status(), 201);

    let created: PledgeCreated = pledge(&app, "cups", 2).await.json().await.unwrap();
    let payment = created.payment.clone().expect("a payment to make");
    assert_eq!(payment.status, "pending");
    assert_eq!(payment.reference, Some(format!("TF-{}", created.referral_code)));
    assert_eq!(payment.instructions.as_deref(), Some("微信转账到 mei-pottery，备注参考号"));
    let due = payment.due_at.unwrap().unix() - api::now().unix();
    assert!((47 * 3600..=48 * 3600).contains(&due), "due in 48 hours: {due}");
    let view = app.campaign("cups").await;
    assert_eq!((view.raised, view.pledged, view.backers, view.payments), (0, 2_000, 1, PaymentMode::Manual));
    assert_eq!(view.tiers[0].claimed, 2, "units held while payment is pending");
    let token = created.receipt_url.rsplit('/').next().unwrap();
    let receipt = app.json(&format!("/api/v1/receipts/{token}")).await;
    assert_eq!(receipt["payment"]["status"], "pending");
    let listed = app.creator_json("/api/v1/campaigns/cups/pledges").await;
    assert_eq!(listed["pledges"][0]["payment"], json!({ "status": "pending" }));
    // Readers see the money paid against the goal, and what is promised beside it.
    let embed = app.text("/embed/cups?lang=en").await;
    assert!(embed.contains("paid of") && embed.contains("$20 pledged in all"), "{embed}");
    // The receipt page tells the backer how to pay, without scripts.
    let page = app.text(&format!("{}?lang=en", created.receipt_url)).await;
    assert!(page.contains("Pay $20 to complete your pledge."), "{page}");
    assert!(page.contains("微信转账到 mei-pottery") && page.contains(payment.reference.as_deref().unwrap()));

    // Marked paid ten times at once: counted once.
    let marks =
        futures::future::join_all((0..10).map(|_| mark_paid(&app, &app.demo_key, "cups", &created.id))).await;
    assert!(marks.iter().all(|r| r.status() == 200));
    let view = app.campaign("cups").await;
    assert_eq!((view.raised, view.pledged), (2_000, 2_000));
    assert_eq!(app.state.store.recount("cups").await.unwrap(), (2_000, 1));
    let paid: Vec<_> =
        received(&receiver, 2).await.into_iter().filter(|d| d.event["type"] == "pledge.paid").collect();
    assert_eq!(paid.len(), 1);
    assert_eq!(paid[0].event["data"]["pledge"]["payment"], "paid");
    let listed = app.creator_json("/api/v1/campaigns/cups/pledges").await;
    assert_eq!(listed["pledges"][0]["payment"]["status"], "paid");

    // Another site, another campaign's pledge, an unknown pledge: as if none existed.
    let other = app.create_site("other", &["https://other.example"]).await;
    assert_eq!(mark_paid(&app, &other, "cups", &created.id).await.status(), 404);
    assert_eq!(mark_paid(&app, &app.demo_key, "demo", &created.id).await.status(), 404);
    assert_eq!(mark_paid(&app, &app.demo_key, "cups", "f00d").await.status(), 404);
    assert_eq!(mark_paid(&app, &app.demo_key, "cups", &"9".repeat(500)).await.status(), 404);
    // A pledge of a campaign without payments is not awaiting any.
    let promise: PledgeCreated =
        app.post_pledge("demo", crate::support::lamp_pledge().to_string()).await.json().await.unwrap();
    assert!(promise.payment.is_none());
    let refused = mark_paid(&app, &app.demo_key, "demo", &promise.id).await;
    assert_eq!(refused.status(), 409);
    assert_eq!(refused.json::<Problem>().await.unwrap().kind, "/problems/not-payable");

    // The backer cancels a paid pledge: its money leaves both totals.
    assert_eq!(
        app.client.delete(app.url(&format!("/api/v1/receipts/{token}"))).send().await.unwrap().status(),
        204
    );
    let view = app.campaign("cups").await;
    assert_eq!((view.raised, view.pledged, view.backers), (0, 0, 0));
}

store_test!(an_unpaid_pledge_gives_its_units_back_when_its_time_runs_out);
async fn an_unpaid_pledge_gives_its_units_back_when_its_time_runs_out(app: TestApp) {
    assert_eq!(create(&app, manual("mugs", 5)).await.status(), 201);
    let held: PledgeCreated = pledge(&app, "mugs", 5).await.json().await.unwrap();
    assert_eq!(pledge(&app, "mugs", 1).await.status(), 409, "sold out while the payment is pending");

    let store = &app.state.store;
    assert_eq!(
        api::payments::expiry::void_overdue(store, api::now().plus_seconds(47 * 3600)).await.unwrap(),
        0
    );
    assert_eq!(
        api::payments::expiry::void_overdue(store, api::now().plus_seconds(49 * 3600)).await.unwrap(),
        1
    );
    assert_eq!(
        api::payments::expiry::void_overdue(store, api::now().plus_seconds(49 * 3600)).await.unwrap(),
        0,
        "once"
    );
    let view = app.campaign("mugs").await;
    assert_eq!((view.raised, view.pledged, view.backers, view.tiers[0].claimed), (0, 0, 0, 0));
    let token = held.receipt_url.rsplit('/').next().unwrap();
    let receipt = app.json(&format!("/api/v1/receipts/{token}")).await;
    assert_eq!(
        (receipt["status"].as_str(), receipt["payment"]["status"].as_str()),
        (Some("cancelled"), Some("void"))
    );
    assert_eq!(mark_paid(&app, &app.demo_key, "mugs", &held.id).await.status(), 409, "too late to pay");
    assert_eq!(pledge(&app, "mugs", 5).await.status(), 201, "the units are free again");
}

store_test!(payment_settings_are_checked_and_locked_once_backers_pledged);
async fn payment_settings_are_checked_and_locked_once_backers_pledged(app: TestApp) {
    let card = CampaignInput { payments: PaymentMode::Stripe, ..limited_campaign("cards", 5) };
    let refused = create(&app, card).await;
    assert_eq!(refused.status(), 422);
    let problem: Problem = refused.json().await.unwrap();
    assert_eq!(problem.errors.get("payments").map(String::as_str), Some("is not available on this server"));
    let bare = CampaignInput { payments: PaymentMode::Manual, ..limited_campaign("bare", 5) };
    let problem: Problem = create(&app, bare).await.json().await.unwrap();
    assert_eq!(problem.errors.get("manual_payment.instructions").map(String::as_str), Some("is required"));
    let mut forever = manual("forever", 5);
    forever.manual_payment.as_mut().unwrap().expires_after_hours = 10_000;
    assert_eq!(create(&app, forever).await.status(), 422);

    assert_eq!(create(&app, manual("locked", 5)).await.status(), 201);
    assert_eq!(pledge(&app, "locked", 1).await.status(), 201);
    let patch = app
        .creator(Method::PATCH, "/api/v1/campaigns/locked", &app.demo_key)
        .json(&json!({ "payments": "none" }));
    let locked = patch.send().await.unwrap();
    assert_eq!(locked.status(), 409);
    assert!(locked.json::<Problem>().await.unwrap().errors.contains_key("payments"));
    let words = app.creator(Method::PATCH, "/api/v1/campaigns/locked", &app.demo_key).json(
        &json!({ "manual_payment": { "instructions": "支付宝 mei@example.com", "expires_after_hours": 24 } }),
    );
    assert_eq!(words.send().await.unwrap().status(), 200, "instructions stay editable");
}

store_test!(the_creator_marks_a_payment_received_from_the_backers_page);
async fn the_creator_marks_a_payment_received_from_the_backers_page(app: TestApp) {
    use crate::dashboard::{csrf, get, sign_in};
    use reqwest::header::COOKIE;
    assert_eq!(create(&app, manual("bowls", 10)).await.status(), 201);
    let created: PledgeCreated = pledge(&app, "bowls", 1).await.json().await.unwrap();
    let cookie = sign_in(&app, "demo").await;
    let list = get(&app, "/dashboard/campaigns/bowls?lang=en", &cookie).await.text().await.unwrap();
    assert!(list.contains("live · awaiting payment"), "the backer table says so");
    let path = format!("/dashboard/campaigns/bowls/backers/{}", created.id);
    let page = get(&app, &format!("{path}?lang=en"), &cookie).await.text().await.unwrap();
    assert!(
        page.contains("data-testid=\"mark-paid\"") && page.contains(&format!("TF-{}", created.referral_code))
    );

    let post = |token: String| {
        app.client
            .post(app.url(&format!("{path}/paid")))
            .header(COOKIE, &cookie)
            .header("origin", &app.address)
            .header("sec-fetch-site", "same-origin")
            .form(&[("csrf", token)])
            .send()
    };
    assert_eq!(post("forged".into()).await.unwrap().status(), 403, "a forged form changes nothing");
    assert_eq!(app.campaign("bowls").await.raised, 0);
    assert_eq!(post(csrf(&page)).await.unwrap().status(), 303);
    assert_eq!(app.campaign("bowls").await.raised, 1_000);
    let page = get(&app, &format!("{path}?lang=zh-CN"), &cookie).await.text().await.unwrap();
    assert!(page.contains("已付款") && !page.contains("data-testid=\"mark-paid\""), "paid, no button");
    // Another site's session cannot mark it.
    let other = {
        app.create_site("other", &["https://other.example"]).await;
        sign_in(&app, "other").await
    };
    let theirs = get(&app, "/dashboard?lang=en", &other).await.text().await.unwrap();
    let forged = app
        .client
        .post(app.url(&format!("{path}/paid")))
        .header(COOKIE, &other)
        .header("origin", &app.address)
        .header("sec-fetch-site", "same-origin")
        .form(&[("csrf", csrf(&theirs))])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 404);
}

store_test!(an_unpaid_pledge_is_voided_also_after_its_campaign_has_ended);
async fn an_unpaid_pledge_is_voided_also_after_its_campaign_has_ended(app: TestApp) {
    let ending = CampaignInput { ends_at: api::now().plus_seconds(2), ..manual("ending", 5) };
    assert_eq!(create(&app, ending).await.status(), 201);
    let unpaid: PledgeCreated = pledge(&app, "ending", 2).await.json().await.unwrap();
    let paid: PledgeCreated = pledge(&app, "ending", 1).await.json().await.unwrap();
    assert_eq!(mark_paid(&app, &app.demo_key, "ending", &paid.id).await.status(), 200);
    tests::eventually(std::time::Duration::from_secs(30), "the campaign to end", || async {
        (app.campaign("ending").await.status != domain::Status::Live).then_some(())
    })
    .await;
    let later = api::now().plus_seconds(49 * 3600);
    assert_eq!(api::payments::expiry::void_overdue(&app.state.store, later).await.unwrap(), 1);
    let view = app.campaign("ending").await;
    assert_eq!((view.raised, view.pledged, view.backers), (1_000, 1_000, 1), "only the paid pledge stands");
    assert_eq!(app.state.store.recount("ending").await.unwrap(), (1_000, 1));
    let token = unpaid.receipt_url.rsplit('/').next().unwrap();
    assert_eq!(app.json(&format!("/api/v1/receipts/{token}")).await["payment"]["status"], "void");
}

//! Waitlists (候补) over HTTP, on both engines: places follow arrival with none given twice,
//! every way units come back goes to the line first and in order (a cancellation, a raised
//! limit, an offer not taken in time), an offer becomes a pledge once, and a join is refused
//! in words when it should be.

use crate::payments::{create, manual};
use crate::support::{limited_campaign, limited_pledge, with};
use crate::webhooks::{add_endpoint, received};
use domain::wire::{PledgeCreated, Problem, WaitlistJoined, WaitlistReceipt};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;
use tests::{Receiver, TestApp, eventually, spawn_replicas, store_test};

const WAIT: Duration = Duration::from_secs(15);

/// A fan's waitlist body: a pledge's.
fn fan(n: usize) -> Value {
    limited_pledge(n)
}

async fn join(app: &TestApp, campaign: &str, body: &Value) -> reqwest::Response {
    let path = format!("/api/v1/campaigns/{campaign}/tiers/limited/waitlist");
    app.client.post(app.url(&path)).json(body).send().await.unwrap()
}

async fn joined(app: &TestApp, campaign: &str, n: usize) -> (WaitlistJoined, String) {
    let response = join(app, campaign, &fan(n)).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    let joined: WaitlistJoined = response.json().await.unwrap();
    let token = joined.receipt_url.rsplit('/').next().unwrap().to_owned();
    (joined, token)
}

async fn entry(app: &TestApp, token: &str) -> WaitlistReceipt {
    let response = app.client.get(app.url(&format!("/api/v1/waitlist/{token}"))).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Waits until the entry behind `token` is in `state`.
async fn until_state(app: &TestApp, token: &str, state: &str) -> WaitlistReceipt {
    eventually(WAIT, &format!("the entry to be {state}"), || async {
        let view = entry(app, token).await;
        (serde_json::to_value(view.entry.state).unwrap() == state).then_some(view)
    })
    .await
}

/// A campaign `id` whose tier of 5 units is sold out by five pledges of one; the first's
/// receipt token.
async fn sold_out(app: &TestApp, id: &str) -> String {
    app.create_campaign(limited_campaign(id, 5)).await;
    let mut tokens = Vec::new();
    for n in 0..5 {
        let body = with(limited_pledge(100 + n), "options", json!({ "size": "S" }));
        let created: PledgeCreated = app.post_pledge(id, body.to_string()).await.json().await.unwrap();
        tokens.push(created.receipt_url.rsplit('/').next().unwrap().to_owned());
    }
    tokens.swap_remove(0)
}

async fn cancel(app: &TestApp, receipt: &str) {
    let response = app.client.delete(app.url(&format!("/api/v1/receipts/{receipt}"))).send().await.unwrap();
    assert_eq!(response.status(), 204);
}

store_test!(two_hundred_fans_joining_at_once_get_the_places_one_to_two_hundred);
async fn two_hundred_fans_joining_at_once_get_the_places_one_to_two_hundred(app: TestApp) {
    sold_out(&app, "rush").await;
    let joins = (1..=200).map(|n| {
        let app = &app;
        async move { join(app, "rush", &fan(n)).await.json::<WaitlistJoined>().await.unwrap() }
    });
    let all = futures::future::join_all(joins).await;
    let mut places: Vec<u64> = all.iter().map(|j| j.entry.place).collect();
    places.sort_unstable();
    assert_eq!(places, (1..=200).collect::<Vec<u64>>(), "each place once, none skipped");
    for joined in &all {
        assert_eq!(u64::from(joined.position), joined.entry.place, "nobody left: the place is the position");
    }
    let view = app.campaign("rush").await;
    assert_eq!((view.tiers[0].claimed, view.tiers[0].waitlist), (5, 200));
}

store_test!(a_cancelled_pledge_becomes_the_first_waiting_fans_pledge_at_once);
async fn a_cancelled_pledge_becomes_the_first_waiting_fans_pledge_at_once(app: TestApp) {
    let first = sold_out(&app, "mugs").await;
    let (b, b_token) = joined(&app, "mugs", 1).await;
    let (c, c_token) = joined(&app, "mugs", 2).await;
    assert_eq!((b.position, c.position), (1, 2));
    cancel(&app, &first).await;

    let converted = until_state(&app, &b_token, "converted").await;
    let receipt = converted.pledge_receipt_url.expect("the pledge it became");
    let pledge = app.json(&format!("/api/v1/receipts/{}", receipt.rsplit('/').next().unwrap())).await;
    assert_eq!(pledge["name"], "Backer 1", "the waiting fan's own pledge, opened with their token's secret");
    assert_eq!(entry(&app, &c_token).await.position, Some(1), "the next in line moved up");
    let view = app.campaign("mugs").await;
    assert_eq!((view.tiers[0].claimed, view.tiers[0].waitlist, view.backers), (5, 1, 5));
    let refused = app.post_pledge("mugs", limited_pledge(9).to_string()).await;
    assert_eq!(refused.status(), 409, "the freed unit went to the line, not to a newcomer");
    let _ = c;
}

store_test!(a_raised_limit_goes_to_those_waiting_first_in_line_order);
async fn a_raised_limit_goes_to_those_waiting_first_in_line_order(app: TestApp) {
    sold_out(&app, "prints").await;
    let (_, b) = joined(&app, "prints", 1).await;
    let (_, c) = joined(&app, "prints", 2).await;
    let raised = app
        .creator(Method::PATCH, "/api/v1/campaigns/prints", &app.demo_key)
        .json(&json!({ "tiers": [with(serde_json::to_value(&limited_campaign("prints", 5).tiers[0]).unwrap(), "limit", json!(6))] }))
        .send()
        .await
        .unwrap();
    assert_eq!(raised.status(), 200, "{}", raised.text().await.unwrap());
    until_state(&app, &b, "converted").await;
    assert_eq!(entry(&app, &c).await.position, Some(1));
    let list = app.creator_json("/api/v1/campaigns/prints/waitlist").await;
    let states: Vec<&str> = list.as_array().unwrap().iter().map(|e| e["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["converted", "waiting"]);
    assert_eq!(list[0]["contact"], "backer1@example.com", "the creator sees whom to reach");
    let csv = app
        .creator(Method::GET, "/api/v1/campaigns/prints/waitlist.csv", &app.demo_key)
        .send()
        .await
        .unwrap();
    let csv = csv.text().await.unwrap();
    assert!(csv.contains("limited,2,waiting,Backer 2,backer2@example.com,1,size=L"), "{csv}");
}

store_test!(
    an_offer_not_taken_in_time_passes_to_the_next_who_takes_it_once,
    tests::Options { waitlist_hold: Some(std::time::Duration::from_secs(2)), ..tests::Options::default() }
);
async fn an_offer_not_taken_in_time_passes_to_the_next_who_takes_it_once(app: TestApp) {
    let receiver = Receiver::start().await;
    assert_eq!(add_endpoint(&app, &receiver.url).await.status(), 201);
    assert_eq!(create(&app, manual("cups", 5)).await.status(), 201);
    let first: PledgeCreated = crate::payments::pledge(&app, "cups", 1).await.json().await.unwrap();
    for _ in 0..4 {
        assert_eq!(crate::payments::pledge(&app, "cups", 1).await.status(), 201);
    }
    let (_, b) = joined(&app, "cups", 1).await;
    let (_, c) = joined(&app, "cups", 2).await;
    cancel(&app, first.receipt_url.rsplit('/').next().unwrap()).await;

    let offered = until_state(&app, &b, "offered").await;
    assert!(offered.entry.offer_expires_at.is_some());
    assert_eq!(app.campaign("cups").await.tiers[0].claimed, 5, "the offer holds the unit");
    until_state(&app, &b, "expired").await;
    until_state(&app, &c, "offered").await;
    let late = app.client.post(app.url(&format!("/api/v1/waitlist/{b}/pledge"))).send().await.unwrap();
    assert_eq!(late.status(), 409);
    assert_eq!(late.json::<Problem>().await.unwrap().kind, "/problems/offer-gone");

    let takes = (0..2).map(|_| app.client.post(app.url(&format!("/api/v1/waitlist/{c}/pledge"))).send());
    let answers = futures::future::join_all(takes).await;
    let statuses: Vec<u16> = answers.iter().map(|r| r.as_ref().unwrap().status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "taken once: {statuses:?}");
    let taken = until_state(&app, &c, "converted").await;
    let pledge_token = taken.pledge_receipt_url.unwrap().rsplit('/').next().unwrap().to_owned();
    let pledge = app.json(&format!("/api/v1/receipts/{pledge_token}")).await;
    assert_eq!(pledge["payment"]["status"], "pending", "then paid as any manual pledge is");
    let view = app.campaign("cups").await;
    assert_eq!((view.tiers[0].claimed, view.tiers[0].waitlist), (5, 0));

    received(&receiver, 1).await;
    let got = eventually(WAIT, "the waitlist events", || async {
        let got: Vec<String> =
            receiver.deliveries().iter().map(|d| d.event["type"].as_str().unwrap().to_owned()).collect();
        ["waitlist.joined", "waitlist.offered", "waitlist.expired", "waitlist.converted"]
            .iter()
            .all(|k| got.iter().any(|g| g == k))
            .then_some(got)
    })
    .await;
    assert_eq!(got.iter().filter(|k| *k == "waitlist.offered").count(), 2, "{got:?}");
}

store_test!(
    a_join_is_refused_in_words_when_units_are_free_the_contact_waits_or_the_address_holds_its_cap,
    tests::Options { tier_cap_per_address: Some(2), ..tests::Options::default() }
);
async fn a_join_is_refused_in_words_when_units_are_free_the_contact_waits_or_the_address_holds_its_cap(
    app: TestApp,
) {
    app.create_campaign(limited_campaign("caps", 5)).await;
    let problem =
        |r: reqwest::Response| async move { (r.status().as_u16(), r.json::<Problem>().await.unwrap().kind) };
    assert_eq!(problem(join(&app, "caps", &fan(1)).await).await, (409, "/problems/not-sold-out".into()));
    let two = with(with(limited_pledge(7), "quantity", json!(2)), "amount", json!(2_000));
    for neighbour in [2, 3] {
        let from = reqwest::Client::builder().local_address(std::net::IpAddr::from([127, 0, 0, neighbour]));
        let taken = from.build().unwrap().post(app.url("/api/v1/campaigns/caps/pledges")).json(&two).send();
        assert_eq!(taken.await.unwrap().status(), 201, "another address takes two");
    }
    assert_eq!(
        app.post_pledge("caps", limited_pledge(1).to_string()).await.status(),
        201,
        "this one holds one"
    );
    assert_eq!(app.campaign("caps").await.tiers[0].claimed, 5, "sold out");
    let (status, kind) = problem(join(&app, "caps", &two).await).await;
    assert_eq!((status, kind.as_str()), (409, "/problems/per-address-limit"), "1 held + 2 waited for > 2");
    let (_, _) = joined(&app, "caps", 3).await;
    assert_eq!(problem(join(&app, "caps", &fan(3)).await).await, (409, "/problems/already-waiting".into()));
    let path = "/api/v1/campaigns/caps/tiers/limited/waitlist";
    let garbage = app.client.post(app.url(path)).header("content-type", "application/json").body("{").send();
    assert_eq!(garbage.await.unwrap().status(), 400);
    let huge = with(fan(4), "name", json!("x".repeat(300_000)));
    assert_eq!(join(&app, "caps", &huge).await.status(), 413);
    let nameless = with(fan(5), "name", json!(""));
    assert_eq!(join(&app, "caps", &nameless).await.status(), 422);
    let elsewhere =
        app.client.post(app.url("/api/v1/campaigns/caps/tiers/nope/waitlist")).json(&fan(6)).send();
    assert_eq!(elsewhere.await.unwrap().status(), 422, "an unknown tier is a field error, as for a pledge");
    let forged =
        app.client.get(app.url(&format!("/api/v1/waitlist/{}", "0".repeat(64)))).send().await.unwrap();
    assert_eq!(forged.status(), 404);
    assert_eq!(app.campaign("caps").await.tiers[0].waitlist, 1);
}

#[tokio::test]
async fn two_replicas_share_one_line_and_hand_a_freed_unit_to_its_head() {
    let Some((a, b)) = spawn_replicas().await else { return };
    let first = sold_out(&a, "shared").await;
    eventually(WAIT, "replica B to know the campaign sold out", || async {
        let view: Value = b.json("/api/v1/campaigns/shared").await;
        (view["tiers"][0]["claimed"] == 5).then_some(())
    })
    .await;
    let joins = (1..=40).map(|n| {
        let app = if n % 2 == 0 { &a } else { &b };
        async move { join(app, "shared", &fan(n)).await.json::<WaitlistJoined>().await.unwrap() }
    });
    let all = futures::future::join_all(joins).await;
    let mut places: Vec<u64> = all.iter().map(|j| j.entry.place).collect();
    places.sort_unstable();
    assert_eq!(places, (1..=40).collect::<Vec<u64>>());
    let head = all.iter().find(|j| j.entry.place == 1).unwrap();
    let head_token = head.receipt_url.rsplit('/').next().unwrap().to_owned();
    cancel(&b, &first).await;
    until_state(&a, &head_token, "converted").await;
    eventually(WAIT, "both replicas to show 39 waiting", || async {
        let (x, y) = (a.campaign("shared").await, b.campaign("shared").await);
        (x.tiers[0].waitlist == 39 && y.tiers[0].waitlist == 39 && y.tiers[0].claimed == 5).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_fan_offered_units_is_mailed_a_link_that_takes_them_and_opens_the_pledge() {
    let Some(sink) = tests::SmtpSink::start().await else { return };
    let options =
        tests::Options { mail: Some(tests::mail_settings(&sink.url())), ..tests::Options::default() };
    let app = tests::spawn_app_with(options).await;
    assert_eq!(create(&app, manual("vases", 5)).await.status(), 201);
    let mut first = None;
    for _ in 0..5 {
        let created: PledgeCreated = crate::payments::pledge(&app, "vases", 1).await.json().await.unwrap();
        first.get_or_insert(created.receipt_url);
    }
    let before = sink.wait_for(5, WAIT).await.len();
    let (_, _token) = joined(&app, "vases", 1).await;
    cancel(&app, first.unwrap().rsplit('/').next().unwrap()).await;
    let mails = sink.wait_for(before + 1, WAIT).await;
    let offer = mails
        .iter()
        .find(|m| m["headers"]["Subject"].as_str().is_some_and(|s| s.contains("A place came free")))
        .unwrap_or_else(|| panic!("an offer mail among {mails:?}"));
    assert_eq!(offer["rcpt_to"], json!(["backer1@example.com"]));
    let text = offer["text"].as_str().unwrap();
    let link = text.split_whitespace().find(|w| w.contains("/w/")).expect("a link to the offer");
    let page = app.text(link).await;
    assert!(page.contains("data-testid=\"take-offer\""), "{page}");
    let mailed = link.split("/w/").nth(1).unwrap().split('?').next().unwrap();
    let taken = app.client.post(app.url(&format!("/api/v1/waitlist/{mailed}/pledge"))).send().await.unwrap();
    assert_eq!(taken.status(), 201);
    let created: PledgeCreated = taken.json().await.unwrap();
    let receipt =
        app.json(&format!("/api/v1/receipts/{}", created.receipt_url.rsplit('/').next().unwrap())).await;
    assert_eq!(receipt["name"], "Backer 1", "the mailed link opens the pledge it became");
}

#[tokio::test]
async fn the_plain_form_offers_the_waitlist_once_a_tier_sold_out_and_joins_it_on_the_fans_word() {
    let app = tests::spawn_app().await;
    sold_out(&app, "plain").await;
    let form = |extra: Option<(&'static str, String)>| {
        let mut pairs = vec![
            ("tier", "limited".to_owned()),
            ("amount", "10".to_owned()),
            ("option.limited.size", "S".to_owned()),
            ("name", "Form fan".to_owned()),
            ("contact", "form@example.com".to_owned()),
            ("idempotency_key", "plain-waitlist-1".to_owned()),
            ("lang", "en".to_owned()),
        ];
        pairs.extend(extra);
        pairs
    };
    let refused = app.post_form("/embed/plain/pledge", &form(None)).await;
    assert_eq!(refused.status(), 409, "a pledge for a sold-out tier is refused, not turned into a wait");
    let page = refused.text().await.unwrap();
    assert!(page.contains("data-testid=\"join-waitlist\"") && page.contains("Join the waitlist"), "{page}");
    let joined = app.post_form("/embed/plain/pledge", &form(Some(("waitlist", "1".to_owned())))).await;
    assert_eq!(joined.status(), 303);
    let to = joined.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.starts_with("/w/"), "{to}");
    let receipt = app.text(&to).await;
    assert!(
        receipt.contains("number <strong data-testid=\"waitlist-position\">1</strong> in line"),
        "{receipt}"
    );
    assert!(receipt.contains("data-testid=\"leave-waitlist\""));
    let token = to.trim_start_matches("/w/").split('?').next().unwrap().to_owned();
    let left = app.post_form(&format!("/w/{token}/leave?lang=en"), &[("lang", "en")]).await;
    assert_eq!(left.status(), 303);
    assert!(app.text(&to).await.contains("You left this waitlist."));
    assert_eq!(app.campaign("plain").await.tiers[0].waitlist, 0);
}

#[tokio::test]
async fn a_fan_choosing_a_sold_out_tier_in_the_widget_joins_its_waitlist_and_sees_their_place() {
    use crate::browser::{fill, hydrated, text};
    use fantoccini::Locator;
    let app = tests::spawn_app().await;
    sold_out(&app, "drop").await;
    joined(&app, "drop", 1).await;
    let browser = tests::Browser::start(&["--lang=en-US"]).await.expect("Chromium starts");
    let c = &browser.client;
    c.goto(&app.url("/embed/drop?lang=en")).await.unwrap();
    let note = text(c, "[data-tier=limited] [data-testid=tier-note]").await.unwrap_or_default();
    assert_eq!(note, "Sold out · 1 waiting — join the waitlist", "the page as served says so");
    hydrated(c).await;
    c.find(Locator::Css("[data-tier=limited] input[type=radio]")).await.unwrap().click().await.unwrap();
    let button = c.find(Locator::Css("[data-testid=join-waitlist]")).await.unwrap();
    assert_eq!(button.text().await.unwrap(), "Join the waitlist");
    fill(c, "name", "Widget Fan").await;
    fill(c, "contact", "widget@example.com").await;
    button.click().await.unwrap();
    let said =
        eventually(WAIT, "the place in line", || async { text(c, "[data-testid=waitlisted]").await }).await;
    assert!(said.contains("You are number 2 on the waitlist"), "{said}");
    let link = c.find(Locator::Css("[data-testid=waitlist-receipt]")).await.unwrap();
    let href = link.attr("href").await.unwrap().unwrap();
    let view = entry(&app, href.rsplit('/').next().unwrap()).await;
    assert_eq!((view.position, view.entry.name.as_str()), (Some(2), "Widget Fan"));
    browser.close().await;
}

store_test!(an_unpaid_pledge_voided_for_want_of_payment_hands_its_unit_to_the_line);
async fn an_unpaid_pledge_voided_for_want_of_payment_hands_its_unit_to_the_line(app: TestApp) {
    assert_eq!(create(&app, manual("jars", 5)).await.status(), 201);
    let mut first = None;
    for _ in 0..5 {
        let created: PledgeCreated = crate::payments::pledge(&app, "jars", 1).await.json().await.unwrap();
        first.get_or_insert(created.id);
    }
    let (_, b) = joined(&app, "jars", 1).await;
    // What the payment round does once a pledge's time to pay ran out.
    let voided = app.state.store.void_overdue(&first.unwrap()).await.expect("voided");
    assert_eq!(voided.pledge.payment, Some(domain::PaymentStatus::Void));
    let offered = until_state(&app, &b, "offered").await;
    assert_eq!(offered.payments, "manual");
    let view = app.campaign("jars").await;
    assert_eq!((view.tiers[0].claimed, view.tiers[0].waitlist, view.backers), (5, 0, 4));
}

store_test!(a_freed_unit_goes_to_the_first_in_line_it_fits_and_a_bigger_ask_keeps_its_place);
async fn a_freed_unit_goes_to_the_first_in_line_it_fits_and_a_bigger_ask_keeps_its_place(app: TestApp) {
    let first = sold_out(&app, "fit").await;
    let pair = with(with(fan(1), "quantity", json!(2)), "amount", json!(2_000));
    let response = join(&app, "fit", &pair).await;
    assert_eq!(response.status(), 201);
    let a =
        response.json::<WaitlistJoined>().await.unwrap().receipt_url.rsplit('/').next().unwrap().to_owned();
    let (_, b) = joined(&app, "fit", 2).await;
    cancel(&app, &first).await;
    until_state(&app, &b, "converted").await;
    let waiting = entry(&app, &a).await;
    assert_eq!((waiting.position, waiting.entry.quantity), (Some(1), 2), "still first, waiting for two");
    assert_eq!(app.campaign("fit").await.tiers[0].claimed, 5);
}

store_test!(a_cancelled_campaign_closes_its_line_and_says_so);
async fn a_cancelled_campaign_closes_its_line_and_says_so(app: TestApp) {
    sold_out(&app, "closing").await;
    let (_, token) = joined(&app, "closing", 1).await;
    let cancelled =
        app.creator(Method::POST, "/api/v1/campaigns/closing/cancel", &app.demo_key).send().await.unwrap();
    assert_eq!(cancelled.status(), 200);
    let view = until_state(&app, &token, "expired").await;
    assert!(!view.live);
    assert_eq!(app.campaign("closing").await.tiers[0].waitlist, 0);
    let page = app.text(&format!("/w/{token}?lang=en")).await;
    assert!(page.contains("no longer takes pledges"), "{page}");
}

//! After funding: rewards that are delivered (a tier that ships, priced by destination; a
//! pledge names where it goes and pays delivery there once, through the API, the plain form
//! and the widget alike; the receipt and the creator's list and CSV say where) and the
//! production timeline backers watch.

use crate::support::limited_campaign;
use domain::ShippingPrice;
use domain::wire::CampaignInput;
use fantoccini::Locator;
use serde_json::{Value, json};
use tests::{TestApp, spawn_app};

/// `limited_campaign` whose tier ships: free to CN, 30.00 to HK, 80.00 anywhere else when
/// `anywhere`.
pub(crate) fn delivered(id: &str, anywhere: bool) -> CampaignInput {
    let mut input = limited_campaign(id, 100);
    let price = |to: &str, price| ShippingPrice { to: to.into(), price };
    input.tiers[0].ships = true;
    input.tiers[0].shipping = vec![price("CN", 0), price("HK", 3_000)];
    if anywhere {
        input.tiers[0].shipping.push(price("*", 8_000));
    }
    input
}

fn pledge(ship_to: Option<&str>, amount: i64) -> Value {
    let mut body = json!({ "tier": "limited", "amount": amount, "quantity": 2, "options": { "size": "S" },
        "name": "Mei", "contact": "mei@example.com" });
    if let Some(to) = ship_to {
        body["ship_to"] = json!(to);
    }
    body
}

/// The code the API gave for `field` when it refused `body`.
async fn refused(app: &TestApp, id: &str, body: Value, field: &str) -> Value {
    let response = app.post_pledge(id, body.to_string()).await;
    assert_eq!(response.status(), 422);
    response.json::<Value>().await.unwrap()["codes"][field].clone()
}

#[tokio::test]
async fn a_pledge_to_a_delivered_tier_pays_delivery_to_where_it_goes_once_and_the_creator_sees_where() {
    let app = spawn_app().await;
    app.create_campaign(delivered("lamp-hk", false)).await;
    // Two units at 10.00, delivered to HK for 30.00: at least 50.00.
    assert_eq!(refused(&app, "lamp-hk", pledge(None, 5_000), "ship_to").await["code"], "required");
    assert_eq!(
        refused(&app, "lamp-hk", pledge(Some("ZZ"), 5_000), "ship_to").await["code"],
        "unknown_country"
    );
    assert_eq!(
        refused(&app, "lamp-hk", pledge(Some("US"), 5_000), "ship_to").await["code"],
        "no_shipping_to"
    );
    let short = refused(&app, "lamp-hk", pledge(Some("HK"), 4_999), "amount").await;
    assert_eq!(short, json!({ "code": "below_price", "price": 5_000 }));
    assert_eq!(app.campaign("lamp-hk").await.backers, 0, "nothing refused was taken");

    let response = app.post_pledge("lamp-hk", pledge(Some("hk"), 5_000).to_string()).await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    let token = created["receipt_url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    let receipt = app.json(&format!("/api/v1/receipts/{token}")).await;
    assert_eq!(
        (&receipt["ship_to"], &receipt["shipping"], &receipt["amount"]),
        (&json!("HK"), &json!(3_000), &json!(5_000))
    );
    let page = app.text(&format!("/r/{token}")).await;
    assert!(page.contains("Deliver to: Hong Kong (delivery $30)"), "the receipt says where: {page}");

    let listed = app.creator_json("/api/v1/campaigns/lamp-hk/pledges").await;
    assert_eq!(
        (&listed["pledges"][0]["ship_to"], &listed["pledges"][0]["shipping"]),
        (&json!("HK"), &json!(3_000))
    );
    let csv = app
        .creator(reqwest::Method::GET, "/api/v1/campaigns/lamp-hk/pledges.csv", &app.demo_key)
        .send()
        .await;
    let csv = csv.unwrap().text().await.unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.contains(",amount,currency,ship_to,shipping,"), "{header}");
    assert!(csv.lines().nth(1).unwrap().contains(",50.00,USD,HK,30.00,"), "{csv}");
}

#[tokio::test]
async fn a_destination_without_a_price_of_its_own_pays_the_price_for_anywhere_through_the_plain_form() {
    let app = spawn_app().await;
    app.create_campaign(delivered("lamp-world", true)).await;
    // A blank amount means what the units and delivery cost.
    let form = [
        ("tier", "limited"),
        ("quantity.limited", "2"),
        ("amount", ""),
        ("option.limited.size", "S"),
        ("ship_to", "FR"),
        ("name", "Lan"),
        ("contact", "lan@example.com"),
        ("idempotency_key", "form-fr"),
        ("lang", "zh-CN"),
    ];
    let response = app.post_form("/embed/lamp-world/pledge", &form).await;
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let page = app.text(&location).await;
    assert!(page.contains("寄送至: 法国 (运费 $80)"), "{page}");
    assert_eq!(app.campaign("lamp-world").await.raised, 2 * 1_000 + 8_000);

    // A form without a destination comes back with the select and the reason, in words.
    let mut missing = form;
    missing[4].1 = "";
    missing[7].1 = "form-none";
    let response = app.post_form("/embed/lamp-world/pledge", &missing).await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains(r#"id="err-ship_to""#) && html.contains("必填"), "{html}");
    assert!(html.contains(r#"<option value="HK">中国香港 · 运费 $30</option>"#), "{html}");
}

#[tokio::test]
async fn delivery_prices_that_cannot_be_are_refused_naming_each() {
    let app = spawn_app().await;
    let mut input = delivered("bad-delivery", true);
    input.tiers[0].ships = false;
    input.tiers[0].shipping.push(ShippingPrice { to: "Narnia".into(), price: -5 });
    input.tiers[0].shipping.push(ShippingPrice { to: "hk".into(), price: 100 });
    let response = app
        .creator(reqwest::Method::POST, "/api/v1/campaigns", &app.demo_key)
        .json(&input)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let codes = response.json::<Value>().await.unwrap()["codes"].clone();
    assert_eq!(codes["tiers[0].ships"]["code"], "not_shipped");
    assert_eq!(codes["tiers[0].shipping[3].to"]["code"], "unknown_country");
    assert_eq!(codes["tiers[0].shipping[3].price"]["code"], "negative");
    assert_eq!(codes["tiers[0].shipping[4].to"]["code"], "duplicate");
}

#[tokio::test]
async fn a_fan_on_a_phone_chooses_where_the_reward_goes_and_the_amount_takes_delivery_in() {
    let app = spawn_app().await;
    app.create_campaign(delivered("lamp-phone", true)).await;
    let browser =
        tests::Browser::start(&["--lang=zh-CN", "--window-size=360,800"]).await.expect("Chromium starts");
    let c = &browser.client;
    c.goto(&app.url("/c/lamp-phone?lang=zh-CN")).await.unwrap();
    crate::browser::hydrated(c).await;
    let select = c.find(Locator::Css("[data-testid=deliver-to] select")).await.unwrap();
    select.select_by_value("HK").await.unwrap();
    let amount = || async { c.find(Locator::Css("[name=amount]")).await.ok()?.prop("value").await.ok()? };
    tests::eventually(crate::browser::WAIT, "the amount to take delivery in", || async {
        amount().await.filter(|a| a == "40")
    })
    .await;
    crate::browser::fill(c, "name", "Lan").await;
    crate::browser::fill(c, "contact", "lan@example.com").await;
    crate::browser::submit_pledge(c).await;
    let thanks = crate::browser::text(c, "[data-testid=thanks]").await.unwrap_or_default();
    assert!(thanks.contains("寄送至: 中国香港 (运费 $30)"), "{thanks}");
    assert_eq!(app.campaign("lamp-phone").await.raised, 4_000);
    browser.close().await;
}

#[tokio::test]
async fn the_creator_sets_a_production_timeline_that_backers_see_on_the_share_page_and_their_receipt() {
    let app = spawn_app().await;
    let put = |body: Value, key: &str| {
        app.creator(reqwest::Method::PUT, "/api/v1/campaigns/demo/milestones", key).json(&body).send()
    };
    let bad = json!([
        { "id": "Samples!", "title": "", "state": "done" },
        { "id": "ship", "title": "Shipping", "due": "2027-02-30", "state": "planned" },
    ]);
    let response = put(bad, &app.demo_key).await.unwrap();
    assert_eq!(response.status(), 422);
    let codes = response.json::<Value>().await.unwrap()["codes"].clone();
    assert_eq!(codes["[0].id"]["code"], "invalid_slug");
    assert_eq!(codes["[0].title"]["code"], "required");
    assert_eq!(codes["[1].due"]["code"], "invalid_date");
    let unknown_state = json!([{ "id": "x", "title": "X", "state": "maybe" }]);
    assert_eq!(put(unknown_state, &app.demo_key).await.unwrap().status(), 400);
    assert_eq!(put(json!([]), "not-a-key").await.unwrap().status(), 401);
    assert!(app.campaign("demo").await.milestones.is_empty(), "nothing refused was kept");

    let timeline = json!([
        { "id": "samples", "title": "Samples", "state": "done" },
        { "id": "production", "title": "Production <b>", "due": "2027-03-15", "state": "active" },
        { "id": "shipping", "title": "Shipping", "state": "planned" },
    ]);
    let response = put(timeline, &app.demo_key).await.unwrap();
    assert_eq!(response.status(), 200);
    let view = app.campaign("demo").await;
    assert_eq!(view.milestones.len(), 3);
    assert_eq!(view.milestones[1].due.as_deref(), Some("2027-03-15"));

    let share = app.text("/c/demo?lang=en").await;
    assert!(share.contains("Production &lt;b&gt;"), "the title is escaped: {share}");
    assert!(share.contains("due 15 March 2027") && share.contains(r#"aria-current="step""#), "{share}");
    let created = app.post_pledge("demo", crate::support::lamp_pledge().to_string()).await;
    let created: Value = created.json().await.unwrap();
    let receipt = app.text(&format!("{}?lang=zh-CN", created["receipt_url"].as_str().unwrap())).await;
    assert!(receipt.contains("生产进度") && receipt.contains("预计 2027年3月15日"), "{receipt}");
}

//! After funding, the backer's side and the creator's: the survey and the address a reward
//! ships to (the JSON and the plain page), the packing list and its per-SKU summary,
//! importing tracking numbers (all or nothing, idempotent), the receipt's parcels with
//! their carrier's link, and "Received". Addresses stay between the backer and the site.

use crate::delivery::delivered;
use domain::survey::{Opens, Question, QuestionKind, Survey};
use domain::wire::CampaignInput;
use reqwest::Method;
use serde_json::{Value, json};
use tests::TestApp;

/// `delivered` (free to CN, 30.00 to HK, 80.00 elsewhere) with a survey: whether it is a
/// gift (required, a choice) and an engraving (optional), locking at `lock_in` seconds.
pub(crate) fn surveyed(id: &str, lock_in: Option<i64>) -> CampaignInput {
    let mut input = delivered(id, true);
    let question = |id: &str, kind, choices: &[&str], required| Question {
        id: id.into(),
        label: id.into(),
        kind,
        choices: choices.iter().map(|c| c.to_string()).collect(),
        required,
        tiers: vec![],
    };
    input.survey = Some(Survey {
        opens: Opens::AtPledge,
        lock_at: lock_in.map(|s| api::now().plus_seconds(s)),
        questions: vec![
            question("gift", QuestionKind::Choice, &["yes", "no"], true),
            question("engraving", QuestionKind::Text, &[], false),
        ],
    });
    input
}

/// Pledges two units of size S to `to`; answers the receipt token and the pledge id.
pub(crate) async fn pledge_to(app: &TestApp, id: &str, to: &str, contact: &str) -> (String, String) {
    let body = json!({ "tier": "limited", "quantity": 2, "amount": 10_000, "options": { "size": "S" }, "ship_to": to,
        "name": "Mei", "contact": contact });
    let response = app.post_pledge(id, body.to_string()).await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    let token = created["receipt_url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    (token, created["id"].as_str().unwrap().to_owned())
}

pub(crate) async fn put_survey(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    let url = format!("{}/api/v1/receipts/{token}/survey", app.address);
    app.client.put(url).json(&body).send().await.unwrap()
}

pub(crate) fn hong_kong(line1: &str) -> Value {
    json!({ "name": "<b>Mei</b>", "phone": "+852 9123 4567", "country": "HK", "city": "Kowloon", "line1": line1 })
}

pub(crate) async fn import(app: &TestApp, id: &str, kind: &str, body: String) -> reqwest::Response {
    let path = format!("/api/v1/campaigns/{id}/shipments");
    app.creator(Method::POST, &path, &app.demo_key)
        .header("content-type", kind)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn creator_text(app: &TestApp, path: &str) -> String {
    app.creator(Method::GET, path, &app.demo_key).send().await.unwrap().text().await.unwrap()
}

async fn the_backer_gives_an_address_the_creator_ships_from_the_packing_list_and_the_backer_says_it_arrived(
    app: TestApp,
) {
    app.create_campaign(surveyed("lamp", Some(3_600))).await;
    let (token, pledge) = pledge_to(&app, "lamp", "HK", "mei@example.com").await;
    let survey = app.json(&format!("/api/v1/receipts/{token}/survey")).await;
    assert_eq!(
        (&survey["state"], &survey["editable"], &survey["ships"]),
        (&json!("incomplete"), &json!(true), &json!(true))
    );
    assert_eq!(survey["destination"], "HK");
    assert_eq!(app.json(&format!("/api/v1/receipts/{token}")).await["delivery"], "awaiting_survey");

    // Every bad part is named at once, and nothing is kept.
    let mut bad = hong_kong(&"x".repeat(10_000));
    bad["phone"] = json!("call me");
    bad["country"] = json!("CN");
    let response = put_survey(&app, &token, json!({ "address": bad, "answers": { "gift": "maybe" } })).await;
    assert_eq!(response.status(), 422);
    let codes = response.json::<Value>().await.unwrap()["codes"].clone();
    assert_eq!(codes["address.phone"]["code"], "invalid_phone");
    assert_eq!(codes["address.country"]["code"], "other_destination");
    assert_eq!(codes["address.line1"]["code"], "too_long");
    assert_eq!(codes["answers.gift"]["code"], "not_a_choice");
    assert_eq!(app.json(&format!("/api/v1/receipts/{token}/survey")).await["state"], "incomplete");

    let good =
        json!({ "address": hong_kong("1 Nathan Road"), "answers": { "gift": "yes", "engraving": "=1+1" } });
    let response = put_survey(&app, &token, good).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.json::<Value>().await.unwrap()["state"], "complete");
    let receipt = app.json(&format!("/api/v1/receipts/{token}")).await;
    assert_eq!((&receipt["delivery"], &receipt["survey"]), (&json!("ready"), &json!("complete")));

    // The address reaches nobody but the backer and the site.
    let public = app.text("/api/v1/campaigns/lamp").await + &app.text("/c/lamp").await;
    assert!(!public.contains("Nathan") && !public.contains("9123"), "{public}");
    let summary = app.creator_json("/api/v1/campaigns/lamp/survey").await;
    assert_eq!((&summary["complete"], &summary["incomplete"]), (&json!(1), &json!(0)));
    assert_eq!(summary["questions"][0]["choices"], json!({ "yes": 1 }));
    let skus = app.creator_json("/api/v1/campaigns/lamp/shipments/summary").await;
    assert_eq!(
        skus,
        json!([{ "sku": "limited/size=S", "quantity": 2, "pledges": 1, "awaiting_survey": 0, "ready": 1, "shipped": 0 }])
    );

    // The packing list, filled in, is the import; a bad row refuses the whole file.
    let list = creator_text(&app, "/api/v1/campaigns/lamp/shipments.csv").await;
    assert!(list.starts_with("\u{feff}reference,recipient,phone,country,"), "{list}");
    let row = list.lines().nth(1).unwrap().to_owned();
    assert!(row.starts_with(&format!("{pledge},<b>Mei</b>,\"'+852 9123 4567\",HK,")), "{row}");
    assert!(row.contains(",limited/size=S,2,yes,\"'=1+1\",,,"), "a formula is neutralised: {row}");
    // The row ends with the blank carrier, tracking number and items.
    let shipped_row = format!("{}SF,SF1234567890,", row.strip_suffix(",,").unwrap());
    let filled = format!("{}\r\n{shipped_row}\r\n", list.lines().next().unwrap());
    let unknown = shipped_row.replacen(&pledge, "nope", 1);
    let bad_number = shipped_row.replace("SF1234567890", "\"bad number\"");
    let with_bad = format!("{filled}{unknown}\r\n{bad_number}\r\n");
    let response = import(&app, "lamp", "text/csv", with_bad).await;
    assert_eq!(response.status(), 422);
    let codes = response.json::<Value>().await.unwrap()["codes"].clone();
    assert_eq!(codes["line 3.reference"]["code"], "unknown_reference");
    assert_eq!(codes["line 4.tracking_number"]["code"], "invalid_tracking_number");
    assert_eq!(
        app.json(&format!("/api/v1/receipts/{token}")).await["delivery"],
        "ready",
        "nothing was applied"
    );
    for (shipped, unchanged) in [(1, 0), (0, 1)] {
        let response = import(&app, "lamp", "text/csv; charset=utf-8", filled.clone()).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.json::<Value>().await.unwrap(),
            json!({ "shipped": shipped, "unchanged": unchanged })
        );
    }

    let receipt = app.json(&format!("/api/v1/receipts/{token}")).await;
    assert_eq!(receipt["delivery"], "shipped");
    let parcel = &receipt["shipments"][0];
    assert_eq!((&parcel["carrier"], &parcel["tracking_number"]), (&json!("SF"), &json!("SF1234567890")));
    assert_eq!(
        parcel["tracking_url"],
        "https://www.sf-express.com/chn/sc/waybill/waybill-detail/SF1234567890"
    );
    let page = app.text(&format!("/r/{token}?lang=zh-CN")).await;
    assert!(page.contains("顺丰速运 SF1234567890") && page.contains("data-testid=\"received\""), "{page}");
    let moved = json!({ "address": hong_kong("2 Nathan Road"), "answers": { "gift": "yes" } });
    let response = put_survey(&app, &token, moved).await;
    assert_eq!(response.status(), 409, "the address of a parcel that left is final");
    assert_eq!(response.json::<Value>().await.unwrap()["type"], "/problems/already-shipped");

    let received =
        app.client.post(format!("{}/api/v1/receipts/{token}/received", app.address)).send().await.unwrap();
    assert_eq!(received.status(), 204);
    assert_eq!(app.json(&format!("/api/v1/receipts/{token}")).await["delivery"], "delivered");
}
tests::store_test!(
    the_backer_gives_an_address_the_creator_ships_from_the_packing_list_and_the_backer_says_it_arrived
);

async fn a_survey_saved_as_it_locks_is_refused_at_commit_and_its_page_says_why(app: TestApp) {
    app.create_campaign(surveyed("lamp", Some(2))).await;
    let (token, _) = pledge_to(&app, "lamp", "HK", "lan@example.com").await;
    let good = json!({ "address": hong_kong("1 Nathan Road"), "answers": { "gift": "no" } });
    assert_eq!(put_survey(&app, &token, good.clone()).await.status(), 200);
    // Saves race the lock; every answer is either kept before it or refused after it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let status = put_survey(&app, &token, good.clone()).await.status();
        if status == 409 {
            break;
        }
        assert_eq!(status, 200);
        assert!(std::time::Instant::now() < deadline, "the survey never locked");
    }
    let view = app.json(&format!("/api/v1/receipts/{token}/survey")).await;
    assert_eq!((&view["editable"], &view["reason"]), (&json!(false), &json!("locked")));
    let page = app.text(&format!("/r/{token}/survey?lang=en")).await;
    assert!(page.contains("The survey has locked") && !page.contains("type=\"submit\""), "{page}");
    // Nor can the creator change the questions any more.
    let patch = json!({ "survey": null });
    let response = app
        .creator(Method::PATCH, "/api/v1/campaigns/lamp", &app.demo_key)
        .json(&patch)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 409);
    assert_eq!(response.json::<Value>().await.unwrap()["codes"]["survey"]["code"], "survey_locked");
}
tests::store_test!(a_survey_saved_as_it_locks_is_refused_at_commit_and_its_page_says_why);

#[tokio::test]
async fn a_fan_fills_in_the_survey_page_without_scripts_in_chinese_order() {
    let app = tests::spawn_app().await;
    app.create_campaign(surveyed("lamp", None)).await;
    let (token, _) = pledge_to(&app, "lamp", "CN", "wei@example.com").await;
    let page = app.text(&format!("/r/{token}/survey?lang=zh-CN")).await;
    let order = ["收件人", "手机号码", "省份", "城市", "区县", "详细地址", "邮政编码"]
        .map(|l| page.find(l).unwrap_or(usize::MAX));
    assert!(order.windows(2).all(|w| w[0] < w[1]), "the parts come in Chinese order: {page}");
    assert!(page.contains("中国大陆") && !page.contains("address.line2"), "{page}");

    let path = format!("/r/{token}/survey?lang=zh-CN");
    let mut form = vec![
        ("address.country", "CN"),
        ("address.name", "王伟"),
        ("address.phone", "1380013800"),
        ("address.region", "浙江省"),
        ("address.city", "杭州市"),
        ("address.district", "西湖区"),
        ("address.line1", "文三路 1 号"),
        ("answers.gift", "yes"),
    ];
    let refused = app.post_form(&path, &form).await;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    assert!(
        html.contains("请填写有效的电话号码") && html.contains("value=\"文三路 1 号\""),
        "what was typed stays: {html}"
    );
    form[2].1 = "13800138000";
    let saved = app.post_form(&path, &form).await;
    assert_eq!(saved.status(), 303);
    let location = saved.headers()["location"].to_str().unwrap().to_owned();
    assert!(app.text(&location).await.contains("已保存"));
    let receipt = app.json(&format!("/api/v1/receipts/{token}")).await;
    assert_eq!(receipt["delivery"], "ready");
    assert!(app.text(&format!("/r/{token}?lang=zh-CN")).await.contains("查看或修改问卷"));
}

async fn an_import_racing_a_backers_edit_leaves_either_the_edit_before_the_parcel_or_a_refusal(app: TestApp) {
    app.create_campaign(surveyed("lamp", None)).await;
    let (token, pledge) = pledge_to(&app, "lamp", "HK", "kit@example.com").await;
    let first = json!({ "address": hong_kong("1 Nathan Road"), "answers": { "gift": "no" } });
    assert_eq!(put_survey(&app, &token, first).await.status(), 200);
    let edit = json!({ "address": hong_kong("9 Nathan Road"), "answers": { "gift": "no" } });
    let parcels =
        json!([{ "reference": pledge, "carrier": "ems", "tracking_number": "EE123456789CN" }]).to_string();
    let (edited, imported) =
        tokio::join!(put_survey(&app, &token, edit), import(&app, "lamp", "application/json", parcels));
    assert_eq!(imported.status(), 200);
    let kept = app.json(&format!("/api/v1/receipts/{token}/survey")).await["address"]["line1"].clone();
    match edited.status().as_u16() {
        200 => assert_eq!(kept, "9 Nathan Road"),
        409 => assert_eq!(kept, "1 Nathan Road"),
        other => panic!("unexpected {other}"),
    }
    assert_eq!(app.json(&format!("/api/v1/receipts/{token}")).await["delivery"], "shipped");
}
tests::store_test!(an_import_racing_a_backers_edit_leaves_either_the_edit_before_the_parcel_or_a_refusal);

#[tokio::test]
async fn imports_that_are_not_shipments_are_refused_in_words() {
    let app = tests::spawn_app().await;
    app.create_campaign(surveyed("lamp", None)).await;
    assert_eq!(import(&app, "lamp", "text/plain", "x".into()).await.status(), 415);
    assert_eq!(import(&app, "lamp", "text/csv", "a,b\r\n1,2\r\n".into()).await.status(), 400);
    assert_eq!(import(&app, "lamp", "application/json", "{\"not\":\"a list\"}".into()).await.status(), 400);
    let other_site = app.create_site("other", &["*"]).await;
    let response = app
        .creator(Method::POST, "/api/v1/campaigns/lamp/shipments", &other_site)
        .header("content-type", "application/json")
        .body("[]")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404, "another site's key reaches nothing");
    let response =
        app.creator(Method::GET, "/api/v1/campaigns/lamp/shipments.csv", &other_site).send().await.unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn on_a_phone_a_backer_fills_in_the_survey_follows_the_parcel_says_it_arrived_and_erases_their_data() {
    use fantoccini::Locator;
    let app = tests::spawn_app().await;
    app.create_campaign(surveyed("lamp", None)).await;
    for (lang, saved, state_after) in [("zh-CN", "已保存", "已送达"), ("en", "Saved", "Delivered")] {
        let (token, pledge) = pledge_to(&app, "lamp", "HK", &format!("{lang}@example.com")).await;
        let phone = "Mozilla/5.0 (Linux; Android 13) Mobile";
        let browser = tests::Browser::start_phone(&[&format!("--lang={lang}")], 360, 780, phone)
            .await
            .expect("Chromium starts");
        let c = &browser.client;
        c.goto(&app.url(&format!("/r/{token}/survey?lang={lang}"))).await.unwrap();
        for (name, value) in [
            ("address.name", "陈大文 <Chan>"),
            ("address.phone", "+852 9123 4567"),
            ("address.city", "九龍"),
            ("address.line1", "彌敦道 1 號 12 樓"),
        ] {
            crate::browser::fill(c, name, value).await;
        }
        c.find(Locator::Css("[name='answers.gift']")).await.unwrap().select_by_value("yes").await.unwrap();
        c.find(Locator::Css("button.tf-submit")).await.unwrap().click().await.unwrap();
        tests::eventually(crate::browser::WAIT, "saved", || async {
            crate::browser::text(c, "[data-testid=said]").await.filter(|said| said.starts_with(saved))
        })
        .await;
        let width = c.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap();
        assert!(width.as_i64().unwrap() <= 360, "the survey fits a phone: {width}");

        // The receipt open on the phone shows the parcel once it is recorded, without a tap.
        c.goto(&app.url(&format!("/r/{token}?lang={lang}"))).await.unwrap();
        let parcels = json!([{ "reference": pledge, "carrier": "SF", "tracking_number": "SF1234567890" }]);
        assert_eq!(import(&app, "lamp", "application/json", parcels.to_string()).await.status(), 200);
        c.execute("document.dispatchEvent(new Event('visibilitychange'))", vec![]).await.unwrap();
        let track = tests::eventually(crate::browser::WAIT, "the parcel on the open receipt", || async {
            c.find(Locator::Css("[data-testid=track]")).await.ok()
        })
        .await;
        let href = track.attr("href").await.unwrap().unwrap_or_default();
        assert_eq!(href, "https://www.sf-express.com/chn/sc/waybill/waybill-detail/SF1234567890");
        let before = app.campaign("lamp").await;
        c.find(Locator::Css("[data-testid=received]")).await.unwrap().click().await.unwrap();
        crate::browser::shows(c, ".tf-delivery-state", state_after, "delivered").await;
        c.find(Locator::Css("[data-testid=erase]")).await.unwrap().click().await.unwrap();
        tests::eventually(crate::browser::WAIT, "the erasure", || async {
            let receipt = app.json(&format!("/api/v1/receipts/{token}")).await;
            (receipt["name"] == "").then_some(())
        })
        .await;
        let after = app.campaign("lamp").await;
        assert_eq!((after.raised, after.backers), (before.raised, before.backers));
        browser.close().await;
    }
}

#[tokio::test]
async fn a_survey_that_opens_on_success_waits_for_the_campaign_to_succeed() {
    let app = tests::spawn_app().await;
    let mut input = surveyed("lamp", None);
    input.survey.as_mut().unwrap().opens = Opens::OnSuccess;
    app.create_campaign(input).await;
    let (token, _) = pledge_to(&app, "lamp", "HK", "early@example.com").await;
    let view = app.json(&format!("/api/v1/receipts/{token}/survey")).await;
    assert_eq!((&view["editable"], &view["reason"]), (&json!(false), &json!("not_open")));
    let good = json!({ "address": hong_kong("1 Nathan Road"), "answers": { "gift": "yes" } });
    let response = put_survey(&app, &token, good).await;
    assert_eq!(response.status(), 409);
    assert_eq!(response.json::<Value>().await.unwrap()["type"], "/problems/survey-not-open");
    let page = app.text(&format!("/r/{token}/survey?lang=en")).await;
    assert!(page.contains("The survey opens once the campaign succeeds."), "{page}");
}

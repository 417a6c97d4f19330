//! The dashboard's shipping page: survey progress, what to make per SKU, the packing list,
//! recording parcels in two steps (checked and shown row by row, then applied), and a
//! backer's delivery on their page. Forged forms and other sites' sessions reach nothing.

use crate::dashboard::{csrf, get, sign_in};
use crate::editor::upload_form;
use crate::fulfilment::{hong_kong, pledge_to, put_survey, surveyed};
use reqwest::header::COOKIE;
use serde_json::json;
use tests::TestApp;

async fn preview(app: &TestApp, cookie: &str, token: &str, csv: &str) -> reqwest::Response {
    let (kind, body) = upload_form(token, "file", "text/csv", csv.as_bytes());
    let url = app.url("/dashboard/campaigns/lamp/shipments/preview");
    app.client.post(url).header(COOKIE, cookie).header("content-type", kind).body(body).send().await.unwrap()
}

async fn apply(app: &TestApp, cookie: &str, token: &str, csv: &str) -> String {
    let url = app.url("/dashboard/campaigns/lamp/shipments/apply?lang=en");
    let response =
        app.client.post(url).header(COOKIE, cookie).form(&[("csrf", token), ("csv", csv)]).send().await;
    let response = response.unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

async fn a_creator_ships_from_the_dashboard_checking_the_file_before_it_is_applied(app: TestApp) {
    app.create_campaign(surveyed("lamp", None)).await;
    let (receipt, pledge) = pledge_to(&app, "lamp", "HK", "mei@example.com").await;
    pledge_to(&app, "lamp", "CN", "wei@example.com").await;
    let good = json!({ "address": hong_kong("1 Nathan Road"), "answers": { "gift": "yes" } });
    assert_eq!(put_survey(&app, &receipt, good).await.status(), 200);

    let cookie = sign_in(&app, "demo").await;
    let page = get(&app, "/dashboard/campaigns/lamp/shipping?lang=en", &cookie).await.text().await.unwrap();
    assert!(page.contains("1 complete · 1 not done yet"), "{page}");
    assert!(
        page.contains(
            "<th scope=\"row\">limited/size=S</th><td>4</td><td>2</td><td>1</td><td>1</td><td>0</td>"
        ),
        "{page}"
    );
    let list = get(&app, "/dashboard/campaigns/lamp/shipments.csv", &cookie).await.text().await.unwrap();
    assert!(list.lines().nth(1).unwrap().starts_with(&pledge), "only the pledge ready to ship: {list}");
    let token = csrf(&page);

    let file = format!("reference,carrier,tracking_number\r\n{pledge},SF,SF1234567890\r\n");
    assert_eq!(preview(&app, &cookie, "forged", &file).await.status(), 403);
    let bad = preview(&app, &cookie, &token, &format!("{file}nope,SF,SF2\r\n")).await;
    assert_eq!(bad.status(), 422);
    let bad = bad.text().await.unwrap();
    assert!(bad.contains("data-testid=\"import-errors\"") && bad.contains("line 3.reference"), "{bad}");

    let checked = preview(&app, &cookie, &token, &file).await;
    assert_eq!(checked.status(), 200);
    let checked = checked.text().await.unwrap();
    assert!(checked.contains("SF1234567890</td><td>new parcel"), "{checked}");
    let shown = app.json(&format!("/api/v1/receipts/{receipt}")).await;
    assert_eq!(shown["delivery"], "ready", "a checked file changes nothing until applied");
    assert!(
        apply(&app, &cookie, &token, &file)
            .await
            .contains("Recorded 1 new parcels; 0 were recorded already.")
    );
    assert!(
        apply(&app, &cookie, &token, &file)
            .await
            .contains("Recorded 0 new parcels; 1 were recorded already.")
    );

    let backer = get(&app, &format!("/dashboard/campaigns/lamp/backers/{pledge}?lang=en"), &cookie).await;
    let backer = backer.text().await.unwrap();
    assert!(
        backer.contains("data-testid=\"backer-delivery\"") && backer.contains("1 Nathan Road"),
        "{backer}"
    );
    assert!(backer.contains("SF Express SF1234567890"), "{backer}");

    let remind = app.client.post(app.url("/dashboard/campaigns/lamp/survey/remind")).header(COOKIE, &cookie);
    let remind = remind.form(&[("csrf", token.as_str())]).send().await.unwrap().text().await.unwrap();
    assert!(remind.contains("This server sends no mail"), "{remind}");

    app.create_site("other", &["*"]).await;
    let stranger = sign_in(&app, "other").await;
    assert_eq!(get(&app, "/dashboard/campaigns/lamp/shipping", &stranger).await.status(), 404);
    assert_eq!(get(&app, "/dashboard/campaigns/lamp/shipments.csv", &stranger).await.status(), 404);
}
tests::store_test!(a_creator_ships_from_the_dashboard_checking_the_file_before_it_is_applied);

#[tokio::test]
async fn a_creator_keeps_the_production_timeline_from_the_dashboard() {
    let app = tests::spawn_app().await;
    let cookie = sign_in(&app, "demo").await;
    let page =
        get(&app, "/dashboard/campaigns/demo/shipping?lang=zh-CN", &cookie).await.text().await.unwrap();
    let token = csrf(&page);
    let save = |fields: Vec<(&'static str, &'static str)>| {
        let mut form = vec![("csrf", token.as_str())];
        form.extend(fields);
        app.client
            .post(app.url("/dashboard/campaigns/demo/milestones"))
            .header(COOKIE, &cookie)
            .form(&form)
            .send()
    };
    let bad = save(vec![
        ("milestones[0].id", "samples"),
        ("milestones[0].title", "打样"),
        ("milestones[0].due", "2027-02-30"),
        ("milestones[0].state", "done"),
    ]);
    let bad = bad.await.unwrap();
    assert_eq!(bad.status(), 422);
    let bad = bad.text().await.unwrap();
    assert!(bad.contains("data-field=\"milestones[0].due\"") && bad.contains("value=\"打样\""), "{bad}");
    assert!(app.campaign("demo").await.milestones.is_empty(), "nothing refused was kept");

    let fields = vec![
        ("milestones[0].id", "samples"),
        ("milestones[0].title", "打样"),
        ("milestones[0].due", ""),
        ("milestones[0].state", "done"),
        ("milestones[1].id", ""),
        ("milestones[1].title", ""),
        ("milestones[1].due", ""),
        ("milestones[1].state", "planned"),
        ("milestones[2].id", "production"),
        ("milestones[2].title", "量产"),
        ("milestones[2].due", "2027-03-15"),
        ("milestones[2].state", "active"),
    ];
    let saved = save(fields).await.unwrap();
    assert_eq!(saved.status(), 200);
    assert!(
        saved.text().await.unwrap().contains("The timeline is saved."),
        "in the language the browser asks for"
    );
    let steps = app.campaign("demo").await.milestones;
    assert_eq!(
        steps.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        ["samples", "production"],
        "the blank row is dropped"
    );
    assert_eq!(steps[1].due.as_deref(), Some("2027-03-15"));
    let forged = app.client.post(app.url("/dashboard/campaigns/demo/milestones")).header(COOKIE, &cookie);
    assert_eq!(forged.form(&[("csrf", "forged")]).send().await.unwrap().status(), 403);
}

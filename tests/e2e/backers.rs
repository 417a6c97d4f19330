//! A campaign's backers for its creator, on both engines: the list and its pages and
//! filters, the CSV export, the demand report and where pledges came from.

use crate::api::futures_join;
use crate::creator::{create, pledge};
use crate::support::{lamp_pledge, limited_campaign, limited_pledge, with};
use domain::wire::BackerPage;
use reqwest::Method;
use serde_json::{Value, json};
use tests::{TestApp, store_test};

store_test!(backers_are_listed_newest_first_with_contacts_and_pages_neither_skip_nor_repeat);
async fn backers_are_listed_newest_first_with_contacts_and_pages_neither_skip_nor_repeat(app: TestApp) {
    app.create_campaign(limited_campaign("print", 1_000)).await;
    let mut made = Vec::new();
    for n in 0..25 {
        let created: Value =
            app.post_pledge("print", limited_pledge(n).to_string()).await.json().await.unwrap();
        made.push(created["id"].as_str().unwrap().to_owned());
    }
    let mut seen: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut n = 100;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("/api/v1/campaigns/print/pledges?limit=7&cursor={cursor}"),
            None => "/api/v1/campaigns/print/pledges?limit=7".to_owned(),
        };
        let page: BackerPage =
            app.creator(Method::GET, &path, &app.demo_key).send().await.unwrap().json().await.unwrap();
        // New pledges keep arriving between pages.
        let _ = futures_join(3, || {
            n += 1;
            app.post_pledge("print", limited_pledge(n).to_string())
        })
        .await;
        seen.extend(page.pledges.iter().map(|p| p.id.clone()));
        if seen.len() == 7 {
            let first = &page.pledges[0];
            assert_eq!((first.contact.as_str(), first.status.as_str()), ("backer24@example.com", "live"));
            assert_eq!(first.options["size"], "L");
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    for id in &made {
        assert_eq!(seen.iter().filter(|s| *s == id).count(), 1, "{id} appears exactly once");
    }
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first");
    for (query, status) in [
        ("limit=0", 400),
        ("limit=501", 400),
        ("limit=x", 400),
        ("cursor=../../etc", 400),
        ("cursor=zz", 400),
    ] {
        let response = app
            .creator(Method::GET, &format!("/api/v1/campaigns/print/pledges?{query}"), &app.demo_key)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{query}");
    }
}

store_test!(the_csv_export_keeps_chinese_names_and_defuses_formulas);
async fn the_csv_export_keeps_chinese_names_and_defuses_formulas(app: TestApp) {
    let id = create(&app).await;
    let names = ["李小梅", "=HYPERLINK(\"http://evil\",\"x\")", "+SUM(A1)", "-2", "@cmd", "Ann, \"the\" fan"];
    for name in names {
        let body = with(pledge("red", "x"), "name", json!(name));
        assert_eq!(app.post_pledge(&id, body.to_string()).await.status(), 201, "{name}");
    }
    let response = app
        .creator(Method::GET, &format!("/api/v1/campaigns/{id}/pledges.csv"), &app.demo_key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "a byte-order mark for Excel");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 1 + names.len());
    assert!(
        lines[0].starts_with("id,created_at,status,name,contact,public,tier,quantity,colour,amount,currency"),
        "{}",
        lines[0]
    );
    assert!(lines[1].contains(",李小梅,"), "{}", lines[1]);
    assert!(lines[1].contains(",red,299.00,CNY,"), "{}", lines[1]);
    assert!(lines[2].contains(r#","'=HYPERLINK(""http://evil"",""x"")","#), "{}", lines[2]);
    assert!(lines[3].contains(",\"'+SUM(A1)\","));
    assert!(lines[4].contains(",\"'-2\","));
    assert!(lines[5].contains(",\"'@cmd\","));
    assert!(lines[6].contains(r#","Ann, ""the"" fan","#));
    for line in &lines[1..] {
        let unquoted: Vec<&str> = line.split(',').collect();
        assert!(!unquoted.iter().any(|cell| cell.starts_with(['=', '+', '-', '@'])), "{line}");
    }
}

store_test!(the_demand_report_is_the_production_plan);
async fn the_demand_report_is_the_production_plan(app: TestApp) {
    let id = create(&app).await;
    for (colour, name) in [("red", "a"), ("red", "b"), ("black", "c")] {
        assert_eq!(app.post_pledge(&id, pledge(colour, name).to_string()).await.status(), 201);
    }
    let two = json!({ "tier": "lamp", "quantity": 2, "amount": 59_800, "options": { "colour": "black" }, "name": "d", "contact": "d@x.cn" });
    assert_eq!(app.post_pledge(&id, two.to_string()).await.status(), 201);
    let report: Value = app.creator_json(&format!("/api/v1/campaigns/{id}/demand")).await;
    let lamp = &report["tiers"][0];
    assert_eq!((lamp["units"].as_u64(), lamp["backers"].as_u64()), (Some(5), Some(4)));
    let red = &lamp["options"][0]["values"][0];
    assert_eq!(
        red,
        &json!({ "value": "red", "units": 2, "backers": 2, "min_batch": 3, "reached": false, "units_short": 1 })
    );
    let black = &lamp["options"][0]["values"][1];
    assert_eq!((black["units"].as_u64(), black["reached"].as_bool()), (Some(3), Some(true)));
    assert_eq!((report["units_not_made"].as_u64(), report["backers_affected"].as_u64()), (Some(2), Some(2)));
}

store_test!(a_creator_sees_pledges_and_money_per_source_tag_and_per_host_page);
async fn a_creator_sees_pledges_and_money_per_source_tag_and_per_host_page(app: TestApp) {
    // Through the loader: it names the post and passes the host page's ?src= on.
    let embed = app
        .text("/embed/demo?src=Weibo&host=https%3A%2F%2Fblog.example.com%2Fposts%2Flamp%3Ftoken%3Dx")
        .await;
    assert_eq!(crate::pages::input_value(&embed, "src"), "weibo");
    assert_eq!(
        crate::pages::input_value(&embed, "host"),
        "https://blog.example.com/posts/lamp",
        "no query kept"
    );
    let form = |key: &'static str, src: &'static str, host: &'static str| {
        [
            ("tier", "lamp"),
            ("amount", "299"),
            ("option.lamp.colour", "black"),
            ("name", "Wang"),
            ("contact", "wang@example.com"),
            ("idempotency_key", key),
            ("src", src),
            ("host", host),
        ]
    };
    let posted = app
        .post_form("/embed/demo/pledge", &form("s-1", "weibo", "https://blog.example.com/posts/lamp"))
        .await;
    assert_eq!(posted.status(), 303);
    // A plain iframe on a partner's blog: the browser's Referer gives the origin.
    let framed = app
        .client
        .get(app.url("/embed/demo"))
        .header("referer", "https://partner.example.cn/")
        .send()
        .await
        .unwrap();
    let framed = framed.text().await.unwrap();
    assert_eq!(crate::pages::input_value(&framed, "host"), "https://partner.example.cn/");
    app.post_form("/embed/demo/pledge", &form("s-2", "", "https://partner.example.cn/")).await;
    // The JSON API, with a tag that is no tag: the pledge is taken, the tag dropped.
    let body = crate::support::with(lamp_pledge(), "src", json!("wechat-group"));
    assert_eq!(app.post_pledge("demo", body.to_string()).await.status(), 201);
    let odd = crate::support::with(lamp_pledge(), "src", json!("<script>"));
    assert_eq!(app.post_pledge("demo", odd.to_string()).await.status(), 201);

    let report: Value = app.creator_json("/api/v1/campaigns/demo/sources").await;
    let sources: Vec<(Value, u64)> = report["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].clone(), s["pledges"].as_u64().unwrap()))
        .collect();
    assert!(
        sources.contains(&(json!("weibo"), 1)) && sources.contains(&(json!("wechat-group"), 1)),
        "{report}"
    );
    assert!(sources.contains(&(Value::Null, 2)), "untagged pledges together: {report}");
    let hosts = report["hosts"].as_array().unwrap();
    assert!(
        hosts.iter().any(|h| h["name"] == "https://blog.example.com/posts/lamp" && h["amount"] == 29_900),
        "{report}"
    );
    assert!(hosts.iter().any(|h| h["name"] == "https://partner.example.cn/"), "{report}");
    let csv =
        app.creator(Method::GET, "/api/v1/campaigns/demo/pledges.csv", &app.demo_key).send().await.unwrap();
    let csv = csv.text().await.unwrap();
    assert!(csv.lines().next().unwrap().ends_with(",source,host_page,mail"));
    assert!(csv.contains(",weibo,https://blog.example.com/posts/lamp"), "{csv}");
}

/// The names in the demo campaign's backer list for `query`, sorted.
async fn backer_names(app: &TestApp, query: &str) -> Vec<String> {
    let page = app.creator_json(&format!("/api/v1/campaigns/demo/pledges?{query}")).await;
    let mut names: Vec<String> =
        page["pledges"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_owned()).collect();
    names.sort();
    names
}

store_test!(backers_can_be_searched_and_filtered_by_tier_variant_status_and_source);
async fn backers_can_be_searched_and_filtered_by_tier_variant_status_and_source(app: TestApp) {
    let fan = |name: &str, colour: &str, src: Option<&str>| {
        let mut body = json!({ "tier": "lamp", "amount": 29_900, "options": { "colour": colour }, "name": name,
            "contact": format!("{}@example.com", name.len()), "public": false });
        if let Some(src) = src {
            body["src"] = json!(src);
        }
        body
    };
    for body in [
        fan("李小梅", "red", Some("weibo")),
        fan("Wang Wei", "black", None),
        fan("100% fan", "red", None),
        json!({ "amount": 500, "name": "Supporter_1", "contact": "s@example.com" }),
    ] {
        assert_eq!(app.post_pledge("demo", body.to_string()).await.status(), 201, "{body}");
    }
    let created: Value =
        app.post_pledge("demo", fan("Quitter", "black", None).to_string()).await.json().await.unwrap();
    let token = created["receipt_url"].as_str().unwrap().rsplit('/').next().unwrap();
    app.client.delete(app.url(&format!("/api/v1/receipts/{token}"))).send().await.unwrap();

    assert_eq!(backer_names(&app, "q=wang").await, ["Wang Wei"], "any case");
    assert_eq!(backer_names(&app, "q=%E5%B0%8F%E6%A2%85").await, ["李小梅"], "Chinese");
    assert_eq!(backer_names(&app, "q=%25").await, ["100% fan"], "% is a character, not a wildcard");
    assert_eq!(backer_names(&app, "q=_").await, ["Supporter_1"], "so is _");
    assert_eq!(backer_names(&app, "option=colour:red").await, ["100% fan", "李小梅"]);
    assert_eq!(backer_names(&app, "tier=lamp&status=cancelled").await, ["Quitter"]);
    assert_eq!(backer_names(&app, "status=live&option=colour:black").await, ["Wang Wei"]);
    assert_eq!(backer_names(&app, "source=weibo").await, ["李小梅"]);
    for bad in ["option=red", "status=maybe", "q=%27%3B%20DROP%20TABLE%20pledges%3B--"] {
        let response = app
            .creator(Method::GET, &format!("/api/v1/campaigns/demo/pledges?{bad}"), &app.demo_key)
            .send()
            .await
            .unwrap();
        let expected = if bad.starts_with("q=") { 200 } else { 400 };
        assert_eq!(response.status(), expected, "{bad}");
    }
    assert_eq!(app.campaign("demo").await.backers, 4, "nothing was dropped");
}

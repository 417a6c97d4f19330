//! What a signed-in creator does on the dashboard's pages: reads, filters and downloads
//! backers, posts an update, builds the embed line and the origins that may embed it, and
//! sees one backer's detail; an open campaign page follows pledges as they arrive.

use crate::dashboard::{csrf, get, sign_in};
use reqwest::header::COOKIE;
use tests::{TestApp, store_test};

store_test!(a_creator_reads_backers_downloads_them_and_posts_an_update_from_the_dashboard);
async fn a_creator_reads_backers_downloads_them_and_posts_an_update_from_the_dashboard(app: TestApp) {
    let body = crate::support::with(crate::support::lamp_pledge(), "name", serde_json::json!("李小梅"));
    assert_eq!(app.post_pledge("demo", body.to_string()).await.status(), 201);
    let cookie = sign_in(&app, "demo").await;
    let page = get(&app, "/dashboard/campaigns/demo?lang=en", &cookie).await.text().await.unwrap();
    assert!(page.contains("李小梅") && page.contains("mei@example.com"), "the creator sees contacts");
    let black = get(&app, "/dashboard/campaigns/demo?lang=en&option=colour%3Ablack", &cookie)
        .await
        .text()
        .await
        .unwrap();
    assert!(!black.contains("mei@example.com"), "filtered to another variant");
    assert!(black.contains("<option value=\"colour:black\" selected"), "the filter form keeps its choice");
    assert!(!page.contains("chart-leaders"), "an empty chart is left out: no one has recruited yet");
    for chart in ["chart-time", "chart-demand", "chart-source"] {
        let at = page.find(&format!("data-testid=\"{chart}\"")).unwrap_or_else(|| panic!("{chart}"));
        let figure = &page[at..at + page[at..].find("</figure>").unwrap()];
        assert!(figure.contains("<svg") && figure.contains("<table"), "{chart} is drawn and tabled");
    }
    assert!(page.contains("Desk lamp · colour: red"), "the demand chart names each variant");
    let csv = get(&app, "/dashboard/campaigns/demo/backers.csv", &cookie).await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(csv.text().await.unwrap().contains(",李小梅,mei@example.com,"));

    let token = csrf(&page);
    let post = |fields: Vec<(&'static str, String)>| {
        app.client
            .post(app.url("/dashboard/campaigns/demo/updates"))
            .header(COOKIE, &cookie)
            .form(&fields)
            .send()
    };
    let forged = post(vec![("title", "Hacked".into()), ("body", "x".into())]).await.unwrap();
    assert_eq!(forged.status(), 403, "no token, no update");
    let refused = post(vec![("csrf", token.clone()), ("title", "".into()), ("body", "Kept as typed".into())])
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let refused = refused.text().await.unwrap();
    assert!(refused.contains("title: Required") && refused.contains("Kept as typed"), "the draft comes back");
    let preview = post(vec![
        ("csrf", token.clone()),
        ("action", "preview".into()),
        ("title", "Samples <b>arrived</b>".into()),
        ("body", "First line\nsecond line\n\nNew paragraph".into()),
    ])
    .await
    .unwrap();
    assert_eq!(preview.status(), 200);
    let preview = preview.text().await.unwrap();
    assert!(preview.contains("data-testid=\"update-preview\""), "shown as backers will read it");
    assert!(
        preview.contains("Samples &lt;b&gt;arrived&lt;/b&gt;") && preview.contains("<p>New paragraph</p>")
    );
    assert!(
        !app.text("/api/v1/campaigns/demo/updates").await.contains("Samples"),
        "a preview publishes nothing"
    );
    let long = "长".repeat(20_000);
    let published =
        post(vec![("csrf", token), ("title", "Samples arrived".into()), ("body", long)]).await.unwrap();
    assert_eq!(published.status(), 303);
    assert!(app.text("/c/demo?lang=en").await.contains("Samples arrived"), "on the share page");
    assert!(app.text("/api/v1/campaigns/demo/updates").await.contains("Samples arrived"));

    app.create_site("other", &["*"]).await;
    let theirs = sign_in(&app, "other").await;
    assert_eq!(get(&app, "/dashboard/campaigns/demo/backers.csv", &theirs).await.status(), 404);
}

store_test!(the_embed_builder_gives_the_line_a_preview_and_the_origins_that_may_embed_it);
async fn the_embed_builder_gives_the_line_a_preview_and_the_origins_that_may_embed_it(app: TestApp) {
    let cookie = sign_in(&app, "demo").await;
    let page =
        get(&app, "/dashboard/embed?lang=en&campaign=demo&widget_lang=zh-CN&theme=dark", &cookie).await;
    let page = page.text().await.unwrap();
    let snippet = format!(
        "&lt;script src=\"{}/embed.js\" data-campaign=\"demo\" data-lang=\"zh-CN\" data-theme=\"dark\" async&gt;&lt;/script&gt;",
        app.address
    );
    assert!(page.contains(&snippet), "the line to paste: {}", &page[page.find("snippet").unwrap()..][..300]);
    assert!(page.contains("src=\"/embed/demo?lang=zh-CN&amp;theme=dark\""), "the live preview");
    assert!(page.contains("&lt;iframe src=\""), "the plain iframe for hosts that strip scripts");
    let embed = app.client.get(app.url("/embed/demo")).send().await.unwrap();
    let policy = embed.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(policy.ends_with("frame-ancestors 'self' *"), "the preview may frame it: {policy}");

    // An accent too light for white text on it is darkened, and the creator is told.
    let readable = domain::Accent::parse("#ffff00").unwrap().readable().hex();
    let yellow = get(&app, "/dashboard/embed?lang=en&campaign=demo&accent=%23ffff00", &cookie).await;
    let yellow = yellow.text().await.unwrap();
    assert!(yellow.contains(&format!("data-accent=\"{readable}\"")), "the line carries the readable colour");
    assert!(yellow.contains(&format!("accent={}", &readable[1..])), "and so does the preview");
    assert!(yellow.contains("data-testid=\"accent-darkened\""));
    let default =
        get(&app, "/dashboard/embed?campaign=demo&accent=%23d2462c", &cookie).await.text().await.unwrap();
    assert!(!default.contains("data-accent"), "the widget's own colour needs no attribute");

    let token = csrf(&page);
    let save = |origins: &str, csrf: &str| {
        app.client
            .post(app.url("/dashboard/origins"))
            .header(COOKIE, &cookie)
            .form(&[("csrf", csrf), ("origins", origins)])
            .send()
    };
    assert_eq!(save("https://evil.example", "").await.unwrap().status(), 403, "no token, no change");
    for (lang, words) in [
        ("en", "“ftp://nope” is not an origin: write scheme://host[:port]"),
        ("zh-CN", "“ftp://nope”不是有效的来源"),
    ] {
        let refused = app
            .client
            .post(app.url("/dashboard/origins"))
            .header(COOKIE, &cookie)
            .header("accept-language", lang)
            .form(&[("csrf", token.as_str()), ("origins", "https://blog.example.cn\nftp://nope")])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 422, "{lang}");
        let page = refused.text().await.unwrap();
        assert!(page.contains(words), "{lang}: the bad origin named in the reader's words");
        assert!(!page.contains("is not scheme://host[:port] or *"), "{lang}: not the command line's English");
    }
    assert_eq!(save("https://blog.example.cn\n\nhttp://127.0.0.1:4000", &token).await.unwrap().status(), 303);
    let embed = app.client.get(app.url("/embed/demo")).send().await.unwrap();
    let policy = embed.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(
        policy.ends_with("frame-ancestors 'self' http://127.0.0.1:4000 https://blog.example.cn"),
        "at once: {policy}"
    );
}

store_test!(a_backers_detail_shows_their_pledge_contact_referrer_and_recruits_to_their_creator_only);
async fn a_backers_detail_shows_their_pledge_contact_referrer_and_recruits_to_their_creator_only(
    app: TestApp,
) {
    let pledge = |name: &str, referral: Option<&str>| {
        let mut body = serde_json::json!({ "tier": "lamp", "amount": 29_900, "options": { "colour": "red" }, "name": name,
            "contact": format!("{name}@example.com"), "public": false, "message": "Can't wait" });
        if let Some(code) = referral {
            body["ref"] = serde_json::json!(code);
        }
        app.post_pledge("demo", body.to_string())
    };
    let mei: serde_json::Value = pledge("mei", None).await.json().await.unwrap();
    let li: serde_json::Value = pledge("li", mei["referral_code"].as_str()).await.json().await.unwrap();
    let cookie = sign_in(&app, "demo").await;
    let page = get(
        &app,
        &format!("/dashboard/campaigns/demo/backers/{}?lang=en", li["id"].as_str().unwrap()),
        &cookie,
    )
    .await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    for expected in ["li@example.com", "colour: red", "Can&#39;t wait", "<td>mei</td>"] {
        assert!(page.contains(expected) || page.contains(&expected.replace("&#39;", "'")), "{expected}");
    }
    let mine = get(
        &app,
        &format!("/dashboard/campaigns/demo/backers/{}?lang=en", mei["id"].as_str().unwrap()),
        &cookie,
    )
    .await;
    assert!(mine.text().await.unwrap().contains("1 friend · ¥299"), "her recruits");
    app.create_site("other", &["*"]).await;
    let theirs = sign_in(&app, "other").await;
    let path = format!("/dashboard/campaigns/demo/backers/{}", li["id"].as_str().unwrap());
    assert_eq!(get(&app, &path, &theirs).await.status(), 404);
    assert_eq!(get(&app, "/dashboard/campaigns/demo/backers/nope", &cookie).await.status(), 404);
}

store_test!(an_open_campaign_page_fetches_its_charts_and_newest_backers_as_pledges_arrive);
async fn an_open_campaign_page_fetches_its_charts_and_newest_backers_as_pledges_arrive(app: TestApp) {
    let cookie = sign_in(&app, "demo").await;
    let live = |path: &'static str| {
        let cookie = cookie.clone();
        let app = &app;
        async move {
            let response = get(app, path, &cookie).await;
            assert_eq!(response.status(), 200);
            assert_eq!(response.headers()["cache-control"], "no-store");
            response.json::<serde_json::Value>().await.unwrap()
        }
    };
    let before = live("/dashboard/campaigns/demo/live.json").await;
    assert_eq!(before["backers"]["pledges"].as_array().unwrap().len(), 0);
    assert_eq!(app.post_pledge("demo", crate::support::lamp_pledge().to_string()).await.status(), 201);
    let after = live("/dashboard/campaigns/demo/live.json").await;
    assert_eq!(after["backers"]["pledges"][0]["name"], "Mei");
    assert_eq!(after["timeline"].as_array().unwrap().len(), 1);
    assert_eq!(after["timeline"][0]["amount"], 29_900);
    let lamp = after["demand"]["tiers"].as_array().unwrap().iter().find(|t| t["id"] == "lamp").unwrap();
    assert_eq!(lamp["units"], 1);
    let filtered = live("/dashboard/campaigns/demo/live.json?q=nobody").await;
    assert_eq!(filtered["backers"]["pledges"].as_array().unwrap().len(), 0, "the creator's filters hold");
    let anonymous = app.client.get(app.url("/dashboard/campaigns/demo/live.json")).send().await.unwrap();
    assert_eq!(anonymous.status(), 303, "no session, no numbers");
}

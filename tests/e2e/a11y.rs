//! axe-core in Chromium against the embed, share, receipt, card-free thank-you and dashboard
//! pages, in English and Chinese, light and dark: no serious or critical violations.

use crate::browser::{WAIT, hydrated};
use crate::support::{lamp_pledge, with};
use fantoccini::Locator;
use serde_json::json;
use tests::{Browser, TestApp, eventually, spawn_app};

async fn check(app: &TestApp, browser: &Browser, source: &str, path: &str, found: &mut Vec<String>) {
    let c = &browser.client;
    c.goto(&app.url(path)).await.unwrap();
    eventually(WAIT, "the page", || async { c.find(Locator::Css("body")).await.ok() }).await;
    if path.starts_with("/embed") || path.starts_with("/c/") || path.starts_with("/r/") {
        hydrated(c).await;
    }
    for violation in tests::axe::serious_violations(c, source).await {
        found.push(format!("{path}: {violation}"));
    }
}

#[tokio::test]
async fn the_widgets_pages_have_no_serious_accessibility_violations_in_either_language_or_theme() {
    let Some(source) = tests::axe::source() else { return };
    let app = spawn_app().await;
    let body = serde_json::json!({ "tier": "lamp", "amount": 29_900, "options": { "colour": "red" },
                                   "name": "Mei", "contact": "mei@example.com", "public": true });
    let created: serde_json::Value = app.post_pledge("demo", body.to_string()).await.json().await.unwrap();
    let receipt = created["receipt_url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    let browser = Browser::start(&["--lang=en-US"]).await.expect("Chromium starts");
    let mut found = Vec::new();
    for (lang, theme) in [("en", "light"), ("en", "dark"), ("zh-CN", "light"), ("zh-CN", "dark")] {
        for page in [
            format!("/embed/demo?lang={lang}&theme={theme}"),
            format!("/c/demo?lang={lang}&theme={theme}"),
            format!("/r/{receipt}?lang={lang}&theme={theme}"),
        ] {
            check(&app, &browser, &source, &page, &mut found).await;
        }
    }
    browser.close().await;
    assert!(found.is_empty(), "serious or critical violations:\n{}", found.join("\n"));
}

#[tokio::test]
async fn the_dashboard_has_no_serious_accessibility_violations() {
    let Some(source) = tests::axe::source() else { return };
    let app = spawn_app().await;
    let browser = Browser::start(&["--lang=en-US"]).await.expect("Chromium starts");
    // Signed in the way a creator is: by the link.
    let link = api::sites::sign_in_link(&app.state.store, "demo", &app.address).await.unwrap();
    crate::browser::follow_sign_in_link(&browser.client, &link).await;
    let mut found = Vec::new();
    for lang in ["en", "zh-CN"] {
        for page in [
            format!("/dashboard?lang={lang}"),
            format!("/dashboard/campaigns/demo?lang={lang}"),
            format!("/dashboard/editor/demo?lang={lang}"),
        ] {
            check(&app, &browser, &source, &page, &mut found).await;
        }
    }
    browser.close().await;
    assert!(found.is_empty(), "serious or critical violations:\n{}", found.join("\n"));
}

#[tokio::test]
async fn the_card_form_has_no_serious_accessibility_violations() {
    let Some(source) = tests::axe::source() else { return };
    let Some(stripe) = tests::Localstripe::start().await else { return };
    let app =
        tests::spawn_app_with(tests::Options { stripe: Some(stripe.settings()), ..Default::default() }).await;
    let campaign = domain::wire::CampaignInput {
        survey: None,
        payments: domain::PaymentMode::Stripe,
        ..crate::support::limited_campaign("cards", 10)
    };
    let made = app
        .creator(reqwest::Method::POST, "/api/v1/campaigns", &app.demo_key)
        .json(&campaign)
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 201);
    let body = serde_json::json!({ "tier": "limited", "amount": 1_000, "options": { "size": "S" }, "name": "Fan", "contact": "f@example.com" });
    let created: serde_json::Value = app.post_pledge("cards", body.to_string()).await.json().await.unwrap();
    let token = created["receipt_url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    let browser = Browser::start(&["--lang=en-US"]).await.expect("Chromium starts");
    let mut found = Vec::new();
    for lang in ["en", "zh-CN"] {
        let page = format!("/pay/{token}?lang={lang}");
        let c = &browser.client;
        c.goto(&app.url(&page)).await.unwrap();
        // Stripe.js has mounted its card fields and the button is enabled.
        eventually(WAIT, "the card fields", || async {
            c.find(Locator::Css("[data-testid=card-save]:not([disabled])")).await.ok()
        })
        .await;
        for violation in tests::axe::serious_violations(c, &source).await {
            found.push(format!("{page}: {violation}"));
        }
    }
    browser.close().await;
    assert!(found.is_empty(), "serious or critical violations:\n{}", found.join("\n"));
}

/// Every page a visitor lands on from a link (the share page, the demo blog post), in both
/// languages and themes: whole pages, with no moderate, serious or critical violation.
#[tokio::test]
async fn the_share_page_and_the_demo_post_are_whole_pages_with_no_moderate_violation() {
    let Some(source) = tests::axe::source() else { return };
    let app = spawn_app().await;
    // Enough backers for the wall to have a second page, and a recruiter on the board.
    let mut first_code = None;
    for n in 0..52 {
        let body = with(lamp_pledge(), "contact", json!(format!("fan{n}@example.com")));
        let mut body = with(with(body, "name", json!(format!("Fan {n}"))), "message", json!("Go!"));
        if let Some(code) = &first_code {
            body = with(body, "ref", json!(code));
        }
        let response = app.post_pledge("demo", body.to_string()).await;
        assert_eq!(response.status(), 201);
        let created: domain::wire::PledgeCreated = response.json().await.unwrap();
        first_code.get_or_insert(created.referral_code);
    }
    let browser = Browser::start(&["--lang=en-US"]).await.expect("Chromium starts");
    let c = &browser.client;
    let mut found = Vec::new();
    for (lang, theme) in [("en", "light"), ("en", "dark"), ("zh-CN", "light"), ("zh-CN", "dark")] {
        let pages = [
            format!("/c/demo?lang={lang}&theme={theme}"),
            format!("/c/demo?lang={lang}&theme={theme}&backers=2"),
            format!("/?lang={lang}"),
            format!("/guide?lang={lang}"),
        ];
        for page in pages {
            c.goto(&app.url(&page)).await.unwrap();
            eventually(WAIT, "the page", || async { c.find(Locator::Css("body")).await.ok() }).await;
            if page.starts_with("/c/") {
                hydrated(c).await;
            }
            for violation in tests::axe::violations(c, &source, &["moderate", "serious", "critical"]).await {
                found.push(format!("{page}: {violation}"));
            }
        }
    }
    browser.close().await;
    assert!(found.is_empty(), "moderate or worse:\n{}", found.join("\n"));
}

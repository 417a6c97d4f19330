//! The widget in real headless Chromium, embedded in the demo blog page.

use fantoccini::{Client, Locator};
use std::time::Duration;
use tests::{Browser, TestApp, eventually, spawn_app};

const WAIT: Duration = Duration::from_secs(30);

async fn text(client: &Client, css: &str) -> Option<String> {
    client.find(Locator::Css(css)).await.ok()?.text().await.ok()
}

/// Opens the demo blog page and enters the widget's iframe.
async fn open_demo(app: &TestApp, browser: &Browser) {
    let c = &browser.client;
    c.goto(&app.url("/?lang=en")).await.unwrap();
    let frame =
        eventually(WAIT, "the widget's iframe", || async { c.find(Locator::Css("iframe")).await.ok() }).await;
    frame.enter_frame().await.unwrap();
    eventually(WAIT, "the progress bar", || async { c.find(Locator::Css("[role=progressbar]")).await.ok() })
        .await;
}

async fn fill(client: &Client, name: &str, value: &str) {
    let input = client.find(Locator::Css(&format!("[name='{name}']"))).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(value).await.unwrap();
}

#[tokio::test]
async fn a_fan_pledges_from_the_demo_blog_and_sees_the_progress_move() {
    let app = spawn_app().await;
    let browser = Browser::start(&["--lang=en-US"]).await.expect("Chromium starts");
    let c = &browser.client;
    open_demo(&app, &browser).await;
    assert_eq!(text(c, "[data-testid=raised]").await.as_deref(), Some("¥0"));
    assert_eq!(text(c, "[data-testid=backers]").await.as_deref(), Some("0 backers"));

    // The wasm hydrates the server-rendered widget.
    eventually(WAIT, "hydration", || async {
        c.execute("return window.parent.document.querySelector('iframe') && document.documentElement.hasAttribute('data-hydrated')", vec![])
            .await
            .ok()
            .filter(|v| v.as_bool() == Some(true))
    })
    .await;

    c.find(Locator::Css("[data-tier=lamp] input[type=radio]")).await.unwrap().click().await.unwrap();
    assert_eq!(
        c.find(Locator::Css("[name=amount]")).await.unwrap().prop("value").await.unwrap().as_deref(),
        Some("299"),
        "choosing the lamp raises the amount to its price"
    );
    fill(c, "name", "Browser Fan").await;
    fill(c, "contact", "fan@example.com").await;
    c.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();

    let thanks =
        eventually(WAIT, "the thank-you view", || async { text(c, "[data-testid=thanks] h2").await }).await;
    assert!(thanks.contains("Thank you, Browser Fan!"), "{thanks}");
    let share =
        c.find(Locator::Css("[data-testid=share-url]")).await.unwrap().prop("value").await.unwrap().unwrap();
    assert!(share.contains("/c/demo?ref="), "{share}");
    let backers = eventually(WAIT, "the backer count to move", || async {
        text(c, "[data-testid=backers]").await.filter(|t| t == "1 backer")
    })
    .await;
    assert_eq!(backers, "1 backer");
    assert_eq!(text(c, "[data-testid=raised]").await.as_deref(), Some("¥299"));
    assert_eq!(app.campaign("demo").await.raised, 29_900, "the server counted it");
    browser.close().await;
}

#[tokio::test]
async fn without_wasm_the_form_still_pledges_and_thanks_the_fan() {
    let app = spawn_app().await;
    let browser = Browser::start(&[]).await.expect("Chromium starts");
    // Every frame loses WebAssembly before its scripts run, as in an old in-app WebView.
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            serde_json::json!({ "source": "delete window.WebAssembly;" }),
        )
        .await
        .expect("the CDP command is accepted");
    let c = &browser.client;
    open_demo(&app, &browser).await;
    let wasm = c.execute("return typeof WebAssembly", vec![]).await.unwrap();
    assert_eq!(wasm.as_str(), Some("undefined"));
    fill(c, "name", "No Wasm").await;
    fill(c, "contact", "nowasm@example.com").await;
    c.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    let thanks =
        eventually(WAIT, "the thank-you page", || async { text(c, "[data-testid=thanks] h2").await }).await;
    assert!(thanks.contains("No Wasm"), "{thanks}");
    assert_eq!(text(c, "[data-testid=backers]").await.as_deref(), Some("1 backer"));
    assert_eq!(app.campaign("demo").await.backers, 1);
    browser.close().await;
}

#[tokio::test]
async fn the_iframe_takes_the_height_of_the_widget() {
    let app = spawn_app().await;
    let browser = Browser::start(&[]).await.expect("Chromium starts");
    let c = &browser.client;
    c.goto(&app.url("/")).await.unwrap();
    let script = "const f = document.querySelector('iframe'); if (!f || !f.contentDocument || !f.contentDocument.body) return null; \
                  return [f.getBoundingClientRect().height, f.contentDocument.body.getBoundingClientRect().height];";
    let (frame, body) = eventually(WAIT, "the iframe to fit its content", || async {
        let v = c.execute(script, vec![]).await.ok()?;
        let pair = v.as_array()?;
        let (frame, body) = (pair.first()?.as_f64()?, pair.get(1)?.as_f64()?);
        (body > 100.0 && (frame - body).abs() <= 1.0).then_some((frame, body))
    })
    .await;
    assert!((frame - body).abs() <= 1.0 && frame != 420.0, "frame {frame} body {body}");
    browser.close().await;
}

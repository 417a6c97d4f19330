//! Themes, motion and the keyboard: `data-theme` auto follows the device, motion follows
//! `prefers-reduced-motion` (screenshots saved under `target/screenshots/` for review), and
//! a fan pledges with the keyboard alone.

use crate::browser::{WAIT, hydrated, screenshot};
use fantoccini::Locator;
use fantoccini::key::Key;
use tests::{Browser, eventually, spawn_app};

async fn style(c: &fantoccini::Client, css: &str, property: &str) -> String {
    let script =
        format!("return getComputedStyle(document.querySelector('{css}')).getPropertyValue('{property}')");
    c.execute(&script, vec![]).await.unwrap().as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn the_auto_theme_follows_the_device_and_motion_follows_the_readers_wish() {
    let app = spawn_app().await;
    let browser = Browser::start(&["--lang=en-US"]).await.expect("Chromium starts");
    let c = &browser.client;
    let emulate = |features: serde_json::Value| {
        browser.cdp("Emulation.setEmulatedMedia", serde_json::json!({ "media": "", "features": features }))
    };
    for (theme, scheme, background) in [
        ("light", "dark", "rgb(255, 255, 255)"),
        ("dark", "light", "rgb(29, 27, 24)"),
        ("auto", "light", "rgb(255, 255, 255)"),
        ("auto", "dark", "rgb(29, 27, 24)"),
    ] {
        emulate(serde_json::json!([{ "name": "prefers-color-scheme", "value": scheme }])).await.unwrap();
        c.goto(&app.url(&format!("/embed/demo?lang=en&theme={theme}"))).await.unwrap();
        eventually(WAIT, "the widget", || async { c.find(Locator::Css(".tf")).await.ok() }).await;
        assert_eq!(style(c, ".tf", "background-color").await, background, "{theme} on a {scheme} device");
        screenshot(c, &format!("theme-{theme}-on-{scheme}")).await;
    }
    assert_eq!(style(c, ".tf-bar-fill", "transition-duration").await, "0.6s");
    emulate(serde_json::json!([{ "name": "prefers-reduced-motion", "value": "reduce" }])).await.unwrap();
    c.goto(&app.url("/embed/demo?lang=en")).await.unwrap();
    eventually(WAIT, "the widget", || async { c.find(Locator::Css(".tf-bar-fill")).await.ok() }).await;
    assert_eq!(style(c, ".tf-bar-fill", "transition-duration").await, "0s", "no gliding bar");
    browser.close().await;
}

#[tokio::test]
async fn a_fan_pledges_with_the_keyboard_alone() {
    let app = spawn_app().await;
    let browser = Browser::start(&["--lang=en-US"]).await.expect("Chromium starts");
    let c = &browser.client;
    c.goto(&app.url("/embed/demo?lang=en")).await.unwrap();
    hydrated(c).await;
    let focused_name = || async {
        let active = c.active_element().await.ok()?;
        active.attr("name").await.ok().flatten()
    };
    // Tab from the top of the page to the name field, as a keyboard user does.
    let mut pressed = 0;
    while focused_name().await.as_deref() != Some("name") {
        c.active_element().await.unwrap().send_keys(&Key::Tab.to_string()).await.unwrap();
        pressed += 1;
        assert!(pressed < 40, "the name field is reachable with Tab");
    }
    c.active_element().await.unwrap().send_keys("Keys Only").await.unwrap();
    c.active_element().await.unwrap().send_keys(&Key::Tab.to_string()).await.unwrap();
    assert_eq!(focused_name().await.as_deref(), Some("contact"));
    c.active_element().await.unwrap().send_keys("keys@example.com").await.unwrap();
    c.active_element().await.unwrap().send_keys(&Key::Enter.to_string()).await.unwrap();
    let thanks = eventually(WAIT, "the thank-you view", || async {
        c.find(Locator::Css("[data-testid=thanks] h2")).await.ok()?.text().await.ok()
    })
    .await;
    assert!(thanks.contains("Keys Only"), "{thanks}");
    assert_eq!(app.campaign("demo").await.backers, 1);
    browser.close().await;
}

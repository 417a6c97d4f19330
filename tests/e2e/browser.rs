//! The widget in real headless Chromium, embedded in the demo blog page.

use fantoccini::{Client, Locator};
use std::time::Duration;
use tests::{Browser, TestApp, eventually, spawn_app};

pub(crate) const WAIT: Duration = Duration::from_secs(30);

pub(crate) async fn text(client: &Client, css: &str) -> Option<String> {
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

/// Waits until the element at `css` reads exactly `expected`.
pub(crate) async fn shows(client: &Client, css: &str, expected: &str, what: &str) {
    eventually(WAIT, what, || async { text(client, css).await.filter(|t| t == expected) }).await;
}

/// Shows intent (the widget loads its wasm then) and waits until the wasm has taken over
/// the server-rendered widget.
pub(crate) async fn hydrated(client: &Client) {
    eventually(WAIT, "hydration", || async {
        client
            .execute(
                "if (window.tribefundStart) window.tribefundStart(); \
                 return document.documentElement.hasAttribute('data-hydrated')",
                vec![],
            )
            .await
            .ok()
            .filter(|v| v.as_bool() == Some(true))
    })
    .await;
}

/// Follows a one-time sign-in `link` as a creator does: its page, then its button; waits
/// until the dashboard is shown.
pub(crate) async fn follow_sign_in_link(c: &Client, link: &str) {
    c.goto(link).await.unwrap();
    c.find(Locator::Css("[data-testid=link-sign-in]")).await.unwrap().click().await.unwrap();
    eventually(WAIT, "the dashboard after signing in", || async {
        c.current_url().await.ok().filter(|url| url.path() == "/dashboard")
    })
    .await;
}

/// Sends the pledge form and waits for the thank-you view's heading.
pub(crate) async fn submit_pledge(c: &Client) -> String {
    c.find(Locator::Css("[data-testid=pledge-form] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    eventually(WAIT, "the thank-you view", || async { text(c, "[data-testid=thanks] h2").await }).await
}

pub(crate) async fn fill(client: &Client, name: &str, value: &str) {
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
    hydrated(c).await;

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
    shows(c, "[data-testid=backers]", "1 backer", "the backer count to move").await;
    shows(c, "[data-testid=raised]", "¥299", "the raised amount to glide to its new value").await;
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
    let hydrated =
        c.execute("return document.documentElement.hasAttribute('data-hydrated')", vec![]).await.unwrap();
    assert_eq!(hydrated.as_bool(), Some(false), "the page is as the server rendered it");
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

#[tokio::test]
async fn a_pledge_from_a_second_tab_appears_in_both_embeds_without_reload() {
    let app = spawn_app().await;
    let browser = Browser::start(&["--lang=en-US"]).await.expect("Chromium starts");
    let c = &browser.client;
    c.goto(&app.url("/")).await.unwrap();
    let frames = eventually(WAIT, "two embeds", || async {
        let frames = c.find_all(Locator::Css("iframe")).await.ok()?;
        (frames.len() == 2).then_some(frames)
    })
    .await;
    assert_eq!(frames.len(), 2);
    let first_tab = c.window().await.unwrap();

    // A second tab pledges through its own widget.
    let second_tab = c.new_window(true).await.unwrap();
    c.switch_to_window(second_tab.handle).await.unwrap();
    c.goto(&app.url("/embed/demo?lang=en")).await.unwrap();
    fill(c, "name", "Second Tab").await;
    fill(c, "contact", "tab@example.com").await;
    c.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    eventually(WAIT, "the second tab's thanks", || async { text(c, "[data-testid=thanks]").await }).await;

    // Both embeds in the first tab show it, without a reload.
    c.switch_to_window(first_tab).await.unwrap();
    for index in 0..2 {
        c.enter_parent_frame().await.unwrap();
        c.enter_frame(index).await.unwrap();
        shows(c, "[data-testid=backers]", "1 backer", "the live update").await;
        shows(c, "[data-testid=raised]", "¥199", "the raised amount to finish moving").await;
    }
    browser.close().await;
}

#[tokio::test]
async fn without_event_source_the_widget_falls_back_to_polling() {
    let app = spawn_app().await;
    let browser = Browser::start(&["--lang=en-US"]).await.expect("Chromium starts");
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            serde_json::json!({ "source": "delete window.EventSource;" }),
        )
        .await
        .expect("the CDP command is accepted");
    let c = &browser.client;
    c.goto(&app.url("/embed/demo?lang=en")).await.unwrap();
    hydrated(c).await;
    let body = serde_json::json!({ "amount": 500_000, "name": "Api", "contact": "api@example.com", "public": false });
    assert_eq!(app.post_pledge("demo", body.to_string()).await.status(), 201);
    shows(c, "[data-testid=raised]", "¥5,000", "a poll to bring the pledge").await;
    browser.close().await;
}

#[tokio::test]
async fn a_fan_chooses_a_colour_and_two_lamps_and_the_demand_is_counted() {
    let app = spawn_app().await;
    let browser = Browser::start(&["--lang=en-US"]).await.expect("Chromium starts");
    let c = &browser.client;
    c.goto(&app.url("/embed/demo?lang=en")).await.unwrap();
    hydrated(c).await;
    c.find(Locator::Css("[data-tier=lamp] input[type=radio]")).await.unwrap().click().await.unwrap();
    c.find(Locator::Css("select[name='option.lamp.colour']"))
        .await
        .unwrap()
        .select_by_value("red")
        .await
        .unwrap();
    fill(c, "quantity.lamp", "2").await;
    let amount = c.find(Locator::Css("[name=amount]")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(amount.as_deref(), Some("598"), "two lamps cost twice the price");
    fill(c, "name", "Colour Fan").await;
    fill(c, "contact", "colour@example.com").await;
    c.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    let chosen =
        eventually(WAIT, "the thank-you view", || async { text(c, "[data-testid=thanks] .tf-chosen").await })
            .await;
    assert!(chosen.contains("Desk lamp × 2") && chosen.contains("colour: red"), "{chosen}");

    let campaign = app.campaign("demo").await;
    let lamp = campaign.tier("lamp").unwrap();
    let red = lamp.options[0].values.iter().find(|v| v.value == "red").unwrap();
    assert_eq!((lamp.claimed, red.claimed, campaign.raised), (2, 2, 59_800));
    browser.close().await;
}

#[tokio::test]
async fn a_hidden_page_lets_go_of_its_stream_and_catches_up_when_shown_again() {
    let app = spawn_app().await;
    let browser = Browser::start(&["--lang=en-US"]).await.expect("Chromium starts");
    let c = &browser.client;
    c.goto(&app.url("/embed/demo?lang=en")).await.unwrap();
    hydrated(c).await;
    // A stream shows in resource timing only once it has ended.
    let ended =
        "return performance.getEntriesByType('resource').filter(e => e.name.includes('/events')).length";
    let count_ended = || async { c.execute(ended, vec![]).await.ok().and_then(|v| v.as_u64()) };
    // The stream `live.js` held until the wasm took over has ended; the wasm's is open.
    let before =
        eventually(WAIT, "live.js to let go", || async { count_ended().await.filter(|&n| n <= 1) }).await;
    let set_visibility = |state: &'static str| {
        let script = format!(
            "Object.defineProperty(document, 'visibilityState', {{ value: '{state}', configurable: true }}); \
             document.dispatchEvent(new Event('visibilitychange'));"
        );
        async move { c.execute(&script, vec![]).await.unwrap() }
    };
    set_visibility("hidden").await;
    let closed = eventually(WAIT, "the stream to be closed", || async {
        count_ended().await.filter(|&n| n == before + 1)
    })
    .await;
    assert_eq!(closed, before + 1);
    let body = serde_json::json!({ "amount": 700_000, "name": "Away", "contact": "away@example.com", "public": false });
    assert_eq!(app.post_pledge("demo", body.to_string()).await.status(), 201);
    set_visibility("visible").await;
    shows(c, "[data-testid=raised]", "¥7,000", "the pledge made while hidden").await;
    browser.close().await;
}

#[tokio::test]
async fn a_host_page_on_another_origin_gets_a_working_resized_widget() {
    let app = spawn_app().await;
    let browser = Browser::start(&["--lang=en-US"]).await.expect("Chromium starts");
    let c = &browser.client;
    // `localhost` and `127.0.0.1` are different origins: the host page cannot read the frame.
    let host_origin = app.address.replace("127.0.0.1", "localhost");
    c.goto(&format!("{host_origin}/assets/widget.css")).await.unwrap();
    let page = format!(
        "document.open(); document.write('<!doctype html><body><h1>Someone else\\'s blog</h1>\
         <div class=\"tribefund\" data-campaign=\"demo\"></div>\
         <script src=\"{}/embed.js\" data-campaign=\"demo\" data-lang=\"en\"></script></body>'); document.close();",
        app.address
    );
    c.execute(&page, vec![]).await.unwrap();
    let height = eventually(WAIT, "the loader to size the frame", || async {
        let value = c
            .execute(
                "const f = document.querySelector('.tribefund iframe'); \
                 return f ? f.getBoundingClientRect().height : null;",
                vec![],
            )
            .await
            .ok()?;
        value.as_f64().filter(|h| *h > 0.0 && (*h - 420.0).abs() > 1.0)
    })
    .await;
    assert!(height > 300.0, "the frame fits the widget: {height}");
    let readable = c
        .execute(
            "try { return !!document.querySelector('iframe').contentDocument; } catch (e) { return false; }",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(readable.as_bool(), Some(false), "the host cannot read the widget's document");
    let lazy = c.execute("return document.querySelector('.tribefund iframe').loading", vec![]).await.unwrap();
    assert_eq!(lazy.as_str(), Some("lazy"), "the loader makes the frame lazily");
    c.enter_frame(0).await.unwrap();
    assert_eq!(text(c, "[data-testid=backers]").await.as_deref(), Some("0 backers"));
    browser.close().await;
}

#[tokio::test]
async fn a_fan_opening_a_variant_link_finds_the_variant_chosen_and_what_it_still_needs() {
    let app = spawn_app().await;
    let browser = Browser::start(&["--lang=en-US"]).await.expect("Chromium starts");
    let c = &browser.client;
    c.goto(&app.url("/c/demo?lang=en&tier=lamp&option.lamp.colour=red")).await.unwrap();
    hydrated(c).await;
    let checked = c
        .execute("return document.querySelector('[data-tier=lamp] input[type=radio]').checked", vec![])
        .await
        .unwrap();
    assert_eq!(checked.as_bool(), Some(true), "the lamp tier is chosen");
    let colour = c
        .execute("return document.querySelector(\"[name='option.lamp.colour']\").value", vec![])
        .await
        .unwrap();
    assert_eq!(colour.as_str(), Some("red"));
    shows(c, "[data-testid=pick]", "red: 30 more to unlock", "what the variant still needs").await;
    browser.close().await;
}

#[tokio::test]
async fn a_wechat_reader_on_a_phone_sees_how_to_share_after_pledging() {
    let app = spawn_app().await;
    let wechat = "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 Chrome/120.0 Mobile MicroMessenger/8.0.49";
    let browser = Browser::start_phone(&["--lang=en-US"], 390, 844, wechat).await.expect("Chromium starts");
    let c = &browser.client;
    c.goto(&app.url("/c/demo?lang=en")).await.unwrap();
    hydrated(c).await;
    c.find(Locator::Css("[data-tier=lamp] input[type=radio]")).await.unwrap().click().await.unwrap();
    fill(c, "name", "Mei").await;
    fill(c, "contact", "mei@example.com").await;
    c.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    shows(
        c,
        "[data-testid=wechat-guide]",
        "Tap ··· at the top right, then Send to Chat or Share to Moments.",
        "the WeChat guide",
    )
    .await;
    let qr = c.find(Locator::Css(".tf-qr img")).await.unwrap();
    let src = qr.attr("src").await.unwrap().unwrap();
    assert!(src.starts_with("/c/demo/qr.svg?ref="), "{src}");
    let width = c.execute("return document.documentElement.clientWidth", vec![]).await.unwrap();
    assert!(width.as_u64().unwrap() <= 390, "a phone-sized window: {width}");
    browser.close().await;
}

#[tokio::test]
async fn a_pledge_from_a_post_on_another_blog_counts_for_its_referrer_and_under_that_post() {
    let app = spawn_app().await;
    let body = serde_json::json!({ "tier": "lamp", "amount": 29_900, "options": { "colour": "red" },
        "name": "Mei", "contact": "mei@example.com", "public": true });
    let mei: serde_json::Value = app.post_pledge("demo", body.to_string()).await.json().await.unwrap();
    let code = mei["referral_code"].as_str().unwrap();
    let browser = Browser::start(&["--lang=en-US"]).await.expect("Chromium starts");
    let c = &browser.client;
    // A post on another origin, opened from Mei's link shared in a Weibo post.
    let host_origin = app.address.replace("127.0.0.1", "localhost");
    c.goto(&format!("{host_origin}/assets/widget.css?ref={code}&src=weibo")).await.unwrap();
    let page = format!(
        "document.open(); document.write('<!doctype html><body><h1>A post</h1>\
         <script src=\"{}/embed.js\" data-campaign=\"demo\" data-lang=\"en\"></script></body>'); document.close();",
        app.address
    );
    c.execute(&page, vec![]).await.unwrap();
    let frame =
        eventually(WAIT, "the widget's iframe", || async { c.find(Locator::Css("iframe")).await.ok() }).await;
    frame.enter_frame().await.unwrap();
    hydrated(c).await;
    c.find(Locator::Css("[data-tier=lamp] input[type=radio]")).await.unwrap().click().await.unwrap();
    fill(c, "name", "Li").await;
    fill(c, "contact", "li@example.com").await;
    c.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    eventually(WAIT, "the thank-you view", || async {
        c.find(Locator::Css("[data-testid=thanks]")).await.ok()
    })
    .await;
    browser.close().await;

    let token = mei["receipt_url"].as_str().unwrap().rsplit('/').next().unwrap();
    let receipt: serde_json::Value = app
        .client
        .get(app.url(&format!("/api/v1/receipts/{token}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(receipt["recruits"], 1, "credited through the loader: {receipt}");
    let report: serde_json::Value = app.creator_json("/api/v1/campaigns/demo/sources").await;
    let post = format!("{host_origin}/assets/widget.css");
    assert!(report["hosts"].as_array().unwrap().iter().any(|h| h["name"] == post.as_str()), "{report}");
    assert!(report["sources"].as_array().unwrap().iter().any(|s| s["name"] == "weibo"), "{report}");
}

#[tokio::test]
async fn a_backer_watching_their_receipt_sees_friends_arrive_without_reloading() {
    let app = spawn_app().await;
    let pledge = |name: &str, referral: Option<&str>| {
        let mut body = serde_json::json!({ "tier": "lamp", "amount": 29_900, "options": { "colour": "black" },
            "name": name, "contact": format!("{name}@example.com"), "public": true });
        if let Some(code) = referral {
            body["ref"] = serde_json::json!(code);
        }
        app.post_pledge("demo", body.to_string())
    };
    let mei: serde_json::Value = pledge("mei", None).await.json().await.unwrap();
    let browser = Browser::start(&["--lang=en-US"]).await.expect("Chromium starts");
    let c = &browser.client;
    c.goto(&format!("{}?lang=en", mei["receipt_url"].as_str().unwrap())).await.unwrap();
    hydrated(c).await;
    assert!(c.find(Locator::Css("[data-testid=recruits]")).await.is_err(), "no friends yet");
    assert_eq!(pledge("li", mei["referral_code"].as_str()).await.status(), 201);
    // The page refreshes the count every 15 seconds while it is visible.
    eventually(Duration::from_secs(40), "the friend's pledge on the open receipt", || async {
        text(c, "[data-testid=recruits]")
            .await
            .filter(|t| t == "1 friend backed through your link, bringing ¥299.")
    })
    .await;
    browser.close().await;
}

/// Saves a screenshot of the current page under `target/screenshots/` for review.
pub(crate) async fn screenshot(c: &Client, name: &str) {
    let png = c.screenshot().await.expect("a screenshot");
    let dir = tests::workspace_root().join("target").join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

#[tokio::test]
async fn the_dashboard_hydrates_from_its_own_wasm_at_phone_and_desktop_width() {
    let app = spawn_app().await;
    for (width, name) in [(360, "phone"), (1280, "desktop")] {
        let browser = if width < 500 {
            Browser::start_phone(&["--lang=en-US"], 360, 780, "Mozilla/5.0 (Linux; Android 13) Mobile").await
        } else {
            Browser::start(&["--lang=en-US", "--window-size=1280,900"]).await
        }
        .expect("Chromium starts");
        let c = &browser.client;
        let link = api::sites::sign_in_link(&app.state.store, "demo", &app.address).await.unwrap();
        follow_sign_in_link(c, &link).await;
        hydrated(c).await;
        let wasm = c
            .execute("return performance.getEntriesByType('resource').map(r => r.name).filter(n => n.endsWith('.wasm'))", vec![])
            .await
            .unwrap();
        let wasm: Vec<String> = serde_json::from_value(wasm).unwrap();
        assert!(wasm.iter().all(|w| w.contains("/pkg/dashboard_bg.")) && !wasm.is_empty(), "{wasm:?}");
        assert!(text(c, "[data-testid=campaigns]").await.unwrap().contains("Walnut desk lamp"));
        screenshot(c, &format!("dashboard-campaigns-{name}")).await;
        c.goto(&app.url("/dashboard/campaigns/demo?lang=en")).await.unwrap();
        hydrated(c).await;
        assert!(text(c, "[data-testid=demand]").await.unwrap().contains("colour: red"));
        // A fan pledges elsewhere: the open page's numbers move without a reload.
        let body = serde_json::json!({ "tier": "lamp", "amount": 29_900, "options": { "colour": "red" },
            "name": format!("Fan {width}"), "contact": format!("fan{width}@example.com"), "public": true });
        let raised_before = text(c, "[data-testid=raised]").await.unwrap();
        assert_eq!(app.post_pledge("demo", body.to_string()).await.status(), 201);
        eventually(WAIT, "the dashboard's numbers to move", || async {
            text(c, "[data-testid=raised]").await.filter(|raised| *raised != raised_before)
        })
        .await;
        let overflow = c
            .execute("return document.documentElement.scrollWidth > window.innerWidth", vec![])
            .await
            .unwrap();
        assert_eq!(overflow.as_bool(), Some(false), "nothing wider than the screen at {width} px");
        screenshot(c, &format!("dashboard-campaign-{name}")).await;
        for (path, shot) in
            [("/dashboard/editor/demo?lang=en", "editor"), ("/dashboard/embed?lang=en", "embed")]
        {
            c.goto(&app.url(path)).await.unwrap();
            hydrated(c).await;
            let overflow = c
                .execute("return document.documentElement.scrollWidth > window.innerWidth", vec![])
                .await
                .unwrap();
            assert_eq!(
                overflow.as_bool(),
                Some(false),
                "{path}: nothing wider than the screen at {width} px"
            );
            screenshot(c, &format!("dashboard-{shot}-{name}")).await;
        }
        c.goto(&app.url("/dashboard/sign-in?lang=en")).await.unwrap();
        screenshot(c, &format!("dashboard-sign-in-{name}")).await;
        browser.close().await;
    }
}

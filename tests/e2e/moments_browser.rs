//! Timed moments in real Chromium: countdowns on the server's clock whatever the phone's,
//! a tier opening at its second in an open widget with and without the wasm, and a pledge
//! the server could not take yet sent again, by the widget and by the plain form, ending
//! in exactly one pledge.

use crate::browser::{WAIT, fill, hydrated, submit_pledge, text};
use crate::moments::opening_campaign;
use crate::support::{limited_campaign, limited_pledge};
use fantoccini::{Client, Locator};
use tests::{Browser, Options, TestApp, eventually, spawn_app, spawn_app_with};

/// Every frame's `Date` runs `millis` ahead of the true time, as on a phone set wrong.
async fn shift_clock(browser: &Browser, millis: i64) {
    let source = format!(
        "(() => {{ const Real = Date, shift = {millis};
          class Shifted extends Real {{
            constructor(...a) {{ if (a.length === 0) super(Real.now() + shift); else super(...a); }}
            static now() {{ return Real.now() + shift; }}
          }}
          window.Date = Shifted; }})();"
    );
    browser
        .cdp("Page.addScriptToEvaluateOnNewDocument", serde_json::json!({ "source": source }))
        .await
        .unwrap();
}

async fn radio_disabled(c: &Client, tier: &str) -> bool {
    let radio = c.find(Locator::Css(&format!("[data-tier={tier}] input[type=radio]"))).await.unwrap();
    radio.prop("disabled").await.unwrap().as_deref() == Some("true")
}

async fn note(c: &Client) -> String {
    text(c, "[data-tier=limited] [data-testid=tier-note]").await.unwrap_or_default()
}

/// The tier's countdown and the campaign's, as a reader with a clock ten minutes fast sees
/// them: they must read as the server's clock says.
async fn counts_down_truly(c: &Client, what: &str) {
    eventually(WAIT, what, || async {
        let (note, time) = (note(c).await, text(c, "[data-testid=time]").await.unwrap_or_default());
        (note.starts_with("Opens in 2m ") && (time.starts_with("49m ") || time.starts_with("50m ")))
            .then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_phone_ten_minutes_fast_counts_down_on_the_servers_clock_with_and_without_wasm() {
    let app = spawn_app().await;
    let (mut input, _) = opening_campaign("clock", 170);
    input.ends_at = api::now().plus_seconds(3_010);
    app.create_campaign(input).await;
    let phone = "Mozilla/5.0 (Linux; Android 13) Mobile";
    let browser = Browser::start_phone(&["--lang=en-US"], 360, 780, phone).await.expect("Chromium starts");
    shift_clock(&browser, 600_000).await;
    let c = &browser.client;
    c.goto(&app.url("/c/clock?lang=en")).await.unwrap();
    let phone_clock = c.execute("return Date.now()", vec![]).await.unwrap().as_f64().unwrap() as i64;
    assert!(phone_clock - api::moment().millis() > 590_000, "the phone's clock is ten minutes fast");
    counts_down_truly(c, "live.js to count down on the server's clock").await;
    assert!(radio_disabled(c, "limited").await, "the phone's clock says open; the server's does not");
    hydrated(c).await;
    counts_down_truly(c, "the wasm to count down on the server's clock").await;
    assert!(radio_disabled(c, "limited").await);
    browser.close().await;
}

/// Waits until the tier's radio is enabled, and says when by the server's clock.
async fn opened_at(c: &Client) -> i64 {
    eventually(WAIT, "the tier to open", || async { (!radio_disabled(c, "limited").await).then(api::moment) })
        .await
        .millis()
}

#[tokio::test]
async fn a_tier_opens_at_its_second_in_an_open_widget_with_and_without_wasm() {
    let app = spawn_app().await;
    let browser = Browser::start(&["--lang=en-US"]).await.expect("Chromium starts");
    let c = &browser.client;

    // Without the wasm: the page as the server rendered it, kept by live.js.
    let (input, opens) = opening_campaign("plain", 6);
    app.create_campaign(input).await;
    c.goto(&app.url("/embed/plain?lang=en")).await.unwrap();
    assert!(radio_disabled(c, "limited").await && note(c).await.starts_with("Opens in "));
    let at = opened_at(c).await;
    assert!(at >= opens.unix() * 1000, "not before its second");
    assert!(!note(c).await.starts_with("Opens in"), "the note no longer counts down");
    let hydrated_yet = c.execute("return document.documentElement.hasAttribute('data-hydrated')", vec![]);
    assert_eq!(hydrated_yet.await.unwrap().as_bool(), Some(false), "live.js alone opened it");

    // With the wasm: hydrated before the second, then open at it, and a pledge goes through.
    let (input, opens) = opening_campaign("hydrated", 8);
    app.create_campaign(input).await;
    c.goto(&app.url("/embed/hydrated?lang=en")).await.unwrap();
    hydrated(c).await;
    assert!(api::moment().millis() < opens.unix() * 1000, "hydrated before the tier opens");
    assert!(radio_disabled(c, "limited").await);
    let at = opened_at(c).await;
    assert!(at >= opens.unix() * 1000, "not before its second");
    c.find(Locator::Css("[data-tier=limited] input[type=radio]")).await.unwrap().click().await.unwrap();
    fill(c, "name", "First Fan").await;
    fill(c, "contact", "first@example.com").await;
    assert!(submit_pledge(c).await.contains("First Fan"));
    assert_eq!(app.campaign("hydrated").await.backers, 1);
    browser.close().await;
}

/// The page's `fetch` loses the answer to the first pledge (which the server took) and hears
/// "saturated" for the second, as a crowded server or a flaky network would do.
const LOSSY_FETCH: &str = "(() => {
  const real = window.fetch.bind(window);
  window.tfAttempts = [];
  const problem = (kind, after) => new Response(
    JSON.stringify({ type: '/problems/' + kind, title: kind, status: 503, detail: kind, retry_after: after }),
    { status: 503, headers: { 'content-type': 'application/problem+json', 'retry-after': String(after) } });
  window.fetch = async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    if (request.method === 'POST' && request.url.includes('/pledges')) {
      window.tfAttempts.push(request.headers.get('Idempotency-Key'));
      if (window.tfAttempts.length === 1) { await real(request.clone()); return problem('outcome-unknown', 1); }
      if (window.tfAttempts.length === 2) return problem('saturated', 2);
    }
    return real(input, init);
  };
})();";

#[tokio::test]
async fn the_widget_sends_a_pledge_again_when_the_server_cannot_take_it_and_it_is_taken_once() {
    let app = spawn_app().await;
    let browser = Browser::start(&["--lang=en-US"]).await.expect("Chromium starts");
    browser
        .cdp("Page.addScriptToEvaluateOnNewDocument", serde_json::json!({ "source": LOSSY_FETCH }))
        .await
        .unwrap();
    let c = &browser.client;
    c.goto(&app.url("/embed/demo?lang=en")).await.unwrap();
    hydrated(c).await;
    c.find(Locator::Css("[data-tier=lamp] input[type=radio]")).await.unwrap().click().await.unwrap();
    fill(c, "name", "Patient Fan").await;
    fill(c, "contact", "patient@example.com").await;
    c.find(Locator::Css("[data-testid=pledge-form] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    eventually(WAIT, "the form to say it is still trying", || async {
        text(c, "[data-testid=problem]").await.filter(|t| t.starts_with("Still trying"))
    })
    .await;
    let thanks =
        eventually(WAIT, "the thank-you view", || async { text(c, "[data-testid=thanks] h2").await }).await;
    assert!(thanks.contains("Patient Fan"), "{thanks}");
    let attempts = c.execute("return window.tfAttempts", vec![]).await.unwrap();
    let keys: Vec<&str> = attempts.as_array().unwrap().iter().map(|k| k.as_str().unwrap()).collect();
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert!(keys.iter().all(|k| *k == keys[0]), "every attempt carries the same key: {keys:?}");
    assert_eq!(app.campaign("demo").await.backers, 1, "taken once, though sent three times");
    browser.close().await;
}

/// Holds SQLite's write lock from another connection until dropped or released.
async fn hold_write_lock(app: &TestApp) -> sqlx::SqliteConnection {
    let mut blocker = <sqlx::SqliteConnection as sqlx::Connection>::connect(&app.db_url).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE").execute(&mut blocker).await.unwrap();
    blocker
}

#[tokio::test]
async fn the_plain_form_sends_itself_again_while_the_server_is_saturated_and_is_taken_once() {
    let app = spawn_app_with(Options { pledge_queue: Some(1), ..Options::default() }).await;
    app.create_campaign(limited_campaign("crowd", 100)).await;
    let browser = Browser::start(&["--lang=en-US"]).await.expect("Chromium starts");
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            serde_json::json!({ "source": "delete window.WebAssembly;" }),
        )
        .await
        .unwrap();
    let c = &browser.client;
    c.goto(&app.url("/embed/crowd?lang=en")).await.unwrap();
    fill(c, "name", "Plain Fan").await;
    fill(c, "contact", "plain@example.com").await;

    // One pledge in the writer (waiting on the lock), one in its queue, the third told to
    // come back: the queue is full, and the form's pledge is one too many.
    let mut blocker = hold_write_lock(&app).await;
    let send = |n: usize| {
        let request = app.client.post(app.url("/api/v1/campaigns/crowd/pledges"));
        let request = request
            .header("content-type", "application/json")
            .header("idempotency-key", format!("ahead-{n}"))
            .body(limited_pledge(n).to_string());
        async move { request.send().await.unwrap().status() }
    };
    let ahead: Vec<_> = (0..3).map(|n| tokio::spawn(send(n))).collect();
    eventually(WAIT, "the writer's queue to fill", || async {
        ahead.iter().any(|h| h.is_finished()).then_some(())
    })
    .await;
    c.find(Locator::Css("[data-testid=pledge-form] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    eventually(WAIT, "the page that sends itself again", || async {
        let form = c.find(Locator::Css("form[data-resubmit]")).await.ok()?;
        let problem = text(c, "[data-testid=problem]").await?;
        problem.starts_with("Still trying").then_some(form)
    })
    .await;
    sqlx::query("ROLLBACK").execute(&mut blocker).await.unwrap();
    for (n, pledge) in ahead.into_iter().enumerate() {
        let status = match pledge.await.unwrap().as_u16() {
            503 => send(n).await.as_u16(),
            status => status,
        };
        assert_eq!(status, 201);
    }
    let thanks =
        eventually(WAIT, "the thank-you page", || async { text(c, "[data-testid=thanks] h2").await }).await;
    assert!(thanks.contains("Plain Fan"), "{thanks}");
    assert_eq!(app.campaign("crowd").await.backers, 4, "the three ahead, and the form's once");
    browser.close().await;
}

#[tokio::test]
async fn a_scheduled_campaign_shows_its_tiers_and_opens_its_form_at_the_second_it_starts() {
    let app = spawn_app().await;
    let starts = api::now().plus_seconds(6);
    app.create_campaign(domain::wire::CampaignInput { starts_at: starts, ..limited_campaign("soon", 10) })
        .await;
    let browser = Browser::start(&["--lang=en-US"]).await.expect("Chromium starts");
    let c = &browser.client;
    c.goto(&app.url("/c/soon?lang=en")).await.unwrap();
    let closed = "return document.querySelector('fieldset.tf-all').disabled";
    assert_eq!(
        c.execute(closed, vec![]).await.unwrap().as_bool(),
        Some(true),
        "the form is closed before the start"
    );
    assert_eq!(
        text(c, "[data-tier=limited] .tf-price").await.as_deref(),
        Some("$10"),
        "its tiers and prices show"
    );
    let countdown = text(c, "[data-testid=time]").await.unwrap_or_default();
    assert!(countdown.starts_with("Starts in 0m "), "{countdown}");
    eventually(WAIT, "the form to open at the start", || async {
        (c.execute(closed, vec![]).await.ok()?.as_bool() == Some(false)).then_some(())
    })
    .await;
    assert!(api::moment().millis() >= starts.unix() * 1000, "not before its second");
    let waiting = c
        .execute("return (p => !p || p.hidden)(document.querySelector('[data-testid=not-started]'))", vec![]);
    assert_eq!(waiting.await.unwrap().as_bool(), Some(true), "the 'not started' line goes");
    assert!(text(c, "[data-testid=time]").await.unwrap_or_default().ends_with(" left"));
    browser.close().await;
}

//! A blogger's whole first campaign in real Chromium, from nothing but `tribefund site
//! create`: signing in through the link, the editor with its live preview, publishing, the
//! snippet on a blog at another origin, a fan's pledge there from a phone, and the
//! dashboard following it without a reload; then the CSV and an update on the share page.

use crate::browser::{WAIT, fill, hydrated, screenshot, text};
use api::cli::{Database, SiteCommand};
use fantoccini::{Client, Locator};
use tests::{Browser, eventually, spawn_app};

/// Sets a field the way typing does (an `input` event), for the date pickers whose typed
/// format depends on the browser's locale.
async fn set(c: &Client, name: &str, value: &str) {
    let script = "const f = document.querySelector(`[name='${arguments[0]}']`); f.value = arguments[1]; \
                  f.dispatchEvent(new Event('input', { bubbles: true }));";
    c.execute(script, vec![name.into(), value.into()]).await.unwrap();
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css)).await.unwrap_or_else(|_| panic!("{css}")).click().await.unwrap();
}

/// Waits until the element at `css` contains `expected`.
async fn contains(c: &Client, css: &str, expected: &str, what: &str) -> String {
    eventually(WAIT, what, || async { text(c, css).await.filter(|t| t.contains(expected)) }).await
}

#[tokio::test]
async fn a_blogger_runs_a_first_campaign_from_site_create_to_an_update_on_the_share_page() {
    let app = spawn_app().await;
    // `localhost` and `127.0.0.1` are different origins: the blog is another site.
    let blog = app.address.replace("127.0.0.1", "localhost");
    let created = api::cli::site(
        SiteCommand::Create {
            id: "mei".into(),
            name: "Mei's pottery blog".into(),
            origins: vec![blog.clone()],
            emails: vec![],
            notify: None,
            lang: None,
            json: true,
        },
        Database { database_url: app.db_url.clone(), public_url: app.address.clone() },
    )
    .await
    .unwrap();
    let created: serde_json::Value = serde_json::from_str(&created).unwrap();
    let link = created["sign_in_url"].as_str().unwrap();

    let browser =
        Browser::start(&["--lang=en-US", "--window-size=1280,1000"]).await.expect("Chromium starts");
    let c = &browser.client;
    crate::browser::follow_sign_in_link(c, link).await;
    hydrated(c).await;
    assert_eq!(text(c, "[data-testid=site]").await.as_deref(), Some("Mei's pottery blog"));
    click(c, "[data-testid=new-campaign]").await;
    hydrated(c).await;

    // The editor: every keystroke is checked and drawn by the widget's own components.
    fill(c, "title", "Celadon tea cup").await;
    fill(c, "summary", "Hand-thrown cups, glazed to order.").await;
    fill(c, "goal", "lots").await;
    contains(c, "[data-field=goal]", "number", "the goal's problem, as it is typed").await;
    fill(c, "goal", "500").await;
    eventually(WAIT, "the goal's problem to go", || async {
        c.find(Locator::Css("[data-field=goal]")).await.is_err().then_some(())
    })
    .await;
    let now = api::now();
    set(c, "starts_at", &now.plus_seconds(-3600).to_string()[..16]).await;
    fill(c, "tiers[0].title", "One cup").await;
    fill(c, "tiers[0].id", "cup").await;
    fill(c, "tiers[0].price", "88").await;
    fill(c, "tiers[0].limit", "20").await;
    fill(c, "tiers[0].per_backer", "2").await;
    click(c, "button[value='add_option:0']").await;
    fill(c, "tiers[0].options[0].name", "colour").await;
    fill(c, "tiers[0].options[0].values[0].value", "celadon").await;
    fill(c, "tiers[0].options[0].values[0].min_batch", "3").await;
    click(c, "button[value='add_value:0:0']").await;
    fill(c, "tiers[0].options[0].values[1].value", "ash").await;
    let marker = c.execute("window.tfEditorMarker = 1; return location.pathname", vec![]).await.unwrap();
    assert_eq!(marker.as_str(), Some("/dashboard/campaigns/new"), "the buttons worked in place");
    contains(c, "[data-testid=editor-preview] .tf-title", "Celadon tea cup", "the preview's title").await;
    let preview = contains(c, "[data-testid=editor-preview]", "One cup", "the preview's tier").await;
    assert!(preview.contains("¥88") || preview.contains("$88"), "the price as fans will see it: {preview}");
    assert!(
        c.find(Locator::Css(
            "[data-testid=editor-preview] select[name='option.cup.colour'] option[value=ash]"
        ))
        .await
        .is_ok(),
        "the colour choice as fans will see it"
    );
    screenshot(c, "editor-desktop").await;
    click(c, "[data-testid=publish]").await;
    eventually(WAIT, "the published campaign's page", || async {
        c.current_url().await.ok().filter(|u| u.path() == "/dashboard/campaigns/celadon-tea-cup")
    })
    .await;
    hydrated(c).await;
    contains(c, "[data-testid=time-left]", "days left", "the time left").await;
    let snippet = text(c, "[data-testid=embed]").await.unwrap();
    assert!(snippet.contains("data-campaign=\"celadon-tea-cup\""), "{snippet}");
    c.execute("window.tfDashboardMarker = 1", vec![]).await.unwrap();
    let raised_before = text(c, "[data-testid=raised]").await.unwrap();

    // A fan on a phone, on the blog the snippet was pasted into.
    let phone =
        Browser::start_phone(&["--lang=en-US"], 390, 844, "Mozilla/5.0 (iPhone) Mobile").await.unwrap();
    let f = &phone.client;
    f.goto(&format!("{blog}/assets/widget.css")).await.unwrap();
    let page = format!(
        "<!doctype html><body><h1>Mei's pottery blog</h1><p>My new cups!</p>{}</body>",
        snippet.replace("data-campaign", "data-lang=\"en\" data-campaign")
    );
    f.execute("document.open(); document.write(arguments[0]); document.close();", vec![page.into()])
        .await
        .unwrap();
    let frame =
        eventually(WAIT, "the widget's iframe", || async { f.find(Locator::Css("iframe")).await.ok() }).await;
    frame.enter_frame().await.unwrap();
    hydrated(f).await;
    f.find(Locator::Css("select[name='option.cup.colour']"))
        .await
        .unwrap()
        .select_by_value("ash")
        .await
        .unwrap();
    fill(f, "name", "Fan Li").await;
    fill(f, "contact", "li@example.com").await;
    // Sent from the keyboard: the phone's frame moves as it resizes, which a pointer
    // click's computed position does not follow.
    let contact = f.find(Locator::Css("[name=contact]")).await.unwrap();
    contact.send_keys(&fantoccini::key::Key::Enter.to_string()).await.unwrap();
    eventually(WAIT, "the fan's thanks", || async { text(f, "[data-testid=thanks]").await }).await;
    phone.close().await;

    // The dashboard follows: numbers, the demand chart and the backer table, no reload.
    eventually(WAIT, "the raised amount to move", || async {
        text(c, "[data-testid=raised]").await.filter(|r| *r != raised_before)
    })
    .await;
    contains(c, "[data-testid=backers]", "1 backer", "the backer count").await;
    contains(c, "[data-testid=backers-table]", "Fan Li", "the fan in the backer table").await;
    let demand = contains(c, "[data-testid=chart-demand]", "ash", "the demand chart").await;
    assert!(demand.contains("colour: ash"), "{demand}");
    let still = c.execute("return window.tfDashboardMarker === 1", vec![]).await.unwrap();
    assert_eq!(still.as_bool(), Some(true), "the page was never reloaded");
    screenshot(c, "dashboard-after-pledge-desktop").await;

    // The CSV behind the download link has the fan.
    let href = c.find(Locator::Css("[data-testid=csv]")).await.unwrap().attr("href").await.unwrap().unwrap();
    let csv = c
        .execute_async(
            "const done = arguments[1]; fetch(arguments[0]).then(r => r.text()).then(done, e => done(String(e)));",
            vec![href.into()],
        )
        .await
        .unwrap();
    let csv = csv.as_str().unwrap();
    assert!(csv.contains("Fan Li") && csv.contains("li@example.com") && csv.contains("ash"), "{csv}");

    // An update, published from the dashboard, is on the share page.
    fill(c, "body", "The first kiln firing is on Friday.").await;
    let title = c.find(Locator::Css("form.tfd-update input[name=title]")).await.unwrap();
    title.send_keys("Kiln day").await.unwrap();
    // What is being typed stays typed while the clock ticks and another pledge arrives,
    // each of which renders the page again.
    let pledge = serde_json::json!({
        "tier": "cup", "amount": 8_800, "options": { "colour": "celadon" },
        "name": "Wen", "contact": "wen@example.com"
    });
    assert_eq!(app.post_pledge("celadon-tea-cup", pledge.to_string()).await.status(), 201);
    contains(c, "[data-testid=backers-table]", "Wen", "the second backer in the table").await;
    assert_eq!(title.prop("value").await.unwrap().as_deref(), Some("Kiln day"));
    let body = c.find(Locator::Css("form.tfd-update textarea[name=body]")).await.unwrap();
    assert_eq!(body.prop("value").await.unwrap().as_deref(), Some("The first kiln firing is on Friday."));
    click(c, "form.tfd-update button[value=publish]").await;
    contains(c, "[data-testid=updates]", "Kiln day", "the update in the dashboard").await;
    c.goto(&app.url("/c/celadon-tea-cup?lang=en")).await.unwrap();
    contains(c, "body", "Kiln day", "the update on the share page").await;
    browser.close().await;
}

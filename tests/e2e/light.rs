//! The fan's phone: a reader who only looks downloads no wasm and still sees progress move;
//! what a fan types before the wasm arrives is kept when it takes over; where the wasm
//! fails to compile, the page stays as the server rendered it and works.

use crate::browser::{WAIT, fill, hydrated, shows, submit_pledge, text};
use fantoccini::{Client, Locator};
use tests::{Browser, TestApp, eventually, spawn_app};

async fn open_embed(app: &TestApp, c: &Client) {
    c.goto(&app.url("/embed/demo?lang=en")).await.unwrap();
    eventually(WAIT, "the progress bar", || async { c.find(Locator::Css("[role=progressbar]")).await.ok() })
        .await;
}

/// The addresses of every wasm file the page fetched.
async fn wasm_fetched(c: &Client) -> Vec<String> {
    let script =
        "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.endsWith('.wasm'))";
    let listed = c.execute(script, vec![]).await.unwrap();
    serde_json::from_value(listed).unwrap()
}

/// Makes every page in `browser` have a WebAssembly that refuses the module, as Safari 15
/// does with the features Rust enables by default.
pub(crate) async fn refuse_wasm(browser: &Browser) {
    let refuse = "WebAssembly.instantiateStreaming = () => Promise.reject(new WebAssembly.CompileError('unsupported')); \
                  WebAssembly.instantiate = () => Promise.reject(new WebAssembly.CompileError('unsupported'));";
    browser
        .cdp("Page.addScriptToEvaluateOnNewDocument", serde_json::json!({ "source": refuse }))
        .await
        .unwrap();
}

/// A pledge of ¥5,000 (a tenth of the demo's goal) from someone else.
async fn pledge_elsewhere(app: &TestApp) {
    let body = serde_json::json!({ "amount": 500_000, "name": "Elsewhere", "contact": "else@example.com" });
    assert_eq!(app.post_pledge("demo", body.to_string()).await.status(), 201);
}

#[tokio::test]
async fn a_reader_who_only_looks_downloads_no_wasm_and_sees_the_progress_move() {
    let app = spawn_app().await;
    let browser = Browser::start(&["--lang=en-US"]).await.expect("Chromium starts");
    let c = &browser.client;
    open_embed(&app, c).await;
    pledge_elsewhere(&app).await;
    shows(c, "[data-testid=backers]", "1 backer", "the backers to move without wasm").await;
    shows(c, "[data-testid=raised]", "¥5,000", "the money to move without wasm").await;
    assert_eq!(text(c, "[data-testid=percent]").await.as_deref(), Some("10%"));
    let bar = c.find(Locator::Css("[role=progressbar]")).await.unwrap();
    assert_eq!(bar.attr("aria-valuenow").await.unwrap().as_deref(), Some("10"));
    assert_eq!(bar.attr("aria-valuetext").await.unwrap().as_deref(), Some("10% funded"));
    let announce = c
        .execute("return document.querySelector('[data-testid=announce]').textContent", vec![])
        .await
        .unwrap();
    assert_eq!(announce.as_str(), Some("¥5,000 · 10% funded · 1 backer"), "announced politely, once settled");
    assert!(wasm_fetched(c).await.is_empty(), "no wasm before the reader shows intent");

    // A tap on the form is intent: the wasm arrives and takes over, numbers intact.
    c.find(Locator::Css("[name=name]")).await.unwrap().click().await.unwrap();
    hydrated(c).await;
    assert_eq!(wasm_fetched(c).await.len(), 1);
    assert_eq!(text(c, "[data-testid=backers]").await.as_deref(), Some("1 backer"), "nothing moved back");
    pledge_elsewhere(&app).await;
    shows(c, "[data-testid=backers]", "2 backers", "the wasm's own stream to move it").await;
    browser.close().await;
}

#[tokio::test]
async fn what_a_fan_typed_before_the_wasm_arrived_is_kept_when_it_takes_over() {
    let app = spawn_app().await;
    let browser = Browser::start(&["--lang=en-US"]).await.expect("Chromium starts");
    let c = &browser.client;
    open_embed(&app, c).await;
    // Typed while the wasm is still on its way (set without the events that fetch it).
    c.execute(
        "document.querySelector('[name=name]').value = 'Early Fan'; \
         document.querySelector('[name=contact]').value = 'early@example.com'; \
         document.querySelector('[name=message]').value = 'Typed on the bus';",
        vec![],
    )
    .await
    .unwrap();
    assert!(wasm_fetched(c).await.is_empty());
    hydrated(c).await;
    let value = |name: &'static str| async move {
        c.find(Locator::Css(&format!("[name={name}]")))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default()
    };
    assert_eq!(value("name").await, "Early Fan");
    assert_eq!(value("contact").await, "early@example.com");
    assert_eq!(value("message").await, "Typed on the bus");
    let thanks = submit_pledge(c).await;
    assert!(thanks.contains("Early Fan"), "the wasm sent what was typed before it: {thanks}");
    assert_eq!(c.current_url().await.unwrap().path(), "/embed/demo", "sent by the wasm, not the plain form");
    browser.close().await;
}

#[tokio::test]
async fn a_fans_mistake_is_told_in_their_language_from_the_servers_codes_and_fixing_it_pledges_once() {
    let app = spawn_app().await;
    let browser = Browser::start(&["--lang=zh-CN"]).await.expect("Chromium starts");
    let c = &browser.client;
    c.goto(&app.url("/embed/demo?lang=zh-CN")).await.unwrap();
    hydrated(c).await;
    fill(c, "contact", "fan@example.com").await;
    // Typed until it holds: a re-render between clearing the field and typing (a busy
    // machine) may put the tier's price back first.
    eventually(WAIT, "the amount typed as 1", || async {
        fill(c, "amount", "1").await;
        let typed = c.find(Locator::Css("[name=amount]")).await.ok()?.prop("value").await.ok()??;
        (typed == "1").then_some(())
    })
    .await;
    c.find(Locator::Css("[data-testid=pledge-form] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    shows(c, "#err-name", "必填", "the server's code for the blank name, in Chinese").await;
    shows(c, "[data-testid=problem]", "请检查标出的内容。", "what to do, in Chinese").await;
    shows(c, "#err-amount", "不能低于该档位价格", "below the tier's price, in Chinese").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/embed/demo", "refused in place, by the wasm");

    fill(c, "name", "梅").await;
    fill(c, "amount", "299").await;
    let thanks = submit_pledge(c).await;
    assert!(thanks.contains("梅"), "{thanks}");
    assert_eq!(app.campaign("demo").await.backers, 1, "the same idempotency key, one pledge");
    browser.close().await;
}

#[tokio::test]
async fn where_the_wasm_fails_to_compile_the_page_keeps_working_and_moving() {
    let app = spawn_app().await;
    let browser = Browser::start(&["--lang=en-US"]).await.expect("Chromium starts");
    refuse_wasm(&browser).await;
    let c = &browser.client;
    open_embed(&app, c).await;
    c.find(Locator::Css("[name=name]")).await.unwrap().click().await.unwrap();
    eventually(WAIT, "the wasm fetched and refused", || async {
        (!wasm_fetched(c).await.is_empty()).then_some(())
    })
    .await;
    pledge_elsewhere(&app).await;
    shows(c, "[data-testid=backers]", "1 backer", "live progress without the wasm").await;
    let hydrated =
        c.execute("return document.documentElement.hasAttribute('data-hydrated')", vec![]).await.unwrap();
    assert_eq!(hydrated.as_bool(), Some(false));
    fill(c, "name", "Old Phone").await;
    fill(c, "contact", "old@example.com").await;
    let thanks = submit_pledge(c).await;
    assert!(thanks.contains("Old Phone"), "{thanks}");
    assert_eq!(app.campaign("demo").await.backers, 2);
    browser.close().await;
}

/// The addresses the embed page names for `prefix` (`/assets/`, `/pkg/`).
fn linked<'a>(page: &'a str, prefix: &str) -> Vec<&'a str> {
    page.split('"').filter(|part| part.starts_with(prefix)).collect()
}

#[tokio::test]
async fn the_wasm_is_sent_precompressed_in_the_best_encoding_the_browser_takes() {
    let app = spawn_app().await;
    let pkg = tests::workspace_root().join("www/pkg");
    let page = app.text("/embed/demo").await;
    let wasm = linked(&page, "/pkg/").into_iter().find(|url| url.ends_with(".wasm")).expect("the wasm named");
    for (accepts, encoding, file) in [
        ("br, gzip", Some("br"), "widget_bg.wasm.br"),
        ("gzip, br;q=0", Some("gzip"), "widget_bg.wasm.gz"),
        ("identity", None, "widget_bg.wasm"),
    ] {
        let response = app.client.get(app.url(wasm)).header("accept-encoding", accepts).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let sent = response.headers().get("content-encoding").map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(sent.as_deref(), encoding, "{accepts}");
        assert_eq!(response.headers()["content-type"], "application/wasm");
        assert_eq!(response.headers()["vary"], "accept-encoding");
        let body = response.bytes().await.unwrap();
        assert_eq!(body, std::fs::read(pkg.join(file)).unwrap(), "{accepts}: the stored copy");
    }
}

#[tokio::test]
async fn every_file_the_pages_name_is_content_hashed_and_kept_for_good() {
    let app = spawn_app().await;
    let page = app.text("/embed/demo").await;
    let (assets, pkg) = (linked(&page, "/assets/"), linked(&page, "/pkg/"));
    assert_eq!(assets.len(), 4, "styles, frame.js, live.js, boot.js: {assets:?}");
    assert_eq!(pkg.len(), 2, "the glue and the wasm, named on boot.js's tag: {pkg:?}");
    for url in assets.iter().chain(&pkg) {
        let name = url.rsplit('/').next().unwrap();
        let parts: Vec<&str> = name.split('.').collect();
        assert!(
            parts.len() == 3 && parts[1].len() == 10 && parts[1].chars().all(|c| c.is_ascii_hexdigit()),
            "{url} names its content"
        );
        let response = app.client.get(app.url(url)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        assert_eq!(response.headers()["cache-control"], "public, max-age=31536000, immutable", "{url}");
        // The plain name answers the same bytes, revalidated by their hash.
        let plain_url = format!("{}{}.{}", &url[..url.len() - name.len()], parts[0], parts[2]);
        let plain = app.client.get(app.url(&plain_url)).send().await.unwrap();
        assert_eq!(plain.headers()["cache-control"], "no-cache", "{plain_url}");
        assert_eq!(plain.headers()["etag"].to_str().unwrap(), format!("\"{}\"", parts[1]));
        let again = app
            .client
            .get(app.url(&plain_url))
            .header("if-none-match", plain.headers()["etag"].clone())
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{plain_url} unchanged");
        assert_eq!(response.bytes().await.unwrap(), plain.bytes().await.unwrap());
    }
    // Another version's name (another replica's, mid-deploy) is not answered with this one.
    let css = assets.iter().find(|url| url.ends_with(".css")).unwrap();
    let other = css.replace(&css[css.len() - 14..css.len() - 4], "0000000000");
    assert_eq!(app.client.get(app.url(&other)).send().await.unwrap().status(), 404);
    for hostile in ["/assets/..%2FCargo.toml", "/assets/%2e%2e/index.html", "/pkg/..%2f..%2fCargo.toml"] {
        assert_eq!(app.client.get(app.url(hostile)).send().await.unwrap().status(), 404, "{hostile}");
    }
    // The dashboard's pages name theirs the same way.
    let sign_in = app.text("/dashboard/sign-in").await;
    assert!(linked(&sign_in, "/assets/").iter().all(|url| url.split('.').count() == 3), "{sign_in}");
}

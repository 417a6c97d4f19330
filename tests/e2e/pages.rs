//! Server-rendered pages and the plain HTML form, as a browser without wasm sees them.

use serde_json::json;
use tests::spawn_app;

/// The value of `name="{field}"`'s `value` attribute in a rendered form.
pub(crate) fn input_value<'a>(html: &'a str, field: &str) -> &'a str {
    let at = html.find(&format!("name=\"{field}\"")).unwrap_or_else(|| panic!("no {field} field"));
    let tag_start = html[..at].rfind('<').unwrap();
    let tag = &html[tag_start..tag_start + html[tag_start..].find('>').unwrap()];
    let value = tag.split("value=\"").nth(1).unwrap_or("");
    &value[..value.find('"').unwrap_or(0)]
}

#[tokio::test]
async fn the_embed_page_shows_progress_and_a_form_before_any_script_runs() {
    let app = spawn_app().await;
    let support = json!({ "amount": 250_000, "name": "Patron", "contact": "p@example.com", "public": true });
    assert_eq!(app.post_pledge("demo", support.to_string()).await.status(), 201);
    let response = app.client.get(app.url("/embed/demo?lang=en")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let csp = response.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.ends_with("frame-ancestors 'self' *"), "{csp}");
    let html = response.text().await.unwrap();
    assert!(html.contains(r#"role="progressbar""#));
    assert!(html.contains(r#"aria-valuenow="5""#), "¥2,500 of ¥50,000 is 5%");
    assert!(html.contains("¥2,500"));
    assert!(html.contains("1 backer"));
    assert!(html.contains(r#"action="/embed/demo/pledge""#));
    assert!(html.contains(r#"id="tf-props""#));
    assert_eq!(input_value(&html, "amount"), "199", "the first tier's price is prefilled");
}

#[tokio::test]
async fn the_embed_page_speaks_chinese_when_asked_or_when_the_browser_prefers_it() {
    let app = spawn_app().await;
    let asked = app.text("/embed/demo?lang=zh-CN").await;
    assert!(asked.contains("立即支持") && asked.contains(r#"<html lang="zh-CN">"#));
    let browser = app
        .client
        .get(app.url("/embed/demo"))
        .header("accept-language", "zh-CN,zh;q=0.9,en;q=0.8")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(browser.contains("立即支持"));
}

#[tokio::test]
async fn a_plain_form_post_pledges_and_redirects_to_the_thank_you_page() {
    let app = spawn_app().await;
    let form = [
        ("tier", "lamp"),
        ("amount", "299"),
        ("option.lamp.colour", "black"),
        ("name", "Wang"),
        ("contact", "wang@example.com"),
        ("idempotency_key", "form-1"),
        ("lang", "en"),
    ];
    let first = app.post_form("/embed/demo/pledge", &form).await;
    assert_eq!(first.status(), 303);
    let location = first.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/r/"), "{location}");
    let thanks = app.text(&location).await;
    assert!(thanks.contains("Thank you, Wang!"), "{thanks}");
    assert!(thanks.contains("/c/demo?ref="));

    let again = app.post_form("/embed/demo/pledge", &form).await;
    assert_eq!(
        again.headers()["location"].to_str().unwrap(),
        location,
        "a resubmitted form is the same pledge"
    );
    let campaign = app.campaign("demo").await;
    assert_eq!((campaign.backers, campaign.raised), (1, 29_900));
    let black = &campaign.tier("lamp").unwrap().options[0].values[1];
    assert_eq!((black.value.as_str(), black.claimed), ("black", 1));
}

#[tokio::test]
async fn a_refused_form_comes_back_with_the_reasons_and_the_typed_values() {
    let app = spawn_app().await;
    let form =
        [("tier", "lamp"), ("amount", "12"), ("name", ""), ("contact", "wang@example.com"), ("lang", "en")];
    let response = app.post_form("/embed/demo/pledge", &form).await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains("Must be at least the tier price"), "amount below the price is explained");
    assert!(html.contains(r#"id="err-name""#), "the missing name is pointed out");
    assert_eq!(input_value(&html, "contact"), "wang@example.com", "typed values are kept");
    assert_eq!(app.campaign("demo").await.backers, 0);
}

#[tokio::test]
async fn hostile_text_is_shown_as_text_on_every_page() {
    let app = spawn_app().await;
    let name = "<script>alert('x')</script><img src=x onerror=alert(1)>";
    let body = json!({ "tier": "lamp", "amount": 29_900, "options": {"colour": "red"}, "name": name,
                       "contact": "x@example.com", "public": true });
    let created: domain::wire::PledgeCreated =
        app.post_pledge("demo", body.to_string()).await.json().await.unwrap();
    let receipt = app.text(&created.receipt_url).await;
    assert!(!receipt.contains("<script>alert"), "no script from the name");
    assert!(!receipt.contains("<img src=x"), "no markup from the name");
    assert!(receipt.contains("&lt;script&gt;alert"), "the name is shown, escaped");

    let form = [("name", name), ("contact", ""), ("amount", "</textarea><b>"), ("lang", "en")];
    let html = app.post_form("/embed/demo/pledge", &form).await.text().await.unwrap();
    assert!(
        !html.contains("<script>alert") && !html.contains("<img src=x") && !html.contains("</textarea><b>")
    );
}

#[tokio::test]
async fn unknown_pages_are_not_found_and_the_static_files_are_served() {
    let app = spawn_app().await;
    for path in ["/embed/nope", "/c/nope", "/r/0123456789abcdef0123456789abcdef", "/r/../../etc/passwd"] {
        let status = app.client.get(app.url(path)).send().await.unwrap().status();
        assert_eq!(status, 404, "{path}");
    }
    let index = app.text("/").await;
    assert!(index.contains(r#"<script src="/embed.js" data-campaign="demo" async></script>"#));
    let loader = app.client.get(app.url("/embed.js")).send().await.unwrap();
    assert_eq!(loader.status(), 200);
    assert!(loader.headers()["content-type"].to_str().unwrap().contains("javascript"));
    assert!(loader.text().await.unwrap().contains("tribefund:resize"));
    let css = app.client.get(app.url("/assets/widget.css")).send().await.unwrap();
    assert_eq!(css.status(), 200);
}

#[tokio::test]
async fn an_oversized_or_malformed_form_is_refused_and_nothing_is_pledged() {
    let app = spawn_app().await;
    let huge =
        [("tier", "lamp".to_owned()), ("name", "x".repeat(20 * 1024)), ("contact", "a@b.c".to_owned())];
    let response = app.post_form("/embed/demo/pledge", &huge).await;
    assert_eq!(response.status(), 413);
    let garbage = app
        .client
        .post(app.url("/embed/demo/pledge"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("%%%=%ZZ&tier=lamp&&==")
        .send()
        .await
        .unwrap();
    assert!(garbage.status().is_client_error(), "{}", garbage.status());
    let too_many_units = [
        ("tier", "lamp"),
        ("quantity.lamp", "99"),
        ("name", "Li"),
        ("contact", "li@example.com"),
        ("lang", "en"),
    ];
    let response = app.post_form("/embed/demo/pledge", &too_many_units).await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("Is too large"));
    assert_eq!(app.campaign("demo").await.backers, 0);
}

#[tokio::test]
async fn a_creators_accent_colour_is_kept_readable_and_survives_a_plain_form_post() {
    let app = spawn_app().await;
    let readable = domain::Accent::parse("#ffff00").unwrap().readable().hex();
    let page = app.text("/embed/demo?lang=en&accent=ffff00").await;
    assert!(page.contains(&format!("style=\"--accent:{readable}\"")), "darkened for white text on it");
    for hostile in ["red", "ffff00;background:url(x)", "%22%3E%3Cscript%3E", "fff"] {
        let page = app.text(&format!("/embed/demo?accent={hostile}")).await;
        assert!(!page.contains("--accent"), "{hostile} is not a colour");
    }
    let form = [
        ("tier", "lamp"),
        ("amount", "299"),
        ("option.lamp.colour", "red"),
        ("name", "Plain Fan"),
        ("contact", "plain@example.com"),
        ("idempotency_key", "accent-form-key-000001"),
        ("lang", "en"),
        ("theme", "dark"),
        ("accent", readable.as_str()),
    ];
    let response = app.post_form("/embed/demo/pledge", &form).await;
    assert_eq!(response.status(), 303);
    let to = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.ends_with(&format!("theme=dark&accent={}", &readable[1..])), "{to}");
    let receipt = app.text(&to).await;
    assert!(receipt.contains(&format!("--accent:{readable}")), "the receipt keeps the creator's colour");
}

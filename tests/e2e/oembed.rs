//! oEmbed 1.0: a pasted share-page or embed link of this server becomes the widget as a
//! plain iframe, with every field the spec requires of a `rich` answer and what Ghost
//! needs (`html` and `width`); the pages name the endpoint for discovery; anything else is
//! refused as the spec says.

use serde_json::Value;
use tests::{TestApp, spawn_app};

async fn ask(app: &TestApp, query: &str) -> reqwest::Response {
    app.client.get(app.url(&format!("/oembed?{query}"))).send().await.unwrap()
}

/// `url` percent-encoded whole, as a query value.
fn encoded(url: &str) -> String {
    url.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { char::from(b).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// The href of the page's oEmbed discovery link, as a browser would read it.
fn discovery(page: &str) -> String {
    let at = page.find("type=\"application/json+oembed\"").expect("a discovery link");
    let tag_start = page[..at].rfind('<').unwrap();
    let tag = &page[tag_start..tag_start + page[tag_start..].find('>').unwrap()];
    assert!(tag.contains("rel=\"alternate\""), "{tag}");
    let href = tag.split("href=\"").nth(1).unwrap().split('"').next().unwrap();
    href.replace("&amp;", "&").replace("&#x2f;", "/").replace("&#x3d;", "=")
}

fn rich_fields_are_there(answer: &Value) {
    assert_eq!((answer["version"].as_str(), answer["type"].as_str()), (Some("1.0"), Some("rich")));
    for field in ["provider_name", "provider_url", "title", "author_name", "html", "thumbnail_url"] {
        assert!(answer[field].as_str().is_some_and(|s| !s.is_empty()), "{field} in {answer}");
    }
    for field in ["width", "height", "thumbnail_width", "thumbnail_height", "cache_age"] {
        assert!(answer[field].as_u64().is_some_and(|n| n > 0), "{field} in {answer}");
    }
}

#[tokio::test]
async fn a_pasted_share_link_becomes_the_widget_as_a_plain_frame_sized_as_asked() {
    let app = spawn_app().await;
    let share = app.url("/c/demo?ref=abc");
    let response = ask(&app, &format!("url={}&format=json", encoded(&share))).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    let answer: Value = response.json().await.unwrap();
    rich_fields_are_there(&answer);
    let html = answer["html"].as_str().unwrap();
    let hidden_link = format!("<blockquote style=\"display:none\"><a href=\"{}\">", app.url("/c/demo"));
    assert!(html.starts_with(&hidden_link) && html.contains("</blockquote><iframe "), "{html}");
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains(&format!("src=\"{}\"", app.url("/embed/demo"))), "{html}");
    assert_eq!(answer["title"], app.campaign("demo").await.title.as_str());
    assert_eq!(answer["author_name"], "Demo blog");

    let small: Value =
        ask(&app, &format!("url={}&maxwidth=300&maxheight=200", encoded(&share))).await.json().await.unwrap();
    assert_eq!((small["width"].as_u64(), small["height"].as_u64()), (Some(300), Some(200)));
    assert!(small["html"].as_str().unwrap().contains("width=\"300\" height=\"200\""));

    let chinese: Value = ask(&app, &format!("url={}", encoded(&app.url("/embed/demo?lang=zh-CN"))))
        .await
        .json()
        .await
        .unwrap();
    assert!(chinese["html"].as_str().unwrap().contains("/embed/demo?lang=zh-CN\""), "{chinese}");

    let poster = app.client.get(answer["thumbnail_url"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(poster.status(), 200);
    let png = poster.bytes().await.unwrap();
    let (w, h) = (
        u32::from_be_bytes(png[16..20].try_into().unwrap()),
        u32::from_be_bytes(png[20..24].try_into().unwrap()),
    );
    assert_eq!(
        (u64::from(w), u64::from(h)),
        (answer["thumbnail_width"].as_u64().unwrap(), answer["thumbnail_height"].as_u64().unwrap())
    );
}

#[tokio::test]
async fn the_share_page_and_the_embed_name_their_oembed_answer() {
    let app = spawn_app().await;
    for page in ["/c/demo", "/embed/demo"] {
        let href = discovery(&app.text(&format!("{page}?lang=en")).await);
        assert!(href.starts_with(&app.url("/oembed?url=")), "{href}");
        let answer: Value = app.client.get(&href).send().await.unwrap().json().await.unwrap();
        rich_fields_are_there(&answer);
    }
}

#[tokio::test]
async fn the_share_page_previews_with_the_poster_its_size_and_the_readers_locale() {
    let app = spawn_app().await;
    for (lang, locale) in [("en", "en_US"), ("zh-CN", "zh_CN")] {
        let page = app.text(&format!("/c/demo?lang={lang}")).await;
        for tag in [
            format!("<meta property=\"og:locale\" content=\"{locale}\">"),
            "<meta property=\"og:image:width\" content=\"750\">".to_owned(),
            "<meta property=\"og:image:height\" content=\"1334\">".to_owned(),
            "<meta name=\"twitter:card\" content=\"summary_large_image\">".to_owned(),
        ] {
            assert!(page.contains(&tag), "{tag} on the {lang} share page");
        }
    }
}

#[tokio::test]
async fn any_other_link_is_not_found_and_other_formats_are_not_offered() {
    let app = spawn_app().await;
    let status = |query: String| {
        let app = &app;
        async move { ask(app, &query).await.status().as_u16() }
    };
    for other in [
        "https://evil.example.com/c/demo".to_owned(),
        app.url("/c/no-such-campaign"),
        app.url("/r/0000"),
        app.url("/c/demo/poster.png"),
        "javascript:alert(1)".to_owned(),
    ] {
        assert_eq!(status(format!("url={}", encoded(&other))).await, 404, "{other}");
    }
    let demo = encoded(&app.url("/c/demo"));
    assert_eq!(status(format!("url={demo}&format=xml")).await, 501);
    assert_eq!(status(format!("url={demo}&maxwidth=wide")).await, 400);
    assert_eq!(status(format!("url={demo}&maxwidth=-5")).await, 400);
    assert_eq!(status("format=json".to_owned()).await, 400);
    assert_eq!(status(format!("url={}", "x".repeat(4_000))).await, 404, "a long url is just not ours");
}

#[tokio::test]
async fn the_guide_tells_each_platform_in_the_readers_language_with_this_servers_address() {
    let app = spawn_app().await;
    let english = app.text("/guide?lang=en").await;
    assert!(english.contains("<h1 class=\"tf-title\">Where you write"), "{english}");
    for platform in [
        "WordPress",
        "Ghost",
        "Hugo",
        "Jekyll and Hexo",
        "Notion, Medium and Substack",
        "公众号",
        "Fan groups",
    ] {
        assert!(english.contains(platform), "{platform}");
    }
    let zip = format!("href=\"{}/pkg/tribefund-wordpress.zip\"", app.address);
    assert!(!english.contains("YOUR-TRIBEFUND-HOST") || english.contains(&zip), "the server's own address");
    assert!(english.contains(&format!("{}/c/CAMPAIGN/poster.png?size=article", app.address)), "{english}");
    let chinese = app.text("/guide?lang=zh-CN").await;
    assert!(chinese.contains("在你写作的地方放上众筹") && chinese.contains("阅读原文"), "{chinese}");
    // A hostile Host header cannot write into the page.
    let hostile = app
        .client
        .get(app.url("/guide?lang=en"))
        .header("host", "x\"><script>alert(1)</script>")
        .send()
        .await
        .unwrap();
    let page = hostile.text().await.unwrap();
    assert!(!page.contains("<script>alert(1)"), "{page}");
}

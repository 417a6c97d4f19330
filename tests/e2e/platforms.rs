//! The integrations in `integrations/` against the real platforms: a Hugo site (Debian's
//! `hugo`) built with the shortcode, served, and loaded in Chromium, where a fan pledges.

use crate::browser::{WAIT, fill, hydrated, shows, submit_pledge};
use fantoccini::Locator;
use tests::platforms::{StaticSite, tool};
use tests::{Browser, eventually, spawn_app, workspace_root};

/// A Hugo site using the shortcode in one post and the bare embed line in another, with the
/// server at `host`; built into its `public/`.
fn hugo_site(hugo: &std::path::Path, host: &str) -> tempfile::TempDir {
    let site = tempfile::tempdir().unwrap();
    let at = |path: &str| site.path().join(path);
    for dir in ["content/posts", "layouts/_default", "layouts/shortcodes"] {
        std::fs::create_dir_all(at(dir)).unwrap();
    }
    let shortcode = workspace_root().join("integrations/hugo/layouts/shortcodes/tribefund.html");
    std::fs::copy(shortcode, at("layouts/shortcodes/tribefund.html")).unwrap();
    let config = format!(
        "baseURL = \"http://blog.example/\"\ntitle = \"A maker's blog\"\n\
         disableKinds = [\"taxonomy\", \"term\", \"RSS\", \"sitemap\", \"robotsTXT\", \"404\"]\n\
         [params.tribefund]\nhost = \"{host}/\"\n"
    );
    std::fs::write(at("hugo.toml"), config).unwrap();
    let page = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ .Title }}</title></head>\
                <body><main><h1>{{ .Title }}</h1>{{ .Content }}</main></body></html>";
    std::fs::write(at("layouts/_default/single.html"), page).unwrap();
    std::fs::write(at("layouts/_default/list.html"), page).unwrap();
    let post =
        |title: &str, body: &str| format!("---\ntitle: \"{title}\"\n---\n\nThe lamp is back.\n\n{body}\n");
    let with_shortcode = post("With the shortcode", "{{< tribefund campaign=\"demo\" lang=\"en\" >}}");
    std::fs::write(at("content/posts/shortcode.md"), with_shortcode).unwrap();
    let line = format!("<script src=\"{host}/embed.js\" data-campaign=\"demo\" async></script>");
    std::fs::write(at("content/posts/raw.md"), post("With the bare line", &line)).unwrap();
    let built =
        std::process::Command::new(hugo).args(["--quiet", "--source"]).arg(site.path()).output().unwrap();
    assert!(built.status.success(), "hugo builds the site: {}", String::from_utf8_lossy(&built.stderr));
    site
}

#[tokio::test]
async fn a_hugo_post_with_the_shortcode_shows_the_widget_and_takes_a_pledge_where_the_bare_line_is_omitted() {
    let Some(hugo) = tool("hugo") else { return };
    let app = spawn_app().await;
    let site = hugo_site(&hugo, &app.address);
    let public = site.path().join("public/posts");
    let raw = std::fs::read_to_string(public.join("raw/index.html")).unwrap();
    assert!(
        raw.contains("<!-- raw HTML omitted -->") && !raw.contains("embed.js"),
        "the guide's warning: {raw}"
    );
    let built = std::fs::read_to_string(public.join("shortcode/index.html")).unwrap();
    let line = format!(
        "<script src=\"{}/embed.js\" data-campaign=\"demo\" data-lang=\"en\" async></script>",
        app.address
    );
    assert!(
        built.contains("<div class=\"tribefund\" data-campaign=\"demo\"></div>") && built.contains(&line),
        "{built}"
    );

    let blog = StaticSite::serve(&site.path().join("public")).await;
    let browser = Browser::start(&["--lang=en-US"]).await.expect("Chromium starts");
    let c = &browser.client;
    let post = format!("{}/posts/shortcode/", blog.url);
    c.goto(&post).await.unwrap();
    eventually(WAIT, "the loader to size the widget's frame", || async {
        let height = c
            .execute("const f = document.querySelector('.tribefund iframe'); return f && f.getBoundingClientRect().height", vec![])
            .await
            .ok()?;
        height.as_f64().filter(|h| *h > 300.0 && (*h - 420.0).abs() > 1.0)
    })
    .await;
    c.enter_frame(0).await.unwrap();
    hydrated(c).await;
    c.find(Locator::Css("[data-tier=lamp] input[type=radio]")).await.unwrap().click().await.unwrap();
    fill(c, "name", "Hugo Reader").await;
    fill(c, "contact", "reader@blog.example").await;
    let thanks = submit_pledge(c).await;
    assert!(thanks.contains("Hugo Reader"), "{thanks}");
    shows(c, "[data-testid=backers]", "1 backer", "the widget's count moving").await;
    browser.close().await;
    let backers = app.creator_json("/api/v1/campaigns/demo/pledges").await;
    assert_eq!(backers["pledges"][0]["host_page"], post.as_str(), "the creator sees which post brought it");
}

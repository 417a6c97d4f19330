//! The integrations in `integrations/` against the real platforms, loaded in Chromium:
//! a Hugo site (Debian's `hugo`) built with the shortcode, and a WordPress (Debian's
//! `wordpress`, PHP and MariaDB; `tests/platforms/wordpress/`) with the plugin's shortcode,
//! its block, a pasted link it trusts, and a pasted link WordPress sandboxes.

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

/// A Jekyll site (Debian's `jekyll`) with the include in one post, the server at `host`,
/// and one post with hostile values; built into its `_site/`.
#[test]
fn a_jekyll_post_with_the_include_gets_the_embed_and_hostile_values_are_escaped_or_dropped() {
    let Some(jekyll) = tool("jekyll") else { return };
    let site = tempfile::tempdir().unwrap();
    let at = |path: &str| site.path().join(path);
    std::fs::create_dir_all(at("_includes")).unwrap();
    std::fs::create_dir_all(at("_posts")).unwrap();
    let include = workspace_root().join("integrations/jekyll/_includes/tribefund.html");
    std::fs::copy(include, at("_includes/tribefund.html")).unwrap();
    std::fs::write(at("_config.yml"), "title: A maker's blog\ntribefund:\n  host: http://127.0.0.1:9/\n")
        .unwrap();
    let post = |name: &str, include: &str| {
        std::fs::write(
            at(&format!("_posts/2026-12-05-{name}.md")),
            format!("---\ntitle: {name}\n---\n\n{include}\n"),
        )
        .unwrap();
    };
    post("lamp", "{% include tribefund.html campaign=\"demo\" lang=\"zh-CN\" accent=\"#1f6f5c\" %}");
    post(
        "hostile",
        "{% include tribefund.html campaign=\"demo\" lang=\"fr\" title='\"><script>alert(1)</script>' accent=\"red\" %}",
    );
    let built = std::process::Command::new(jekyll)
        .args(["build", "--quiet", "--source"])
        .arg(site.path())
        .arg("--destination")
        .arg(at("_site"))
        .output()
        .unwrap();
    assert!(built.status.success(), "jekyll builds the site: {}", String::from_utf8_lossy(&built.stderr));
    let page = std::fs::read_to_string(at("_site/2026/12/05/lamp.html")).unwrap();
    assert!(page.contains("<div class=\"tribefund\" data-campaign=\"demo\"></div>"), "{page}");
    assert!(
        page.contains("src=\"http://127.0.0.1:9/embed.js\"") && page.contains("data-lang=\"zh-CN\""),
        "{page}"
    );
    assert!(page.contains("data-accent=\"#1f6f5c\""), "{page}");
    let hostile = std::fs::read_to_string(at("_site/2026/12/05/hostile.html")).unwrap();
    assert!(!hostile.contains("<script>alert(1)") && !hostile.contains("data-lang=\"fr\""), "{hostile}");
    assert!(!hostile.contains("data-accent=\"red\"") && hostile.contains("embed.js"), "{hostile}");
}

/// A WordPress site of its own (database, files, port), served by PHP until dropped.
struct WordPress {
    posts: serde_json::Value,
    _server: tokio::process::Child,
    work: tempfile::TempDir,
    db: String,
}

impl WordPress {
    /// Stands one up with its posts embedding the demo campaign of the server at `base`;
    /// `None` (SKIPPED) where PHP, WordPress or MariaDB are missing, a panic with `CI=true`.
    async fn start(base: &str) -> Option<WordPress> {
        tool("php")?;
        let reachable = std::net::TcpStream::connect("127.0.0.1:3306").is_ok();
        let installed = std::path::Path::new("/usr/share/wordpress/wp-settings.php").is_file();
        if !(reachable && installed) {
            assert!(
                !std::env::var("CI").is_ok_and(|v| v == "true"),
                "WordPress and MariaDB are required when CI=true"
            );
            eprintln!(
                "SKIPPED: WordPress (apt-get install wordpress) or MariaDB at 127.0.0.1:3306 is missing"
            );
            return None;
        }
        let scripts = workspace_root().join("tests/platforms/wordpress");
        let work = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let db =
            format!("tf_wp_{}", work.path().file_name().unwrap().to_string_lossy().replace(['.', '-'], "_"));
        // Setup renders each post once, asking this test's server for oEmbed answers: it
        // must not block the runtime that server runs on.
        let setup = tokio::process::Command::new(scripts.join("setup.sh"))
            .arg(work.path())
            .arg(port.to_string())
            .arg(base)
            .arg(&db)
            .output()
            .await
            .unwrap();
        assert!(setup.status.success(), "WordPress set up: {}", String::from_utf8_lossy(&setup.stderr));
        let server = tokio::process::Command::new(scripts.join("serve.sh"))
            .arg(work.path())
            .arg(port.to_string())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let posts: serde_json::Value =
            serde_json::from_slice(&std::fs::read(work.path().join("posts.json")).unwrap()).unwrap();
        let home = posts["home"].as_str().unwrap().to_owned();
        eventually(WAIT, "WordPress to answer", || async {
            reqwest::get(&home).await.ok().filter(|r| r.status() == 200)
        })
        .await;
        Some(WordPress { posts, _server: server, work, db })
    }

    fn post(&self, kind: &str) -> String {
        self.posts[kind].as_str().unwrap_or_else(|| panic!("no {kind} post")).to_owned()
    }
}

impl Drop for WordPress {
    fn drop(&mut self) {
        let teardown = workspace_root().join("tests/platforms/wordpress/teardown.sh");
        let _ = std::process::Command::new(teardown).arg(self.work.path()).arg(&self.db).output();
    }
}

/// Waits for the first frame in `css` to be sized to something taller than 300 pixels and
/// other than `initial`; its height.
async fn frame_height(c: &fantoccini::Client, css: &str, initial: f64) -> f64 {
    let script =
        format!("const f = document.querySelector(\"{css}\"); return f && f.getBoundingClientRect().height");
    eventually(WAIT, &format!("{css} to be sized"), || async {
        c.execute(&script, vec![]).await.ok()?.as_f64().filter(|h| *h > 300.0 && (*h - initial).abs() > 1.0)
    })
    .await
}

/// Pledges for the lamp in the widget frame the browser is in.
async fn pledge_in_frame(c: &fantoccini::Client, name: &str) {
    hydrated(c).await;
    c.find(Locator::Css("[data-tier=lamp] input[type=radio]")).await.unwrap().click().await.unwrap();
    fill(c, "name", name).await;
    fill(c, "contact", &format!("{}@blog.example", name.to_lowercase().replace(' ', "."))).await;
    let thanks = submit_pledge(c).await;
    assert!(thanks.contains(name), "{thanks}");
}

#[tokio::test]
async fn wordpress_posts_take_pledges_by_shortcode_block_and_trusted_link_and_a_sandboxed_link_opens_the_share_page()
 {
    let app = spawn_app().await;
    let Some(wordpress) = WordPress::start(&app.address).await else { return };
    let browser = Browser::start(&["--lang=en-US"]).await.expect("Chromium starts");
    let c = &browser.client;

    // The shortcode and the block: the loader's frame, sized to the widget; pledges work.
    for (kind, name) in [("shortcode", "Short Code"), ("block", "Block Reader")] {
        c.goto(&wordpress.post(kind)).await.unwrap();
        frame_height(c, ".tribefund iframe", 420.0).await;
        c.enter_frame(0).await.unwrap();
        pledge_in_frame(c, name).await;
        c.enter_parent_frame().await.unwrap();
    }
    // A pasted link with the plugin: the server's own frame, not sandboxed, sized to fit by
    // the plugin's listener; pledges work.
    c.goto(&wordpress.post("trusted_link")).await.unwrap();
    let sandbox =
        c.execute("return document.querySelector('iframe').getAttribute('sandbox')", vec![]).await.unwrap();
    assert_eq!(sandbox, serde_json::Value::Null, "a trusted provider's frame as sent");
    frame_height(c, "iframe[src*='/embed/demo']", 720.0).await;
    c.enter_frame(0).await.unwrap();
    pledge_in_frame(c, "Pasted Link").await;
    c.enter_parent_frame().await.unwrap();

    // A pasted link WordPress does not trust: sandboxed, without storage or forms. The frame
    // speaks WordPress's embed protocol: it is sized, and its button opens the share page.
    c.goto(&wordpress.post("sandboxed_link")).await.unwrap();
    let sandbox = c
        .execute(
            "return document.querySelector('iframe.wp-embedded-content').getAttribute('sandbox')",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(sandbox.as_str(), Some("allow-scripts"));
    eventually(WAIT, "WordPress to show and size the frame from its height message", || async {
        let shown = c
            .execute(
                "const f = document.querySelector('iframe.wp-embedded-content'); \
                 return !f.hasAttribute('style') && f.getAttribute('height') !== '720' ? f.getAttribute('height') : null",
                vec![],
            )
            .await
            .ok()?;
        shown.as_str().map(str::to_owned)
    })
    .await;
    c.enter_frame(0).await.unwrap();
    let button = c.find(Locator::Css(".tf-submit")).await.unwrap();
    assert_eq!(button.text().await.unwrap(), "Open to pledge ↗");
    button.click().await.unwrap();
    c.enter_parent_frame().await.unwrap();
    let share = eventually(WAIT, "the reader's window on the share page", || async {
        c.current_url().await.ok().filter(|url| url.path() == "/c/demo")
    })
    .await;
    assert_eq!(share.query(), Some("src=wordpress"), "{share}");
    browser.close().await;

    let backers = app.creator_json("/api/v1/campaigns/demo/pledges").await;
    let names: Vec<&str> =
        backers["pledges"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    for name in ["Short Code", "Block Reader", "Pasted Link"] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
}

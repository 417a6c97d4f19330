//! The creator's dashboard: signing in and out, sessions that end, forged requests refused,
//! one site's session reaching nothing of another's.

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use tests::{TestApp, spawn_app, store_test};

/// The session cookie (`tf_session=…`) a sign-in response sets.
pub(crate) fn session_cookie(response: &reqwest::Response) -> String {
    let set = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    set.split(';').next().unwrap().to_owned()
}

/// Signs in through a fresh one-time link of `site`; the session cookie.
pub(crate) async fn sign_in(app: &TestApp, site: &str) -> String {
    let link = api::sites::sign_in_link(&app.state.store, site, &app.address).await.unwrap();
    let response = follow_link(app, &link).await;
    assert_eq!(response.status(), 303);
    session_cookie(&response)
}

/// What a browser gets when its creator follows a one-time sign-in `link` and presses its
/// page's button (the page's form, posted from our own origin); the page itself when it
/// has no button.
pub(crate) async fn follow_link(app: &TestApp, link: &str) -> reqwest::Response {
    let page = app.client.get(link).send().await.unwrap();
    if page.status() != 200 {
        return page;
    }
    let page = page.text().await.unwrap();
    assert!(page.contains("action=\"/dashboard/sign-in/link\""), "{page}");
    let form = [("token", field(&page, "token")), ("lang", field(&page, "lang"))];
    app.post_form("/dashboard/sign-in/link", &form).await
}

/// The value of the form field `name` on `page`.
pub(crate) fn field(page: &str, name: &str) -> String {
    let at = page.find(&format!("name=\"{name}\"")).unwrap_or_else(|| panic!("a {name} field"));
    let tag = &page[page[..at].rfind('<').unwrap()..at + page[at..].find('>').unwrap()];
    tag.split("value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned()
}

pub(crate) async fn get(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    app.client.get(app.url(path)).header(COOKIE, cookie).send().await.unwrap()
}

/// The CSRF token the dashboard page puts in its forms.
pub(crate) fn csrf(page: &str) -> String {
    field(page, "csrf")
}

store_test!(a_one_time_link_signs_a_creator_in_once_with_a_safe_cookie);
async fn a_one_time_link_signs_a_creator_in_once_with_a_safe_cookie(app: TestApp) {
    let link = api::sites::sign_in_link(&app.state.store, "demo", &app.address).await.unwrap();
    let response = follow_link(&app, &link).await;
    assert_eq!(
        (response.status().as_u16(), &response.headers()[LOCATION]),
        (303, &"/dashboard".parse().unwrap())
    );
    let set = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(set.starts_with("tf_session="), "{set}");
    for part in ["HttpOnly", "SameSite=Lax", "Path=/dashboard", "Max-Age=43200"] {
        assert!(set.contains(part), "{part}: {set}");
    }
    assert!(!set.contains("Secure"), "plain HTTP here; Secure behind HTTPS");
    let cookie = session_cookie(&response);
    let page = get(&app, "/dashboard?lang=en", &cookie).await;
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(policy.contains("frame-ancestors 'none'"), "no host page may frame the dashboard: {policy}");
    let page = page.text().await.unwrap();
    assert!(
        page.contains("Walnut desk lamp, made by the tribe") && page.contains("Demo blog"),
        "the site's campaigns"
    );
    assert!(page.contains("/assets/dashboard-boot.") && !page.contains("/pkg/widget."), "its own wasm only");

    let again = app.client.get(&link).send().await.unwrap();
    assert_eq!(again.status(), 410, "a link works once");
    assert!(again.headers().get(SET_COOKIE).is_none());
    let token = link.split("token=").nth(1).unwrap();
    let posted = app.post_form("/dashboard/sign-in/link", &[("token", token)]).await;
    assert_eq!(posted.status(), 410, "posted again");
    assert!(posted.headers().get(SET_COOKIE).is_none());
    let without = app.client.get(app.url("/dashboard")).send().await.unwrap();
    assert_eq!(
        (without.status().as_u16(), &without.headers()[LOCATION]),
        (303, &"/dashboard/sign-in".parse().unwrap())
    );
}

store_test!(a_one_time_links_page_signs_nothing_in_and_only_our_own_pages_may_post_its_token);
async fn a_one_time_links_page_signs_nothing_in_and_only_our_own_pages_may_post_its_token(app: TestApp) {
    let link = api::sites::sign_in_link(&app.state.store, "demo", &app.address).await.unwrap();
    let token = link.split("token=").nth(1).unwrap().to_owned();
    for lang in ["en", "zh-CN"] {
        // A mail scanner or a link previewer fetching it, or an attacker's page sending a
        // victim's browser to a link of the attacker's own site.
        let page = app.client.get(format!("{link}&lang={lang}")).send().await.unwrap();
        assert_eq!(page.status(), 200, "{lang}");
        assert!(page.headers().get(SET_COOKIE).is_none(), "{lang}: the GET signs nothing in");
        let page = page.text().await.unwrap();
        let words = if lang == "en" { "Sign in to your dashboard" } else { "登录你的控制台" };
        assert!(page.contains(words), "{lang}: {page}");
        assert!(page.contains("<form method=\"post\" action=\"/dashboard/sign-in/link\""), "a plain form");
        assert_eq!(field(&page, "token"), token);
        assert!(!page.contains("Demo blog"), "{lang}: the page names no site");
    }
    let post = |headers: &[(&str, &str)]| {
        let mut request = app.client.post(app.url("/dashboard/sign-in/link")).form(&[("token", &token)]);
        for &(name, value) in headers {
            request = request.header(name, value);
        }
        request.send()
    };
    for (case, headers) in [
        ("from another site", vec![("origin", "https://evil.example")]),
        ("a cross-site fetch", vec![("sec-fetch-site", "cross-site")]),
        ("a same-site fetch", vec![("sec-fetch-site", "same-site")]),
    ] {
        let refused = post(&headers).await.unwrap();
        assert_eq!(refused.status(), 403, "{case}");
        assert!(refused.headers().get(SET_COOKIE).is_none(), "{case}");
    }
    let page = app.client.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200, "the refused posts left the link unused");
    let signed_in =
        post(&[("origin", app.address.as_str()), ("sec-fetch-site", "same-origin")]).await.unwrap();
    assert_eq!(
        (signed_in.status().as_u16(), &signed_in.headers()[LOCATION]),
        (303, &"/dashboard".parse().unwrap())
    );
    assert_eq!(get(&app, "/dashboard", &session_cookie(&signed_in)).await.status(), 200);
    assert_eq!(app.client.get(&link).send().await.unwrap().status(), 410, "used up now");
}

#[tokio::test]
async fn over_https_the_session_is_a_host_cookie_and_a_plain_one_is_not_read() {
    let app = tests::spawn_app_with(tests::Options {
        trusted_proxies: vec![api::net::Cidr::parse("127.0.0.1").unwrap()],
        ..Default::default()
    })
    .await;
    // The proxy in front says the browser came over HTTPS; our origin is then https://.
    let origin = app.address.replace("http://", "https://");
    let https = |request: reqwest::RequestBuilder| request.header("x-forwarded-proto", "https");
    let link = api::sites::sign_in_link(&app.state.store, "demo", &origin).await.unwrap();
    let token = link.split("token=").nth(1).unwrap();
    let page =
        https(app.client.get(app.url(&format!("/dashboard/sign-in?token={token}")))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let form = [("token", token)];
    let plain_origin = https(app.client.post(app.url("/dashboard/sign-in/link")))
        .header("origin", &app.address)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(plain_origin.status(), 403, "http:// is not our origin behind HTTPS");
    let signed_in = https(app.client.post(app.url("/dashboard/sign-in/link")))
        .header("origin", &origin)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303);
    let set = signed_in.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    let session = session_cookie(&signed_in);
    let value = session.strip_prefix("__Host-tf_session=").unwrap_or_else(|| panic!("{set}"));
    assert_eq!(
        set,
        format!("__Host-tf_session={value}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=43200")
    );
    let with = |cookie: String, over_https: bool| {
        let request = app.client.get(app.url("/dashboard")).header(COOKIE, cookie);
        if over_https { https(request) } else { request }.send()
    };
    assert_eq!(with(session.clone(), true).await.unwrap().status(), 200);
    let tossed = with(format!("tf_session={value}"), true).await.unwrap();
    assert_eq!(tossed.status(), 303, "over HTTPS the plain name is not read");
    let both = with(format!("tf_session={value}; __Host-tf_session=nope"), true).await.unwrap();
    assert_eq!(both.status(), 303, "nor taken in place of a bad __Host- cookie");
    assert_eq!(with(session.clone(), false).await.unwrap().status(), 303, "nor the __Host- name over HTTP");

    let page = with(session.clone(), true).await.unwrap().text().await.unwrap();
    let out = https(app.client.post(app.url("/dashboard/sign-out")))
        .header(COOKIE, &session)
        .header("origin", &origin)
        .form(&[("csrf", csrf(&page))])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    assert_eq!(
        out.headers()[SET_COOKIE].to_str().unwrap(),
        "__Host-tf_session=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0",
        "sign-out clears the cookie it set"
    );
}

#[tokio::test]
async fn the_site_key_signs_in_and_a_wrong_key_is_refused_and_slowed_down() {
    let app = tests::spawn_app_with(tests::Options {
        auth_rate_limit: Some(api::ratelimit::RateLimit { burst: 3, per_minute: 1 }),
        ..Default::default()
    })
    .await;
    let ok = app.post_form("/dashboard/sign-in", &[("key", app.demo_key.as_str())]).await;
    assert_eq!(ok.status(), 303);
    assert!(get(&app, "/dashboard", &session_cookie(&ok)).await.status() == 200);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses
            .push(app.post_form("/dashboard/sign-in", &[("key", "tf_demo_nope")]).await.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 429], "guessing is throttled per address");
    let page = app.post_form("/dashboard/sign-in", &[("key", "")]).await;
    assert_eq!(page.status(), 429);
}

store_test!(signing_out_ends_the_session_and_forged_requests_are_refused);
async fn signing_out_ends_the_session_and_forged_requests_are_refused(app: TestApp) {
    let cookie = sign_in(&app, "demo").await;
    let token = csrf(&get(&app, "/dashboard", &cookie).await.text().await.unwrap());
    let sign_out = |csrf: String, headers: Vec<(&'static str, &'static str)>| {
        let mut request =
            app.client.post(app.url("/dashboard/sign-out")).header(COOKIE, &cookie).form(&[("csrf", csrf)]);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        request.send()
    };
    for (case, csrf, headers) in [
        ("from another site", token.clone(), vec![("origin", "https://evil.example")]),
        ("a cross-site fetch", token.clone(), vec![("sec-fetch-site", "cross-site")]),
        ("without the form's token", String::new(), vec![]),
        ("with another token", "0".repeat(32), vec![]),
    ] {
        assert_eq!(sign_out(csrf, headers).await.unwrap().status(), 403, "{case}");
    }
    assert_eq!(get(&app, "/dashboard", &cookie).await.status(), 200, "forgeries changed nothing");
    let out = sign_out(token, vec![("origin", "same")]).await.unwrap();
    assert_eq!(out.status(), 403, "an origin that is not ours");
    let out =
        sign_out(csrf(&get(&app, "/dashboard", &cookie).await.text().await.unwrap()), vec![]).await.unwrap();
    assert_eq!(out.status(), 303);
    assert!(out.headers()[SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(
        get(&app, "/dashboard", &cookie).await.status(),
        303,
        "the session is over, not just the cookie"
    );
}

store_test!(rotating_the_key_or_the_clock_ends_a_session);
async fn rotating_the_key_or_the_clock_ends_a_session(app: TestApp) {
    let cookie = sign_in(&app, "demo").await;
    api::sites::rotate_key(&app.state.store, "demo").await.unwrap();
    assert_eq!(get(&app, "/dashboard", &cookie).await.status(), 303, "rotating the key ends its sessions");

    let long_ago = api::now().plus_seconds(-api::sessions::TTL_SECS - 1);
    let (token, _) = api::sessions::start(&app.state.store, "demo", long_ago).await.unwrap();
    assert_eq!(get(&app, "/dashboard", &format!("tf_session={token}")).await.status(), 303, "expired");
    let (token, _) = api::sessions::start(&app.state.store, "demo", api::now()).await.unwrap();
    assert_eq!(get(&app, "/dashboard", &format!("tf_session={token}")).await.status(), 200);
    assert_eq!(get(&app, "/dashboard", "tf_session=../../etc").await.status(), 303);
}

store_test!(rotating_the_key_on_the_command_line_ends_the_sign_in_links_made_before_it);
async fn rotating_the_key_on_the_command_line_ends_the_sign_in_links_made_before_it(app: TestApp) {
    use api::cli::{Database, SiteCommand, site};
    let run = |command| async {
        let db = Database { database_url: app.db_url.clone(), public_url: app.address.clone() };
        serde_json::from_str::<serde_json::Value>(&site(command, db).await.unwrap()).unwrap()
    };
    let link = || run(SiteCommand::SignInLink { id: "demo".into(), json: true });
    let before = link().await["sign_in_url"].as_str().unwrap().to_owned();
    let key = run(SiteCommand::RotateKey { id: "demo".into(), json: true }).await;
    assert!(key["key"].as_str().unwrap().starts_with("tf_demo_"));
    let refused = follow_link(&app, &format!("{before}&lang=en")).await;
    assert_eq!(refused.status(), 410, "a link made before the rotation");
    assert!(refused.headers().get(SET_COOKIE).is_none(), "no session");
    assert!(refused.text().await.unwrap().contains("was used already or has expired"));
    let after = link().await["sign_in_url"].as_str().unwrap().to_owned();
    let opened = follow_link(&app, &after).await;
    assert_eq!(opened.status(), 303, "a link made after it");
    assert_eq!(get(&app, "/dashboard", &session_cookie(&opened)).await.status(), 200);
}

store_test!(one_sites_session_sees_nothing_of_another_sites_campaigns);
async fn one_sites_session_sees_nothing_of_another_sites_campaigns(app: TestApp) {
    app.create_site("other", &["*"]).await;
    let theirs = crate::support::limited_campaign("their-print", 5);
    api::campaigning::create(&app.state.store, &app.state.hub, "other", theirs, false).await.unwrap();
    let cookie = sign_in(&app, "demo").await;
    assert_eq!(get(&app, "/dashboard/campaigns/their-print", &cookie).await.status(), 404);
    assert_eq!(
        get(&app, "/dashboard/campaigns/nope", &cookie).await.status(),
        404,
        "the same as a missing one"
    );
    for path in ["/dashboard/campaigns/their-print/live.json", "/dashboard/editor/their-print"] {
        assert_eq!(get(&app, path, &cookie).await.status(), 404, "{path}");
    }
    let list = get(&app, "/dashboard", &cookie).await.text().await.unwrap();
    assert!(!list.contains("their-print"));
    let mine = get(&app, "/dashboard/campaigns/demo?lang=en", &cookie).await.text().await.unwrap();
    assert!(mine.contains("Production plan") && mine.contains("colour: red"), "the demand table");
    assert!(
        mine.contains("data-campaign=&quot;demo&quot;") || mine.contains("data-campaign=\"demo\""),
        "the embed line"
    );
}

#[tokio::test]
async fn the_dashboards_forms_refuse_oversized_bodies() {
    let app = spawn_app().await;
    let response = app.post_form("/dashboard/sign-in", &[("key", "k".repeat(10_000))]).await;
    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn sign_up_is_off_unless_the_operator_turns_it_on() {
    let app = spawn_app().await;
    assert_eq!(app.client.get(app.url("/dashboard/sign-up")).send().await.unwrap().status(), 404);
    let form = [("id", "mei-blog"), ("name", "Mei's blog"), ("origins", "https://mei.example")];
    assert_eq!(app.post_form("/dashboard/sign-up", &form).await.status(), 404);
    assert!(app.state.store.site("mei-blog").await.unwrap().is_none());
}

/// Words a reader must never see: an error chain, the database's, SQL.
const INTERNALS: [&str; 6] = ["Caused by", "error returned from database", "SQL", "INSERT", "UNIQUE", "sqlx"];

#[tokio::test]
async fn a_refused_sign_up_says_what_is_wrong_in_the_readers_words_and_language() {
    let open = tests::spawn_app_with(tests::Options { open_signup: true, ..Default::default() }).await;
    for (lang, accept) in [("en", "en-US,en;q=0.9"), ("zh-CN", "zh-CN,zh;q=0.9")] {
        let en = lang == "en";
        for (case, form, message) in [
            (
                "a bad id",
                [("id", "Mei Blog"), ("name", "Mei"), ("origins", "*")],
                if en {
                    "The site id must be 1 to 64 lowercase letters"
                } else {
                    "站点 id 须为 1 到 64 个小写字母"
                },
            ),
            (
                "an empty name",
                [("id", "mei-blog"), ("name", "  "), ("origins", "*")],
                if en { "Your blog's name: Required" } else { "博客名称: 必填" },
            ),
            (
                "a bad origin",
                [("id", "mei-blog"), ("name", "Mei"), ("origins", "https://ok.example\nmei.example")],
                if en {
                    "“mei.example” is not an origin: write scheme://host[:port]"
                } else {
                    "“mei.example”不是有效的来源"
                },
            ),
            (
                "no origin",
                [("id", "mei-blog"), ("name", "Mei"), ("origins", " \n ")],
                if en { "Give at least one origin" } else { "请至少填写一个来源" },
            ),
            (
                "a taken id",
                [("id", "demo"), ("name", "Mei"), ("origins", "*")],
                if en {
                    "That site id is taken: choose another."
                } else {
                    "该站点 id 已被占用，请换一个。"
                },
            ),
        ] {
            let refused = open
                .client
                .post(open.url("/dashboard/sign-up"))
                .header("origin", &open.address)
                .header("accept-language", accept)
                .form(&form)
                .send()
                .await
                .unwrap();
            assert_eq!(refused.status(), 422, "{lang}, {case}");
            let page = refused.text().await.unwrap();
            let at = page.find("data-testid=\"error\"").unwrap_or_else(|| panic!("{lang}, {case}: {page}"));
            let error = page[at..].split('>').nth(1).unwrap().split('<').next().unwrap();
            assert!(error.contains(message), "{lang}, {case}: {error}");
            for internal in INTERNALS {
                assert!(!error.contains(internal), "{lang}, {case}: {error}");
            }
            if form[1].1 == "Mei" {
                assert!(page.contains("value=\"Mei\""), "{lang}, {case}: what was typed is kept");
            }
        }
    }
    assert!(open.state.store.site("mei-blog").await.unwrap().is_none());
}

#[tokio::test]
async fn with_open_sign_up_a_blogger_creates_a_site_sees_its_key_once_and_is_signed_in() {
    let open = tests::spawn_app_with(tests::Options { open_signup: true, ..Default::default() }).await;
    assert_eq!(open.client.get(open.url("/dashboard/sign-up?lang=en")).send().await.unwrap().status(), 200);
    let forged = open
        .client
        .post(open.url("/dashboard/sign-up"))
        .header("origin", "https://evil.example")
        .form(&[("id", "evil"), ("name", "Evil"), ("origins", "*")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert!(open.state.store.site("evil").await.unwrap().is_none());
    let form = [
        ("id", "mei-blog"),
        ("name", "Mei's blog"),
        ("origins", "https://mei.example\nhttp://localhost:4000"),
    ];
    let created = open.post_form("/dashboard/sign-up", &form).await;
    assert_eq!(created.status(), 201);
    let cookie = session_cookie(&created);
    let page = created.text().await.unwrap();
    let at = page.find("data-testid=\"key\"").unwrap_or_else(|| panic!("the key is shown: {page}"));
    let key = page[at..].split('>').nth(1).unwrap().split('<').next().unwrap().to_owned();
    assert!(key.starts_with("tf_mei-blog_"), "{key}");
    assert_eq!(
        open.creator(reqwest::Method::GET, "/api/v1/campaigns", &key).send().await.unwrap().status(),
        200
    );
    assert_eq!(get(&open, "/dashboard", &cookie).await.status(), 200, "signed in");
    let site = open.state.store.site("mei-blog").await.unwrap().unwrap();
    assert_eq!(site.origins, ["http://localhost:4000", "https://mei.example"]);
}

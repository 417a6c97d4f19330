//! The dashboard's campaign editor over HTTP: drafts kept until published, the locks shown
//! and enforced, refusals that keep what was typed, cover uploads, and hostile forms.

use crate::dashboard::{csrf, get, sign_in};
use dashboard::editor::CampaignDraft;
use reqwest::header::{COOKIE, LOCATION};
use tests::{TestApp, store_test};

/// The value of the hidden field `name` on a page.
pub(crate) fn hidden(page: &str, name: &str) -> String {
    let at = page.find(&format!("name=\"{name}\"")).unwrap_or_else(|| panic!("a {name} field"));
    let tag = &page[page[..at].rfind('<').unwrap()..at + page[at..].find('>').unwrap()];
    tag.split("value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned()
}

/// The `<input>` tag of field `name`.
fn input_tag(page: &str, name: &str) -> String {
    let at = page.find(&format!("name=\"{name}\"")).unwrap_or_else(|| panic!("a {name} field"));
    page[page[..at].rfind('<').unwrap()..at + page[at..].find('>').unwrap()].to_owned()
}

/// A new campaign's draft as a creator fills it in: a limited tier with a colour option,
/// one of whose values needs a minimum batch.
fn tea_cup() -> CampaignDraft {
    let now = api::now();
    let mut draft = CampaignDraft::blank(domain::Currency::Cny, now);
    draft.starts_at = now.plus_seconds(-3600).to_string()[..16].to_owned();
    for (name, value) in [
        ("title", "Tea cup"),
        ("summary", "Hand-thrown, glazed to order."),
        ("goal", "8000"),
        ("tiers[0].id", "cup"),
        ("tiers[0].title", "One cup"),
        ("tiers[0].price", "88"),
        ("tiers[0].limit", "50"),
        ("tiers[0].per_backer", "2"),
        ("tiers[0].options[0].name", "Glaze"),
        ("tiers[0].options[0].values[0].value", "Celadon"),
        ("tiers[0].options[0].values[0].min_batch", "10"),
        ("tiers[0].options[0].values[1].value", "Ash"),
    ] {
        assert!(draft.set(name, value), "{name}");
    }
    draft
}

/// Posts the editor's form: the draft's fields, the token, the draft's id and the action.
pub(crate) async fn submit(
    app: &TestApp,
    cookie: &str,
    token: &str,
    draft_id: &str,
    draft: &CampaignDraft,
    action: &str,
) -> reqwest::Response {
    let mut fields = draft.pairs();
    fields.extend(
        [("csrf", token), ("draft", draft_id), ("action", action)].map(|(n, v)| (n.into(), v.into())),
    );
    app.client.post(app.url("/dashboard/editor")).header(COOKIE, cookie).form(&fields).send().await.unwrap()
}

/// Signs in to `demo` and opens a new campaign: the cookie, the CSRF token, the draft's id.
async fn new_campaign(app: &TestApp) -> (String, String, String) {
    let cookie = sign_in(app, "demo").await;
    let page = get(app, "/dashboard/campaigns/new?lang=en", &cookie).await.text().await.unwrap();
    assert!(page.contains("name=\"tiers[0].price\""), "a tier to fill in");
    assert!(page.contains("data-testid=\"editor-preview\""), "the preview pane");
    (cookie.clone(), csrf(&page), hidden(&page, "draft"))
}

fn location(response: &reqwest::Response) -> &str {
    response.headers()[LOCATION].to_str().unwrap()
}

store_test!(a_new_campaign_stays_a_draft_until_its_creator_publishes_it);
async fn a_new_campaign_stays_a_draft_until_its_creator_publishes_it(app: TestApp) {
    let (cookie, token, id) = new_campaign(&app).await;
    let draft = tea_cup();

    let saved = submit(&app, &cookie, &token, &id, &draft, "save").await;
    assert_eq!(saved.status(), 303);
    assert_eq!(location(&saved), format!("/dashboard/editor/{id}?saved=1"));
    assert_eq!(app.client.get(app.url("/api/v1/campaigns/tea-cup")).send().await.unwrap().status(), 404);
    let list = get(&app, "/dashboard?lang=en", &cookie).await.text().await.unwrap();
    assert!(list.contains(&format!("/dashboard/editor/{id}")) && list.contains("Draft"), "listed as a draft");
    let reopened =
        get(&app, &format!("/dashboard/editor/{id}?saved=1&lang=en"), &cookie).await.text().await.unwrap();
    assert!(reopened.contains("Draft saved."));
    assert!(input_tag(&reopened, "tiers[0].options[0].values[0].min_batch").contains("value=\"10\""));

    // The add buttons work without scripts: the server applies them to the draft.
    let added = submit(&app, &cookie, &token, &id, &draft, "add_tier").await;
    assert_eq!(location(&added), format!("/dashboard/editor/{id}"));
    let page = get(&app, &format!("/dashboard/editor/{id}"), &cookie).await.text().await.unwrap();
    assert!(page.contains("name=\"tiers[1].title\""), "a second tier to fill in");
    assert!(input_tag(&page, "title").contains("value=\"Tea cup\""), "nothing typed is lost");

    let published = submit(&app, &cookie, &token, &id, &draft, "publish").await;
    assert_eq!(published.status(), 303);
    assert_eq!(location(&published), "/dashboard/campaigns/tea-cup");
    let view = app.campaign("tea-cup").await;
    assert_eq!((view.title.as_str(), view.goal, view.currency.code()), ("Tea cup", 800_000, "CNY"));
    let cup = view.tier("cup").unwrap();
    assert_eq!((cup.price, cup.limit, cup.per_backer), (8_800, Some(50), 2));
    let glaze = &cup.options[0];
    assert_eq!(glaze.name, "Glaze");
    assert_eq!(
        glaze.values.iter().map(|v| (v.value.as_str(), v.min_batch)).collect::<Vec<_>>(),
        [("Celadon", Some(10)), ("Ash", None)]
    );
    let list = get(&app, "/dashboard?lang=en", &cookie).await.text().await.unwrap();
    assert!(!list.contains(&format!("/dashboard/editor/{id}")), "the draft is gone once published");
}

store_test!(pressing_publish_twice_at_once_makes_one_campaign);
async fn pressing_publish_twice_at_once_makes_one_campaign(app: TestApp) {
    let (cookie, token, id) = new_campaign(&app).await;
    let draft = tea_cup();
    let presses = (0..6).map(|_| submit(&app, &cookie, &token, &id, &draft, "publish"));
    for response in futures::future::join_all(presses).await {
        assert_eq!(response.status(), 303);
        assert_eq!(location(&response), "/dashboard/campaigns/tea-cup");
    }
    let list = app.creator_json("/api/v1/campaigns").await;
    let teacups = list["campaigns"].as_array().unwrap().iter().filter(|c| c["title"] == "Tea cup").count();
    assert_eq!(teacups, 1);
}

store_test!(the_editor_shows_what_pledges_lock_and_refuses_forged_changes_to_them);
async fn the_editor_shows_what_pledges_lock_and_refuses_forged_changes_to_them(app: TestApp) {
    let cookie = sign_in(&app, "demo").await;
    let page = get(&app, "/dashboard/editor/demo?lang=en", &cookie).await.text().await.unwrap();
    let token = csrf(&page);
    assert!(!input_tag(&page, "goal").contains("readonly"), "nothing is locked before the first pledge");
    let mut draft = CampaignDraft::from_input(&app.campaign("demo").await.definition());
    draft.title = "Walnut lamp, second batch".into();
    draft.goal = "60000".into();
    let published = submit(&app, &cookie, &token, "demo", &draft, "publish").await;
    assert_eq!(location(&published), "/dashboard/campaigns/demo");
    let view = app.campaign("demo").await;
    assert_eq!((view.title.as_str(), view.goal), ("Walnut lamp, second batch", 6_000_000));

    assert_eq!(app.post_pledge("demo", crate::support::lamp_pledge().to_string()).await.status(), 201);
    let page = get(&app, "/dashboard/editor/demo?lang=en", &cookie).await.text().await.unwrap();
    assert!(input_tag(&page, "goal").contains("readonly"), "the goal is shown locked");
    let lamp = draft.tiers.iter().position(|t| t.id == "lamp").unwrap();
    assert!(
        input_tag(&page, &format!("tiers[{lamp}].price")).contains("readonly"),
        "the chosen tier's price too"
    );
    assert!(!input_tag(&page, &format!("tiers[{}].price", 1 - lamp)).contains("readonly"), "not the other's");
    assert!(page.contains("Locked: backers have pledged to this."));
    assert!(page.contains("Backers chose this tier"));

    // A forged form that changes locked fields anyway is refused, naming them.
    let mut forced = draft.clone();
    forced.goal = "1".into();
    forced.tiers[lamp].price = "1".into();
    let refused = submit(&app, &cookie, &token, "demo", &forced, "publish").await;
    assert_eq!(refused.status(), 422);
    let body = refused.text().await.unwrap();
    assert!(body.contains("Cannot change once backers have pledged"), "{body}");
    let mut dropped = draft.clone();
    dropped.tiers.retain(|t| t.id != "lamp");
    let refused = submit(&app, &cookie, &token, "demo", &dropped, "publish").await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("tiers.lamp"), "the removed tier is named");
    assert_eq!(app.campaign("demo").await.goal, 6_000_000);

    // What stays editable still is: a higher limit, the text.
    draft.tiers[lamp].limit = "500".into();
    draft.summary = "Now with a linen shade.".into();
    let published = submit(&app, &cookie, &token, "demo", &draft, "publish").await;
    assert_eq!(published.status(), 303);
    let view = app.campaign("demo").await;
    assert_eq!(
        (view.summary.as_str(), view.tier("lamp").unwrap().limit),
        ("Now with a linen shade.", Some(500))
    );
}

store_test!(a_refused_draft_keeps_what_was_typed_and_says_why_in_the_readers_language);
async fn a_refused_draft_keeps_what_was_typed_and_says_why_in_the_readers_language(app: TestApp) {
    let (cookie, token, id) = new_campaign(&app).await;
    let mut draft = tea_cup();
    draft.goal = "lots".into();
    draft.ends_at = "soon".into();
    draft.tiers[0].options[0].values[1].value = "Celadon".into();
    let mut fields = draft.pairs();
    fields.extend([
        ("csrf".into(), token),
        ("draft".into(), id.clone()),
        ("action".into(), "publish".into()),
    ]);
    let refused = app
        .client
        .post(app.url("/dashboard/editor"))
        .header(COOKIE, &cookie)
        .header("accept-language", "zh-CN,zh;q=0.9")
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let body = refused.text().await.unwrap();
    assert!(body.contains("请输入金额"), "the goal's problem, in Chinese");
    assert!(
        body.contains("data-field=\"tiers[0].options[0].values[1].value\""),
        "the duplicate value is marked"
    );
    let kept = get(&app, &format!("/dashboard/editor/{id}"), &cookie).await.text().await.unwrap();
    assert!(input_tag(&kept, "goal").contains("value=\"lots\""), "kept as typed");
    assert_eq!(app.client.get(app.url("/api/v1/campaigns/tea-cup")).send().await.unwrap().status(), 404);
}

store_test!(hostile_editor_forms_are_refused_and_reach_nothing_of_other_sites);
async fn hostile_editor_forms_are_refused_and_reach_nothing_of_other_sites(app: TestApp) {
    let mut theirs = crate::support::limited_campaign("theirs", 5);
    theirs.title = "Theirs".into();
    let key = app.create_site("third", &["https://third.example"]).await;
    let created =
        app.creator(reqwest::Method::POST, "/api/v1/campaigns", &key).json(&theirs).send().await.unwrap();
    assert_eq!(created.status(), 201);

    let (cookie, token, id) = new_campaign(&app).await;
    let draft = tea_cup();
    assert_eq!(submit(&app, &cookie, "forged", &id, &draft, "save").await.status(), 403, "no token");
    let cross_site = app
        .client
        .post(app.url("/dashboard/editor"))
        .header(COOKIE, &cookie)
        .header("origin", "https://evil.example")
        .form(&[("csrf", token.as_str()), ("draft", id.as_str()), ("action", "save")])
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), 403);
    for other in ["theirs", "../../etc", "dNOTLOWER123", ""] {
        assert_eq!(submit(&app, &cookie, &token, other, &draft, "save").await.status(), 404, "{other}");
    }
    assert_eq!(get(&app, "/dashboard/editor/theirs", &cookie).await.status(), 404);
    assert_eq!(get(&app, "/dashboard/editor/dnothere0000", &cookie).await.status(), 404);

    // Unknown and out-of-bounds fields are ignored; an oversized form is refused.
    let odd = app
        .client
        .post(app.url("/dashboard/editor"))
        .header(COOKIE, &cookie)
        .form(&[
            ("csrf", token.as_str()),
            ("draft", id.as_str()),
            ("tiers[99999].title", "x"),
            ("tiers[0].x", "y"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(odd.status(), 303);
    let huge = "x".repeat(300 * 1024);
    let oversized = app
        .client
        .post(app.url("/dashboard/editor"))
        .header(COOKIE, &cookie)
        .form(&[("csrf", token.as_str()), ("draft", id.as_str()), ("story", huge.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(oversized.status(), 413);

    // A site keeps at most 100 drafts: the next is refused, saying so, and not stored.
    for n in 1..api::store::MAX_DRAFTS {
        let other_id = format!("d{n:011}");
        assert_eq!(submit(&app, &cookie, &token, &other_id, &draft, "save").await.status(), 303);
    }
    let refused = submit(&app, &cookie, &token, "dzzzzzzzzzzz", &draft, "save").await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("100 drafts"));
    assert_eq!(get(&app, "/dashboard/editor/dzzzzzzzzzzz", &cookie).await.status(), 404);
}

/// A small PNG.
pub(crate) fn png() -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, 40, 30);
    encoder.set_color(png::ColorType::Rgb);
    encoder.write_header().unwrap().write_image_data(&[120u8; 40 * 30 * 3]).unwrap();
    out
}

/// A multipart form of an upload: the token and the file `field`.
pub(crate) fn upload_form(token: &str, field: &str, content_type: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "tribefund-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n--{boundary}\r\n\
         Content-Disposition: form-data; name=\"{field}\"; filename=\"{field}\"\r\nContent-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

store_test!(a_cover_uploaded_in_the_editor_reaches_every_viewer);
async fn a_cover_uploaded_in_the_editor_reaches_every_viewer(app: TestApp) {
    let cookie = sign_in(&app, "demo").await;
    let page = get(&app, "/dashboard/editor/demo?lang=en", &cookie).await.text().await.unwrap();
    let token = csrf(&page);
    let upload = |token: &str, content_type: &str, bytes: Vec<u8>| {
        let (form_type, body) = upload_form(token, "cover", content_type, &bytes);
        app.client
            .post(app.url("/dashboard/campaigns/demo/cover"))
            .header(COOKIE, &cookie)
            .header("content-type", form_type)
            .body(body)
            .send()
    };
    let refused = upload(&token, "image/png", b"not a picture".to_vec()).await.unwrap();
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("data-field=\"cover\""));
    assert_eq!(upload("forged", "image/png", png()).await.unwrap().status(), 403);
    assert!(app.campaign("demo").await.cover.is_none());

    let done = upload(&token, "image/png", png()).await.unwrap();
    assert_eq!(done.status(), 303);
    let cover = app.campaign("demo").await.cover.expect("a cover");
    let image = app.client.get(app.url(&cover)).send().await.unwrap();
    assert_eq!(image.headers()["content-type"], "image/jpeg");
    let page = get(&app, "/dashboard/editor/demo", &cookie).await.text().await.unwrap();
    assert!(page.contains(&cover), "the editor shows it");
}

store_test!(changes_to_a_campaign_cancelled_meanwhile_are_refused_in_words_and_kept);
async fn changes_to_a_campaign_cancelled_meanwhile_are_refused_in_words_and_kept(app: TestApp) {
    let cookie = sign_in(&app, "demo").await;
    let page = get(&app, "/dashboard/editor/demo?lang=en", &cookie).await.text().await.unwrap();
    let token = csrf(&page);
    let cancelled = app
        .creator(reqwest::Method::POST, "/api/v1/campaigns/demo/cancel", &app.demo_key)
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), 200);
    let mut draft = CampaignDraft::from_input(&app.campaign("demo").await.definition());
    draft.summary = "Written in another tab.".into();
    let refused = submit(&app, &cookie, &token, "demo", &draft, "publish").await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("cancel"), "said in words, not as JSON");
    let kept = get(&app, "/dashboard/editor/demo", &cookie).await.text().await.unwrap();
    assert!(kept.contains("Written in another tab."), "the draft is kept");
}

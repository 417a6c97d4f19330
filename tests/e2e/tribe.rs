//! The tribe on both engines: referral credit that is exact and cannot be gamed cheaply,
//! the backer's own count, the leaderboard and the wall.

use crate::api::futures_join;
use crate::pages::input_value;
use crate::support::{lamp_pledge, with};
use domain::wire::{CampaignView, PledgeCreated, ReceiptView};
use reqwest::Method;
use serde_json::{Value, json};
use tests::{TestApp, store_test};

/// A public pledge on the demo's lamp tier by `name`, brought by `referral` if given.
fn fan(name: &str, referral: Option<&str>) -> Value {
    let body = with(lamp_pledge(), "name", json!(name));
    let body = with(body, "contact", json!(format!("{}@example.com", name.to_lowercase())));
    match referral {
        Some(code) => with(body, "ref", json!(code)),
        None => body,
    }
}

async fn pledge(app: &TestApp, body: Value) -> PledgeCreated {
    let response = app.post_pledge("demo", body.to_string()).await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn receipt(app: &TestApp, created: &PledgeCreated) -> ReceiptView {
    let token = created.receipt_url.rsplit('/').next().unwrap();
    let response = app.client.get(app.url(&format!("/api/v1/receipts/{token}"))).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// An attribute of the element marked `data-testid="{test_id}"`.
fn attribute(html: &str, test_id: &str, name: &str) -> String {
    let at = html.find(&format!("data-testid=\"{test_id}\"")).unwrap_or_else(|| panic!("no {test_id}"));
    let start = html[..at].rfind('<').unwrap();
    let tag = &html[start..at + html[at..].find('>').unwrap()];
    let value = tag.split(&format!(" {name}=\"")).nth(1).unwrap_or_else(|| panic!("no {name} on {tag}"));
    value[..value.find('"').unwrap()].to_owned()
}

async fn leaders(app: &TestApp) -> Value {
    app.client.get(app.url("/api/v1/campaigns/demo/leaders")).send().await.unwrap().json().await.unwrap()
}

store_test!(a_friend_who_backs_through_a_link_counts_for_its_backer_until_they_cancel);
async fn a_friend_who_backs_through_a_link_counts_for_its_backer_until_they_cancel(app: TestApp) {
    let mei = pledge(&app, fan("Mei", None)).await;
    let li = pledge(&app, fan("Li", Some(&mei.referral_code))).await;
    let mine = receipt(&app, &mei).await;
    assert_eq!((mine.recruits, mine.recruited_amount, mine.status.as_str()), (1, 29_900, "live"));
    assert!(mine.share_url.ends_with(&format!("/c/demo?ref={}", mei.referral_code)));
    assert_eq!(leaders(&app).await["leaders"], json!([{ "name": "Mei", "recruits": 1, "amount": 29_900 }]));
    let view = app.campaign("demo").await;
    assert_eq!(view.leaders.len(), 1, "the widget's view carries the top recruiters");
    let page = app.text(&format!("{}?lang=en", mei.receipt_url)).await;
    assert!(
        page.contains("1 friend backed through your link, bringing ¥299."),
        "the receipt page tells the backer"
    );
    let share = app.text("/c/demo?lang=zh-CN").await;
    let details = share.split("<details").nth(1).map(|d| &d[..d.find('>').unwrap()]).unwrap_or_default();
    assert!(details.contains("open"), "open on the share page: {details}");
    assert!(share.contains("推荐达人") && share.contains("Mei"), "the tribe, readable without scripts");
    let embed = app.text("/embed/demo?lang=en").await;
    assert!(embed.contains("top recruiter: Mei (1 friend)"), "folded under one line in the embed");

    let token = li.receipt_url.rsplit('/').next().unwrap();
    let cancelled = app.client.delete(app.url(&format!("/api/v1/receipts/{token}"))).send().await.unwrap();
    assert_eq!(cancelled.status(), 204);
    let mine = receipt(&app, &mei).await;
    assert_eq!((mine.recruits, mine.recruited_amount), (0, 0), "a cancelled pledge stops counting");
    assert_eq!(leaders(&app).await["leaders"], json!([]));
}

store_test!(unknown_codes_and_other_campaigns_codes_credit_no_one);
async fn unknown_codes_and_other_campaigns_codes_credit_no_one(app: TestApp) {
    let mei = pledge(&app, fan("Mei", None)).await;
    // A well-formed code nobody has.
    pledge(&app, fan("Wu", Some("ZZZZZZZZZZZZZZ"))).await;
    // A code from another campaign.
    app.create_campaign(crate::support::limited_campaign("other", 10)).await;
    let elsewhere = app.post_pledge("other", crate::support::limited_pledge(1).to_string()).await;
    let elsewhere: PledgeCreated = elsewhere.json().await.unwrap();
    pledge(&app, fan("Zhao", Some(&elsewhere.referral_code))).await;

    assert_eq!(receipt(&app, &mei).await.recruits, 0);
    assert_eq!(leaders(&app).await["leaders"], json!([]));
    let backers: Value = app.creator_json("/api/v1/campaigns/demo/pledges").await;
    for backer in backers["pledges"].as_array().unwrap() {
        assert_eq!(backer["referred_by"], Value::Null, "nothing is recorded as referred: {backer}");
    }
}

store_test!(referral_credit_tells_no_one_whether_a_guessed_contact_is_the_leaders);
async fn referral_credit_tells_no_one_whether_a_guessed_contact_is_the_leaders(app: TestApp) {
    let mei = pledge(&app, fan("Mei", None)).await;
    // An attacker pledges through Mei's public code twice: once guessing Mei's own contact
    // (typed differently), once with another. The public board moves the same for both.
    let guess_right = with(fan("Probe", Some(&mei.referral_code)), "contact", json!("  MEI@Example.com "));
    let right = pledge(&app, guess_right).await;
    let after_right = leaders(&app).await["leaders"].clone();
    let wrong = pledge(&app, fan("Probe", Some(&mei.referral_code))).await;
    let after_wrong = leaders(&app).await["leaders"].clone();
    assert_eq!(after_right[0]["recruits"], 1, "{after_right}");
    assert_eq!(after_wrong[0]["recruits"], 2, "each pledge moves the board by one: {after_wrong}");
    assert_eq!(receipt(&app, &mei).await.recruits, 2);

    // The creator alone sees which credit came from the same contact.
    let backers: Value = app.creator_json("/api/v1/campaigns/demo/pledges").await;
    let flagged = |id: &str| {
        let backer = backers["pledges"].as_array().unwrap().iter().find(|b| b["id"] == id).unwrap();
        (backer["referred_by"].clone(), backer["self_referral"].clone())
    };
    assert_eq!(flagged(&right.id), (json!(mei.referral_code), json!(true)));
    assert_eq!(flagged(&wrong.id), (json!(mei.referral_code), json!(false)));
    let csv =
        app.creator(Method::GET, "/api/v1/campaigns/demo/pledges.csv", &app.demo_key).send().await.unwrap();
    let csv = csv.text().await.unwrap();
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    let column = rows[0].iter().position(|c| *c == "self_referral").expect("a self_referral column");
    let own: Vec<&str> = rows[1..].iter().filter(|r| r[column] == "yes").map(|r| r[0]).collect();
    assert_eq!(own, [right.id.as_str()], "{csv}");
}

store_test!(referral_counts_are_exact_under_concurrent_pledges);
async fn referral_counts_are_exact_under_concurrent_pledges(app: TestApp) {
    let leader = pledge(&app, fan("Leader", None)).await;
    let mut n = 0;
    let responses = futures_join(80, || {
        n += 1;
        app.post_pledge("demo", fan(&format!("Friend{n}"), Some(&leader.referral_code)).to_string())
    })
    .await;
    assert!(responses.iter().all(|r| r.status() == 201));
    let mine = receipt(&app, &leader).await;
    assert_eq!((mine.recruits, mine.recruited_amount), (80, 80 * 29_900));
    let view: CampaignView = app.campaign("demo").await;
    assert_eq!(view.backers, 81);
}

store_test!(the_leaderboard_and_the_wall_name_only_public_backers_and_never_a_contact);
async fn the_leaderboard_and_the_wall_name_only_public_backers_and_never_a_contact(app: TestApp) {
    let hostile = "<img src=x onerror=alert(1)>";
    let quiet = pledge(&app, with(fan("Quiet", None), "public", json!(false))).await;
    let loud = pledge(&app, with(fan("Loud", None), "message", json!(hostile))).await;
    for (i, code) in [&quiet.referral_code, &quiet.referral_code, &loud.referral_code].into_iter().enumerate()
    {
        pledge(&app, with(fan(&format!("Friend{i}"), Some(code)), "public", json!(false))).await;
    }
    let board = leaders(&app).await;
    assert_eq!(
        board["leaders"],
        json!([{ "name": null, "recruits": 2, "amount": 59_800 }, { "name": "Loud", "recruits": 1, "amount": 29_900 }])
    );
    let wall: Value =
        app.client.get(app.url("/api/v1/campaigns/demo/backers")).send().await.unwrap().json().await.unwrap();
    let names: Vec<&str> =
        wall["backers"].as_array().unwrap().iter().map(|b| b["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Loud"], "only public backers, newest first");
    assert_eq!(wall["backers"][0]["message"], hostile, "kept as typed");
    for body in
        [board.to_string(), wall.to_string(), serde_json::to_string(&app.campaign("demo").await).unwrap()]
    {
        assert!(!body.contains("@example.com"), "no contact: {body}");
        assert!(!body.contains("Quiet"), "no private name: {body}");
    }
    let page = app.text("/c/demo?lang=en").await;
    assert!(!page.contains("<img src=x") && !page.contains("Quiet"), "shown as text, private names hidden");
}

#[tokio::test]
async fn a_link_opened_in_the_embed_credits_its_backer_through_the_plain_form() {
    let app = tests::spawn_app().await;
    let mei = pledge(&app, fan("Mei", None)).await;
    // The loader forwards the host page's ?ref= to the iframe, which puts it in the form.
    let embed = app.text(&format!("/embed/demo?ref={}", mei.referral_code)).await;
    assert_eq!(input_value(&embed, "ref"), mei.referral_code);
    let form = [
        ("tier", "lamp"),
        ("amount", "299"),
        ("option.lamp.colour", "black"),
        ("name", "Wang"),
        ("contact", "wang@example.com"),
        ("idempotency_key", "form-ref-1"),
        ("ref", mei.referral_code.as_str()),
    ];
    assert_eq!(app.post_form("/embed/demo/pledge", &form).await.status(), 303);
    assert_eq!(receipt(&app, &mei).await.recruits, 1);
}

store_test!(a_backer_of_a_variant_below_its_batch_gets_a_link_that_opens_the_form_on_it);
async fn a_backer_of_a_variant_below_its_batch_gets_a_link_that_opens_the_form_on_it(app: TestApp) {
    let mei = pledge(&app, fan("Mei", None)).await;
    let page = app.text(&format!("{}?lang=en", mei.receipt_url)).await;
    assert!(page.contains("red: 29 more to unlock"), "the receipt says what red still needs");
    let link = attribute(&page, "variant-url", "value").replace("&amp;", "&");
    assert!(
        link.contains(&format!("ref={}", mei.referral_code))
            && link.ends_with("&tier=lamp&option.lamp.colour=red"),
        "{link}"
    );

    let opened = app.text(&format!("{link}&lang=en")).await;
    assert!(opened.contains("red: 29 more to unlock"), "the form says it too");
    let selected = opened.split("<option value=\"red\"").nth(1).unwrap();
    assert!(selected.starts_with(" selected"), "red is chosen: {}", &selected[..40]);
    // A link naming what the campaign does not have changes nothing.
    let odd = app.text("/c/demo?lang=en&tier=lamp&option.lamp.colour=%3Cscript%3E").await;
    assert!(!odd.contains("more to unlock") && !odd.contains("<script>"));
}

/// Reads the QR code in one of the server's SVGs: the unit squares of its path, drawn 4
/// pixels to a module, decoded by rqrr.
fn decode_qr_svg(svg: &str) -> String {
    let size: usize = svg.split("viewBox=\"0 0 ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    let path = svg.split(" d=\"").nth(1).unwrap().split('"').next().unwrap();
    let mut dark = vec![false; size * size];
    for square in path.split('M').filter(|s| !s.is_empty()) {
        let mut xy = square.split(['h', ' ']);
        let (x, y): (usize, usize) =
            (xy.next().unwrap().parse().unwrap(), xy.next().unwrap().parse().unwrap());
        dark[y * size + x] = true;
    }
    let scale = 4;
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(size * scale, size * scale, |x, y| {
        if dark[(y / scale) * size + x / scale] { 0 } else { 255 }
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    grids[0].decode().expect("a readable QR code").1
}

store_test!(the_qr_code_of_a_share_link_reads_as_that_link);
async fn the_qr_code_of_a_share_link_reads_as_that_link(app: TestApp) {
    let mei = pledge(&app, fan("Mei", None)).await;
    let response =
        app.client.get(app.url(&format!("/c/demo/qr.svg?ref={}", mei.referral_code))).send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    assert_eq!(decode_qr_svg(&response.text().await.unwrap()), mei.share_url);
    let plain = app.text("/c/demo/qr.svg?ref=<script>").await;
    assert_eq!(decode_qr_svg(&plain), app.url("/c/demo"), "a code that is no code is left out");
    assert_eq!(app.client.get(app.url("/c/nope/qr.svg")).send().await.unwrap().status(), 404);
}

store_test!(the_share_page_tells_the_story_and_previews_well_in_chat_apps);
async fn the_share_page_tells_the_story_and_previews_well_in_chat_apps(app: TestApp) {
    let story = json!({ "story": "Turned by hand.\n\n<b>Oiled</b> twice." });
    let edited = app
        .creator(Method::PATCH, "/api/v1/campaigns/demo", &app.demo_key)
        .json(&story)
        .send()
        .await
        .unwrap();
    assert_eq!(edited.status(), 200);
    let page = app.text("/c/demo?ref=AbC123xyZ0&lang=en").await;
    assert!(
        page.contains("<p>Turned by hand.</p><p>&lt;b&gt;Oiled&lt;/b&gt; twice.</p>"),
        "the story, escaped"
    );
    let meta = |property: &str| {
        let at = page.find(&format!("property=\"{property}\"")).unwrap_or_else(|| panic!("no {property}"));
        let tag = &page[at..at + page[at..].find('>').unwrap()];
        tag.split("content=\"").nth(1).unwrap().split('"').next().unwrap().to_owned()
    };
    assert_eq!(meta("og:title"), "Walnut desk lamp, made by the tribe");
    assert!(meta("og:description").starts_with("A solid walnut lamp"));
    assert_eq!(meta("og:url"), app.url("/c/demo?ref=AbC123xyZ0"));
    assert_eq!(meta("og:image"), app.url("/c/demo/poster.png"));
}

store_test!(in_wechat_the_thank_you_page_shows_how_to_share_and_a_qr_code);
async fn in_wechat_the_thank_you_page_shows_how_to_share_and_a_qr_code(app: TestApp) {
    let mei = pledge(&app, fan("Mei", None)).await;
    let wechat =
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 MicroMessenger/8.0.49";
    let page = app
        .client
        .get(format!("{}?lang=zh-CN", mei.receipt_url))
        .header("user-agent", wechat)
        .send()
        .await
        .unwrap();
    let page = page.text().await.unwrap();
    assert!(page.contains("点击右上角 ··· "), "the guide, in the reader's language");
    assert!(page.contains(&format!("/c/demo/qr.svg?ref={}", mei.referral_code)), "a QR code to long-press");
    let elsewhere = app.text(&format!("{}?lang=zh-CN", mei.receipt_url)).await;
    assert!(!elsewhere.contains("点击右上角"), "no WeChat guide outside WeChat");
}

/// Reads the one QR code in a 750 × 1334 RGB PNG.
pub(crate) fn decode_png_qr(bytes: &[u8]) -> String {
    let (size, link) = decode_sized_png_qr(bytes);
    assert_eq!(size, (750, 1334));
    link
}

/// A PNG poster's size, and what its one QR code reads.
fn decode_sized_png_qr(bytes: &[u8]) -> ((u32, u32), String) {
    let mut reader =
        png::Decoder::new(std::io::Cursor::new(bytes.to_vec())).read_info().expect("a valid PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a sane size")];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!(frame.color_type, png::ColorType::Rgb);
    let (width, height) = (frame.width as usize, frame.height as usize);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        let at = (y * width + x) * 3;
        ((u16::from(pixels[at]) + u16::from(pixels[at + 1]) + u16::from(pixels[at + 2])) / 3) as u8
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the poster");
    ((frame.width, frame.height), grids[0].decode().expect("a readable QR code").1)
}

store_test!(the_article_poster_is_1080_pixels_wide_and_leads_to_the_campaign_not_to_a_backer);
async fn the_article_poster_is_1080_pixels_wide_and_leads_to_the_campaign_not_to_a_backer(app: TestApp) {
    let mei = pledge(&app, fan("李小梅", None)).await;
    let ask = |query: String| {
        let url = app.url(&format!("/c/demo/poster.png?{query}"));
        async { app.client.get(url).send().await.unwrap() }
    };
    let response = ask(format!("size=article&lang=zh-CN&ref={}", mei.referral_code)).await;
    assert_eq!(response.status(), 200);
    let etag = response.headers()["etag"].clone();
    let (size, link) = decode_sized_png_qr(&response.bytes().await.unwrap());
    assert_eq!(size, (1080, 1921), "the width the Official Account editor shows images at");
    assert_eq!(link, app.url("/c/demo"), "the creator's poster: no backer's referral");
    let moments = ask(format!("lang=zh-CN&ref={}", mei.referral_code)).await;
    assert_ne!(moments.headers()["etag"], etag, "a poster of its own, cached apart");
    let odd = ask("size=%3Cscript%3E&lang=en".to_owned()).await;
    assert_eq!(
        decode_sized_png_qr(&odd.bytes().await.unwrap()).0,
        (750, 1334),
        "any other size is the Moments poster"
    );
}

store_test!(the_share_poster_is_a_png_whose_qr_code_reads_as_the_backers_link);
async fn the_share_poster_is_a_png_whose_qr_code_reads_as_the_backers_link(app: TestApp) {
    let mei = pledge(&app, fan("李小梅", None)).await;
    let response = app
        .client
        .get(app.url(&format!("/c/demo/poster.png?ref={}&lang=zh-CN", mei.referral_code)))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        200,
        "posters need a CJK font: cargo xtask test installs fonts-wqy-microhei"
    );
    assert_eq!(response.headers()["content-type"], "image/png");
    let bytes = response.bytes().await.unwrap();
    assert_eq!(decode_png_qr(&bytes), mei.share_url);
    // A backer who chose not to be listed is not named on anyone's poster.
    let quiet = pledge(&app, with(fan("Quiet", None), "public", json!(false))).await;
    assert_eq!(app.state.store.public_name("demo", &quiet.referral_code).await.unwrap(), None);
    assert_eq!(
        app.state.store.public_name("demo", &mei.referral_code).await.unwrap().as_deref(),
        Some("李小梅")
    );
}

store_test!(the_views_tribe_follows_public_pledges_credits_and_cancellations_batch_after_batch);
async fn the_views_tribe_follows_public_pledges_credits_and_cancellations_batch_after_batch(app: TestApp) {
    let wall = |view: &CampaignView| view.wall.iter().map(|w| w.name.clone()).collect::<Vec<_>>();
    let ann = pledge(&app, fan("Ann", None)).await;
    assert_eq!(wall(&app.campaign("demo").await), ["Ann"]);
    // Private pledges change nothing the tribe shows, and keep what it shows.
    for n in 0..3 {
        pledge(&app, with(fan(&format!("Hidden{n}"), None), "public", json!(false))).await;
    }
    let view = app.campaign("demo").await;
    assert_eq!((wall(&view), view.backers), (vec!["Ann".to_owned()], 4));
    // A private pledge through Ann's link moves the leaderboard.
    pledge(&app, with(fan("Quiet", Some(&ann.referral_code)), "public", json!(false))).await;
    assert_eq!(app.campaign("demo").await.leaders.first().map(|l| l.recruits), Some(1));
    let bo = pledge(&app, fan("Bo", None)).await;
    assert_eq!(wall(&app.campaign("demo").await), ["Bo", "Ann"]);
    let token = bo.receipt_url.rsplit('/').next().unwrap();
    app.client.delete(app.url(&format!("/api/v1/receipts/{token}"))).send().await.unwrap();
    assert_eq!(wall(&app.campaign("demo").await), ["Ann"], "a cancelled backer leaves the wall");
}

async fn poster_renders(app: &TestApp) -> f64 {
    let text = crate::operations::metrics(app).await;
    crate::operations::sample(&text, "tribefund_poster_renders_total").unwrap_or_else(|| panic!("{text}"))
}

async fn get_poster(app: &TestApp, query: &str) -> reqwest::Response {
    app.client.get(app.url(&format!("/c/demo/poster.png{query}"))).send().await.unwrap()
}

store_test!(a_poster_is_drawn_once_for_what_it_shows_whatever_else_the_query_says);
async fn a_poster_is_drawn_once_for_what_it_shows_whatever_else_the_query_says(app: TestApp) {
    let first = get_poster(&app, "?n=1").await;
    assert_eq!(first.status(), 200, "posters need a CJK font (fonts-wqy-microhei)");
    let etag = first.headers()["etag"].clone();
    let first = first.bytes().await.unwrap();
    let again = get_poster(&app, "?n=2&utm_source=moments").await;
    assert_eq!((again.status().as_u16(), &again.headers()["etag"]), (200, &etag));
    assert_eq!(again.bytes().await.unwrap(), first);
    // A code no pledge holds shows the plain poster: it is not a new picture to draw.
    let bogus = get_poster(&app, "?ref=AbC123xyZ0").await;
    assert_eq!((bogus.status().as_u16(), &bogus.headers()["etag"]), (200, &etag));
    assert_eq!(decode_png_qr(&bogus.bytes().await.unwrap()), app.url("/c/demo"));
    let unchanged =
        app.client.get(app.url("/c/demo/poster.png")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(unchanged.status(), 304);
    assert_eq!(poster_renders(&app).await, 1.0, "one drawing for all of them");

    pledge(&app, fan("Mei", None)).await;
    let moved = get_poster(&app, "?n=1").await;
    assert_eq!(moved.status(), 200);
    assert_ne!(moved.headers()["etag"], etag, "new progress, new poster");
    assert_ne!(moved.bytes().await.unwrap(), first);
    assert_eq!(poster_renders(&app).await, 2.0);
}

#[tokio::test]
async fn one_address_drawing_many_backers_posters_is_refused_past_its_budget_while_drawn_ones_are_still_served()
 {
    let app = tests::spawn_app_with(tests::Options {
        rate_limit: Some(api::ratelimit::RateLimit { burst: 100, per_minute: 100 }),
        ..tests::Options::default()
    })
    .await;
    let budget = api::tribe::POSTER_RENDERS.burst as usize;
    let mut codes = Vec::new();
    for n in 0..budget {
        codes.push(pledge(&app, fan(&format!("Fan{n}"), None)).await.referral_code);
    }
    assert_eq!(get_poster(&app, "").await.status(), 200, "the plain poster");
    for code in &codes[..budget - 1] {
        assert_eq!(get_poster(&app, &format!("?ref={code}")).await.status(), 200, "{code}");
    }
    let refused = get_poster(&app, &format!("?ref={}", codes[budget - 1])).await;
    assert_eq!(refused.status(), 429);
    assert_eq!(refused.headers()["content-type"], "application/problem+json");
    let retry_after: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry_after >= 1, "{retry_after}");
    for query in [String::new(), format!("?ref={}", codes[0]), format!("?ref={}&n=7", codes[1])] {
        assert_eq!(get_poster(&app, &query).await.status(), 200, "drawn already: {query}");
    }
    assert_eq!(poster_renders(&app).await, budget as f64);
}

/// The share page's list `section` (`backers`, `leaders`).
fn section<'a>(page: &'a str, section: &str) -> &'a str {
    let start =
        page.find(&format!("tf-list-{section}\"")).unwrap_or_else(|| panic!("no {section} on the page"));
    &page[start..start + page[start..].find("</section>").unwrap()]
}

/// The names listed on the share page's list `section`.
fn listed(page: &str, list: &str) -> Vec<String> {
    section(page, list)
        .split("<span class=\"tf-who\">")
        .skip(1)
        .map(|s| s[..s.find('<').unwrap()].to_owned())
        .collect()
}

async fn api_page(app: &TestApp, list: &str, page: u32) -> Value {
    let url = app.url(&format!("/api/v1/campaigns/demo/{list}?page={page}"));
    let response = app.client.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

store_test!(the_share_page_lists_every_backer_and_every_recruiter_in_pages_without_any_script);
async fn the_share_page_lists_every_backer_and_every_recruiter_in_pages_without_any_script(app: TestApp) {
    let mut n = 0;
    let leaders = futures_join(60, || {
        n += 1;
        app.post_pledge("demo", fan(&format!("Leader{n}"), None).to_string())
    })
    .await;
    let mut codes = Vec::new();
    for response in leaders {
        assert_eq!(response.status(), 201);
        codes.push(response.json::<PledgeCreated>().await.unwrap().referral_code);
    }
    let mut friends = codes.iter().enumerate();
    let responses = futures_join(60, || {
        let (i, code) = friends.next().unwrap();
        app.post_pledge("demo", fan(&format!("Friend{i}"), Some(code)).to_string())
    })
    .await;
    assert!(responses.iter().all(|r| r.status() == 201));

    // The API: 120 public backers in pages of 50, newest first; 60 recruiters in two pages.
    let mut wall = Vec::new();
    for (page, (len, next)) in [(50, json!(2)), (50, json!(3)), (20, Value::Null)].into_iter().enumerate() {
        let answer = api_page(&app, "backers", page as u32 + 1).await;
        assert_eq!((answer["backers"].as_array().unwrap().len(), &answer["next_page"]), (len, &next));
        wall.extend(
            answer["backers"].as_array().unwrap().iter().map(|b| b["name"].as_str().unwrap().to_owned()),
        );
    }
    let mut unique = wall.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 120, "every public backer once");
    assert!(wall[..60].iter().all(|name| name.starts_with("Friend")), "newest first: {wall:?}");
    let board = api_page(&app, "leaders", 2).await;
    assert_eq!((board["leaders"].as_array().unwrap().len(), &board["next_page"]), (10, &Value::Null));

    // The share page shows the same pages, linked both ways, keeping the page's look.
    let first = app.text("/c/demo?lang=en&theme=dark").await;
    assert_eq!(listed(&first, "backers"), wall[..50]);
    assert_eq!(listed(&first, "leaders").len(), 50);
    assert!(
        first.contains("href=\"/c/demo?lang=en&amp;theme=dark&amp;backers=2#backers\" rel=\"next\""),
        "{first}"
    );
    let second = app.text("/c/demo?lang=en&theme=dark&backers=2&leaders=2").await;
    assert_eq!(listed(&second, "backers"), wall[50..100]);
    assert_eq!(listed(&second, "leaders").len(), 10);
    assert!(second.contains("<ol class=\"tf-leaders\" start=\"51\">"), "ranks go on across pages");
    assert!(second.contains("Backers · Page 2") && second.contains("Tribe leaders · Page 2"));
    assert!(second.contains(
        "href=\"/c/demo?lang=en&amp;theme=dark&amp;backers=3&amp;leaders=2#backers\" rel=\"next\""
    ));
    assert!(second.contains("href=\"/c/demo?lang=en&amp;theme=dark&amp;leaders=2#backers\" rel=\"prev\""));
    let last = app.text("/c/demo?lang=zh-CN&backers=3").await;
    assert_eq!(listed(&last, "backers"), wall[100..]);
    let backers = section(&last, "backers");
    assert!(backers.contains("第 3 页") && !backers.contains("rel=\"next\""), "the last page: {backers}");
    let past = app.text("/c/demo?lang=en&backers=9").await;
    let backers = section(&past, "backers");
    assert!(
        backers.contains("Nobody on this page.") && backers.contains("rel=\"prev\""),
        "an empty page says so"
    );

    // Odd pages: the API refuses them in words; the page shows the first.
    for odd in ["0", "abc", "1001", "-1"] {
        let url = app.url(&format!("/api/v1/campaigns/demo/backers?page={odd}"));
        let response = app.client.get(url).send().await.unwrap();
        assert_eq!(response.status(), 400, "page={odd}");
        let problem: Value = response.json().await.unwrap();
        assert!(problem["detail"].as_str().unwrap().contains("from 1 to 1000"), "{problem}");
    }
    let hostile = app.text("/c/demo?lang=en&backers=%3Cscript%3E&leaders=99999999999").await;
    assert_eq!(listed(&hostile, "backers"), wall[..50]);
    assert!(!hostile.contains("<script>"), "nothing of the query is shown");

    // The first pages are kept between views, and never outlive a change.
    let newest = app.post_pledge("demo", fan("Newest", None).to_string()).await;
    let newest: PledgeCreated = newest.json().await.unwrap();
    assert_eq!(listed(&app.text("/c/demo?lang=en").await, "backers")[0], "Newest");
    let token = newest.receipt_url.rsplit('/').next().unwrap();
    let cancelled = app.client.delete(app.url(&format!("/api/v1/receipts/{token}"))).send().await.unwrap();
    assert_eq!(cancelled.status(), 204);
    assert_eq!(
        listed(&app.text("/c/demo?lang=en").await, "backers"),
        wall[..50],
        "a cancelled backer leaves at once"
    );
}

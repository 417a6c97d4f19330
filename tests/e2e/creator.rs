//! The creator API over real HTTP, on SQLite and PostgreSQL: keys and sites, campaigns,
//! edit locks, cancellation, backers, the CSV export, demand and updates.

use crate::api::futures_join;
use crate::support::{lamp_pledge, limited_campaign, limited_pledge, with};
use domain::wire::{CampaignView, CreatorCampaign, Problem};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;
use tests::{EventReader, TestApp, store_test};

const WAIT: Duration = Duration::from_secs(10);

/// A campaign definition as a creator would post it: no id, one limited tier with a colour
/// whose red needs a batch of 3.
pub(crate) fn definition() -> Value {
    let now = api::now();
    json!({
        "title": "Walnut lamp, small batch",
        "summary": "A lamp",
        "story": "Made by hand.\nIn Hangzhou.",
        "currency": "CNY",
        "goal": 100_000,
        "starts_at": now.plus_seconds(-60).to_string(),
        "ends_at": now.plus_seconds(86_400).to_string(),
        "funding": "all_or_nothing",
        "tiers": [{
            "id": "lamp", "title": "Lamp", "price": 29_900, "limit": 10, "per_backer": 2,
            "options": [{ "name": "colour", "values": [{ "value": "red", "min_batch": 3 }, { "value": "black" }] }]
        }]
    })
}

pub(crate) fn pledge(colour: &str, name: &str) -> Value {
    json!({ "tier": "lamp", "amount": 29_900, "options": { "colour": colour }, "name": name,
            "contact": format!("{name}@example.com"), "public": true })
}

pub(crate) async fn problem_of(response: reqwest::Response) -> (u16, Problem) {
    let status = response.status().as_u16();
    (status, response.json().await.expect("a problem document"))
}

/// Posts a campaign definition to the demo site with its key.
async fn post_campaign(app: &TestApp, body: &Value) -> reqwest::Response {
    app.creator(Method::POST, "/api/v1/campaigns", &app.demo_key).json(body).send().await.unwrap()
}

/// Creates the test campaign on the demo site through the API; its id.
pub(crate) async fn create(app: &TestApp) -> String {
    let response = post_campaign(app, &definition()).await;
    assert_eq!(response.status(), 201);
    let created: CreatorCampaign = response.json().await.unwrap();
    created.view.id
}

store_test!(a_creator_creates_a_campaign_that_is_live_at_once_with_its_embed_line);
async fn a_creator_creates_a_campaign_that_is_live_at_once_with_its_embed_line(app: TestApp) {
    let response = post_campaign(&app, &definition()).await;
    assert_eq!(response.status(), 201);
    let created: CreatorCampaign = response.json().await.unwrap();
    assert_eq!(created.view.id, "walnut-lamp-small-batch", "an id is made from the title");
    assert_eq!(created.story, "Made by hand.\nIn Hangzhou.");
    assert_eq!(
        created.embed_html,
        format!(
            r#"<script src="{}/embed.js" data-campaign="walnut-lamp-small-batch" async></script>"#,
            app.address
        )
    );
    assert!(created.locked.is_empty());
    let public = app.campaign("walnut-lamp-small-batch").await;
    assert_eq!((public.status, public.tiers[0].limit), (domain::Status::Live, Some(10)));
    let embed = app.client.get(app.url("/embed/walnut-lamp-small-batch")).send().await.unwrap();
    assert_eq!(embed.status(), 200);

    // The same title again gets an id of its own; a given id that is taken is refused.
    let again = post_campaign(&app, &definition()).await;
    let again: CreatorCampaign = again.json().await.unwrap();
    assert!(again.view.id.starts_with("walnut-lamp-small-batch-"), "{}", again.view.id);
    let taken = with(definition(), "id", json!("demo"));
    let (status, problem) = problem_of(post_campaign(&app, &taken).await).await;
    assert_eq!((status, problem.codes.get("id")), (422, Some(&domain::FieldError::Duplicate)));

    let list: Value = app.creator_json("/api/v1/campaigns").await;
    let ids: Vec<&str> =
        list["campaigns"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert!(ids.contains(&"demo") && ids.contains(&"walnut-lamp-small-batch"));
}

store_test!(every_creator_endpoint_answers_only_the_right_sites_key);
async fn every_creator_endpoint_answers_only_the_right_sites_key(app: TestApp) {
    let other = app.create_site("other-blog", &["https://other.example"]).await;
    let rotated = app.create_site("rotated", &["*"]).await;
    api::sites::rotate_key(&app.state.store, "rotated").await.unwrap();
    let pledged = app.post_pledge("demo", lamp_pledge().to_string()).await;
    assert_eq!(pledged.status(), 201);
    let endpoints: Vec<(Method, &str, Option<Value>, u16)> = vec![
        (Method::GET, "/api/v1/campaigns", None, 200),
        (Method::POST, "/api/v1/campaigns", Some(definition()), 201),
        (Method::PATCH, "/api/v1/campaigns/demo", Some(json!({ "summary": "Edited" })), 200),
        (Method::GET, "/api/v1/campaigns/demo/pledges", None, 200),
        (Method::GET, "/api/v1/campaigns/demo/pledges.csv", None, 200),
        (Method::GET, "/api/v1/campaigns/demo/demand", None, 200),
        (Method::GET, "/api/v1/campaigns/demo/sources", None, 200),
        (Method::POST, "/api/v1/campaigns/demo/updates", Some(json!({ "title": "Hi", "body": "News" })), 201),
        (Method::POST, "/api/v1/campaigns/demo/cancel", None, 200),
    ];
    for (method, path, body, ok) in endpoints {
        let send = |key: Option<&str>| {
            let mut request = app.client.request(method.clone(), app.url(path));
            if let Some(key) = key {
                request = request.bearer_auth(key);
            }
            if let Some(body) = &body {
                request = request.json(body);
            }
            request.send()
        };
        let none = send(None).await.unwrap();
        assert_eq!(none.status(), 401, "{method} {path} without a key");
        assert_eq!(none.headers()["www-authenticate"], "Bearer realm=\"tribefund\"");
        assert_eq!(problem_of(none).await.1.kind, "/problems/unauthorized");
        let wrong = format!("{}x", &app.demo_key[..app.demo_key.len() - 1]);
        for (key, status, case) in [
            (wrong.as_str(), 401, "a wrong key"),
            ("tf_demo", 401, "a key without its secret"),
            (rotated.as_str(), 401, "a rotated key"),
        ] {
            assert_eq!(send(Some(key)).await.unwrap().status(), status, "{method} {path} with {case}");
        }
        // Another site's key: the demo campaign does not exist for it. Listing and creating
        // are the other site's own.
        let elsewhere = send(Some(&other)).await.unwrap().status().as_u16();
        let expected = if path.starts_with("/api/v1/campaigns/demo") { 404 } else { ok };
        assert_eq!(elsewhere, expected, "{method} {path} with another site's key");
        assert_eq!(
            send(Some(&app.demo_key)).await.unwrap().status().as_u16(),
            ok,
            "{method} {path} with the key"
        );
    }
    let theirs: Value =
        app.creator(Method::GET, "/api/v1/campaigns", &other).send().await.unwrap().json().await.unwrap();
    let ids: Vec<&str> =
        theirs["campaigns"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert!(!ids.contains(&"demo"), "another site's list never shows the demo: {ids:?}");
}

#[tokio::test]
async fn guessing_keys_from_one_address_is_slowed_down() {
    let limit = api::ratelimit::RateLimit { burst: 10, per_minute: 10 };
    let app =
        tests::spawn_app_with(tests::Options { auth_rate_limit: Some(limit), ..Default::default() }).await;
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(
            app.creator(Method::GET, "/api/v1/campaigns", "tf_demo_guess")
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    assert_eq!(&statuses[..10], &[401; 10]);
    assert_eq!(statuses[11], 429, "{statuses:?}");
    let limited = app.creator(Method::GET, "/api/v1/campaigns", &app.demo_key).send().await.unwrap();
    assert_eq!(limited.status(), 429, "the right key waits too, so guessing cannot go on between tries");
    assert!(limited.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn bad_campaign_definitions_are_refused_with_every_problem_named() {
    let app = tests::spawn_app().await;
    let now = api::now();
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        ("id not a slug", with(definition(), "id", json!("Lamp!")), "id", "invalid_slug"),
        ("no title", with(definition(), "title", json!(" ")), "title", "required"),
        ("zero goal", with(definition(), "goal", json!(0)), "goal", "not_positive"),
        (
            "ends first",
            with(definition(), "ends_at", json!(now.plus_seconds(-120).to_string())),
            "ends_at",
            "ends_before_start",
        ),
        (
            "too long",
            with(definition(), "ends_at", json!(now.plus_seconds(400 * 86_400).to_string())),
            "ends_at",
            "too_far",
        ),
        (
            "free tier",
            {
                let mut d = definition();
                d["tiers"][0]["price"] = json!(0);
                d
            },
            "tiers[0].price",
            "not_positive",
        ),
        (
            "batch over limit",
            {
                let mut d = definition();
                d["tiers"][0]["options"][0]["values"][0]["min_batch"] = json!(11);
                d
            },
            "tiers[0].options[0].values[0].min_batch",
            "above_limit",
        ),
        (
            "twin tiers",
            {
                let mut d = definition();
                let t = d["tiers"][0].clone();
                d["tiers"].as_array_mut().unwrap().push(t);
                d
            },
            "tiers[1].id",
            "duplicate",
        ),
        ("story too long", with(definition(), "story", json!("字".repeat(20_001))), "story", "too_long"),
        (
            "stretch below goal",
            with(definition(), "stretch_goals", json!([{ "amount": 10, "label": "x" }])),
            "stretch_goals[0].amount",
            "not_above_goal",
        ),
    ];
    for (case, body, field, code) in cases {
        let response = post_campaign(&app, &body).await;
        let (status, problem) = problem_of(response).await;
        assert_eq!(status, 422, "{case}");
        let codes = serde_json::to_value(&problem.codes).unwrap();
        assert_eq!(codes[field]["code"], code, "{case}: {codes}");
        assert!(problem.errors.contains_key(field), "{case}: an English sentence too");
    }
    for (case, body, status) in [
        ("not JSON", "{".to_owned(), 400),
        ("a field of the wrong type", json!({ "title": 5 }).to_string(), 400),
        ("too large", format!(r#"{{"title":"{}"}}"#, "x".repeat(300_000)), 413),
    ] {
        let response = app
            .creator(Method::POST, "/api/v1/campaigns", &app.demo_key)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{case}");
    }
    let unknown = app
        .creator(Method::PATCH, "/api/v1/campaigns/demo", &app.demo_key)
        .json(&json!({ "gaol": 5 }))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 400, "a misspelt field in an edit is refused, not ignored");
}

store_test!(pledges_lock_the_terms_while_text_and_new_tiers_stay_editable_and_reach_viewers_live);
async fn pledges_lock_the_terms_while_text_and_new_tiers_stay_editable_and_reach_viewers_live(app: TestApp) {
    let id = create(&app).await;
    let path = format!("/api/v1/campaigns/{id}");
    let mut viewer =
        EventReader::new(app.client.get(app.url(&format!("{path}/events"))).send().await.unwrap());
    viewer.next_progress(WAIT).await.expect("the first snapshot");
    // Before any pledge the goal may change.
    let early = app
        .creator(Method::PATCH, &path, &app.demo_key)
        .json(&json!({ "goal": 200_000 }))
        .send()
        .await
        .unwrap();
    assert_eq!(early.status(), 200);
    let (_, seen) = viewer.next_progress(WAIT).await.expect("the edit, live");
    assert_eq!(seen.goal, 200_000);

    for n in 0..2 {
        assert_eq!(app.post_pledge(&id, pledge("red", &format!("fan{n}")).to_string()).await.status(), 201);
    }
    let mut tiers = definition()["tiers"].clone();
    tiers[0]["price"] = json!(19_900);
    tiers[0]["limit"] = json!(1);
    tiers[0]["per_backer"] = json!(1);
    tiers[0]["options"][0]["values"][0]["min_batch"] = json!(1);
    let locked = json!({ "goal": 1, "currency": "USD", "funding": "flexible", "ends_at": api::now().plus_seconds(999).to_string(), "tiers": tiers });
    let (status, problem) =
        problem_of(app.creator(Method::PATCH, &path, &app.demo_key).json(&locked).send().await.unwrap())
            .await;
    assert_eq!((status, problem.kind.as_str()), (409, "/problems/locked"), "{:?}", problem.errors);
    for field in ["goal", "currency", "funding", "ends_at", "tiers[0].price", "tiers[0].options"] {
        assert_eq!(
            problem.codes.get(field),
            Some(&domain::FieldError::Locked),
            "{field}: {:?}",
            problem.codes
        );
    }
    assert_eq!(problem.codes.get("tiers[0].limit"), Some(&domain::FieldError::BelowClaimed { claimed: 2 }));
    let gone =
        app.creator(Method::PATCH, &path, &app.demo_key).json(&json!({ "tiers": [] })).send().await.unwrap();
    assert_eq!(problem_of(gone).await.1.codes.get("tiers.lamp"), Some(&domain::FieldError::Locked));

    let mut tiers = definition()["tiers"].clone();
    tiers[0]["title"] = json!("Lamp, signed");
    tiers[0]["limit"] = json!(20);
    tiers.as_array_mut().unwrap().push(json!({ "id": "bulb", "title": "Spare bulb", "price": 900 }));
    let allowed = json!({ "title": "Walnut lamp, renamed", "tiers": tiers, "stretch_goals": [{ "amount": 500_000, "label": "Brass" }] });
    let response = app.creator(Method::PATCH, &path, &app.demo_key).json(&allowed).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let edited: CreatorCampaign = response.json().await.unwrap();
    assert!(
        edited.locked.contains(&"goal".to_owned()) && edited.locked.contains(&"tiers[0].price".to_owned())
    );
    let live: CampaignView = loop {
        let (_, view) = viewer.next_progress(WAIT).await.expect("the edit on the viewer's stream");
        if view.title == "Walnut lamp, renamed" {
            break view;
        }
    };
    assert_eq!(
        (live.tiers.len(), live.tiers[0].limit, live.tiers[0].claimed, live.backers),
        (2, Some(20), 2, 2)
    );
    assert_eq!(
        app.post_pledge(
            &id,
            json!({ "tier": "bulb", "amount": 900, "name": "Bo", "contact": "bo@x.cn" }).to_string()
        )
        .await
        .status(),
        201
    );
}

store_test!(a_cancelled_campaign_refuses_pledges_and_says_so_everywhere);
async fn a_cancelled_campaign_refuses_pledges_and_says_so_everywhere(app: TestApp) {
    let id = create(&app).await;
    let pledged: Value = app.post_pledge(&id, pledge("black", "mei").to_string()).await.json().await.unwrap();
    let cancel = app
        .creator(Method::POST, &format!("/api/v1/campaigns/{id}/cancel"), &app.demo_key)
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), 200);
    assert_eq!(app.campaign(&id).await.status, domain::Status::Cancelled);
    let again = app
        .creator(Method::POST, &format!("/api/v1/campaigns/{id}/cancel"), &app.demo_key)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200, "cancelling twice changes nothing");
    let (status, refused) = problem_of(app.post_pledge(&id, pledge("black", "li").to_string()).await).await;
    assert_eq!((status, refused.kind.as_str()), (409, "/problems/cancelled"));
    let edit = app
        .creator(Method::PATCH, &format!("/api/v1/campaigns/{id}"), &app.demo_key)
        .json(&json!({ "title": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(edit.status(), 409);
    let receipt = app.text(&format!("{}?lang=en", pledged["receipt_url"].as_str().unwrap())).await;
    assert!(receipt.contains("The creator cancelled this campaign"), "the receipt says so: {receipt}");
    assert!(!receipt.contains("/cancel?"), "and offers no cancel button");
    let embed = app.text(&format!("/embed/{id}?lang=zh-CN")).await;
    assert!(embed.contains("发起人已取消该众筹"), "the widget says so in the reader's language");
    assert_eq!(app.campaign(&id).await.backers, 1, "the pledges stay on record");
}

store_test!(an_update_reaches_the_public_list_the_feed_and_every_viewer);
async fn an_update_reaches_the_public_list_the_feed_and_every_viewer(app: TestApp) {
    let mut viewer =
        EventReader::new(app.client.get(app.url("/api/v1/campaigns/demo/events")).send().await.unwrap());
    viewer.next_progress(WAIT).await.unwrap();
    let body = json!({ "title": "Samples <b>arrived</b>", "body": "The walnut is beautiful.\nPhotos soon." });
    let posted = app
        .creator(Method::POST, "/api/v1/campaigns/demo/updates", &app.demo_key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 201);
    let (_, view) = viewer.next_progress(WAIT).await.expect("the update's headline, live");
    assert_eq!(view.latest_update.map(|u| u.title).as_deref(), Some("Samples <b>arrived</b>"));
    let list: Value =
        app.client.get(app.url("/api/v1/campaigns/demo/updates")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["updates"][0]["body"], "The walnut is beautiful.\nPhotos soon.");
    let feed = app.client.get(app.url("/c/demo/updates.atom")).send().await.unwrap();
    assert_eq!(feed.headers()["content-type"], "application/atom+xml; charset=utf-8");
    let feed = feed.text().await.unwrap();
    assert!(feed.contains("<title>Samples &lt;b&gt;arrived&lt;/b&gt;</title>"), "{feed}");
    let page = app.text("/embed/demo?lang=en").await;
    assert!(
        page.contains("Samples &lt;b&gt;arrived&lt;/b&gt;") && !page.contains("<b>arrived"),
        "the widget shows it as text"
    );
    for (body, field) in [
        (json!({ "title": "", "body": "x" }), "title"),
        (json!({ "title": "x", "body": "y".repeat(20_001) }), "body"),
    ] {
        let refused = app
            .creator(Method::POST, "/api/v1/campaigns/demo/updates", &app.demo_key)
            .json(&body)
            .send()
            .await
            .unwrap();
        let (status, problem) = problem_of(refused).await;
        assert_eq!(status, 422);
        assert!(problem.codes.contains_key(field), "{field}");
    }
}

store_test!(sign_in_links_work_once_and_only_before_they_expire);
async fn sign_in_links_work_once_and_only_before_they_expire(app: TestApp) {
    let link = api::sites::sign_in_link(&app.state.store, "demo", &app.address).await.unwrap();
    let token = link.split("token=").nth(1).unwrap();
    let now = api::now();
    let later = now.plus_seconds(api::sites::SIGN_IN_TTL_SECS + 1);
    let redeem = |at| api::sessions::start_from_link(&app.state.store, token, at);
    assert_eq!(redeem(later).await.unwrap(), None, "expired");
    let (a, b) = tokio::join!(redeem(now), redeem(now));
    let opened: Vec<String> =
        vec![a.unwrap(), b.unwrap()].into_iter().flatten().map(|(site, _)| site).collect();
    assert_eq!(opened, ["demo"], "used once");
    assert_eq!(api::sessions::start_from_link(&app.state.store, "not-a-token", now).await.unwrap(), None);
}

store_test!(a_pledge_checked_against_a_definition_edited_since_is_refused_not_stored);
async fn a_pledge_checked_against_a_definition_edited_since_is_refused_not_stored(app: TestApp) {
    let entry = app.state.hub.get("demo").unwrap();
    let before = entry.snapshot(api::now());
    let request: domain::wire::PledgeRequest = serde_json::from_value(lamp_pledge()).unwrap();
    let pledge = domain::NewPledge::parse(request, &before.campaign).unwrap();
    let edit = json!({ "summary": "Edited while a pledge was on its way" });
    assert_eq!(
        app.creator(Method::PATCH, "/api/v1/campaigns/demo", &app.demo_key)
            .json(&edit)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let stale = api::store::PledgeCommand {
        campaign: before.campaign.clone(),
        revision: before.revision,
        pledge,
        idempotency: None,
        client: None,
        unpaid_share: None,
        lang: "en",
        mail: None,
        offer: None,
    };
    let refused = app.state.store.pledge(stale).await.expect_err("refused");
    assert_eq!(refused, api::store::Refusal::Changed);
    assert_eq!(app.state.store.recount("demo").await.unwrap(), (0, 0), "nothing was stored");
    assert_eq!(
        app.post_pledge("demo", lamp_pledge().to_string()).await.status(),
        201,
        "a fresh pledge goes through"
    );
}

store_test!(lowering_a_limit_while_fans_pledge_never_oversells_nor_drops_below_the_claims);
async fn lowering_a_limit_while_fans_pledge_never_oversells_nor_drops_below_the_claims(app: TestApp) {
    app.create_campaign(limited_campaign("race", 100)).await;
    let mut tiers = serde_json::to_value(&limited_campaign("race", 100).tiers).unwrap();
    tiers[0]["limit"] = json!(20);
    let lower = json!({ "tiers": tiers });
    let mut n = 0;
    let pledges = futures_join(60, || {
        n += 1;
        app.post_pledge("race", limited_pledge(n).to_string())
    });
    let edits = futures_join(5, || {
        app.creator(Method::PATCH, "/api/v1/campaigns/race", &app.demo_key).json(&lower).send()
    });
    let (pledges, edits) = tokio::join!(pledges, edits);
    let created = pledges.iter().filter(|r| r.status() == 201).count();
    let sold_out = pledges.iter().filter(|r| r.status() == 409).count();
    assert_eq!(created + sold_out, 60, "every pledge is taken or refused as sold out or changed");
    for edit in edits {
        let edit = edit.unwrap();
        assert!(
            matches!(edit.status().as_u16(), 200 | 409),
            "an edit lands or is refused: {}",
            edit.status()
        );
    }
    let campaign = app.campaign("race").await;
    let tier = &campaign.tiers[0];
    assert!(tier.limit.is_some_and(|limit| tier.claimed <= limit), "{:?} of {:?}", tier.claimed, tier.limit);
    assert_eq!(app.state.store.recount("race").await.unwrap(), (campaign.raised, campaign.backers as i64));
    assert_eq!(campaign.backers as usize, created);
}

//! Fan-group robots: a webhook endpoint of format `wecom`, `feishu`, `dingtalk`, `slack` or
//! `discord` gets the moments worth announcing as that platform's documented text message,
//! checked field by field by a local robot that answers as the platform does; signed where
//! the platform signs; merged and at most 20 a minute; hostile names inert.

use crate::support::lamp_pledge;
use crate::support::with;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;
use tests::robot::{Platform, Post, Robot};
use tests::{TestApp, eventually, store_test};

const WAIT: Duration = Duration::from_secs(30);

async fn add_robot(app: &TestApp, url: &str, format: &str, secret: Option<&str>) -> reqwest::Response {
    let mut body = json!({ "url": url, "format": format });
    if let Some(secret) = secret {
        body["signing_secret"] = json!(secret);
    }
    app.creator(Method::POST, "/api/v1/webhooks", &app.demo_key).json(&body).send().await.unwrap()
}

/// Waits until `robot` holds `n` posts.
async fn posts(robot: &Robot, n: usize) -> Vec<Post> {
    eventually(WAIT, &format!("{n} robot posts"), || async {
        let got = robot.posts();
        (got.len() >= n).then_some(got)
    })
    .await
}

fn pledge(name: &str, public: bool) -> String {
    let body = with(lamp_pledge(), "name", json!(name));
    let body = with(body, "contact", json!(format!("{}@fans.example", name.len())));
    with(body, "public", json!(public)).to_string()
}

/// The keys of a JSON object, sorted.
fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value.as_object().expect("an object").keys().map(String::as_str).collect();
    keys.sort();
    keys
}

store_test!(each_platform_gets_its_documented_text_message_in_the_sites_language_signed_where_it_signs);
async fn each_platform_gets_its_documented_text_message_in_the_sites_language_signed_where_it_signs(
    app: TestApp,
) {
    let site = app.creator(Method::PUT, "/api/v1/site", &app.demo_key).json(&json!({ "lang": "zh-CN" }));
    assert_eq!(site.send().await.unwrap().status(), 200);
    let wecom = Robot::start(Platform::Wecom, None, None).await;
    let feishu = Robot::start(Platform::Feishu, Some("feishu-s3cret"), None).await;
    let dingtalk = Robot::start(Platform::Dingtalk, Some("SECding"), None).await;
    let slack = Robot::start(Platform::Slack, None, None).await;
    let discord = Robot::start(Platform::Discord, None, None).await;
    for (robot, format, secret) in [
        (&wecom, "wecom", None),
        (&feishu, "feishu", Some("feishu-s3cret")),
        (&dingtalk, "dingtalk", Some("SECding")),
        (&slack, "slack", None),
        (&discord, "discord", None),
    ] {
        let added = add_robot(&app, &robot.url, format, secret).await;
        assert_eq!(added.status(), 201, "{format}");
        let endpoint: Value = added.json().await.unwrap();
        assert_eq!((&endpoint["format"], &endpoint["signed"]), (&json!(format), &json!(secret.is_some())));
        assert!(!endpoint.to_string().contains("s3cret") && !endpoint.to_string().contains("SECding"));
    }
    let mei = app.post_pledge("demo", pledge("Mei", true)).await;
    assert_eq!(mei.status(), 201);
    let mei: domain::wire::PledgeCreated = mei.json().await.unwrap();
    assert_eq!(app.post_pledge("demo", pledge("Hidden Name", false)).await.status(), 201);

    let wanted = |text: &str, format: &str| {
        assert!(text.starts_with("【Walnut desk lamp, made by the tribe】"), "{format}: {text}");
        assert!(
            text.contains("Mei 支持了 ¥299") && text.contains("一位支持者 支持了 ¥299"),
            "{format}: {text}"
        );
        assert!(
            !text.contains("Hidden Name") && !text.contains("fans.example"),
            "no private name or contact"
        );
        assert!(text.contains(&format!("/c/demo?src={format}")), "{format}: {text}");
    };
    let text_of = |posts: &[Post]| -> String {
        posts.iter().map(|p| p.body.to_string()).collect::<Vec<_>>().join("\n")
    };
    // Both pledges may come in one message or two; each message is the platform's own.
    let two_pledges = |robot: &Robot| {
        let robot_posts = robot.posts();
        let all = text_of(&robot_posts);
        (all.contains("Mei") && all.contains("一位支持者")).then_some(robot_posts)
    };
    for (robot, format) in [(&wecom, "wecom"), (&dingtalk, "dingtalk")] {
        let got = eventually(WAIT, format, || async { two_pledges(robot) }).await;
        for post in &got {
            assert_eq!(keys(&post.body), ["msgtype", "text"], "{format}: {}", post.body);
            assert_eq!(
                (post.body["msgtype"].as_str(), keys(&post.body["text"])),
                (Some("text"), vec!["content"])
            );
            assert!(post.body["text"]["content"].as_str().unwrap().len() <= 2048);
            assert!(post.signed, "{format}: the robot's own signature check passes");
        }
        let content: Vec<&str> = got.iter().map(|p| p.body["text"]["content"].as_str().unwrap()).collect();
        wanted(&content.join("\n"), format);
    }
    let got = eventually(WAIT, "feishu", || async { two_pledges(&feishu) }).await;
    for post in &got {
        assert_eq!(keys(&post.body), ["content", "msg_type", "sign", "timestamp"], "{}", post.body);
        assert_eq!(
            (post.body["msg_type"].as_str(), keys(&post.body["content"])),
            (Some("text"), vec!["text"])
        );
        assert!(post.body["timestamp"].is_string() && post.signed, "Feishu's signature holds");
    }
    wanted(
        &got.iter().map(|p| p.body["content"]["text"].as_str().unwrap()).collect::<Vec<_>>().join("\n"),
        "feishu",
    );
    assert!(got[0].target.starts_with("/robot/send?access_token=t0ken"), "the robot's own address");
    assert!(
        dingtalk.posts()[0].target.contains("&timestamp=") && dingtalk.posts()[0].target.contains("&sign=")
    );
    let got = eventually(WAIT, "slack", || async { two_pledges(&slack) }).await;
    assert!(got.iter().all(|p| keys(&p.body) == ["text"]), "{:?}", got[0].body);
    wanted(&got.iter().map(|p| p.body["text"].as_str().unwrap()).collect::<Vec<_>>().join("\n"), "slack");
    let got = eventually(WAIT, "discord", || async { two_pledges(&discord) }).await;
    for post in &got {
        assert_eq!(keys(&post.body), ["allowed_mentions", "content", "flags"]);
        assert_eq!(post.body["allowed_mentions"], json!({ "parse": [] }), "mentions nobody");
        assert_eq!(post.body["flags"], 4, "no link previews");
        assert!(post.body["content"].as_str().unwrap().chars().count() <= 2000);
    }
    wanted(
        &got.iter().map(|p| p.body["content"].as_str().unwrap()).collect::<Vec<_>>().join("\n"),
        "discord",
    );

    // Only what is worth announcing reaches a robot: a cancellation is never queued for one.
    let token = mei.receipt_url.rsplit('/').next().unwrap();
    let cancelled = app.client.delete(app.url(&format!("/api/v1/receipts/{token}"))).send().await.unwrap();
    assert_eq!(cancelled.status(), 204);
    let json = tests::Receiver::start().await;
    assert_eq!(crate::webhooks::add_endpoint(&app, &json.url).await.status(), 201);
    assert_eq!(app.post_pledge("demo", pledge("Wu", true)).await.status(), 201);
    crate::webhooks::received(&json, 1).await;
    eventually(WAIT, "every robot told of Wu and nothing else pending", || async {
        let list = app.creator_json("/api/v1/webhooks").await;
        let endpoints = list["endpoints"].as_array().unwrap().clone();
        let robots_told = [&wecom, &feishu, &dingtalk, &slack, &discord]
            .iter()
            .all(|robot| robot.posts().iter().any(|p| p.body.to_string().contains("Wu")));
        (robots_told && endpoints.iter().all(|e| e["pending"] == 0)).then_some(())
    })
    .await;
    for robot in [&wecom, &feishu, &dingtalk, &slack, &discord] {
        let all: String = robot.posts().iter().map(|p| p.body.to_string()).collect();
        assert!(!all.contains("cancel") && !all.contains("取消"), "{all}");
    }
}

store_test!(a_busy_group_gets_merged_messages_at_most_every_three_seconds_with_hostile_names_inert);
async fn a_busy_group_gets_merged_messages_at_most_every_three_seconds_with_hostile_names_inert(
    app: TestApp,
) {
    let slack = Robot::start(Platform::Slack, None, None).await;
    let discord = Robot::start(Platform::Discord, None, None).await;
    assert_eq!(add_robot(&app, &slack.url, "slack", None).await.status(), 201);
    assert_eq!(add_robot(&app, &discord.url, "discord", None).await.status(), 201);
    let hostile = "<!channel> @everyone **Mei** <at user_id=\"all\">";
    assert_eq!(app.post_pledge("demo", pledge(hostile, true)).await.status(), 201);
    let burst = crate::api::futures_join(30, || app.post_pledge("demo", pledge("Fan", true))).await;
    assert!(burst.iter().all(|r| r.status() == 201));

    let count = |posts: &[Post], field: &str| -> usize {
        posts
            .iter()
            .map(|p| {
                let text = p.body[field].as_str().unwrap();
                let named = text.matches("pledged ¥299").count();
                let more =
                    text.split("and ").nth(1).and_then(|m| m.split(' ').next()?.parse().ok()).unwrap_or(0);
                named + more
            })
            .sum()
    };
    for (robot, field) in [(&slack, "text"), (&discord, "content")] {
        let got = eventually(WAIT, "all 31 pledges told", || async {
            let got = robot.posts();
            (count(&got, field) >= 31).then_some(got)
        })
        .await;
        assert_eq!(count(&got, field), 31, "each pledge told once");
        assert!(got.len() <= 4, "31 pledges merged into {} messages", got.len());
        for pair in got.windows(2) {
            let gap = pair[1].at - pair[0].at;
            assert!(gap >= Duration::from_millis(2_900), "messages {gap:?} apart: at most 20 a minute");
        }
        let first = got[0].body[field].as_str().unwrap();
        assert!(!first.contains("<!channel>") && !first.contains("\n🎯"), "{first}");
        let inert = if field == "text" {
            "&lt;!channel&gt; @\u{200B}everyone **Mei**"
        } else {
            "\\<!channel\\> @\u{200B}everyone \\*\\*Mei\\*\\*"
        };
        assert!(first.contains(inert), "{first}");
    }
}

store_test!(a_refusal_in_a_200_answer_fails_the_delivery_in_the_platforms_words);
async fn a_refusal_in_a_200_answer_fails_the_delivery_in_the_platforms_words(app: TestApp) {
    // A DingTalk robot set to check signatures, given none: it refuses as DingTalk does.
    let refusing = Robot::start(Platform::Dingtalk, Some("SECwanted"), None).await;
    assert_eq!(add_robot(&app, &refusing.url, "dingtalk", None).await.status(), 201);
    assert_eq!(app.post_pledge("demo", pledge("Mei", true)).await.status(), 201);
    posts(&refusing, 1).await;
    let endpoint = eventually(WAIT, "the failure recorded", || async {
        let list = app.creator_json("/api/v1/webhooks").await;
        let endpoint = list["endpoints"][0].clone();
        (endpoint["failures"] == 1).then_some(endpoint)
    })
    .await;
    assert_eq!(endpoint["last_error"], "the robot refused the message: 310000 sign not match");
    assert_eq!(endpoint["pending"], 1, "kept to try again");
}

store_test!(robot_endpoints_refuse_unknown_formats_and_secrets_where_the_platform_signs_none);
async fn robot_endpoints_refuse_unknown_formats_and_secrets_where_the_platform_signs_none(app: TestApp) {
    let robot = Robot::start(Platform::Slack, None, None).await;
    for (body, field) in [
        (json!({ "url": robot.url, "format": "msteams" }), "format"),
        (json!({ "url": robot.url, "format": "slack", "signing_secret": "x" }), "signing_secret"),
        (
            json!({ "url": robot.url, "format": "feishu", "signing_secret": "s".repeat(201) }),
            "signing_secret",
        ),
        (json!({ "url": robot.url, "format": "dingtalk", "signing_secret": "a\u{0}b" }), "signing_secret"),
        (json!({ "url": robot.url, "signing_secret": "x" }), "signing_secret"),
    ] {
        let response =
            app.creator(Method::POST, "/api/v1/webhooks", &app.demo_key).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 422, "{body}");
        let problem: Value = response.json().await.unwrap();
        assert!(problem["errors"].get(field).is_some(), "{body} names {field}: {problem}");
    }
    let wrong_type = json!({ "url": robot.url, "format": 7 });
    let response =
        app.creator(Method::POST, "/api/v1/webhooks", &app.demo_key).json(&wrong_type).send().await;
    assert_eq!(response.unwrap().status(), 400, "a format that is not text is malformed");
}

store_test!(a_goal_a_stretch_goal_the_last_day_and_new_top_recruiters_are_each_told_once);
async fn a_goal_a_stretch_goal_the_last_day_and_new_top_recruiters_are_each_told_once(app: TestApp) {
    let json_receiver = tests::Receiver::start().await;
    let feishu = Robot::start(Platform::Feishu, None, None).await;
    assert_eq!(crate::webhooks::add_endpoint(&app, &json_receiver.url).await.status(), 201);
    assert_eq!(add_robot(&app, &feishu.url, "feishu", None).await.status(), 201);
    // A campaign with a goal of $20 and a stretch goal of $30, ending within the day.
    let mut campaign = crate::support::limited_campaign("tiny", 10);
    campaign.goal = 2_000;
    campaign.stretch_goals = vec![domain::wire::StretchGoal { amount: 3_000, label: "Gold foil".into() }];
    app.create_campaign(campaign).await;
    let first = app
        .post_pledge("tiny", with(crate::support::limited_pledge(1), "public", json!(true)).to_string())
        .await;
    let first: domain::wire::PledgeCreated = first.json().await.unwrap();
    for n in 2..=3 {
        let body = with(crate::support::limited_pledge(n), "ref", json!(first.referral_code));
        assert_eq!(app.post_pledge("tiny", body.to_string()).await.status(), 201);
    }
    let (store, hub) = (&app.state.store, &app.state.hub);
    // Two replicas' rounds at once, and a later one: each moment is queued once.
    let (a, b) = tokio::join!(
        api::webhooks::moments::round(store, hub, api::now()),
        api::webhooks::moments::round(store, hub, api::now())
    );
    a.unwrap();
    b.unwrap();
    api::webhooks::moments::round(store, hub, api::now()).await.unwrap();

    let moments =
        ["campaign.goal_reached", "campaign.stretch_reached", "campaign.last_day", "leaders.changed"];
    let got = eventually(WAIT, "the moments delivered", || async {
        let got = json_receiver.deliveries();
        moments.iter().all(|m| got.iter().any(|d| d.event["type"] == *m)).then_some(got)
    })
    .await;
    for moment in moments {
        let told: Vec<&Value> = got.iter().filter(|d| d.event["type"] == moment).map(|d| &d.event).collect();
        assert_eq!(told.len(), 1, "{moment} told once: {told:?}");
        assert_eq!(told[0]["data"]["campaign"], "tiny");
    }
    let stretch = got.iter().find(|d| d.event["type"] == "campaign.stretch_reached").unwrap();
    assert_eq!(stretch.event["data"]["stretch"], json!({ "amount": 3_000, "label": "Gold foil" }));
    let leaders = got.iter().find(|d| d.event["type"] == "leaders.changed").unwrap();
    assert_eq!(
        leaders.event["data"]["leaders"],
        json!([{ "name": "Backer 1", "recruits": 2, "amount": 2_000 }])
    );

    let text = eventually(WAIT, "the group told", || async {
        let text: String =
            feishu.posts().iter().map(|p| p.body["content"]["text"].as_str().unwrap().to_owned()).collect();
        (text.contains("Goal reached") && text.contains("Top recruiters")).then_some(text)
    })
    .await;
    for line in [
        "Goal reached! $30 raised",
        "Stretch goal $30 unlocked: Gold foil",
        "The last 24 hours! $30 of $20 raised",
        "1. Backer 1 (2)",
    ] {
        assert!(text.contains(line), "{line} in {text}");
    }
    assert!(feishu.posts().iter().all(|p| p.body.get("sign").is_none()), "no secret, no signature");
}

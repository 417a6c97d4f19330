//! The creator's side of mail, through a real SMTP server (aiosmtpd): a site's people are
//! set through the API, checked field by field; they hear of each pledge or a digest, of
//! the goal, stretch goals and ending once however many rounds run; backers are reminded
//! before an unpaid pledge lapses, once.

use crate::support::limited_campaign;
use domain::wire::{CampaignInput, StretchGoal};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;
use tests::{Options, SmtpSink, TestApp, mail_settings, spawn_app, spawn_app_with};

const WAIT: Duration = Duration::from_secs(60);
const MAKER: &str = "maker@blog.example";

async fn app_mailing_to(url: &str) -> TestApp {
    spawn_app_with(Options { mail: Some(mail_settings(url)), ..Options::default() }).await
}

async fn put_site(app: &TestApp, key: &str, body: Value) -> reqwest::Response {
    app.creator(Method::PUT, "/api/v1/site", key).json(&body).send().await.unwrap()
}

fn pledge(contact: &str) -> String {
    json!({
        "tier": "limited", "amount": 1_000, "options": { "size": "S" },
        "name": "Mei <b>", "contact": contact, "lang": "en"
    })
    .to_string()
}

async fn pledged(app: &TestApp, campaign: &str, contact: &str) -> domain::wire::PledgeCreated {
    let response = app.post_pledge(campaign, pledge(contact)).await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

/// Runs the creators' round at `now` twice at once, as two replicas would.
async fn two_rounds(app: &TestApp, now: domain::Timestamp) {
    let (store, hub) = (&app.state.store, &app.state.hub);
    let (a, b) = tokio::join!(
        api::mail::creators::round(store, hub, now),
        api::mail::creators::round(store, hub, now)
    );
    a.unwrap();
    b.unwrap();
}

async fn outbox_empty(app: &TestApp) {
    tests::eventually(WAIT, "the outbox is empty", || async {
        (app.json("/readyz").await["mail"]["waiting"] == 0).then_some(())
    })
    .await;
}

fn subjects_to(mails: &[Value], address: &str) -> Vec<String> {
    let mut subjects: Vec<String> = mails
        .iter()
        .filter(|m| m["rcpt_to"] == json!([address]))
        .map(|m| m["headers"]["Subject"].as_str().unwrap_or_default().to_owned())
        .collect();
    subjects.sort();
    subjects
}

#[tokio::test]
async fn a_sites_people_are_set_through_the_api_each_part_checked_and_the_rest_kept() {
    let app = spawn_app().await;
    let site = app.creator_json("/api/v1/site").await;
    assert_eq!(site["id"], "demo");
    assert_eq!((site["emails"].clone(), site["notify"].clone()), (json!([]), json!("each")), "{site}");

    for (body, field) in [
        (json!({ "emails": [MAKER, "+86 138 0013 8000"] }), "emails"),
        (json!({ "emails": ["a@b.cn", "b@b.cn", "c@b.cn", "d@b.cn", "e@b.cn", "f@b.cn"] }), "emails"),
        (json!({ "notify": "weekly" }), "notify"),
        (json!({ "lang": "fr" }), "lang"),
        (json!({ "origins": ["https://x.example; script-src *"] }), "origins"),
        (json!({ "name": "" }), "name"),
    ] {
        let response = put_site(&app, &app.demo_key, body.clone()).await;
        assert_eq!(response.status(), 422, "{body}");
        let problem: Value = response.json().await.unwrap();
        assert!(problem["errors"].get(field).is_some(), "{body} names {field}: {problem}");
    }
    assert_eq!(put_site(&app, &app.demo_key, json!({ "notify": 3 })).await.status(), 400);
    assert_eq!(put_site(&app, &app.demo_key, json!({ "owner": "me" })).await.status(), 400, "unknown fields");
    let huge = json!({ "name": "x".repeat(300 * 1024) });
    assert_eq!(put_site(&app, &app.demo_key, huge).await.status(), 413);
    let anonymous = app.client.put(app.url("/api/v1/site")).json(&json!({ "notify": "off" })).send().await;
    assert_eq!(anonymous.unwrap().status(), 401);
    assert_eq!(app.creator_json("/api/v1/site").await, site, "nothing refused changed anything");

    let body = json!({ "emails": [MAKER, " MAKER@blog.example", "team@blog.example"], "notify": "hourly", "lang": "zh-CN" });
    let response = put_site(&app, &app.demo_key, body).await;
    assert_eq!(response.status(), 200);
    let changed: Value = response.json().await.unwrap();
    assert_eq!(changed["emails"], json!([MAKER, "team@blog.example"]), "repeats are dropped");
    assert_eq!((changed["notify"].clone(), changed["lang"].clone()), (json!("hourly"), json!("zh-CN")));
    assert_eq!(
        (changed["name"].clone(), changed["origins"].clone()),
        (site["name"].clone(), site["origins"].clone())
    );
    assert_eq!(app.creator_json("/api/v1/site").await, changed);

    let other = app.create_site("other", &["*"]).await;
    let theirs: Value =
        app.creator(Method::GET, "/api/v1/site", &other).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        (theirs["id"].clone(), theirs["emails"].clone()),
        (json!("other"), json!([])),
        "each key sees its own site"
    );
}

#[tokio::test]
async fn a_creator_hears_of_each_pledge_and_once_of_the_goal_and_each_stretch_goal() {
    let Some(sink) = SmtpSink::start().await else { return };
    let app = app_mailing_to(&sink.url()).await;
    app.create_campaign(CampaignInput {
        survey: None,
        title: "Walnut <lamp>".into(),
        goal: 1_000,
        stretch_goals: vec![StretchGoal { amount: 2_000, label: "Brass <b>switch</b>".into() }],
        ..limited_campaign("told", 100)
    })
    .await;
    assert_eq!(put_site(&app, &app.demo_key, json!({ "emails": [MAKER] })).await.status(), 200);

    pledged(&app, "told", "fan@example.com").await;
    two_rounds(&app, api::now()).await;
    two_rounds(&app, api::now()).await;
    pledged(&app, "told", "+86 138 0013 8000").await;
    two_rounds(&app, api::now()).await;
    outbox_empty(&app).await;

    let mails = sink.wait_for(5, WAIT).await;
    let mut expected = vec![
        "New pledge to Walnut <lamp>: $10 from Mei <b>".to_owned(),
        "New pledge to Walnut <lamp>: $10 from Mei <b>".to_owned(),
        "Walnut <lamp> reached a stretch goal: Brass <b>switch</b>".to_owned(),
        "Walnut <lamp> reached its goal of $10".to_owned(),
    ];
    expected.sort();
    assert_eq!(subjects_to(&mails, MAKER), expected, "{mails:#?}");
    assert_eq!(sink.messages().len(), 5, "and the fan's receipt; nothing twice");
    let stretch =
        mails.iter().find(|m| m["headers"]["Subject"].as_str().unwrap().contains("stretch")).unwrap();
    let html = stretch["html"].as_str().unwrap();
    assert!(html.contains("Walnut &lt;lamp&gt;") && html.contains("Brass &lt;b&gt;switch"), "{html}");
    assert!(stretch["headers"]["From"].as_str().unwrap().starts_with("Tribe fund <"), "{stretch}");
    let receipt = mails.iter().find(|m| m["rcpt_to"] == json!(["fan@example.com"])).unwrap();
    assert_eq!(receipt["headers"]["Reply-To"], MAKER, "a backer's reply reaches the creator");
    let pledge_mail = mails.iter().find(|m| m["rcpt_to"] == json!([MAKER])).unwrap();
    assert!(!pledge_mail["text"].as_str().unwrap().contains("fan@example.com"), "no backer's address in it");
}

#[tokio::test]
async fn an_hourly_digest_tells_of_the_hours_pledges_in_one_mail_per_address_and_nothing_twice() {
    let Some(sink) = SmtpSink::start().await else { return };
    let app = app_mailing_to(&sink.url()).await;
    app.create_campaign(limited_campaign("digested", 100)).await;
    let people = json!({ "emails": [MAKER, "team@blog.example"], "notify": "hourly" });
    assert_eq!(put_site(&app, &app.demo_key, people).await.status(), 200);
    for contact in ["+86 138 0013 8001", "+86 138 0013 8002", "wechat: mei_88"] {
        pledged(&app, "digested", contact).await;
    }
    two_rounds(&app, api::now()).await;
    outbox_empty(&app).await;
    assert!(sink.messages().is_empty(), "nothing before the hour is up: {:#?}", sink.messages());

    let in_an_hour = api::now().plus_seconds(3600 + 120);
    two_rounds(&app, in_an_hour).await;
    two_rounds(&app, in_an_hour).await;
    let mails = sink.wait_for(2, WAIT).await;
    outbox_empty(&app).await;
    assert_eq!(sink.messages().len(), 2, "one digest to each address");
    for address in [MAKER, "team@blog.example"] {
        assert_eq!(subjects_to(&mails, address), ["3 new pledges on Demo blog"]);
    }
    let text = mails[0]["text"].as_str().unwrap();
    assert_eq!(text.matches("Limited run: Mei <b>, $10").count(), 3, "{text}");
}

#[tokio::test]
async fn a_creator_hears_once_that_a_campaign_ended_with_its_summary_and_backers_csv() {
    let Some(sink) = SmtpSink::start().await else { return };
    let app = app_mailing_to(&sink.url()).await;
    app.create_campaign(CampaignInput { goal: 1_000, ..crate::support::campaign_between("ending", -60, 3) })
        .await;
    assert_eq!(
        put_site(&app, &app.demo_key, json!({ "emails": [MAKER], "notify": "off" })).await.status(),
        200
    );
    pledged(&app, "ending", "wechat: mei_88").await;
    tests::eventually(WAIT, "the campaign is settled", || async {
        let ended = app.state.store.endings("demo", domain::Timestamp::from_unix(0)).await.unwrap();
        ended.iter().any(|e| e.campaign == "ending" && e.outcome.is_some()).then_some(())
    })
    .await;
    two_rounds(&app, api::now()).await;
    two_rounds(&app, api::now()).await;
    outbox_empty(&app).await;
    let mails = sink.messages();
    let subjects = subjects_to(&mails, MAKER);
    assert!(
        !subjects.iter().any(|s| s.starts_with("New pledge")),
        "notify off: no pledge mail: {subjects:?}"
    );
    let ended: Vec<&Value> =
        mails.iter().filter(|m| m["headers"]["Subject"] == "Limited run ended: funded").collect();
    assert_eq!(ended.len(), 1, "the ending, once: {subjects:?}");
    let text = ended[0]["text"].as_str().unwrap();
    assert!(text.contains("/dashboard/campaigns/ending/backers.csv"), "{text}");
    assert!(text.contains("$10 of $10 from 1 backer."), "{text}");
}

#[tokio::test]
async fn an_unpaid_manual_pledge_is_reminded_once_a_day_before_it_lapses() {
    let Some(sink) = SmtpSink::start().await else { return };
    let app = app_mailing_to(&sink.url()).await;
    app.create_campaign(crate::payments::manual("lapsing", 10)).await;
    let created = pledged(&app, "lapsing", "late@example.com").await;
    pledged(&app, "lapsing", "+86 138 0013 8000").await;
    sink.wait_for(1, WAIT).await;

    let store = &app.state.store;
    api::mail::reminders::round(store, api::now()).await.unwrap();
    outbox_empty(&app).await;
    assert_eq!(sink.messages().len(), 1, "48 hours left: no reminder yet");
    let a_day_before = api::now().plus_seconds(25 * 3600);
    let (a, b) = tokio::join!(
        api::mail::reminders::round(store, a_day_before),
        api::mail::reminders::round(store, a_day_before)
    );
    a.unwrap();
    b.unwrap();
    api::mail::reminders::round(store, a_day_before.plus_seconds(3600)).await.unwrap();
    let mails = sink.wait_for(2, WAIT).await;
    outbox_empty(&app).await;
    assert_eq!(sink.messages().len(), 2, "one reminder, to the address only");
    let reminder = &mails[1];
    assert_eq!(reminder["headers"]["Subject"], "Reminder: your pledge to Limited run lapses tomorrow");
    assert_eq!(reminder["headers"]["Auto-Submitted"], "auto-generated");
    let text = reminder["text"].as_str().unwrap();
    let reference = created.payment.as_ref().and_then(|p| p.reference.clone()).unwrap();
    assert!(text.contains(&reference), "{text}");
    let link = text.split_whitespace().find(|w| w.contains("/r/")).expect("a receipt link");
    let receipt = app.json(&format!("/api/v1/receipts/{}", link.rsplit('/').next().unwrap())).await;
    assert_eq!(receipt["payment"]["status"], "pending", "{receipt}");
}

#[tokio::test]
async fn a_sign_in_link_is_mailed_to_a_sites_address_and_the_answer_is_the_same_for_any_address() {
    let Some(sink) = SmtpSink::start().await else { return };
    let app = app_mailing_to(&sink.url()).await;
    assert_eq!(put_site(&app, &app.demo_key, json!({ "emails": [MAKER] })).await.status(), 200);
    let form = app.text("/dashboard/sign-in").await;
    assert!(form.contains("action=\"/dashboard/sign-in/mail\""), "{form}");
    let ask = |email: &'static str| {
        let app = &app;
        async move {
            let response =
                app.post_form("/dashboard/sign-in/mail", &[("email", email), ("lang", "en")]).await;
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let known = ask("Maker@blog.example").await;
    let unknown = ask("nobody@blog.example").await;
    assert_eq!(known.0, 200);
    assert_eq!(known, unknown, "the same answer for a site's address and any other");
    assert!(known.1.contains("a sign-in link is on its way"), "{}", known.1);
    assert_eq!(ask("not an address").await.0, 422);
    let forged = app.client.post(app.url("/dashboard/sign-in/mail")).header("origin", "https://evil.example");
    assert_eq!(
        forged.form(&[("email", MAKER)]).send().await.unwrap().status(),
        403,
        "only from our own pages"
    );

    let mails = sink.wait_for(1, WAIT).await;
    assert_eq!(mails[0]["rcpt_to"], json!([MAKER]), "to the address as the site gave it");
    let text = mails[0]["text"].as_str().unwrap();
    let link = text.split_whitespace().find(|w| w.contains("/dashboard/sign-in?token=")).expect("a link");
    let signed_in = crate::dashboard::follow_link(&app, link).await;
    assert_eq!(signed_in.status(), 303, "the mailed link signs in once");
    assert_eq!(crate::dashboard::follow_link(&app, link).await.status(), 410, "and only once");

    ask("maker@blog.example").await;
    outbox_empty(&app).await;
    assert_eq!(sink.messages().len(), 1, "asking again within ten minutes mails nothing more");
}

#[tokio::test]
async fn an_update_with_an_audience_is_mailed_only_to_the_backers_of_its_values_and_a_bad_one_is_named() {
    let Some(sink) = SmtpSink::start().await else { return };
    let app = app_mailing_to(&sink.url()).await;
    app.create_campaign(limited_campaign("audience", 100)).await;
    for (contact, size) in [("small@example.com", "S"), ("large@example.com", "L"), ("both@example.com", "L")]
    {
        let body = json!({
            "tier": "limited", "amount": 1_000, "options": { "size": size }, "name": "Mei", "contact": contact
        });
        assert_eq!(app.post_pledge("audience", body.to_string()).await.status(), 201);
    }
    sink.wait_for(3, WAIT).await;
    let post = |body: Value| {
        app.creator(Method::POST, "/api/v1/campaigns/audience/updates", &app.demo_key).json(&body).send()
    };
    for (audience, field) in [
        (json!({ "tiers": ["nope"] }), "audience.tiers[0]"),
        (json!({ "values": [{ "option": "size", "value": "XL" }] }), "audience.values[0]"),
        (json!({ "values": [{ "option": "colour", "value": "red" }] }), "audience.values[0]"),
    ] {
        let response =
            post(json!({ "title": "Large", "body": "Only L", "audience": audience })).await.unwrap();
        assert_eq!(response.status(), 422, "{audience}");
        let problem: Value = response.json().await.unwrap();
        assert!(problem["errors"].get(field).is_some(), "{field}: {problem}");
    }
    let unknown =
        post(json!({ "title": "L", "body": "L", "audience": { "everyone": false } })).await.unwrap();
    assert_eq!(unknown.status(), 400);

    let body = json!({ "title": "Large <first>", "body": "Only L", "audience": { "values": [{ "option": "size", "value": "L" }] } });
    assert_eq!(post(body).await.unwrap().status(), 201);
    let mails = sink.wait_for(5, WAIT).await;
    outbox_empty(&app).await;
    assert_eq!(sink.messages().len(), 5, "three receipts and the update to the two who chose L");
    let updated: Vec<&Value> =
        mails.iter().filter(|m| m["headers"]["List-Unsubscribe"].is_string()).collect();
    let mut to: Vec<&Value> = updated.iter().map(|m| &m["rcpt_to"][0]).collect();
    to.sort_by_key(|v| v.to_string());
    assert_eq!(to, [&json!("both@example.com"), &json!("large@example.com")]);
    let public = app.json("/api/v1/campaigns/audience/updates").await;
    assert_eq!(public["updates"][0]["title"], "Large <first>", "published for everyone to read: {public}");
}

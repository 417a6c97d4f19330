//! Mail on the dashboard: the update composer previews the mail in both languages and mails
//! only the audience its boxes name; the campaign page counts its mails; a backer's page
//! lists what they were sent.

use crate::dashboard::{csrf, get, sign_in};
use crate::support::limited_campaign;
use reqwest::header::COOKIE;
use serde_json::json;
use std::time::Duration;
use tests::{Options, SmtpSink, mail_settings, spawn_app_with};

const WAIT: Duration = Duration::from_secs(60);

#[tokio::test]
async fn the_composer_previews_the_mail_in_both_languages_and_mails_only_the_ticked_audience() {
    let Some(sink) = SmtpSink::start().await else { return };
    let app = spawn_app_with(Options { mail: Some(mail_settings(&sink.url())), ..Options::default() }).await;
    app.create_campaign(limited_campaign("composed", 100)).await;
    let mut pledges = Vec::new();
    for (contact, size) in [("small@example.com", "S"), ("large@example.com", "L")] {
        let body = json!({ "tier": "limited", "amount": 1_000, "options": { "size": size }, "name": "Mei", "contact": contact });
        let response = app.post_pledge("composed", body.to_string()).await;
        assert_eq!(response.status(), 201);
        pledges.push(response.json::<domain::wire::PledgeCreated>().await.unwrap().id);
    }
    sink.wait_for(2, WAIT).await;

    let cookie = sign_in(&app, "demo").await;
    let page = get(&app, "/dashboard/campaigns/composed", &cookie).await.text().await.unwrap();
    assert!(
        page.contains("value=\"value:size=L\" type=\"checkbox\" name=\"audience\""),
        "a box per value: {page}"
    );
    assert!(page.contains("value=\"tier:limited\" type=\"checkbox\" name=\"audience\""), "and per tier");
    let token = csrf(&page);
    let post = |fields: Vec<(&'static str, String)>| {
        app.client
            .post(app.url("/dashboard/campaigns/composed/updates"))
            .header(COOKIE, &cookie)
            .form(&fields)
            .send()
    };
    let fields = |action: &str| {
        vec![
            ("csrf", token.clone()),
            ("action", action.to_owned()),
            ("title", "Large <first>".to_owned()),
            ("body", "The L batch ships first.".to_owned()),
            ("audience", "value:size=L".to_owned()),
        ]
    };
    let preview = post(fields("preview")).await.unwrap().text().await.unwrap();
    for lang in ["en", "zh-CN"] {
        assert!(preview.contains(&format!("data-testid=\"mail-preview-{lang}\"")), "{lang}: {preview}");
    }
    assert!(
        preview.contains("Large &lt;first&gt;") && preview.contains("The L batch ships first."),
        "{preview}"
    );
    assert!(preview.contains("value=\"value:size=L\" checked"), "the ticked box stays ticked");
    let unknown = vec![
        ("csrf", token.clone()),
        ("title", "T".into()),
        ("body", "B".into()),
        ("audience", "tier:nope".into()),
    ];
    let refused = post(unknown).await.unwrap();
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("audience.tiers[0]"), "the bad box is named");

    assert_eq!(post(fields("publish")).await.unwrap().status(), 303);
    let mails = sink.wait_for(3, WAIT).await;
    tests::eventually(WAIT, "the outbox is empty", || async {
        (app.json("/readyz").await["mail"]["waiting"] == 0).then_some(())
    })
    .await;
    assert_eq!(sink.messages().len(), 3, "two receipts and one update");
    assert_eq!(mails[2]["rcpt_to"], json!(["large@example.com"]), "only the L backer: {:#?}", mails[2]);

    let page = get(&app, "/dashboard/campaigns/composed", &cookie).await.text().await.unwrap();
    assert!(page.contains("Mails: 3 sent · 0 waiting · 0 undeliverable"), "{page}");
    let large = format!("/dashboard/campaigns/composed/backers/{}", pledges[1]);
    let backer = get(&app, &large, &cookie).await.text().await.unwrap();
    assert!(backer.contains("Pledge received · sent") && backer.contains("Update · sent"), "{backer}");
}

#[tokio::test]
async fn with_mail_on_open_sign_up_makes_a_site_only_once_its_owner_opens_the_mailed_link() {
    let Some(sink) = SmtpSink::start().await else { return };
    let options = Options { open_signup: true, mail: Some(mail_settings(&sink.url())), ..Options::default() };
    let app = spawn_app_with(options).await;
    let form = app.text("/dashboard/sign-up?lang=en").await;
    assert!(form.contains("name=\"email\""), "the owner's address is asked for: {form}");
    let asked = |email: &'static str| {
        let app = &app;
        async move {
            let fields = [
                ("id", "mei-blog"),
                ("name", "Mei <b>blog</b>"),
                ("origins", "https://mei.example"),
                ("email", email),
            ];
            app.post_form("/dashboard/sign-up", &fields).await
        }
    };
    let refused = asked("not an address").await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("not an address"), "the wrong field is named");
    let pending = asked("mei@blog.example").await;
    assert_eq!(pending.status(), 202);
    assert!(pending.text().await.unwrap().contains("Check your mail"));
    assert!(app.state.store.site("mei-blog").await.unwrap().is_none(), "no site before the link is opened");

    let mails = sink.wait_for(1, WAIT).await;
    assert_eq!(mails[0]["rcpt_to"], json!(["mei@blog.example"]));
    assert!(mails[0]["html"].as_str().unwrap().contains("Mei &lt;b&gt;blog"), "escaped");
    let text = mails[0]["text"].as_str().unwrap();
    let link = text.split_whitespace().find(|w| w.contains("/dashboard/sign-up?token=")).expect("a link");
    let page = app.client.get(link).send().await.unwrap();
    assert_eq!(page.status(), 200, "{link}");
    let page = page.text().await.unwrap();
    assert!(page.contains("data-testid=\"confirm-sign-up\""), "a GET makes nothing: {page}");
    assert!(app.state.store.site("mei-blog").await.unwrap().is_none());
    let token = crate::dashboard::field(&page, "token");
    let forged =
        app.client.post(app.url("/dashboard/sign-up/confirm")).header("origin", "https://evil.example");
    assert_eq!(forged.form(&[("token", token.as_str())]).send().await.unwrap().status(), 403);

    let made = app.post_form("/dashboard/sign-up/confirm", &[("token", token.as_str())]).await;
    assert_eq!(made.status(), 201);
    let cookie = crate::dashboard::session_cookie(&made);
    assert!(made.text().await.unwrap().contains("data-testid=\"key\""), "the key, shown once");
    assert_eq!(get(&app, "/dashboard", &cookie).await.status(), 200, "signed in");
    let site = app.state.store.site("mei-blog").await.unwrap().unwrap();
    assert_eq!(site.emails, ["mei@blog.example"], "its owner can be reached");
    let again = app.post_form("/dashboard/sign-up/confirm", &[("token", token.as_str())]).await;
    assert_eq!(again.status(), 410, "the link makes one site, once");
}

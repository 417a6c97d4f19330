//! `tribefund site …` against the database of a running server, on SQLite and PostgreSQL:
//! the server sees new sites, rotated keys and changed origins without a restart.

use api::cli::{Database, SiteCommand, site};
use reqwest::Method;
use serde_json::Value;
use std::time::Duration;
use tests::{TestApp, eventually, store_test};

fn db(app: &TestApp) -> Database {
    Database { database_url: app.db_url.clone(), public_url: "https://fund.example.com".into() }
}

async fn run(app: &TestApp, command: SiteCommand) -> anyhow::Result<Value> {
    Ok(serde_json::from_str(&site(command, db(app)).await?)?)
}

fn create(id: &str, origins: &[&str]) -> SiteCommand {
    SiteCommand::Create {
        id: id.into(),
        name: "Mei's blog".into(),
        origins: origins.iter().map(|o| o.to_string()).collect(),
        emails: vec!["mei@mei.example.com".into()],
        notify: Some("daily".into()),
        lang: None,
        json: true,
    }
}

store_test!(a_site_made_on_the_command_line_works_on_the_running_server_at_once);
async fn a_site_made_on_the_command_line_works_on_the_running_server_at_once(app: TestApp) {
    let created = run(&app, create("mei", &["https://mei.example.com"])).await.unwrap();
    let key = created["key"].as_str().unwrap().to_owned();
    assert_eq!(created["id"], "mei");
    assert!(
        created["sign_in_url"]
            .as_str()
            .unwrap()
            .starts_with("https://fund.example.com/dashboard/sign-in?token=")
    );
    let campaigns = app.creator(Method::GET, "/api/v1/campaigns", &key).send().await.unwrap();
    assert_eq!(campaigns.status(), 200, "the new key works without a restart");

    let listed = run(&app, SiteCommand::List { json: true }).await.unwrap();
    let mei = listed["sites"].as_array().unwrap().iter().find(|s| s["id"] == "mei").unwrap().clone();
    assert_eq!(
        mei,
        serde_json::json!({
            "id": "mei", "name": "Mei's blog", "origins": ["https://mei.example.com"],
            "emails": ["mei@mei.example.com"], "notify": "daily", "lang": "en"
        })
    );
    assert!(!listed.to_string().contains(&key[10..]), "keys are never listed");

    let rotated = run(&app, SiteCommand::RotateKey { id: "mei".into(), json: true }).await.unwrap();
    let new_key = rotated["key"].as_str().unwrap();
    assert_ne!(new_key, key);
    assert_eq!(
        app.creator(Method::GET, "/api/v1/campaigns", &key).send().await.unwrap().status(),
        401,
        "the old key stops at once"
    );
    assert_eq!(app.creator(Method::GET, "/api/v1/campaigns", new_key).send().await.unwrap().status(), 200);
}

store_test!(changed_origins_reach_the_running_servers_framing_policy);
async fn changed_origins_reach_the_running_servers_framing_policy(app: TestApp) {
    let csp = |app: &TestApp| {
        let url = app.url("/embed/demo");
        let client = app.client.clone();
        async move {
            let response = client.get(url).send().await.ok()?;
            Some(response.headers().get("content-security-policy")?.to_str().ok()?.to_owned())
        }
    };
    assert!(csp(&app).await.unwrap().ends_with("frame-ancestors 'self' *"));
    let update = SiteCommand::Update {
        id: "demo".into(),
        name: None,
        origins: vec!["https://blog.example.cn".into(), "http://127.0.0.1:4000".into()],
        emails: vec![],
        notify: None,
        lang: None,
        no_email: false,
        json: true,
    };
    let updated = run(&app, update).await.unwrap();
    assert_eq!(updated["origins"], serde_json::json!(["http://127.0.0.1:4000", "https://blog.example.cn"]));
    eventually(Duration::from_secs(10), "the server to frame only the new origins", || async {
        csp(&app)
            .await
            .filter(|p| p.ends_with("frame-ancestors 'self' http://127.0.0.1:4000 https://blog.example.cn"))
    })
    .await;
}

#[tokio::test]
async fn bad_site_commands_fail_with_a_clear_message_and_change_nothing() {
    let app = tests::spawn_app().await;
    let cases: Vec<(SiteCommand, &str)> = vec![
        (create("bad", &["https://x.cn; script-src *"]), "is not scheme://host[:port] or *"),
        (create("bad", &["blog.example.com"]), "is not scheme://host[:port] or *"),
        (create("bad", &[]), "at least one --origin"),
        (create("Bad Id", &["*"]), "lowercase letters"),
        (create("demo", &["*"]), "exists already"),
        (
            SiteCommand::Create {
                id: "bad".into(),
                name: "x".repeat(81),
                origins: vec!["*".into()],
                emails: vec![],
                notify: None,
                lang: None,
                json: true,
            },
            "name: must be at most 80",
        ),
        (SiteCommand::RotateKey { id: "nope".into(), json: true }, "no site with id"),
        (
            SiteCommand::Update {
                id: "demo".into(),
                name: None,
                origins: vec!["ftp://x".into()],
                emails: vec![],
                notify: None,
                lang: None,
                no_email: false,
                json: true,
            },
            "ftp://x",
        ),
        (
            SiteCommand::Update {
                id: "demo".into(),
                name: None,
                origins: vec![],
                emails: vec!["mei@example.com".into(), "wechat: mei_88".into()],
                notify: None,
                lang: None,
                no_email: false,
                json: true,
            },
            "\"wechat: mei_88\" is not an e-mail address",
        ),
        (
            SiteCommand::Update {
                id: "demo".into(),
                name: None,
                origins: vec![],
                emails: vec![],
                notify: Some("weekly".into()),
                lang: None,
                no_email: false,
                json: true,
            },
            "notify is each, hourly, daily or off",
        ),
        (SiteCommand::SignInLink { id: "nope".into(), json: true }, "no site with id"),
    ];
    for (command, message) in cases {
        let error = format!("{:#}", site(command, db(&app)).await.expect_err(message));
        assert!(error.contains(message), "{message}: {error}");
    }
    let listed = run(&app, SiteCommand::List { json: true }).await.unwrap();
    assert_eq!(listed["sites"].as_array().unwrap().len(), 1, "nothing was created: {listed}");
    assert_eq!(listed["sites"][0]["emails"], serde_json::json!([]), "nothing was changed: {listed}");
    let demo = app.text("/embed/demo").await;
    assert!(!demo.is_empty());
}

//! localstripe (PyPI), a stateful stand-in for Stripe's API and Stripe.js, started fresh
//! (`--from-scratch`) for each test on a port of its own. `cargo xtask test` installs it
//! under `target/localstripe`; without it the card tests are skipped, visibly, and with
//! `CI=true` they fail.

use crate::workspace_root;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// Keys localstripe takes (any `sk_`/`pk_` key will do).
pub(crate) const SECRET_KEY: &str = "sk_test_tribefund";
pub const PUBLISHABLE_KEY: &str = "pk_test_tribefund";
/// The secret localstripe signs its events to tribefund with.
pub const WEBHOOK_SECRET: &str = "whsec_tribefund_test";

/// Card numbers localstripe knows: saved and charged; declined when saved; saved, then
/// declined when charged.
pub const CARD_OK: &str = "4242424242424242";
pub const CARD_DECLINED: &str = "4000000000000002";
pub const CARD_DECLINED_AT_CHARGE: &str = "4000000000000341";

/// A running localstripe, stopped when dropped.
pub struct Localstripe {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    client: reqwest::Client,
}

impl Drop for Localstripe {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

impl Localstripe {
    /// Starts one, or `None` (printing SKIPPED) when it is not installed; panics then when
    /// `CI=true`.
    pub async fn start() -> Option<Localstripe> {
        let program = std::env::var_os("TRIBEFUND_LOCALSTRIPE")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| workspace_root().join("target/localstripe/bin/localstripe"));
        if !program.is_file() {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("localstripe is required when CI=true, but {} is missing", program.display());
            }
            eprintln!(
                "SKIPPED: localstripe is not installed at {} (cargo xtask test installs it)",
                program.display()
            );
            return None;
        }
        // A port of its own: taken from the kernel, let go, and given to localstripe.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(&program)
            .args(["--port", &port.to_string(), "--from-scratch"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("starting localstripe");
        let stripe =
            Localstripe { child, base: format!("http://127.0.0.1:{port}"), client: reqwest::Client::new() };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let answer = stripe.client.get(stripe.url("/v1/customers")).bearer_auth(SECRET_KEY).send().await;
            if answer.is_ok_and(|r| r.status().is_success()) {
                return Some(stripe);
            }
            assert!(Instant::now() < deadline, "localstripe did not answer on port {port} within 30 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The settings that point tribefund at this localstripe.
    pub fn settings(&self) -> api::payments::stripe::Settings {
        api::payments::stripe::Settings {
            secret_key: SECRET_KEY.into(),
            publishable_key: PUBLISHABLE_KEY.into(),
            webhook_secret: WEBHOOK_SECRET.into(),
            api_base: self.base.clone(),
            js_url: self.url("/js.stripe.com/v3/"),
        }
    }

    /// Has localstripe send its events (`payment_intent.*`) to `url`, signed with
    /// [`WEBHOOK_SECRET`].
    pub async fn send_events_to(&self, url: &str) {
        let response = self
            .client
            .post(self.url("/_config/webhooks/tribefund"))
            .form(&[("url", url), ("secret", WEBHOOK_SECRET)])
            .send()
            .await
            .expect("configuring localstripe's webhook");
        assert!(response.status().is_success(), "localstripe took the webhook: {}", response.status());
    }

    /// Saves `card` on the SetupIntent behind `client_secret` as Stripe.js's
    /// `confirmCardSetup` does (with the publishable key only): the intent's answer.
    pub async fn confirm_setup(&self, client_secret: &str, card: &str) -> serde_json::Value {
        let intent = client_secret.split("_secret_").next().expect("a SetupIntent's client secret");
        let body = serde_json::json!({
            "key": PUBLISHABLE_KEY,
            "client_secret": client_secret,
            "payment_method_data": {
                "type": "card",
                "card": {"number": card, "exp_month": "12", "exp_year": "2034", "cvc": "123"},
            },
        });
        let response = self
            .client
            .post(self.url(&format!("/v1/setup_intents/{intent}/confirm")))
            .body(body.to_string())
            .send()
            .await
            .expect("confirming a SetupIntent");
        response.json().await.expect("localstripe's JSON")
    }

    /// A GET of Stripe's API with the secret key.
    pub async fn get(&self, path: &str) -> serde_json::Value {
        let response =
            self.client.get(self.url(path)).bearer_auth(SECRET_KEY).send().await.expect("GET localstripe");
        response.json().await.expect("localstripe's JSON")
    }

    /// The PaymentIntents made, as localstripe lists them.
    pub async fn payment_intents(&self) -> Vec<serde_json::Value> {
        let list = self.get("/v1/payment_intents?limit=100").await;
        list["data"].as_array().cloned().unwrap_or_default()
    }
}

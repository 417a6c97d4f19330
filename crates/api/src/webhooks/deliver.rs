//! Sends queued events to their endpoints: every replica runs this, claiming deliveries in
//! the database so each is sent by one at a time; a delivery is retried with backoff until
//! its receiver answers 2xx, and an endpoint whose deliveries keep failing is disabled.
//!
//! Requests go straight to the endpoint, never through a proxy named in the environment
//! (`HTTPS_PROXY`, `ALL_PROXY`, …): a proxy would resolve the endpoint's name itself and
//! [`PublicOnly`] would never see the address connected to.
//!
//! Each request carries `Tribefund-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
//! "<t>.<body>" keyed with the endpoint's secret>`, as Stripe's do.

use super::address::{self, PublicOnly};
use super::retry::{DISABLE_AFTER, TIMEOUT, backoff, describe};
use super::{Settings, robots};
use crate::hub::Hub;
use crate::store::Store;
use crate::store::webhooks::Due;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Arc;
use std::time::Duration;

/// How long a replica holds the deliveries it claimed: longer than a request may take.
const LEASE_SECS: i64 = 60;
/// Deliveries claimed, and sent at once, per round.
const PER_ROUND: i64 = 32;
/// How often a replica looks for deliveries that are due.
const POLL: Duration = Duration::from_secs(1);

/// Delivers on this replica: JSON deliveries and robots' messages, whose links lead under
/// `base`.
pub(crate) fn spawn(store: Store, hub: Arc<Hub>, base: String, settings: Settings) {
    let client = match client(&settings) {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %e, "cannot make the webhook client; events stay queued");
            return;
        }
    };
    // Two loops, so a backlog of either never holds up the other.
    let (json_store, json_client, json_settings) = (store.clone(), client.clone(), settings.clone());
    tokio::spawn(async move {
        let mut every = json_store.every(POLL);
        while every.next().await {
            if let Err(e) = round(&json_store, &json_client, &json_settings).await {
                tracing::warn!(error = %e, "delivering webhooks failed; trying again");
            }
        }
    });
    tokio::spawn(async move {
        let mut every = store.every(POLL);
        while every.next().await {
            let cx = robots::Context {
                store: &store,
                hub: &hub,
                base: &base,
                client: &client,
                settings: &settings,
            };
            if let Err(e) = robots::round(&cx, LEASE_SECS).await {
                tracing::warn!(error = %e, "posting to robots failed; trying again");
            }
        }
    });
}

/// The client deliveries are sent with: no redirects followed, no proxy from the
/// environment, and names resolved to public addresses only unless private ones are allowed.
fn client(settings: &Settings) -> reqwest::Result<reqwest::Client> {
    let mut client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent("tribefund-webhooks/1");
    if !settings.private_addresses {
        client = client.dns_resolver(Arc::new(PublicOnly));
    }
    client.build()
}

/// Sends what is due until nothing is.
async fn round(store: &Store, client: &reqwest::Client, settings: &Settings) -> anyhow::Result<()> {
    loop {
        let due = store.claim_deliveries(crate::now(), PER_ROUND, LEASE_SECS).await?;
        if due.is_empty() {
            return Ok(());
        }
        let sent = futures::future::join_all(due.iter().map(|d| send(client, d, settings))).await;
        let now = crate::now();
        for (due, result) in due.iter().zip(sent) {
            match result {
                Ok(()) => store.delivered(due, now).await?,
                Err(error) => {
                    let retry_at =
                        now.plus_seconds(backoff(settings.first_retry, due.attempts).as_secs() as i64);
                    tracing::info!(endpoint = %due.endpoint_id, attempts = due.attempts, %error, "a webhook delivery failed");
                    store.delivery_failed(due, &error, retry_at, DISABLE_AFTER, now).await?;
                }
            }
        }
    }
}

/// One delivery; the error as the creator will read it (never the secret or the body).
async fn send(client: &reqwest::Client, due: &Due, settings: &Settings) -> Result<(), String> {
    // An address typed as a number skips the resolver: check it here too.
    let url = address::check(&due.url, settings.private_addresses).map_err(|e| format!("the address {e}"))?;
    let timestamp = crate::now().unix();
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .header("tribefund-signature", signature(&due.secret, timestamp, &due.payload))
        .body(due.payload.clone())
        .send()
        .await
        .map_err(|e| describe(&e))?;
    let status = response.status();
    if status.is_success() { Ok(()) } else { Err(format!("the receiver answered HTTP {}", status.as_u16())) }
}

/// `t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("t={timestamp},v1={}", crate::ids::hex(&mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Set in the child process the proxy test starts, with a proxy in its environment
    /// (the parent's environment, shared by every test, is left alone).
    const PROXY_CHILD: &str = "TRIBEFUND_TEST_PROXY_CHILD";

    #[test]
    fn a_proxy_named_in_the_environment_is_never_used_so_names_are_still_resolved_here() {
        use std::io::Write;
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        if std::env::var_os(PROXY_CHILD).is_some() {
            // The child: a delivery to a name of this machine is refused by our resolver.
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let settings = Settings { private_addresses: false, first_retry: Duration::from_secs(1) };
            let _inside = runtime.enter();
            let client = client(&settings).unwrap();
            let sent = runtime.block_on(client.post("https://localhost/hook").body("{}").send());
            let error = sent.expect_err("nothing on this machine is a webhook receiver");
            let chain = format!("{error:?}");
            assert!(chain.contains("has no public address"), "refused by our resolver: {chain}");
            return;
        }
        // The parent: a proxy that answers every request with 502, counting them.
        let proxy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = proxy.local_addr().unwrap();
        let url = format!("http://{address}");
        let (asked, done) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(false)));
        let listening = std::thread::spawn({
            let (asked, done) = (asked.clone(), done.clone());
            move || {
                for stream in proxy.incoming() {
                    if done.load(Ordering::SeqCst) {
                        break;
                    }
                    asked.fetch_add(1, Ordering::SeqCst);
                    let _ = stream.and_then(|mut s| s.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n"));
                }
            }
        });
        let mut child = std::process::Command::new(std::env::current_exe().unwrap());
        child
            .args(["--exact", "webhooks::deliver::tests::a_proxy_named_in_the_environment_is_never_used_so_names_are_still_resolved_here"])
            .args(["--nocapture", "--test-threads=1"])
            .env(PROXY_CHILD, "1")
            .env_remove("NO_PROXY")
            .env_remove("no_proxy");
        for name in ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
            child.env(name, &url);
        }
        let output = child.output().unwrap();
        done.store(true, Ordering::SeqCst);
        // Wakes the listener, which sees it is done.
        let _ = std::net::TcpStream::connect(address);
        listening.join().unwrap();
        let (stdout, stderr) =
            (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert_eq!(asked.load(Ordering::SeqCst), 0, "the proxy from the environment was asked: {stderr}");
        assert!(output.status.success() && stdout.contains("1 passed"), "the child: {stdout}{stderr}");
    }

    #[test]
    fn the_signature_is_an_hmac_of_the_timestamp_and_body() {
        // Checked against `printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test`.
        assert_eq!(
            signature("whsec_test", 1_700_000_000, r#"{"a":1}"#),
            "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
        );
    }
}

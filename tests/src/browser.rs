//! A real headless Chromium, driven over WebDriver.

use crate::workspace_root;
use anyhow::{Context, bail};
use std::process::Stdio;
use std::time::Duration;
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A headless Chromium session through its own chromedriver on a free port.
pub struct Browser {
    pub client: fantoccini::Client,
    driver: Child,
    driver_port: u16,
    _profile: TempDir,
}

impl Browser {
    /// Starts Chromium. `extra_args` are added to its command line.
    pub async fn start(extra_args: &[&str]) -> anyhow::Result<Browser> {
        Browser::launch(extra_args, None).await
    }

    /// Starts Chromium as a phone (chromedriver's mobile emulation): `width` × `height` CSS
    /// pixels at 3x, touch, and `user_agent`.
    pub async fn start_phone(
        extra_args: &[&str],
        width: u32,
        height: u32,
        user_agent: &str,
    ) -> anyhow::Result<Browser> {
        let mobile = serde_json::json!({
            "deviceMetrics": { "width": width, "height": height, "pixelRatio": 3.0, "touch": true },
            "userAgent": user_agent,
        });
        Browser::launch(extra_args, Some(mobile)).await
    }

    async fn launch(extra_args: &[&str], mobile: Option<serde_json::Value>) -> anyhow::Result<Browser> {
        let pkg = workspace_root().join("www/pkg/widget_bg.wasm");
        if !pkg.exists() {
            bail!(
                "{} is missing: run the tests with `cargo xtask test`, which builds the widget",
                pkg.display()
            );
        }
        // chromedriver now and then exits before it listens (a port it could not take, on a
        // busy machine): a fresh one is started, three times at most.
        let mut attempt = 0;
        let (driver, port) = loop {
            attempt += 1;
            match start_driver().await {
                Ok(started) => break started,
                Err(e) if attempt < 3 => eprintln!("chromedriver did not start ({e:#}); starting another"),
                Err(e) => return Err(e),
            }
        };

        let profile = tempfile::tempdir()?;
        let mut args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
            "--window-size=420,1000",
        ]
        .map(String::from)
        .to_vec();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.extend(extra_args.iter().map(|a| a.to_string()));
        let mut caps = serde_json::Map::new();
        let mut options = serde_json::json!({ "binary": "/usr/bin/chromium", "args": args });
        if let Some(mobile) = mobile {
            options["mobileEmulation"] = mobile;
        }
        caps.insert("goog:chromeOptions".into(), options);
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = fantoccini::ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .context("opening a Chromium session")?;
        Ok(Browser { client, driver, driver_port: port, _profile: profile })
    }

    /// Sends a Chrome DevTools Protocol command through chromedriver.
    pub async fn cdp(&self, cmd: &str, params: serde_json::Value) -> anyhow::Result<serde_json::Value> {
        let session = self.client.session_id().await?.context("no WebDriver session")?;
        let url = format!("http://127.0.0.1:{}/session/{session}/goog/cdp/execute", self.driver_port);
        let response = reqwest::Client::new()
            .post(url)
            .json(&serde_json::json!({ "cmd": cmd, "params": params }))
            .send()
            .await?;
        Ok(response.error_for_status()?.json().await?)
    }

    /// Ends the session and the driver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill().await;
    }
}

/// Starts chromedriver on a port of its choosing: the process and the port.
async fn start_driver() -> anyhow::Result<(Child, u16)> {
    let mut driver = Command::new("chromedriver")
        .arg("--port=0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("starting chromedriver (install Debian's chromium-driver, or run `cargo xtask test`)")?;
    let stdout = driver.stdout.take().context("chromedriver's output")?;
    let mut lines = BufReader::new(stdout).lines();
    let port = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await? {
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                return Ok::<_, anyhow::Error>(rest.trim_end_matches('.').trim().parse::<u16>()?);
            }
        }
        bail!("chromedriver exited before it was ready")
    })
    .await
    .context("chromedriver did not start in time")??;
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok((driver, port))
}

//! `cargo xtask bench mail`: an update to 10,000 backers, sent into Postfix's `smtp-sink`,
//! against Postfix's own `smtp-source` sending as many messages of the same size to the same
//! sink in the same run (mails per second as a ratio); the server's memory while it sends;
//! and pledge latency while it sends against the same load without it. Postfix comes from
//! Debian's `postfix` package, which this installs when it is missing.

use crate::bench::{Server, rss_kib};
use crate::load;
use anyhow::{Context, bail};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BACKERS: usize = 10_000;
const PLEDGE: &str = r#"{"tier":"lamp","amount":29900,"options":{"colour":"walnut"},"name":"Bench","contact":"+86 138 0013 8000","public":false}"#;

pub(crate) async fn mail(root: &Path, data: &Path) -> anyhow::Result<()> {
    let (sink_bin, source_bin) = postfix()?;
    let port = free_port()?;
    let _sink = Sink::start(&sink_bin, port)?;
    let db = data.join("mail.db");
    let key = Server::start(root, &db, &[])?.key.clone().context("the mail bench seeds a fresh database")?;
    crate::bench_export::insert_pledges(&db, 0, BACKERS).await?;
    let smtp = format!("smtp://127.0.0.1:{port}");
    let server = Server::start(root, &db, &["--smtp-url", &smtp, "--mail-from", "Bench <bench@fund.test>"])?;
    println!("\nmail: an update to {BACKERS} backers into Postfix's smtp-sink (SQLite):");

    let quiet = load::run(
        &server.addr,
        load::post_json("/api/v1/campaigns/demo/pledges", PLEDGE),
        8,
        Duration::from_secs(3),
        201,
    )
    .await;
    let rss_before = rss_kib(server.child.id())?;
    let client = reqwest::Client::new();
    let posted = Instant::now();
    let update = serde_json::json!({ "title": "Samples are in", "body": "Walnut, black and red: all three look right. ".repeat(20) });
    client
        .post(format!("{}/api/v1/campaigns/demo/updates", server.base))
        .bearer_auth(&key)
        .json(&update)
        .send()
        .await?
        .error_for_status()?;
    let queued_in = posted.elapsed();
    let busy = load::run(
        &server.addr,
        load::post_json("/api/v1/campaigns/demo/pledges", PLEDGE),
        8,
        Duration::from_secs(3),
        201,
    )
    .await;
    let (sent_in, peak) = wait_sent(&client, &server, BACKERS).await?;
    let ours = BACKERS as f64 / sent_in.as_secs_f64();

    let size = 3_000;
    let started = Instant::now();
    let source = Command::new(&source_bin)
        .args(["-s", "1", "-m", &BACKERS.to_string(), "-l", &size.to_string(), "-f", "bench@fund.test"])
        .args(["-t", "fan@example.com", &format!("127.0.0.1:{port}")])
        .status()
        .context("running smtp-source")?;
    if !source.success() {
        bail!("smtp-source failed");
    }
    let theirs = BACKERS as f64 / started.elapsed().as_secs_f64();
    println!(
        "  the update was posted in {:.0} ms; its {BACKERS} mails are queued 500 backers at a time as they go out",
        queued_in.as_secs_f64() * 1e3
    );
    println!("  smtp-source, one session, {size} B each (baseline)   {theirs:>9.0} mails/s");
    println!(
        "  tribefund's outbox                                 {ours:>9.0} mails/s   ({:.2} of baseline; target: at least 0.5)",
        ours / theirs
    );
    println!(
        "  server memory while sending: {} KiB before, {} KiB at most (+{} KiB)",
        rss_before,
        peak,
        peak.saturating_sub(rss_before)
    );
    println!("  pledges, 8 clients, no mail going out (baseline)  {quiet}");
    println!("  pledges, 8 clients, while the update goes out      {busy}");
    Ok(())
}

/// How long until `count` more mails are sent, and the server's largest resident memory
/// meanwhile, read off `/readyz`.
async fn wait_sent(
    client: &reqwest::Client,
    server: &Server,
    count: usize,
) -> anyhow::Result<(Duration, u64)> {
    let started = Instant::now();
    let mut peak = 0;
    loop {
        peak = peak.max(rss_kib(server.child.id())?);
        let ready: serde_json::Value =
            client.get(format!("{}/readyz", server.base)).send().await?.json().await?;
        if ready["mail"]["sent"].as_u64().unwrap_or(0) >= count as u64 && ready["mail"]["waiting"] == 0 {
            return Ok((started.elapsed(), peak));
        }
        if started.elapsed() > Duration::from_secs(600) {
            bail!("the mails were not all sent within ten minutes: {}", ready["mail"]);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Postfix's test programs, installed from Debian's `postfix` when missing.
fn postfix() -> anyhow::Result<(String, String)> {
    let (sink, source) = ("/usr/sbin/smtp-sink", "/usr/sbin/smtp-source");
    if !Path::new(sink).exists() {
        println!("installing Debian's postfix for smtp-sink and smtp-source");
        let installed = Command::new("apt-get")
            .args(["install", "-y", "-q", "--no-install-recommends", "postfix"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .context("apt-get install postfix")?;
        if !installed.success() {
            bail!("installing postfix failed (as root: apt-get install postfix)");
        }
    }
    Ok((sink.to_owned(), source.to_owned()))
}

/// `smtp-sink`, taking and dropping every message, stopped on drop.
struct Sink(Child);

impl Sink {
    fn start(binary: &str, port: u16) -> anyhow::Result<Sink> {
        let child = Command::new(binary)
            .args(["-u", "nobody", &format!("127.0.0.1:{port}"), "1000"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting smtp-sink")?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                bail!("smtp-sink did not listen on {port}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(Sink(child))
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

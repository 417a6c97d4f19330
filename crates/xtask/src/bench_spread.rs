//! `cargo xtask bench fanout`, past one process: viewers spread over four replicas on
//! PostgreSQL, as many as each replica's descriptors allow (this machine caps a process
//! near 20,000). One process could not hold them either, so the load generator is this
//! program again, run as one child per replica (`cargo xtask __viewers`, [`viewers`]), each
//! from loopback addresses of its own.
//!
//! A tier opens at T0 with no pledge: the time from T0 until the last viewer of every
//! replica has that event. Then pledges on replica A, one after another: the time from each
//! pledge's 201 until the last viewer of every replica has it. Children and parent time
//! events by the same wall clock.

use crate::bench::{Server, rss_kib};
use crate::load::{self, Conn};
use anyhow::{Context, bail};
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};

const REPLICAS: usize = 4;
/// Viewers per replica: its 20,000 descriptors, less what the server keeps for itself.
const PER_REPLICA: usize = 19_500;
const PLEDGES: usize = 20;
/// The most events a child follows (the opening, then the pledges).
const EVENTS: usize = PLEDGES + 1;

pub(crate) async fn spread(root: &Path) -> anyhow::Result<()> {
    let Some(database) = crate::bench::postgres_database("spread").await? else { return Ok(()) };
    let result = measure(root, &database.url).await;
    database.drop().await?;
    result
}

async fn measure(root: &Path, url: &str) -> anyhow::Result<()> {
    let streams = PER_REPLICA.to_string();
    let flags = ["--max-streams", streams.as_str(), "--max-streams-per-address", "256"];
    let replicas: Vec<Server> =
        (0..REPLICAS).map(|_| Server::start_url(root, url, &flags)).collect::<anyhow::Result<_>>()?;
    let key = replicas[0].key.clone().context("the first replica seeds the database")?;
    // The tier opens once every viewer is connected: two minutes leaves the room.
    let opens = now_unix() + 120;
    create_campaign(&replicas[0].base, &key, opens).await?;
    let idle: Vec<u64> = replicas.iter().map(|r| rss_kib(r.child.id()).unwrap_or(0)).collect();
    let mut children = Vec::new();
    for (i, replica) in replicas.iter().enumerate() {
        children.push(Viewers::spawn(&replica.addr, PER_REPLICA, 1_000 + i * 1_000)?);
    }
    let mut connected = 0;
    for child in &mut children {
        connected += child.ready().await?;
    }
    let asked = REPLICAS * PER_REPLICA;
    println!(
        "\nfan-out past one process: {REPLICAS} replicas on PostgreSQL, {connected} of {asked} viewers connected (loopback, {} addresses):",
        asked / load::PER_ADDRESS
    );
    if connected < asked {
        bail!("only {connected} of the {asked} viewers asked for connected");
    }
    let busy: Vec<u64> = replicas.iter().map(|r| rss_kib(r.child.id()).unwrap_or(0)).collect();
    let opening = last_arrival(&mut children, 1).await? as i64 - opens as i64 * 1_000_000_000;
    println!(
        "  the tier's opening at T0 (no pledge) -> last viewer of every replica: {:.1} ms",
        opening as f64 / 1e6
    );
    let body = r#"{"tier":"free","amount":100,"name":"Fan","contact":"fan@example.com","public":false}"#;
    let request = load::post_json("/api/v1/campaigns/spread/pledges", body);
    let mut conn = Conn::open(&replicas[0].addr).await?;
    let mut latencies = Vec::with_capacity(PLEDGES);
    for k in 1..=PLEDGES {
        let status = conn.call(&request).await?;
        let answered = now_ns();
        if status != 201 {
            bail!("pledge {k} got {status}");
        }
        latencies.push(last_arrival(&mut children, k + 1).await?.saturating_sub(answered));
        tokio::time::sleep(crate::bench::PLEDGE_SPACING).await;
    }
    latencies.sort_unstable();
    let at =
        |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)] as f64 / 1e6;
    println!(
        "  pledge 201 on replica A -> last viewer of every replica: p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms   (goal: p99 under 1 s)",
        at(0.5),
        at(0.99),
        at(1.0)
    );
    let growth: u64 = busy.iter().zip(&idle).map(|(b, i)| b.saturating_sub(*i)).sum();
    println!(
        "  server memory per viewer: {:.1} KB ({} MiB over the {REPLICAS} replicas)",
        growth as f64 * 1.024 / connected as f64,
        growth / 1024
    );
    let mut bytes = 0;
    for child in children {
        bytes += child.finish().await?;
    }
    println!(
        "  each viewer received {:.0} B for the opening and {PLEDGES} pledges: {:.0} B per pledge",
        bytes as f64 / connected as f64,
        bytes as f64 / connected as f64 / (PLEDGES + 1) as f64
    );
    Ok(())
}

fn now_unix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs()
}

fn now_ns() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos() as u64
}

/// The campaign `spread`: a free tier open now, and a tier opening at `opens`.
async fn create_campaign(base: &str, key: &str, opens: u64) -> anyhow::Result<()> {
    let at = |t: u64| crate::bench_drop::rfc3339(t as i64);
    let now = now_unix();
    let body = serde_json::json!({
        "id": "spread", "title": "Spread", "summary": "", "currency": "CNY", "goal": 5_000_000,
        "starts_at": at(now - 60), "ends_at": at(now + 3_600), "funding": "flexible",
        "tiers": [{ "id": "free", "title": "Any", "price": 100 },
                  { "id": "drop", "title": "Drop", "price": 9_900, "limit": 500, "available_from": at(opens) }]
    });
    crate::bench_drop::create(base, key, &body).await
}

/// When the last viewer of every child had event `k`, in wall-clock nanoseconds.
async fn last_arrival(children: &mut [Viewers], k: usize) -> anyhow::Result<u64> {
    let mut last = 0;
    for child in children {
        last = last.max(child.event(k).await?);
    }
    Ok(last)
}

/// One child load generator and what it says.
struct Viewers {
    child: Child,
    lines: tokio::io::Lines<BufReader<ChildStdout>>,
}

impl Viewers {
    fn spawn(addr: &str, count: usize, first_address: usize) -> anyhow::Result<Viewers> {
        let mut child = Command::new(std::env::current_exe()?)
            .args(["__viewers", addr, &count.to_string(), &first_address.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("starting a viewers process")?;
        let lines = BufReader::new(child.stdout.take().context("its stdout")?).lines();
        Ok(Viewers { child, lines })
    }

    /// The next line starting with `word`, its fields after it.
    async fn expect(&mut self, word: &str) -> anyhow::Result<Vec<u64>> {
        while let Some(line) = self.lines.next_line().await? {
            if let Some(rest) = line.strip_prefix(word) {
                return Ok(rest.split_whitespace().filter_map(|n| n.parse().ok()).collect());
            }
        }
        bail!("a viewers process ended before saying {word:?}")
    }

    async fn ready(&mut self) -> anyhow::Result<usize> {
        Ok(self.expect("ready").await?.first().copied().unwrap_or(0) as usize)
    }

    async fn event(&mut self, k: usize) -> anyhow::Result<u64> {
        let fields = self.expect("event").await?;
        match fields.as_slice() {
            [n, at, had, of] if *n as usize == k => {
                if had < of {
                    println!("  event {k}: only {had} of {of} viewers of a replica had it after 30 s");
                }
                Ok(*at)
            }
            other => bail!("expected event {k}, got {other:?}"),
        }
    }

    async fn finish(mut self) -> anyhow::Result<u64> {
        drop(self.child.stdin.take());
        let bytes = self.expect("bytes").await?.first().copied().unwrap_or(0);
        let _ = self.child.wait().await;
        Ok(bytes)
    }
}

/// `cargo xtask __viewers ADDR COUNT FIRST_ADDRESS`: holds COUNT viewers of `spread` on the
/// server at ADDR, from loopback addresses numbered from FIRST_ADDRESS, and says on stdout
/// `ready N` once N are connected, then `event K NS HAD OF` for each event after the first
/// view (when the last of them had it), and `bytes B` when its stdin closes.
pub(crate) fn viewers(args: &[String]) -> anyhow::Result<()> {
    let [addr, count, first] = args else { bail!("usage: __viewers ADDR COUNT FIRST_ADDRESS") };
    let (count, first): (usize, usize) = (count.parse()?, first.parse()?);
    rlimit::increase_nofile_limit(u64::MAX)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    runtime.block_on(hold(addr.clone(), count, first))
}

async fn hold(addr: String, count: usize, first: usize) -> anyhow::Result<()> {
    const WAVE: usize = 1_000;
    let arrived: Arc<Vec<(AtomicU64, AtomicU64)>> =
        Arc::new((0..=EVENTS).map(|_| (AtomicU64::new(0), AtomicU64::new(0))).collect());
    let ready = Arc::new(AtomicU64::new(0));
    let bytes = Arc::new(AtomicU64::new(0));
    let request = load::get("/api/v1/campaigns/spread/events?v=2");
    let mut tasks = Vec::with_capacity(count);
    for wave in 0..count.div_ceil(WAVE) {
        for i in wave * WAVE..count.min((wave + 1) * WAVE) {
            let (addr, request, arrived, ready, bytes) =
                (addr.clone(), request.clone(), arrived.clone(), ready.clone(), bytes.clone());
            let from = load::address(first + i / load::PER_ADDRESS);
            tasks.push(tokio::spawn(async move {
                let mut conn = Conn::open_from(&addr, from).await?;
                conn.send(&request).await?;
                let mut seen = 0usize;
                while let Some(line) = conn.next_line().await? {
                    if seen > 0 {
                        bytes.fetch_add(line.len() as u64 + 1, Ordering::Relaxed);
                    }
                    if !line.starts_with("event: ") {
                        continue;
                    }
                    if seen == 0 {
                        ready.fetch_add(1, Ordering::Relaxed);
                    } else if let Some(slot) = arrived.get(seen) {
                        slot.0.fetch_max(now_ns(), Ordering::Relaxed);
                        slot.1.fetch_add(1, Ordering::Relaxed);
                    }
                    seen += 1;
                }
                Ok::<_, std::io::Error>(())
            }));
        }
        let wanted = count.min((wave + 1) * WAVE) as u64;
        if !wait(|| ready.load(Ordering::Relaxed) >= wanted, Duration::from_secs(30)).await {
            break;
        }
    }
    let connected = ready.load(Ordering::Relaxed);
    println!("ready {connected}");
    for k in 1..=EVENTS {
        // The opening comes at T0, up to two minutes after the viewers connect.
        let patience = Duration::from_secs(if k == 1 { 180 } else { 30 });
        wait(|| arrived[k].1.load(Ordering::Relaxed) >= connected, patience).await;
        println!(
            "event {k} {} {} {connected}",
            arrived[k].0.load(Ordering::Relaxed),
            arrived[k].1.load(Ordering::Relaxed)
        );
    }
    let mut stdin = tokio::io::stdin();
    let _ = tokio::io::copy(&mut stdin, &mut tokio::io::sink()).await;
    println!("bytes {}", bytes.load(Ordering::Relaxed));
    let mut out = tokio::io::stdout();
    out.flush().await?;
    for task in tasks {
        task.abort();
    }
    Ok(())
}

async fn wait(done: impl Fn() -> bool, timeout: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + timeout;
    while !done() {
        if tokio::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    true
}

//! `cargo xtask bench drop`: a timed drop. A 500-unit tier opens at T0 with
//! `--tier-cap-per-address 1`; 20,000 clients, each from its own loopback address, send one
//! pledge spread over the first second after T0, and send it again with the same key after
//! a 503 (honouring `Retry-After`, jittered), as the widget does. On SQLite, then on three
//! replicas over PostgreSQL, each beside the same clients against a route that stores
//! nothing (the ceiling). Live viewers of the campaign count what their streams bring:
//! compact changes (`?v=2`) against the whole views older widgets get.

use crate::bench::{Server, rss_kib};
use crate::load::{self, Conn};
use anyhow::{Context, bail};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::time::Instant;

const CLIENTS: usize = 20_000;
const UNITS: u32 = 500;
/// Viewers of each kind watching the drop.
const VIEWERS: usize = 500;
const ATTEMPTS: u32 = 8;

pub(crate) async fn drop_bench(root: &Path, data: &Path) -> anyhow::Result<()> {
    let flags = ["--tier-cap-per-address", "1", "--bench-routes"];
    println!(
        "\ntimed drop: {UNITS} units open at T0, {CLIENTS} clients from as many addresses in the first second:"
    );
    let sqlite = Server::start(root, &data.join("drop.db"), &flags)?;
    run(&[&sqlite], "SQLite").await?;
    drop(sqlite);
    let Some(database) = crate::bench::postgres_database("drop").await? else { return Ok(()) };
    let replicas: anyhow::Result<Vec<Server>> =
        (0..3).map(|_| Server::start_url(root, &database.url, &flags)).collect();
    let result = match replicas {
        Ok(replicas) => run(&replicas.iter().collect::<Vec<_>>(), "3 replicas, PostgreSQL").await,
        Err(e) => Err(e),
    };
    database.drop().await?;
    result
}

/// One client's pledge: when it first sent, how it ended, how long it took.
#[derive(Clone, Copy, Default)]
struct Outcome {
    sent: Duration,
    answered: Duration,
    status: u16,
    sold_out: bool,
    /// Sold out, it joined the tier's waitlist (201), as the widget offers.
    joined: bool,
}

async fn run(servers: &[&Server], label: &str) -> anyhow::Result<()> {
    let key = servers[0].key.clone().context("the drop bench seeds a fresh database")?;
    let opens = create_campaign(&servers[0].base, &key).await?;
    let t0 = instant_of(opens);
    let peak = watch_memory(servers);
    let viewers = Viewers::open(servers[0]).await?;
    let pledges = clients(servers, "/api/v1/campaigns/drop/pledges", t0).await;
    let ceiling_t0 = Instant::now() + Duration::from_millis(500);
    let ceiling = clients(servers, "/bench/noop", ceiling_t0).await;
    peak.1.store(true, Ordering::Relaxed);
    let peak_kib = peak.0.await.unwrap_or(0);
    report(label, &pledges, &ceiling, peak_kib);
    viewers.report(pledges.iter().filter(|o| o.status == 201).count(), &pledges);
    Ok(())
}

/// The campaign `drop`, live, whose tier opens a few whole seconds from now; when it opens.
async fn create_campaign(base: &str, key: &str) -> anyhow::Result<i64> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64;
    let opens = now + 6;
    let at = rfc3339;
    let body = serde_json::json!({
        "id": "drop", "title": "Limited colour", "summary": "", "currency": "CNY", "goal": 5_000_000,
        "starts_at": at(now - 60), "ends_at": at(now + 3_600), "funding": "flexible",
        "tiers": [{ "id": "drop", "title": "Midnight blue", "price": 9_900, "limit": UNITS,
                    "available_from": at(opens) }]
    });
    create(base, key, &body).await?;
    Ok(opens)
}

/// Unix seconds as RFC 3339 UTC, as the API takes times.
pub(crate) fn rfc3339(t: i64) -> String {
    domain::Timestamp::from_unix(t).to_string()
}

/// Creates a campaign on the server at `base` with the creator key `key`.
pub(crate) async fn create(base: &str, key: &str, body: &serde_json::Value) -> anyhow::Result<()> {
    let response = reqwest::Client::new()
        .post(format!("{base}/api/v1/campaigns"))
        .bearer_auth(key)
        .json(body)
        .send()
        .await?;
    if !response.status().is_success() {
        bail!("creating a campaign: {} {}", response.status(), response.text().await?);
    }
    Ok(())
}

/// The monotonic instant at which the wall clock reads `unix` seconds.
fn instant_of(unix: i64) -> Instant {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    Instant::now() + Duration::from_millis((unix * 1000 - now.as_millis() as i64).max(0) as u64)
}

/// Samples the servers' resident memory until told to stop: the peak growth, in KiB.
fn watch_memory(servers: &[&Server]) -> (tokio::task::JoinHandle<u64>, Arc<AtomicBool>) {
    let pids: Vec<u32> = servers.iter().map(|s| s.child.id()).collect();
    let stop = Arc::new(AtomicBool::new(false));
    let done = stop.clone();
    let task = tokio::spawn(async move {
        let base: Vec<u64> = pids.iter().map(|&p| rss_kib(p).unwrap_or(0)).collect();
        let mut peak = 0;
        while !done.load(Ordering::Relaxed) {
            let growth: u64 = pids
                .iter()
                .zip(&base)
                .map(|(&p, b)| rss_kib(p).unwrap_or(0).saturating_sub(*b))
                .max()
                .unwrap_or(0);
            peak = peak.max(growth);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        peak
    });
    (task, stop)
}

/// Every client sends its pledge at its moment in the second after `t0`, to the servers in
/// turn, again with the same key after a 503.
async fn clients(servers: &[&Server], path: &str, t0: Instant) -> Vec<Outcome> {
    let addrs: Vec<String> = servers.iter().map(|s| s.addr.clone()).collect();
    let mut tasks = Vec::with_capacity(CLIENTS);
    for i in 0..CLIENTS {
        let (addr, path) = (addrs[i % addrs.len()].clone(), path.to_owned());
        let at = t0 + Duration::from_micros((i as u64 * 1_000_000) / CLIENTS as u64);
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until(at).await;
            client(&addr, &path, i, t0).await
        }));
    }
    let mut outcomes = Vec::with_capacity(CLIENTS);
    for task in tasks {
        outcomes.push(task.await.unwrap_or_default());
    }
    outcomes
}

async fn client(addr: &str, path: &str, i: usize, t0: Instant) -> Outcome {
    let mut outcome = Outcome { sent: t0.elapsed(), ..Outcome::default() };
    let (status, body) = send(addr, &request(path, i), i, (t0, &mut outcome.sent)).await;
    (outcome.status, outcome.sold_out) = (status, body.contains("/problems/sold-out"));
    outcome.answered = t0.elapsed();
    if outcome.sold_out {
        let join = request("/api/v1/campaigns/drop/tiers/drop/waitlist", i);
        let mut unused = Duration::ZERO;
        outcome.joined = send(addr, &join, i, (t0, &mut unused)).await.0 == 201;
    }
    outcome
}

/// Fan `i`'s pledge (or waitlist join) for `path`, with its idempotency key.
fn request(path: &str, i: usize) -> Vec<u8> {
    let body = format!(
        r#"{{"tier":"drop","amount":9900,"name":"Fan {i}","contact":"fan{i}@example.com","public":false}}"#
    );
    format!(
        "POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nIdempotency-Key: drop-{i}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Sends `request` from client `i`'s address until it is answered below 500, again after
/// a 503 no sooner than `Retry-After` and spread; the last status and body. `sent` becomes
/// when the first attempt's bytes left: the order fairness is judged by.
async fn send(addr: &str, request: &[u8], i: usize, (t0, sent): (Instant, &mut Duration)) -> (u16, String) {
    let mut last = (599, String::new());
    for attempt in 0..ATTEMPTS {
        let answer = async {
            let mut conn = Conn::open_from(addr, load::address(i)).await?;
            conn.send(request).await?;
            if attempt == 0 {
                *sent = t0.elapsed();
            }
            conn.read_response().await
        };
        let (status, retry_after, body) = answer.await.unwrap_or((599, None, String::new()));
        last = (status, body);
        if status < 500 {
            break;
        }
        // Never before the server said it could take it again, and spread beyond that.
        let jitter = 0.5 + fastrand_half(i as u64 + u64::from(attempt));
        let backoff = ((100u64 << attempt).min(4_000) as f64 * jitter) as u64;
        tokio::time::sleep(Duration::from_millis(retry_after.unwrap_or(0) * 1000 + backoff)).await;
    }
    last
}

/// A number in [0, 0.5) from `seed`, spread enough for jitter.
fn fastrand_half(seed: u64) -> f64 {
    let x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    (x >> 11) as f64 / (1u64 << 53) as f64 / 2.0
}

fn report(label: &str, pledges: &[Outcome], ceiling: &[Outcome], peak_kib: u64) {
    let accepted: Vec<&Outcome> = pledges.iter().filter(|o| o.status == 201).collect();
    let sold_out = pledges.iter().filter(|o| o.sold_out).count();
    let joined = pledges.iter().filter(|o| o.joined).count();
    let errors = pledges.iter().filter(|o| o.status >= 500).count();
    let sold_out_at = accepted.iter().map(|o| o.answered).max().unwrap_or_default();
    let mut order: Vec<(Duration, bool)> = pledges.iter().map(|o| (o.sent, o.status == 201)).collect();
    order.sort_by_key(|(sent, _)| *sent);
    let fair = order.iter().take(600).filter(|(_, won)| *won).count();
    let latency = |outcomes: &[Outcome]| {
        let mut all: Vec<Duration> = outcomes.iter().map(|o| o.answered.saturating_sub(o.sent)).collect();
        all.sort_unstable();
        let at =
            |q: f64| all.get(((all.len() as f64 * q) as usize).min(all.len().saturating_sub(1))).copied();
        (at(0.5).unwrap_or_default(), at(0.99).unwrap_or_default())
    };
    let (p50, p99) = latency(pledges);
    let (c50, c99) = latency(ceiling);
    let ceiling_errors = ceiling.iter().filter(|o| o.status != 201).count();
    println!("  {label}:");
    println!(
        "    accepted {} (must be {UNITS}), sold out {sold_out}, joined the waitlist {joined}, 5xx after retries {errors} (goal 0)",
        accepted.len()
    );
    println!(
        "    T0 to sold out {:.0} ms; answers p50 {:.1} ms p99 {:.1} ms; fairness: {fair} of the {UNITS} winners among the first 600 to send",
        load::ms(sold_out_at),
        load::ms(p50),
        load::ms(p99)
    );
    println!(
        "    ceiling (the same clients, POST /bench/noop): p50 {:.1} ms p99 {:.1} ms, {ceiling_errors} not answered 201; server memory peak +{} KiB",
        load::ms(c50),
        load::ms(c99),
        peak_kib
    );
}

/// Viewers of the drop's campaign, half asking for changes (`?v=2`), half as older widgets:
/// the bytes and events each receives.
struct Viewers {
    counts: Vec<Arc<(AtomicU64, AtomicU64)>>,
    started: Instant,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Viewers {
    async fn open(server: &Server) -> anyhow::Result<Viewers> {
        let mut counts = Vec::new();
        let mut tasks = Vec::new();
        for i in 0..2 * VIEWERS {
            let path = if i < VIEWERS {
                "/api/v1/campaigns/drop/events?v=2"
            } else {
                "/api/v1/campaigns/drop/events"
            };
            let mut conn =
                Conn::open_from(&server.addr, load::address(CLIENTS + i / load::PER_ADDRESS)).await?;
            conn.send(&load::get(path)).await?;
            let count = Arc::new((AtomicU64::new(0), AtomicU64::new(0)));
            counts.push(count.clone());
            tasks.push(tokio::spawn(async move {
                while let Ok(Some(line)) = conn.next_line().await {
                    count.0.fetch_add(line.len() as u64 + 1, Ordering::Relaxed);
                    if line.starts_with("event: ") {
                        count.1.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }));
        }
        // Each has its first view before the drop starts: what follows is the drop's.
        tokio::time::sleep(Duration::from_millis(1_000)).await;
        for count in &counts {
            count.0.store(0, Ordering::Relaxed);
            count.1.store(0, Ordering::Relaxed);
        }
        Ok(Viewers { counts, started: Instant::now(), tasks })
    }

    fn report(self, accepted: usize, pledges: &[Outcome]) {
        let seconds = self.started.elapsed().as_secs_f64();
        let busiest = pledges.iter().map(|o| o.answered).max().unwrap_or_default().as_secs_f64().max(1.0);
        let sum = |range: std::ops::Range<usize>| {
            let bytes: u64 = self.counts[range.clone()].iter().map(|c| c.0.load(Ordering::Relaxed)).sum();
            let events: u64 = self.counts[range].iter().map(|c| c.1.load(Ordering::Relaxed)).sum();
            (bytes as f64 / VIEWERS as f64, events as f64 / VIEWERS as f64)
        };
        let (new_bytes, new_events) = sum(0..VIEWERS);
        let (old_bytes, old_events) = sum(VIEWERS..2 * VIEWERS);
        println!(
            "    each viewer over the drop ({seconds:.1} s watched, {accepted} pledges in {busiest:.1} s):"
        );
        for (label, bytes, events) in [
            ("compact changes (?v=2)", new_bytes, new_events),
            ("whole views (older widgets)", old_bytes, old_events),
        ] {
            println!(
                "      {label:<28} {bytes:>8.0} B, {events:.0} events: {:.1} B per pledge, {:.0} B/s and {:.1} events/s while it sold",
                bytes / accepted.max(1) as f64,
                bytes / busiest,
                events / busiest
            );
        }
        for task in self.tasks {
            task.abort();
        }
    }
}

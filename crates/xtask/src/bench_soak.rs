//! `cargo xtask bench soak`: ten minutes (or `TRIBEFUND_SOAK_MINUTES`) of mixed traffic on
//! one release server: thousands of live viewers coming and going, progress and page
//! reads, pledges, and cancellations of some of them. Every half minute it prints the
//! server's memory and the window's latencies; at the end, how memory moved after the
//! first minute (its slope, by least squares). Figures only: memory should stay flat.

use crate::bench::{Server, rss_kib};
use crate::load::{self, Conn};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const VIEWERS: usize = 2_000;
const READERS: usize = 8;
const PLEDGERS: usize = 4;
const WINDOW: Duration = Duration::from_secs(30);

#[derive(Default)]
struct Counts {
    reads: AtomicU64,
    pledges: AtomicU64,
    cancels: AtomicU64,
    errors: AtomicU64,
    viewers: AtomicI64,
    /// This window's latencies (reads and pledges), taken by the reporter.
    latencies: Mutex<Vec<Duration>>,
    stop: AtomicBool,
}

impl Counts {
    fn took(&self, since: Instant) {
        self.latencies.lock().unwrap_or_else(|e| e.into_inner()).push(since.elapsed());
    }
}

pub(crate) async fn soak(root: &Path, data: &Path) -> anyhow::Result<()> {
    let minutes: f64 =
        std::env::var("TRIBEFUND_SOAK_MINUTES").ok().and_then(|m| m.parse().ok()).unwrap_or(10.0);
    let server = Server::start(root, &data.join("soak.db"), &["--max-streams-per-address", "100000"])?;
    let pid = server.child.id();
    let counts = Arc::new(Counts::default());
    let mut tasks = Vec::new();
    for viewer in 0..VIEWERS {
        tasks.push(tokio::spawn(watch(server.addr.clone(), counts.clone(), viewer)));
    }
    for reader in 0..READERS {
        tasks.push(tokio::spawn(read(server.addr.clone(), counts.clone(), reader)));
    }
    for _ in 0..PLEDGERS {
        tasks.push(tokio::spawn(pledge(server.base.clone(), counts.clone())));
    }
    println!(
        "\nsoak: {minutes} min, {VIEWERS} viewers (each reconnecting after 20-60 s), {READERS} readers, {PLEDGERS} pledgers (one in five cancelled):"
    );
    println!(
        "  {:>6} {:>10} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9}",
        "min", "RSS KiB", "viewers", "reads", "pledges", "cancels", "p50 ms", "p99 ms"
    );
    let start = Instant::now();
    let end = start + Duration::from_secs_f64(minutes * 60.0);
    let mut memory = Vec::new();
    while Instant::now() < end {
        tokio::time::sleep(WINDOW.min(end.saturating_duration_since(Instant::now()))).await;
        let mut window = std::mem::take(&mut *counts.latencies.lock().unwrap_or_else(|e| e.into_inner()));
        window.sort_unstable();
        let at =
            |q: f64| window.get(((window.len() as f64 * q) as usize).min(window.len().saturating_sub(1)));
        let rss = rss_kib(pid)?;
        let elapsed = start.elapsed().as_secs_f64() / 60.0;
        memory.push((elapsed, rss as f64));
        println!(
            "  {elapsed:>6.1} {rss:>10} {:>8} {:>8} {:>8} {:>8} {:>9.2} {:>9.2}",
            counts.viewers.load(Ordering::Acquire),
            counts.reads.swap(0, Ordering::AcqRel),
            counts.pledges.swap(0, Ordering::AcqRel),
            counts.cancels.swap(0, Ordering::AcqRel),
            at(0.5).map_or(0.0, |d| load::ms(*d)),
            at(0.99).map_or(0.0, |d| load::ms(*d)),
        );
    }
    counts.stop.store(true, Ordering::Release);
    for task in tasks {
        task.abort();
    }
    let settled: Vec<(f64, f64)> = memory.iter().copied().filter(|(minute, _)| *minute > 1.0).collect();
    let (first, last, max) = (
        settled.first().map_or(0.0, |m| m.1),
        settled.last().map_or(0.0, |m| m.1),
        settled.iter().map(|m| m.1).fold(0.0, f64::max),
    );
    // Caches (SQLite's pages, the allocator's arenas) fill for the first minutes: the
    // second half's slope is the one that shows a leak.
    let second_half: Vec<(f64, f64)> =
        memory.iter().copied().filter(|(minute, _)| *minute > minutes / 2.0).collect();
    println!(
        "  memory after the first minute: {first:.0} KiB, at the end {last:.0} KiB, at most {max:.0} KiB; slope {:.0} KiB/min, {:.0} KiB/min over the second half   (target: flat)",
        slope(&settled),
        slope(&second_half)
    );
    println!("  errors: {}", counts.errors.load(Ordering::Acquire));
    Ok(())
}

/// The least-squares slope of `points` (y per x).
fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let (mx, my) = (points.iter().map(|p| p.0).sum::<f64>() / n, points.iter().map(|p| p.1).sum::<f64>() / n);
    let covariance: f64 = points.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let variance: f64 = points.iter().map(|(x, _)| (x - mx).powi(2)).sum();
    if variance == 0.0 { 0.0 } else { covariance / variance }
}

/// A viewer: holds the demo's event stream for 20 to 60 s, reading every frame, then
/// comes back with a new connection.
async fn watch(addr: String, counts: Arc<Counts>, viewer: usize) {
    let lifetime = Duration::from_secs(20 + (viewer % 41) as u64);
    // Arrive spread over the first ten seconds.
    tokio::time::sleep(Duration::from_millis((viewer % 1000) as u64 * 10)).await;
    while !counts.stop.load(Ordering::Acquire) {
        let Ok(mut conn) = Conn::open(&addr).await else {
            counts.errors.fetch_add(1, Ordering::AcqRel);
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        };
        let head = async {
            conn.send(&load::get("/api/v1/campaigns/demo/events")).await?;
            conn.read_head().await
        };
        if !matches!(head.await, Ok(200)) {
            counts.errors.fetch_add(1, Ordering::AcqRel);
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        counts.viewers.fetch_add(1, Ordering::AcqRel);
        let until = tokio::time::sleep(lifetime);
        tokio::pin!(until);
        loop {
            tokio::select! {
                () = &mut until => break,
                line = conn.next_line() => if !matches!(line, Ok(Some(_))) { break },
            }
        }
        counts.viewers.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A reader: the progress JSON four times in five, the embed page otherwise, 100 a second.
async fn read(addr: String, counts: Arc<Counts>, reader: usize) {
    let (progress, page) = (load::get("/api/v1/campaigns/demo"), load::get("/embed/demo"));
    let mut conn = None;
    let mut n = reader;
    while !counts.stop.load(Ordering::Acquire) {
        n += 1;
        if conn.is_none() {
            conn = Conn::open(&addr).await.ok();
        }
        let Some(open) = conn.as_mut() else { continue };
        let sent = Instant::now();
        match open.call(if n.is_multiple_of(5) { &page } else { &progress }).await {
            Ok(200) => {
                counts.took(sent);
                counts.reads.fetch_add(1, Ordering::AcqRel);
            }
            _ => {
                counts.errors.fetch_add(1, Ordering::AcqRel);
                conn = None;
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A pledger: 25 pledges a second; every fifth is cancelled from its receipt.
async fn pledge(base: String, counts: Arc<Counts>) {
    let client = reqwest::Client::new();
    let mut n = 0u64;
    while !counts.stop.load(Ordering::Acquire) {
        n += 1;
        let body =
            format!(r#"{{"amount":{},"name":"Soak {n}","contact":"soak{n}@example.com"}}"#, 1_000 + n % 500);
        let sent = Instant::now();
        let response = client
            .post(format!("{base}/api/v1/campaigns/demo/pledges"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await;
        let receipt = match response {
            Ok(r) if r.status() == 201 => r.json::<serde_json::Value>().await.ok(),
            _ => None,
        };
        let Some(receipt) = receipt else {
            counts.errors.fetch_add(1, Ordering::AcqRel);
            continue;
        };
        counts.took(sent);
        counts.pledges.fetch_add(1, Ordering::AcqRel);
        let token = receipt["receipt_url"].as_str().and_then(|u| u.rsplit('/').next()).unwrap_or_default();
        if n.is_multiple_of(5) {
            let cancelled = client.delete(format!("{base}/api/v1/receipts/{token}")).send().await;
            match cancelled {
                Ok(r) if r.status() == 204 => counts.cancels.fetch_add(1, Ordering::AcqRel),
                _ => counts.errors.fetch_add(1, Ordering::AcqRel),
            };
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
}

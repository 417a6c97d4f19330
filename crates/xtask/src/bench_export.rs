//! `cargo xtask bench export`: what exporting a campaign's backers costs the server. The
//! export streams from the database in chunks, so the memory it takes should not grow with
//! the number of pledges: 100,000 pledges are compared with 1,000 in the same run.

use crate::bench::{Server, rss_kib};
use anyhow::Context;
use sqlx::Connection;
use std::path::Path;
use std::time::{Duration, Instant};

pub(crate) async fn export(root: &Path, data: &Path) -> anyhow::Result<()> {
    let db = data.join("export.db");
    // Seed the demo site and campaign, then add pledges straight into the database while
    // the server is stopped (the export reads rows, not the counters).
    let key =
        Server::start(root, &db, &[])?.key.clone().context("the export bench seeds a fresh database")?;
    println!("\nexport of a campaign's backers as CSV (SQLite):");
    insert_pledges(&db, 0, 1_000).await?;
    let small = measure(root, &db, &key).await?;
    insert_pledges(&db, 1_000, 100_000).await?;
    let large = measure(root, &db, &key).await?;
    insert_pledges(&db, 100_000, 300_000).await?;
    let larger = measure(root, &db, &key).await?;
    for (label, m) in
        [("1,000 pledges (baseline)", &small), ("100,000 pledges", &large), ("300,000 pledges", &larger)]
    {
        println!(
            "  {label:<26} {:>9} rows {:>8.1} MB in {:>6.0} ms   server memory +{} KiB at most",
            m.rows,
            m.bytes as f64 / 1e6,
            m.elapsed.as_secs_f64() * 1e3,
            m.peak_growth_kib
        );
    }
    println!(
        "  growth with 100x the pledges: {:+} KiB; with 300x: {:+} KiB   (target: a few MB at most)",
        large.peak_growth_kib as i64 - small.peak_growth_kib as i64,
        larger.peak_growth_kib as i64 - small.peak_growth_kib as i64
    );
    Ok(())
}

struct Measured {
    rows: usize,
    bytes: usize,
    elapsed: Duration,
    peak_growth_kib: u64,
}

/// Starts the server, warms it with one small request, then downloads the export while
/// sampling the server's resident memory.
async fn measure(root: &Path, db: &Path, key: &str) -> anyhow::Result<Measured> {
    let server = Server::start(root, db, &[])?;
    let pid = server.child.id();
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/campaigns/demo/pledges", server.base);
    client.get(format!("{url}?limit=1")).bearer_auth(key).send().await?.error_for_status()?;
    let before = rss_kib(pid)?;
    let started = Instant::now();
    let mut response = client.get(format!("{url}.csv")).bearer_auth(key).send().await?.error_for_status()?;
    let (mut bytes, mut rows, mut peak) = (0, 0, before);
    let mut sampled = Instant::now();
    while let Some(chunk) = response.chunk().await? {
        bytes += chunk.len();
        rows += chunk.iter().filter(|b| **b == b'\n').count();
        if sampled.elapsed() >= Duration::from_millis(5) {
            peak = peak.max(rss_kib(pid)?);
            sampled = Instant::now();
        }
    }
    let elapsed = started.elapsed();
    peak = peak.max(rss_kib(pid)?);
    Ok(Measured {
        rows: rows.saturating_sub(1),
        bytes,
        elapsed,
        peak_growth_kib: peak.saturating_sub(before),
    })
}

/// Adds pledges numbered `from..to` to the demo campaign, in one transaction.
pub(crate) async fn insert_pledges(db: &Path, from: usize, to: usize) -> anyhow::Result<()> {
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await?;
    let mut tx = conn.begin().await?;
    let colours = ["walnut", "black", "red"];
    for chunk in (from..to).collect::<Vec<_>>().chunks(500) {
        let mut query = sqlx::QueryBuilder::new(
            "INSERT INTO pledges (id, campaign_id, tier_id, quantity, amount, options, name, contact, public, message, \
             referral_code, referred_by, receipt_secret, created_at) ",
        );
        query.push_values(chunk, |mut row, &n| {
            row.push_bind(format!("{:012x}{:020x}", 1_700_000_000_000u64 + n as u64, n))
                .push_bind("demo")
                .push_bind("lamp")
                .push_bind(1i64)
                .push_bind(29_900i64)
                .push_bind(format!(r#"{{"colour":"{}"}}"#, colours[n % 3]))
                .push_bind(format!("李小梅 {n}"))
                .push_bind(format!("fan{n}@example.com"))
                .push_bind(n % 2 == 0)
                .push_bind("Can't wait for mine!")
                .push_bind(format!("BENCH{n:09}"))
                .push_bind(None::<String>)
                .push_bind("0".repeat(32))
                .push_bind(1_700_000_000i64 + n as i64);
        });
        query.build().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

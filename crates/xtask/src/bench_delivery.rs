//! `cargo xtask bench delivery`: what shipping a campaign costs the server. The packing
//! list streams from the database in chunks, and an import is checked whole, then recorded
//! in one transaction, with a mail queued for each backer shipped (the server runs with
//! `--mail-dir`): 100,000 pledges are compared with 1,000 in the same run, for time and the
//! server's memory.

use crate::bench::{Server, rss_kib};
use crate::bench_export::insert_pledges;
use anyhow::Context;
use sqlx::Connection;
use std::path::Path;
use std::time::{Duration, Instant};

pub(crate) async fn delivery(root: &Path, data: &Path) -> anyhow::Result<()> {
    let db = data.join("delivery.db");
    let key =
        Server::start(root, &db, &[])?.key.clone().context("the delivery bench seeds a fresh database")?;
    println!("\nshipping: the packing list and importing tracking numbers (SQLite):");
    let mut lines = Vec::new();
    for (label, from, to) in [("1,000 pledges (baseline)", 0, 1_000), ("100,000 pledges", 1_000, 101_000)] {
        insert_pledges(&db, from, to).await?;
        surveyed(&db).await?;
        let mails = data.join("delivery-mails");
        let server = Server::start(root, &db, &["--mail-dir", &mails.display().to_string()])?;
        let export = export(&server, &key).await?;
        let import = import(&server, &key, &export.1).await?;
        lines.push((label, export.0, import));
    }
    for (label, export, import) in &lines {
        println!(
            "  {label:<26} packing list {:>7} rows in {:>6.0} ms, +{:>6} KiB   import in {:>7.0} ms, +{:>7} KiB",
            export.rows,
            export.elapsed.as_secs_f64() * 1e3,
            export.peak_growth_kib,
            import.elapsed.as_secs_f64() * 1e3,
            import.peak_growth_kib
        );
    }
    println!(
        "  growth with 100x the pledges: packing list {:+} KiB, import {:+} KiB",
        lines[1].1.peak_growth_kib as i64 - lines[0].1.peak_growth_kib as i64,
        lines[1].2.peak_growth_kib as i64 - lines[0].2.peak_growth_kib as i64
    );
    Ok(())
}

struct Measured {
    rows: usize,
    elapsed: Duration,
    peak_growth_kib: u64,
}

/// Makes the demo's lamps (its first two tiers) rewards that ship, and gives every pledge without one an
/// address in Beijing, as if each backer had filled in the survey.
async fn surveyed(db: &Path) -> anyhow::Result<()> {
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await?;
    let ships = "json_set(definition, '$.tiers[0].ships', json('true'), '$.tiers[1].ships', json('true'))";
    sqlx::query(&format!("UPDATE campaigns SET definition = {ships} WHERE id = 'demo'"))
        .execute(&mut conn)
        .await?;
    let address = r#"{"name":"李小梅","phone":"13800138000","country":"CN","region":"北京市","city":"北京市","district":"朝阳区","line1":"建国路 88 号","line2":"","postcode":""}"#;
    sqlx::query("UPDATE pledges SET address = ?, answers = '{}', surveyed_at = created_at, ship_to = 'CN' WHERE address IS NULL")
        .bind(address)
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// Downloads the packing list while sampling the server's memory; answers the import made
/// of it (each row's reference, with a carrier and a tracking number).
async fn export(server: &Server, key: &str) -> anyhow::Result<(Measured, String)> {
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/campaigns/demo/shipments/summary", server.base);
    client.get(&url).bearer_auth(key).send().await?.error_for_status()?;
    let pid = server.child.id();
    let before = rss_kib(pid)?;
    let started = Instant::now();
    let url = format!("{}/api/v1/campaigns/demo/shipments.csv", server.base);
    let mut response = client.get(url).bearer_auth(key).send().await?.error_for_status()?;
    let (mut text, mut peak, mut sampled) = (Vec::new(), before, Instant::now());
    while let Some(chunk) = response.chunk().await? {
        text.extend_from_slice(&chunk);
        if sampled.elapsed() >= Duration::from_millis(5) {
            peak = peak.max(rss_kib(pid)?);
            sampled = Instant::now();
        }
    }
    let elapsed = started.elapsed();
    peak = peak.max(rss_kib(pid)?);
    let text = String::from_utf8(text)?;
    let mut import = String::from("reference,carrier,tracking_number\r\n");
    let mut rows = 0;
    for line in text.lines().skip(1) {
        let reference = line.split(',').next().unwrap_or_default();
        import.push_str(&format!("{reference},SF,SF{rows:010}\r\n"));
        rows += 1;
    }
    Ok((Measured { rows, elapsed, peak_growth_kib: peak.saturating_sub(before) }, import))
}

/// Posts the import while sampling the server's memory.
async fn import(server: &Server, key: &str, csv: &str) -> anyhow::Result<Measured> {
    let client = reqwest::Client::new();
    let pid = server.child.id();
    let before = rss_kib(pid)?;
    let started = Instant::now();
    let url = format!("{}/api/v1/campaigns/demo/shipments", server.base);
    let request = client.post(url).bearer_auth(key).header("content-type", "text/csv").body(csv.to_owned());
    let sending = tokio::spawn(request.send());
    let mut peak = before;
    while !sending.is_finished() {
        peak = peak.max(rss_kib(pid)?);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let response = sending.await??;
    let status = response.status();
    let body = response.text().await?;
    anyhow::ensure!(status.is_success(), "the import was refused: {status} {body}");
    let elapsed = started.elapsed();
    peak = peak.max(rss_kib(pid)?);
    let rows = csv.lines().count().saturating_sub(1);
    Ok(Measured { rows, elapsed, peak_growth_kib: peak.saturating_sub(before) })
}

//! `cargo xtask bench share`: what the share page's whole lists cost a view. The share page
//! reads a page of backers and one of recruiters from the database on each view; the embed
//! is the same server-rendered widget without them, so it is the baseline, measured on the
//! same server in the same run, with 300 public backers and 100 recruiters.

use crate::bench::Server;
use crate::load;
use std::path::Path;
use std::time::Duration;

pub(crate) async fn share(root: &Path, data: &Path) -> anyhow::Result<()> {
    const CLIENTS: usize = 32;
    const SECONDS: Duration = Duration::from_secs(3);
    let server = Server::start(root, &data.join("share.db"), &["--rate-limit", "off"])?;
    let client = reqwest::Client::new();
    let pledge = |name: String, referral: Option<String>| {
        let mut body = serde_json::json!({ "tier": "lamp", "amount": 29_900, "options": { "colour": "walnut" },
            "name": name, "contact": format!("{name}@bench.example"), "public": true, "message": "Count me in!" });
        if let Some(code) = referral {
            body["ref"] = serde_json::json!(code);
        }
        client.post(format!("{}/api/v1/campaigns/demo/pledges", server.base)).json(&body).send()
    };
    let mut codes = Vec::new();
    for n in 0..100 {
        let created: serde_json::Value = pledge(format!("leader{n}"), None).await?.json().await?;
        codes.push(created["referral_code"].as_str().unwrap_or_default().to_owned());
    }
    for n in 0..200 {
        pledge(format!("friend{n}"), Some(codes[n % codes.len()].clone())).await?;
    }
    println!(
        "\nthe share page's lists, {CLIENTS} keep-alive clients, {} s each, 300 backers:",
        SECONDS.as_secs()
    );
    let embed = load::run(&server.addr, load::get("/embed/demo?lang=en"), CLIENTS, SECONDS, 200).await;
    println!("  GET /embed/demo (baseline: no lists)       {embed}");
    let share = load::run(&server.addr, load::get("/c/demo?lang=en"), CLIENTS, SECONDS, 200).await;
    println!(
        "  GET /c/demo (first pages)                  {share}   ({:.2} of baseline)",
        share.per_sec / embed.per_sec
    );
    let deep =
        load::run(&server.addr, load::get("/c/demo?lang=en&backers=6&leaders=2"), CLIENTS, SECONDS, 200)
            .await;
    println!(
        "  GET /c/demo?backers=6&leaders=2 (last)     {deep}   ({:.2} of baseline)",
        deep.per_sec / embed.per_sec
    );
    Ok(())
}

//! `cargo xtask bench`: figures, never assertions. Starts the release server on a free
//! port with a fresh SQLite database and the demo campaign, then measures it.

use crate::load;
use crate::wasm::gzip_len;
use crate::{cargo, status};
use anyhow::{Context, bail};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Target for everything `/embed/demo` makes a browser download, gzip.
const SIZE_TARGET_GZIP: usize = 90 * 1024;
/// What a reader who only looks may download (issue: the fan's phone).
const BEFORE_TARGET_GZIP: usize = 30 * 1024;

/// The sections `cargo xtask bench` knows, in the order it runs them.
pub(crate) const SECTIONS: [&str; 12] = [
    "size", "reads", "phone", "share", "pledges", "fanout", "drop", "postgres", "export", "delivery", "mail",
    "soak",
];

/// Runs the named sections (see [`SECTIONS`]), or all of them; `soak` (ten minutes) only
/// when named.
pub(crate) fn run(root: &Path, sections: &[String]) -> anyhow::Result<()> {
    let wanted = |name: &str| sections.is_empty() || sections.iter().any(|s| s == name);
    crate::wasm::build(root)?;
    status(cargo().args(["build", "--release", "--package", "api", "--bin", "tribefund"]))?;
    let files = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(0);
    println!("open-file limit: {files}");
    let data = tempfile::tempdir()?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let server = Server::start(root, &data.path().join("size.db"), &[])?;
        if wanted("size") {
            shipped_size(root, &server.base).await?;
        }
        if wanted("reads") {
            reads(&server).await;
        }
        if wanted("phone") {
            crate::bench_phone::phone(&server).await?;
        }
        drop(server);
        if wanted("share") {
            crate::bench_share::share(root, data.path()).await?;
        }
        if wanted("pledges") {
            pledges(root, data.path()).await?;
        }
        if wanted("fanout") {
            fanout(root, data.path()).await?;
        }
        if wanted("drop") {
            crate::bench_drop::drop_bench(root, data.path()).await?;
        }
        if wanted("postgres") {
            postgres(root).await?;
        }
        if wanted("export") {
            crate::bench_export::export(root, data.path()).await?;
        }
        if wanted("delivery") {
            crate::bench_delivery::delivery(root, data.path()).await?;
        }
        if wanted("mail") {
            crate::bench_mail::mail(root, data.path()).await?;
        }
        if sections.iter().any(|s| s == "soak") {
            crate::bench_soak::soak(root, data.path()).await?;
        }
        Ok(())
    })
}

/// Progress reads come from the hub's snapshot: compare them with the cheapest route.
async fn reads(server: &Server) {
    const CLIENTS: usize = 64;
    const SECONDS: Duration = Duration::from_secs(3);
    println!("\nreads, {CLIENTS} keep-alive clients, {} s each:", SECONDS.as_secs());
    let health = load::run(&server.addr, load::get("/healthz"), CLIENTS, SECONDS, 200).await;
    println!("  GET /healthz (baseline)        {health}");
    let progress = load::run(&server.addr, load::get("/api/v1/campaigns/demo"), CLIENTS, SECONDS, 200).await;
    println!("  GET /api/v1/campaigns/demo     {progress}");
    println!(
        "  progress / baseline            {:>9.2}   (target: at least 0.8)",
        progress.per_sec / health.per_sec
    );
}

/// Durable pledges, group-committed, beside the same server's no-store POST and beside one
/// transaction per pledge.
async fn pledges(root: &Path, data: &Path) -> anyhow::Result<()> {
    const SECONDS: Duration = Duration::from_secs(3);
    let body = r#"{"tier":"lamp","amount":29900,"options":{"colour":"walnut"},"name":"Bench","contact":"bench@example.com","public":false}"#;
    let pledge = load::post_json("/api/v1/campaigns/demo/pledges", body);
    let noop = load::post_json("/bench/noop", body);
    let batched = Server::start(root, &data.join("batched.db"), &["--bench-routes"])?;
    let single = Server::start(root, &data.join("single.db"), &["--pledge-batch", "1"])?;
    println!("\npledges (SQLite, synchronous=FULL), {} s per row:", SECONDS.as_secs());
    for clients in [1, 64, 256] {
        let base = load::run(&batched.addr, noop.clone(), clients, SECONDS, 201).await;
        let group = load::run(&batched.addr, pledge.clone(), clients, SECONDS, 201).await;
        let each = load::run(&single.addr, pledge.clone(), clients, SECONDS, 201).await;
        println!("  {clients:>3} clients  POST /bench/noop (baseline)      {base}");
        println!(
            "               pledges, group commit            {group}   ({:.2} of baseline)",
            group.per_sec / base.per_sec
        );
        println!("               pledges, one transaction each    {each}");
    }
    println!("  target: group commit at least 0.5 of the baseline at 256 clients");
    Ok(())
}

/// Many viewers of one campaign: how long until the last of them has a pledge, and what
/// each costs the server.
async fn fanout(root: &Path, data: &Path) -> anyhow::Result<()> {
    const VIEWERS: usize = 10_000;
    const PLEDGES: usize = 20;
    let server = Server::start(root, &data.join("fanout.db"), &[])?;
    let measured = propagation(&server, &server, VIEWERS, PLEDGES).await?;
    println!(
        "\nfan-out: {} SSE viewers of one campaign, {PLEDGES} pledges one after another:",
        measured.connected
    );
    measured.print("pledge 201 -> last viewer has it");
    let per_viewer = measured.rss_after.saturating_sub(measured.rss_before) as f64 * 1024.0
        / measured.connected.max(1) as f64;
    println!(
        "  server memory: {} KiB idle, {} KiB with viewers: {:.1} KB per viewer   (target: under 10 KB)",
        measured.rss_before,
        measured.rss_after,
        per_viewer / 1000.0
    );
    crate::bench_spread::spread(root).await
}

/// What [`propagation`] measured.
struct Propagation {
    connected: usize,
    latencies: Vec<Duration>,
    rss_before: u64,
    rss_after: u64,
}

impl Propagation {
    fn print(&self, what: &str) {
        let at = |q: f64| {
            self.latencies[((self.latencies.len() as f64 * q) as usize).min(self.latencies.len() - 1)]
        };
        println!(
            "  {what:<34} p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms   (target: p99 under 250 ms)",
            load::ms(at(0.5)),
            load::ms(at(0.99)),
            load::ms(*self.latencies.last().unwrap_or(&Duration::ZERO))
        );
    }
}

/// How far apart the benches' pledges are: wider than a campaign's frame interval (250 ms).
pub(crate) const PLEDGE_SPACING: Duration = Duration::from_millis(300);

/// Opens `viewers` event streams on `watched`, then makes `pledges` pledges one after
/// another on `pledged` ([`PLEDGE_SPACING`] apart), timing each from its 201 to the moment
/// the last viewer has it.
async fn propagation(
    watched: &Server,
    pledged: &Server,
    viewers: usize,
    pledges: usize,
) -> anyhow::Result<Propagation> {
    const WAVE: usize = 500;
    let epoch = Instant::now();
    let start_seq = current_seq(pledged).await?;
    let arrived: Arc<Vec<(AtomicU64, AtomicU32)>> =
        Arc::new((0..=pledges + 1).map(|_| (AtomicU64::new(0), AtomicU32::new(0))).collect());
    let ready = Arc::new(AtomicU32::new(0));
    let rss_before = rss_kib(watched.child.id())?;
    let request = load::get("/api/v1/campaigns/demo/events");
    let mut tasks = Vec::with_capacity(viewers);
    for wave in 0..viewers.div_ceil(WAVE) {
        for viewer in wave * WAVE..viewers.min((wave + 1) * WAVE) {
            let (addr, request, arrived, ready) =
                (watched.addr.clone(), request.clone(), arrived.clone(), ready.clone());
            tasks.push(tokio::spawn(async move {
                let mut conn = load::Conn::open_from(&addr, load::source(viewer)).await?;
                conn.send(&request).await?;
                let mut last: Option<usize> = None;
                while let Some(line) = conn.next_line().await? {
                    let Some(seq) = line.strip_prefix("id: ").and_then(|n| n.parse::<usize>().ok()) else {
                        continue;
                    };
                    let k = seq.saturating_sub(start_seq);
                    let now = epoch.elapsed().as_nanos() as u64;
                    let from = last.map_or(k, |l| l + 1);
                    for slot in arrived.iter().take(k.min(pledges + 1) + 1).skip(from) {
                        slot.0.fetch_max(now, Ordering::Relaxed);
                        slot.1.fetch_add(1, Ordering::Relaxed);
                    }
                    if last.is_none() {
                        ready.fetch_add(1, Ordering::Relaxed);
                    }
                    last = Some(k);
                }
                Ok::<_, std::io::Error>(())
            }));
        }
        let wanted = ((wave + 1) * WAVE).min(viewers);
        if !wait_for(|| ready.load(Ordering::Relaxed) as usize >= wanted, Duration::from_secs(30)).await {
            // A figure for fewer viewers than asked is not the figure asked for.
            bail!(
                "only {} of the {wanted} viewers asked for so far connected within 30 s",
                ready.load(Ordering::Relaxed)
            );
        }
    }
    let connected = ready.load(Ordering::Relaxed) as usize;
    println!(
        "  viewers connected: {connected} of {viewers} asked for, from {} loopback addresses",
        viewers.div_ceil(load::PER_ADDRESS)
    );
    let rss_after = rss_kib(watched.child.id())?;
    let mut conn = load::Conn::open(&pledged.addr).await?;
    let body = r#"{"amount":100,"name":"Fan","contact":"fan@example.com","public":false}"#;
    let request = load::post_json("/api/v1/campaigns/demo/pledges", body);
    let mut latencies = Vec::with_capacity(pledges);
    for k in 1..=pledges {
        let status = conn.call(&request).await?;
        let answered = epoch.elapsed().as_nanos() as u64;
        if status != 201 {
            bail!("pledge {k} got {status}");
        }
        if !wait_for(|| arrived[k].1.load(Ordering::Relaxed) as usize >= connected, Duration::from_secs(30))
            .await
        {
            println!(
                "  pledge {k}: only {} of {connected} viewers had it after 30 s",
                arrived[k].1.load(Ordering::Relaxed)
            );
        }
        latencies.push(Duration::from_nanos(arrived[k].0.load(Ordering::Relaxed).saturating_sub(answered)));
        // A campaign's frames go at most every 250 ms: spaced wider, each pledge's frame
        // leaves at once, and the figure is the trip, not the pacing.
        tokio::time::sleep(PLEDGE_SPACING).await;
    }
    latencies.sort_unstable();
    for task in tasks {
        task.abort();
    }
    Ok(Propagation { connected, latencies, rss_before, rss_after })
}

async fn current_seq(server: &Server) -> anyhow::Result<usize> {
    let view: serde_json::Value = reqwest::get(format!("{}/api/v1/campaigns/demo", server.base))
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(view["seq"].as_u64().unwrap_or(0) as usize)
}

/// A database of a bench's own on the PostgreSQL server at `TRIBEFUND_TEST_POSTGRES` (or
/// the local one), dropped by [`PgDatabase::drop`].
pub(crate) struct PgDatabase {
    conn: sqlx::PgConnection,
    name: String,
    pub(crate) url: String,
}

/// Makes a fresh database for bench `tag`; `None`, said on the way, without PostgreSQL.
pub(crate) async fn postgres_database(tag: &str) -> anyhow::Result<Option<PgDatabase>> {
    use sqlx::Connection;
    let admin = std::env::var("TRIBEFUND_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let mut conn = match sqlx::PgConnection::connect(&admin).await {
        Ok(conn) => conn,
        Err(e) => {
            println!("\nPostgreSQL: {admin} does not answer ({e}); skipped");
            return Ok(None);
        }
    };
    let name = format!("tribefund_bench_{tag}_{}", std::process::id());
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await?;
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await?;
    let url = format!("{}/{name}", admin.rsplit_once('/').map_or(admin.as_str(), |(base, _)| base));
    Ok(Some(PgDatabase { conn, name, url }))
}

impl PgDatabase {
    pub(crate) async fn drop(mut self) -> anyhow::Result<()> {
        sqlx::query(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))
            .execute(&mut self.conn)
            .await?;
        Ok(())
    }
}

/// The same pledge load on PostgreSQL, and the time a pledge takes to reach viewers
/// connected to another replica.
async fn postgres(root: &Path) -> anyhow::Result<()> {
    const SECONDS: Duration = Duration::from_secs(3);
    let Some(database) = postgres_database("replicas").await? else { return Ok(()) };
    let url = database.url.clone();
    let result = async {
        let a = Server::start_url(root, &url, &["--bench-routes"])?;
        let b = Server::start_url(root, &url, &[])?;
        let body = r#"{"tier":"lamp","amount":29900,"options":{"colour":"walnut"},"name":"Bench","contact":"bench@example.com","public":false}"#;
        let pledge = load::post_json("/api/v1/campaigns/demo/pledges", body);
        let noop = load::post_json("/bench/noop", body);
        println!("\npledges (PostgreSQL, two replicas, load on one), {} s per row:", SECONDS.as_secs());
        for clients in [1, 64, 256] {
            let base = load::run(&a.addr, noop.clone(), clients, SECONDS, 201).await;
            let group = load::run(&a.addr, pledge.clone(), clients, SECONDS, 201).await;
            println!("  {clients:>3} clients  POST /bench/noop (baseline)      {base}");
            println!("               pledges, group commit            {group}   ({:.2} of baseline)", group.per_sec / base.per_sec);
        }
        let measured = propagation(&b, &a, 1_000, 20).await?;
        println!("\ncross-replica: {} SSE viewers on replica B, 20 pledges on replica A:", measured.connected);
        measured.print("pledge 201 on A -> last viewer on B");
        anyhow::Ok(())
    }
    .await;
    database.drop().await?;
    result
}

/// Polls `done` until it is true or `timeout` passes; says which.
async fn wait_for(done: impl Fn() -> bool, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while !done() {
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    true
}

/// A process's resident memory, from /proc.
pub(crate) fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).context("reading the server's memory")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("VmRSS in /proc/PID/status")
}

/// A `tribefund serve` child process, stopped on drop.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) base: String,
    pub(crate) addr: String,
    /// The demo site's creator key, when this start seeded it.
    pub(crate) key: Option<String>,
}

impl Server {
    pub(crate) fn start(root: &Path, db: &Path, extra: &[&str]) -> anyhow::Result<Server> {
        Server::start_url(root, &format!("sqlite://{}", db.display()), extra)
    }

    pub(crate) fn start_url(root: &Path, database_url: &str, extra: &[&str]) -> anyhow::Result<Server> {
        let target_dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), Into::into);
        let binary = target_dir.join("release").join("tribefund");
        let mut child = Command::new(binary)
            .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--rate-limit", "off"])
            .args(["--database-url", database_url])
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .context("starting the server")?;
        let stdout = child.stdout.take().context("server stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let mut key = None;
        let base = loop {
            let Some(line) = lines.next().transpose()? else {
                let _ = child.kill();
                bail!("the server did not start");
            };
            if let Some(k) = line.strip_prefix("Seeded the demo site. Creator key (shown once): ") {
                key = Some(k.trim().to_owned());
            }
            if let Some(url) = line.trim().strip_prefix("tribefund is serving on ") {
                break url.trim_end_matches('/').to_owned();
            }
        };
        let addr = base.trim_start_matches("http://").to_owned();
        Ok(Server { child, base, addr, key })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the embed page makes the browser fetch before the reader shows intent (the HTML and
/// what it links: styles, `live.js`, `boot.js`), and then to become interactive (the wasm
/// and its glue, which `boot.js` loads on intent). And the loader that host pages fetch.
async fn shipped_size(root: &Path, base: &str) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let html = client.get(format!("{base}/embed/demo")).send().await?.error_for_status()?.text().await?;
    let mut before = vec![("/embed/demo".to_owned(), html.clone().into_bytes())];
    // The page links its styles and scripts; boot.js's tag names the wasm's glue and the
    // wasm (content-hashed, under /pkg/), which it fetches only on intent.
    let linked = |prefix: &str| {
        let mut paths: Vec<String> =
            html.split(['"', '\'']).filter(|part| part.starts_with(prefix)).map(str::to_owned).collect();
        paths.sort();
        paths.dedup();
        paths
    };
    for path in linked("/assets/") {
        before.push((path.clone(), fetch(&client, base, &path).await?));
    }
    let wasm = linked("/pkg/");
    anyhow::ensure!(wasm.len() == 2, "the embed page names the glue and the wasm: {wasm:?}");
    let mut after = Vec::new();
    for path in wasm {
        after.push((path.clone(), fetch(&client, base, &path).await?));
    }
    println!("\nwhat /embed/demo downloads before the reader interacts:");
    let (before_gz, before_br) = list(&before);
    println!("  (target: at most {BEFORE_TARGET_GZIP} B as sent)");
    println!("and then, on intent, to be interactive:");
    let (after_gz, after_br) = list(&after);
    println!(
        "  bytes to interactive: {} B gzip, {} B brotli (as browsers that take it get it)   (target: at most {SIZE_TARGET_GZIP} B)",
        before_gz + after_gz,
        before_br + after_br
    );
    let floor = crate::wasm::floor(root)?;
    println!("the floor: a counter that hydrates with Yew alone, built the same way:");
    let floor = [
        ("floor_bg.wasm".to_owned(), std::fs::read(&floor.wasm)?),
        ("floor.js".to_owned(), std::fs::read(&floor.js)?),
    ];
    let (floor_gz, floor_br) = list(&floor);
    println!(
        "  the widget's wasm and glue above the floor: {} B gzip, {} B brotli",
        after_gz.saturating_sub(floor_gz),
        after_br.saturating_sub(floor_br)
    );
    let loader = client.get(format!("{base}/embed.js")).send().await?.error_for_status()?.bytes().await?;
    println!(
        "  {:<28} {:>8} B raw {:>8} B gzip   (fetched by the host page)",
        "/embed.js",
        loader.len(),
        gzip_len(&loader)
    );
    Ok(())
}

async fn fetch(client: &reqwest::Client, base: &str, path: &str) -> anyhow::Result<Vec<u8>> {
    Ok(client.get(format!("{base}{path}")).send().await?.error_for_status()?.bytes().await?.to_vec())
}

/// Prints each file's size (raw, gzip, brotli) and a total line; the totals (gzip, brotli).
fn list(files: &[(String, Vec<u8>)]) -> (usize, usize) {
    let (mut raw, mut gz, mut br) = (0, 0, 0);
    for (path, bytes) in files {
        let (g, b) = (gzip_len(bytes), crate::wasm::brotli(bytes).len());
        println!("  {path:<28} {:>8} B raw {g:>8} B gzip {b:>8} B brotli", bytes.len());
        raw += bytes.len();
        gz += g;
        br += b;
    }
    println!("  {:<28} {raw:>8} B raw {gz:>8} B gzip {br:>8} B brotli", "total");
    (gz, br)
}

//! Helpers for tribefund's end-to-end tests: a real server on a free port with a fresh
//! database, and a real headless Chromium driven over WebDriver.

use anyhow::{Context, bail};
use api::ratelimit::RateLimit;
use api::{AppState, Application, Settings};
use domain::wire::{CampaignInput, CampaignView};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The workspace root, where `index.html` and `www/` live.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is inside the workspace").to_path_buf()
}

/// The database engines the store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A running server with its own database, stopped when dropped.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub db_url: String,
    /// The demo site's creator key (`tf_demo_…`), from the seeding start.
    pub demo_key: String,
    _dir: TempDir,
    _postgres: Option<Arc<PostgresDatabase>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// What a test may change about the server it spawns.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub rate_limit: Option<RateLimit>,
    /// Failed creator-key checks per address; unlimited when unset (tests make many).
    pub auth_rate_limit: Option<RateLimit>,
    /// Bloggers may create their own site at /dashboard/sign-up.
    pub open_signup: bool,
    /// Keep-alive interval of event streams; 15 s when unset.
    pub keepalive: Option<Duration>,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<api::http::proxies::Cidr>,
    /// Units of a limited tier one address may hold; no cap when unset (tests pledge a lot
    /// from one address).
    pub tier_cap_per_address: Option<u32>,
    /// How long requests, bodies and writes to viewers may take; 30 s when unset.
    pub request_timeout: Option<Duration>,
    /// Caps on connections and event streams; the server's defaults when unset.
    pub admission: Option<api::admission::Limits>,
}

/// Starts the server on a free port with a fresh SQLite database and the demo campaign.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(options: Options) -> TestApp {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let db_url = format!("sqlite://{}", dir.path().join("tribefund.db").display());
    start(db_url, dir, None, options).await
}

/// Starts the server on `engine` with a fresh database; `None` when PostgreSQL is asked for
/// but does not answer (never when `CI=true`: then it panics).
pub async fn spawn_app_on(engine: Engine) -> Option<TestApp> {
    match engine {
        Engine::Sqlite => Some(spawn_app().await),
        Engine::Postgres => {
            let database = Arc::new(PostgresDatabase::create().await?);
            let dir = tempfile::tempdir().expect("a temporary folder");
            Some(start(database.url.clone(), dir, Some(database), Options::default()).await)
        }
    }
}

/// Two replicas on one fresh PostgreSQL database, as behind a load balancer.
pub async fn spawn_replicas() -> Option<(TestApp, TestApp)> {
    let database = Arc::new(PostgresDatabase::create().await?);
    let folder = || tempfile::tempdir().expect("a temporary folder");
    let mut a = start(database.url.clone(), folder(), Some(database.clone()), Options::default()).await;
    let mut b = start(database.url.clone(), folder(), Some(database), Options::default()).await;
    // Only the first seeded the demo site: give both the same, known key.
    let key = api::sites::rotate_key(&a.state.store, api::demo::SITE).await.expect("the demo site exists");
    (a.demo_key, b.demo_key) = (key.clone(), key);
    Some((a, b))
}

async fn start(
    db_url: String,
    dir: TempDir,
    postgres: Option<Arc<PostgresDatabase>>,
    options: Options,
) -> TestApp {
    init_logs();
    let app = build(&db_url, options).await;
    let address = format!("http://{}", app.local_addr());
    let state = app.state().clone();
    let demo_key = app.seeded.as_ref().map(|s| s.key.clone()).unwrap_or_default();
    let server = tokio::spawn(async move {
        app.run_until_stopped().await.expect("the server runs");
    });
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client");
    TestApp { address, client, state, db_url, demo_key, _dir: dir, _postgres: postgres, server }
}

/// Builds (without running) an application on an existing database.
pub async fn build(db_url: &str, options: Options) -> Application {
    Application::build(Settings {
        listen: "127.0.0.1:0".into(),
        database_url: db_url.into(),
        static_dir: workspace_root(),
        public_url: None,
        seed_demo: true,
        rate_limit: options.rate_limit,
        auth_rate_limit: options.auth_rate_limit,
        trusted_proxies: options.trusted_proxies.clone(),
        keepalive: options.keepalive.unwrap_or(Duration::from_secs(15)),
        open_signup: options.open_signup,
        poster_font: None,
        pledge_batch: api::store::DEFAULT_BATCH,
        admission: options.admission.unwrap_or_default(),
        request_timeout: options.request_timeout.unwrap_or(Duration::from_secs(30)),
        tier_cap_per_address: options.tier_cap_per_address,
        sqlite_max_mb: None,
        bench_routes: false,
    })
    .await
    .expect("the application builds")
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn campaign(&self, id: &str) -> CampaignView {
        let response =
            self.client.get(self.url(&format!("/api/v1/campaigns/{id}"))).send().await.expect("GET campaign");
        assert_eq!(response.status(), 200, "GET /api/v1/campaigns/{id}");
        response.json().await.expect("campaign JSON")
    }

    /// The body of a GET, for a path on this server or a full URL (share, receipt links).
    pub async fn text(&self, path_or_url: &str) -> String {
        let url =
            if path_or_url.starts_with("http") { path_or_url.to_owned() } else { self.url(path_or_url) };
        self.client.get(url).send().await.expect("GET").text().await.expect("a text body")
    }

    /// Posts an HTML form from one of the server's own pages, as a browser without
    /// scripts would (saying where it comes from, as browsers do).
    pub async fn post_form<T: serde::Serialize + ?Sized>(&self, path: &str, form: &T) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("origin", &self.address)
            .header("sec-fetch-site", "same-origin")
            .form(form)
            .send()
            .await
            .expect("POST form")
    }

    /// Posts a raw body as JSON to the pledge endpoint.
    pub async fn post_pledge(&self, id: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/v1/campaigns/{id}/pledges")))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("POST pledge")
    }

    /// Stops the server and starts a new one on the same database, as after a crash or a
    /// deploy.
    pub async fn restart(mut self) -> TestApp {
        let app = self.rebuild().await;
        self.address = format!("http://{}", app.local_addr());
        self.state = app.state().clone();
        self.server = tokio::spawn(async move {
            app.run_until_stopped().await.expect("the server runs");
        });
        self
    }

    async fn rebuild(&mut self) -> Application {
        self.server.abort();
        let _ = (&mut self.server).await;
        build(&self.db_url, Options::default()).await
    }

    /// Creates a campaign on the demo site.
    pub async fn create_campaign(&self, input: CampaignInput) {
        api::campaigning::create(&self.state.store, &self.state.hub, api::demo::SITE, input)
            .await
            .expect("the campaign is created");
    }

    /// A request to this server with `key` as the creator's bearer key.
    pub fn creator(&self, method: reqwest::Method, path: &str, key: &str) -> reqwest::RequestBuilder {
        self.client.request(method, self.url(path)).bearer_auth(key)
    }

    /// GETs `path` with the demo site's creator key, as JSON.
    pub async fn creator_json(&self, path: &str) -> serde_json::Value {
        let response = self.creator(reqwest::Method::GET, path, &self.demo_key).send().await.expect("GET");
        response.json().await.expect("a JSON body")
    }

    /// Creates a site through the same code as `tribefund site create`; its key.
    pub async fn create_site(&self, id: &str, origins: &[&str]) -> String {
        let origins: Vec<String> = origins.iter().map(|o| o.to_string()).collect();
        api::sites::create(&self.state.store, id, id, &origins, &self.address)
            .await
            .expect("the site is created")
            .key
    }
}

/// Shows the server's logs when TEST_LOG is set.
fn init_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            tracing_subscriber::fmt()
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
                )
                .with_test_writer()
                .init();
        }
    });
}

/// Polls `check` until it returns `Some` or `timeout` passes.
pub async fn eventually<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        if Instant::now() > deadline {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

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

/// One Server-Sent Events message, or a comment line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sse {
    Event { id: Option<String>, event: Option<String>, data: String },
    Comment(String),
    Retry(u64),
}

/// Reads an event stream from a response, message by message.
pub struct EventReader {
    response: reqwest::Response,
    buffer: String,
}

impl EventReader {
    pub fn new(response: reqwest::Response) -> EventReader {
        EventReader { response, buffer: String::new() }
    }

    /// The next message, waiting at most `timeout`; `None` when the stream ended or the
    /// time ran out.
    pub async fn next(&mut self, timeout: Duration) -> Option<Sse> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                return Some(parse_sse(block.trim_end()));
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk()).await.ok()?.ok()??;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The next `progress` event's data as a campaign, skipping comments.
    pub async fn next_progress(&mut self, timeout: Duration) -> Option<(String, CampaignView)> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if let Sse::Event { id, event, data } = self.next(left).await? {
                assert_eq!(event.as_deref(), Some("progress"));
                return Some((
                    id.unwrap_or_default(),
                    serde_json::from_str(&data).expect("progress data is a campaign"),
                ));
            }
        }
    }
}

fn parse_sse(block: &str) -> Sse {
    if let Some(comment) = block.strip_prefix(':') {
        return Sse::Comment(comment.trim().to_owned());
    }
    if let Some(retry) = block.strip_prefix("retry: ") {
        return Sse::Retry(retry.trim().parse().unwrap_or(0));
    }
    let (mut id, mut event, mut data) = (None, None, Vec::new());
    for line in block.lines() {
        let (field, value) = line.split_once(": ").unwrap_or((line, ""));
        match field {
            "id" => id = Some(value.to_owned()),
            "event" => event = Some(value.to_owned()),
            "data" => data.push(value.to_owned()),
            _ => {}
        }
    }
    Sse::Event { id, event, data: data.join("\n") }
}

/// Where the tests find PostgreSQL: `TRIBEFUND_TEST_POSTGRES`, or the local server.
pub fn postgres_admin_url() -> String {
    std::env::var("TRIBEFUND_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A database of its own for one test, dropped afterwards.
pub struct PostgresDatabase {
    pub url: String,
    name: String,
}

impl PostgresDatabase {
    /// Creates a fresh database; `None` (with a note on stderr) when PostgreSQL does not
    /// answer, unless `CI=true`, where a missing PostgreSQL fails the test.
    pub async fn create() -> Option<PostgresDatabase> {
        use sqlx::Connection;
        let admin = postgres_admin_url();
        let mut conn = match sqlx::PgConnection::connect(&admin).await {
            Ok(conn) => conn,
            Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!("PostgreSQL is required when CI=true, but {admin} does not answer: {e}")
            }
            Err(e) => {
                eprintln!("SKIPPED: PostgreSQL at {admin} does not answer ({e}); this test needs it");
                return None;
            }
        };
        let name = format!("tribefund_test_{}", unique_suffix());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("creating a test database");
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(base, _)| base);
        Some(PostgresDatabase { url: format!("{base}/{name}"), name })
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        let (admin, name) = (postgres_admin_url(), self.name.clone());
        // Drop may run inside a runtime that is shutting down: clean up on a thread of its own.
        let _ = std::thread::spawn(move || {
            use sqlx::Connection;
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&admin).await.ok()?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await
                    .ok()
            })
        })
        .join();
    }
}

/// A name part no other test run shares.
fn unique_suffix() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()),
    );
    format!("{:016x}{:08x}", hasher.finish(), std::process::id())
}

/// Runs the ordinary `async fn $name(app: TestApp)` once on SQLite and once on PostgreSQL,
/// as the tests `$name::on_sqlite` and `$name::on_postgres`, each with a fresh server and
/// database. The body stays an ordinary function, so rustfmt formats it.
#[macro_export]
macro_rules! store_test {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn on_sqlite() {
                let app = $crate::spawn_app_on($crate::Engine::Sqlite).await.expect("SQLite is always there");
                super::$name(app).await
            }

            #[tokio::test]
            async fn on_postgres() {
                let Some(app) = $crate::spawn_app_on($crate::Engine::Postgres).await else { return };
                super::$name(app).await
            }
        }
    };
}

/// The real `tribefund` binary serving a database, for what only a process can show: its
/// open-files limit, and being killed.
pub struct Process {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub address: String,
    /// The demo site's creator key, printed when this start seeded it.
    pub demo_key: Option<String>,
}

impl Process {
    /// Starts `target/debug/tribefund serve` on `db_url` with the demo campaign and no rate
    /// limits, plus `extra_args`; with `open_files`, under that soft limit (`ulimit -S -n`).
    pub async fn start(db_url: &str, extra_args: &[&str], open_files: Option<u32>) -> Process {
        Process::launch(db_url, extra_args, open_files, None).await
    }

    /// [`Process::start`], logging everything down to debug level into `log`.
    pub async fn start_logging(db_url: &str, log: &Path) -> Process {
        Process::launch(db_url, &[], None, Some(log)).await
    }

    async fn launch(
        db_url: &str,
        extra_args: &[&str],
        open_files: Option<u32>,
        log: Option<&Path>,
    ) -> Process {
        let binary = workspace_root().join("target/debug/tribefund");
        assert!(binary.exists(), "{} is missing: run the tests with `cargo xtask test`", binary.display());
        let mut command = match open_files {
            Some(limit) => {
                let mut sh = Command::new("sh");
                sh.args([
                    "-c",
                    &format!("ulimit -S -n {limit} && exec \"$0\" \"$@\""),
                    &binary.display().to_string(),
                ]);
                sh
            }
            None => Command::new(&binary),
        };
        command
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--demo",
                "--database-url",
                db_url,
                "--rate-limit",
                "off",
            ])
            .args(extra_args)
            .stdout(Stdio::piped())
            .kill_on_drop(true);
        match log {
            Some(path) => {
                command.env("RUST_LOG", "debug").stderr(std::fs::File::create(path).expect("a log file"));
            }
            None => {
                command.stderr(Stdio::null());
            }
        }
        let mut child = command.spawn().expect("tribefund starts");
        let mut lines = BufReader::new(child.stdout.take().expect("its output")).lines();
        let (mut address, mut demo_key) = (None, None);
        tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await.expect("its output") {
                if let Some(key) = line.strip_prefix("Seeded the demo site. Creator key (shown once): ") {
                    demo_key = Some(key.trim().to_owned());
                }
                if let Some(rest) = line.strip_prefix("tribefund is serving on ") {
                    address = Some(rest.trim_end_matches('/').to_owned());
                    return;
                }
            }
        })
        .await
        .expect("tribefund serves within 30 s");
        // Keep reading its output, so it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Process { child, address: address.expect("the address it serves on"), demo_key }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// SIGKILL: no shutdown, no flush, as a crash or the OOM killer.
    pub async fn kill(mut self) {
        self.child.kill().await.expect("the process is killed");
    }
}

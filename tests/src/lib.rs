//! Helpers for tribefund's end-to-end tests: a real server on a free port with a fresh
//! database (`TestApp`), a real headless Chromium driven over WebDriver (`browser`), the
//! real binary as a process (`process`), event streams (`events`) and PostgreSQL
//! databases of their own (`postgres`).

pub mod axe;
mod browser;
mod events;
mod link;
pub mod platforms;
mod postgres;
mod process;
mod receiver;
pub mod robot;
mod smtp;
mod stripe;

pub use browser::Browser;
pub use events::{EventReader, Sse};
pub use link::Link;
pub use postgres::{PostgresDatabase, postgres_admin_url};
pub use process::Process;
pub use receiver::{Delivery, Receiver, verify};
pub use smtp::{SmtpSink, free_port, mail_settings, signed_mail_settings};
pub use stripe::Localstripe;
pub mod cards {
    pub use crate::stripe::{
        CARD_DECLINED, CARD_DECLINED_AT_CHARGE, CARD_OK, PUBLISHABLE_KEY, WEBHOOK_SECRET,
    };
}

use api::ratelimit::RateLimit;
use api::{AppState, Application, Settings};
use domain::wire::{CampaignInput, CampaignView};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};
use tempfile::TempDir;

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
    /// `http://127.0.0.1:PORT/metrics`, on the metrics' own listener.
    pub metrics: String,
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
    pub trusted_proxies: Vec<api::net::Cidr>,
    /// Units of a limited tier one address may hold; no cap when unset (tests pledge a lot
    /// from one address).
    pub tier_cap_per_address: Option<u32>,
    /// Units of a limited tier one address may hold awaiting payment; no cap when unset.
    pub unpaid_cap_per_address: Option<u32>,
    /// Percent of a limited tier that pledges awaiting payment may hold; no bound when unset.
    pub unpaid_share_of_tier: Option<u8>,
    /// How long requests, bodies and writes to viewers may take; 30 s when unset.
    pub request_timeout: Option<Duration>,
    /// Caps on connections and event streams; the server's defaults when unset.
    pub admission: Option<api::admission::Limits>,
    /// Stripe (a localstripe) for card payments; none when unset.
    pub stripe: Option<api::payments::stripe::Settings>,
    /// The most pledges waiting for the writer; the server's default when unset.
    pub pledge_queue: Option<usize>,
    /// Where mail goes (an SMTP server the test started); none when unset.
    pub mail: Option<api::mail::Settings>,
    /// How long a waitlist offer holds its units; the server's default (a day) when unset.
    pub waitlist_hold: Option<Duration>,
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
    spawn_app_on_with(engine, Options::default()).await
}

/// [`spawn_app_on`] with `options`.
pub async fn spawn_app_on_with(engine: Engine, options: Options) -> Option<TestApp> {
    match engine {
        Engine::Sqlite => Some(spawn_app_with(options).await),
        Engine::Postgres => {
            let database = Arc::new(PostgresDatabase::create().await?);
            let dir = tempfile::tempdir().expect("a temporary folder");
            Some(start(database.url.clone(), dir, Some(database), options).await)
        }
    }
}

/// Starts the server on a fresh PostgreSQL database that it reaches through `link`, which
/// the test may cut; `None` when PostgreSQL does not answer (never when `CI=true`).
pub async fn spawn_app_through(link: &Link) -> Option<TestApp> {
    let database = Arc::new(PostgresDatabase::create().await?);
    let dir = tempfile::tempdir().expect("a temporary folder");
    Some(start(link.url(&database.url), dir, Some(database), Options::default()).await)
}

/// Two replicas on one fresh PostgreSQL database, as behind a load balancer.
pub async fn spawn_replicas() -> Option<(TestApp, TestApp)> {
    spawn_replicas_with(Options::default()).await
}

/// [`spawn_replicas`] with `options` for both.
pub async fn spawn_replicas_with(options: Options) -> Option<(TestApp, TestApp)> {
    let database = Arc::new(PostgresDatabase::create().await?);
    let folder = || tempfile::tempdir().expect("a temporary folder");
    let mut a = start(database.url.clone(), folder(), Some(database.clone()), options.clone()).await;
    let mut b = start(database.url.clone(), folder(), Some(database), options).await;
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
    let metrics = format!("http://{}/metrics", app.metrics_addr().expect("tests serve metrics"));
    let state = app.state().clone();
    let demo_key = app.seeded.as_ref().map(|s| s.key.clone()).unwrap_or_default();
    let server = tokio::spawn(async move {
        app.run_until_stopped().await.expect("the server runs");
    });
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client");
    TestApp { address, metrics, client, state, db_url, demo_key, _dir: dir, _postgres: postgres, server }
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
        pledge_queue: options.pledge_queue.unwrap_or(api::store::DEFAULT_QUEUE),
        waitlist_hold: options
            .waitlist_hold
            .unwrap_or(Duration::from_secs(u64::from(api::store::waitlist::DEFAULT_HOLD_HOURS) * 3600)),
        admission: options.admission.unwrap_or_default(),
        request_timeout: options.request_timeout.unwrap_or(Duration::from_secs(30)),
        address_retention_days: 180,
        tier_cap_per_address: options.tier_cap_per_address,
        unpaid_cap_per_address: options.unpaid_cap_per_address,
        unpaid_share_of_tier: options.unpaid_share_of_tier,
        sqlite_max_mb: None,
        bench_routes: false,
        // Receivers in tests listen on this machine; failed deliveries are tried again
        // at the next round.
        webhooks: api::webhooks::Settings { private_addresses: true, first_retry: Duration::from_millis(1) },
        metrics_listen: Some("127.0.0.1:0".to_owned()),
        stripe: options.stripe.clone(),
        mail: options.mail.clone(),
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

    /// The JSON body of a GET of a path on this server.
    pub async fn json(&self, path: &str) -> serde_json::Value {
        self.client.get(self.url(path)).send().await.expect("GET").json().await.expect("a JSON body")
    }

    /// The JSON body of a POST without a body to a path on this server.
    pub async fn post_json(&self, path: &str) -> serde_json::Value {
        self.client.post(self.url(path)).send().await.expect("POST").json().await.expect("a JSON body")
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
        api::campaigning::create(&self.state.store, &self.state.hub, api::demo::SITE, input, false)
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

/// Runs the ordinary `async fn $name(app: TestApp)` once on SQLite and once on PostgreSQL,
/// as the tests `$name::on_sqlite` and `$name::on_postgres`, each with a fresh server and
/// database (started with the given `Options`, when there are any). The body stays an
/// ordinary function, so rustfmt formats it.
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
    ($name:ident, $options:expr) => {
        mod $name {
            #[tokio::test]
            async fn on_sqlite() {
                let app = $crate::spawn_app_on_with($crate::Engine::Sqlite, $options)
                    .await
                    .expect("SQLite is always there");
                super::$name(app).await
            }

            #[tokio::test]
            async fn on_postgres() {
                let Some(app) = $crate::spawn_app_on_with($crate::Engine::Postgres, $options).await else {
                    return;
                };
                super::$name(app).await
            }
        }
    };
}

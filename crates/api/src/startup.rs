//! Building and running the server: settings, shared state, the listener.

use crate::hub::Hub;
use crate::ratelimit::{Limiter, RateLimit};
use crate::store::Store;
use anyhow::Context;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: String,
    pub database_url: String,
    /// The folder holding `index.html` and `www/`.
    pub static_dir: PathBuf,
    /// The public base URL (`https://fund.example.com`) used in share and receipt links;
    /// when unset, links are built from the request's `Host`.
    pub public_url: Option<String>,
    pub seed_demo: bool,
    pub rate_limit: Option<RateLimit>,
    /// Failed creator-key checks per client address; past it, every key check from that
    /// address waits (429), so guessing keys costs time.
    pub auth_rate_limit: Option<RateLimit>,
    /// The reverse proxies whose `X-Forwarded-For` names the client (and whose
    /// `X-Forwarded-Proto` says HTTPS); empty trusts no header.
    pub trusted_proxies: Vec<crate::http::proxies::Cidr>,
    /// How often an idle event stream gets a keep-alive comment, so proxies and phones
    /// do not drop it.
    pub keepalive: std::time::Duration,
    /// Let bloggers create their own site from `/dashboard/sign-up` (off: sites come from
    /// the command line).
    pub open_signup: bool,
    /// The font share posters are drawn in; when unset, the first Debian CJK font found
    /// (see `tribe::FONT_PATHS`).
    pub poster_font: Option<PathBuf>,
    /// The most pledges committed in one transaction; 1 commits each on its own.
    pub pledge_batch: usize,
    /// How long a request's head, its body, its answer, or one write to a live viewer may
    /// take; past it the request is answered 408 or the viewer dropped.
    pub request_timeout: std::time::Duration,
    /// SQLite only: the largest the database file may grow, in MB; unset for no bound.
    pub sqlite_max_mb: Option<u64>,
    /// The most units of one limited tier that one address (an IPv6 /64) may hold; `None`
    /// for no cap.
    pub tier_cap_per_address: Option<u32>,
    /// The most of those units one address may hold awaiting payment; `None` for no cap.
    pub unpaid_cap_per_address: Option<u32>,
    /// The most of a limited tier's units, in percent of its limit, that pledges awaiting
    /// payment may hold together; `None` for no bound.
    pub unpaid_share_of_tier: Option<u8>,
    /// Caps on connections and event streams (see [`crate::admission`]).
    pub admission: crate::admission::Limits,
    /// Adds `POST /bench/noop`, which parses a pledge and answers without storing it: the
    /// baseline that `cargo xtask bench` compares the pledge path with. Off in production.
    pub bench_routes: bool,
    /// Where and how the sites' events are sent.
    pub webhooks: crate::webhooks::Settings,
    /// Stripe's keys and addresses; without them campaigns cannot take cards.
    pub stripe: Option<crate::payments::stripe::Settings>,
    /// Where `GET /metrics` is served (never on `listen`); `None` serves no metrics.
    pub metrics_listen: Option<String>,
}

/// What every request handler shares: one `Arc`, so handing it to a request is one
/// reference count, whatever it holds.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Shared>);

#[derive(Debug)]
pub struct Shared {
    /// Everything durable; the only holder of SQL.
    pub store: Store,
    /// Every campaign's current snapshot and every site's framing policy, in memory.
    pub hub: Arc<Hub>,
    /// Pledges (and receipt cancellations) per client address.
    pub limiter: Limiter,
    /// Receipt reads and cancellations per client address, at the pledges' rate.
    pub receipt_limiter: Limiter,
    /// Share posters drawn per client address (cache misses), at [`crate::tribe::POSTER_RENDERS`]
    /// when rate limiting is on.
    pub poster_limiter: Limiter,
    /// Share posters drawn, by what they show (see `tribe::poster`).
    pub posters: crate::tribe::Posters,
    /// Signs the plain pledge form for browsers that send no `Origin` (shared by replicas).
    pub form_key: String,
    /// Turns true when the server stops: every event stream, on either path, ends then.
    pub stopping: tokio::sync::watch::Sender<bool>,
    /// Connections and event streams held, against their caps.
    pub admission: Arc<crate::admission::Admission>,
    /// Failed creator-key checks per client address: guessing keys costs time.
    pub auth_failures: Limiter,
    /// Calls Stripe, when the server has its keys.
    pub stripe: Option<crate::payments::stripe::Stripe>,
    /// The static files, as sent, under their content-hashed names.
    pub assets: crate::http::manifest::Manifest,
    /// Counts for the operator, served on `metrics_listen`.
    pub metrics: crate::metrics::Metrics,
    pub settings: Settings,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct Application {
    listener: TcpListener,
    metrics: Option<TcpListener>,
    state: AppState,
    /// The demo site made by this start, if any: its key and sign-in link, to show once.
    pub seeded: Option<crate::sites::CreatedSite>,
}

impl Application {
    /// Opens the store, seeds the demo when asked, loads every campaign into the hub and
    /// binds the listener (port 0 picks a free port).
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let hub = Arc::new(Hub::default());
        let store =
            Store::open(&settings.database_url, hub.clone(), settings.pledge_batch, settings.sqlite_max_mb)
                .await?;
        let open_files = crate::admission::raise_descriptor_limit();
        let admission = crate::admission::Admission::new(settings.admission, open_files);
        let (streams, max_streams, _, max_connections) = admission.counts();
        tracing::info!(open_files, max_connections, max_streams, streams, "descriptor limits");
        let form_key = store.secret("pledge_form").await?;
        crate::webhooks::deliver::spawn(store.clone(), settings.webhooks.clone());
        let stripe = settings.stripe.clone().map(crate::payments::stripe::Stripe::new).transpose()?;
        let www = settings.static_dir.join("www");
        let assets = tokio::task::spawn_blocking(move || crate::http::manifest::Manifest::read(&www))
            .await?
            .context("reading the static files")?;
        let state = AppState(Arc::new(Shared {
            metrics: crate::metrics::Metrics::new(store.stats()),
            assets,
            stripe,
            form_key,
            store,
            hub,
            limiter: Limiter::new(settings.rate_limit),
            receipt_limiter: Limiter::new(settings.rate_limit),
            poster_limiter: Limiter::new(settings.rate_limit.map(|_| crate::tribe::POSTER_RENDERS)),
            posters: crate::tribe::Posters::default(),
            stopping: tokio::sync::watch::Sender::new(false),
            admission,
            auth_failures: Limiter::new(settings.auth_rate_limit),
            settings,
        }));
        let now = crate::now();
        crate::sites::load(&state.store, &state.hub).await?;
        for stored in state.store.campaigns().await? {
            state.hub.insert(stored.campaign, &stored.site, stored.counts, now);
        }
        crate::settlement::spawn(state.store.clone(), state.hub.clone());
        crate::payments::expiry::spawn(state.store.clone());
        crate::payments::cards::spawn(state.clone());
        let listener = TcpListener::bind(&state.settings.listen)
            .await
            .with_context(|| format!("listening on {}", state.settings.listen))?;
        let metrics = match &state.settings.metrics_listen {
            Some(address) => Some(
                TcpListener::bind(address)
                    .await
                    .with_context(|| format!("listening for metrics on {address}"))?,
            ),
            None => None,
        };
        let base = match &state.settings.public_url {
            Some(url) => url.clone(),
            None => format!("http://{}", listener.local_addr()?),
        };
        let seeded = if state.settings.seed_demo { crate::demo::seed(&state, &base).await? } else { None };
        if seeded.is_some() {
            tracing::info!(site = crate::demo::SITE, "seeded the demo site and campaign");
        }
        Ok(Application { listener, metrics, state, seeded })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// Where the metrics are served, when they are.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(|l| l.local_addr().expect("a bound listener has an address"))
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `shutdown` completes: stops accepting, ends event streams, lets the
    /// requests in flight finish (for at most ten seconds), and returns.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        let router = crate::http::router(self.state.clone());
        if let Some(metrics) = self.metrics {
            crate::metrics::serve(metrics, self.state.clone());
        }
        crate::serve::serve(self.listener, self.state, router, shutdown).await
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}

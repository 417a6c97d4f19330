//! Building and running the server: settings, shared state, the listener.

use crate::hub::Hub;
use crate::ratelimit::{Limiter, RateLimit};
use crate::store::Store;
use anyhow::Context;
use domain::Campaign;
use domain::wire::CampaignInput;
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
    /// Trust `X-Forwarded-For` and `X-Forwarded-Proto` from a reverse proxy.
    pub trust_proxy: bool,
    /// How often an idle event stream gets a keep-alive comment, so proxies and phones
    /// do not drop it.
    pub keepalive: std::time::Duration,
    /// The most pledges committed in one transaction; 1 commits each on its own.
    pub pledge_batch: usize,
    /// Adds `POST /bench/noop`, which parses a pledge and answers without storing it: the
    /// baseline that `cargo xtask bench` compares the pledge path with. Off in production.
    pub bench_routes: bool,
}

/// What every request handler shares: one `Arc`, so handing it to a request is one
/// reference count, whatever it holds.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Shared>);

#[derive(Debug)]
pub struct Shared {
    pub store: Store,
    pub hub: Arc<Hub>,
    pub limiter: Limiter,
    pub settings: Settings,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// Checks, stores and publishes a new campaign of `site`.
    pub async fn create_campaign(&self, site: &str, input: CampaignInput) -> Result<(), crate::Error> {
        let campaign = Campaign::new(input).map_err(crate::Error::Invalid)?;
        let taken = || {
            let mut errors = domain::FieldErrors::new();
            errors.add("id", domain::FieldError::Duplicate);
            crate::Error::Invalid(errors)
        };
        if self.hub.get(campaign.id().as_str()).is_some() {
            return Err(taken());
        }
        if !self.store.create_campaign(site, &campaign, crate::now()).await? {
            return Err(taken());
        }
        let origins = self.store.site_origins(site).await?;
        self.hub.insert(campaign, origins, Default::default(), crate::now());
        Ok(())
    }
}

pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl Application {
    /// Opens the store, seeds the demo when asked, loads every campaign into the hub and
    /// binds the listener (port 0 picks a free port).
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let hub = Arc::new(Hub::default());
        let store = Store::open(&settings.database_url, hub.clone(), settings.pledge_batch).await?;
        let state =
            AppState(Arc::new(Shared { store, hub, limiter: Limiter::new(settings.rate_limit), settings }));
        let now = crate::now();
        for stored in state.store.campaigns().await? {
            state.hub.insert(stored.campaign, stored.frame_ancestors, stored.counts, now);
        }
        if state.settings.seed_demo
            && let Some(key) = crate::demo::seed(&state).await?
        {
            tracing::info!(
                site = crate::demo::SITE,
                key,
                "seeded the demo campaign; keep the site's creator key"
            );
        }
        let listener = TcpListener::bind(&state.settings.listen)
            .await
            .with_context(|| format!("listening on {}", state.settings.listen))?;
        Ok(Application { listener, state })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
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

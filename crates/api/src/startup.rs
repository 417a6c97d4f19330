//! Wiring: opens the store, loads the hub, starts the background rounds, binds the
//! listeners and hands the doors their shared state. It decides nothing itself.

use crate::http::state::{AppState, Shared};
use crate::hub::Hub;
use crate::ratelimit::Limiter;
use crate::settings::Settings;
use crate::store::Store;
use anyhow::Context;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

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
        let store = Store::open(
            &settings.database_url,
            hub.clone(),
            (settings.pledge_batch, settings.pledge_queue),
            settings.sqlite_max_mb,
        )
        .await?;
        store.set_waitlist_hold(settings.waitlist_hold);
        let open_files = crate::admission::raise_descriptor_limit();
        let admission = crate::admission::Admission::new(settings.admission, open_files);
        let (streams, max_streams, _, max_connections) = admission.counts();
        tracing::info!(open_files, max_connections, max_streams, streams, "descriptor limits");
        let form_key = store.secret("pledge_form").await?;
        let stripe = settings.stripe.clone().map(crate::payments::stripe::Stripe::new).transpose()?;
        let www = settings.static_dir.join("www");
        let assets = tokio::task::spawn_blocking(move || crate::http::manifest::Manifest::read(&www))
            .await?
            .context("reading the static files")?;
        let state = AppState::new(Shared {
            metrics: crate::metrics::Metrics::new(store.stats()),
            assets,
            cards: crate::payments::Cards { store: store.clone(), hub: hub.clone(), stripe },
            form_key,
            store,
            hub,
            limiter: Limiter::new(settings.rate_limit),
            receipt_limiter: Limiter::new(settings.rate_limit),
            poster_limiter: Limiter::new(settings.rate_limit.map(|_| crate::tribe::POSTER_RENDERS)),
            posters: crate::tribe::Posters::default(),
            share_lists: Default::default(),
            stopping: tokio::sync::watch::Sender::new(false),
            admission,
            auth_failures: Limiter::new(settings.auth_rate_limit),
            settings,
        });
        let now = crate::now();
        crate::sites::load(&state.store, &state.hub).await?;
        for stored in state.store.campaigns().await? {
            state.hub.insert(stored.campaign, &stored.site, stored.counts, now);
        }
        crate::hub::spawn_clock(state.hub.clone());
        crate::settlement::spawn(state.store.clone(), state.hub.clone());
        crate::payments::expiry::spawn(state.store.clone());
        crate::waitlist::spawn_round(state.store.clone(), state.hub.clone());
        crate::payments::cards::spawn(state.cards.clone());
        crate::delivery::round::spawn(
            state.store.clone(),
            state.hub.clone(),
            state.settings.address_retention_days,
        );
        match &state.settings.mail {
            Some(mail) => {
                crate::mail::send::spawn(state.cards.clone(), mail.clone())?;
                crate::mail::creators::spawn(state.store.clone(), state.hub.clone());
                crate::mail::reminders::spawn(state.store.clone());
                crate::mail::fans::spawn(state.store.clone(), state.hub.clone());
            }
            None => tracing::info!("mail is off: no --smtp-url or --mail-dir, so nothing is mailed"),
        }
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
        let (store, hub) = (state.store.clone(), state.hub.clone());
        let public_base = base.trim_end_matches('/').to_owned();
        crate::webhooks::deliver::spawn(
            store.clone(),
            hub.clone(),
            public_base,
            state.settings.webhooks.clone(),
        );
        crate::webhooks::moments::spawn(store, hub);
        // Mails queued away from any request (a payment's move) link here.
        if state.settings.mail.is_some() {
            let key = state.store.secret("unsubscribe").await?;
            state.store.mail_links(base.trim_end_matches('/').to_owned(), key);
        }
        let seeded = if state.settings.seed_demo {
            crate::demo::seed(&state.store, &state.hub, &base).await?
        } else {
            None
        };
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
            crate::http::serve_metrics(metrics, self.state.clone());
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

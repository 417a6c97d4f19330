//! What every door shares: the store, the hub, the limiters and the settings, behind one
//! `Arc`. Only the doors (and the wiring that builds them) hold it; capabilities take the
//! narrow parts they use.

use crate::hub::Hub;
use crate::ratelimit::Limiter;
use crate::settings::Settings;
use crate::store::Store;
use std::sync::Arc;

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
    /// The share page's first page of backers and of recruiters, per campaign.
    pub(crate) share_lists: crate::http::tribe_page::FirstPages,
    /// Signs the plain pledge form for browsers that send no `Origin` (shared by replicas).
    pub form_key: String,
    /// Turns true when the server stops: every event stream, on either path, ends then.
    pub stopping: tokio::sync::watch::Sender<bool>,
    /// Connections and event streams held, against their caps.
    pub admission: Arc<crate::admission::Admission>,
    /// Failed creator-key checks per client address: guessing keys costs time.
    pub auth_failures: Limiter,
    /// The money capabilities' context: the store, the hub and Stripe when the server
    /// has its keys.
    pub cards: crate::payments::Cards,
    /// The static files, as sent, under their content-hashed names.
    pub assets: crate::http::manifest::Manifest,
    /// Counts for the operator, served on `metrics_listen`.
    pub metrics: crate::metrics::Metrics,
    pub settings: Settings,
}

impl AppState {
    pub fn new(shared: Shared) -> AppState {
        AppState(Arc::new(shared))
    }

    /// What taking a pledge works with.
    pub fn desk(&self) -> crate::pledging::Desk<'_> {
        let settings = &self.settings;
        crate::pledging::Desk {
            store: &self.store,
            limiter: &self.limiter,
            metrics: &self.metrics,
            caps: crate::pledging::Caps {
                units_per_address: settings.tier_cap_per_address,
                unpaid_per_address: settings.unpaid_cap_per_address,
                unpaid_share_of_tier: settings.unpaid_share_of_tier,
            },
            mail: settings.mail.is_some(),
        }
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

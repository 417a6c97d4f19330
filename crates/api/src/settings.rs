//! What the server is started with: the command line's choices, as one value.

use crate::ratelimit::RateLimit;
use std::path::PathBuf;

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
    pub trusted_proxies: Vec<crate::net::Cidr>,
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
    /// The most pledges waiting for the writer; past it they are answered 503 at once.
    pub pledge_queue: usize,
    /// How long a waitlist offer holds its units.
    pub waitlist_hold: std::time::Duration,
    /// How long a request's head, its body, its answer, or one write to a live viewer may
    /// take; past it the request is answered 408 or the viewer dropped.
    pub request_timeout: std::time::Duration,
    /// Days a delivery address is kept after its reward was delivered.
    pub address_retention_days: u32,
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
    /// Where mail goes and whom it is from; `None`: nothing is mailed.
    pub mail: Option<crate::mail::Settings>,
}

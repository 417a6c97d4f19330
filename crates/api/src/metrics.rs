//! The operator's metrics, in Prometheus' text format (prometheus-client), served only on
//! `--metrics-listen` (off by default), never on the public port: they count every site's
//! traffic together.
//!
//! Counters are bumped where things happen (a request answered, a pledge taken or refused;
//! the store counts its batches, reloads and reconnects itself); gauges (queue depth,
//! viewers, streams, pools) are read when the metrics are asked for, so keeping them
//! costs nothing in between.
//!
//! Labels are bounded: a route is its pattern, never its path (paths hold tokens), and a
//! refused pledge is counted by its problem type.

use crate::admission::Admission;
use crate::error::Error;
use crate::hub::Hub;
use crate::store::Store;
use crate::store::mails::MailQueue;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    /// The matched route (`/api/v1/campaigns/{id}`), never the path: bounded, and free of
    /// tokens.
    route: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    /// The problem's kind (`sold-out`, `rate-limited`, `invalid`, `unavailable` …).
    reason: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    pool: &'static str,
    state: &'static str,
}

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    pledges_accepted: Counter,
    pledges_refused: Family<ReasonLabels, Counter>,
    writer_queue: Gauge,
    live_viewers: Gauge,
    event_streams: Gauge,
    connections: Gauge,
    hub_campaigns: Gauge,
    pool_connections: Family<PoolLabels, Gauge>,
    writer_restarts: Gauge,
    image_decodes: Counter,
    poster_renders: Counter,
    mails: Family<MailLabels, Gauge>,
    mail_oldest_seconds: Gauge,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MailLabels {
    status: &'static str,
}

impl Metrics {
    /// Registers everything, the store's own counts among them.
    pub fn new(store: &crate::store::stats::Stats) -> Metrics {
        let mut registry = Registry::with_prefix("tribefund");
        let metrics = Metrics {
            requests: Family::default(),
            pledges_accepted: Counter::default(),
            pledges_refused: Family::default(),
            writer_queue: Gauge::default(),
            live_viewers: Gauge::default(),
            event_streams: Gauge::default(),
            connections: Gauge::default(),
            hub_campaigns: Gauge::default(),
            pool_connections: Family::default(),
            writer_restarts: Gauge::default(),
            image_decodes: Counter::default(),
            poster_renders: Counter::default(),
            mails: Family::default(),
            mail_oldest_seconds: Gauge::default(),
            registry: Registry::default(),
        };
        let r = &mut registry;
        r.register("http_requests", "Requests answered, by route and status", metrics.requests.clone());
        r.register("pledges_accepted", "Pledges taken (stored)", metrics.pledges_accepted.clone());
        r.register("pledges_refused", "Pledges refused, by reason", metrics.pledges_refused.clone());
        r.register("batch_size", "Pledges and cancellations per committed batch", store.batch_size.clone());
        r.register(
            "commit_seconds",
            "Seconds from a batch's start to its commit",
            store.commit_seconds.clone(),
        );
        r.register(
            "writer_queue",
            "Pledges and cancellations waiting for the writer",
            metrics.writer_queue.clone(),
        );
        r.register(
            "writer_restarts",
            "Times the writer was started again after a panic",
            metrics.writer_restarts.clone(),
        );
        r.register("live_viewers", "Live viewers subscribed to campaigns", metrics.live_viewers.clone());
        r.register("event_streams", "Event-stream connections held", metrics.event_streams.clone());
        r.register("connections", "Connections held", metrics.connections.clone());
        r.register("hub_campaigns", "Campaigns held in memory", metrics.hub_campaigns.clone());
        r.register(
            "pool_connections",
            "Database connections, by pool and state",
            metrics.pool_connections.clone(),
        );
        r.register(
            "listener_reconnects",
            "Times the PostgreSQL listening connection was opened again",
            store.listener_reconnects.clone(),
        );
        r.register(
            "image_decodes",
            "Uploaded images decoded (their header's size accepted, their turn come)",
            metrics.image_decodes.clone(),
        );
        r.register(
            "poster_renders",
            "Share posters drawn (requests the poster cache could not answer)",
            metrics.poster_renders.clone(),
        );
        r.register("reloads", "Campaigns reloaded after another replica's change", store.reloads.clone());
        r.register(
            "mails",
            "Mails in the outbox, by status (waiting, retrying: waiting after a failed try, sent, undeliverable)",
            metrics.mails.clone(),
        );
        r.register(
            "mail_oldest_seconds",
            "Seconds the oldest waiting mail has waited",
            metrics.mail_oldest_seconds.clone(),
        );
        Metrics { registry, ..metrics }
    }

    /// A request answered on `route` with `status`.
    pub fn request(&self, route: &str, status: u16) {
        self.requests.get_or_create(&RequestLabels { route: route.to_owned(), status }).inc();
    }

    /// An uploaded image about to be decoded.
    pub fn image_decode(&self) {
        self.image_decodes.inc();
    }

    /// A share poster about to be drawn.
    pub fn poster_render(&self) {
        self.poster_renders.inc();
    }

    /// A pledge's outcome, from the JSON API or the plain form.
    pub fn pledge<T>(&self, outcome: &Result<T, Error>) {
        match outcome {
            Ok(_) => {
                self.pledges_accepted.inc();
            }
            Err(error) => self.refused(error),
        }
    }

    /// A pledge refused before it reached [`crate::pledging::take`] (the plain form's own
    /// checks).
    pub fn refused(&self, error: &Error) {
        let kind = error.problem().kind;
        let reason = kind.trim_start_matches("/problems/").to_owned();
        self.pledges_refused.get_or_create(&ReasonLabels { reason }).inc();
    }

    /// The text exposition, with the gauges read now from the store, the hub, the
    /// admission counts and the mail outbox (`None` when mail is off).
    pub fn render(&self, store: &Store, hub: &Hub, admission: &Admission, mail: Option<MailQueue>) -> String {
        if let Some(mail) = mail {
            for (status, count) in [
                ("waiting", mail.waiting),
                ("retrying", mail.retrying),
                ("sent", mail.sent),
                ("undeliverable", mail.undeliverable),
            ] {
                self.mails.get_or_create(&MailLabels { status }).set(count);
            }
            self.mail_oldest_seconds.set(mail.oldest_secs);
        }
        let gauge = |value: usize| i64::try_from(value).unwrap_or(i64::MAX);
        self.writer_queue.set(gauge(store.writer_queue()));
        self.writer_restarts.set(i64::try_from(store.writer_restarts()).unwrap_or(i64::MAX));
        let (campaigns, viewers) = hub.sizes();
        self.hub_campaigns.set(gauge(campaigns));
        self.live_viewers.set(gauge(viewers));
        let (streams, _, connections, _) = admission.counts();
        self.event_streams.set(gauge(streams));
        self.connections.set(gauge(connections));
        let (readers, writer) = store.pool_use();
        for (pool, used) in [("readers", Some(readers)), ("writer", writer)] {
            let Some(used) = used else { continue };
            self.pool_connections.get_or_create(&PoolLabels { pool, state: "busy" }).set(used.busy.into());
            self.pool_connections.get_or_create(&PoolLabels { pool, state: "idle" }).set(used.idle.into());
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry).expect("writing to a string");
        text
    }
}

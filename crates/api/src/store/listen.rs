//! Other replicas' changes, on PostgreSQL.
//!
//! Every transaction that changes a campaign sends `NOTIFY tribefund_progress, '<id>'`,
//! delivered when it commits (and the command line sends `site:<id>` when it changes a
//! site's origins). Each replica keeps one listening connection. Notifications
//! mark campaigns dirty; one reloader task reads each dirty campaign's counts in a
//! consistent snapshot and publishes them to the hub, so a burst of pledges elsewhere costs
//! one reload per campaign while a reload is under way, not one per pledge. A campaign the
//! hub does not know yet (created on another replica) is loaded whole. When the listening
//! connection is lost, notifications may have been missed: once it is back, every campaign
//! is reloaded; so when it stops answering (asked after 20 s of quiet) it is replaced.

use super::Store;
use crate::hub::Hub;
use sqlx::PgPool;
use sqlx::postgres::{PgListener, PgPoolOptions};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

pub(super) const CHANNEL: &str = "tribefund_progress";

/// After this long without a notification the listening connection is asked to answer, and
/// replaced when it does not within `PING`.
const QUIET: Duration = Duration::from_secs(20);
const PING: Duration = Duration::from_secs(5);

#[derive(Default)]
struct Dirty {
    ids: Mutex<BTreeSet<String>>,
    /// Reload every campaign, known or not.
    everything: Mutex<bool>,
    wake: Notify,
}

pub(super) fn spawn(pool: PgPool, store: Store, hub: Arc<Hub>) {
    let dirty = Arc::new(Dirty::default());
    tokio::spawn(listen(pool, dirty.clone(), store.stats.clone()));
    tokio::spawn(reload(store, hub, dirty));
}

async fn listen(pool: PgPool, dirty: Arc<Dirty>, stats: Arc<super::stats::Stats>) {
    let options = (*pool.connect_options()).clone();
    let mut backoff = Duration::from_millis(100);
    let mut first = true;
    loop {
        // A pool of one for each listening connection, not a reader: a connection that
        // stopped answering is abandoned with its pool (dropping it would wait on the dead
        // socket), and the readers keep all their connections.
        let own =
            PgPoolOptions::new().max_connections(1).acquire_timeout(PING).connect_lazy_with(options.clone());
        let mut listener = match PgListener::connect_with(&own).await {
            Ok(listener) => listener,
            Err(e) => {
                tracing::warn!(error = %e, "cannot open the listening connection; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        if let Err(e) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %e, "cannot listen; retrying");
            tokio::time::sleep(backoff).await;
            continue;
        }
        backoff = Duration::from_millis(100);
        if !std::mem::take(&mut first) {
            stats.listener_reconnects.inc();
        }
        // Anything may have happened while we were not listening.
        mark_everything(&dirty);
        loop {
            // Quiet for a while: make sure the connection still answers, since a connection
            // cut off by the network would otherwise wait here forever, deaf to changes.
            // (`try_recv` is cancel-safe.)
            let Ok(received) = tokio::time::timeout(QUIET, listener.try_recv()).await else {
                let ping = tokio::time::timeout(PING, sqlx::query("SELECT 1").execute(&mut listener)).await;
                if !matches!(ping, Ok(Ok(_))) {
                    tracing::warn!("the listening connection stopped answering; reconnecting");
                    break;
                }
                continue;
            };
            match received {
                Ok(Some(notification)) => {
                    dirty
                        .ids
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(notification.payload().to_owned());
                    dirty.wake.notify_one();
                }
                // The connection dropped: listen again on a new one, which counts the
                // reconnect and resyncs (sqlx would reconnect by itself, uncounted).
                Ok(None) => {
                    tracing::warn!("the listening connection dropped; reconnecting");
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the listening connection failed; reconnecting");
                    break;
                }
            }
        }
    }
}

fn mark_everything(dirty: &Dirty) {
    *dirty.everything.lock().unwrap_or_else(|e| e.into_inner()) = true;
    dirty.wake.notify_one();
}

async fn reload(store: Store, hub: Arc<Hub>, dirty: Arc<Dirty>) {
    loop {
        dirty.wake.notified().await;
        let everything = std::mem::take(&mut *dirty.everything.lock().unwrap_or_else(|e| e.into_inner()));
        let ids = std::mem::take(&mut *dirty.ids.lock().unwrap_or_else(|e| e.into_inner()));
        let result = if everything {
            reload_all(&store, &hub).await
        } else {
            reload_some(&store, &hub, ids.clone()).await
        };
        if let Err(e) = result {
            tracing::warn!(error = ?e, "reloading changed campaigns failed; retrying");
            // Put the work back and try again shortly.
            if everything {
                *dirty.everything.lock().unwrap_or_else(|e| e.into_inner()) = true;
            } else {
                dirty.ids.lock().unwrap_or_else(|e| e.into_inner()).extend(ids);
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            dirty.wake.notify_one();
        }
    }
}

async fn reload_all(store: &Store, hub: &Hub) -> anyhow::Result<()> {
    let now = crate::now();
    for site in store.sites().await? {
        hub.set_site(&site.id, &site.origins.join(" "));
    }
    for stored in store.campaigns().await? {
        hub.insert(stored.campaign, &stored.site, stored.counts, now);
        store.stats.reloads.inc();
    }
    Ok(())
}

/// Reloads each changed campaign whole (definition and counts in one snapshot), so edits
/// made on other replicas arrive with their numbers.
async fn reload_some(store: &Store, hub: &Hub, ids: BTreeSet<String>) -> anyhow::Result<()> {
    for id in ids {
        store.reload(hub, &id).await?;
        store.stats.reloads.inc();
    }
    Ok(())
}

//! Opening the database, migrated: SQLite in WAL mode with a pool of readers and one
//! writer connection (which never checkpoints; a task does, off the pledge path), or
//! PostgreSQL with the session settings every connection gets. The URL decides which.

use super::db::Pool;
use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

pub(super) fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres:") || url.starts_with("postgresql:")
}

/// Opens SQLite; with `max_mb`, the file never grows past it (SQLite's page size is 4 KB):
/// a full database refuses pledges with 503 and loses nothing, until it is given room.
pub(super) async fn open_sqlite(url: &str, max_mb: Option<u64>) -> anyhow::Result<(Pool, Pool)> {
    let mut options = SqliteConnectOptions::from_str(url)
        .with_context(|| format!("reading the database URL {url:?}"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    if let Some(mb) = max_mb {
        options = options.pragma("max_page_count", (mb * 256).to_string());
    }
    if let Some(dir) = options.get_filename().parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    // Readers serve receipts, exports and reports, which scan and move on: a small page
    // cache each (SQLite's default is 2 MB) keeps an export of any size from holding more;
    // the operating system caches the file anyway.
    let readers = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options.clone().pragma("cache_size", "-512"))
        .await
        .with_context(|| format!("opening {url}"))?;
    sqlx::migrate!("migrations/sqlite").run(&readers).await.context("migrating the database")?;
    // The writer's one connection never checkpoints; `checkpoint` does, off the pledge path.
    let writers = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options.pragma("wal_autocheckpoint", "0"))
        .await
        .context("opening the writer connection")?;
    Ok((Pool::Sqlite(readers), Pool::Sqlite(writers)))
}

/// What one stuck statement or lock may cost: a pledge behind a lock someone holds (a
/// stalled replica, an operator's open transaction) gets its 503 in seconds instead of
/// hanging, and a transaction left open is ended by the server. The server's TCP
/// keepalives (probes after 10 s of silence, every 5 s, 3 unanswered end it) close the
/// connection of a replica that vanished, and with it its locks. sqlx cannot set keepalives
/// on its own sockets: our side is covered by the writer's deadline and the listener's
/// heartbeat instead.
const PG_SESSION: [(&str, &str); 6] = [
    ("statement_timeout", "10s"),
    ("lock_timeout", "2s"),
    ("idle_in_transaction_session_timeout", "15s"),
    ("tcp_keepalives_idle", "10"),
    ("tcp_keepalives_interval", "5"),
    ("tcp_keepalives_count", "3"),
];

pub(super) async fn open_postgres(url: &str) -> anyhow::Result<(Pool, Pool)> {
    let plain =
        PgConnectOptions::from_str(url).with_context(|| format!("reading the database URL {url:?}"))?;
    // Migrations (an index on a large table) may take longer than any request should.
    let mut migrating = <sqlx::postgres::PgConnection as sqlx::Connection>::connect_with(&plain)
        .await
        .with_context(|| format!("connecting to {}", redact(url)))?;
    sqlx::migrate!("migrations/postgres").run(&mut migrating).await.context("migrating the database")?;
    sqlx::Connection::close(migrating).await?;
    let options = plain.options(PG_SESSION);
    // Short acquire timeouts: when the database is gone, a pledge gets its 503 quickly.
    let readers = PgPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(3))
        .connect_with(options.clone())
        .await
        .with_context(|| format!("connecting to {}", redact(url)))?;
    let writers = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(3))
        .connect_with(options)
        .await
        .context("opening the writer connection")?;
    Ok((Pool::Postgres(readers), Pool::Postgres(writers)))
}

/// A URL without its password, for messages.
pub(super) fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => match url[scheme + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    }
}

/// Copies SQLite's write-ahead log into the database file every second, off the pledge
/// path: the writer's own connection never checkpoints (`wal_autocheckpoint = 0`), so a
/// commit costs one fsync of the log and never the database file's as well. Once nothing
/// has been written for a second and all of the log is copied, the log is truncated,
/// giving its disk space back.
pub(super) async fn checkpoint(pool: sqlx::SqlitePool) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_frames = 0;
    loop {
        tick.tick().await;
        if pool.is_closed() {
            return;
        }
        let (_, frames, copied): (i64, i64, i64) =
            match sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(&pool).await {
                Ok(result) => result,
                Err(e) => {
                    tracing::warn!(error = %e, "checkpoint failed");
                    continue;
                }
            };
        if frames > 0 && frames == last_frames && copied == frames {
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&pool).await {
                tracing::warn!(error = %e, "truncating the log failed");
            }
            last_frames = 0;
        } else {
            last_frames = frames;
        }
    }
}

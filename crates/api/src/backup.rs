//! `tribefund backup` and `tribefund restore`, for SQLite.
//!
//! A backup is `VACUUM INTO`: SQLite writes a consistent, compacted copy of the database
//! as one read transaction sees it, while the server goes on taking pledges (in WAL mode a
//! reader never blocks the writer). The copy is then checked as a restore would check it.
//! A restore checks the backup (SQLite's integrity check, a tribefund database, not newer
//! than this build), copies it beside the database and renames it into place, removing
//! the old database's write-ahead log so none of it is replayed over the copy. The server
//! must be stopped for a restore. PostgreSQL has its own tools (`pg_dump`, `pg_restore`;
//! see docs/operating.md).

use anyhow::{Context, bail};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection, Row};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// What a checked database holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub campaigns: i64,
    pub pledges: i64,
    pub bytes: u64,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} campaigns, {} pledges, {} bytes", self.campaigns, self.pledges, self.bytes)
    }
}

/// Copies the live SQLite database at `url` to `to`, which must not exist.
pub async fn backup(url: &str, to: &Path) -> anyhow::Result<String> {
    let source = sqlite_file(url)?;
    if !source.exists() {
        bail!("there is no database at {}", source.display());
    }
    if to.exists() {
        bail!("{} already exists; a backup never overwrites a file", to.display());
    }
    let mut conn = connect(&source, true).await?;
    let to_text = to.to_str().context("the backup's path must be UTF-8")?;
    sqlx::query("VACUUM INTO ?").bind(to_text).execute(&mut conn).await.context("copying the database")?;
    conn.close().await?;
    let summary = check(to).await.context("checking the copy")?;
    Ok(format!("Backed up {} to {} ({summary}).", source.display(), to.display()))
}

/// Checks the backup at `from` and puts it in place of the database at `url`; an existing
/// database is replaced only with `force`.
pub async fn restore(from: &Path, url: &str, force: bool) -> anyhow::Result<String> {
    let target = sqlite_file(url)?;
    let summary = check(from).await.with_context(|| format!("{} is not a usable backup", from.display()))?;
    if target.exists() && !force {
        bail!(
            "{} already exists; stop the server and add --force to replace it with the backup",
            target.display()
        );
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let partial = with_suffix(&target, ".restoring");
    std::fs::copy(from, &partial).with_context(|| format!("copying to {}", partial.display()))?;
    std::fs::File::open(&partial)?.sync_all()?;
    for stale in [with_suffix(&target, "-wal"), with_suffix(&target, "-shm")] {
        match std::fs::remove_file(&stale) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("removing {}", stale.display())),
        }
    }
    std::fs::rename(&partial, &target)
        .with_context(|| format!("moving the backup to {}", target.display()))?;
    Ok(format!("Restored {} to {} ({summary}).", from.display(), target.display()))
}

/// Whether `path` is a whole tribefund database this build can open; what it holds.
pub async fn check(path: &Path) -> anyhow::Result<Summary> {
    if !path.is_file() {
        bail!("there is no file at {}", path.display());
    }
    let mut conn = connect(path, true).await.context("not a SQLite database")?;
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .context("not a SQLite database")?;
    if integrity != "ok" {
        bail!("SQLite's integrity check failed: {integrity}");
    }
    let newest: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
        .fetch_one(&mut conn)
        .await
        .context("not a tribefund database (no migrations)")?;
    let known = sqlx::migrate!("migrations/sqlite").iter().map(|m| m.version).max().unwrap_or_default();
    match newest {
        None => bail!("not a tribefund database (no migrations applied)"),
        Some(newest) if newest > known => {
            bail!("made by a newer tribefund (migration {newest}; this build knows up to {known})")
        }
        Some(_) => {}
    }
    let row = sqlx::query("SELECT (SELECT COUNT(*) FROM campaigns), (SELECT COUNT(*) FROM pledges)")
        .fetch_one(&mut conn)
        .await
        .context("not a tribefund database")?;
    conn.close().await?;
    Ok(Summary { campaigns: row.get(0), pledges: row.get(1), bytes: std::fs::metadata(path)?.len() })
}

/// The file behind a `sqlite://` URL.
fn sqlite_file(url: &str) -> anyhow::Result<PathBuf> {
    if !url.starts_with("sqlite:") {
        bail!(
            "backup and restore are for SQLite; for PostgreSQL use pg_dump and pg_restore (see docs/operating.md, Backups)"
        );
    }
    let options =
        SqliteConnectOptions::from_str(url).with_context(|| format!("reading the database URL {url:?}"))?;
    Ok(options.get_filename().to_path_buf())
}

async fn connect(path: &Path, read_only: bool) -> anyhow::Result<SqliteConnection> {
    SqliteConnectOptions::new()
        .filename(path)
        .read_only(read_only)
        .busy_timeout(Duration::from_secs(10))
        .connect()
        .await
        .with_context(|| format!("opening {}", path.display()))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

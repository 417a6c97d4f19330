//! The store: everything durable, and the only place that knows SQL.
//!
//! SQLite in WAL mode with `synchronous=FULL`: a pledge is acknowledged only after the
//! transaction holding it is on disk. All pledges go through one writer task (see
//! [`writer`]), which commits them in batches: one fsync serves every pledge queued
//! behind it, and a single writer can never race itself into overselling a tier. Reads
//! of rarely changing data (campaign definitions at start-up, receipts) use a small
//! pool of reader connections.

mod writer;

pub use writer::{Accepted, Cancelled, DEFAULT_BATCH, PledgeCommand};

use crate::ids;
use anyhow::Context;
use domain::progress::Counts;
use domain::wire::CampaignInput;
use domain::{Campaign, Timestamp};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqliteConnection, SqlitePool};
use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;
use tokio::sync::mpsc;

pub use crate::hub::Hub;

/// A pledge as stored, without the backer's contact (which only creator exports read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPledge {
    pub id: String,
    pub campaign_id: String,
    pub tier_id: Option<String>,
    pub quantity: u32,
    pub amount: i64,
    pub options: BTreeMap<String, String>,
    pub name: String,
    pub referral_code: String,
    pub receipt_token: String,
    pub cancelled: bool,
}

/// A campaign as loaded at start-up.
#[derive(Debug)]
pub struct StoredCampaign {
    pub campaign: Campaign,
    pub frame_ancestors: String,
    pub counts: Counts,
}

#[derive(Debug, Clone)]
pub struct Store {
    readers: SqlitePool,
    writer: mpsc::Sender<writer::Command>,
}

impl Store {
    /// Opens (creating if needed) the database at `url`, migrates it, and starts the writer,
    /// which commits up to `max_batch` pledges at a time and publishes each commit's new
    /// counts to `hub`.
    pub async fn open(url: &str, hub: std::sync::Arc<Hub>, max_batch: usize) -> anyhow::Result<Store> {
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("reading the database URL {url:?}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        if let Some(dir) = options.get_filename().parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let readers = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.clone())
            .await
            .with_context(|| format!("opening {url}"))?;
        sqlx::migrate!("migrations/sqlite").run(&readers).await.context("migrating the database")?;
        let connection = sqlx::ConnectOptions::connect(&options.clone().pragma("wal_autocheckpoint", "0"))
            .await
            .context("opening the writer connection")?;
        let writer = writer::spawn(connection, hub, max_batch);
        tokio::spawn(checkpoint(readers.clone()));
        Ok(Store { readers, writer })
    }

    /// Queues a pledge for the writer and waits until it is durable (or refused).
    pub async fn pledge(&self, command: PledgeCommand) -> Result<Accepted, crate::Error> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.writer
            .send(writer::Command::Pledge(command, reply))
            .await
            .map_err(|_| crate::Error::Unavailable)?;
        answer.await.map_err(|_| crate::Error::Unavailable)?
    }

    /// Cancels the pledge behind a receipt token, while its campaign is live. Cancelling
    /// twice is not an error: the answer says it was already cancelled.
    pub async fn cancel(&self, receipt_token: &str) -> Result<Cancelled, crate::Error> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let command = writer::Command::Cancel(receipt_token.to_owned(), reply);
        self.writer.send(command).await.map_err(|_| crate::Error::Unavailable)?;
        answer.await.map_err(|_| crate::Error::Unavailable)?
    }

    /// Every campaign with its site's framing policy and current counts.
    pub async fn campaigns(&self) -> anyhow::Result<Vec<StoredCampaign>> {
        let mut conn = self.readers.acquire().await?;
        let rows = sqlx::query(
            "SELECT c.id, c.definition, s.origins FROM campaigns c JOIN sites s ON s.id = c.site_id ORDER BY c.id",
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let id: String = row.get("id");
            let input: CampaignInput = serde_json::from_str(row.get("definition"))
                .with_context(|| format!("reading the definition of campaign {id}"))?;
            let campaign =
                Campaign::new(input).map_err(|e| anyhow::anyhow!("campaign {id} is invalid: {e:?}"))?;
            let counts = counts(&mut conn, &id).await?;
            out.push(StoredCampaign { campaign, frame_ancestors: row.get("origins"), counts });
        }
        Ok(out)
    }

    /// Creates a site with the creator key `key`. Origins are `frame-ancestors` sources.
    pub async fn create_site(
        &self,
        id: &str,
        name: &str,
        origins: &str,
        key: &str,
        now: Timestamp,
    ) -> anyhow::Result<()> {
        sqlx::query("INSERT INTO sites (id, name, origins, key_hash, created_at) VALUES (?, ?, ?, ?, ?)")
            .bind(id)
            .bind(name)
            .bind(origins)
            .bind(ids::sha256_hex(key.as_bytes()))
            .bind(now.unix())
            .execute(&self.readers)
            .await
            .with_context(|| format!("creating site {id}"))?;
        Ok(())
    }

    /// The `frame-ancestors` sources of a site.
    pub async fn site_origins(&self, id: &str) -> anyhow::Result<String> {
        let row =
            sqlx::query("SELECT origins FROM sites WHERE id = ?").bind(id).fetch_one(&self.readers).await?;
        Ok(row.get("origins"))
    }

    pub async fn site_exists(&self, id: &str) -> anyhow::Result<bool> {
        Ok(sqlx::query("SELECT 1 FROM sites WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.readers)
            .await?
            .is_some())
    }

    /// Creates a campaign with zero counts; its tiers and option values get their rows.
    pub async fn create_campaign(
        &self,
        site_id: &str,
        campaign: &Campaign,
        now: Timestamp,
    ) -> anyhow::Result<()> {
        let mut tx = self.readers.begin().await?;
        let definition = serde_json::to_string(&campaign.to_input())?;
        sqlx::query("INSERT INTO campaigns (id, site_id, definition, created_at) VALUES (?, ?, ?, ?)")
            .bind(campaign.id().as_str())
            .bind(site_id)
            .bind(definition)
            .bind(now.unix())
            .execute(&mut *tx)
            .await
            .with_context(|| format!("creating campaign {}", campaign.id()))?;
        for tier in campaign.tiers() {
            sqlx::query("INSERT INTO tiers (campaign_id, id, max_claims) VALUES (?, ?, ?)")
                .bind(campaign.id().as_str())
                .bind(tier.id().as_str())
                .bind(tier.limit())
                .execute(&mut *tx)
                .await?;
            for option in tier.options() {
                for value in option.values() {
                    sqlx::query(
                        "INSERT INTO option_values (campaign_id, tier_id, name, value) VALUES (?, ?, ?, ?)",
                    )
                    .bind(campaign.id().as_str())
                    .bind(tier.id().as_str())
                    .bind(option.name())
                    .bind(value.value())
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// The pledge behind a receipt link.
    pub async fn receipt(&self, token: &str) -> anyhow::Result<Option<StoredPledge>> {
        let mut conn = self.readers.acquire().await?;
        by_receipt_token(&mut conn, token).await
    }

    /// Sums over the pledges that count (not cancelled), for checking that the counters
    /// agree with them.
    pub async fn recount(&self, campaign_id: &str) -> anyhow::Result<(i64, i64)> {
        let row = sqlx::query(
            "SELECT COALESCE(SUM(amount), 0) AS raised, COUNT(*) AS n FROM pledges \
             WHERE campaign_id = ? AND cancelled_at IS NULL",
        )
        .bind(campaign_id)
        .fetch_one(&self.readers)
        .await?;
        Ok((row.get("raised"), row.get("n")))
    }

    /// Whether the database answers; for `/healthz`.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.readers).await.is_ok()
    }
}

macro_rules! select_pledge {
    ($by:literal) => {
        concat!(
            "SELECT id, campaign_id, tier_id, quantity, amount, options, name, referral_code, receipt_secret, ",
            "cancelled_at FROM pledges WHERE ",
            $by
        )
    };
}
use select_pledge;

fn pledge_from_row(row: &sqlx::sqlite::SqliteRow) -> anyhow::Result<StoredPledge> {
    Ok(StoredPledge {
        id: row.get("id"),
        campaign_id: row.get("campaign_id"),
        tier_id: row.get("tier_id"),
        quantity: row.get::<i64, _>("quantity") as u32,
        amount: row.get("amount"),
        options: serde_json::from_str(row.get("options")).context("reading a pledge's options")?,
        name: row.get("name"),
        referral_code: row.get("referral_code"),
        receipt_token: format!("{}{}", row.get::<&str, _>("id"), row.get::<&str, _>("receipt_secret")),
        cancelled: row.get::<Option<i64>, _>("cancelled_at").is_some(),
    })
}

/// Copies the write-ahead log into the database file every second, off the pledge path.
/// The writer's own connection never checkpoints (`wal_autocheckpoint = 0`), so a commit
/// costs one fsync of the log and never the database file's as well.
async fn checkpoint(pool: SqlitePool) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if pool.is_closed() {
            return;
        }
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
            tracing::warn!(error = %e, "checkpoint failed");
        }
    }
}

/// A receipt token is a pledge id (32 hex digits) and the pledge's secret (32 more): found
/// by id, then the secret compared in constant time.
async fn by_receipt_token(conn: &mut SqliteConnection, token: &str) -> anyhow::Result<Option<StoredPledge>> {
    let Some((id, secret)) = token.split_at_checked(32) else { return Ok(None) };
    let Some(row) = sqlx::query(select_pledge!("id = ?")).bind(id).fetch_optional(&mut *conn).await? else {
        return Ok(None);
    };
    let stored: &str = row.get("receipt_secret");
    let same = stored.len() == secret.len()
        && stored.bytes().zip(secret.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
    if same { pledge_from_row(&row).map(Some) } else { Ok(None) }
}

/// A campaign's live numbers, read inside whatever transaction `conn` is in.
async fn counts(conn: &mut SqliteConnection, campaign_id: &str) -> anyhow::Result<Counts> {
    let row = sqlx::query("SELECT raised, backers, seq FROM campaigns WHERE id = ?")
        .bind(campaign_id)
        .fetch_one(&mut *conn)
        .await?;
    let mut counts = Counts {
        raised: row.get("raised"),
        backers: row.get::<i64, _>("backers") as u64,
        seq: row.get::<i64, _>("seq") as u64,
        ..Counts::default()
    };
    let tiers = sqlx::query("SELECT id, claimed FROM tiers WHERE campaign_id = ?")
        .bind(campaign_id)
        .fetch_all(&mut *conn)
        .await?;
    for row in tiers {
        counts.claimed.insert(row.get("id"), row.get::<i64, _>("claimed") as u32);
    }
    let values = sqlx::query("SELECT tier_id, name, value, claimed FROM option_values WHERE campaign_id = ?")
        .bind(campaign_id)
        .fetch_all(&mut *conn)
        .await?;
    for row in values {
        counts.chosen.insert(
            (row.get("tier_id"), row.get("name"), row.get("value")),
            row.get::<i64, _>("claimed") as u32,
        );
    }
    Ok(counts)
}

//! The store: everything durable, and the only place that knows SQL (but for the command
//! line's copy of a SQLite file, `crate::backup`).
//!
//! Two engines, one interface, chosen by the database URL: SQLite (`sqlite://…`, the
//! embedded default, WAL with `synchronous=FULL`) and PostgreSQL (`postgres://…`, for
//! several replicas). A pledge is acknowledged only after the transaction holding it has
//! committed. All pledges of a replica go through its one writer task (see [`writer`]),
//! which commits them in batches: one fsync serves every pledge queued behind it. Reads of
//! rarely changing data (campaign definitions at start-up, receipts) use a small pool of
//! reader connections. On PostgreSQL, [`listen`] tells this replica of other replicas'
//! commits.
//!
//! On SQLite the writer's connection never checkpoints: a task copies the log into the
//! database every second, off the pledge path. Besides this module, only `crate::backup`
//! speaks to a database: it copies and checks a SQLite file for the command line.
//!
//! A replica cut off from PostgreSQL answers within seconds: a connection is waited for 3 s
//! at most, a pledge batch 5 s, and the server's statement, lock and idle-in-transaction
//! timeouts and TCP keepalives end a vanished replica's session and free its locks.

pub(crate) mod backers;
mod campaigns;
mod cancels;
pub mod cards;
mod changes;
mod claims;
mod covers;
pub(crate) mod db;
mod drafts;
mod given;
mod health;
mod listen;
pub mod mails;
mod milestones;
mod numbers;
mod open;
pub mod payments;
mod receipts;
mod recipients;
mod referrals;
mod refusal;
mod reminders;
pub mod retention;
pub mod robots;
mod secrets;
mod sessions;
pub mod settlement;
pub mod shipments;
pub mod signups;
mod sites;
pub mod stats;
pub mod supervisor;
pub mod surveys;
pub mod told;
mod tribe;
pub mod unmade;
mod unsubscribes;
mod updates;
pub mod waitlist;
pub mod webhooks;
mod writer;

pub use backers::{BackerFilter, BackerPage, Cursor};
pub use campaigns::Edited;
pub use covers::CoverImage;
pub use drafts::{DraftRecord, MAX_DRAFTS};
pub use refusal::Refusal;
pub use sessions::SessionRecord;
pub use shipments::StoredShipment;
pub use sites::{Authenticated, SiteRecord};
pub use unsubscribes::Unsubscribing;
pub use writer::{
    Accepted, Cancelled, Client, DEFAULT_BATCH, DEFAULT_QUEUE, MailTo, PledgeCommand, Waitlisted,
};

use anyhow::Context;
use db::{CampaignRow, Conn, PledgeRow, Pool, SELECT_PLEDGE, on_conn};
use domain::progress::Counts;
use domain::wire::CampaignInput;
use domain::{Campaign, PaymentStatus, Timestamp};
use numbers::{counts, counts_since, extras_moved};
use open::{checkpoint, is_postgres, open_postgres, open_sqlite};
use receipts::by_receipt_token;
use std::collections::BTreeMap;
use std::sync::Arc;
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
    /// The referral code that brought this pledge, when it counted for its backer.
    pub referred_by: Option<String>,
    /// Live pledges made through this pledge's link, and what they brought.
    pub recruits: u32,
    pub recruited_amount: i64,
    /// What the store keeps of the receipt secret: its hash (or, for a row an older
    /// replica wrote, the secret itself).
    receipt: StoredSecret,
    pub cancelled: bool,
    /// Where its payment stands; `None` for a campaign without payments.
    pub payment: Option<PaymentStatus>,
    /// When a pending payment is given up on.
    pub payment_due_at: Option<Timestamp>,
    /// Set when a chosen value was not made: when the pledge is cancelled unless its backer
    /// chooses a value that is.
    pub unmade_due_at: Option<Timestamp>,
    /// Where the reward is delivered, and what delivery cost (part of `amount`).
    pub ship_to: Option<String>,
    pub shipping: i64,
}

/// A receipt secret as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
enum StoredSecret {
    Hashed(String),
    /// Written in plain text by an older replica, not hashed yet.
    Plain(String),
}

/// See [`Store::every`].
pub struct Every {
    tick: tokio::time::Interval,
    store: Store,
}

impl Every {
    /// Waits for the next round; false once the store is closed.
    pub async fn next(&mut self) -> bool {
        self.tick.tick().await;
        !self.store.is_closed()
    }
}

impl StoredPledge {
    /// The receipt secret, only for a row an older replica wrote in plain text.
    fn plain_secret(&self) -> Option<&str> {
        match &self.receipt {
            StoredSecret::Plain(secret) if !secret.is_empty() => Some(secret),
            _ => None,
        }
    }

    /// What the store keeps of its receipt secret.
    fn receipt_hash(&self) -> String {
        match &self.receipt {
            StoredSecret::Hashed(hash) => hash.clone(),
            StoredSecret::Plain(secret) => receipts::hash(secret),
        }
    }

    /// Whether its amount counts toward the goal (beside being pledged).
    pub fn counts(&self) -> bool {
        !self.cancelled && self.payment.is_none_or(PaymentStatus::counts)
    }
}

impl TryFrom<PledgeRow> for StoredPledge {
    type Error = anyhow::Error;

    fn try_from(row: PledgeRow) -> anyhow::Result<StoredPledge> {
        Ok(StoredPledge {
            receipt: match row.receipt_hash {
                Some(hash) => StoredSecret::Hashed(hash),
                None => StoredSecret::Plain(row.receipt_secret),
            },
            options: serde_json::from_str(&row.options).context("reading a pledge's options")?,
            id: row.id,
            campaign_id: row.campaign_id,
            tier_id: row.tier_id,
            quantity: u32::try_from(row.quantity).context("a pledge's quantity")?,
            amount: row.amount,
            name: row.name,
            referral_code: row.referral_code,
            referred_by: row.referred_by,
            recruits: u32::try_from(row.recruits).unwrap_or(0),
            recruited_amount: row.recruited_amount,
            cancelled: row.cancelled_at.is_some(),
            payment: row.payment_status.as_deref().and_then(PaymentStatus::parse),
            payment_due_at: row.payment_due_at.map(Timestamp::from_unix),
            unmade_due_at: row.unmade_due_at.map(Timestamp::from_unix),
            ship_to: row.ship_to,
            shipping: row.shipping,
        })
    }
}

/// A campaign as loaded from the database.
#[derive(Debug)]
pub struct StoredCampaign {
    pub campaign: Campaign,
    /// The site it belongs to.
    pub site: String,
    pub counts: Counts,
}

#[derive(Debug, Clone)]
pub struct Store {
    readers: Pool,
    /// `None` for the command line's store, which never pledges.
    writer: Option<mpsc::Sender<writer::Command>>,
    /// The writer's health, for `/readyz`; `None` with no writer.
    writer_health: Option<Arc<supervisor::WriterHealth>>,
    /// The writer's own pool, to see whether it answers after a failed batch.
    writer_pool: Option<Pool>,
    /// Batches, reloads and reconnects, for the metrics.
    stats: Arc<stats::Stats>,
    /// The base of the links in mails the store queues on its own (a payment's move):
    /// set once at start when mail is on; unset, such moves queue no mail.
    mail_base: Arc<std::sync::OnceLock<String>>,
    /// The key of the way out of mails one may stop (`unsubscribes.rs`).
    mail_key: Arc<std::sync::OnceLock<String>>,
    /// How waitlist offers are made (the writer's, and a creator's edit raising a limit).
    offer_terms: Arc<waitlist::OfferTerms>,
}

impl Store {
    /// Opens (creating a SQLite file if needed) the database at `url`, migrates it, and
    /// starts the writer, which commits up to `max_batch` pledges at a time (with at most
    /// `queue` waiting) and publishes each commit's new counts to `hub`. On PostgreSQL it also starts the listener that
    /// brings other replicas' changes into `hub`.
    pub async fn open(
        url: &str,
        hub: Arc<Hub>,
        (max_batch, queue): (usize, usize),
        sqlite_max_mb: Option<u64>,
    ) -> anyhow::Result<Store> {
        let (readers, writers) = if is_postgres(url) {
            open_postgres(url).await?
        } else {
            open_sqlite(url, sqlite_max_mb).await?
        };
        receipts::hash_legacy(&readers).await.context("hashing receipt secrets kept in plain text")?;
        let stats = Arc::new(stats::Stats::default());
        let mail_base: Arc<std::sync::OnceLock<String>> = Arc::default();
        let offer_terms = Arc::new(waitlist::OfferTerms::new(mail_base.clone()));
        let (writer, health) = writer::spawn(
            writers.clone(),
            hub.clone(),
            (max_batch, queue),
            (stats.clone(), offer_terms.clone()),
        );
        let store = Store {
            readers,
            writer: Some(writer),
            writer_health: Some(health),
            writer_pool: Some(writers),
            stats,
            mail_base,
            mail_key: Arc::default(),
            offer_terms,
        };
        retention::spawn(store.clone());
        match &store.readers {
            Pool::Sqlite(pool) => {
                tokio::spawn(checkpoint(pool.clone()));
                changes::spawn(pool.clone(), store.clone(), hub).await?;
            }
            Pool::Postgres(pool) => listen::spawn(pool.clone(), store.clone(), hub),
        }
        Ok(store)
    }

    /// Whether the store was closed (the server is stopping).
    pub fn is_closed(&self) -> bool {
        self.readers.is_closed()
    }

    /// A ticker for background work: `while every.next().await { … }` runs each `period`
    /// (a late round is not made up for) until the store closes.
    pub fn every(&self, period: Duration) -> Every {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        Every { tick, store: self.clone() }
    }

    /// Opens the database for the command line: migrated, with no writer, listener or
    /// background tasks. Pledging through it is refused; everything else works, also while
    /// a server runs on the same database (it hears of the changes through [`Store::announce`]).
    pub async fn open_admin(url: &str) -> anyhow::Result<Store> {
        let (readers, _) =
            if is_postgres(url) { open_postgres(url).await? } else { open_sqlite(url, None).await? };
        receipts::hash_legacy(&readers).await.context("hashing receipt secrets kept in plain text")?;
        Ok(Store {
            readers,
            writer: None,
            writer_health: None,
            writer_pool: None,
            stats: Arc::default(),
            mail_base: Arc::default(),
            mail_key: Arc::default(),
            offer_terms: Arc::new(waitlist::OfferTerms::new(Arc::default())),
        })
    }

    /// Queues a pledge for the writer and waits until it is durable (or refused).
    pub async fn pledge(&self, command: PledgeCommand) -> Result<Accepted, Refusal> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let writer = self.writer.as_ref().ok_or(Refusal::Unavailable)?;
        // A full queue answers at once: a flash crowd beyond what the writer can take is
        // told to come back (with the same key) instead of piling up in memory.
        writer.try_send(writer::Command::Pledge(Box::new(command), reply)).map_err(|e| match e {
            tokio::sync::mpsc::error::TrySendError::Full(_) => Refusal::Saturated,
            tokio::sync::mpsc::error::TrySendError::Closed(_) => Refusal::Unavailable,
        })?;
        // No answer: the writer died with the batch; it may or may not have committed.
        answer.await.map_err(|_| Refusal::Unknown)?
    }

    /// Cancels the pledge behind a receipt token, while its campaign is live. Cancelling
    /// twice is not an error: the answer says it was already cancelled.
    pub async fn cancel(&self, receipt_token: &str) -> Result<Cancelled, Refusal> {
        self.send_cancel(writer::Target::Receipt(receipt_token.to_owned()), writer::CancelKind::Backer).await
    }

    /// Voids pledge `id` because its payment is overdue: its units go back, also after the
    /// campaign's end; nothing happens if it was paid meanwhile.
    pub async fn void_overdue(&self, id: &str) -> Result<Cancelled, Refusal> {
        self.send_cancel(writer::Target::Pledge(id.to_owned()), writer::CancelKind::Overdue).await
    }

    /// Cancels pledge `id` for a value not made, after the campaign's end (a paid card is
    /// refunded after); nothing happens if its backer chose another value meanwhile.
    pub async fn cancel_unmade(&self, id: &str) -> Result<Cancelled, Refusal> {
        self.send_cancel(writer::Target::Pledge(id.to_owned()), writer::CancelKind::Unmade).await
    }

    async fn send_cancel(
        &self,
        target: writer::Target,
        kind: writer::CancelKind,
    ) -> Result<Cancelled, Refusal> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let request = writer::CancelRequest { target, kind };
        let command = writer::Command::Cancel(request, reply);
        let writer = self.writer.as_ref().ok_or(Refusal::Unavailable)?;
        writer.send(command).await.map_err(|_| Refusal::Unavailable)?;
        answer.await.map_err(|_| Refusal::Unknown)?
    }

    /// Every campaign with its site and current counts.
    pub async fn campaigns(&self) -> anyhow::Result<Vec<StoredCampaign>> {
        let mut conn = self.readers.acquire().await?;
        let rows: Vec<CampaignRow> = on_conn!(&mut conn, |c| sqlx::query_as(sql(
            "SELECT id, definition, site_id FROM campaigns ORDER BY id"
        ))
        .fetch_all(&mut **c)
        .await)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(stored_campaign(&mut conn, row).await?);
        }
        Ok(out)
    }

    /// One campaign, when it exists: its definition and counts read in one consistent
    /// snapshot.
    pub async fn campaign(&self, id: &str) -> anyhow::Result<Option<StoredCampaign>> {
        let mut conn = self.readers.acquire().await?;
        let begin = match conn {
            Conn::Sqlite(_) => "BEGIN",
            Conn::Postgres(_) => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        };
        execute(&mut conn, begin).await?;
        let read = async {
            let row: Option<CampaignRow> = on_conn!(&mut conn, |c| sqlx::query_as(sql(
                "SELECT id, definition, site_id FROM campaigns WHERE id = ?"
            ))
            .bind(id)
            .fetch_optional(&mut **c)
            .await)?;
            match row {
                Some(row) => Ok(Some(stored_campaign(&mut conn, row).await?)),
                None => Ok(None),
            }
        }
        .await;
        execute(&mut conn, "COMMIT").await?;
        read
    }
}

/// Runs a statement without arguments.
async fn execute(conn: &mut Conn, statement: &'static str) -> anyhow::Result<()> {
    on_conn!(conn, |c| sqlx::query(sql(statement)).execute(&mut **c).await.map(|_| ()))?;
    Ok(())
}

/// Starts a transaction that will write: SQLite takes its write lock now.
pub(super) async fn begin_write(conn: &mut Conn) -> anyhow::Result<()> {
    let begin = match conn {
        Conn::Sqlite(_) => "BEGIN IMMEDIATE",
        Conn::Postgres(_) => "BEGIN",
    };
    execute(conn, begin).await
}

/// Commits what went well (and anything that is not an error); rolls back otherwise.
pub(super) async fn finish<T>(conn: &mut Conn, outcome: anyhow::Result<T>) -> anyhow::Result<T> {
    match outcome {
        Ok(value) => execute(conn, "COMMIT").await.map(|()| value),
        Err(e) => {
            let _ = execute(conn, "ROLLBACK").await;
            Err(e)
        }
    }
}

/// Tells other replicas (PostgreSQL) that a campaign changed; delivered at commit.
async fn notify(conn: &mut Conn, campaign_id: &str) -> anyhow::Result<()> {
    if let Conn::Postgres(c) = conn {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(listen::CHANNEL)
            .bind(campaign_id)
            .execute(&mut **c)
            .await?;
    }
    Ok(())
}

async fn stored_campaign(conn: &mut Conn, row: CampaignRow) -> anyhow::Result<StoredCampaign> {
    let input: CampaignInput = serde_json::from_str(&row.definition)
        .with_context(|| format!("reading the definition of campaign {}", row.id))?;
    let campaign =
        Campaign::new(input).map_err(|e| anyhow::anyhow!("campaign {} is invalid: {e:?}", row.id))?;
    let counts = counts(conn, &row.id).await?;
    Ok(StoredCampaign { campaign, site: row.site_id, counts })
}

/// A pledge by its id, read inside whatever transaction `conn` is in.
async fn pledge_by_id(conn: &mut Conn, id: &str) -> anyhow::Result<Option<StoredPledge>> {
    let row: Option<PledgeRow> =
        on_conn!(conn, |c| sqlx::query_as(sql(SELECT_PLEDGE)).bind(id).fetch_optional(&mut **c).await)?;
    row.map(StoredPledge::try_from).transpose()
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_kept_out_of_messages() {
        assert_eq!(
            super::open::redact("postgres://app:s3cret@db:5432/fund"),
            "postgres://app:***@db:5432/fund"
        );
        assert_eq!(super::open::redact("postgres://app@db/fund"), "postgres://app@db/fund");
        assert_eq!(super::open::redact("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}

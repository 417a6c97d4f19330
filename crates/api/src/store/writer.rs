//! The pledge writer: one task, one connection, group commit.
//!
//! Pledges queue on a channel. The writer takes everything queued (up to a batch), applies
//! each pledge under its own SAVEPOINT inside one transaction, reads the new counts of the
//! campaigns it touched, commits (one fsync for the whole batch), then publishes the counts
//! to the hub and answers every waiting request. A pledge refused inside the batch (sold
//! out, a reused key) rolls back to its savepoint and does not disturb the others. If the
//! commit fails, no pledge of the batch is acknowledged.

use super::{StoredPledge, counts, pledge_from_row, select_pledge};
use crate::error::Error;
use crate::hub::Hub;
use crate::ids;
use domain::progress::Counts;
use domain::{Campaign, NewPledge, Timestamp};
use sqlx::{Row, SqliteConnection};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// The most pledges one transaction commits, unless configured otherwise.
pub const DEFAULT_BATCH: usize = 256;
/// How many pledges may wait for the writer before senders wait too.
const QUEUE: usize = 4096;

/// A checked pledge for the writer.
#[derive(Debug)]
pub struct PledgeCommand {
    pub campaign: Arc<Campaign>,
    pub pledge: NewPledge,
    /// The `Idempotency-Key` and a hash of the request it came with.
    pub idempotency: Option<(String, String)>,
    reply: Option<oneshot::Sender<Result<Accepted, Error>>>,
}

impl PledgeCommand {
    pub fn new(campaign: Arc<Campaign>, pledge: NewPledge, idempotency: Option<(String, String)>) -> Self {
        PledgeCommand { campaign, pledge, idempotency, reply: None }
    }

    pub(super) fn with_reply(mut self) -> (Self, oneshot::Receiver<Result<Accepted, Error>>) {
        let (tx, rx) = oneshot::channel();
        self.reply = Some(tx);
        (self, rx)
    }
}

/// A durable pledge; `replayed` when it was made by an earlier request with the same key.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub pledge: StoredPledge,
    pub replayed: bool,
}

pub(super) fn spawn(
    connection: SqliteConnection,
    hub: Arc<Hub>,
    max_batch: usize,
) -> mpsc::Sender<PledgeCommand> {
    let (tx, rx) = mpsc::channel(QUEUE);
    tokio::spawn(run(connection, rx, hub, max_batch.max(1)));
    tx
}

async fn run(
    mut conn: SqliteConnection,
    mut rx: mpsc::Receiver<PledgeCommand>,
    hub: Arc<Hub>,
    max_batch: usize,
) {
    let mut batch = Vec::with_capacity(max_batch);
    while rx.recv_many(&mut batch, max_batch).await > 0 {
        let now = crate::now();
        let outcome = commit_batch(&mut conn, &batch, now).await;
        match outcome {
            Ok((results, touched)) => {
                for (id, counts) in touched {
                    if let Some(entry) = hub.get(&id) {
                        entry.publish(counts, now);
                    }
                }
                for (command, result) in batch.drain(..).zip(results) {
                    if let Some(reply) = command.reply {
                        let _ = reply.send(result);
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = ?e, pledges = batch.len(), "a pledge batch failed to commit");
                // The connection may be in any state: make sure no transaction is left open.
                let _ = sqlx::query("ROLLBACK").execute(&mut conn).await;
                for command in batch.drain(..) {
                    if let Some(reply) = command.reply {
                        let _ = reply.send(Err(Error::Unavailable));
                    }
                }
            }
        }
    }
}

type BatchOutcome = (Vec<Result<Accepted, Error>>, BTreeMap<String, Counts>);

async fn commit_batch(
    conn: &mut SqliteConnection,
    batch: &[PledgeCommand],
    now: Timestamp,
) -> anyhow::Result<BatchOutcome> {
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
    let mut results = Vec::with_capacity(batch.len());
    let mut touched = BTreeMap::new();
    for command in batch {
        let result = apply(conn, command, now).await;
        if matches!(&result, Ok(a) if !a.replayed) {
            touched.insert(command.campaign.id().to_string(), Counts::default());
        }
        results.push(result);
    }
    for (id, slot) in &mut touched {
        *slot = counts(conn, id).await?;
    }
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    Ok((results, touched))
}

/// Applies one pledge inside the batch's transaction.
async fn apply(
    conn: &mut SqliteConnection,
    command: &PledgeCommand,
    now: Timestamp,
) -> Result<Accepted, Error> {
    let campaign = &command.campaign;
    let campaign_id = campaign.id().as_str();
    if let Some((key, hash)) = &command.idempotency {
        let row = sqlx::query(
            "SELECT request_hash, pledge_id FROM idempotency_keys WHERE campaign_id = ? AND key = ?",
        )
        .bind(campaign_id)
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = row {
            let (stored_hash, pledge_id): (String, String) = (row.get("request_hash"), row.get("pledge_id"));
            if stored_hash != *hash {
                return Err(Error::KeyReused);
            }
            let pledge = sqlx::query(select_pledge!("id")).bind(pledge_id).fetch_one(&mut *conn).await?;
            return Ok(Accepted { pledge: pledge_from_row(&pledge)?, replayed: true });
        }
    }
    if now < campaign.starts_at() {
        return Err(Error::NotStarted);
    }
    if now >= campaign.ends_at() {
        return Err(Error::Ended);
    }

    sqlx::query("SAVEPOINT pledge").execute(&mut *conn).await?;
    let result = insert(conn, command, now).await;
    if result.is_err() {
        sqlx::query("ROLLBACK TO pledge").execute(&mut *conn).await?;
    }
    sqlx::query("RELEASE pledge").execute(&mut *conn).await?;
    result.map(|pledge| Accepted { pledge, replayed: false })
}

async fn insert(
    conn: &mut SqliteConnection,
    command: &PledgeCommand,
    now: Timestamp,
) -> Result<StoredPledge, Error> {
    let campaign_id = command.campaign.id().as_str();
    let pledge = &command.pledge;
    if let Some(tier) = pledge.tier() {
        let claimed = sqlx::query(
            "UPDATE tiers SET claimed = claimed + 1 \
             WHERE campaign_id = ? AND id = ? AND (max_claims IS NULL OR claimed < max_claims)",
        )
        .bind(campaign_id)
        .bind(tier.as_str())
        .execute(&mut *conn)
        .await?;
        if claimed.rows_affected() == 0 {
            return Err(Error::SoldOut(tier.to_string()));
        }
        for (name, value) in pledge.options() {
            sqlx::query(
                "UPDATE option_values SET claimed = claimed + 1 \
                 WHERE campaign_id = ? AND tier_id = ? AND name = ? AND value = ?",
            )
            .bind(campaign_id)
            .bind(tier.as_str())
            .bind(name)
            .bind(value)
            .execute(&mut *conn)
            .await?;
        }
    }
    let stored = StoredPledge {
        id: ids::secret(),
        campaign_id: campaign_id.to_owned(),
        tier_id: pledge.tier().map(|t| t.to_string()),
        amount: pledge.amount().minor(),
        options: pledge.options().clone(),
        name: pledge.name().to_owned(),
        referral_code: ids::alphanumeric(10),
        receipt_token: ids::secret(),
    };
    sqlx::query(
        "INSERT INTO pledges (id, campaign_id, tier_id, amount, options, name, contact, public, message, \
         referral_code, referred_by, receipt_token, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&stored.id)
    .bind(campaign_id)
    .bind(&stored.tier_id)
    .bind(stored.amount)
    .bind(serde_json::to_string(&stored.options).map_err(anyhow::Error::from)?)
    .bind(&stored.name)
    .bind(pledge.contact())
    .bind(pledge.public())
    .bind(pledge.message())
    .bind(&stored.referral_code)
    .bind(pledge.referral())
    .bind(&stored.receipt_token)
    .bind(now.unix())
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE campaigns SET raised = raised + ?, backers = backers + 1, seq = seq + 1 WHERE id = ?",
    )
    .bind(stored.amount)
    .bind(campaign_id)
    .execute(&mut *conn)
    .await?;
    if let Some((key, hash)) = &command.idempotency {
        sqlx::query("INSERT INTO idempotency_keys (campaign_id, key, request_hash, pledge_id, created_at) VALUES (?, ?, ?, ?, ?)")
            .bind(campaign_id)
            .bind(key)
            .bind(hash)
            .bind(&stored.id)
            .bind(now.unix())
            .execute(&mut *conn)
            .await?;
    }
    Ok(stored)
}

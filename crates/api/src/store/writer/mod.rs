//! The pledge writer: one task, one connection, group commit.
//!
//! Pledges (and cancellations, and waitlist changes) queue on a channel. The writer takes everything queued, up
//! to a batch, and applies it in one transaction whose statements scale with the number of
//! tiers and campaigns touched, not with the number of pledges. The steps are the methods
//! of [`batch::Batch`], in this order:
//!
//! 1. the transaction begins, the pledges to cancel are found, and every touched campaign
//!    is locked (in sorted order, before any tier);
//! 2. one query finds which idempotency keys were seen before (their pledges are
//!    replayed); revisions, dates and tier windows are checked in memory;
//! 3. each touched tier is claimed once for the batch's total units with a conditional
//!    `UPDATE` (`claimed + n <= max_claims`); only when that would oversell does the writer
//!    fall back to claiming pledge by pledge, in arrival order, so exactly the units left
//!    are taken and the rest are refused as sold out;
//! 4. option counts, referral credit, the pledge rows and their keys are written with one
//!    statement per touched value and multi-row inserts;
//! 5. cancellations give back their units and credit;
//! 6. waitlist entries are released, freed units are offered to each tier's line in order,
//!    and joins take the next places (`store::waitlist`);
//! 7. the sites' webhook events and mails are queued;
//! 8. each touched campaign's totals and `seq` move once, its new counts are read back,
//!    and the transaction commits: one fsync for the whole batch.
//!
//! Only after the commit are the counts published to the hub and the waiting requests
//! answered. If anything fails, the whole batch is rolled back and every request in it is
//! answered 503: a pledge is never half-stored and never acknowledged unless durable. A
//! failed `COMMIT` answers "outcome unknown", so the client retries with the same key.
//!
//! A batch PostgreSQL does not answer within 5 s is answered the same (its connection is
//! closed, not reused), as is every request of a writer that dies mid-batch. A batch
//! PostgreSQL ends as a deadlock or serialization victim was stored in no part, so it runs
//! again, up to three times. Pledges are inserted here alone; a pledge is cancelled only by
//! `store::cancels`, here or in settlement's transaction.

mod batch;
pub(in crate::store) mod client;
pub(in crate::store) mod command;
mod rows;
pub(in crate::store) mod state;
pub(in crate::store) mod totals;

pub use command::{Accepted, Cancelled, Client, MailTo, PledgeCommand, Waitlisted};
pub(super) use command::{CancelKind, CancelRequest, Command, Target, WaitlistRequest};

use super::db::Pool;
use super::execute;
use super::refusal::Refusal;
use super::supervisor::{WriterHealth, supervise};
use super::waitlist::OfferTerms;
use crate::hub::Hub;
use batch::{CommitUnknown, Outcome, commit_batch};
use domain::Timestamp;
use std::sync::Arc;
use tokio::sync::mpsc;

/// The most pledges one transaction commits, unless configured otherwise.
pub const DEFAULT_BATCH: usize = 256;
/// How many commands may wait for the writer, unless configured otherwise: beyond it a
/// pledge is refused at once as saturated (503, `Retry-After`), and a cancellation waits
/// for room.
pub const DEFAULT_QUEUE: usize = 8192;

/// Starts the writer under its supervisor: the queue's sender, and the writer's health.
pub(super) fn spawn(
    writers: Pool,
    hub: Arc<Hub>,
    (max_batch, queue): (usize, usize),
    (stats, terms): (Arc<crate::store::stats::Stats>, Arc<OfferTerms>),
) -> (mpsc::Sender<Command>, Arc<WriterHealth>) {
    let (tx, rx) = mpsc::channel(queue.max(1));
    // The queue outlives a crashed writer: the next one takes up what waits in it.
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    let health = Arc::new(WriterHealth::default());
    let watched = health.clone();
    tokio::spawn(supervise("pledge writer", health.clone(), move || {
        let context =
            Context { hub: hub.clone(), health: watched.clone(), stats: stats.clone(), terms: terms.clone() };
        run(writers.clone(), rx.clone(), max_batch.max(1), context)
    }));
    (tx, health)
}

/// What the writer works with beside its connection and queue.
struct Context {
    hub: Arc<Hub>,
    health: Arc<WriterHealth>,
    stats: Arc<crate::store::stats::Stats>,
    terms: Arc<OfferTerms>,
}

async fn run(
    writers: Pool,
    rx: Arc<tokio::sync::Mutex<mpsc::Receiver<Command>>>,
    max_batch: usize,
    Context { hub, health, stats, terms }: Context,
) {
    let mut rx = rx.lock().await;
    let mut batch = Vec::with_capacity(max_batch);
    while rx.recv_many(&mut batch, max_batch).await > 0 {
        let now = crate::now();
        let started = std::time::Instant::now();
        let (mut pledges, mut cancels, mut waits) = (Vec::new(), Vec::new(), Vec::new());
        for command in batch.drain(..) {
            match command {
                Command::Pledge(pledge, reply) => pledges.push((*pledge, reply)),
                Command::Cancel(token, reply) => cancels.push((token, reply)),
                Command::Waitlist(request, reply) => waits.push((request, reply)),
            }
        }
        let commands: Vec<&PledgeCommand> = pledges.iter().map(|(p, _)| p).collect();
        let requests: Vec<&CancelRequest> = cancels.iter().map(|(r, _)| r).collect();
        let waitlist: Vec<&WaitlistRequest> = waits.iter().map(|(r, _)| r).collect();
        // A lost database shows here: the batch is answered 503 and the next one tries a
        // fresh connection.
        let outcome = commit(&writers, &hub, &commands, (&requests, &waitlist), (now, &terms)).await;
        match outcome {
            Ok(outcome) => {
                stats.batch_size.observe((pledges.len() + cancels.len() + waits.len()) as f64);
                stats.commit_seconds.observe(started.elapsed().as_secs_f64());
                health.answers_again();
                tracing::debug!(pledges = pledges.len(), cancels = cancels.len(), elapsed = ?started.elapsed(), "batch committed");
                // Built with the clock of the commit, not of the batch's start: a view never
                // goes back across a moment that passed while the batch committed.
                let committed = crate::now();
                for (id, counts) in outcome.counts {
                    if let Some(entry) = hub.get(&id) {
                        entry.publish(counts, committed);
                    }
                }
                for ((_, reply), result) in pledges.into_iter().zip(outcome.pledged) {
                    let _ = reply.send(result);
                }
                for ((_, reply), result) in cancels.into_iter().zip(outcome.cancelled) {
                    let _ = reply.send(result);
                }
                for ((_, reply), result) in waits.into_iter().zip(outcome.waitlisted) {
                    let _ = reply.send(result);
                }
                if outcome.offered {
                    terms.offered.notify_one();
                }
            }
            Err(e) => {
                health.batch_failed(pledges.len() + cancels.len() + waits.len(), &e);
                // Not taken, unless the commit itself failed: then nobody knows, and the
                // client is told to retry with the same key.
                let refusal = if e.downcast_ref::<CommitUnknown>().is_some() {
                    Refusal::Unknown
                } else {
                    Refusal::Unavailable
                };
                for (_, reply) in pledges {
                    let _ = reply.send(Err(refusal.clone()));
                }
                for (_, reply) in cancels {
                    let _ = reply.send(Err(refusal.clone()));
                }
                for (_, reply) in waits {
                    let _ = reply.send(Err(refusal.clone()));
                }
            }
        }
    }
}

/// How many times a batch runs when PostgreSQL ends its transaction to break a deadlock or
/// a serialization conflict (with another replica's batch, a creator's edit or an
/// operator's transaction): nothing of it was stored, so it simply runs again.
const ATTEMPTS: u32 = 3;

/// Runs a batch, again when PostgreSQL ended its transaction to break a conflict.
async fn commit(
    writers: &Pool,
    hub: &Hub,
    commands: &[&PledgeCommand],
    others: (&[&CancelRequest], &[&WaitlistRequest]),
    moment: (Timestamp, &OfferTerms),
) -> anyhow::Result<Outcome> {
    let mut conn = writers.acquire().await?;
    let mut attempt = 1;
    loop {
        let batch = commit_batch(&mut conn, hub, commands, others, moment);
        let outcome = match conn_deadline(writers) {
            Some(deadline) => tokio::time::timeout(deadline, batch).await,
            None => Ok(batch.await),
        };
        let error = match outcome {
            Ok(Ok(outcome)) => return Ok(outcome),
            Ok(Err(e)) => e,
            Err(_) => {
                // Cut off from the database (or stuck): whether the commit went through
                // is unknown, and the connection is closed rather than tested.
                conn.close_on_drop();
                return Err(anyhow::anyhow!("no answer from the database within the batch's deadline")
                    .context(CommitUnknown));
            }
        };
        // The connection may be in any state: make sure no transaction is left open.
        let _ = execute(&mut conn, "ROLLBACK").await;
        if attempt == ATTEMPTS || !chosen_as_victim(&error) {
            return Err(error);
        }
        tracing::warn!(error = %error, attempt, "the batch's transaction was ended to break a conflict; running it again");
        attempt += 1;
    }
}

/// How long a batch may take on PostgreSQL before the writer gives up on its connection: a
/// replica cut off from the database (where a query would wait for TCP to give up, many
/// minutes) answers within seconds. The server's own timeouts end its side; SQLite has no
/// network to lose and its lock waits are bounded by `busy_timeout`.
fn conn_deadline(writers: &Pool) -> Option<std::time::Duration> {
    matches!(writers, Pool::Postgres(_)).then_some(std::time::Duration::from_secs(5))
}

/// PostgreSQL's deadlock (40P01) and serialization failure (40001): the transaction was
/// rolled back as a whole and can be run again.
fn chosen_as_victim(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<sqlx::Error>()
            .and_then(|e| e.as_database_error())
            .and_then(|e| e.code())
            .is_some_and(|code| code == "40P01" || code == "40001")
    })
}

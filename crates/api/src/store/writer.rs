//! The pledge writer: one task, one connection, group commit.
//!
//! Pledges (and cancellations) queue on a channel. The writer takes everything queued, up
//! to a batch, and applies it in one transaction whose statements scale with the number of
//! tiers and campaigns touched, not with the number of pledges:
//!
//! 1. one query finds which idempotency keys were seen before (their pledges are replayed);
//! 2. dates and tier windows are checked in memory;
//! 3. each touched tier is claimed once for the batch's total units with a conditional
//!    `UPDATE` (`claimed + n <= max_claims`); only when that would oversell does the writer
//!    fall back to claiming pledge by pledge, in arrival order, so exactly the units left
//!    are taken and the rest are refused as sold out;
//! 4. referral codes are checked (one query for the batch) and credited to their backers,
//!    option counts, the pledge rows and the keys are written with one statement per
//!    touched value and multi-row inserts;
//! 5. each touched campaign's totals and `seq` move once, its new counts are read back,
//!    and the transaction commits: one fsync for the whole batch.
//!
//! Only after the commit are the counts published to the hub and the waiting requests
//! answered. If anything fails, the whole batch is rolled back and every request in it is
//! answered 503: a pledge is never half-stored and never acknowledged unless durable.

use super::cancels::cancel;
use super::claims::{add_to_value, capped, claim};
use super::db::{Conn, PledgeRow, Pool, SELECT_PLEDGE, on_conn};
use super::pledge_rows::{insert_rows, known_keys};
use super::referrals::{Credits, credit_referrers};
use super::refusal::Refusal;
use super::supervisor::{WriterHealth, supervise};
use super::webhooks::{self, NewEvent};
use super::{
    StoredPledge, StoredSecret, by_receipt_token, counts_since, execute, notify, pledge_by_id, receipts,
};
use crate::hub::Hub;
use crate::ids;
use domain::progress::Counts;
use domain::webhooks::EventType;
use domain::{Campaign, NewPledge, PaymentMode, PaymentStatus, Timestamp, Unavailable};
use sqlx::QueryBuilder;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// The most pledges one transaction commits, unless configured otherwise.
pub const DEFAULT_BATCH: usize = 256;
/// How many commands may wait for the writer before senders wait too.
const QUEUE: usize = 8192;
/// Rows per multi-row INSERT (SQLite allows 32,766 bound values, PostgreSQL 65,535).
pub(super) const ROWS_PER_INSERT: usize = 100;

/// A checked pledge for the writer.
#[derive(Debug)]
pub struct PledgeCommand {
    pub campaign: Arc<Campaign>,
    /// The stored revision of `campaign`: the writer refuses the pledge if it has changed.
    pub revision: u64,
    pub pledge: NewPledge,
    /// The `Idempotency-Key` and a hash of the request it came with.
    pub idempotency: Option<(String, String)>,
    /// Where it came from, and the caps its address is held to; `None` for none.
    pub client: Option<Client>,
    /// The most of a limited tier's units that pledges awaiting payment may hold at once,
    /// in percent of its limit; `None` for no bound.
    pub unpaid_share: Option<u8>,
}

/// Where a pledge came from, and the caps on limited tiers its address is held to.
#[derive(Debug, Clone)]
pub struct Client {
    /// The address as caps count it (an IPv4 address, or an IPv6 /64).
    pub address: String,
    /// The most units of one limited tier it may hold; `None` for no cap.
    pub units: Option<u32>,
    /// The most of those units that may await payment at once; `None` for no cap.
    pub unpaid: Option<u32>,
}

/// A durable pledge; `replayed` when it was made by an earlier request with the same key.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub pledge: StoredPledge,
    /// The receipt link's last part: known when the pledge is made, when its request is
    /// replayed with its key, and to whoever presents it.
    pub receipt_token: String,
    pub replayed: bool,
}

/// A cancelled pledge; `already` when an earlier request cancelled it.
#[derive(Debug, Clone)]
pub struct Cancelled {
    pub pledge: StoredPledge,
    pub already: bool,
}

type Reply<T> = oneshot::Sender<Result<T, Refusal>>;

/// A cancellation of a pledge, and why.
#[derive(Debug)]
pub(super) struct CancelRequest {
    pub target: Target,
    pub kind: CancelKind,
}

/// Which pledge a cancellation is for.
#[derive(Debug)]
pub(super) enum Target {
    /// The one behind a receipt token (its backer).
    Receipt(String),
    /// Pledge id (the server's own rounds).
    Pledge(String),
}

/// Who cancels a pledge, which says when it may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CancelKind {
    /// Its backer, while the campaign is live.
    Backer,
    /// Its payment is overdue: whenever, and only while it is still not made.
    Overdue,
    /// Its value was not made and its backer chose no other in time: after the campaign.
    Unmade,
}

#[derive(Debug)]
pub(super) enum Command {
    Pledge(Box<PledgeCommand>, Reply<Accepted>),
    /// Cancel the pledge with this receipt token.
    Cancel(CancelRequest, Reply<Cancelled>),
}

/// Starts the writer under its supervisor: the queue's sender, and the writer's health.
pub(super) fn spawn(
    writers: Pool,
    hub: Arc<Hub>,
    max_batch: usize,
    stats: Arc<super::stats::Stats>,
) -> (mpsc::Sender<Command>, Arc<WriterHealth>) {
    let (tx, rx) = mpsc::channel(QUEUE);
    // The queue outlives a crashed writer: the next one takes up what waits in it.
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    let health = Arc::new(WriterHealth::default());
    let watched = health.clone();
    tokio::spawn(supervise("pledge writer", health.clone(), move || {
        run(writers.clone(), rx.clone(), hub.clone(), max_batch.max(1), watched.clone(), stats.clone())
    }));
    (tx, health)
}

/// Why a commit's outcome is unknown: the `COMMIT` itself failed (the connection dropped
/// as it went), so the batch may or may not be stored.
#[derive(Debug)]
struct CommitUnknown;

impl std::fmt::Display for CommitUnknown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the commit's outcome is unknown")
    }
}

async fn run(
    writers: Pool,
    rx: Arc<tokio::sync::Mutex<mpsc::Receiver<Command>>>,
    hub: Arc<Hub>,
    max_batch: usize,
    health: Arc<WriterHealth>,
    stats: Arc<super::stats::Stats>,
) {
    let mut rx = rx.lock().await;
    let mut batch = Vec::with_capacity(max_batch);
    while rx.recv_many(&mut batch, max_batch).await > 0 {
        let now = crate::now();
        let started = std::time::Instant::now();
        let (mut pledges, mut cancels) = (Vec::new(), Vec::new());
        for command in batch.drain(..) {
            match command {
                Command::Pledge(pledge, reply) => pledges.push((*pledge, reply)),
                Command::Cancel(token, reply) => cancels.push((token, reply)),
            }
        }
        let commands: Vec<&PledgeCommand> = pledges.iter().map(|(p, _)| p).collect();
        let requests: Vec<&CancelRequest> = cancels.iter().map(|(r, _)| r).collect();
        // A lost database shows here: the batch is answered 503 and the next one tries a
        // fresh connection.
        let outcome = commit(&writers, &hub, &commands, &requests, now).await;
        match outcome {
            Ok(outcome) => {
                stats.batch_size.observe((pledges.len() + cancels.len()) as f64);
                stats.commit_seconds.observe(started.elapsed().as_secs_f64());
                health.answers_again();
                tracing::debug!(pledges = pledges.len(), cancels = cancels.len(), elapsed = ?started.elapsed(), "batch committed");
                for (id, counts) in outcome.counts {
                    if let Some(entry) = hub.get(&id) {
                        entry.publish(counts, now);
                    }
                }
                for ((_, reply), result) in pledges.into_iter().zip(outcome.pledged) {
                    let _ = reply.send(result);
                }
                for ((_, reply), result) in cancels.into_iter().zip(outcome.cancelled) {
                    let _ = reply.send(result);
                }
            }
            Err(e) => {
                health.batch_failed(pledges.len() + cancels.len(), &e);
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
            }
        }
    }
}

/// How many times a batch runs when PostgreSQL ends its transaction to break a deadlock or
/// a serialization conflict (with another replica's batch, a creator's edit or an
/// operator's transaction): nothing of it was stored, so it simply runs again.
const ATTEMPTS: u32 = 3;

async fn commit(
    writers: &Pool,
    hub: &Hub,
    commands: &[&PledgeCommand],
    requests: &[&CancelRequest],
    now: Timestamp,
) -> anyhow::Result<Outcome> {
    let mut conn = writers.acquire().await?;
    let mut attempt = 1;
    loop {
        let batch = commit_batch(&mut conn, hub, commands, requests, now);
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

struct Outcome {
    pledged: Vec<Result<Accepted, Refusal>>,
    cancelled: Vec<Result<Cancelled, Refusal>>,
    counts: BTreeMap<String, Counts>,
}

/// How a batch moves one campaign's totals.
#[derive(Debug, Default)]
pub(super) struct Totals {
    pub(super) raised: i64,
    pub(super) pledged: i64,
    pub(super) backers: i64,
    pub(super) changes: i64,
    /// The batch changed what the view shows beside the numbers (a public pledge on the
    /// wall, a referral credited, a cancellation): `extras_version` moves.
    pub(super) extras: bool,
}

impl Totals {
    /// Moves `campaign`'s totals and `seq` once, and tells other replicas.
    pub(super) async fn apply(&self, conn: &mut Conn, campaign: &str) -> anyhow::Result<()> {
        on_conn!(&mut *conn, c => sqlx::query(sql(
            "UPDATE campaigns SET raised = raised + ?, pledged = pledged + ?, backers = backers + ?, seq = seq + ?, \
             extras_version = extras_version + ? WHERE id = ?"
        )).bind(self.raised).bind(self.pledged).bind(self.backers).bind(self.changes).bind(i64::from(self.extras))
          .bind(campaign).execute(&mut **c).await.map(|_| ()))?;
        notify(conn, campaign).await
    }
}

/// Where a pledge of the batch stands while the batch is worked out.
pub(super) enum State {
    Done(Result<Accepted, Refusal>),
    /// A key already used earlier in this batch, by the pledge at this index.
    SameKeyAs(usize),
    /// Waiting for its tier to be claimed.
    Candidate,
    /// Claimed; the row to insert and its receipt secret.
    Admitted(StoredPledge, String),
}

async fn commit_batch(
    conn: &mut Conn,
    hub: &Hub,
    commands: &[&PledgeCommand],
    requests: &[&CancelRequest],
    now: Timestamp,
) -> anyhow::Result<Outcome> {
    // SQLite: take the write lock now, not at the first write. PostgreSQL: row locks on the
    // tiers and campaigns touched keep replicas from overselling.
    let begin = match conn {
        Conn::Sqlite(_) => "BEGIN IMMEDIATE",
        Conn::Postgres(_) => "BEGIN",
    };
    execute(conn, begin).await?;
    let mut totals: BTreeMap<String, Totals> = BTreeMap::new();

    // 0. The pledges to cancel, and every touched campaign's revision, locked first and in
    // sorted order (PostgreSQL): edits and other replicas' batches lock campaigns before
    // tiers too, so no two of them wait on each other in a cycle.
    let mut to_cancel = Vec::with_capacity(requests.len());
    for request in requests {
        to_cancel.push(match &request.target {
            Target::Receipt(token) => by_receipt_token(conn, token).await?,
            Target::Pledge(id) => pledge_by_id(conn, id).await?,
        });
    }
    let mut touched: Vec<&str> = commands.iter().map(|c| c.campaign.id().as_str()).collect();
    touched.extend(to_cancel.iter().flatten().map(|p| p.campaign_id.as_str()));
    let current = lock_campaigns(conn, touched).await?;

    // 1. Keys seen in earlier batches, and keys repeated within this one.
    let known = known_keys(conn, commands).await?;
    let mut first_with_key: HashMap<(&str, &str), usize> = HashMap::new();
    let mut states = Vec::with_capacity(commands.len());
    let mut replays: Vec<(usize, String, Option<String>)> = Vec::new();
    for (i, command) in commands.iter().enumerate() {
        let campaign = command.campaign.id().as_str();
        let state = match &command.idempotency {
            Some((key, hash)) => match known.get(&(campaign.to_owned(), key.clone())) {
                Some((stored_hash, ..)) if stored_hash != hash => State::Done(Err(Refusal::KeyReused)),
                Some((_, pledge_id, sealed)) => {
                    let token = sealed.as_deref().and_then(|s| receipts::unseal(s, key, pledge_id));
                    replays.push((i, pledge_id.clone(), token));
                    State::Candidate
                }
                None => match first_with_key.get(&(campaign, key.as_str())) {
                    Some(&first) => State::SameKeyAs(first),
                    None => {
                        first_with_key.insert((campaign, key.as_str()), i);
                        admissible(command, current.get(campaign), now)
                    }
                },
            },
            None => admissible(command, current.get(campaign), now),
        };
        states.push(state);
    }
    for (i, pledge_id, secret) in replays {
        let row: PledgeRow = on_conn!(&mut *conn, c => sqlx::query_as(sql(SELECT_PLEDGE)).bind(&pledge_id).fetch_one(&mut **c).await)?;
        let pledge: StoredPledge = row.try_into()?;
        // The secret comes back only with the key that sealed it (or, for a row an older
        // replica wrote, as it was stored).
        let secret = secret.or_else(|| pledge.plain_secret().map(str::to_owned));
        states[i] = State::Done(match secret {
            Some(secret) => {
                Ok(Accepted { receipt_token: format!("{pledge_id}{secret}"), pledge, replayed: true })
            }
            None => Err(Refusal::Unknown),
        });
    }

    // 2. Claim each touched tier for all its candidates at once, or one by one near a limit.
    let mut groups: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, state) in states.iter_mut().enumerate() {
        if !matches!(state, State::Candidate) {
            continue;
        }
        let command = commands[i];
        match command.pledge.tier() {
            Some(tier) => groups.entry((command.campaign.id().as_str(), tier.as_str())).or_default().push(i),
            None => *state = admitted(command, now),
        }
    }
    for ((campaign, tier), members) in groups {
        let members = capped(conn, commands, &mut states, campaign, tier, members).await?;
        let units: i64 = members.iter().map(|&i| i64::from(commands[i].pledge.quantity())).sum();
        if claim(conn, campaign, tier, units).await? {
            for i in members {
                states[i] = admitted(commands[i], now);
            }
            continue;
        }
        for i in members {
            let units = i64::from(commands[i].pledge.quantity());
            states[i] = if claim(conn, campaign, tier, units).await? {
                admitted(commands[i], now)
            } else {
                State::Done(Err(Refusal::SoldOut(tier.to_owned())))
            };
        }
    }

    // 3. Option counts, pledge rows, keys, totals.
    let mut chosen: BTreeMap<(&str, &str, &str, &str), i64> = BTreeMap::new();
    for (i, state) in states.iter().enumerate() {
        let State::Admitted(row, _) = state else { continue };
        let command = commands[i];
        if let Some(tier) = command.pledge.tier() {
            for (name, value) in command.pledge.options() {
                *chosen.entry((command.campaign.id().as_str(), tier.as_str(), name, value)).or_default() +=
                    i64::from(command.pledge.quantity());
            }
        }
        let total = totals.entry(row.campaign_id.clone()).or_default();
        total.pledged += row.amount;
        if row.counts() {
            total.raised += row.amount;
        }
        total.backers += 1;
        total.changes += 1;
        total.extras |= command.pledge.public();
    }
    // Events for the sites' webhooks go in this transaction; none are even made for a
    // campaign whose site has no endpoint (one small query per batch).
    let listening = webhooks::listening(conn, current.keys().map(String::as_str)).await?;
    let mut events = Vec::new();
    for ((campaign, tier, name, value), units) in chosen {
        let after = add_to_value(conn, campaign, tier, name, value, units).await?.unwrap_or(0);
        let batch = commands.iter().find(|c| c.campaign.id().as_str() == campaign).and_then(|c| {
            c.campaign.tier(tier)?.options().iter().find(|g| g.name() == name)?.value(value)?.min_batch()
        });
        if let Some(batch) = batch.map(i64::from)
            && listening.contains(campaign)
            && after >= batch
            && after - units < batch
        {
            events.push(NewEvent::unlocked(campaign, (tier, name, value), (after, batch), now));
        }
    }
    let mut credits = Credits::default();
    credit_referrers(conn, commands, &mut states, &mut credits).await?;
    for state in &states {
        if let State::Admitted(row, _) = state
            && row.referred_by.is_some()
        {
            totals.entry(row.campaign_id.clone()).or_default().extras = true;
        }
    }
    let rows: Vec<(&PledgeCommand, &StoredPledge, &str)> = states
        .iter()
        .enumerate()
        .filter_map(|(i, state)| match state {
            State::Admitted(row, secret) => Some((commands[i], row, secret.as_str())),
            _ => None,
        })
        .collect();
    insert_rows(conn, &rows, now).await?;

    // 4. Cancellations.
    let mut cancelled = Vec::with_capacity(requests.len());
    for (pledge, request) in to_cancel.into_iter().zip(requests) {
        cancelled.push(match pledge {
            None => Err(Refusal::NotFound),
            Some(pledge) => {
                let cancelled = current.get(&pledge.campaign_id).is_none_or(|c| c.cancelled);
                cancel(conn, pledge, (cancelled, request.kind), now, &mut totals, &mut credits).await?
            }
        });
    }
    credits.apply(conn).await?;

    // 5. The batch's pledge events.
    if !listening.is_empty() {
        for state in &states {
            if let State::Admitted(row, _) = state
                && listening.contains(&row.campaign_id)
            {
                events.push(NewEvent::pledge(EventType::PledgeCreated, row, now));
            }
        }
        for cancelled in cancelled.iter().flatten().filter(|c| !c.already) {
            if listening.contains(&cancelled.pledge.campaign_id) {
                events.push(NewEvent::pledge(EventType::PledgeCancelled, &cancelled.pledge, now));
            }
        }
    }
    webhooks::queue(conn, &events, now).await?;

    // 6. Totals, fresh counts, commit.
    let mut fresh = BTreeMap::new();
    for (campaign, total) in &totals {
        total.apply(conn, campaign).await?;
        let previous = hub.get(campaign).map(|entry| entry.snapshot(now));
        fresh.insert(
            campaign.clone(),
            counts_since(conn, campaign, previous.as_ref().map(|s| &s.counts)).await?,
        );
    }
    execute(conn, "COMMIT").await.map_err(|e| e.context(CommitUnknown))?;

    // Answers, in order; a repeated key gets what its first use got.
    let mut pledged: Vec<Result<Accepted, Refusal>> = Vec::with_capacity(states.len());
    for state in states {
        pledged.push(match state {
            State::Done(result) => result,
            State::Admitted(pledge, secret) => {
                Ok(Accepted { receipt_token: format!("{}{secret}", pledge.id), pledge, replayed: false })
            }
            State::SameKeyAs(first) => match &pledged[first] {
                Ok(accepted) => Ok(Accepted { replayed: true, ..accepted.clone() }),
                Err(refusal) => Err(refusal.clone()),
            },
            State::Candidate => Err(Refusal::Unavailable),
        });
    }
    Ok(Outcome { pledged, cancelled, counts: fresh })
}

/// A touched campaign as the batch's transaction found it.
pub(super) struct Current {
    revision: u64,
    pub(super) cancelled: bool,
}

/// Reads (and on PostgreSQL locks, in sorted order) the revision of each campaign.
async fn lock_campaigns(conn: &mut Conn, mut ids: Vec<&str>) -> sqlx::Result<HashMap<String, Current>> {
    ids.sort_unstable();
    ids.dedup();
    let lock = if matches!(conn, Conn::Postgres(_)) { " FOR UPDATE" } else { "" };
    let mut current = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(ROWS_PER_INSERT) {
        let rows: Vec<(String, i64, Option<i64>)> = on_conn!(&mut *conn, c => {
            let mut query: QueryBuilder<Db> =
                QueryBuilder::new("SELECT id, revision, cancelled_at FROM campaigns WHERE id IN (");
            let mut list = query.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            query.push(") ORDER BY id").push(lock);
            query.build_query_as().fetch_all(&mut **c).await
        })?;
        for (id, revision, cancelled_at) in rows {
            current.insert(
                id,
                Current { revision: u64::try_from(revision).unwrap_or(0), cancelled: cancelled_at.is_some() },
            );
        }
    }
    Ok(current)
}

/// Whether the campaign is still as the pledge was checked against, then dates and tier
/// windows, which need no database.
fn admissible(command: &PledgeCommand, current: Option<&Current>, now: Timestamp) -> State {
    match current {
        None => return State::Done(Err(Refusal::NotFound)),
        Some(c) if c.cancelled => return State::Done(Err(Refusal::Cancelled)),
        Some(c) if c.revision != command.revision => return State::Done(Err(Refusal::Changed)),
        Some(_) => {}
    }
    let campaign = &command.campaign;
    if now < campaign.starts_at() {
        return State::Done(Err(Refusal::NotStarted));
    }
    if now >= campaign.ends_at() {
        return State::Done(Err(Refusal::Ended));
    }
    let tier = command.pledge.tier().and_then(|t| campaign.tier(t.as_str()));
    match tier.map(|t| t.available_at(now)) {
        Some(Err(why)) => State::Done(Err(Refusal::TierUnavailable {
            tier: tier.map(|t| t.id().to_string()).unwrap_or_default(),
            not_yet: why == Unavailable::NotYet,
        })),
        _ => State::Candidate,
    }
}

fn new_row(command: &PledgeCommand, now: Timestamp) -> (StoredPledge, String) {
    let pledge = &command.pledge;
    let id = ids::time_ordered();
    let secret = ids::secret();
    let row = StoredPledge {
        receipt: StoredSecret::Hashed(receipts::hash(&secret)),
        id,
        campaign_id: command.campaign.id().to_string(),
        tier_id: pledge.tier().map(|t| t.to_string()),
        quantity: pledge.quantity(),
        amount: pledge.amount().minor(),
        options: pledge.options().clone(),
        name: pledge.name().to_owned(),
        referral_code: ids::referral_code(),
        referred_by: None,
        recruits: 0,
        recruited_amount: 0,
        cancelled: false,
        payment: (!command.campaign.payments().is_none()).then_some(PaymentStatus::Pending),
        payment_due_at: payment_due(&command.campaign, now),
        unmade_due_at: None,
    };
    (row, secret)
}

fn admitted(command: &PledgeCommand, now: Timestamp) -> State {
    let (row, secret) = new_row(command, now);
    State::Admitted(row, secret)
}

/// How long a pledge's units are held while its payment is pending: Kickstarter's 15
/// minutes for a card, the creator's setting for a manual payment.
const CARD_HOLD_SECS: i64 = 15 * 60;

fn payment_due(campaign: &Campaign, now: Timestamp) -> Option<Timestamp> {
    match campaign.payments() {
        PaymentMode::None => None,
        PaymentMode::Stripe => Some(now.plus_seconds(CARD_HOLD_SECS)),
        PaymentMode::Manual => {
            let hours = campaign.manual_payment().map_or(72, |m| m.expires_after_hours);
            Some(now.plus_seconds(i64::from(hours) * 3600))
        }
    }
}

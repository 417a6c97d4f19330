//! One batch's transaction, as the steps the writer's header lists: each is a method of
//! [`Batch`], called in order by [`commit_batch`]. A step reads what earlier steps decided
//! from the batch and adds its own; none commits but the last.

mod waitlists;

use super::command::{
    Accepted, CancelRequest, Cancelled, PledgeCommand, Target, WaitlistRequest, Waitlisted,
};
use super::rows::{insert_rows, known_keys};
use super::state::{Current, State, admissible, admitted, lock_campaigns};
use super::totals::Totals;
use crate::hub::Hub;
use crate::store::cancels::cancel;
use crate::store::claims::{add_to_value, capped, claim};
use crate::store::db::{Conn, PledgeRow, SELECT_PLEDGE, on_conn};
use crate::store::mails::{self, NewMail};
use crate::store::referrals::{Credits, credit_referrers};
use crate::store::waitlist::{OfferTerms, StoredEntry, link_pledge, take_offer};
use crate::store::webhooks::{self, NewEvent};
use crate::store::{Refusal, StoredPledge, by_receipt_token, counts_since, execute, pledge_by_id, receipts};
use domain::Timestamp;
use domain::progress::Counts;
use domain::webhooks::EventType;
use std::collections::{BTreeMap, HashMap, HashSet};

/// What a committed batch answers: each pledge and cancellation in the order they came, and
/// each touched campaign's fresh counts for the hub.
pub(super) struct Outcome {
    pub(super) pledged: Vec<Result<Accepted, Refusal>>,
    pub(super) cancelled: Vec<Result<Cancelled, Refusal>>,
    pub(super) waitlisted: Vec<Result<Waitlisted, Refusal>>,
    pub(super) counts: BTreeMap<String, Counts>,
    /// Whether the batch offered units to a waitlist.
    pub(super) offered: bool,
}

/// Why a commit's outcome is unknown: the `COMMIT` itself failed (the connection dropped as it
/// went), so the batch may or may not be stored.
#[derive(Debug)]
pub(super) struct CommitUnknown;

impl std::fmt::Display for CommitUnknown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the commit's outcome is unknown")
    }
}

/// Runs one batch in one transaction, step by step.
pub(super) async fn commit_batch(
    conn: &mut Conn,
    hub: &Hub,
    commands: &[&PledgeCommand],
    (requests, waitlist): (&[&CancelRequest], &[&WaitlistRequest]),
    (now, terms): (Timestamp, &OfferTerms),
) -> anyhow::Result<Outcome> {
    let mut batch = Batch::begin(conn, commands, (requests, waitlist), now).await?;
    batch.sort_by_key().await?;
    batch.claim_tiers().await?;
    batch.write_pledges().await?;
    let cancelled = batch.cancel().await?;
    let waitlisted = batch.waitlists(&cancelled, terms).await?;
    batch.queue_events(&cancelled).await?;
    let counts = batch.commit(hub).await?;
    let offered = batch.offered;
    Ok(Outcome { pledged: batch.answers(), cancelled, waitlisted, counts, offered })
}

/// A batch's transaction while it is worked out.
struct Batch<'a> {
    conn: &'a mut Conn,
    commands: &'a [&'a PledgeCommand],
    requests: &'a [&'a CancelRequest],
    waitlist: &'a [&'a WaitlistRequest],
    now: Timestamp,
    /// Each touched campaign as the transaction found it, locked.
    current: HashMap<String, Current>,
    /// The pledge each cancellation is for, when there is one.
    to_cancel: Vec<Option<StoredPledge>>,
    /// The entry each waitlist release is for, when there is one.
    to_release: Vec<Option<StoredEntry>>,
    /// Offers taken by the batch's pledges: the offer, the pledge, and its offer mail's link.
    taken: Vec<(String, String, Option<String>)>,
    /// Whether the batch offered units to a waitlist.
    offered: bool,
    mails: Vec<NewMail>,
    /// Where each pledge stands, by its index in `commands`.
    states: Vec<State>,
    totals: BTreeMap<String, Totals>,
    credits: Credits,
    /// Touched campaigns whose sites have a webhook endpoint.
    listening: HashSet<String>,
    events: Vec<NewEvent>,
}

impl<'a> Batch<'a> {
    /// Step 1: Opens the transaction, finds the pledges to cancel, and locks every touched
    /// campaign. SQLite takes the write lock now, not at the first write; PostgreSQL locks
    /// campaigns in sorted order, before any tier, as edits and other replicas' batches do, so
    /// no two of them wait on each other in a cycle.
    async fn begin(
        conn: &'a mut Conn,
        commands: &'a [&'a PledgeCommand],
        (requests, waitlist): (&'a [&'a CancelRequest], &'a [&'a WaitlistRequest]),
        now: Timestamp,
    ) -> anyhow::Result<Self> {
        let begin = match conn {
            Conn::Sqlite(_) => "BEGIN IMMEDIATE",
            Conn::Postgres(_) => "BEGIN",
        };
        execute(conn, begin).await?;
        let mut to_cancel = Vec::with_capacity(requests.len());
        for request in requests {
            to_cancel.push(match &request.target {
                Target::Receipt(token) => by_receipt_token(conn, token).await?,
                Target::Pledge(id) => pledge_by_id(conn, id).await?,
            });
        }
        let mut to_release = Vec::with_capacity(waitlist.len());
        for request in waitlist {
            to_release.push(match request {
                WaitlistRequest::Release { id, .. } => crate::store::waitlist::by_id(conn, id).await?,
                WaitlistRequest::Join(_) => None,
            });
        }
        let mut touched: Vec<&str> = commands.iter().map(|c| c.campaign.id().as_str()).collect();
        touched.extend(to_cancel.iter().flatten().map(|p| p.campaign_id.as_str()));
        touched.extend(to_release.iter().flatten().map(|e| e.entry.campaign.as_str()));
        touched.extend(waitlist.iter().filter_map(|r| match r {
            WaitlistRequest::Join(join) => Some(join.campaign.id().as_str()),
            WaitlistRequest::Release { .. } => None,
        }));
        let current = lock_campaigns(conn, touched).await?;
        let listening = webhooks::listening(conn, current.keys().map(String::as_str)).await?;
        Ok(Batch {
            conn,
            commands,
            requests,
            waitlist,
            now,
            current,
            to_cancel,
            to_release,
            taken: Vec::new(),
            offered: false,
            mails: Vec::new(),
            states: Vec::with_capacity(commands.len()),
            totals: BTreeMap::new(),
            credits: Credits::default(),
            listening,
            events: Vec::new(),
        })
    }

    /// Step 2: Sorts the pledges by their idempotency keys: a key seen in an earlier batch
    /// replays its pledge (or is refused, if it came with another request), a key repeated
    /// within this batch gets what its first use gets, and the rest are checked against their
    /// campaign's revision, dates and tier windows, in memory.
    async fn sort_by_key(&mut self) -> anyhow::Result<()> {
        let known = known_keys(self.conn, self.commands).await?;
        let mut first_with_key: HashMap<(&str, &str), usize> = HashMap::new();
        let mut replays: Vec<(usize, String, Option<String>)> = Vec::new();
        for (i, command) in self.commands.iter().enumerate() {
            let campaign = command.campaign.id().as_str();
            let current = self.current.get(campaign);
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
                            admissible(command, current, self.now)
                        }
                    },
                },
                None => admissible(command, current, self.now),
            };
            self.states.push(state);
        }
        for (i, pledge_id, secret) in replays {
            self.states[i] = State::Done(self.replay(&pledge_id, secret).await?);
        }
        Ok(())
    }

    /// The pledge an earlier request made with the same key. Its secret comes back only with
    /// the key that sealed it (or, for a row an older replica wrote, as it was stored).
    async fn replay(
        &mut self,
        pledge_id: &str,
        secret: Option<String>,
    ) -> anyhow::Result<Result<Accepted, Refusal>> {
        let row: PledgeRow = on_conn!(&mut *self.conn, |c| sqlx::query_as(sql(SELECT_PLEDGE))
            .bind(pledge_id)
            .fetch_one(&mut **c)
            .await)?;
        let pledge: StoredPledge = row.try_into()?;
        let secret = secret.or_else(|| pledge.plain_secret().map(str::to_owned));
        Ok(match secret {
            Some(secret) => {
                Ok(Accepted { receipt_token: format!("{pledge_id}{secret}"), pledge, replayed: true })
            }
            None => Err(Refusal::Unknown),
        })
    }

    /// Step 3: Claims each touched tier once for all its candidates' units, within the caps on
    /// addresses and unpaid holds; only when that would oversell, pledge by pledge in arrival
    /// order, so exactly the units left are taken and the rest are sold out.
    async fn claim_tiers(&mut self) -> anyhow::Result<()> {
        let (commands, now) = (self.commands, self.now);
        let mut groups: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
        for (i, state) in self.states.iter_mut().enumerate() {
            if !matches!(state, State::Candidate) {
                continue;
            }
            let command = commands[i];
            if let Some(offer) = &command.offer {
                *state = admitted(command, now);
                let State::Admitted(row, _) = &*state else { continue };
                match take_offer(self.conn, &offer.id, &row.id, now).await? {
                    Some(mail_hash) => self.taken.push((offer.id.clone(), row.id.clone(), mail_hash)),
                    None => *state = State::Done(Err(Refusal::OfferGone)),
                }
                continue;
            }
            match command.pledge.tier() {
                Some(tier) => {
                    groups.entry((command.campaign.id().as_str(), tier.as_str())).or_default().push(i)
                }
                None => *state = admitted(command, now),
            }
        }
        for ((campaign, tier), members) in groups {
            let members = capped(self.conn, commands, &mut self.states, campaign, tier, members).await?;
            let units: i64 = members.iter().map(|&i| i64::from(commands[i].pledge.quantity())).sum();
            if claim(self.conn, campaign, tier, units).await? {
                for i in members {
                    self.states[i] = admitted(commands[i], now);
                }
                continue;
            }
            // Within the transaction a tier's claims only grow: once `n` units could not be
            // claimed, no later pledge of `n` or more can be, and is sold out without asking
            // (at a drop, most of a batch).
            let mut refused_from = i64::MAX;
            for i in members {
                let units = i64::from(commands[i].pledge.quantity());
                let taken = units < refused_from && claim(self.conn, campaign, tier, units).await?;
                if !taken {
                    refused_from = refused_from.min(units);
                }
                self.states[i] = if taken {
                    admitted(commands[i], now)
                } else {
                    State::Done(Err(Refusal::SoldOut(tier.to_owned())))
                };
            }
        }
        Ok(())
    }

    /// Step 4: Writes the admitted pledges: option counts (one statement per touched value, and
    /// an event when a value reaches its batch), referral credit, the rows and their keys in
    /// multi-row inserts; their campaigns' totals add up in memory.
    async fn write_pledges(&mut self) -> anyhow::Result<()> {
        let mut chosen: BTreeMap<(&str, &str, &str, &str), i64> = BTreeMap::new();
        for (i, state) in self.states.iter().enumerate() {
            let State::Admitted(row, _) = state else { continue };
            let command: &'a PledgeCommand = self.commands[i];
            let pledge = &command.pledge;
            if let Some(tier) = pledge.tier() {
                for (name, value) in pledge.options() {
                    *chosen
                        .entry((command.campaign.id().as_str(), tier.as_str(), name, value))
                        .or_default() += i64::from(pledge.quantity());
                }
            }
            let total = self.totals.entry(row.campaign_id.clone()).or_default();
            total.pledged += row.amount;
            if row.counts() {
                total.raised += row.amount;
            }
            total.backers += 1;
            total.changes += 1;
            total.extras |= pledge.public();
        }
        for ((campaign, tier, name, value), units) in chosen {
            let after = add_to_value(self.conn, campaign, tier, name, value, units).await?.unwrap_or(0);
            let batch = self.commands.iter().find(|c| c.campaign.id().as_str() == campaign).and_then(|c| {
                c.campaign.tier(tier)?.options().iter().find(|g| g.name() == name)?.value(value)?.min_batch()
            });
            if let Some(batch) = batch.map(i64::from)
                && self.listening.contains(campaign)
                && after >= batch
                && after - units < batch
            {
                self.events.push(NewEvent::unlocked(campaign, (tier, name, value), (after, batch), self.now));
            }
        }
        credit_referrers(self.conn, self.commands, &mut self.states, &mut self.credits).await?;
        let mut rows = Vec::new();
        for (i, state) in self.states.iter().enumerate() {
            let State::Admitted(row, secret) = state else { continue };
            if row.referred_by.is_some() {
                self.totals.entry(row.campaign_id.clone()).or_default().extras = true;
            }
            rows.push((self.commands[i], row, secret.as_str()));
        }
        insert_rows(self.conn, &rows, self.now).await?;
        for (_, pledge, mail_hash) in &self.taken {
            if let Some(hash) = mail_hash {
                link_pledge(self.conn, pledge, hash, self.now).await?;
            }
        }
        Ok(())
    }

    /// Step 5: Cancels the pledges asked for, then applies all referral credit the batch moved.
    async fn cancel(&mut self) -> anyhow::Result<Vec<Result<Cancelled, Refusal>>> {
        let mut cancelled = Vec::with_capacity(self.requests.len());
        for (pledge, request) in std::mem::take(&mut self.to_cancel).into_iter().zip(self.requests) {
            cancelled.push(match pledge {
                None => Err(Refusal::NotFound),
                Some(pledge) => {
                    let campaign_cancelled =
                        self.current.get(&pledge.campaign_id).is_none_or(|c| c.cancelled);
                    let kind = (campaign_cancelled, request.kind);
                    cancel(self.conn, pledge, kind, self.now, &mut self.totals, &mut self.credits).await?
                }
            });
        }
        std::mem::take(&mut self.credits).apply(self.conn).await?;
        Ok(cancelled)
    }

    /// Step 6: Queues the batch's webhook events and mails, in this transaction; no event is
    /// even made for a campaign whose site has no endpoint, and a pledge is mailed only
    /// when its door asked (mail is on and its contact is an address).
    async fn queue_events(&mut self, cancelled: &[Result<Cancelled, Refusal>]) -> anyhow::Result<()> {
        for state in &self.states {
            if let State::Admitted(row, _) = state
                && self.listening.contains(&row.campaign_id)
            {
                self.events.push(NewEvent::pledge(EventType::PledgeCreated, row, self.now));
            }
        }
        for cancelled in cancelled.iter().flatten().filter(|c| !c.already) {
            if self.listening.contains(&cancelled.pledge.campaign_id) {
                self.events.push(NewEvent::pledge(EventType::PledgeCancelled, &cancelled.pledge, self.now));
            }
        }
        webhooks::queue(self.conn, &self.events, self.now).await?;
        let mut mails = Vec::new();
        for (i, state) in self.states.iter().enumerate() {
            let (State::Admitted(row, _), Some(to)) = (state, &self.commands[i].mail) else { continue };
            let Some(address) = &to.address else { continue };
            mails.push(NewMail {
                id: crate::ids::time_ordered(),
                campaign_id: Some(row.campaign_id.clone()),
                pledge_id: Some(row.id.clone()),
                kind: "pledge_received",
                recipient: address.clone(),
                lang: self.commands[i].lang,
                data: serde_json::json!({ "base": to.base }).to_string(),
            });
        }
        mails::lift_suppression(self.conn, &mails).await?;
        mails.append(&mut self.mails);
        mails.extend(self.creator_mails().await?);
        Ok(mails::queue(self.conn, &mails, self.now).await?)
    }

    /// A mail to each address of the creators whose sites hear of each pledge, for each
    /// admitted pledge of theirs (one read for the batch).
    async fn creator_mails(&mut self) -> anyhow::Result<Vec<NewMail>> {
        let campaigns: Vec<String> = self
            .states
            .iter()
            .zip(self.commands)
            .filter_map(mailed)
            .map(|(row, _)| row.campaign_id.clone())
            .collect();
        if campaigns.is_empty() {
            return Ok(Vec::new());
        }
        let campaigns: Vec<&str> = campaigns.iter().map(String::as_str).collect();
        let creators = crate::store::recipients::creators_of_each(self.conn, &campaigns).await?;
        let mut queued = Vec::new();
        for (row, base) in self.states.iter().zip(self.commands).filter_map(mailed) {
            let Some((emails, lang)) = creators.get(&row.campaign_id) else { continue };
            for address in emails.split_whitespace() {
                queued.push(NewMail {
                    id: crate::ids::time_ordered(),
                    campaign_id: Some(row.campaign_id.clone()),
                    pledge_id: Some(row.id.clone()),
                    kind: "creator_pledge",
                    recipient: address.to_owned(),
                    lang: if lang == "zh-CN" { "zh-CN" } else { "en" },
                    data: serde_json::json!({ "base": base }).to_string(),
                });
            }
        }
        Ok(queued)
    }

    /// Step 7: Moves each touched campaign's totals and `seq` once, reads its fresh counts, and
    /// commits: one fsync for the whole batch. A failed `COMMIT` leaves the outcome unknown.
    async fn commit(&mut self, hub: &Hub) -> anyhow::Result<BTreeMap<String, Counts>> {
        let mut fresh = BTreeMap::new();
        for (campaign, total) in &self.totals {
            total.apply(self.conn, campaign).await?;
            let previous = hub.get(campaign).map(|entry| entry.snapshot(self.now));
            let counts = counts_since(self.conn, campaign, previous.as_ref().map(|s| &s.counts)).await?;
            fresh.insert(campaign.clone(), counts);
        }
        execute(self.conn, "COMMIT").await.map_err(|e| e.context(CommitUnknown))?;
        Ok(fresh)
    }

    /// Each pledge's answer, in order; a repeated key gets what its first use got.
    fn answers(self) -> Vec<Result<Accepted, Refusal>> {
        let mut pledged: Vec<Result<Accepted, Refusal>> = Vec::with_capacity(self.states.len());
        for state in self.states {
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
        pledged
    }
}

/// An admitted pledge with mail on, and the base of its links.
fn mailed<'s>((state, command): (&'s State, &&PledgeCommand)) -> Option<(&'s StoredPledge, String)> {
    match (state, &command.mail) {
        (State::Admitted(row, _), Some(to)) => Some((row, to.base.clone())),
        _ => None,
    }
}

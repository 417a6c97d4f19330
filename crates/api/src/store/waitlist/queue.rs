//! The waitlist inside a transaction (the writer's batch, or a creator's edit): joining,
//! offering freed units in queue order, releasing an entry, and taking an offer. The
//! caller holds the campaign's lock (its row on PostgreSQL, the write lock on SQLite).

use super::entry::{EntryRow, StoredEntry, select_entry};
use crate::store::claims::claim;
use crate::store::db::{Conn, on_conn};
use crate::store::mails::NewMail;
use crate::store::webhooks::NewEvent;
use domain::webhooks::EventType;
use domain::wire::{WaitState, WaitlistEvent};
use domain::{Campaign, Timestamp};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, OnceLock};

/// How offers are made: how long one holds its units, and the base of the links in offer
/// mails (set when mail is on).
#[derive(Debug)]
pub(in crate::store) struct OfferTerms {
    hold_secs: AtomicI64,
    pub(in crate::store) mail_base: Arc<OnceLock<String>>,
    /// Woken when offers were made, for the round that turns those without payments into
    /// pledges at once.
    pub(in crate::store) offered: tokio::sync::Notify,
}

/// How long an offer holds its units unless configured otherwise: a day.
pub const DEFAULT_HOLD_HOURS: u32 = 24;

impl OfferTerms {
    pub(in crate::store) fn new(mail_base: Arc<OnceLock<String>>) -> OfferTerms {
        OfferTerms {
            hold_secs: AtomicI64::new(i64::from(DEFAULT_HOLD_HOURS) * 3600),
            mail_base,
            offered: tokio::sync::Notify::new(),
        }
    }

    pub(in crate::store) fn set_hold(&self, hold: std::time::Duration) {
        let secs = i64::try_from(hold.as_secs()).unwrap_or(i64::MAX).max(1);
        self.hold_secs.store(secs, Ordering::Relaxed);
    }

    fn hold_secs(&self) -> i64 {
        self.hold_secs.load(Ordering::Relaxed)
    }
}

/// Offers `tier`'s free units to those waiting, in line order, while the campaign is live
/// and the tier's window open: each to the first in line whose units are free (a head
/// asking for more than came back waits for more, and those behind it who fit are served),
/// so the units left over are ones nobody waiting could take. An offer holds them until
/// the hold ends, or the campaign or the tier's window does if sooner.
pub(in crate::store) async fn serve(
    conn: &mut Conn,
    (campaign, cancelled): (&Campaign, bool),
    tier: &str,
    terms: &OfferTerms,
    now: Timestamp,
) -> anyhow::Result<Vec<StoredEntry>> {
    let id = campaign.id().as_str();
    let mut offered = Vec::new();
    let Some(window) = campaign.tier(tier) else { return Ok(offered) };
    if cancelled
        || now < campaign.starts_at()
        || now >= campaign.ends_at()
        || window.available_at(now).is_err()
    {
        return Ok(offered);
    }
    let mut expires = now.plus_seconds(terms.hold_secs()).min(campaign.ends_at());
    if let Some(until) = window.available_until() {
        expires = expires.min(until);
    }
    let converts = i64::from(campaign.payments() == domain::PaymentMode::None);
    loop {
        let head: Option<EntryRow> = on_conn!(&mut *conn, |c| sqlx::query_as(sql(select_entry!(
            "WHERE campaign_id = ? AND tier_id = ? AND state = 'waiting' AND quantity <= COALESCE(\
             (SELECT max_claims - claimed FROM tiers WHERE campaign_id = ? AND id = ?), quantity) \
             ORDER BY position LIMIT 1"
        )))
        .bind(id)
        .bind(tier)
        .bind(id)
        .bind(tier)
        .fetch_optional(&mut **c)
        .await)?;
        let Some(head) = head.map(StoredEntry::from) else { break };
        if !claim(conn, id, tier, i64::from(head.entry.quantity)).await? {
            break;
        }
        on_conn!(&mut *conn, |c| {
            sqlx::query(sql(
            "UPDATE waitlist SET state = 'offered', offered_at = ?, offer_expires_at = ?, converts = ? WHERE id = ?"
        ))
        .bind(now.unix())
        .bind(expires.unix())
        .bind(converts)
        .bind(&head.entry.id)
        .execute(&mut **c)
        .await
        .map(|_| ())
        })?;
        step_waiting(conn, id, tier, -1).await?;
        let mut entry = head;
        entry.entry.state = WaitState::Offered;
        entry.entry.offered_at = Some(now);
        entry.entry.offer_expires_at = Some(expires);
        offered.push(entry);
    }
    Ok(offered)
}

async fn step_waiting(conn: &mut Conn, campaign: &str, tier: &str, by: i64) -> sqlx::Result<()> {
    on_conn!(conn, |c| sqlx::query(sql(
        "UPDATE tiers SET waiting = waiting + ? WHERE campaign_id = ? AND id = ?"
    ))
    .bind(by)
    .bind(campaign)
    .bind(tier)
    .execute(&mut **c)
    .await
    .map(|_| ()))
}

/// Ends entry `id` as `to` (`Left` by its fan, or `Expired` when its offer ran out, only
/// once `now` is past it): a waiting entry leaves the line, an offer's units go back to
/// the tier. The entry as it was, when it changed.
pub(in crate::store) async fn release(
    conn: &mut Conn,
    id: &str,
    to: WaitState,
    now: Timestamp,
) -> anyhow::Result<Option<StoredEntry>> {
    let Some(entry) = by_id(conn, id).await? else { return Ok(None) };
    let due = entry.entry.offer_expires_at.is_some_and(|at| at <= now);
    let may = match (entry.state(), to) {
        (WaitState::Waiting, WaitState::Left) | (WaitState::Offered, WaitState::Left) => true,
        (WaitState::Offered, WaitState::Expired) => due,
        _ => false,
    };
    if !may {
        return Ok(None);
    }
    let changed = on_conn!(&mut *conn, |c| sqlx::query(sql(
        "UPDATE waitlist SET state = ?, ended_at = ? WHERE id = ? AND state = ?"
    ))
    .bind(to.as_str())
    .bind(now.unix())
    .bind(id)
    .bind(entry.state().as_str())
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    if changed != 1 {
        return Ok(None);
    }
    let (campaign, tier) = (entry.entry.campaign.as_str(), entry.entry.tier.as_str());
    if entry.state() == WaitState::Waiting {
        step_waiting(conn, campaign, tier, -1).await?;
    } else {
        on_conn!(&mut *conn, |c| sqlx::query(sql(
            "UPDATE tiers SET claimed = claimed - ? WHERE campaign_id = ? AND id = ?"
        ))
        .bind(i64::from(entry.entry.quantity))
        .bind(campaign)
        .bind(tier)
        .execute(&mut **c)
        .await
        .map(|_| ()))?;
    }
    Ok(Some(entry))
}

/// Takes offer `id` for pledge `pledge_id`, when it is still out and in time; the hash of
/// its offer mail's link, which then opens the pledge too (written once the pledge is).
pub(in crate::store) async fn take_offer(
    conn: &mut Conn,
    id: &str,
    pledge_id: &str,
    now: Timestamp,
) -> anyhow::Result<Option<Option<String>>> {
    let taken: Option<(Option<String>,)> = on_conn!(&mut *conn, |c| sqlx::query_as(sql(
        "UPDATE waitlist SET state = 'converted', pledge_id = ?, ended_at = ? \
         WHERE id = ? AND state = 'offered' AND offer_expires_at > ? RETURNING mail_hash"
    ))
    .bind(pledge_id)
    .bind(now.unix())
    .bind(id)
    .bind(now.unix())
    .fetch_optional(&mut **c)
    .await)?;
    Ok(taken.map(|(hash,)| hash))
}

/// Ends every open entry of a cancelled campaign: nobody waits for what will not be made.
pub(in crate::store) async fn close(conn: &mut Conn, campaign: &str, now: Timestamp) -> sqlx::Result<()> {
    on_conn!(&mut *conn, |c| {
        sqlx::query(sql(
        "UPDATE waitlist SET state = 'expired', ended_at = ? WHERE campaign_id = ? AND state IN ('waiting', 'offered')"
    ))
    .bind(now.unix())
    .bind(campaign)
    .execute(&mut **c)
    .await
    .map(|_| ())
    })?;
    on_conn!(conn, |c| sqlx::query(sql("UPDATE tiers SET waiting = 0 WHERE campaign_id = ?"))
        .bind(campaign)
        .execute(&mut **c)
        .await
        .map(|_| ()))
}

/// Lets the link an offer mail carried open the pledge the offer became.
pub(in crate::store) async fn link_pledge(
    conn: &mut Conn,
    pledge_id: &str,
    mail_hash: &str,
    now: Timestamp,
) -> sqlx::Result<()> {
    on_conn!(conn, |c| sqlx::query(sql(
        "INSERT INTO receipt_links (pledge_id, hash, created_at) VALUES (?, ?, ?)"
    ))
    .bind(pledge_id)
    .bind(mail_hash)
    .bind(now.unix())
    .execute(&mut **c)
    .await
    .map(|_| ()))
}

/// Entry `id`, read inside the caller's transaction.
pub(in crate::store) async fn by_id(conn: &mut Conn, id: &str) -> sqlx::Result<Option<StoredEntry>> {
    let row: Option<EntryRow> = on_conn!(conn, |c| sqlx::query_as(sql(select_entry!("WHERE id = ?")))
        .bind(id)
        .fetch_optional(&mut **c)
        .await)?;
    Ok(row.map(StoredEntry::from))
}

/// A `waitlist.*` event about `entry` as it is now, without its contact.
pub(in crate::store) fn event(
    kind: EventType,
    entry: &domain::wire::WaitlistEntry,
    now: Timestamp,
) -> NewEvent {
    let data = WaitlistEvent {
        campaign: entry.campaign.clone(),
        entry: domain::wire::WaitlistEntry { contact: None, ..entry.clone() },
    };
    NewEvent::new(&entry.campaign, kind, data, now)
}

/// What tells of `offered` entries of `campaign`: a `waitlist.offered` event each when its
/// site is `listening`, and with payments a mail each (without them the offer becomes a
/// pledge at once, by the server's round, which mails the pledge).
pub(in crate::store) fn offered_news(
    offered: &[StoredEntry],
    (campaign, listening): (&Campaign, bool),
    terms: &OfferTerms,
    now: Timestamp,
) -> (Vec<NewEvent>, Vec<NewMail>) {
    let events = if listening {
        offered.iter().map(|e| event(EventType::WaitlistOffered, &e.entry, now)).collect()
    } else {
        Vec::new()
    };
    let mails = if campaign.payments() == domain::PaymentMode::None {
        Vec::new()
    } else {
        offered.iter().filter_map(|e| offer_mail(e, terms)).collect()
    };
    (events, mails)
}

/// The mail telling a fan of an offer they must take (a campaign with payments), when mail
/// is on and their contact is an address.
pub(in crate::store) fn offer_mail(entry: &StoredEntry, terms: &OfferTerms) -> Option<NewMail> {
    let base = terms.mail_base.get()?;
    let address = domain::contact::email(entry.entry.contact.as_deref()?)?;
    Some(NewMail {
        id: crate::ids::time_ordered(),
        campaign_id: Some(entry.entry.campaign.clone()),
        pledge_id: None,
        kind: "waitlist_offer",
        recipient: address.to_owned(),
        lang: if entry.lang == "zh-CN" { "zh-CN" } else { "en" },
        data: serde_json::json!({ "base": base, "waitlist": entry.entry.id }).to_string(),
    })
}

/// Offers the units a creator's edit freed (a raised limit) to each tier's line, inside
/// the edit's transaction, and queues what tells of them; how many offers were made.
pub(in crate::store) async fn serve_raised(
    conn: &mut Conn,
    (old, new): (&Campaign, &Campaign),
    terms: &OfferTerms,
    now: Timestamp,
) -> anyhow::Result<usize> {
    let raised = new.tiers().iter().filter(|tier| {
        let before = old.tier(tier.id().as_str()).map(|t| t.limit());
        matches!((before, tier.limit()), (Some(Some(a)), Some(b)) if b > a)
            || matches!((before, tier.limit()), (Some(Some(_)), None))
    });
    let mut offered = Vec::new();
    for tier in raised {
        offered.extend(serve(conn, (new, false), tier.id().as_str(), terms, now).await?);
    }
    if offered.is_empty() {
        return Ok(0);
    }
    let id = new.id().as_str();
    let listening = crate::store::webhooks::listening(conn, std::iter::once(id)).await?.contains(id);
    let (events, mails) = offered_news(&offered, (new, listening), terms, now);
    crate::store::webhooks::queue(conn, &events, now).await?;
    crate::store::mails::queue(conn, &mails, now).await?;
    Ok(offered.len())
}

//! A waitlist entry and what the writer is asked with: the types the writer's commands and
//! the waitlist's queries share.

use crate::store::writer::client::Client;
use domain::Campaign;
use domain::wire::{WaitState, WaitlistEntry};
use std::sync::Arc;

/// A checked request to join a tier's waitlist, for the writer.
#[derive(Debug)]
pub struct JoinCommand {
    pub campaign: Arc<Campaign>,
    pub revision: u64,
    pub tier: String,
    pub quantity: u32,
    pub name: String,
    pub contact: String,
    /// The pledge it asks for, as the API took it: what it becomes when units come back.
    pub request: String,
    /// Where it came from, and the caps its address is held to.
    pub client: Option<Client>,
    pub lang: &'static str,
}

/// A joined entry, its place in line, and the fan's token (made once, kept as a hash).
#[derive(Debug, Clone)]
pub struct Joined {
    pub entry: WaitlistEntry,
    pub position: u32,
    pub token: String,
}

/// An entry as stored, with what only the store reads.
#[derive(Debug, Clone)]
pub struct StoredEntry {
    pub entry: WaitlistEntry,
    /// The pledge request it becomes.
    pub request: String,
    /// The address it came from, as caps count it: the pledge it becomes counts there.
    pub client: Option<String>,
    pub lang: String,
    pub(in crate::store) secret_hash: String,
    pub(in crate::store) mail_hash: Option<String>,
}

impl StoredEntry {
    pub fn state(&self) -> WaitState {
        self.entry.state
    }
}

#[derive(sqlx::FromRow)]
pub(in crate::store) struct EntryRow {
    id: String,
    campaign_id: String,
    tier_id: String,
    position: i64,
    quantity: i64,
    name: String,
    contact: String,
    request: String,
    client: Option<String>,
    lang: String,
    secret_hash: String,
    mail_hash: Option<String>,
    state: String,
    joined_at: i64,
    offered_at: Option<i64>,
    offer_expires_at: Option<i64>,
    pledge_id: Option<String>,
}

/// `SELECT` of an entry's columns, then `$tail` (`WHERE …`).
macro_rules! select_entry {
    ($tail:literal) => {
        concat!(
            "SELECT id, campaign_id, tier_id, position, quantity, name, contact, request, client, lang, secret_hash, ",
            "mail_hash, state, joined_at, offered_at, offer_expires_at, pledge_id FROM waitlist ",
            $tail
        )
    };
}
pub(in crate::store) use select_entry;

impl From<EntryRow> for StoredEntry {
    fn from(row: EntryRow) -> StoredEntry {
        let options = serde_json::from_str::<domain::wire::PledgeRequest>(&row.request)
            .map(|r| r.options)
            .unwrap_or_default();
        StoredEntry {
            entry: WaitlistEntry {
                id: row.id,
                campaign: row.campaign_id,
                tier: row.tier_id,
                place: u64::try_from(row.position).unwrap_or(0),
                quantity: u32::try_from(row.quantity).unwrap_or(0),
                name: row.name,
                state: WaitState::parse(&row.state).unwrap_or(WaitState::Left),
                joined_at: domain::Timestamp::from_unix(row.joined_at),
                offered_at: row.offered_at.map(domain::Timestamp::from_unix),
                offer_expires_at: row.offer_expires_at.map(domain::Timestamp::from_unix),
                pledge: row.pledge_id,
                contact: Some(row.contact),
                options,
            },
            request: row.request,
            client: row.client,
            lang: row.lang,
            secret_hash: row.secret_hash,
            mail_hash: row.mail_hash,
        }
    }
}

/// An offer for the writer to take: the entry, and the receipt hash its pledge keeps.
#[derive(Debug, Clone)]
pub struct Offer {
    pub id: String,
    pub(in crate::store) secret_hash: String,
}

impl StoredEntry {
    /// The offer this entry holds, to make a pledge of.
    pub fn offer(&self) -> Option<Offer> {
        (self.entry.state == WaitState::Offered)
            .then(|| Offer { id: self.entry.id.clone(), secret_hash: self.secret_hash.clone() })
    }
}

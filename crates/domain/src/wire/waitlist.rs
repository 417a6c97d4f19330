//! Waitlists (候补) on the wire: joining (`POST …/tiers/{tier}/waitlist`, the same body as
//! a pledge), the fan's waitlist receipt, the creator's list and the `waitlist.*` events.

use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a waitlist entry stands. It moves once from `waiting` to `offered` (units held for
/// it) and from there to `converted` (it became a pledge) or `expired`; or its fan leaves.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitState {
    Waiting,
    Offered,
    Converted,
    Expired,
    Left,
}

impl WaitState {
    pub fn as_str(self) -> &'static str {
        match self {
            WaitState::Waiting => "waiting",
            WaitState::Offered => "offered",
            WaitState::Converted => "converted",
            WaitState::Expired => "expired",
            WaitState::Left => "left",
        }
    }

    pub fn parse(text: &str) -> Option<WaitState> {
        [WaitState::Waiting, WaitState::Offered, WaitState::Converted, WaitState::Expired, WaitState::Left]
            .into_iter()
            .find(|s| s.as_str() == text)
    }

    /// Still in line or holding an offer.
    pub fn open(self) -> bool {
        matches!(self, WaitState::Waiting | WaitState::Offered)
    }
}

/// One waitlist entry. `contact` and `options` only in the creator's list.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitlistEntry {
    pub id: String,
    pub campaign: String,
    pub tier: String,
    /// The order it joined in: 1 for the tier's first entry, never reused.
    pub place: u64,
    pub quantity: u32,
    pub name: String,
    pub state: WaitState,
    pub joined_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offered_at: Option<Timestamp>,
    /// Until when an offer holds its units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_expires_at: Option<Timestamp>,
    /// The pledge it became.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pledge: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
}

/// `201` to a join: the fan's place in line now, and their waitlist receipt.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitlistJoined {
    /// 1 when nobody waits ahead.
    pub position: u32,
    pub receipt_url: String,
    pub entry: WaitlistEntry,
}

/// The fan's waitlist receipt (`GET /api/v1/waitlist/{token}`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitlistReceipt {
    pub entry: WaitlistEntry,
    /// The place in line while waiting: 1 is next.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
    pub campaign_title: String,
    pub tier_title: String,
    /// `none`, `stripe` or `manual`: what taking an offer leads to.
    pub payments: String,
    /// Whether the campaign still takes pledges: once it ended or was cancelled, no units
    /// come back to the line.
    pub live: bool,
    /// The receipt of the pledge it became.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pledge_receipt_url: Option<String>,
}

/// The data of a `waitlist.*` event.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitlistEvent {
    pub campaign: String,
    pub entry: WaitlistEntry,
}

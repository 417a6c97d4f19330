//! Events a site's systems are told of, as webhooks: their names and JSON shapes, and the
//! rule for an endpoint's address.

use crate::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What happened. The names are the `type` of each event, pinned for receivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    PledgeCreated,
    PledgeCancelled,
    PledgePaid,
    PledgeRefunded,
    CampaignSucceeded,
    CampaignFailed,
    OptionUnlocked,
    /// A mail server refused a backer's address for good.
    MailUndeliverable,
    /// A backer gave all their survey asks (sent again each time they change it).
    SurveyCompleted,
    /// Parcels left for a backer.
    PledgeShipped,
    /// A backer's reward counts as delivered.
    PledgeDelivered,
    /// A fan joined a sold-out tier's waitlist.
    WaitlistJoined,
    /// Units came back and were offered to a waiting fan.
    WaitlistOffered,
    /// An offer became a pledge.
    WaitlistConverted,
    /// An offer was not taken in time; its units passed on.
    WaitlistExpired,
    /// A live campaign's pledges reached its goal.
    GoalReached,
    /// A live campaign's pledges reached one of its stretch goals.
    StretchReached,
    /// A live campaign's last 24 hours began.
    LastDay,
    /// The top three recruiters changed.
    LeadersChanged,
}

impl EventType {
    pub const ALL: [EventType; 19] = [
        EventType::PledgeCreated,
        EventType::PledgeCancelled,
        EventType::PledgePaid,
        EventType::PledgeRefunded,
        EventType::CampaignSucceeded,
        EventType::CampaignFailed,
        EventType::OptionUnlocked,
        EventType::MailUndeliverable,
        EventType::SurveyCompleted,
        EventType::PledgeShipped,
        EventType::PledgeDelivered,
        EventType::WaitlistJoined,
        EventType::WaitlistOffered,
        EventType::WaitlistConverted,
        EventType::WaitlistExpired,
        EventType::GoalReached,
        EventType::StretchReached,
        EventType::LastDay,
        EventType::LeadersChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::PledgeCreated => "pledge.created",
            EventType::PledgeCancelled => "pledge.cancelled",
            EventType::PledgePaid => "pledge.paid",
            EventType::PledgeRefunded => "pledge.refunded",
            EventType::CampaignSucceeded => "campaign.succeeded",
            EventType::CampaignFailed => "campaign.failed",
            EventType::OptionUnlocked => "option.unlocked",
            EventType::MailUndeliverable => "mail.undeliverable",
            EventType::SurveyCompleted => "survey.completed",
            EventType::PledgeShipped => "pledge.shipped",
            EventType::PledgeDelivered => "pledge.delivered",
            EventType::WaitlistJoined => "waitlist.joined",
            EventType::WaitlistOffered => "waitlist.offered",
            EventType::WaitlistConverted => "waitlist.converted",
            EventType::WaitlistExpired => "waitlist.expired",
            EventType::GoalReached => "campaign.goal_reached",
            EventType::StretchReached => "campaign.stretch_reached",
            EventType::LastDay => "campaign.last_day",
            EventType::LeadersChanged => "leaders.changed",
        }
    }
}

/// One event as delivered: the body a receiver verifies and reads.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event<T> {
    /// `evt_…`, the same on every retry: receivers use it to apply each event once.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub created_at: Timestamp,
    pub data: T,
}

/// The data of a `pledge.*` event.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PledgeEvent {
    pub campaign: String,
    pub pledge: EventPledge,
}

/// A pledge as an event tells of it; its contact is read through the creator API.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventPledge {
    pub id: String,
    pub name: String,
    pub tier: Option<String>,
    pub quantity: u32,
    pub options: BTreeMap<String, String>,
    pub amount: i64,
    pub referral_code: String,
    pub referred_by: Option<String>,
    /// `live` or `cancelled`.
    pub status: String,
    /// Where its payment stands, when the campaign takes payments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<String>,
    /// Where its reward is delivered, and what delivery cost (part of `amount`), when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_to: Option<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub shipping: i64,
}

/// The data of a `survey.completed`, `pledge.shipped` or `pledge.delivered` event: the
/// pledge, and what the site needs to deliver it (sent only to the site's own endpoints).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryEvent {
    pub campaign: String,
    pub pledge: EventPledge,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<crate::address::Address>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub answers: BTreeMap<String, String>,
    /// Every parcel sent so far.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shipments: Vec<crate::wire::ShipmentView>,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// The data of a `campaign.succeeded` or `campaign.failed` event, sent once when the
/// campaign has ended: an all-or-nothing campaign succeeds when it reached its goal, a
/// flexible one when anyone pledged.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignEvent {
    pub campaign: String,
    /// `succeeded` or `failed`.
    pub outcome: String,
    pub raised: i64,
    pub goal: i64,
    pub currency: crate::Currency,
    pub backers: u64,
}

/// The data of an `option.unlocked` event: a value's units reached its minimum batch.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionEvent {
    pub campaign: String,
    pub tier: String,
    pub option: String,
    pub value: String,
    pub units: u64,
    pub min_batch: u64,
}

/// The data of `campaign.goal_reached`, `campaign.stretch_reached` and `campaign.last_day`:
/// where a live campaign stands at that moment.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressEvent {
    pub campaign: String,
    pub raised: i64,
    pub goal: i64,
    pub currency: crate::Currency,
    pub backers: u64,
    /// The stretch goal reached (`campaign.stretch_reached`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stretch: Option<crate::wire::StretchGoal>,
    /// When the campaign ends (`campaign.last_day`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<Timestamp>,
}

/// The data of `leaders.changed`: the top three recruiters now, named when public.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadersEvent {
    pub campaign: String,
    pub leaders: Vec<crate::wire::Leader>,
}

/// A new endpoint: where to send the site's events, and how.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointInput {
    pub url: String,
    /// `json` (the default: every event, signed) or a fan-group robot: `wecom`, `feishu`,
    /// `dingtalk`, `slack`, `discord` (the moments worth announcing, as that platform's
    /// text message, at most 20 a minute).
    #[serde(default)]
    pub format: Option<String>,
    /// The secret a Feishu or DingTalk robot was set to check messages with.
    #[serde(default)]
    pub signing_secret: Option<String>,
}

/// An endpoint as its site sees it. `secret` (`whsec_…`) signs every delivery.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    pub id: String,
    pub url: String,
    pub secret: String,
    pub created_at: Timestamp,
    /// `enabled` or `disabled`.
    pub status: String,
    /// Why it was disabled: deliveries failed too many times in a row, and the last error.
    pub disabled_reason: Option<String>,
    /// Deliveries failed in a row, and the last one's error.
    pub failures: u32,
    pub last_error: Option<String>,
    /// Events waiting to be delivered.
    pub pending: u64,
    /// How it takes its events (`json`, or a robot's platform).
    pub format: String,
    /// Whether its messages are signed with a robot's own secret (never shown again).
    pub signed: bool,
}

/// The longest endpoint address taken.
pub const MAX_URL_LEN: usize = 2_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pledge_event_says_where_the_reward_goes_only_when_it_is_delivered() {
        let pledge = EventPledge {
            id: "p".into(),
            name: "Mei".into(),
            tier: Some("lamp".into()),
            quantity: 1,
            options: BTreeMap::new(),
            amount: 32_900,
            referral_code: "ABCDEFGH".into(),
            referred_by: None,
            status: "live".into(),
            payment: None,
            ship_to: Some("HK".into()),
            shipping: 3_000,
        };
        let json = serde_json::to_value(&pledge).unwrap();
        assert_eq!(
            (&json["ship_to"], &json["shipping"]),
            (&serde_json::json!("HK"), &serde_json::json!(3_000))
        );
        let kept = EventPledge { ship_to: None, shipping: 0, ..pledge };
        let json = serde_json::to_value(&kept).unwrap();
        assert!(json.get("ship_to").is_none() && json.get("shipping").is_none(), "{json}");
    }
}

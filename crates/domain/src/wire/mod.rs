//! The v1 JSON shapes, shared by the widget and the API.
//!
//! These types carry no invariants: they say what the bytes look like. Input shapes become
//! domain values only through [`crate::Campaign::new`] and [`crate::NewPledge::parse`].
//! Readers ignore fields they do not know, so a widget cached on a host page keeps working
//! when a newer server adds fields.

use crate::campaign::{Funding, Status};
use crate::money::Currency;
use crate::payment::{ManualPayment, PaymentMode};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

mod creator;
mod definition;
mod delivery;
mod pledge;
mod waitlist;
pub use creator::*;
pub use definition::*;
pub use delivery::*;
pub use pledge::*;
pub use waitlist::*;

/// `GET /api/v1/campaigns/{id}`: a campaign's definition and its live numbers.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignView {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub currency: Currency,
    pub goal: i64,
    pub raised: i64,
    pub backers: u64,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub funding: Funding,
    pub status: Status,
    /// Increases by one with every change to the campaign's numbers.
    pub seq: u64,
    pub tiers: Vec<TierView>,
    /// In increasing order of amount.
    #[serde(default)]
    pub stretch_goals: Vec<StretchGoal>,
    /// The creator's newest update, which the widget shows as a short notice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_update: Option<UpdateNotice>,
    /// The cover image's address on this server (`/covers/{hash}.jpg`), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover: Option<String>,
    /// The top recruiters, a few (the full list is `GET …/leaders`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leaders: Vec<Leader>,
    /// The newest public backers, a few (the full wall is `GET …/backers`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wall: Vec<WallEntry>,
    /// The production timeline, when the creator has set one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub milestones: Vec<crate::milestones::Milestone>,
    /// The most one pledge may be, when the creator set it (otherwise the goal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_pledge: Option<i64>,
    /// How backers pay. With payments on, `raised` is the money secured (a saved card or
    /// paid) and `pledged` everything promised; without, the two are the same.
    #[serde(default, skip_serializing_if = "PaymentMode::is_none")]
    pub payments: PaymentMode,
    /// How a backer of a `manual` campaign pays (shown after pledging).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_payment: Option<ManualPayment>,
    #[serde(default)]
    pub pledged: i64,
    /// What becomes of backers of a value left short of its batch: `refund` (the default)
    /// or `switch` (they may choose a value that is made).
    #[serde(default, skip_serializing_if = "crate::Unmade::is_refund")]
    pub unmade: crate::Unmade,
    /// The server's clock when this view was sent: readers count down from it (corrected
    /// for the trip), never from their own clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_time: Option<crate::Moment>,
}

/// A backer ranked by the live pledges made through their link. Only backers who chose to
/// be listed are named; never a contact.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leader {
    pub name: Option<String>,
    pub recruits: u32,
    pub amount: i64,
}

/// A public backer on the campaign's wall.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WallEntry {
    pub name: String,
    pub message: Option<String>,
    pub created_at: Timestamp,
}

/// `GET /api/v1/receipts/{token}`: a backer's own pledge and their tribe.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptView {
    pub id: String,
    pub campaign: String,
    pub name: String,
    pub amount: i64,
    pub tier: Option<String>,
    pub quantity: u32,
    pub options: BTreeMap<String, String>,
    /// `live` or `cancelled`.
    pub status: String,
    pub referral_code: String,
    pub share_url: String,
    /// Live pledges made through this backer's link, and what they brought.
    pub recruits: u32,
    pub recruited_amount: i64,
    /// When the campaign takes payments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<PaymentInfo>,
    /// Set when a chosen value was not made and the backer may choose one that is
    /// (`POST /api/v1/receipts/{token}/options`) until then; the pledge is cancelled after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choose_by: Option<Timestamp>,
    /// Where the reward is delivered (a country or region code), and what delivery cost:
    /// part of `amount`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_to: Option<String>,
    #[serde(default)]
    pub shipping: i64,
    /// Where the reward stands: `not_needed`, `awaiting_survey`, `ready`, `shipped` or
    /// `delivered`.
    #[serde(default)]
    pub delivery: crate::delivery::DeliveryState,
    /// The backer's survey (`{receipt_url}/survey`): `not_needed`, `incomplete` or `complete`.
    #[serde(default)]
    pub survey: String,
    /// The parcels sent, oldest first.
    #[serde(default)]
    pub shipments: Vec<ShipmentView>,
    /// The campaign's production timeline.
    #[serde(default)]
    pub milestones: Vec<crate::milestones::Milestone>,
}

/// `POST /api/v1/receipts/lookup`: the address a fan pledged with, to be mailed a link to
/// every receipt it holds on this server.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupRequest {
    pub email: String,
    /// The language of the mail (`en`, `zh-CN`); the request's `Accept-Language` otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

/// `POST /api/v1/receipts/{token}/options`: the values a backer chooses instead of ones
/// that were not made.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionsChoice {
    pub options: BTreeMap<String, String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierView {
    pub id: String,
    pub title: String,
    pub price: i64,
    /// `None` is unlimited.
    pub limit: Option<u32>,
    pub claimed: u32,
    /// How many fans wait for units of this (sold-out, limited) tier to come back.
    #[serde(default)]
    pub waitlist: u32,
    /// The most units one pledge may take.
    #[serde(default = "one")]
    pub per_backer: u32,
    /// The tier can be chosen only from/until these times, when set.
    #[serde(default)]
    pub available_from: Option<Timestamp>,
    #[serde(default)]
    pub available_until: Option<Timestamp>,
    #[serde(default)]
    pub options: Vec<OptionView>,
    /// Whether the reward is delivered, and what delivery costs by destination.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ships: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shipping: Vec<crate::ShippingPrice>,
}

fn one() -> u32 {
    1
}

impl TierView {
    pub fn sold_out(&self) -> bool {
        self.limit.is_some_and(|limit| self.claimed >= limit)
    }

    pub fn remaining(&self) -> Option<u32> {
        self.limit.map(|limit| limit.saturating_sub(self.claimed))
    }

    /// Whether the tier's own window is open at `now` (the campaign's dates aside).
    pub fn available_at(&self, now: Timestamp) -> bool {
        self.available_from.is_none_or(|from| now >= from)
            && self.available_until.is_none_or(|until| now < until)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionView {
    pub name: String,
    pub values: Vec<ValueView>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueView {
    pub value: String,
    pub min_batch: Option<u32>,
    pub claimed: u32,
}

impl ValueView {
    /// Whether enough backers chose this value for it to be made.
    pub fn unlocked(&self) -> bool {
        self.min_batch.is_none_or(|batch| self.claimed >= batch)
    }
}

/// A campaign-level threshold: reaching `amount` unlocks what `label` says.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StretchGoal {
    pub amount: i64,
    pub label: String,
}

impl CampaignView {
    /// The definition part of the view, to rebuild a checked [`crate::Campaign`] from it
    /// (the widget validates pledges with it before sending them).
    pub fn definition(&self) -> CampaignInput {
        CampaignInput {
            id: self.id.clone(),
            title: self.title.clone(),
            summary: self.summary.clone(),
            story: String::new(),
            currency: self.currency,
            goal: self.goal,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            funding: self.funding,
            stretch_goals: self.stretch_goals.clone(),
            max_pledge: self.max_pledge,
            payments: self.payments,
            manual_payment: self.manual_payment.clone(),
            unmade: self.unmade,
            // The survey is the creator's and the backer's, not the live view's.
            survey: None,
            tiers: self
                .tiers
                .iter()
                .map(|t| TierInput {
                    id: t.id.clone(),
                    title: t.title.clone(),
                    price: t.price,
                    limit: t.limit,
                    per_backer: Some(t.per_backer),
                    available_from: t.available_from,
                    available_until: t.available_until,
                    options: t
                        .options
                        .iter()
                        .map(|o| OptionInput {
                            name: o.name.clone(),
                            values: o
                                .values
                                .iter()
                                .map(|v| ValueInput { value: v.value.clone(), min_batch: v.min_batch })
                                .collect(),
                        })
                        .collect(),
                    ships: t.ships,
                    shipping: t.shipping.clone(),
                })
                .collect(),
        }
    }

    pub fn tier(&self, id: &str) -> Option<&TierView> {
        self.tiers.iter().find(|t| t.id == id)
    }

    /// The status at `now` (the view's own `status` was computed when it was built):
    /// the one rule every reader of a view uses.
    pub fn status_at(&self, now: Timestamp) -> Status {
        if self.status == Status::Cancelled {
            return Status::Cancelled;
        }
        crate::progress::status(self.starts_at, self.ends_at, self.funding, self.raised, self.goal, now)
    }
}

/// The answer to an accepted pledge.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PledgeCreated {
    pub id: String,
    pub amount: i64,
    pub referral_code: String,
    pub share_url: String,
    pub receipt_url: String,
    /// When the campaign takes payments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<PaymentInfo>,
}

/// Where a pledge's payment stands, and for a pending one what the backer does next.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentInfo {
    /// `pending`, `secured`, `paid`, `failed`, `refunded` or `void`.
    pub status: String,
    /// Manual payments: what to write in the transfer's note, the creator's instructions
    /// and when an unpaid pledge lets its units go (for a declined card: when the time to
    /// save another one ends).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// The creator's collection code (an image on this server) to scan and pay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<Timestamp>,
    /// Card payments awaiting a card: the secret Stripe.js confirms the card with
    /// (`confirmCardSetup`), the publishable key and where Stripe.js comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publishable_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stripe_js: Option<String>,
}

impl PaymentInfo {
    /// Only a status.
    pub fn status(status: &str) -> PaymentInfo {
        PaymentInfo {
            status: status.to_owned(),
            reference: None,
            instructions: None,
            qr: None,
            due_at: None,
            client_secret: None,
            publishable_key: None,
            stripe_js: None,
        }
    }
}

/// An RFC 9457 problem: every error the API gives has this shape.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// An English sentence per field.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub errors: BTreeMap<String, String>,
    /// The same errors as codes, for clients that speak the reader's language.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub codes: BTreeMap<String, crate::FieldError>,
    /// Seconds until the same request may succeed (a tier about to open, a saturated
    /// server); also sent as `Retry-After`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amount(json: &str) -> RawAmount {
        serde_json::from_str::<PledgeRequest>(&format!(r#"{{"amount":{json}}}"#)).unwrap().amount
    }

    #[test]
    fn any_json_number_is_read_as_an_amount_to_check_later() {
        assert_eq!(amount("9900"), RawAmount::Minor(9900));
        assert_eq!(amount("-1"), RawAmount::Minor(-1));
        assert_eq!(amount("12.5"), RawAmount::NotWhole);
        assert_eq!(amount("1e30"), RawAmount::TooLarge);
        assert_eq!(amount("18446744073709551615"), RawAmount::TooLarge);
        assert_eq!(amount("null"), RawAmount::Missing);
    }

    #[test]
    fn an_amount_of_the_wrong_type_is_malformed() {
        assert!(serde_json::from_str::<PledgeRequest>(r#"{"amount":"100"}"#).is_err());
        assert!(serde_json::from_str::<PledgeRequest>(r#"{"amount":[1]}"#).is_err());
    }

    #[test]
    fn unknown_fields_are_ignored_for_forward_compatibility() {
        let req: PledgeRequest = serde_json::from_str(r#"{"amount":100,"name":"a","future":1}"#).unwrap();
        assert_eq!(req.name, "a");
    }
}

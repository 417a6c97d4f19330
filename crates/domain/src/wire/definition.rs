//! A campaign's definition as a creator writes it: `POST /api/v1/campaigns` and the
//! editor's whole definition. It becomes a campaign only through [`crate::Campaign::new`].

use crate::campaign::Funding;
use crate::money::Currency;
use crate::payment::{ManualPayment, PaymentMode};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

use super::StretchGoal;

/// A campaign definition as a creator writes it. An empty `id` asks the server to make one
/// from the title.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignInput {
    #[serde(default)]
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub summary: String,
    /// The longer text of the share page.
    #[serde(default)]
    pub story: String,
    pub currency: Currency,
    pub goal: i64,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub funding: Funding,
    #[serde(default)]
    pub tiers: Vec<TierInput>,
    #[serde(default)]
    pub stretch_goals: Vec<StretchGoal>,
    /// The most one pledge may be, in minor units; the goal when unset, so no single
    /// pledge can make a campaign funded.
    #[serde(default)]
    pub max_pledge: Option<i64>,
    /// How backers pay: `none` (a promise, the default), `stripe` or `manual`.
    #[serde(default, skip_serializing_if = "PaymentMode::is_none")]
    pub payments: PaymentMode,
    /// What a backer of a `manual` campaign is told, and how long a pledge may stay unpaid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_payment: Option<ManualPayment>,
    /// When the campaign succeeds, what becomes of backers of a value left short of its
    /// minimum batch: `refund` (the default: cancelled, refunded) or `switch` (offered the
    /// values that are made for seven days, then refunded).
    #[serde(default, skip_serializing_if = "crate::Unmade::is_refund")]
    pub unmade: crate::Unmade,
    /// What backers are asked after pledging, and when it locks (`crate::survey`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survey: Option<crate::survey::Survey>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierInput {
    pub id: String,
    pub title: String,
    pub price: i64,
    #[serde(default)]
    pub limit: Option<u32>,
    /// The most units one pledge may take; 1 when unset.
    #[serde(default)]
    pub per_backer: Option<u32>,
    #[serde(default)]
    pub available_from: Option<Timestamp>,
    #[serde(default)]
    pub available_until: Option<Timestamp>,
    #[serde(default)]
    pub options: Vec<OptionInput>,
    /// Whether the reward is delivered (its backers are asked for an address); false when
    /// unset.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ships: bool,
    /// What delivery costs by destination, once per pledge (`[{"to":"CN","price":0},
    /// {"to":"*","price":8000}]`): a pledge then names its destination (`ship_to`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shipping: Vec<crate::ShippingPrice>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionInput {
    pub name: String,
    pub values: Vec<ValueInput>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueInput {
    pub value: String,
    #[serde(default)]
    pub min_batch: Option<u32>,
}

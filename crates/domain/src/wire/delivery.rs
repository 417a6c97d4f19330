//! The v1 shapes of delivery: a backer's survey (`/api/v1/receipts/{token}/survey`), the
//! parcels on a receipt, and the creator's view of the survey.

use crate::address::Address;
use crate::survey::{Opens, Question};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A backer's survey: what is asked of them, what they gave, and whether they may change it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyView {
    /// `not_needed` (nothing is asked), `incomplete` or `complete`.
    pub state: String,
    /// Whether it may be filled in now: open, not locked, the pledge live.
    pub editable: bool,
    /// Why it may not be, when it may not: `not_open` (it opens once the campaign
    /// succeeds), `locked`, `cancelled` or `shipped` (the address is final).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub opens: Opens,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_at: Option<Timestamp>,
    /// Whether an address is asked (the reward ships).
    pub ships: bool,
    /// The destination the pledge named: the address must be there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    pub questions: Vec<Question>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
}

/// `PUT /api/v1/receipts/{token}/survey`: the whole of what the backer gives.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyInput {
    #[serde(default)]
    pub address: Option<Address>,
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
}

/// One parcel sent to a backer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentView {
    pub carrier: String,
    pub tracking_number: String,
    /// The carrier's tracking page, when the carrier is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_url: Option<String>,
    /// What this parcel holds, when it is part of the reward.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub items: String,
    pub shipped_at: Timestamp,
}

/// `GET /api/v1/campaigns/{id}/survey`: how far backers are, and what they answered.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveySummary {
    pub complete: u32,
    pub incomplete: u32,
    pub not_needed: u32,
    pub locked: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_at: Option<Timestamp>,
    pub questions: Vec<QuestionSummary>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionSummary {
    pub id: String,
    pub label: String,
    /// How many answered.
    pub answered: u32,
    /// For a choice: how many chose each.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub choices: BTreeMap<String, u32>,
    /// For free text: the answers (the first 100).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<String>,
}

/// One parcel in `POST /api/v1/campaigns/{id}/shipments` (JSON, or the same columns as CSV).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentInput {
    /// The pledge's id, as the packing list writes it.
    pub reference: String,
    pub carrier: String,
    pub tracking_number: String,
    /// What this parcel holds, when the reward goes in several.
    #[serde(default)]
    pub items: String,
}

/// What an import did: parcels new to the record, and parcels it already had.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentsImported {
    pub shipped: u32,
    pub unchanged: u32,
}

/// `GET /api/v1/campaigns/{id}/shipments/summary`: one line per SKU (tier and options,
/// `lamp/colour=red`), what the factory order is made from.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkuSummary {
    pub sku: String,
    /// Units, over every live pledge of it.
    pub quantity: u32,
    pub pledges: u32,
    pub awaiting_survey: u32,
    pub ready: u32,
    pub shipped: u32,
}

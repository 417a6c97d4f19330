//! What the creator API and the dashboard exchange: a campaign as its creator sees it,
//! backers with their contacts, filters, sources and updates.

use super::{CampaignView, PaymentInfo};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A campaign as its creator sees it: the public view, the story, the one-line snippet
/// that embeds it, and which fields pledges have locked.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatorCampaign {
    #[serde(flatten)]
    pub view: CampaignView,
    pub story: String,
    pub embed_html: String,
    pub share_url: String,
    /// Fields an edit may no longer change (`goal`, `tiers[0].price`...).
    pub locked: Vec<String>,
}

/// One pledge as its creator sees it, contact included.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackerView {
    pub id: String,
    pub created_at: Timestamp,
    pub name: String,
    pub contact: String,
    pub public: bool,
    pub tier: Option<String>,
    pub quantity: u32,
    pub options: BTreeMap<String, String>,
    pub amount: i64,
    pub message: Option<String>,
    pub referral_code: String,
    pub referred_by: Option<String>,
    /// Whether the pledge whose link brought this one has the same contact: the backer
    /// referred themself. Credited publicly like any referral (so the leaderboard reveals
    /// nothing about contacts), flagged here for the creator alone.
    #[serde(default)]
    pub self_referral: bool,
    /// `live` or `cancelled`.
    pub status: String,
    /// The link's source tag, and the page the widget was embedded in.
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub host_page: Option<String>,
    /// Live pledges made through this backer's link, and what they brought.
    #[serde(default)]
    pub recruits: u32,
    #[serde(default)]
    pub recruited_amount: i64,
    /// When the campaign takes payments: `{"status"}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<PaymentInfo>,
    /// `undeliverable` when mail to the contact is no longer sent: a mail server refused
    /// it for good (the backer giving it again in a new pledge lifts it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail: Option<String>,
    /// Where the reward is delivered, and what delivery cost (part of `amount`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_to: Option<String>,
    #[serde(default)]
    pub shipping: i64,
}

/// `GET /api/v1/campaigns/{id}/mails`: one mail the campaign sent or is sending.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailView {
    pub id: String,
    /// What it tells: `pledge_received`, `payment_paid`, `payment_failed`,
    /// `payment_refunded`, `campaign_succeeded`, `campaign_failed`, `update`.
    pub kind: String,
    pub recipient: String,
    /// The pledge it is about, when it is about one.
    pub pledge: Option<String>,
    /// `waiting`, `sent` or `undeliverable`.
    pub status: String,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    /// The mail server's last answer when it was not taken (never the message).
    pub error: Option<String>,
}

/// Filters of a backer list, as query parameters: `q` (name or contact), `tier`, `option`
/// (`colour:red`), `status` (`live` or `cancelled`), `source`. Empty ones filter nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BackerFilters {
    pub q: String,
    pub tier: String,
    pub option: String,
    pub status: String,
    pub source: String,
}

/// `GET /api/v1/campaigns/{id}/sources`: where the money came from.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourcesReport {
    /// Per source tag (`null`: links without one).
    pub sources: Vec<SourceTotal>,
    /// Per host page (`null`: the share page, or a page that was not told).
    pub hosts: Vec<SourceTotal>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceTotal {
    pub name: Option<String>,
    pub pledges: u64,
    pub amount: i64,
}

/// `GET /api/v1/campaigns/{id}/pledges`: a page, newest first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackerPage {
    pub pledges: Vec<BackerView>,
    /// Pass as `cursor` for the next page; `null` on the last one.
    pub next_cursor: Option<String>,
}

/// The headline of a creator's update, as carried in every view.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateNotice {
    pub id: String,
    pub title: String,
    pub published_at: Timestamp,
}

/// A creator's update as the public reads it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Update {
    pub id: String,
    pub title: String,
    pub body: String,
    pub published_at: Timestamp,
}

/// `POST /api/v1/campaigns/{id}/updates`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    /// Whom it is mailed to; every backer when absent. It is published for all to read
    /// either way.
    #[serde(default)]
    pub audience: Audience,
}

/// Whom an update is mailed to: the backers of any of `tiers` and those who chose any of
/// `values`; every backer when both are empty.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Audience {
    #[serde(default)]
    pub tiers: Vec<String>,
    #[serde(default)]
    pub values: Vec<ChosenValue>,
}

/// One value of one option (`{"option": "colour", "value": "walnut"}`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChosenValue {
    pub option: String,
    pub value: String,
}

impl Audience {
    /// The most tiers and values an audience names.
    pub const MAX: usize = 50;

    pub fn is_everyone(&self) -> bool {
        self.tiers.is_empty() && self.values.is_empty()
    }

    /// Whether a backer of `tier` who chose `options` is in it.
    pub fn includes(&self, tier: Option<&str>, options: &std::collections::BTreeMap<String, String>) -> bool {
        self.is_everyone()
            || tier.is_some_and(|t| self.tiers.iter().any(|a| a == t))
            || self.values.iter().any(|v| options.get(&v.option) == Some(&v.value))
    }

    /// Each tier and value checked against `campaign`, the bad ones named.
    pub fn check(&self, campaign: &crate::Campaign) -> Result<(), crate::FieldErrors> {
        let mut errors = crate::FieldErrors::new();
        if self.tiers.len() > Self::MAX || self.values.len() > Self::MAX {
            errors.add("audience", crate::FieldError::TooMany { max: Self::MAX as u32 });
            return Err(errors);
        }
        for (i, tier) in self.tiers.iter().enumerate() {
            if campaign.tier(tier).is_none() {
                errors.add(format!("audience.tiers[{i}]"), crate::FieldError::UnknownTier);
            }
        }
        for (i, chosen) in self.values.iter().enumerate() {
            let offered = campaign.tiers().iter().filter_map(|t| t.option(&chosen.option));
            if !offered.clone().any(|o| o.value(&chosen.value).is_some()) {
                let why = if offered.count() == 0 {
                    crate::FieldError::UnknownOption
                } else {
                    crate::FieldError::UnknownValue
                };
                errors.add(format!("audience.values[{i}]"), why);
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

impl UpdateInput {
    pub const TITLE_MAX: u32 = 120;
    pub const BODY_MAX: u32 = 20_000;

    /// The update's title and body, trimmed, or why not.
    pub fn check(&self) -> Result<(String, String), crate::FieldErrors> {
        let mut errors = crate::FieldErrors::new();
        let title = errors.check("title", crate::text::clean(&self.title, Self::TITLE_MAX, true, false));
        let body = errors.check("body", crate::text::clean(&self.body, Self::BODY_MAX, true, true));
        match (title, body) {
            (Some(title), Some(body)) => Ok((title, body)),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn an_audience_holds_backers_of_its_tiers_or_its_values_and_names_what_the_campaign_lacks() {
        let campaign = crate::Campaign::new(crate::campaign::tests::lamp()).unwrap();
        let red: BTreeMap<String, String> = [("colour".to_owned(), "red".to_owned())].into();
        let everyone = Audience::default();
        assert!(everyone.is_everyone() && everyone.includes(None, &BTreeMap::new()));
        let audience = Audience {
            tiers: vec!["early".into()],
            values: vec![ChosenValue { option: "colour".into(), value: "red".into() }],
        };
        assert_eq!(audience.check(&campaign), Ok(()));
        assert!(audience.includes(Some("early"), &BTreeMap::new()));
        assert!(audience.includes(Some("lamp"), &red));
        assert!(!audience.includes(Some("lamp"), &BTreeMap::new()));
        assert!(!audience.includes(None, &[("colour".to_owned(), "walnut".to_owned())].into()));

        let bad = Audience {
            tiers: vec!["lamp".into(), "nope".into()],
            values: vec![
                ChosenValue { option: "colour".into(), value: "blue".into() },
                ChosenValue { option: "size".into(), value: "L".into() },
            ],
        };
        let errors = bad.check(&campaign).unwrap_err();
        let named: Vec<&str> = errors.iter().map(|(field, _)| field).collect();
        assert_eq!(named, ["audience.tiers[1]", "audience.values[0]", "audience.values[1]"]);
    }
}

//! The pledge form's state and its translation into a v1 pledge request.
//!
//! Both submit paths use this: the hydrated widget builds a JSON request from it, and the
//! server builds the same request from a plain HTML form POST, so the two cannot drift.

use domain::FieldErrors;
use domain::wire::{CampaignView, PledgeRequest, RawAmount};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Field names of the HTML form. Option selects are named `option.{tier}.{option}` so every
/// tier's choices can be in the page at once (plain HTML cannot show them conditionally).
pub mod field {
    pub const TIER: &str = "tier";
    pub const AMOUNT: &str = "amount";
    pub const NAME: &str = "name";
    pub const CONTACT: &str = "contact";
    pub const PUBLIC: &str = "public";
    pub const MESSAGE: &str = "message";
    pub const REFERRAL: &str = "ref";
    pub const IDEMPOTENCY_KEY: &str = "idempotency_key";
    pub const OPTION_PREFIX: &str = "option.";
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FormState {
    /// Chosen tier id; empty for support without reward.
    pub tier: String,
    /// As typed, in major units.
    pub amount: String,
    /// `"{tier}.{option}"` to chosen value.
    pub options: BTreeMap<String, String>,
    pub name: String,
    pub contact: String,
    pub public: bool,
    pub message: String,
    pub referral: String,
    /// Makes a resubmitted form (a double tap, a reload) one pledge, not two.
    pub idempotency_key: String,
    /// Field to message, in the page's language.
    pub errors: BTreeMap<String, String>,
    /// A message about the whole form (sold out, ended, network).
    pub problem: Option<String>,
}

impl FormState {
    /// A blank form: the first tier that is not sold out, at its price, each option on
    /// its first value.
    pub fn blank(campaign: &CampaignView, referral: &str, idempotency_key: &str) -> FormState {
        let mut form = FormState {
            referral: referral.to_owned(),
            idempotency_key: idempotency_key.to_owned(),
            ..FormState::default()
        };
        for tier in &campaign.tiers {
            for option in &tier.options {
                if let Some(first) = option.values.first() {
                    form.options.insert(option_key(&tier.id, &option.name), first.value.clone());
                }
            }
        }
        match campaign.tiers.iter().find(|t| !t.sold_out()) {
            Some(tier) => form.select_tier(campaign, &tier.id),
            None => form.select_tier(campaign, ""),
        }
        form
    }

    /// Chooses a tier and raises the amount to its price when below it.
    pub fn select_tier(&mut self, campaign: &CampaignView, tier: &str) {
        self.tier = tier.to_owned();
        if let Some(tier) = campaign.tier(tier) {
            let typed = campaign.currency.parse_major(&self.amount).unwrap_or(0);
            if typed < tier.price {
                self.amount = campaign.currency.to_major_input(tier.price);
            }
        }
    }

    /// Reads a submitted HTML form.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> FormState {
        let mut form = FormState::default();
        for (key, value) in pairs {
            match key.as_str() {
                field::TIER => form.tier = value,
                field::AMOUNT => form.amount = value,
                field::NAME => form.name = value,
                field::CONTACT => form.contact = value,
                field::PUBLIC => form.public = !value.is_empty(),
                field::MESSAGE => form.message = value,
                field::REFERRAL => form.referral = value,
                field::IDEMPOTENCY_KEY => form.idempotency_key = value,
                _ => {
                    if let Some(option) = key.strip_prefix(field::OPTION_PREFIX) {
                        form.options.insert(option.to_owned(), value);
                    }
                }
            }
        }
        form
    }

    /// The v1 request this form asks for. A blank amount on a tier means its price; an
    /// amount that is not a number is refused here, in the reader's terms (major units).
    pub fn to_request(&self, campaign: &CampaignView) -> Result<PledgeRequest, FieldErrors> {
        let tier = campaign.tier(&self.tier);
        let amount = match (self.amount.trim(), tier) {
            ("", Some(tier)) => RawAmount::Minor(tier.price),
            ("", None) => RawAmount::Missing,
            (typed, _) => match campaign.currency.parse_major(typed) {
                Some(minor) => RawAmount::Minor(minor),
                None => {
                    let mut errors = FieldErrors::new();
                    errors.add("amount", domain::FieldError::NotANumber);
                    return Err(errors);
                }
            },
        };
        let options = tier
            .map(|tier| {
                tier.options
                    .iter()
                    .filter_map(|o| {
                        let value = self.options.get(&option_key(&tier.id, &o.name))?;
                        Some((o.name.clone(), value.clone()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(PledgeRequest {
            tier: (!self.tier.is_empty()).then(|| self.tier.clone()),
            amount,
            options,
            name: self.name.clone(),
            contact: self.contact.clone(),
            public: self.public,
            referral: (!self.referral.is_empty()).then(|| self.referral.clone()),
            message: (!self.message.trim().is_empty()).then(|| self.message.clone()),
        })
    }
}

/// The key of a tier's option in [`FormState::options`] and, behind `option.`, in the HTML form.
pub fn option_key(tier: &str, option: &str) -> String {
    format!("{tier}.{option}")
}

/// The form field an API error path belongs to (`options.colour` → `option.{tier}.colour`).
pub fn form_field(api_field: &str, tier: &str) -> String {
    match api_field.strip_prefix("options.") {
        Some(option) => format!("{}{}", field::OPTION_PREFIX, option_key(tier, option)),
        None => api_field.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::wire::{OptionView, TierView, ValueView};
    use domain::{Currency, Funding, Status, Timestamp};

    pub(crate) fn campaign() -> CampaignView {
        CampaignView {
            id: "demo".into(),
            title: "Lamp".into(),
            summary: String::new(),
            currency: Currency::Cny,
            goal: 100_000,
            raised: 0,
            backers: 0,
            starts_at: Timestamp::from_unix(0),
            ends_at: Timestamp::from_unix(10),
            funding: Funding::AllOrNothing,
            status: Status::Live,
            seq: 0,
            tiers: vec![
                TierView {
                    id: "early".into(),
                    title: "Early".into(),
                    price: 9_900,
                    limit: Some(1),
                    claimed: 1,
                    options: vec![],
                },
                TierView {
                    id: "lamp".into(),
                    title: "Lamp".into(),
                    price: 19_900,
                    limit: None,
                    claimed: 0,
                    options: vec![OptionView {
                        name: "colour".into(),
                        values: vec![
                            ValueView { value: "walnut".into(), min_batch: None, claimed: 0 },
                            ValueView { value: "red".into(), min_batch: Some(5), claimed: 0 },
                        ],
                    }],
                },
            ],
        }
    }

    #[test]
    fn a_blank_form_starts_on_the_first_tier_not_sold_out_at_its_price() {
        let form = FormState::blank(&campaign(), "REF12345", "key");
        assert_eq!(form.tier, "lamp");
        assert_eq!(form.amount, "199");
        assert_eq!(form.options["lamp.colour"], "walnut");
    }

    #[test]
    fn a_submitted_html_form_becomes_the_same_request_as_the_widget_sends() {
        let pairs = [
            ("tier", "lamp"),
            ("amount", "250.5"),
            ("option.lamp.colour", "red"),
            ("option.early.size", "L"),
            ("name", "Mei"),
            ("contact", "mei@example.com"),
            ("public", "on"),
            ("message", " "),
            ("ref", ""),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()));
        let request = FormState::from_pairs(pairs).to_request(&campaign()).unwrap();
        assert_eq!(request.tier.as_deref(), Some("lamp"));
        assert_eq!(request.amount, RawAmount::Minor(25_050));
        assert_eq!(request.options, [("colour".to_owned(), "red".to_owned())].into());
        assert!(request.public);
        assert_eq!(request.referral, None);
        assert_eq!(request.message, None);
    }

    #[test]
    fn a_blank_amount_means_the_tier_price_and_text_is_not_an_amount() {
        let mut form = FormState { tier: "lamp".into(), ..FormState::default() };
        assert_eq!(form.to_request(&campaign()).unwrap().amount, RawAmount::Minor(19_900));
        form.amount = "lots".into();
        assert_eq!(
            form.to_request(&campaign()).unwrap_err().get("amount"),
            Some(&domain::FieldError::NotANumber)
        );
    }

    #[test]
    fn option_errors_point_at_the_tiers_select() {
        assert_eq!(form_field("options.colour", "lamp"), "option.lamp.colour");
        assert_eq!(form_field("name", "lamp"), "name");
    }
}

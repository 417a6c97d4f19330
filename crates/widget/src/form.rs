//! The pledge form's state and its translation into a v1 pledge request.
//!
//! Both submit paths use this: the hydrated widget builds a JSON request from it, and the
//! server builds the same request from a plain HTML form POST, so the two cannot drift.

use domain::FieldErrors;
use domain::Timestamp;
use domain::wire::{CampaignView, PledgeRequest, RawAmount, TierView};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Field names of the HTML form. Option selects are named `option.{tier}.{option}` so every
/// tier's choices can be in the page at once (plain HTML cannot show them conditionally).
pub mod field {
    pub const TIER: &str = "tier";
    pub const AMOUNT: &str = "amount";
    /// Followed by the tier id: each tier has its own units box.
    pub const QUANTITY_PREFIX: &str = "quantity.";
    pub const NAME: &str = "name";
    pub const CONTACT: &str = "contact";
    pub const PUBLIC: &str = "public";
    pub const MESSAGE: &str = "message";
    pub const REFERRAL: &str = "ref";
    pub const SOURCE: &str = "src";
    pub const HOST: &str = "host";
    /// The submit button's name when it joins the chosen tier's waitlist.
    pub const WAITLIST: &str = "waitlist";
    pub const IDEMPOTENCY_KEY: &str = "idempotency_key";
    pub const FORM_TOKEN: &str = "form_token";
    pub const OPTION_PREFIX: &str = "option.";
    /// Where the reward is delivered (one destination for the whole form).
    pub const SHIP_TO: &str = "ship_to";
    /// How many times a plain form has been sent again by itself (the server could not
    /// take it yet).
    pub const RETRY: &str = "retry";
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FormState {
    /// Chosen tier id; empty for support without reward.
    pub tier: String,
    /// As typed, in major units.
    pub amount: String,
    /// Units of the tier, as typed; blank means one.
    pub quantity: String,
    /// `"{tier}.{option}"` to chosen value.
    pub options: BTreeMap<String, String>,
    /// Where the reward is delivered (a country or region code), when the tier ships.
    #[serde(default)]
    pub ship_to: String,
    pub name: String,
    pub contact: String,
    pub public: bool,
    pub message: String,
    pub referral: String,
    /// The link's source tag and the host page, carried from the page's address.
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub host: String,
    /// Makes a resubmitted form (a double tap, a reload) one pledge, not two.
    pub idempotency_key: String,
    /// The server's signature on a form it rendered, for browsers that say neither where a
    /// post comes from (`Origin`) nor from which site (`Sec-Fetch-Site`).
    #[serde(default)]
    pub form_token: String,
    /// Opened from a friend's variant link: the form says how many more that variant needs.
    #[serde(default)]
    pub picked: bool,
    /// Field to message, in the page's language.
    pub errors: BTreeMap<String, String>,
    /// A message about the whole form (sold out, ended, network).
    pub problem: Option<String>,
    /// Sent this many times already without the server taking it: the plain form sends
    /// itself again (same key) after a moment while this is set.
    #[serde(default)]
    pub retrying: u32,
}

impl FormState {
    /// A blank form: the first tier that can be chosen at `now`, at its price, each option
    /// on its first value.
    pub fn blank(
        campaign: &CampaignView,
        referral: &str,
        idempotency_key: &str,
        now: Timestamp,
    ) -> FormState {
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
        match campaign.tiers.iter().find(|t| !t.sold_out() && t.available_at(now)) {
            Some(tier) => form.select_tier(campaign, &tier.id),
            None => form.select_tier(campaign, ""),
        }
        form
    }

    /// Takes a variant link's choice (`tier=lamp&option.lamp.colour=red`, the form's own
    /// field names): the tier when it can be chosen at `now`, and each value it really has.
    /// Anything else in the link is ignored.
    pub fn preselect(
        mut self,
        campaign: &CampaignView,
        pairs: &[(String, String)],
        now: Timestamp,
    ) -> FormState {
        let asked = pairs.iter().find(|(k, _)| k == field::TIER).map(|(_, v)| v.as_str());
        let Some(tier) =
            asked.and_then(|id| campaign.tier(id)).filter(|t| !t.sold_out() && t.available_at(now))
        else {
            return self;
        };
        self.select_tier(campaign, &tier.id);
        for option in &tier.options {
            let name = format!("{}{}", field::OPTION_PREFIX, option_key(&tier.id, &option.name));
            let value = pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v);
            if let Some(value) = value.filter(|v| option.values.iter().any(|o| &o.value == *v)) {
                self.options.insert(option_key(&tier.id, &option.name), value.clone());
                self.picked = true;
            }
        }
        self
    }

    /// Chooses a tier (one unit) and raises the amount to its price when below it.
    pub fn select_tier(&mut self, campaign: &CampaignView, tier: &str) {
        self.tier = tier.to_owned();
        self.quantity = String::new();
        self.cover_price(campaign);
    }

    /// The chosen tier, when it cannot give the units asked for: sending the form joins its
    /// waitlist (the button says so) instead of pledging.
    pub fn waitlist_tier<'c>(&self, campaign: &'c CampaignView) -> Option<&'c TierView> {
        let tier = campaign.tier(&self.tier)?;
        let units = self.quantity.trim().parse::<u32>().unwrap_or(1).max(1);
        tier.remaining().is_some_and(|left| left < units).then_some(tier)
    }

    /// Sets the units of the chosen tier and raises the amount to cover them.
    pub fn set_quantity(&mut self, campaign: &CampaignView, quantity: String) {
        self.quantity = quantity;
        self.cover_price(campaign);
    }

    /// Sets where the reward is delivered and raises the amount to cover delivery there.
    pub fn set_ship_to(&mut self, campaign: &CampaignView, to: String) {
        self.ship_to = to;
        self.cover_price(campaign);
    }

    /// What delivery of the chosen tier to the chosen destination costs (0 when either is
    /// unset or the tier does not price delivery there).
    pub fn shipping(&self, campaign: &CampaignView) -> i64 {
        let to = self.ship_to.trim().to_ascii_uppercase();
        let tier = campaign.tier(&self.tier).filter(|_| !to.is_empty());
        tier.and_then(|t| domain::shipping::price_to(&t.shipping, &to)).unwrap_or(0)
    }

    /// Units as typed, when they are a number.
    pub fn units(&self) -> Option<u32> {
        match self.quantity.trim() {
            "" => Some(1),
            typed => typed.parse().ok(),
        }
    }

    /// Makes the amount pay for the chosen units: raised when it is short, and kept in step
    /// while it is a whole number of units (a price the form filled in, not a gift the
    /// backer typed).
    fn cover_price(&mut self, campaign: &CampaignView) {
        if let (Some(tier), Some(units)) = (campaign.tier(&self.tier), self.units()) {
            let due = tier.price.saturating_mul(i64::from(units.max(1))) + self.shipping(campaign);
            let typed = campaign.currency.parse_major(&self.amount).unwrap_or(0);
            // Whole units, with or without one of the tier's delivery prices.
            let mut deliveries = tier.shipping.iter().map(|p| p.price).chain([0]);
            let whole_units = deliveries.any(|s| typed >= s && (typed - s) % tier.price.max(1) == 0);
            if typed < due || whole_units {
                self.amount = campaign.currency.to_major_input(due);
            }
        }
    }

    /// The same form, remembering where the reader came from (the link's `src` tag and the
    /// page the widget is embedded in).
    pub fn came_from(self, source: &str, host: &str) -> FormState {
        FormState { source: source.to_owned(), host: host.to_owned(), ..self }
    }

    /// Reads a submitted HTML form.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> FormState {
        let mut form = FormState::default();
        let mut quantities = BTreeMap::new();
        for (key, value) in pairs {
            match key.as_str() {
                field::TIER => form.tier = value,
                field::AMOUNT => form.amount = value,
                field::NAME => form.name = value,
                field::CONTACT => form.contact = value,
                field::PUBLIC => form.public = !value.is_empty(),
                field::MESSAGE => form.message = value,
                field::REFERRAL => form.referral = value,
                field::SOURCE => form.source = value,
                field::HOST => form.host = value,
                field::IDEMPOTENCY_KEY => form.idempotency_key = value,
                field::FORM_TOKEN => form.form_token = value,
                field::SHIP_TO => form.ship_to = value,
                field::RETRY => form.retrying = value.parse().unwrap_or(0),
                _ => {
                    if let Some(option) = key.strip_prefix(field::OPTION_PREFIX) {
                        form.options.insert(option.to_owned(), value);
                    } else if let Some(tier) = key.strip_prefix(field::QUANTITY_PREFIX) {
                        quantities.insert(tier.to_owned(), value);
                    }
                }
            }
        }
        form.quantity = quantities.remove(&form.tier).unwrap_or_default();
        form
    }

    /// The v1 request this form asks for. A blank amount on a tier means its price; an
    /// amount that is not a number is refused here, in the reader's terms (major units).
    pub fn to_request(&self, campaign: &CampaignView) -> Result<PledgeRequest, FieldErrors> {
        let tier = campaign.tier(&self.tier);
        let mut errors = FieldErrors::new();
        let quantity = self.units();
        if quantity.is_none() {
            errors.add("quantity", domain::FieldError::NotANumber);
        }
        let amount = match (self.amount.trim(), tier) {
            ("", Some(tier)) => RawAmount::Minor(
                tier.price.saturating_mul(i64::from(quantity.unwrap_or(1))) + self.shipping(campaign),
            ),
            ("", None) => RawAmount::Missing,
            (typed, _) => match campaign.currency.parse_major(typed) {
                Some(minor) => RawAmount::Minor(minor),
                None => {
                    errors.add(field::AMOUNT, domain::FieldError::NotANumber);
                    RawAmount::Missing
                }
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut options = BTreeMap::new();
        for option in tier.iter().flat_map(|tier| &tier.options) {
            if let Some(value) = self.options.get(&option_key(&self.tier, &option.name)) {
                options.insert(option.name.clone(), value.clone());
            }
        }
        Ok(PledgeRequest {
            tier: (!self.tier.is_empty()).then(|| self.tier.clone()),
            amount,
            // One unit is the default; a pledge without reward has no units.
            quantity: tier.and(quantity).filter(|&units| units != 1),
            options,
            name: self.name.clone(),
            contact: self.contact.clone(),
            public: self.public,
            referral: (!self.referral.is_empty()).then(|| self.referral.clone()),
            message: (!self.message.trim().is_empty()).then(|| self.message.clone()),
            source: (!self.source.is_empty()).then(|| self.source.clone()),
            host: (!self.host.is_empty()).then(|| self.host.clone()),
            lang: None,
            // One destination serves the whole form: sent only for a tier that ships.
            ship_to: tier.filter(|t| t.ships && !self.ship_to.is_empty()).map(|_| self.ship_to.clone()),
        })
    }
}

/// A share link that opens the form on one variant: `share_url` with the tier and the
/// chosen values in the form's own field names.
pub fn variant_link(share_url: &str, tier: &str, options: &[(String, String)]) -> String {
    let mut link =
        format!("{share_url}{}tier={}", if share_url.contains('?') { '&' } else { '?' }, encode(tier));
    for (name, value) in options {
        link.push_str(&format!(
            "&{}={}",
            encode(&format!("{}{}", field::OPTION_PREFIX, option_key(tier, name))),
            encode(value)
        ));
    }
    link
}

/// Percent-encodes all but the unreserved characters of RFC 3986 (UTF-8 bytes).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The key of a tier's option in [`FormState::options`] and, behind `option.`, in the HTML form.
pub fn option_key(tier: &str, option: &str) -> String {
    format!("{tier}.{option}")
}

/// The form field an API error path belongs to (`options.colour` → `option.{tier}.colour`,
/// `quantity` → `quantity.{tier}`).
pub fn form_field(api_field: &str, tier: &str) -> String {
    match api_field.strip_prefix("options.") {
        Some(option) => format!("{}{}", field::OPTION_PREFIX, option_key(tier, option)),
        None if api_field == "quantity" => format!("{}{tier}", field::QUANTITY_PREFIX),
        None => api_field.to_owned(),
    }
}

#[cfg(test)]
mod variant_tests {
    use super::*;

    #[test]
    fn a_variant_link_names_the_tier_and_values_in_the_forms_own_fields() {
        let link =
            variant_link("https://f.cn/c/demo?ref=AbC123", "lamp", &[("colour".into(), "红 red".into())]);
        assert_eq!(link, "https://f.cn/c/demo?ref=AbC123&tier=lamp&option.lamp.colour=%E7%BA%A2%20red");
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use domain::wire::{OptionView, TierView, ValueView};
    use domain::{Currency, Funding, Status, Timestamp};

    pub(crate) fn campaign() -> CampaignView {
        CampaignView {
            manual_payment: None,
            unmade: Default::default(),
            server_time: None,
            payments: Default::default(),
            pledged: 0,
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
            stretch_goals: vec![],
            latest_update: None,
            cover: None,
            leaders: vec![],
            wall: vec![],
            milestones: vec![],
            tiers: vec![
                TierView {
                    id: "early".into(),
                    title: "Early".into(),
                    price: 9_900,
                    limit: Some(1),
                    claimed: 1,
                    waitlist: 0,
                    per_backer: 1,
                    available_from: None,
                    available_until: None,
                    options: vec![],
                    ships: false,
                    shipping: vec![],
                },
                TierView {
                    id: "lamp".into(),
                    title: "Lamp".into(),
                    price: 19_900,
                    limit: None,
                    claimed: 0,
                    waitlist: 0,
                    per_backer: 3,
                    available_from: None,
                    available_until: None,
                    options: vec![OptionView {
                        name: "colour".into(),
                        values: vec![
                            ValueView { value: "walnut".into(), min_batch: None, claimed: 0 },
                            ValueView { value: "red".into(), min_batch: Some(5), claimed: 0 },
                        ],
                    }],
                    ships: false,
                    shipping: vec![],
                },
            ],
            max_pledge: None,
        }
    }

    #[test]
    fn delivery_goes_into_the_amount_only_once_a_destination_is_chosen() {
        let mut view = campaign();
        view.tiers[1].ships = true;
        view.tiers[1].shipping = vec![
            domain::ShippingPrice { to: "HK".into(), price: 3_000 },
            domain::ShippingPrice { to: "*".into(), price: 8_000 },
        ];
        let mut form = FormState::blank(&view, "", "key", Timestamp::from_unix(5));
        assert_eq!((form.shipping(&view), form.amount.as_str()), (0, "199"), "no destination yet");
        form.set_ship_to(&view, "hk".into());
        assert_eq!((form.shipping(&view), form.amount.as_str()), (3_000, "229"));
        form.set_ship_to(&view, "FR".into());
        assert_eq!((form.shipping(&view), form.amount.as_str()), (8_000, "279"));
        assert_eq!(form.to_request(&view).unwrap().ship_to.as_deref(), Some("FR"));
        form.select_tier(&view, "");
        assert_eq!(form.to_request(&view).unwrap().ship_to, None, "no destination without a tier that ships");
    }

    #[test]
    fn a_blank_form_starts_on_the_first_tier_not_sold_out_at_its_price() {
        let form = FormState::blank(&campaign(), "REF12345", "key", Timestamp::from_unix(5));
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
            ("quantity.early", "5"),
            ("quantity.lamp", "2"),
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
        assert_eq!(request.quantity, Some(2), "the chosen tier's units");
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
    fn more_units_raise_the_amount_and_are_sent() {
        let mut form = FormState::blank(&campaign(), "", "key", Timestamp::from_unix(5));
        form.set_quantity(&campaign(), "3".into());
        assert_eq!(form.amount, "597");
        let request = form.to_request(&campaign()).unwrap();
        assert_eq!((request.quantity, request.amount), (Some(3), RawAmount::Minor(59_700)));
        form.set_quantity(&campaign(), "x".into());
        let errors = form.to_request(&campaign()).unwrap_err();
        assert_eq!(errors.get("quantity"), Some(&domain::FieldError::NotANumber));
    }

    #[test]
    fn option_errors_point_at_the_tiers_select() {
        assert_eq!(form_field("options.colour", "lamp"), "option.lamp.colour");
        assert_eq!(form_field("name", "lamp"), "name");
        assert_eq!(form_field("quantity", "lamp"), "quantity.lamp");
    }
}

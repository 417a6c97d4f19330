//! A pledge checked against its campaign's definition.
//!
//! Whether the campaign is live and the tier still has room depends on live numbers and
//! is decided by the store in the pledge's transaction; everything else is decided here.
//!
//! Among the rules decided here: no pledge exceeds the campaign's `max_pledge` (the goal,
//! unless the creator sets it), whichever door it comes through.

use crate::campaign::{Campaign, TierId};
use crate::invalid::{FieldError, FieldErrors};
use crate::money::Amount;
use crate::text::clean;
use crate::wire::{PledgeRequest, RawAmount};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPledge {
    tier: Option<TierId>,
    quantity: u32,
    amount: Amount,
    options: BTreeMap<String, String>,
    name: String,
    contact: String,
    public: bool,
    referral: Option<String>,
    message: Option<String>,
    source: Option<String>,
    host: Option<String>,
    /// Where the reward is delivered, and what delivery costs (part of `amount`).
    ship_to: Option<String>,
    shipping: i64,
}

impl NewPledge {
    pub const NAME_MAX: u32 = 60;
    pub const CONTACT_MAX: u32 = 120;
    pub const MESSAGE_MAX: u32 = 500;

    pub fn parse(req: PledgeRequest, campaign: &Campaign) -> Result<NewPledge, FieldErrors> {
        let mut errors = FieldErrors::new();
        let tier = match req.tier.as_deref().filter(|t| !t.is_empty()) {
            None => None,
            Some(id) => match campaign.tier(id) {
                Some(tier) => Some(tier),
                None => {
                    errors.add("tier", FieldError::UnknownTier);
                    None
                }
            },
        };
        let quantity = match (req.quantity, tier) {
            (None, _) => Some(1),
            (Some(0), _) => {
                errors.add("quantity", FieldError::NotPositive);
                None
            }
            (Some(q), Some(tier)) if q <= tier.per_backer() => Some(q),
            (Some(1), None) => Some(1),
            (Some(_), _) => {
                errors.add("quantity", FieldError::TooLarge);
                None
            }
        };
        // Where the reward goes, and what that adds to the least the pledge may be.
        let destination = match tier {
            Some(tier) => errors.check("ship_to", tier.shipping().destination(req.ship_to.as_deref())),
            None if req.ship_to.as_deref().is_some_and(|s| !s.trim().is_empty()) => {
                errors.add("ship_to", FieldError::NotShipped);
                None
            }
            None => Some(None),
        };
        let shipping = destination.as_ref().and_then(|d| d.as_ref()).map_or(0, |(_, price)| *price);
        let amount = match req.amount {
            RawAmount::Missing => Err(FieldError::Required),
            RawAmount::NotWhole => Err(FieldError::NotWholeNumber),
            RawAmount::TooLarge => Err(FieldError::TooLarge),
            RawAmount::Minor(minor) => Amount::new(minor).map_err(FieldError::from).and_then(|amount| {
                let units = i64::from(quantity.unwrap_or(1));
                match tier {
                    Some(tier) if amount.minor() < tier.price().minor() * units + shipping => {
                        Err(FieldError::BelowPrice { price: tier.price().minor() * units + shipping })
                    }
                    // One request cannot make a campaign funded.
                    _ if amount > campaign.max_pledge() => {
                        Err(FieldError::AboveMaxPledge { amount: campaign.max_pledge().minor() })
                    }
                    _ => Ok(amount),
                }
            }),
        };
        let amount = errors.check("amount", amount);

        let mut options = BTreeMap::new();
        match tier {
            Some(tier) => {
                for (name, value) in &req.options {
                    match tier.option(name) {
                        None => errors.add(format!("options.{name}"), FieldError::UnknownOption),
                        Some(group) if group.value(value).is_none() => {
                            errors.add(format!("options.{name}"), FieldError::UnknownValue)
                        }
                        Some(_) => {
                            options.insert(name.clone(), value.clone());
                        }
                    }
                }
                for group in tier.options() {
                    if !req.options.contains_key(group.name()) {
                        errors.add(format!("options.{}", group.name()), FieldError::Required);
                    }
                }
            }
            None if !req.options.is_empty() && req.tier.is_none() => {
                errors.add("options", FieldError::NotForTierless)
            }
            None => {}
        }

        let name = errors.check("name", clean(&req.name, Self::NAME_MAX, true, false));
        let contact = errors.check("contact", clean(&req.contact, Self::CONTACT_MAX, true, false));
        let message = match req.message.as_deref() {
            None => Some(None),
            Some(text) => errors
                .check("message", clean(text, Self::MESSAGE_MAX, false, true))
                .map(|m| (!m.is_empty()).then_some(m)),
        };
        let referral = match req.referral.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            None => Some(None),
            Some(code) if is_referral_code(code) => Some(Some(code.to_owned())),
            Some(_) => {
                errors.add("ref", FieldError::InvalidCode);
                None
            }
        };
        match (amount, quantity, name, contact, message, referral, destination) {
            (
                Some(amount),
                Some(quantity),
                Some(name),
                Some(contact),
                Some(message),
                Some(referral),
                Some(destination),
            ) if errors.is_empty() => Ok(NewPledge {
                tier: tier.map(|t| t.id().clone()),
                quantity,
                amount,
                options,
                name,
                contact,
                public: req.public,
                referral,
                message,
                source: req.source.as_deref().and_then(clean_source),
                host: req.host.as_deref().and_then(clean_host_page),
                ship_to: destination.map(|(to, _)| to),
                shipping,
            }),
            _ => Err(errors),
        }
    }

    pub fn tier(&self) -> Option<&TierId> {
        self.tier.as_ref()
    }
    /// Where the reward is delivered (a country or region code), when it is.
    pub fn ship_to(&self) -> Option<&str> {
        self.ship_to.as_deref()
    }
    /// What delivery costs, in minor units: part of [`NewPledge::amount`].
    pub fn shipping(&self) -> i64 {
        self.shipping
    }
    /// Units of the tier (1 for a pledge without reward).
    pub fn quantity(&self) -> u32 {
        self.quantity
    }
    pub fn amount(&self) -> Amount {
        self.amount
    }
    /// Chosen value per option name, exactly one for each of the tier's options.
    pub fn options(&self) -> &BTreeMap<String, String> {
        &self.options
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn contact(&self) -> &str {
        &self.contact
    }
    /// Whether the backer agreed to be listed by name.
    pub fn public(&self) -> bool {
        self.public
    }
    /// The referral code of the backer whose link brought this one.
    pub fn referral(&self) -> Option<&str> {
        self.referral.as_deref()
    }
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
    /// The link's source tag (`weibo`), when it had a usable one.
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }
    /// The page the widget was embedded in, without query or fragment.
    pub fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }
}

/// A source tag as the creator wrote it in a link, lowercased: 1 to 40 letters, digits,
/// `-`, `_` or `.`. Anything else is dropped (`None`): a fan is never refused because of a
/// link's tag.
pub fn clean_source(tag: &str) -> Option<String> {
    let tag = tag.trim().to_ascii_lowercase();
    ((1..=40).contains(&tag.len()) && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)))
        .then_some(tag)
}

/// A host page as `scheme://host[:port]/path`: the query and fragment are dropped (they
/// can carry a reader's tokens), and anything that is not an http(s) URL of at most 300
/// characters is dropped (`None`).
pub fn clean_host_page(url: &str) -> Option<String> {
    let url = url.trim();
    let url = &url[..url.find(['?', '#']).unwrap_or(url.len())];
    let (scheme, rest) = url.split_once("://")?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let origin = crate::Origin::parse(&format!("{scheme}://{authority}")).filter(|o| o.as_str() != "*")?;
    let path = if path.is_empty() { "/" } else { path };
    let page = format!("{origin}{path}");
    (page.len() <= 300 && page.bytes().all(|b| b.is_ascii_graphic())).then_some(page)
}

/// An `Idempotency-Key`: 1 to 128 visible ASCII characters. The one rule for every path a
/// pledge arrives by (the JSON API's header, the plain form's hidden field).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub const MAX: usize = 128;

    pub fn parse(text: &str) -> Option<IdempotencyKey> {
        ((1..=Self::MAX).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_graphic()))
            .then(|| IdempotencyKey(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Referral codes are 6 to 16 ASCII letters and digits: short enough to share, long enough
/// not to be guessed.
pub fn is_referral_code(code: &str) -> bool {
    (6..=16).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
pub(crate) mod tests;

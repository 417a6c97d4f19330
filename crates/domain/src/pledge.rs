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
        let amount = match req.amount {
            RawAmount::Missing => Err(FieldError::Required),
            RawAmount::NotWhole => Err(FieldError::NotWholeNumber),
            RawAmount::TooLarge => Err(FieldError::TooLarge),
            RawAmount::Minor(minor) => Amount::new(minor).map_err(FieldError::from).and_then(|amount| {
                let units = i64::from(quantity.unwrap_or(1));
                match tier {
                    Some(tier) if amount.minor() < tier.price().minor() * units => {
                        Err(FieldError::BelowPrice { price: tier.price().minor() * units })
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
        match (amount, quantity, name, contact, message, referral) {
            (Some(amount), Some(quantity), Some(name), Some(contact), Some(message), Some(referral))
                if errors.is_empty() =>
            {
                Ok(NewPledge {
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
                })
            }
            _ => Err(errors),
        }
    }

    pub fn tier(&self) -> Option<&TierId> {
        self.tier.as_ref()
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
mod tests {
    use super::*;
    use crate::campaign::tests::lamp;
    use proptest::prelude::*;

    fn campaign() -> Campaign {
        Campaign::new(lamp()).unwrap()
    }

    fn request() -> PledgeRequest {
        PledgeRequest {
            tier: Some("lamp".into()),
            amount: RawAmount::Minor(29_900),
            quantity: None,
            options: [("colour".to_owned(), "red".to_owned())].into(),
            name: "  Mei ".into(),
            contact: "mei@example.com".into(),
            public: true,
            referral: Some("AbC123xy".into()),
            message: Some("".into()),
            source: None,
            host: None,
            lang: None,
        }
    }

    #[test]
    fn a_complete_tier_pledge_is_accepted_and_trimmed() {
        let pledge = NewPledge::parse(request(), &campaign()).unwrap();
        assert_eq!(pledge.tier().map(TierId::as_str), Some("lamp"));
        assert_eq!(pledge.amount().minor(), 29_900);
        assert_eq!(pledge.name(), "Mei");
        assert_eq!(pledge.options()["colour"], "red");
        assert_eq!(pledge.referral(), Some("AbC123xy"));
        assert_eq!(pledge.message(), None);
    }

    #[test]
    fn no_single_pledge_can_exceed_the_campaigns_maximum_which_is_the_goal_by_default() {
        let goal = campaign().goal().minor();
        let tierless = |amount: i64| PledgeRequest {
            tier: None,
            amount: amount.into(),
            options: BTreeMap::new(),
            ..request()
        };
        assert!(NewPledge::parse(tierless(goal), &campaign()).is_ok(), "the goal itself is fine");
        let errors = NewPledge::parse(tierless(goal + 1), &campaign()).unwrap_err();
        assert_eq!(errors.get("amount"), Some(&FieldError::AboveMaxPledge { amount: goal }));
        let tip = PledgeRequest { amount: (goal * 10).into(), ..request() };
        assert!(NewPledge::parse(tip, &campaign()).is_err(), "a tier pledge with a huge tip too");
        let capped =
            Campaign::new(crate::wire::CampaignInput { max_pledge: Some(50_000), ..lamp() }).unwrap();
        assert!(NewPledge::parse(tierless(50_000), &capped).is_ok());
        let errors = NewPledge::parse(tierless(50_001), &capped).unwrap_err();
        assert_eq!(errors.get("amount"), Some(&FieldError::AboveMaxPledge { amount: 50_000 }));
        let zero = Campaign::new(crate::wire::CampaignInput { max_pledge: Some(0), ..lamp() }).unwrap_err();
        assert_eq!(zero.get("max_pledge"), Some(&FieldError::NotPositive));
    }

    #[test]
    fn a_tierless_pledge_takes_any_positive_amount() {
        let req = PledgeRequest { tier: None, amount: 1.into(), options: BTreeMap::new(), ..request() };
        assert_eq!(NewPledge::parse(req, &campaign()).unwrap().amount().minor(), 1);
    }

    #[test]
    fn bad_pledges_are_refused_field_by_field() {
        let cases: Vec<(&str, PledgeRequest, &str, FieldError)> = vec![
            ("zero", PledgeRequest { amount: 0.into(), ..request() }, "amount", FieldError::NotPositive),
            (
                "negative",
                PledgeRequest { amount: (-100).into(), ..request() },
                "amount",
                FieldError::NotPositive,
            ),
            (
                "overflowing",
                PledgeRequest { amount: RawAmount::TooLarge, ..request() },
                "amount",
                FieldError::TooLarge,
            ),
            (
                "huge",
                PledgeRequest { amount: (Amount::MAX + 1).into(), ..request() },
                "amount",
                FieldError::TooLarge,
            ),
            (
                "fraction",
                PledgeRequest { amount: RawAmount::NotWhole, ..request() },
                "amount",
                FieldError::NotWholeNumber,
            ),
            (
                "missing amount",
                PledgeRequest { amount: RawAmount::Missing, ..request() },
                "amount",
                FieldError::Required,
            ),
            (
                "below price",
                PledgeRequest { amount: 29_899.into(), ..request() },
                "amount",
                FieldError::BelowPrice { price: 29_900 },
            ),
            (
                "unknown tier",
                PledgeRequest { tier: Some("gold".into()), ..request() },
                "tier",
                FieldError::UnknownTier,
            ),
            (
                "missing option",
                PledgeRequest { options: BTreeMap::new(), ..request() },
                "options.colour",
                FieldError::Required,
            ),
            (
                "unknown value",
                PledgeRequest { options: [("colour".into(), "pink".into())].into(), ..request() },
                "options.colour",
                FieldError::UnknownValue,
            ),
            (
                "unknown option",
                PledgeRequest {
                    options: [("colour".into(), "red".into()), ("size".into(), "L".into())].into(),
                    ..request()
                },
                "options.size",
                FieldError::UnknownOption,
            ),
            (
                "options without tier",
                PledgeRequest { tier: None, ..request() },
                "options",
                FieldError::NotForTierless,
            ),
            ("blank name", PledgeRequest { name: "   ".into(), ..request() }, "name", FieldError::Required),
            (
                "long name",
                PledgeRequest { name: "x".repeat(10_000), ..request() },
                "name",
                FieldError::TooLong { max: 60 },
            ),
            (
                "control in name",
                PledgeRequest { name: "a\u{7}b".into(), ..request() },
                "name",
                FieldError::ControlCharacter,
            ),
            (
                "missing contact",
                PledgeRequest { contact: String::new(), ..request() },
                "contact",
                FieldError::Required,
            ),
            (
                "long message",
                PledgeRequest { message: Some("x".repeat(501)), ..request() },
                "message",
                FieldError::TooLong { max: 500 },
            ),
            (
                "bad ref",
                PledgeRequest { referral: Some("../../x".into()), ..request() },
                "ref",
                FieldError::InvalidCode,
            ),
        ];
        for (case, req, field, error) in cases {
            let errors = NewPledge::parse(req, &campaign()).expect_err(case);
            assert_eq!(errors.get(field), Some(&error), "{case}: {errors:?}");
        }
    }

    #[test]
    fn several_units_pay_for_each_unit() {
        let req = PledgeRequest { quantity: Some(3), amount: 89_700.into(), ..request() };
        let pledge = NewPledge::parse(req, &campaign()).unwrap();
        assert_eq!((pledge.quantity(), pledge.amount().minor()), (3, 89_700));
    }

    #[test]
    fn html_in_a_name_is_kept_as_text() {
        let req = PledgeRequest { name: "<script>alert(1)</script>".into(), ..request() };
        assert_eq!(NewPledge::parse(req, &campaign()).unwrap().name(), "<script>alert(1)</script>");
    }

    #[test]
    fn sources_and_host_pages_are_kept_clean_or_dropped() {
        assert_eq!(clean_source(" Weibo "), Some("weibo".into()));
        assert_eq!(clean_source("wechat-group.2"), Some("wechat-group.2".into()));
        for bad in ["", "a b", "<script>", "微博", &"x".repeat(41)] {
            assert_eq!(clean_source(bad), None, "{bad:?}");
        }
        assert_eq!(
            clean_host_page("https://Blog.example.com/posts/lamp?token=secret#c").as_deref(),
            Some("https://blog.example.com/posts/lamp")
        );
        assert_eq!(clean_host_page("http://127.0.0.1:4000").as_deref(), Some("http://127.0.0.1:4000/"));
        for bad in [
            "javascript:alert(1)",
            "*",
            "ftp://x.cn/a",
            "https://x.cn/a b",
            "not a url",
            &format!("https://x.cn/{}", "a".repeat(300)),
        ] {
            assert_eq!(clean_host_page(bad), None, "{bad:?}");
        }
        let req = PledgeRequest {
            source: Some("<bad>".into()),
            host: Some("https://b.cn/p?q".into()),
            ..request()
        };
        let pledge = NewPledge::parse(req, &campaign()).expect("a bad tag never refuses a fan");
        assert_eq!((pledge.source(), pledge.host()), (None, Some("https://b.cn/p")));
    }

    #[test]
    fn idempotency_keys_are_short_visible_ascii() {
        assert!(IdempotencyKey::parse("retry-1").is_some());
        assert!(IdempotencyKey::parse(&"k".repeat(128)).is_some());
        for bad in ["", " ", "a b", "ключ", "a\u{0}", &"k".repeat(129)] {
            assert_eq!(IdempotencyKey::parse(bad), None, "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn an_accepted_tier_pledge_pays_at_least_the_price_and_picks_every_option(
            amount in -1_000i64..100_000,
            quantity in prop::option::of(0u32..5),
            colour in prop::sample::select(vec!["walnut", "red", "blue", ""]),
            tier in prop::sample::select(vec![None, Some("early"), Some("lamp"), Some("x")]),
        ) {
            let campaign = campaign();
            let mut options = BTreeMap::new();
            if !colour.is_empty() { options.insert("colour".to_owned(), colour.to_owned()); }
            let req = PledgeRequest { tier: tier.map(str::to_owned), amount: amount.into(), quantity, options, ..request() };
            if let Ok(pledge) = NewPledge::parse(req, &campaign) {
                prop_assert!(pledge.amount().minor() > 0);
                if let Some(tier) = pledge.tier().and_then(|t| campaign.tier(t.as_str())) {
                    prop_assert!(pledge.amount().minor() >= tier.price().minor() * i64::from(pledge.quantity()));
                    prop_assert!(pledge.quantity() >= 1 && pledge.quantity() <= tier.per_backer());
                    for group in tier.options() {
                        let chosen = &pledge.options()[group.name()];
                        prop_assert!(group.value(chosen).is_some());
                    }
                    prop_assert_eq!(pledge.options().len(), tier.options().len());
                } else {
                    prop_assert!(pledge.options().is_empty());
                }
            }
        }
    }
}

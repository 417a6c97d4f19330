//! Delivery: whether a tier's reward is sent to its backer, and what sending it costs by
//! destination, once per pledge.
//!
//! A tier that ships may list prices by destination: a country or region (ISO 3166-1
//! alpha-2) or `*` for anywhere else. A pledge to a tier with prices names its destination
//! and pays at least the tier's price for each unit plus the price to there; a destination
//! with no price of its own and no `*` is refused. A tier that ships without prices takes a
//! destination when given and charges nothing for it. A tier that does not ship takes none.

use crate::countries;
use crate::invalid::{FieldError, FieldErrors};
use crate::money::Amount;
use serde::{Deserialize, Serialize};

/// What delivery to one destination costs (`{"to":"HK","price":3000}`), in the campaign's
/// minor units; `to` is a country or region code or `*`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingPrice {
    pub to: String,
    pub price: i64,
}

/// A tier's delivery, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shipping {
    ships: bool,
    prices: Vec<ShippingPrice>,
}

/// Anywhere a price does not name.
pub const ANYWHERE: &str = "*";

impl Shipping {
    /// The most destinations one tier may price.
    pub const MAX_PRICES: usize = 60;

    /// Checks a tier's `ships` and `shipping` (at `path`, such as `tiers[0]`), recording what
    /// is wrong in `errors`.
    pub fn check(ships: bool, prices: Vec<ShippingPrice>, path: &str, errors: &mut FieldErrors) -> Shipping {
        if !ships && !prices.is_empty() {
            errors.add(format!("{path}.ships"), FieldError::NotShipped);
        }
        if prices.len() > Self::MAX_PRICES {
            errors.add(format!("{path}.shipping"), FieldError::TooMany { max: Self::MAX_PRICES as u32 });
        }
        let mut checked: Vec<ShippingPrice> = Vec::with_capacity(prices.len());
        for (i, price) in prices.into_iter().enumerate() {
            let at = format!("{path}.shipping[{i}]");
            let to = price.to.trim().to_ascii_uppercase();
            if to != ANYWHERE && !countries::is_code(&to) {
                errors.add(format!("{at}.to"), FieldError::UnknownCountry);
            } else if checked.iter().any(|p| p.to == to) {
                errors.add(format!("{at}.to"), FieldError::Duplicate);
            }
            match price.price {
                p if p < 0 => errors.add(format!("{at}.price"), FieldError::Negative),
                p if p > Amount::MAX => errors.add(format!("{at}.price"), FieldError::TooLarge),
                _ => {}
            }
            checked.push(ShippingPrice { to, price: price.price });
        }
        Shipping { ships, prices: checked }
    }

    /// Whether the reward is delivered (its backers are asked for an address).
    pub fn ships(&self) -> bool {
        self.ships
    }

    /// The prices by destination, as the creator listed them.
    pub fn prices(&self) -> &[ShippingPrice] {
        &self.prices
    }

    /// Whether a pledge must name its destination.
    pub fn asks_destination(&self) -> bool {
        !self.prices.is_empty()
    }

    /// What a pledge delivered to `to` pays for delivery (see [`price_to`]).
    pub fn price_to(&self, to: &str) -> Option<i64> {
        price_to(&self.prices, to)
    }

    /// The destination a pledge names (`ship_to`), checked against this delivery: the code
    /// and what delivery costs, or what is wrong with it.
    pub fn destination(&self, ship_to: Option<&str>) -> Result<Option<(String, i64)>, FieldError> {
        let to = ship_to.map(|s| s.trim().to_ascii_uppercase()).filter(|s| !s.is_empty());
        match to {
            Some(_) if !self.ships => Err(FieldError::NotShipped),
            None if self.asks_destination() => Err(FieldError::Required),
            None => Ok(None),
            Some(to) if !countries::is_code(&to) => Err(FieldError::UnknownCountry),
            Some(to) => match self.price_to(&to) {
                Some(price) => Ok(Some((to, price))),
                None => Err(FieldError::NoShippingTo),
            },
        }
    }
}

/// What delivery to `to` (a code, upper case) costs under `prices`: its own price, else the
/// price for anywhere, else `None` (not delivered there); 0 when there are no prices.
pub fn price_to(prices: &[ShippingPrice], to: &str) -> Option<i64> {
    if prices.is_empty() {
        return Some(0);
    }
    let own = prices.iter().find(|p| p.to == to);
    own.or_else(|| prices.iter().find(|p| p.to == ANYWHERE)).map(|p| p.price)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn price(to: &str, price: i64) -> ShippingPrice {
        ShippingPrice { to: to.into(), price }
    }

    fn checked(ships: bool, prices: Vec<ShippingPrice>) -> (Shipping, FieldErrors) {
        let mut errors = FieldErrors::new();
        (Shipping::check(ships, prices, "tiers[0]", &mut errors), errors)
    }

    #[test]
    fn a_destination_pays_its_own_price_else_the_price_for_anywhere_else_is_refused() {
        let (shipping, errors) = checked(true, vec![price("CN", 0), price("hk", 3_000), price("*", 8_000)]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(shipping.destination(Some("CN")), Ok(Some(("CN".into(), 0))));
        assert_eq!(shipping.destination(Some(" hk ")), Ok(Some(("HK".into(), 3_000))));
        assert_eq!(shipping.destination(Some("US")), Ok(Some(("US".into(), 8_000))));
        assert_eq!(shipping.destination(None), Err(FieldError::Required));
        assert_eq!(shipping.destination(Some("ZZ")), Err(FieldError::UnknownCountry));
        let (only_cn, _) = checked(true, vec![price("CN", 0)]);
        assert_eq!(only_cn.destination(Some("US")), Err(FieldError::NoShippingTo));
    }

    #[test]
    fn a_tier_that_ships_without_prices_takes_a_destination_for_free_and_one_that_does_not_takes_none() {
        let (free, _) = checked(true, vec![]);
        assert_eq!(free.destination(None), Ok(None));
        assert_eq!(free.destination(Some("de")), Ok(Some(("DE".into(), 0))));
        let (none, _) = checked(false, vec![]);
        assert_eq!(none.destination(Some("CN")), Err(FieldError::NotShipped));
        assert_eq!(none.destination(Some("")), Ok(None));
    }

    /// The lamp campaign, its lamp tier delivered: free to CN, 30.00 to HK, 80.00 anywhere else.
    fn delivered_lamp() -> crate::Campaign {
        let mut input = crate::campaign::tests::lamp();
        input.tiers[1].ships = true;
        input.tiers[1].shipping = vec![price("CN", 0), price("HK", 3_000), price("*", 8_000)];
        crate::Campaign::new(input).unwrap()
    }

    fn pledge(ship_to: Option<&str>, amount: i64, quantity: u32) -> Result<crate::NewPledge, FieldErrors> {
        let req = crate::wire::PledgeRequest {
            ship_to: ship_to.map(str::to_owned),
            amount: amount.into(),
            quantity: Some(quantity),
            ..crate::pledge::tests::request()
        };
        crate::NewPledge::parse(req, &delivered_lamp())
    }

    #[test]
    fn a_delivered_pledge_pays_the_price_of_each_unit_and_delivery_to_its_destination_once() {
        let to_hk = pledge(Some("hk"), 29_900 * 2 + 3_000, 2).unwrap();
        assert_eq!((to_hk.ship_to(), to_hk.shipping()), (Some("HK"), 3_000));
        let short = pledge(Some("HK"), 29_900 * 2 + 2_999, 2).unwrap_err();
        assert_eq!(short.get("amount"), Some(&FieldError::BelowPrice { price: 62_800 }));
        assert_eq!(pledge(Some("CN"), 29_900, 1).unwrap().shipping(), 0);
        assert_eq!(pledge(Some("FR"), 37_900, 1).unwrap().shipping(), 8_000);
        assert_eq!(pledge(None, 37_900, 1).unwrap_err().get("ship_to"), Some(&FieldError::Required));
        assert_eq!(
            pledge(Some("Narnia"), 37_900, 1).unwrap_err().get("ship_to"),
            Some(&FieldError::UnknownCountry)
        );
        let tierless = crate::wire::PledgeRequest {
            tier: None,
            options: Default::default(),
            ship_to: Some("CN".into()),
            ..crate::pledge::tests::request()
        };
        let refused = crate::NewPledge::parse(tierless, &delivered_lamp()).unwrap_err();
        assert_eq!(refused.get("ship_to"), Some(&FieldError::NotShipped));
    }

    #[test]
    fn bad_prices_are_each_named() {
        let prices =
            vec![price("CN", 0), price("cn", 10), price("XX", 5), price("*", -1), price("US", i64::MAX)];
        let (_, errors) = checked(false, prices);
        assert_eq!(errors.get("tiers[0].ships"), Some(&FieldError::NotShipped));
        assert_eq!(errors.get("tiers[0].shipping[1].to"), Some(&FieldError::Duplicate));
        assert_eq!(errors.get("tiers[0].shipping[2].to"), Some(&FieldError::UnknownCountry));
        assert_eq!(errors.get("tiers[0].shipping[3].price"), Some(&FieldError::Negative));
        assert_eq!(errors.get("tiers[0].shipping[4].price"), Some(&FieldError::TooLarge));
        let many = (0..61).map(|_| price("*", 0)).collect();
        assert_eq!(checked(true, many).1.get("tiers[0].shipping"), Some(&FieldError::TooMany { max: 60 }));
    }
}

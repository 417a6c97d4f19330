//! Money: integer minor units and an ISO 4217 currency. Never floats.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The currencies a campaign can be priced in. All three have two minor digits.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Currency {
    #[serde(rename = "CNY")]
    Cny,
    #[serde(rename = "USD")]
    Usd,
    #[serde(rename = "EUR")]
    Eur,
}

impl Currency {
    pub fn code(self) -> &'static str {
        match self {
            Currency::Cny => "CNY",
            Currency::Usd => "USD",
            Currency::Eur => "EUR",
        }
    }

    pub fn parse(code: &str) -> Option<Currency> {
        match code {
            "CNY" => Some(Currency::Cny),
            "USD" => Some(Currency::Usd),
            "EUR" => Some(Currency::Eur),
            _ => None,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Currency::Cny => "¥",
            Currency::Usd => "$",
            Currency::Eur => "€",
        }
    }

    /// Minor units in one major unit (cents in a dollar, fen in a yuan).
    pub const fn minor_per_major(self) -> i64 {
        100
    }

    /// Formats an amount for people: `¥1,280`, `$12.50`, `-€3.05`. Whole amounts drop
    /// their minor digits, which keeps progress figures short on a phone.
    pub fn format(self, minor: i64) -> String {
        let per = self.minor_per_major();
        let sign = if minor < 0 { "-" } else { "" };
        let abs = minor.unsigned_abs();
        let major = abs / per as u64;
        let rest = abs % per as u64;
        let mut digits = major.to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        let first = digits.len() % 3;
        for (i, c) in digits.drain(..).enumerate() {
            if i != 0 && (i + 3 - first).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        if rest == 0 {
            format!("{sign}{}{grouped}", self.symbol())
        } else {
            format!("{sign}{}{grouped}.{rest:02}", self.symbol())
        }
    }

    /// Reads an amount typed by a person in major units ("99", "99.5", "1,280.00") into
    /// minor units. `None` when it is not a plain non-negative number with at most two
    /// decimals or is too large.
    pub fn parse_major(self, text: &str) -> Option<i64> {
        let text: String = text.trim().chars().filter(|c| *c != ',' && *c != ' ').collect();
        let text = text.strip_prefix(self.symbol()).unwrap_or(&text);
        let (whole, frac) = match text.split_once('.') {
            Some((w, f)) => (w, f),
            None => (text, ""),
        };
        if whole.is_empty() && frac.is_empty()
            || whole.len() > 15
            || frac.len() > 2
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
        let frac: i64 = match frac.len() {
            0 => 0,
            1 => frac.parse::<i64>().ok()? * 10,
            _ => frac.parse().ok()?,
        };
        whole.checked_mul(self.minor_per_major())?.checked_add(frac)
    }

    /// The inverse of [`Currency::parse_major`] for form fields: `9900` → `"99"`, `950` → `"9.50"`.
    pub fn to_major_input(self, minor: i64) -> String {
        let per = self.minor_per_major();
        if minor % per == 0 {
            (minor / per).to_string()
        } else {
            format!("{}.{:02}", minor / per, (minor % per).abs())
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A positive amount of money in minor units, small enough that sums of many of them
/// cannot overflow an `i64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(i64);

impl Amount {
    /// The largest single amount: 10 billion major units.
    pub const MAX: i64 = 1_000_000_000_000;

    pub fn new(minor: i64) -> Result<Amount, AmountError> {
        if minor <= 0 {
            Err(AmountError::NotPositive)
        } else if minor > Amount::MAX {
            Err(AmountError::TooLarge)
        } else {
            Ok(Amount(minor))
        }
    }

    pub fn minor(self) -> i64 {
        self.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountError {
    NotPositive,
    TooLarge,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn whole_amounts_are_grouped_and_drop_their_cents() {
        assert_eq!(Currency::Cny.format(128_000), "¥1,280");
        assert_eq!(Currency::Usd.format(12_345_678_900), "$123,456,789");
        assert_eq!(Currency::Eur.format(0), "€0");
    }

    #[test]
    fn fractional_amounts_keep_two_digits() {
        assert_eq!(Currency::Usd.format(1250), "$12.50");
        assert_eq!(Currency::Eur.format(-305), "-€3.05");
        assert_eq!(Currency::Cny.format(5), "¥0.05");
    }

    #[test]
    fn typed_major_amounts_become_minor_units() {
        assert_eq!(Currency::Cny.parse_major("99"), Some(9900));
        assert_eq!(Currency::Cny.parse_major(" 99.5 "), Some(9950));
        assert_eq!(Currency::Cny.parse_major("1,280.05"), Some(128_005));
        assert_eq!(Currency::Cny.parse_major("¥12"), Some(1200));
        assert_eq!(Currency::Cny.parse_major(".5"), Some(50));
    }

    #[test]
    fn malformed_major_amounts_are_refused() {
        for text in ["", ".", "-5", "1.234", "1e5", "abc", "12.3.4", "99999999999999999999"] {
            assert_eq!(Currency::Usd.parse_major(text), None, "{text:?}");
        }
    }

    #[test]
    fn amounts_must_be_positive_and_bounded() {
        assert_eq!(Amount::new(0), Err(AmountError::NotPositive));
        assert_eq!(Amount::new(-1), Err(AmountError::NotPositive));
        assert_eq!(Amount::new(Amount::MAX + 1), Err(AmountError::TooLarge));
        assert_eq!(Amount::new(1).map(Amount::minor), Ok(1));
    }

    proptest! {
        #[test]
        fn form_input_round_trips_through_parsing(minor in 0i64..Amount::MAX) {
            let currency = Currency::Usd;
            prop_assert_eq!(currency.parse_major(&currency.to_major_input(minor)), Some(minor));
        }

        #[test]
        fn formatted_amounts_keep_every_digit(minor in 0i64..Amount::MAX) {
            let shown = Currency::Cny.format(minor);
            let digits: String = shown.chars().filter(char::is_ascii_digit).collect();
            let expected = if minor % 100 == 0 { (minor / 100).to_string() } else { format!("{}{:02}", minor / 100, minor % 100) };
            prop_assert_eq!(digits, expected);
        }
    }
}

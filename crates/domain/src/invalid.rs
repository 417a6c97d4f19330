//! Why input was refused, field by field.
//!
//! Errors are codes, not sentences: the API sends each as a code (`{"code":"too_long",
//! "max":60}`) beside an English sentence in problem+json, and the widget and the dashboard
//! write the same codes in the reader's language.

use crate::money::AmountError;
use crate::text::TextError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case", from = "Code")]
pub enum FieldError {
    Required,
    TooLong {
        max: u32,
    },
    ControlCharacter,
    NotPositive,
    TooLarge,
    NotWholeNumber,
    NotANumber,
    BelowPrice {
        price: i64,
    },
    /// More than the campaign takes in one pledge (minor units).
    AboveMaxPledge {
        amount: i64,
    },
    UnknownTier,
    UnknownOption,
    UnknownValue,
    NotForTierless,
    InvalidSlug,
    InvalidCode,
    Duplicate,
    EndsBeforeStart,
    /// A campaign may run at most this many days.
    TooFar {
        max_days: u32,
    },
    /// A stretch goal must be above the campaign's goal.
    NotAboveGoal,
    /// More than the tier's limit (a per-backer cap, a minimum batch).
    AboveLimit,
    /// Cannot change once backers have pledged.
    Locked,
    /// A limit below the units backers already claimed.
    BelowClaimed {
        claimed: u32,
    },
    /// Not `scheme://host[:port]` or `*`.
    InvalidOrigin,
    /// Not a PNG, JPEG or WebP image, or not the type it was sent as.
    NotAnImage,
    /// An image wider or taller than this many pixels.
    ImageTooLarge {
        max: u32,
    },
    /// Not a date and time.
    InvalidDate,
    /// Not an `https://` (or, where the operator allows, `http://`) address this server
    /// may send to.
    InvalidUrl,
    /// Not an e-mail address.
    InvalidEmail,
    /// Not offered by this server (card payments where no payment provider is set up).
    NotAvailable,
    /// A value that is not made: it missed its minimum batch.
    NotMade,
    /// Leaving this value would drop it below the minimum batch it reached: others are
    /// counting on it being made.
    WouldUnmake,
    /// One more than the most there may be.
    TooMany {
        max: u32,
    },
    /// Not an ISO 3166-1 alpha-2 code of a country or region (nor `*` where it may be).
    UnknownCountry,
    /// A destination for a reward that is not delivered.
    NotShipped,
    /// A destination the reward is not delivered to.
    NoShippingTo,
    /// Below zero.
    Negative,
    /// Not a phone number (in mainland China: an 11-digit mobile number).
    InvalidPhone,
    /// Not a postcode of the address's country.
    InvalidPostcode,
    /// Not the destination the pledge named (and paid delivery to).
    OtherDestination,
    /// Not one of the question's choices.
    NotAChoice,
    /// Cannot change once the survey has locked.
    SurveyLocked,
    /// Not a live pledge of this campaign.
    UnknownReference,
    /// Not a tracking number: 1 to 40 letters, digits and dashes.
    InvalidTrackingNumber,
    /// A code this build does not know (sent by a newer server).
    Unknown,
}

/// A code as it arrives, with the numbers some codes carry (0 when absent): read as a plain
/// struct and then matched, which keeps serde's buffering of internally tagged enums out of
/// the browser build (which reads it without serde at all).
#[derive(Debug, Default, Deserialize)]
pub struct Code {
    pub code: String,
    #[serde(default)]
    pub max: u32,
    #[serde(default)]
    pub price: i64,
    #[serde(default)]
    pub amount: i64,
    #[serde(default)]
    pub max_days: u32,
    #[serde(default)]
    pub claimed: u32,
}

impl From<Code> for FieldError {
    fn from(c: Code) -> FieldError {
        match c.code.as_str() {
            "required" => FieldError::Required,
            "too_long" => FieldError::TooLong { max: c.max },
            "control_character" => FieldError::ControlCharacter,
            "not_positive" => FieldError::NotPositive,
            "too_large" => FieldError::TooLarge,
            "not_whole_number" => FieldError::NotWholeNumber,
            "not_a_number" => FieldError::NotANumber,
            "below_price" => FieldError::BelowPrice { price: c.price },
            "above_max_pledge" => FieldError::AboveMaxPledge { amount: c.amount },
            "unknown_tier" => FieldError::UnknownTier,
            "unknown_option" => FieldError::UnknownOption,
            "unknown_value" => FieldError::UnknownValue,
            "not_for_tierless" => FieldError::NotForTierless,
            "invalid_slug" => FieldError::InvalidSlug,
            "invalid_code" => FieldError::InvalidCode,
            "duplicate" => FieldError::Duplicate,
            "ends_before_start" => FieldError::EndsBeforeStart,
            "too_far" => FieldError::TooFar { max_days: c.max_days },
            "not_above_goal" => FieldError::NotAboveGoal,
            "above_limit" => FieldError::AboveLimit,
            "locked" => FieldError::Locked,
            "below_claimed" => FieldError::BelowClaimed { claimed: c.claimed },
            "invalid_origin" => FieldError::InvalidOrigin,
            "not_an_image" => FieldError::NotAnImage,
            "image_too_large" => FieldError::ImageTooLarge { max: c.max },
            "invalid_date" => FieldError::InvalidDate,
            "invalid_url" => FieldError::InvalidUrl,
            "invalid_email" => FieldError::InvalidEmail,
            "too_many" => FieldError::TooMany { max: c.max },
            "not_available" => FieldError::NotAvailable,
            "not_made" => FieldError::NotMade,
            "would_unmake" => FieldError::WouldUnmake,
            "unknown_country" => FieldError::UnknownCountry,
            "not_shipped" => FieldError::NotShipped,
            "no_shipping_to" => FieldError::NoShippingTo,
            "negative" => FieldError::Negative,
            "invalid_phone" => FieldError::InvalidPhone,
            "invalid_postcode" => FieldError::InvalidPostcode,
            "other_destination" => FieldError::OtherDestination,
            "not_a_choice" => FieldError::NotAChoice,
            "survey_locked" => FieldError::SurveyLocked,
            "unknown_reference" => FieldError::UnknownReference,
            "invalid_tracking_number" => FieldError::InvalidTrackingNumber,
            _ => FieldError::Unknown,
        }
    }
}

impl From<TextError> for FieldError {
    fn from(e: TextError) -> Self {
        match e {
            TextError::Empty => FieldError::Required,
            TextError::TooLong { max } => FieldError::TooLong { max },
            TextError::ControlCharacter => FieldError::ControlCharacter,
        }
    }
}

impl From<AmountError> for FieldError {
    fn from(e: AmountError) -> Self {
        match e {
            AmountError::NotPositive => FieldError::NotPositive,
            AmountError::TooLarge => FieldError::TooLarge,
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldError::Required => f.write_str("is required"),
            FieldError::TooLong { max } => write!(f, "must be at most {max} characters"),
            FieldError::ControlCharacter => f.write_str("must not contain control characters"),
            FieldError::NotPositive => f.write_str("must be greater than zero"),
            FieldError::TooLarge => f.write_str("is too large"),
            FieldError::NotWholeNumber => f.write_str("must be a whole number of minor units"),
            FieldError::NotANumber => f.write_str("must be a number"),
            FieldError::BelowPrice { price } => write!(f, "must be at least the tier price ({price})"),
            FieldError::AboveMaxPledge { amount } => write!(f, "must be at most {amount} for one pledge"),
            FieldError::UnknownTier => f.write_str("is not a tier of this campaign"),
            FieldError::UnknownOption => f.write_str("is not an option of this tier"),
            FieldError::UnknownValue => f.write_str("is not one of this option's values"),
            FieldError::NotForTierless => f.write_str("options need a tier"),
            FieldError::InvalidSlug => f.write_str("must be lowercase letters, digits and dashes"),
            FieldError::InvalidCode => f.write_str("is not a valid referral code"),
            FieldError::Duplicate => f.write_str("is used twice"),
            FieldError::EndsBeforeStart => f.write_str("must be after the start"),
            FieldError::TooFar { max_days } => write!(f, "must be at most {max_days} days after the start"),
            FieldError::NotAboveGoal => f.write_str("must be above the goal"),
            FieldError::AboveLimit => f.write_str("must not be above the tier's limit"),
            FieldError::Locked => f.write_str("cannot change once backers have pledged"),
            FieldError::BelowClaimed { claimed } => {
                write!(f, "must not be below the {claimed} units already claimed")
            }
            FieldError::InvalidOrigin => f.write_str("must be scheme://host[:port] or *"),
            FieldError::NotAnImage => {
                f.write_str("must be a PNG, JPEG or WebP image of the type it is sent as")
            }
            FieldError::ImageTooLarge { max } => write!(f, "must be at most {max} pixels wide and high"),
            FieldError::InvalidDate => f.write_str("must be a date and time"),
            FieldError::InvalidUrl => f.write_str("must be an https:// address on the public internet"),
            FieldError::InvalidEmail => f.write_str("must be an e-mail address, like mei@example.com"),
            FieldError::TooMany { max } => write!(f, "must be at most {max}"),
            FieldError::NotAvailable => f.write_str("is not available on this server"),
            FieldError::NotMade => f.write_str("is not made: it missed its minimum batch"),
            FieldError::WouldUnmake => f.write_str(
                "must stay: other backers chose it, and leaving it would drop it below its minimum batch",
            ),
            FieldError::UnknownCountry => {
                f.write_str("must be a country or region code (ISO 3166-1, like CN or HK)")
            }
            FieldError::NotShipped => f.write_str("is not delivered, so it takes no destination"),
            FieldError::NoShippingTo => f.write_str("is not a destination this reward is delivered to"),
            FieldError::Negative => f.write_str("must not be below zero"),
            FieldError::InvalidPhone => {
                f.write_str("must be a phone number (in mainland China, an 11-digit mobile number)")
            }
            FieldError::InvalidPostcode => f.write_str("is not a postcode of this country"),
            FieldError::OtherDestination => {
                f.write_str("must be the destination the pledge was made for (its delivery was paid there)")
            }
            FieldError::NotAChoice => f.write_str("is not one of the question's choices"),
            FieldError::SurveyLocked => f.write_str("cannot change once the survey has locked"),
            FieldError::UnknownReference => f.write_str("is not a live pledge of this campaign"),
            FieldError::InvalidTrackingNumber => {
                f.write_str("must be a tracking number: 1 to 40 letters, digits and dashes")
            }
            FieldError::Unknown => f.write_str("is invalid"),
        }
    }
}

/// Field path (`amount`, `options.colour`, `tiers[1].price`) to what is wrong with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(BTreeMap<String, FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the first error of `field`; later ones for the same field are dropped.
    pub fn add(&mut self, field: impl Into<String>, error: impl Into<FieldError>) {
        self.0.entry(field.into()).or_insert(error.into());
    }

    /// Keeps `result`'s value, or records its error under `field`.
    pub fn check<T, E: Into<FieldError>>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        result.map_err(|e| self.add(field, e)).ok()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&FieldError> {
        self.0.get(field)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &FieldError)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The errors by field, for problem+json's `codes`.
    pub fn to_map(&self) -> BTreeMap<String, FieldError> {
        self.0.clone()
    }
}

impl FromIterator<(String, FieldError)> for FieldErrors {
    fn from_iter<I: IntoIterator<Item = (String, FieldError)>>(iter: I) -> Self {
        FieldErrors(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_travel_as_codes_and_unknown_codes_are_still_read() {
        let json = serde_json::to_string(&FieldError::TooLong { max: 60 }).unwrap();
        assert_eq!(json, r#"{"code":"too_long","max":60}"#);
        assert_eq!(serde_json::from_str::<FieldError>(&json).unwrap(), FieldError::TooLong { max: 60 });
        assert_eq!(serde_json::to_string(&FieldError::Locked).unwrap(), r#"{"code":"locked"}"#);
        // Every code reads back as itself (a new variant must be added here and to `Code`).
        for error in [
            FieldError::Required,
            FieldError::TooLong { max: 60 },
            FieldError::ControlCharacter,
            FieldError::NotPositive,
            FieldError::TooLarge,
            FieldError::NotWholeNumber,
            FieldError::NotANumber,
            FieldError::BelowPrice { price: 29_900 },
            FieldError::AboveMaxPledge { amount: 5_000_000 },
            FieldError::UnknownTier,
            FieldError::UnknownOption,
            FieldError::UnknownValue,
            FieldError::NotForTierless,
            FieldError::InvalidSlug,
            FieldError::InvalidCode,
            FieldError::Duplicate,
            FieldError::EndsBeforeStart,
            FieldError::TooFar { max_days: 366 },
            FieldError::NotAboveGoal,
            FieldError::AboveLimit,
            FieldError::Locked,
            FieldError::BelowClaimed { claimed: 2 },
            FieldError::InvalidOrigin,
            FieldError::NotAnImage,
            FieldError::ImageTooLarge { max: 8_000 },
            FieldError::InvalidDate,
            FieldError::InvalidUrl,
            FieldError::InvalidEmail,
            FieldError::TooMany { max: 16 },
            FieldError::NotAvailable,
            FieldError::NotMade,
            FieldError::WouldUnmake,
            FieldError::UnknownCountry,
            FieldError::NotShipped,
            FieldError::NoShippingTo,
            FieldError::Negative,
            FieldError::InvalidPhone,
            FieldError::InvalidPostcode,
            FieldError::OtherDestination,
            FieldError::NotAChoice,
            FieldError::SurveyLocked,
            FieldError::UnknownReference,
            FieldError::InvalidTrackingNumber,
        ] {
            let json = serde_json::to_string(&error).unwrap();
            assert_eq!(serde_json::from_str::<FieldError>(&json).unwrap(), error, "{json}");
        }
        let future: FieldError = serde_json::from_str(r#"{"code":"from_the_future","x":1}"#).unwrap();
        assert_eq!(future, FieldError::Unknown);
    }
}

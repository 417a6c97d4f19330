//! Why input was refused, field by field.
//!
//! Errors are codes, not sentences: the API writes them in English into problem+json, and
//! the widget writes the same codes in the reader's language.

use crate::money::AmountError;
use crate::text::TextError;
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldError {
    Required,
    TooLong { max: u32 },
    ControlCharacter,
    NotPositive,
    TooLarge,
    NotWholeNumber,
    NotANumber,
    BelowPrice { price: i64 },
    UnknownTier,
    UnknownOption,
    UnknownValue,
    NotForTierless,
    InvalidSlug,
    InvalidCode,
    Duplicate,
    EndsBeforeStart,
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
            FieldError::UnknownTier => f.write_str("is not a tier of this campaign"),
            FieldError::UnknownOption => f.write_str("is not an option of this tier"),
            FieldError::UnknownValue => f.write_str("is not one of this option's values"),
            FieldError::NotForTierless => f.write_str("options need a tier"),
            FieldError::InvalidSlug => f.write_str("must be lowercase letters, digits and dashes"),
            FieldError::InvalidCode => f.write_str("is not a valid referral code"),
            FieldError::Duplicate => f.write_str("is used twice"),
            FieldError::EndsBeforeStart => f.write_str("must be after the start"),
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
}

//! A pledge as a fan sends it (`POST /api/v1/campaigns/{id}/pledges`). It becomes a pledge
//! only through [`crate::NewPledge::parse`].

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;

/// `POST /api/v1/campaigns/{id}/pledges`. Text fields default to empty so that a missing
/// one is reported as "required" beside the other field errors instead of as malformed JSON.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PledgeRequest {
    #[serde(default)]
    pub tier: Option<String>,
    #[serde(default)]
    pub amount: RawAmount,
    /// Units of the tier; 1 when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u32>,
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub public: bool,
    #[serde(default, rename = "ref")]
    pub referral: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    /// Where the pledge came from: a tag the creator put in the link (`?src=weibo`).
    #[serde(default, rename = "src", skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The page the widget was embedded in (`https://blog.example.com/post/1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The language the fan pledged in (`en`, `zh-CN`): what the campaign's mails to them
    /// are written in. Unknown or absent, the request's `Accept-Language` decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// Where the reward is delivered (`CN`, `HK`): needed when the tier prices delivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_to: Option<String>,
}

/// An amount as it arrived: any JSON number is accepted here so that a fraction or an
/// overflowing integer becomes a field error on `amount`, not a malformed body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RawAmount {
    #[default]
    Missing,
    Minor(i64),
    NotWhole,
    TooLarge,
}

impl From<i64> for RawAmount {
    fn from(minor: i64) -> Self {
        RawAmount::Minor(minor)
    }
}

/// On the wire an amount is an integer of minor units.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for RawAmount {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .description(Some("Minor units (fen, cents)."))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for RawAmount {}

impl Serialize for RawAmount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            RawAmount::Minor(minor) => s.serialize_i64(*minor),
            _ => s.serialize_none(),
        }
    }
}

impl<'de> Deserialize<'de> for RawAmount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct AmountVisitor;
        impl Visitor<'_> for AmountVisitor {
            type Value = RawAmount;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer number of minor units")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawAmount, E> {
                Ok(RawAmount::Minor(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawAmount, E> {
                Ok(i64::try_from(v).map_or(RawAmount::TooLarge, RawAmount::Minor))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawAmount, E> {
                Ok(if v.abs() >= 9.2e18 {
                    RawAmount::TooLarge
                } else if v.fract() != 0.0 || !v.is_finite() {
                    RawAmount::NotWhole
                } else {
                    RawAmount::Minor(v as i64)
                })
            }
            fn visit_unit<E: de::Error>(self) -> Result<RawAmount, E> {
                Ok(RawAmount::Missing)
            }
        }
        d.deserialize_any(AmountVisitor)
    }
}

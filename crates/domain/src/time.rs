//! Points in time as whole seconds since the Unix epoch, written as RFC 3339 UTC on the wire.
//!
//! The domain never reads a clock: callers pass `now` in, which keeps every rule testable
//! and lets the widget use the browser's clock and the API the server's.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    pub const fn from_unix(seconds: i64) -> Timestamp {
        Timestamp(seconds)
    }

    pub const fn unix(self) -> i64 {
        self.0
    }

    pub fn plus_seconds(self, seconds: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(seconds))
    }

    /// Parses `2026-11-24T18:42:01Z`, with optional fractional seconds (dropped) and an
    /// optional `±HH:MM` offset instead of `Z`. Years 1970 to 9999.
    pub fn parse(text: &str) -> Option<Timestamp> {
        let b = text.as_bytes();
        if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
            return None;
        }
        if b[13] != b':' || b[16] != b':' {
            return None;
        }
        let num = |range: std::ops::Range<usize>| -> Option<i64> {
            let part = text.get(range)?;
            part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok())?
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if year < 1970 || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let mut rest = &text[19..];
        if let Some(frac) = rest.strip_prefix('.') {
            let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            rest = &frac[digits..];
        }
        let offset = match rest {
            "Z" | "z" => 0,
            _ => {
                let o = rest.as_bytes();
                if o.len() != 6 || !matches!(o[0], b'+' | b'-') || o[3] != b':' {
                    return None;
                }
                let hours: i64 = rest[1..3].parse().ok()?;
                let minutes: i64 = rest[4..6].parse().ok()?;
                if hours > 23 || minutes > 59 {
                    return None;
                }
                let sign = if o[0] == b'+' { 1 } else { -1 };
                sign * (hours * 3600 + minutes * 60)
            }
        };
        let days = days_from_civil(year, month, day);
        Some(Timestamp(days * 86_400 + hour * 3600 + minute * 60 + second - offset))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(f, "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
    }
}

/// A point in time to the millisecond: the server's clock as it answers (`server_time`),
/// which readers count down from instead of their own. Written as RFC 3339 UTC with three
/// decimals (`2026-12-04T20:00:00.125Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Moment(i64);

impl Moment {
    pub const fn from_millis(millis: i64) -> Moment {
        Moment(millis)
    }

    pub const fn millis(self) -> i64 {
        self.0
    }

    /// The whole second this moment falls in.
    pub const fn timestamp(self) -> Timestamp {
        Timestamp(self.0.div_euclid(1000))
    }

    /// Parses what [`Moment`]'s `Display` writes; fractions past milliseconds are dropped.
    pub fn parse(text: &str) -> Option<Moment> {
        let seconds = Timestamp::parse(text)?;
        let millis = match text.get(19..).and_then(|rest| rest.strip_prefix('.')) {
            Some(frac) => {
                let digits: String = frac.chars().take_while(char::is_ascii_digit).take(3).collect();
                format!("{digits:0<3}").parse::<i64>().ok()?
            }
            None => 0,
        };
        Some(Moment(seconds.0 * 1000 + millis))
    }
}

impl fmt::Display for Moment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.timestamp().to_string();
        write!(f, "{}.{:03}Z", whole.trim_end_matches('Z'), self.0.rem_euclid(1000))
    }
}

impl Serialize for Moment {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Moment {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Moment::parse(&text).ok_or_else(|| serde::de::Error::custom("expected an RFC 3339 time"))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse(&text)
            .ok_or_else(|| serde::de::Error::custom("expected an RFC 3339 time such as 2026-11-24T18:00:00Z"))
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's `days_from_civil` and `civil_from_days`, proleptic Gregorian calendar.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// On the wire a timestamp is an RFC 3339 string.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Timestamp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .examples(["2026-11-24T18:42:01Z"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Timestamp {}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Moment {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .examples(["2026-12-04T20:00:00.125Z"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Moment {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_instants_are_written_in_rfc3339_utc() {
        assert_eq!(Timestamp::from_unix(0).to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(Timestamp::from_unix(1_795_545_721).to_string(), "2026-11-24T18:42:01Z");
        assert_eq!(Timestamp::from_unix(951_782_400).to_string(), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn offsets_and_fractions_are_understood() {
        let utc = Timestamp::parse("2026-11-24T18:42:01Z").unwrap();
        assert_eq!(Timestamp::parse("2026-11-25T02:42:01+08:00"), Some(utc));
        assert_eq!(Timestamp::parse("2026-11-24T18:42:01.999Z"), Some(utc));
    }

    #[test]
    fn impossible_dates_are_refused() {
        for text in [
            "2026-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-11-24T24:00:00Z",
            "2026-11-24",
            "2026-11-24T18:42:01",
            "2026-11-24T18:42:01+8",
            "١٩٧٠-01-01T00:00:00Z",
            "+026-11-24T18:42:01Z",
        ] {
            assert_eq!(Timestamp::parse(text), None, "{text}");
        }
    }

    #[test]
    fn a_moment_is_written_to_the_millisecond_and_read_back() {
        let m = Moment::from_millis(1_795_545_721_005);
        assert_eq!(m.to_string(), "2026-11-24T18:42:01.005Z");
        assert_eq!(Moment::parse("2026-11-24T18:42:01.005Z"), Some(m));
        assert_eq!(Moment::parse("2026-11-24T18:42:01.5Z"), Some(Moment::from_millis(1_795_545_721_500)));
        assert_eq!(Moment::parse("2026-11-24T18:42:01Z"), Some(Moment::from_millis(1_795_545_721_000)));
        assert_eq!(m.timestamp(), Timestamp::from_unix(1_795_545_721));
        assert_eq!(Moment::parse("2026-11-24T18:42:01.Z"), None);
    }

    proptest! {
        #[test]
        fn writing_then_parsing_gives_the_same_instant(secs in 0i64..253_402_300_799) {
            let t = Timestamp::from_unix(secs);
            prop_assert_eq!(Timestamp::parse(&t.to_string()), Some(t));
        }

        #[test]
        fn parsing_arbitrary_text_never_panics(text in ".{0,40}") {
            let _ = Timestamp::parse(&text);
        }
    }
}

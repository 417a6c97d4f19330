//! Where a reward is sent: the address a backer gives in the survey, checked the way its
//! country writes addresses.
//!
//! For mainland China (`CN`) that is recipient, an 11-digit mobile number, province
//! (`region`), city, district and street address (`line1`), with an optional six-digit
//! postcode: the order a courier's waybill is written in. Elsewhere it is recipient, phone,
//! lines 1 and 2, city, and a region and postcode where the country uses them. The country
//! is the pledge's destination when it named one (its shipping was paid for there).
//!
//! Every part is plain text: markup is kept as typed and escaped wherever it is shown.

use crate::countries;
use crate::invalid::{FieldError, FieldErrors};
use crate::text::clean;
use serde::{Deserialize, Serialize};

/// A delivery address, as pinned by the v1 API.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Address {
    pub name: String,
    pub phone: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// Province, state or prefecture.
    pub region: String,
    pub city: String,
    pub district: String,
    pub line1: String,
    pub line2: String,
    pub postcode: String,
}

/// The parts of an address, in the order a form for `country` asks for them.
pub fn parts(country: &str) -> &'static [&'static str] {
    if country == "CN" {
        &["name", "phone", "region", "city", "district", "line1", "postcode"]
    } else {
        &["name", "phone", "line1", "line2", "city", "region", "postcode"]
    }
}

/// Whether `country` writes a region (state, province) in its addresses and asks for it.
pub fn needs_region(country: &str) -> bool {
    matches!(country, "CN" | "US" | "CA" | "AU" | "BR" | "MX" | "IN" | "JP" | "MY" | "AR" | "IT" | "ES")
}

/// Whether `country` uses postcodes at all (the form leaves the field out where not).
pub fn uses_postcode(country: &str) -> bool {
    !NO_POSTCODE.split(' ').any(|c| c == country)
}

/// Countries and regions whose addresses carry no postcode (Universal Postal Union).
const NO_POSTCODE: &str = "AE AG AO AW BF BI BJ BO BS BW BZ CD CF CG CI CK CM DJ DM ER FJ GA GD GH GM GQ \
     GY HK HM JM KI KM KN KP LC ML MO MR MW NR NU QA RW SB SC SL SO SR SS ST SY TD TF TG TK TL TO TT TV UG \
     VU YE ZW";

/// Whether an address in `country` must carry a postcode (mail is not delivered without).
fn needs_postcode(country: &str) -> bool {
    matches!(
        country,
        "US" | "CA"
            | "GB"
            | "AU"
            | "DE"
            | "FR"
            | "JP"
            | "KR"
            | "SG"
            | "TW"
            | "IT"
            | "ES"
            | "NL"
            | "BE"
            | "CH"
            | "AT"
            | "SE"
            | "NO"
            | "DK"
            | "FI"
            | "PL"
            | "PT"
            | "NZ"
            | "BR"
            | "IN"
            | "MY"
            | "TH"
    )
}

pub const NAME_MAX: u32 = 80;
pub const LINE_MAX: u32 = 200;
pub const PART_MAX: u32 = 80;

impl Address {
    /// The address checked and trimmed, or every problem with it keyed `address.phone`.
    /// `destination` is the country the pledge named, when it named one.
    pub fn check(self, destination: Option<&str>) -> Result<Address, FieldErrors> {
        let mut errors = FieldErrors::new();
        let country = self.country.trim().to_ascii_uppercase();
        if !countries::is_code(&country) {
            errors.add("address.country", FieldError::UnknownCountry);
        } else if destination.is_some_and(|d| d != country) {
            errors.add("address.country", FieldError::OtherDestination);
        }
        let china = country == "CN";
        let mut part = |name: &str, text: &str, max: u32, required: bool| {
            errors.check(&format!("address.{name}"), clean(text, max, required, false)).unwrap_or_default()
        };
        let name = part("name", &self.name, NAME_MAX, true);
        let phone = part("phone", &self.phone, 30, true);
        let region = part("region", &self.region, PART_MAX, needs_region(&country));
        let city = part("city", &self.city, PART_MAX, true);
        let district = part("district", &self.district, PART_MAX, china);
        let line1 = part("line1", &self.line1, LINE_MAX, true);
        let line2 = if china { String::new() } else { part("line2", &self.line2, LINE_MAX, false) };
        let postcode = part("postcode", &self.postcode, 12, needs_postcode(&country));
        if !phone.is_empty() && !phone_fits(&phone, china) {
            errors.add("address.phone", FieldError::InvalidPhone);
        }
        if !postcode.is_empty() && !postcode_fits(&postcode, &country) {
            errors.add("address.postcode", FieldError::InvalidPostcode);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Address { name, phone, country, region, city, district, line1, line2, postcode })
    }

    /// The address on one line, in its country's order (for the packing list and mails).
    pub fn one_line(&self) -> String {
        let parts: Vec<&str> = if self.country == "CN" {
            vec![&self.region, &self.city, &self.district, &self.line1, &self.postcode]
        } else {
            vec![&self.line1, &self.line2, &self.city, &self.region, &self.postcode, &self.country]
        };
        parts.into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(", ")
    }
}

/// A phone number: in mainland China an 11-digit mobile number starting with 1 (with or
/// without +86); elsewhere 5 to 20 digits, with spaces, dashes, dots, brackets and a
/// leading +.
fn phone_fits(phone: &str, china: bool) -> bool {
    let allowed = |c: char| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')' | '+');
    if !phone.chars().all(allowed) || phone.chars().skip(1).any(|c| c == '+') {
        return false;
    }
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    if china {
        let mobile = digits.strip_prefix("86").filter(|_| phone.starts_with('+')).unwrap_or(&digits);
        mobile.len() == 11 && mobile.starts_with('1')
    } else {
        (5..=20).contains(&digits.len())
    }
}

/// A postcode: six digits in mainland China; elsewhere letters, digits, spaces and dashes.
fn postcode_fits(postcode: &str, country: &str) -> bool {
    if country == "CN" {
        return postcode.len() == 6 && postcode.bytes().all(|b| b.is_ascii_digit());
    }
    postcode.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beijing() -> Address {
        Address {
            name: "李梅".into(),
            phone: "138 0013 8000".into(),
            country: "cn".into(),
            region: "北京市".into(),
            city: "北京市".into(),
            district: "朝阳区".into(),
            line1: "建国路 88 号 3 单元 502".into(),
            ..Address::default()
        }
    }

    #[test]
    fn a_chinese_address_needs_a_mobile_province_city_district_and_street() {
        let address = beijing().check(Some("CN")).unwrap();
        assert_eq!(address.country, "CN");
        assert_eq!(address.one_line(), "北京市, 北京市, 朝阳区, 建国路 88 号 3 单元 502");
        let errors = Address { phone: "010 6500 0000".into(), district: " ".into(), ..beijing() }
            .check(Some("CN"))
            .unwrap_err();
        assert_eq!(errors.get("address.phone"), Some(&FieldError::InvalidPhone));
        assert_eq!(errors.get("address.district"), Some(&FieldError::Required));
        assert!(Address { phone: "+86 13800138000".into(), ..beijing() }.check(None).is_ok());
        let bad_code = Address { postcode: "10002".into(), ..beijing() }.check(None).unwrap_err();
        assert_eq!(bad_code.get("address.postcode"), Some(&FieldError::InvalidPostcode));
    }

    #[test]
    fn the_country_must_be_the_destination_the_pledge_paid_shipping_to() {
        let errors = beijing().check(Some("HK")).unwrap_err();
        assert_eq!(errors.get("address.country"), Some(&FieldError::OtherDestination));
        let errors = Address { country: "XX".into(), ..beijing() }.check(None).unwrap_err();
        assert_eq!(errors.get("address.country"), Some(&FieldError::UnknownCountry));
    }

    #[test]
    fn elsewhere_the_postcode_and_region_are_asked_where_the_country_uses_them() {
        let hong_kong = Address {
            name: "Chan Tai Man".into(),
            phone: "+852 9123 4567".into(),
            country: "HK".into(),
            city: "Kowloon".into(),
            line1: "Flat 5, 12/F, 1 Nathan Road".into(),
            ..Address::default()
        };
        assert!(hong_kong.clone().check(Some("HK")).is_ok());
        assert!(!uses_postcode("HK") && uses_postcode("US") && !parts("HK").contains(&"district"));
        let us = Address { country: "US".into(), ..hong_kong }.check(None).unwrap_err();
        assert_eq!(us.get("address.region"), Some(&FieldError::Required));
        assert_eq!(us.get("address.postcode"), Some(&FieldError::Required));
    }

    #[test]
    fn oversized_and_control_characters_are_refused_part_by_part_and_markup_is_kept_as_text() {
        let hostile = Address {
            name: "<script>alert(1)</script>".into(),
            line1: "x".repeat(10_000),
            city: "Bei\u{202E}jing".into(),
            ..beijing()
        };
        let errors = hostile.clone().check(None).unwrap_err();
        assert_eq!(errors.get("address.line1"), Some(&FieldError::TooLong { max: LINE_MAX }));
        assert_eq!(errors.get("address.city"), Some(&FieldError::ControlCharacter));
        let kept = Address { line1: "1 Road".into(), city: "Beijing".into(), ..hostile }.check(None).unwrap();
        assert_eq!(kept.name, "<script>alert(1)</script>");
    }
}

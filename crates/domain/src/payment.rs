//! Money behind pledges: how a campaign takes payment, and where a pledge's payment stands.
//!
//! With payments on, only secured money (a card saved for the charge, or paid) counts toward
//! the goal; everything pledged is shown beside it.

use crate::invalid::{FieldError, FieldErrors};
use crate::text::clean;
use serde::{Deserialize, Serialize};

/// How a campaign's backers pay.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMode {
    /// A pledge is a promise; the creator collects outside tribefund.
    #[default]
    None,
    /// A card saved with Stripe and charged as the funding model says.
    Stripe,
    /// The backer pays the creator's WeChat Pay or Alipay code with a reference, and the
    /// creator marks the pledge paid.
    Manual,
}

impl PaymentMode {
    pub fn is_none(&self) -> bool {
        *self == PaymentMode::None
    }

    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMode::None => "none",
            PaymentMode::Stripe => "stripe",
            PaymentMode::Manual => "manual",
        }
    }

    /// The name on the wire (`none`, `stripe`, `manual`).
    pub fn parse(text: &str) -> Option<PaymentMode> {
        match text {
            "none" => Some(PaymentMode::None),
            "stripe" => Some(PaymentMode::Stripe),
            "manual" => Some(PaymentMode::Manual),
            _ => None,
        }
    }
}

/// What becomes of the backers of an option value left short of its minimum batch when the
/// campaign succeeds (that value is not made): the creator's choice.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unmade {
    /// Their pledges are cancelled: nothing is charged, and what was paid by card is refunded.
    #[default]
    Refund,
    /// They are offered the values that are made, for [`Unmade::SWITCH_DAYS`] days; a backer
    /// who does not choose is refunded.
    Switch,
}

impl Unmade {
    pub const SWITCH_DAYS: i64 = 7;

    pub fn is_refund(&self) -> bool {
        *self == Unmade::Refund
    }

    /// The name on the wire (`refund`, `switch`).
    pub fn parse(text: &str) -> Option<Unmade> {
        match text {
            "refund" => Some(Unmade::Refund),
            "switch" => Some(Unmade::Switch),
            _ => None,
        }
    }
}

/// Where a pledge's payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentStatus {
    Pending,
    /// A card saved for the charge at the end.
    Secured,
    Paid,
    Failed,
    Refunded,
    /// Never paid in time, or called off: it holds nothing.
    Void,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "pending",
            PaymentStatus::Secured => "secured",
            PaymentStatus::Paid => "paid",
            PaymentStatus::Failed => "failed",
            PaymentStatus::Refunded => "refunded",
            PaymentStatus::Void => "void",
        }
    }

    pub fn parse(text: &str) -> Option<PaymentStatus> {
        [
            PaymentStatus::Pending,
            PaymentStatus::Secured,
            PaymentStatus::Paid,
            PaymentStatus::Failed,
            PaymentStatus::Refunded,
            PaymentStatus::Void,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// Whether this money counts toward the goal.
    pub fn counts(self) -> bool {
        matches!(self, PaymentStatus::Secured | PaymentStatus::Paid)
    }
}

/// How backers of a manual campaign pay: the creator's words (a WeChat ID, what to write in
/// the transfer's note) and how long a pledge may stay unpaid before its units go back.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManualPayment {
    pub instructions: String,
    #[serde(default = "ManualPayment::default_hours")]
    pub expires_after_hours: u32,
    /// The creator's WeChat Pay or Alipay collection code, as uploaded
    /// (`PUT /api/v1/campaigns/{id}/payment-qr`): `/covers/<hash>.png`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr: Option<String>,
}

impl ManualPayment {
    pub const INSTRUCTIONS_MAX: u32 = 2_000;
    /// A month at most: units cannot be held longer by someone who never pays.
    pub const MAX_HOURS: u32 = 720;

    fn default_hours() -> u32 {
        72
    }

    /// Checks the manual settings a campaign in `mode` needs (none for other modes).
    pub(crate) fn check(
        mode: PaymentMode,
        manual: Option<ManualPayment>,
        errors: &mut FieldErrors,
    ) -> Option<ManualPayment> {
        if mode != PaymentMode::Manual {
            return None;
        }
        let Some(manual) = manual else {
            errors.add("manual_payment.instructions", FieldError::Required);
            return None;
        };
        let instructions = errors.check(
            "manual_payment.instructions",
            clean(&manual.instructions, ManualPayment::INSTRUCTIONS_MAX, true, true),
        );
        if !(1..=ManualPayment::MAX_HOURS).contains(&manual.expires_after_hours) {
            errors.add("manual_payment.expires_after_hours", FieldError::TooLarge);
        }
        let hours = manual.expires_after_hours.clamp(1, ManualPayment::MAX_HOURS);
        // Only an image this server stored: never an address of anyone's choosing.
        let qr = manual.qr.filter(|qr| !qr.is_empty());
        if qr.as_deref().is_some_and(|qr| !ManualPayment::is_stored_qr(qr)) {
            errors.add("manual_payment.qr", FieldError::InvalidUrl);
        }
        instructions.map(|instructions| ManualPayment { instructions, expires_after_hours: hours, qr })
    }

    /// Whether `path` names a collection code this server stored: `/covers/` and 32 hex
    /// digits, `.png`.
    pub fn is_stored_qr(path: &str) -> bool {
        path.strip_prefix("/covers/").and_then(|file| file.strip_suffix(".png")).is_some_and(|id| {
            id.len() == 32 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_back_and_only_secured_or_paid_money_counts() {
        for status in ["pending", "secured", "paid", "failed", "refunded", "void"] {
            assert_eq!(PaymentStatus::parse(status).unwrap().as_str(), status);
        }
        assert_eq!(PaymentStatus::parse("PAID"), None);
        let counting: Vec<&str> = ["pending", "secured", "paid", "failed", "refunded", "void"]
            .into_iter()
            .filter(|s| PaymentStatus::parse(s).unwrap().counts())
            .collect();
        assert_eq!(counting, ["secured", "paid"]);
    }

    #[test]
    fn a_collection_code_is_only_an_image_this_server_stored() {
        let stored = format!("/covers/{}.png", "ab12".repeat(8));
        for (qr, fine) in [
            (stored.as_str(), true),
            ("https://evil.example/qr.png", false),
            ("/covers/../secrets.png", false),
            (&stored.replace(".png", ".jpg"), false),
            (&stored.replace("ab", "AB"), false),
        ] {
            let mut errors = FieldErrors::new();
            let manual =
                ManualPayment { instructions: "pay".into(), expires_after_hours: 1, qr: Some(qr.into()) };
            ManualPayment::check(PaymentMode::Manual, Some(manual), &mut errors);
            assert_eq!(errors.is_empty(), fine, "{qr}");
        }
    }

    #[test]
    fn a_manual_campaign_needs_instructions_and_a_bounded_expiry() {
        let mut errors = FieldErrors::new();
        assert_eq!(ManualPayment::check(PaymentMode::Manual, None, &mut errors), None);
        assert_eq!(errors.get("manual_payment.instructions"), Some(&FieldError::Required));
        let mut errors = FieldErrors::new();
        let manual = ManualPayment {
            instructions: "  微信 mei-pottery，备注参考号  ".into(),
            expires_after_hours: 0,
            qr: None,
        };
        ManualPayment::check(PaymentMode::Manual, Some(manual.clone()), &mut errors);
        assert_eq!(errors.get("manual_payment.expires_after_hours"), Some(&FieldError::TooLarge));
        let mut errors = FieldErrors::new();
        let fine = ManualPayment { expires_after_hours: 48, ..manual };
        let checked = ManualPayment::check(PaymentMode::Manual, Some(fine), &mut errors).unwrap();
        assert!(errors.is_empty());
        assert_eq!(checked.instructions, "微信 mei-pottery，备注参考号");
        assert_eq!(
            ManualPayment::check(PaymentMode::None, Some(checked), &mut errors),
            None,
            "ignored unless manual"
        );
    }
}

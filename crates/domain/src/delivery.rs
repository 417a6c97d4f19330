//! Where a backer's reward stands after the pledge: the survey to fill in, ready to ship,
//! shipped, delivered. A reward that does not ship is `not_needed` whatever its survey asks.
//! A shipped reward counts as delivered when its backer says it arrived, or
//! [`DELIVERED_AFTER_DAYS`] after its last parcel left.

use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// Days after its last parcel left that a reward counts as delivered.
pub const DELIVERED_AFTER_DAYS: i64 = 30;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    #[default]
    NotNeeded,
    AwaitingSurvey,
    Ready,
    Shipped,
    Delivered,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::NotNeeded => "not_needed",
            DeliveryState::AwaitingSurvey => "awaiting_survey",
            DeliveryState::Ready => "ready",
            DeliveryState::Shipped => "shipped",
            DeliveryState::Delivered => "delivered",
        }
    }
}

/// The state of a reward that `ships` or not, whose survey is `complete` or not, whose
/// last parcel left at `shipped` and which its backer said arrived at `received`.
pub fn state(
    ships: bool,
    complete: bool,
    shipped: Option<Timestamp>,
    received: Option<Timestamp>,
    now: Timestamp,
) -> DeliveryState {
    if !ships {
        return DeliveryState::NotNeeded;
    }
    match shipped {
        Some(_) if received.is_some() => DeliveryState::Delivered,
        Some(at) if now >= at.plus_seconds(DELIVERED_AFTER_DAYS * 86_400) => DeliveryState::Delivered,
        Some(_) => DeliveryState::Shipped,
        None if complete => DeliveryState::Ready,
        None => DeliveryState::AwaitingSurvey,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reward_moves_from_survey_to_delivered_and_counts_as_delivered_after_thirty_days() {
        let t = Timestamp::from_unix;
        let month = DELIVERED_AFTER_DAYS * 86_400;
        assert_eq!(state(false, false, None, None, t(0)), DeliveryState::NotNeeded);
        assert_eq!(state(true, false, None, None, t(0)), DeliveryState::AwaitingSurvey);
        assert_eq!(state(true, true, None, None, t(0)), DeliveryState::Ready);
        assert_eq!(state(true, true, Some(t(10)), None, t(9 + month)), DeliveryState::Shipped);
        assert_eq!(state(true, true, Some(t(10)), None, t(10 + month)), DeliveryState::Delivered);
        assert_eq!(state(true, true, Some(t(10)), Some(t(20)), t(20)), DeliveryState::Delivered);
        assert_eq!(serde_json::to_string(&DeliveryState::AwaitingSurvey).unwrap(), "\"awaiting_survey\"");
    }
}

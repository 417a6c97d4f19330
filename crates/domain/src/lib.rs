//! tribefund's domain: the rules of campaigns and pledges, free of IO.
//!
//! Everything here compiles to wasm32 and native alike, so the dashboard's editor checks a
//! campaign as it is typed with exactly the code the API trusts. Values that carry an
//! invariant (an amount, a display name, a campaign) have private fields and one way in
//! that checks it; the JSON shapes of the v1 API live apart in [`wire`] and become domain
//! values only through those checks.

pub mod accent;
pub mod address;
pub mod campaign;
pub mod carriers;
pub mod contact;
pub mod countries;
pub mod delivery;
pub mod delta;
pub mod demand;
pub mod edit;
pub mod invalid;
pub mod milestones;
pub mod money;
pub mod origin;
pub mod payment;
pub mod pledge;
pub mod progress;
pub mod robots;
pub mod shipping;
pub mod survey;
pub mod text;
pub mod time;
pub mod webhooks;
pub mod wire;

#[cfg(test)]
mod fuzz;

pub use accent::Accent;
pub use campaign::{
    Campaign, CampaignId, Funding, OptionGroup, OptionValue, Status, Tier, TierId, Unavailable,
};
pub use invalid::{FieldError, FieldErrors};
pub use money::{Amount, Currency};
pub use origin::Origin;
pub use payment::{ManualPayment, PaymentMode, PaymentStatus, Unmade};
pub use pledge::{IdempotencyKey, NewPledge};
pub use shipping::{Shipping, ShippingPrice};
pub use time::{Moment, Timestamp};

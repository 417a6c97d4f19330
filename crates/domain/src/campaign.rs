//! Campaigns as a creator defines them: goal, dates, funding model, tiers and options.
//!
//! A [`Campaign`] can only be built through [`Campaign::new`], which checks every rule, so
//! code holding one never re-checks it. Live numbers (raised, claimed) are not part of the
//! definition; see [`crate::progress`].

use crate::invalid::{FieldError, FieldErrors};
use crate::money::{Amount, Currency};
use crate::payment::{ManualPayment, PaymentMode};
use crate::text::{clean, is_slug};
use crate::time::Timestamp;
use crate::wire;
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! slug_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            pub fn parse(text: &str) -> Option<$name> {
                is_slug(text).then(|| $name(text.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

slug_type!(
    /// A campaign's public id: the `demo` in `/embed/demo`.
    CampaignId
);
slug_type!(
    /// A tier's id, unique within its campaign.
    TierId
);

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Funding {
    /// The creator is paid only if the goal is reached by the deadline.
    AllOrNothing,
    /// The creator keeps whatever was pledged.
    Flexible,
}

impl Funding {
    pub fn as_str(self) -> &'static str {
        match self {
            Funding::AllOrNothing => "all_or_nothing",
            Funding::Flexible => "flexible",
        }
    }

    pub fn parse(text: &str) -> Option<Funding> {
        match text {
            "all_or_nothing" => Some(Funding::AllOrNothing),
            "flexible" => Some(Funding::Flexible),
            _ => None,
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Scheduled,
    Live,
    Succeeded,
    Failed,
    /// The creator called the campaign off; it takes no pledges.
    Cancelled,
}

impl Status {
    /// The name on the wire (`live`, `succeeded` …).
    pub fn parse(text: &str) -> Option<Status> {
        match text {
            "scheduled" => Some(Status::Scheduled),
            "live" => Some(Status::Live),
            "succeeded" => Some(Status::Succeeded),
            "failed" => Some(Status::Failed),
            "cancelled" => Some(Status::Cancelled),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionValue {
    pub(crate) value: String,
    pub(crate) min_batch: Option<u32>,
}

impl OptionValue {
    pub fn value(&self) -> &str {
        &self.value
    }
    /// Pledges needed before this variant is produced, if any.
    pub fn min_batch(&self) -> Option<u32> {
        self.min_batch
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionGroup {
    pub(crate) name: String,
    pub(crate) values: Vec<OptionValue>,
}

impl OptionGroup {
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn values(&self) -> &[OptionValue] {
        &self.values
    }
    pub fn value(&self, value: &str) -> Option<&OptionValue> {
        self.values.iter().find(|v| v.value == value)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tier {
    pub(crate) id: TierId,
    pub(crate) title: String,
    pub(crate) price: Amount,
    pub(crate) limit: Option<u32>,
    pub(crate) per_backer: u32,
    pub(crate) available_from: Option<Timestamp>,
    pub(crate) available_until: Option<Timestamp>,
    pub(crate) options: Vec<OptionGroup>,
    pub(crate) shipping: crate::Shipping,
}

/// Why a tier cannot be chosen right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    NotYet,
    Closed,
}

impl Tier {
    pub fn id(&self) -> &TierId {
        &self.id
    }
    pub fn title(&self) -> &str {
        &self.title
    }
    pub fn price(&self) -> Amount {
        self.price
    }
    /// How many pledges this tier takes at most; `None` is unlimited.
    pub fn limit(&self) -> Option<u32> {
        self.limit
    }
    /// The most units one pledge may take.
    pub fn per_backer(&self) -> u32 {
        self.per_backer
    }
    /// Whether the reward is delivered, and what delivery costs.
    pub fn shipping(&self) -> &crate::Shipping {
        &self.shipping
    }
    /// When the tier's own window opens, if it has one.
    pub fn available_from(&self) -> Option<Timestamp> {
        self.available_from
    }
    /// When the tier's own window closes, if it does.
    pub fn available_until(&self) -> Option<Timestamp> {
        self.available_until
    }
    /// Whether the tier's own window is open at `now`.
    pub fn available_at(&self, now: Timestamp) -> Result<(), Unavailable> {
        if self.available_from.is_some_and(|from| now < from) {
            Err(Unavailable::NotYet)
        } else if self.available_until.is_some_and(|until| now >= until) {
            Err(Unavailable::Closed)
        } else {
            Ok(())
        }
    }
    pub fn options(&self) -> &[OptionGroup] {
        &self.options
    }
    pub fn option(&self, name: &str) -> Option<&OptionGroup> {
        self.options.iter().find(|g| g.name == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    pub(crate) id: CampaignId,
    pub(crate) title: String,
    pub(crate) summary: String,
    pub(crate) story: String,
    pub(crate) currency: Currency,
    pub(crate) goal: Amount,
    pub(crate) starts_at: Timestamp,
    pub(crate) ends_at: Timestamp,
    pub(crate) funding: Funding,
    pub(crate) tiers: Vec<Tier>,
    pub(crate) stretch_goals: Vec<wire::StretchGoal>,
    /// The most one pledge may be, when the creator set it.
    pub(crate) max_pledge: Option<Amount>,
    pub(crate) payments: PaymentMode,
    /// Set exactly when `payments` is manual.
    pub(crate) manual_payment: Option<ManualPayment>,
    pub(crate) unmade: crate::Unmade,
    pub(crate) survey: Option<crate::survey::Survey>,
}

impl Campaign {
    pub const MAX_TIERS: usize = 20;
    pub const MAX_OPTION_GROUPS: usize = 5;
    pub const MAX_OPTION_VALUES: usize = 30;
    pub const MAX_STRETCH_GOALS: usize = 10;
    /// The most units of a tier one pledge may take, whatever the creator sets.
    pub const MAX_PER_BACKER: u32 = 100;
    /// The most units a limited tier may offer, and the largest minimum batch.
    pub const MAX_LIMIT: u32 = 1_000_000;
    /// The longest a campaign may run, in days (Kickstarter allows 60; a pre-order runs longer).
    pub const MAX_DAYS: u32 = 366;
    pub const TITLE_MAX: u32 = 120;
    pub const SUMMARY_MAX: u32 = 2_000;
    pub const STORY_MAX: u32 = 20_000;

    /// Checks a campaign definition and builds it. Every problem is reported at once, each
    /// under the path of its field (`tiers[0].price`).
    pub fn new(input: wire::CampaignInput) -> Result<Campaign, FieldErrors> {
        let mut errors = FieldErrors::new();
        let id = CampaignId::parse(&input.id);
        if id.is_none() {
            errors.add("id", FieldError::InvalidSlug);
        }
        let title = errors.check("title", clean(&input.title, Campaign::TITLE_MAX, true, false));
        let summary = errors.check("summary", clean(&input.summary, Campaign::SUMMARY_MAX, false, true));
        let story = errors.check("story", clean(&input.story, Campaign::STORY_MAX, false, true));
        let goal = errors.check("goal", Amount::new(input.goal));
        if input.ends_at <= input.starts_at {
            errors.add("ends_at", FieldError::EndsBeforeStart);
        } else if input.ends_at.unix() - input.starts_at.unix() > i64::from(Campaign::MAX_DAYS) * 86_400 {
            errors.add("ends_at", FieldError::TooFar { max_days: Campaign::MAX_DAYS });
        }
        if input.tiers.len() > Campaign::MAX_TIERS {
            errors.add("tiers", FieldError::TooLong { max: Campaign::MAX_TIERS as u32 });
        }
        // Lists here are a few dozen long at most: a linear search beats a hash set, and
        // keeps hashing code out of the widget's wasm.
        let mut tier_ids: Vec<String> = Vec::with_capacity(input.tiers.len());
        let mut tiers = Vec::with_capacity(input.tiers.len());
        for (i, tier) in input.tiers.into_iter().enumerate() {
            let path = format!("tiers[{i}]");
            if tier_ids.contains(&tier.id) {
                errors.add(format!("{path}.id"), FieldError::Duplicate);
            }
            tier_ids.push(tier.id.clone());
            if let Some(tier) = Tier::check(tier, &path, &mut errors) {
                tiers.push(tier);
            }
        }
        if input.stretch_goals.len() > Campaign::MAX_STRETCH_GOALS {
            errors.add("stretch_goals", FieldError::TooLong { max: Campaign::MAX_STRETCH_GOALS as u32 });
        }
        let mut stretch_goals = Vec::with_capacity(input.stretch_goals.len());
        for (i, goal) in input.stretch_goals.iter().enumerate() {
            let amount = errors.check(&format!("stretch_goals[{i}].amount"), Amount::new(goal.amount));
            let label =
                errors.check(&format!("stretch_goals[{i}].label"), clean(&goal.label, 80, true, false));
            if input.stretch_goals[..i].iter().any(|g| g.amount == goal.amount) {
                errors.add(format!("stretch_goals[{i}].amount"), FieldError::Duplicate);
            }
            if goal.amount <= input.goal {
                errors.add(format!("stretch_goals[{i}].amount"), FieldError::NotAboveGoal);
            }
            if let (Some(amount), Some(label)) = (amount, label) {
                stretch_goals.push(wire::StretchGoal { amount: amount.minor(), label });
            }
        }
        stretch_goals.sort_by_key(|g| g.amount);
        let max_pledge = input.max_pledge.and_then(|max| errors.check("max_pledge", Amount::new(max)));
        let manual_payment = ManualPayment::check(input.payments, input.manual_payment, &mut errors);
        let tier_names: Vec<&str> = tier_ids.iter().map(String::as_str).collect();
        let survey = input.survey.map(|s| s.check(&tier_names, &mut errors));
        match (id, title, summary, story, goal) {
            (Some(id), Some(title), Some(summary), Some(story), Some(goal)) if errors.is_empty() => {
                Ok(Campaign {
                    id,
                    title,
                    summary,
                    story,
                    currency: input.currency,
                    goal,
                    starts_at: input.starts_at,
                    ends_at: input.ends_at,
                    funding: input.funding,
                    tiers,
                    stretch_goals,
                    max_pledge,
                    payments: input.payments,
                    manual_payment,
                    unmade: input.unmade,
                    survey,
                })
            }
            _ => Err(errors),
        }
    }

    /// What backers are asked after pledging, when the creator asks anything.
    pub fn survey(&self) -> Option<&crate::survey::Survey> {
        self.survey.as_ref()
    }

    pub fn id(&self) -> &CampaignId {
        &self.id
    }
    pub fn title(&self) -> &str {
        &self.title
    }
    pub fn summary(&self) -> &str {
        &self.summary
    }
    /// The longer text of the share page; may be empty.
    pub fn story(&self) -> &str {
        &self.story
    }
    pub fn currency(&self) -> Currency {
        self.currency
    }
    pub fn goal(&self) -> Amount {
        self.goal
    }
    pub fn starts_at(&self) -> Timestamp {
        self.starts_at
    }
    pub fn ends_at(&self) -> Timestamp {
        self.ends_at
    }
    pub fn funding(&self) -> Funding {
        self.funding
    }
    pub fn tiers(&self) -> &[Tier] {
        &self.tiers
    }
    pub fn tier(&self, id: &str) -> Option<&Tier> {
        self.tiers.iter().find(|t| t.id.as_str() == id)
    }
    /// Campaign-level thresholds, in increasing order of amount.
    pub fn stretch_goals(&self) -> &[wire::StretchGoal] {
        &self.stretch_goals
    }

    /// The most one pledge may be: the creator's setting, or the goal, so that no single
    /// request can make a campaign funded.
    pub fn max_pledge(&self) -> Amount {
        self.max_pledge.unwrap_or(self.goal)
    }

    /// How backers pay.
    pub fn payments(&self) -> PaymentMode {
        self.payments
    }

    /// How backers of a manual campaign pay.
    pub fn manual_payment(&self) -> Option<&ManualPayment> {
        self.manual_payment.as_ref()
    }

    /// What becomes of backers of a value not made.
    pub fn unmade(&self) -> crate::Unmade {
        self.unmade
    }

    /// Whether value `value` of option `name` of tier `tier` is made once `claimed` units
    /// chose it: it has no minimum batch, or reaches it. Unknown values are not made.
    pub fn is_made(&self, tier: &str, name: &str, value: &str, claimed: u32) -> bool {
        let value = self.tier(tier).and_then(|t| t.option(name)).and_then(|o| o.value(value));
        value.is_some_and(|v| v.min_batch().is_none_or(|batch| claimed >= batch))
    }

    /// The definition back in its wire shape, for storage and for editing.
    pub fn to_input(&self) -> wire::CampaignInput {
        wire::CampaignInput {
            id: self.id.0.clone(),
            title: self.title.clone(),
            summary: self.summary.clone(),
            story: self.story.clone(),
            currency: self.currency,
            goal: self.goal.minor(),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            funding: self.funding,
            stretch_goals: self.stretch_goals.clone(),
            max_pledge: self.max_pledge.map(|a| a.minor()),
            payments: self.payments,
            manual_payment: self.manual_payment.clone(),
            unmade: self.unmade,
            survey: self.survey.clone(),
            tiers: self
                .tiers
                .iter()
                .map(|t| wire::TierInput {
                    id: t.id.0.clone(),
                    title: t.title.clone(),
                    price: t.price.minor(),
                    limit: t.limit,
                    per_backer: Some(t.per_backer),
                    available_from: t.available_from,
                    available_until: t.available_until,
                    options: t
                        .options
                        .iter()
                        .map(|g| wire::OptionInput {
                            name: g.name.clone(),
                            values: g
                                .values
                                .iter()
                                .map(|v| wire::ValueInput { value: v.value.clone(), min_batch: v.min_batch })
                                .collect(),
                        })
                        .collect(),
                    ships: t.shipping.ships(),
                    shipping: t.shipping.prices().to_vec(),
                })
                .collect(),
        }
    }
}

impl Tier {
    fn check(input: wire::TierInput, path: &str, errors: &mut FieldErrors) -> Option<Tier> {
        let id = TierId::parse(&input.id);
        if id.is_none() {
            errors.add(format!("{path}.id"), FieldError::InvalidSlug);
        }
        let title = errors.check(&format!("{path}.title"), clean(&input.title, 120, true, false));
        let price = errors.check(&format!("{path}.price"), Amount::new(input.price));
        match input.limit {
            Some(0) => errors.add(format!("{path}.limit"), FieldError::NotPositive),
            Some(limit) if limit > Campaign::MAX_LIMIT => {
                errors.add(format!("{path}.limit"), FieldError::TooLarge)
            }
            _ => {}
        }
        let per_backer = input.per_backer.unwrap_or(1);
        if per_backer == 0 {
            errors.add(format!("{path}.per_backer"), FieldError::NotPositive);
        } else if per_backer > Campaign::MAX_PER_BACKER {
            errors.add(format!("{path}.per_backer"), FieldError::TooLarge);
        } else if input.limit.is_some_and(|limit| per_backer > limit) {
            errors.add(format!("{path}.per_backer"), FieldError::AboveLimit);
        }
        if let (Some(from), Some(until)) = (input.available_from, input.available_until)
            && until <= from
        {
            errors.add(format!("{path}.available_until"), FieldError::EndsBeforeStart);
        }
        if input.options.len() > Campaign::MAX_OPTION_GROUPS {
            errors.add(
                format!("{path}.options"),
                FieldError::TooLong { max: Campaign::MAX_OPTION_GROUPS as u32 },
            );
        }
        let mut names: Vec<String> = Vec::with_capacity(input.options.len());
        let mut options = Vec::with_capacity(input.options.len());
        for (g, group) in input.options.into_iter().enumerate() {
            let gpath = format!("{path}.options[{g}]");
            let name = errors.check(&format!("{gpath}.name"), clean(&group.name, 40, true, false));
            if let Some(name) = &name {
                if names.contains(name) {
                    errors.add(format!("{gpath}.name"), FieldError::Duplicate);
                }
                names.push(name.clone());
            }
            if group.values.is_empty() {
                errors.add(format!("{gpath}.values"), FieldError::Required);
            }
            if group.values.len() > Campaign::MAX_OPTION_VALUES {
                errors.add(
                    format!("{gpath}.values"),
                    FieldError::TooLong { max: Campaign::MAX_OPTION_VALUES as u32 },
                );
            }
            let mut values: Vec<OptionValue> = Vec::with_capacity(group.values.len());
            for (v, value) in group.values.into_iter().enumerate() {
                let vpath = format!("{gpath}.values[{v}]");
                match value.min_batch {
                    Some(0) => errors.add(format!("{vpath}.min_batch"), FieldError::NotPositive),
                    // A batch the tier can never sell would only promise what cannot be made.
                    Some(batch) if input.limit.is_some_and(|limit| batch > limit) => {
                        errors.add(format!("{vpath}.min_batch"), FieldError::AboveLimit)
                    }
                    Some(batch) if batch > Campaign::MAX_LIMIT => {
                        errors.add(format!("{vpath}.min_batch"), FieldError::TooLarge)
                    }
                    _ => {}
                }
                if let Some(text) =
                    errors.check(&format!("{vpath}.value"), clean(&value.value, 40, true, false))
                {
                    if values.iter().any(|v| v.value == text) {
                        errors.add(format!("{vpath}.value"), FieldError::Duplicate);
                    }
                    values.push(OptionValue { value: text, min_batch: value.min_batch });
                }
            }
            if let Some(name) = name {
                options.push(OptionGroup { name, values });
            }
        }
        let shipping = crate::Shipping::check(input.ships, input.shipping, path, errors);
        Some(Tier {
            id: id?,
            title: title?,
            price: price?,
            limit: input.limit,
            per_backer,
            available_from: input.available_from,
            available_until: input.available_until,
            options,
            shipping,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests;

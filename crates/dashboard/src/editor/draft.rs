//! A campaign as the creator is typing it: every field as text, so a half-typed number or
//! date is kept, not lost. Form fields are named by the paths `domain` reports problems
//! under (`tiers[0].options[1].values[2].min_batch`), so the server's and the browser's
//! errors land on the field they concern. The same code reads the form on the server (a
//! plain POST) and in the browser (the live preview).

use domain::edit::slug_from_title;
use domain::wire::{CampaignInput, OptionInput, StretchGoal, TierInput, ValueInput};
use domain::{
    Campaign, Currency, FieldError, FieldErrors, Funding, ManualPayment, PaymentMode, ShippingPrice,
    Timestamp,
};
use serde::{Deserialize, Serialize};

// Drafts saved by an older build lack newer fields: they read as empty.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CampaignDraft {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub story: String,
    /// `CNY`, `USD` or `EUR`.
    pub currency: String,
    /// In major units, as typed: `50000`, `499.50`.
    pub goal: String,
    /// `datetime-local` values, UTC: `2026-12-01T09:00`.
    pub starts_at: String,
    pub ends_at: String,
    /// `all_or_nothing` or `flexible`.
    pub funding: String,
    /// The most one pledge may be, in major units; empty for the goal.
    pub max_pledge: String,
    /// `none`, `stripe` or `manual`.
    pub payments: String,
    /// A manual campaign's instructions to backers, and hours a pledge may stay unpaid.
    pub manual_instructions: String,
    pub manual_hours: String,
    /// The uploaded collection code's address, carried through the form unchanged.
    pub manual_qr: String,
    /// `refund` or `switch`: what becomes of backers of a value not made.
    pub unmade: String,
    pub tiers: Vec<TierDraft>,
    pub stretch_goals: Vec<StretchDraft>,
    pub survey: super::survey::SurveyDraft,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TierDraft {
    pub id: String,
    pub title: String,
    pub price: String,
    /// Empty for no limit.
    pub limit: String,
    pub per_backer: String,
    pub available_from: String,
    pub available_until: String,
    pub options: Vec<OptionDraft>,
    /// Whether the reward is delivered (`yes`, or empty), and its delivery prices as typed:
    /// `CN 0, HK 30, * 80` (a destination and an amount in major units, comma-separated).
    #[serde(default)]
    pub ships: String,
    #[serde(default)]
    pub shipping: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OptionDraft {
    pub name: String,
    pub values: Vec<ValueDraft>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ValueDraft {
    pub value: String,
    /// Empty when any number of units will be made.
    pub min_batch: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StretchDraft {
    pub amount: String,
    pub label: String,
}

/// A `datetime-local` value (UTC) for a timestamp.
pub fn minutes(at: Timestamp) -> String {
    at.to_string()[..16].to_owned()
}

impl CampaignDraft {
    /// A fresh campaign: starting at the next hour, running 30 days, with one tier to fill in.
    pub fn blank(currency: Currency, now: Timestamp) -> CampaignDraft {
        let start = Timestamp::from_unix((now.unix() / 3600 + 1) * 3600);
        CampaignDraft {
            currency: currency.code().to_owned(),
            starts_at: minutes(start),
            ends_at: minutes(start.plus_seconds(30 * 86_400)),
            funding: Funding::AllOrNothing.as_str().to_owned(),
            tiers: vec![TierDraft { per_backer: "1".into(), ..Default::default() }],
            ..Default::default()
        }
    }

    /// A published campaign's definition, to edit.
    pub fn from_input(input: &CampaignInput) -> CampaignDraft {
        let money = |minor: i64| input.currency.to_major_input(minor);
        let number = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
        let when = |at: Option<Timestamp>| at.map(minutes).unwrap_or_default();
        CampaignDraft {
            id: input.id.clone(),
            title: input.title.clone(),
            summary: input.summary.clone(),
            story: input.story.clone(),
            currency: input.currency.code().to_owned(),
            goal: money(input.goal),
            starts_at: minutes(input.starts_at),
            ends_at: minutes(input.ends_at),
            funding: input.funding.as_str().to_owned(),
            max_pledge: input.max_pledge.map(money).unwrap_or_default(),
            payments: payments_code(input.payments).to_owned(),
            manual_instructions: input
                .manual_payment
                .as_ref()
                .map(|m| m.instructions.clone())
                .unwrap_or_default(),
            manual_hours: input
                .manual_payment
                .as_ref()
                .map(|m| m.expires_after_hours.to_string())
                .unwrap_or_default(),
            manual_qr: input.manual_payment.as_ref().and_then(|m| m.qr.clone()).unwrap_or_default(),
            unmade: if input.unmade.is_refund() { "refund" } else { "switch" }.to_owned(),
            tiers: input
                .tiers
                .iter()
                .map(|t| TierDraft {
                    id: t.id.clone(),
                    title: t.title.clone(),
                    price: money(t.price),
                    limit: number(t.limit),
                    per_backer: number(t.per_backer),
                    available_from: when(t.available_from),
                    available_until: when(t.available_until),
                    options: t
                        .options
                        .iter()
                        .map(|g| OptionDraft {
                            name: g.name.clone(),
                            values: g
                                .values
                                .iter()
                                .map(|v| ValueDraft {
                                    value: v.value.clone(),
                                    min_batch: number(v.min_batch),
                                })
                                .collect(),
                        })
                        .collect(),
                    ships: if t.ships { "yes" } else { "" }.to_owned(),
                    shipping: (t.shipping.iter())
                        .map(|p| format!("{} {}", p.to, money(p.price)))
                        .collect::<Vec<_>>()
                        .join(", "),
                })
                .collect(),
            stretch_goals: input
                .stretch_goals
                .iter()
                .map(|g| StretchDraft { amount: money(g.amount), label: g.label.clone() })
                .collect(),
            survey: super::survey::SurveyDraft::from_survey(input.survey.as_ref()),
        }
    }

    /// Applies an editing action from the form's buttons: `add_tier`, `remove_tier:0`,
    /// `add_option:0`, `remove_option:0:1`, `add_value:0:1`, `remove_value:0:1:2`,
    /// `add_stretch`, `remove_stretch:0`, `add_question`, `remove_question:0`. False when the action is not one of them or
    /// points at nothing; lists never grow past `domain`'s bounds.
    pub fn apply(&mut self, action: &str) -> bool {
        let (verb, rest) = action.split_once(':').unwrap_or((action, ""));
        let at: Vec<usize> =
            rest.split(':').filter(|s| !s.is_empty()).map_while(|s| s.parse().ok()).collect();
        fn push<T: Default>(list: &mut Vec<T>, max: usize) -> bool {
            list.len() < max && {
                list.push(T::default());
                true
            }
        }
        fn remove<T>(list: &mut Vec<T>, i: usize) -> bool {
            i < list.len() && {
                list.remove(i);
                true
            }
        }
        let tiers = &mut self.tiers;
        match (verb, at.as_slice()) {
            ("add_tier", []) => {
                push(tiers, Campaign::MAX_TIERS) && {
                    tiers.last_mut().expect("just pushed").per_backer = "1".into();
                    true
                }
            }
            ("remove_tier", [i]) => remove(tiers, *i),
            ("add_option", [i]) => tiers.get_mut(*i).is_some_and(|t| {
                push(&mut t.options, Campaign::MAX_OPTION_GROUPS) && {
                    t.options.last_mut().expect("just pushed").values = vec![ValueDraft::default()];
                    true
                }
            }),
            ("remove_option", [i, j]) => tiers.get_mut(*i).is_some_and(|t| remove(&mut t.options, *j)),
            ("add_value", [i, j]) => tiers
                .get_mut(*i)
                .and_then(|t| t.options.get_mut(*j))
                .is_some_and(|g| push(&mut g.values, Campaign::MAX_OPTION_VALUES)),
            ("remove_value", [i, j, k]) => tiers
                .get_mut(*i)
                .and_then(|t| t.options.get_mut(*j))
                .is_some_and(|g| remove(&mut g.values, *k)),
            ("add_stretch", []) => push(&mut self.stretch_goals, Campaign::MAX_STRETCH_GOALS),
            ("remove_stretch", [i]) => remove(&mut self.stretch_goals, *i),
            ("add_question", []) => {
                push(&mut self.survey.questions, domain::survey::Survey::MAX_QUESTIONS) && {
                    self.survey.questions.last_mut().expect("just pushed").kind = "text".into();
                    true
                }
            }
            ("remove_question", [i]) => remove(&mut self.survey.questions, *i),
            _ => false,
        }
    }

    /// The definition this draft describes, checked by `domain`: every problem at once,
    /// under its field's name. Without an id, one is made from the title, as the server
    /// does when it creates the campaign.
    pub fn check(&self) -> Result<Campaign, FieldErrors> {
        let mut errors = FieldErrors::new();
        let input = self.to_input(&mut errors);
        match Campaign::new(input) {
            Ok(campaign) if errors.is_empty() => Ok(campaign),
            Ok(_) => Err(errors),
            Err(checked) => {
                // What could not be read is said first; the rules speak of the rest.
                for (field, error) in checked.iter() {
                    if !errors.iter().any(|(f, _)| f == field) {
                        errors.add(field.to_owned(), error.clone());
                    }
                }
                Err(errors)
            }
        }
    }

    /// The draft read as a definition; what cannot be read is added to `errors` and
    /// stands in as zero, so the rules still check everything else. Problems are added in
    /// the form's order: money, then counts, then dates, then choices.
    pub fn to_input(&self, errors: &mut FieldErrors) -> CampaignInput {
        let currency = Currency::parse(&self.currency).unwrap_or_else(|| {
            errors.add("currency", FieldError::Required);
            Currency::Cny
        });
        let mut r = Reader { errors, currency };
        let goal = r.money("goal".into(), &self.goal);
        let max_pledge =
            (!self.max_pledge.trim().is_empty()).then(|| r.money("max_pledge".into(), &self.max_pledge));
        let prices: Vec<i64> = self
            .tiers
            .iter()
            .enumerate()
            .map(|(i, t)| r.money(format!("tiers[{i}].price"), &t.price))
            .collect();
        let stretch_goals: Vec<StretchGoal> = (self.stretch_goals.iter().enumerate())
            .map(|(i, g)| StretchGoal {
                amount: r.money(format!("stretch_goals[{i}].amount"), &g.amount),
                label: g.label.clone(),
            })
            .collect();
        let mut tiers: Vec<TierInput> = self
            .tiers
            .iter()
            .zip(prices)
            .enumerate()
            .map(|(i, (t, price))| t.read(&mut r, i, price))
            .collect();
        for (i, t) in self.tiers.iter().enumerate() {
            tiers[i].available_from = r.when(format!("tiers[{i}].available_from"), &t.available_from, true);
            tiers[i].available_until =
                r.when(format!("tiers[{i}].available_until"), &t.available_until, true);
        }
        let starts_at = r.when("starts_at".into(), &self.starts_at, false).unwrap_or(Timestamp::from_unix(0));
        let ends_at =
            r.when("ends_at".into(), &self.ends_at, false).unwrap_or(starts_at.plus_seconds(86_400));
        let funding = Funding::parse(&self.funding).unwrap_or_else(|| {
            r.errors.add("funding", FieldError::Required);
            Funding::AllOrNothing
        });
        let lock_at = r.when("survey.lock_at".into(), &self.survey.lock_at, true);
        let payments = match self.payments.as_str() {
            "" => PaymentMode::None,
            mode => PaymentMode::parse(mode).unwrap_or_else(|| {
                r.errors.add("payments", FieldError::Required);
                PaymentMode::None
            }),
        };
        CampaignInput {
            id: match self.id.trim() {
                "" => slug_from_title(&self.title),
                id => id.to_owned(),
            },
            title: self.title.clone(),
            summary: self.summary.clone(),
            story: self.story.clone(),
            currency,
            goal,
            starts_at,
            ends_at,
            funding,
            tiers,
            stretch_goals,
            max_pledge,
            payments,
            manual_payment: (payments == PaymentMode::Manual).then(|| self.manual_payment(&mut r)),
            unmade: if self.unmade == "switch" { domain::Unmade::Switch } else { domain::Unmade::Refund },
            survey: self.survey.to_survey(lock_at),
        }
    }

    /// The manual payment's instructions, hours to pay (72 when left blank) and code.
    fn manual_payment(&self, r: &mut Reader) -> ManualPayment {
        ManualPayment {
            instructions: self.manual_instructions.clone(),
            expires_after_hours: match self.manual_hours.trim() {
                "" => 72,
                hours => hours.parse().unwrap_or_else(|_| {
                    r.errors.add("manual_payment.expires_after_hours", FieldError::NotWholeNumber);
                    72
                }),
            },
            qr: Some(self.manual_qr.clone()).filter(|qr| !qr.is_empty()),
        }
    }
}

impl TierDraft {
    /// Tier `i` read as a definition, at `price`; its window is read after every tier's
    /// counts.
    fn read(&self, r: &mut Reader, i: usize, price: i64) -> TierInput {
        let limit = r.count(format!("tiers[{i}].limit"), &self.limit);
        let per_backer = r.count(format!("tiers[{i}].per_backer"), &self.per_backer);
        let options = (self.options.iter().enumerate())
            .map(|(j, g)| OptionInput {
                name: g.name.clone(),
                values: (g.values.iter().enumerate())
                    .map(|(k, v)| ValueInput {
                        value: v.value.clone(),
                        min_batch: r
                            .count(format!("tiers[{i}].options[{j}].values[{k}].min_batch"), &v.min_batch),
                    })
                    .collect(),
            })
            .collect();
        TierInput {
            id: self.id.trim().to_owned(),
            title: self.title.clone(),
            price,
            limit,
            per_backer,
            available_from: None,
            available_until: None,
            options,
            ships: self.ships == "yes",
            shipping: r.shipping(format!("tiers[{i}].shipping"), &self.shipping),
        }
    }
}

/// Reads typed text as money, counts and dates; what cannot be read is added to `errors`
/// under its field and stands in as zero (or nothing), so the rules still check the rest.
struct Reader<'a> {
    errors: &'a mut FieldErrors,
    currency: Currency,
}

impl Reader<'_> {
    /// Delivery prices typed as `CN 0, HK 30, * 80`; a part that is not a destination and
    /// an amount is refused under `field` (the destinations themselves are checked by the
    /// rules).
    fn shipping(&mut self, field: String, typed: &str) -> Vec<ShippingPrice> {
        let mut prices = Vec::new();
        for part in typed.split([',', '，', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
            let mut words = part.split_whitespace();
            let price = match (words.next(), words.next(), words.next()) {
                (Some(to), Some(amount), None) => self.currency.parse_major(amount).map(|price| (to, price)),
                _ => None,
            };
            match price {
                Some((to, price)) => prices.push(ShippingPrice { to: to.to_owned(), price }),
                None => self.errors.add(field.clone(), FieldError::NotANumber),
            }
        }
        prices
    }

    fn money(&mut self, field: String, typed: &str) -> i64 {
        self.currency.parse_major(typed).unwrap_or_else(|| {
            let error = if typed.trim().is_empty() { FieldError::Required } else { FieldError::NotANumber };
            self.errors.add(field, error);
            0
        })
    }

    /// A whole number, or `None` when left blank.
    fn count(&mut self, field: String, typed: &str) -> Option<u32> {
        let typed = typed.trim();
        if typed.is_empty() {
            return None;
        }
        typed.parse().map(Some).unwrap_or_else(|_| {
            self.errors.add(field, FieldError::NotANumber);
            Some(0)
        })
    }

    /// A `datetime-local` value (or RFC 3339), read as UTC; blank is `None`, and refused
    /// unless `optional`.
    fn when(&mut self, field: String, typed: &str, optional: bool) -> Option<Timestamp> {
        let typed = typed.trim();
        if typed.is_empty() {
            if !optional {
                self.errors.add(field, FieldError::Required);
            }
            return None;
        }
        let at = Timestamp::parse(&format!("{typed}:00Z")).or_else(|| Timestamp::parse(typed));
        if at.is_none() {
            self.errors.add(field, FieldError::InvalidDate);
        }
        at
    }
}

#[cfg(test)]
#[path = "draft_tests.rs"]
mod tests;

/// How a payment mode is written in the form.
pub(crate) fn payments_code(mode: PaymentMode) -> &'static str {
    match mode {
        PaymentMode::None => "none",
        PaymentMode::Stripe => "stripe",
        PaymentMode::Manual => "manual",
    }
}

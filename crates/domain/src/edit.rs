//! Editing a campaign: a patch of any subset of the definition, and what backers' pledges
//! lock (what Kickstarter and Indiegogo lock once money is promised).
//!
//! Once a campaign has live pledges, its goal, currency, funding model and dates are fixed;
//! a tier that backers chose (or that fans wait for) keeps its price and options and cannot
//! be removed, and its limit never goes below the units claimed. Text, stretch goals and new tiers stay
//! editable.

use crate::campaign::Campaign;
use crate::invalid::{FieldError, FieldErrors};
use crate::money::Currency;
use crate::progress::Counts;
use crate::time::Timestamp;
use crate::wire::{CampaignInput, StretchGoal, TierInput};
use crate::{Funding, wire};
use serde::{Deserialize, Serialize};

/// `PATCH /api/v1/campaigns/{id}`: the fields to change; absent fields stay as they are.
/// Lists (`tiers`, `stretch_goals`) are replaced whole.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignPatch {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub story: Option<String>,
    #[serde(default)]
    pub currency: Option<Currency>,
    #[serde(default)]
    pub goal: Option<i64>,
    #[serde(default)]
    pub starts_at: Option<Timestamp>,
    #[serde(default)]
    pub ends_at: Option<Timestamp>,
    #[serde(default)]
    pub funding: Option<Funding>,
    #[serde(default)]
    pub tiers: Option<Vec<TierInput>>,
    #[serde(default)]
    pub stretch_goals: Option<Vec<StretchGoal>>,
    /// The most one pledge may be; `null` makes it the goal again.
    #[serde(default, deserialize_with = "present")]
    pub max_pledge: Option<Option<i64>>,
    #[serde(default)]
    pub payments: Option<crate::PaymentMode>,
    /// A manual campaign's instructions and expiry; `null` removes them.
    #[serde(default, deserialize_with = "present")]
    pub manual_payment: Option<Option<crate::ManualPayment>>,
    /// What becomes of backers of a value not made; the creator may change it until the end.
    #[serde(default)]
    pub unmade: Option<crate::Unmade>,
    /// The survey; `null` removes it. It cannot change once it has locked.
    #[serde(default, deserialize_with = "present")]
    pub survey: Option<Option<crate::survey::Survey>>,
}

/// A field that is present, even as `null`: absent stays `None`, `null` is `Some(None)`.
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

impl CampaignPatch {
    /// A patch that replaces every field but the id with `input`'s: a definition written
    /// as a whole (the dashboard's editor) applied to a campaign that exists.
    pub fn replacing(input: CampaignInput) -> CampaignPatch {
        CampaignPatch {
            id: None,
            title: Some(input.title),
            summary: Some(input.summary),
            story: Some(input.story),
            currency: Some(input.currency),
            goal: Some(input.goal),
            starts_at: Some(input.starts_at),
            ends_at: Some(input.ends_at),
            funding: Some(input.funding),
            tiers: Some(input.tiers),
            stretch_goals: Some(input.stretch_goals),
            max_pledge: Some(input.max_pledge),
            payments: Some(input.payments),
            manual_payment: Some(input.manual_payment),
            unmade: Some(input.unmade),
            survey: Some(input.survey),
        }
    }

    /// The definition with this patch applied. The id never changes: a different one is
    /// reported by [`locked_fields`].
    pub fn apply(self, mut input: CampaignInput) -> CampaignInput {
        macro_rules! take {
            ($($field:ident),*) => { $(if let Some(value) = self.$field { input.$field = value; })* };
        }
        take!(
            title,
            summary,
            story,
            currency,
            goal,
            starts_at,
            ends_at,
            funding,
            tiers,
            stretch_goals,
            max_pledge,
            payments,
            manual_payment,
            unmade,
            survey
        );
        input
    }
}

/// Which changes from `old` to `new` the live pledges (`counts`) forbid, each under the
/// field it concerns; empty when the edit may go ahead. `new` has already passed
/// [`Campaign::new`].
pub fn locked_fields(old: &Campaign, new: &Campaign, counts: &Counts, now: Timestamp) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if old.id() != new.id() {
        errors.add("id", FieldError::Locked);
    }
    if old.survey().is_some_and(|s| s.locked(now)) && old.survey() != new.survey() {
        errors.add("survey", FieldError::SurveyLocked);
    }
    if counts.backers > 0 {
        if old.goal() != new.goal() {
            errors.add("goal", FieldError::Locked);
        }
        if old.currency() != new.currency() {
            errors.add("currency", FieldError::Locked);
        }
        if old.funding() != new.funding() {
            errors.add("funding", FieldError::Locked);
        }
        if old.payments() != new.payments() {
            errors.add("payments", FieldError::Locked);
        }
        if old.starts_at() != new.starts_at() {
            errors.add("starts_at", FieldError::Locked);
        }
        if old.ends_at() != new.ends_at() {
            errors.add("ends_at", FieldError::Locked);
        }
    }
    for tier in old.tiers() {
        let claimed = counts.claimed.get(tier.id().as_str()).copied().unwrap_or(0);
        // Fans waiting for it asked for it as it is: it stays, at its price and options.
        let waiting = counts.waiting.get(tier.id().as_str()).copied().unwrap_or(0);
        if claimed == 0 && waiting == 0 {
            continue;
        }
        let Some((i, edited)) = new.tiers().iter().enumerate().find(|(_, t)| t.id() == tier.id()) else {
            errors.add(format!("tiers.{}", tier.id()), FieldError::Locked);
            continue;
        };
        if edited.price() != tier.price() {
            errors.add(format!("tiers[{i}].price"), FieldError::Locked);
        }
        if edited.options() != tier.options() {
            errors.add(format!("tiers[{i}].options"), FieldError::Locked);
        }
        if edited.limit().is_some_and(|limit| limit < claimed) {
            errors.add(format!("tiers[{i}].limit"), FieldError::BelowClaimed { claimed });
        }
    }
    errors
}

/// Which fields of `campaign` are locked by its live pledges, for forms that show them
/// as locked before the creator tries (the dashboard's editor).
pub fn locked_now(campaign: &Campaign, counts: &Counts) -> Vec<String> {
    let mut fields = Vec::new();
    if counts.backers > 0 {
        fields.extend(["goal", "currency", "funding", "payments", "starts_at", "ends_at"].map(String::from));
    }
    for (i, tier) in campaign.tiers().iter().enumerate() {
        let id = tier.id().as_str();
        if counts.claimed.get(id).is_some_and(|&n| n > 0) || counts.waiting.get(id).is_some_and(|&n| n > 0) {
            fields.push(format!("tiers[{i}].price"));
            fields.push(format!("tiers[{i}].options"));
        }
    }
    fields
}

/// A campaign id made from its title: lowercase ASCII words joined by dashes, at most 40
/// characters; `campaign` when the title has no ASCII letters or digits (a Chinese title).
/// The server adds a random suffix when the id is taken.
pub fn slug_from_title(title: &str) -> String {
    let mut slug = String::with_capacity(40);
    for word in title.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        if slug.len() + word.len() + 1 > 40 {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word.to_ascii_lowercase());
    }
    if slug.is_empty() { "campaign".to_owned() } else { slug }
}

impl wire::CampaignInput {
    /// The same definition under another id.
    pub fn with_id(self, id: String) -> Self {
        wire::CampaignInput { id, ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::tests::lamp;

    fn edit(patch: CampaignPatch, counts: &Counts) -> FieldErrors {
        let old = Campaign::new(lamp()).unwrap();
        let new = Campaign::new(patch.apply(lamp())).expect("the edit is valid on its own");
        locked_fields(&old, &new, counts, Timestamp::from_unix(0))
    }

    fn pledged(tier: &str, units: u32) -> Counts {
        let mut counts = Counts { backers: 1, raised: 29_900, ..Counts::default() };
        counts.claimed.insert(tier.into(), units);
        counts
    }

    #[test]
    fn a_whole_definition_replaces_every_field_of_a_campaign_but_its_id() {
        let mut written = lamp();
        written.id = "another-id".into();
        written.title = "Walnut lamp, second run".into();
        written.goal += 1;
        written.tiers.pop();
        written.max_pledge = None;
        let applied = CampaignPatch::replacing(written.clone()).apply(lamp());
        assert_eq!(applied, CampaignInput { id: lamp().id, ..written });
    }

    #[test]
    fn before_any_pledge_everything_but_the_id_may_change() {
        let patch = CampaignPatch {
            goal: Some(1),
            currency: Some(Currency::Usd),
            funding: Some(Funding::Flexible),
            stretch_goals: Some(vec![]),
            ..CampaignPatch::default()
        };
        assert!(edit(patch, &Counts::default()).is_empty());
        let errors =
            edit(CampaignPatch { id: Some("other".into()), ..Default::default() }, &Counts::default());
        assert!(errors.is_empty(), "the id in a patch is ignored, never applied");
    }

    #[test]
    fn a_pledge_locks_the_terms_and_names_each_locked_field() {
        let mut tiers = lamp().tiers;
        tiers[1].price += 100;
        tiers[1].options[0].values.pop();
        let patch = CampaignPatch {
            goal: Some(1),
            currency: Some(Currency::Usd),
            funding: Some(Funding::Flexible),
            starts_at: Some(Timestamp::from_unix(900)),
            ends_at: Some(Timestamp::from_unix(90_000)),
            tiers: Some(tiers),
            stretch_goals: Some(vec![]),
            ..CampaignPatch::default()
        };
        let errors = edit(patch, &pledged("lamp", 1));
        for field in
            ["goal", "currency", "funding", "starts_at", "ends_at", "tiers[1].price", "tiers[1].options"]
        {
            assert_eq!(errors.get(field), Some(&FieldError::Locked), "{field}: {errors:?}");
        }
        assert_eq!(errors.get("stretch_goals"), None, "stretch goals stay editable");
    }

    #[test]
    fn a_tier_with_claims_keeps_existing_and_its_limit_stays_above_its_claims() {
        let mut tiers = lamp().tiers;
        tiers.remove(0);
        let errors = edit(CampaignPatch { tiers: Some(tiers), ..Default::default() }, &pledged("early", 2));
        assert_eq!(errors.get("tiers.early"), Some(&FieldError::Locked));

        let mut tiers = lamp().tiers;
        tiers[0].limit = Some(2);
        let ok =
            edit(CampaignPatch { tiers: Some(tiers.clone()), ..Default::default() }, &pledged("early", 2));
        assert!(ok.is_empty(), "a limit equal to the claims is fine: {ok:?}");
        tiers[0].limit = Some(1);
        let errors = edit(CampaignPatch { tiers: Some(tiers), ..Default::default() }, &pledged("early", 2));
        assert_eq!(errors.get("tiers[0].limit"), Some(&FieldError::BelowClaimed { claimed: 2 }));
    }

    #[test]
    fn a_tier_fans_wait_for_keeps_existing_at_its_price() {
        let mut waiting = Counts::default();
        waiting.waiting.insert("early".into(), 3);
        let mut tiers = lamp().tiers;
        tiers.remove(0);
        let errors = edit(CampaignPatch { tiers: Some(tiers), ..Default::default() }, &waiting);
        assert_eq!(errors.get("tiers.early"), Some(&FieldError::Locked));
        let campaign = Campaign::new(lamp()).unwrap();
        assert!(locked_now(&campaign, &waiting).contains(&"tiers[0].price".to_owned()));
    }

    #[test]
    fn text_and_new_tiers_stay_editable_after_pledges() {
        let mut tiers = lamp().tiers;
        tiers[1].title = "A better name".into();
        let mut extra = tiers[0].clone();
        extra.id = "bundle".into();
        tiers.push(extra);
        let patch = CampaignPatch {
            title: Some("New title".into()),
            story: Some("Longer story".into()),
            tiers: Some(tiers),
            ..Default::default()
        };
        assert!(edit(patch, &pledged("lamp", 3)).is_empty());
    }

    #[test]
    fn locked_fields_are_known_before_an_edit_is_tried() {
        let campaign = Campaign::new(lamp()).unwrap();
        assert!(locked_now(&campaign, &Counts::default()).is_empty());
        let locked = locked_now(&campaign, &pledged("lamp", 1));
        assert!(locked.contains(&"goal".to_owned()) && locked.contains(&"tiers[1].price".to_owned()));
        assert!(!locked.contains(&"tiers[0].price".to_owned()));
    }

    #[test]
    fn ids_made_from_titles_are_slugs() {
        assert_eq!(
            slug_from_title("Walnut desk lamp, made by the tribe!"),
            "walnut-desk-lamp-made-by-the-tribe"
        );
        assert_eq!(slug_from_title("胡桃木台灯"), "campaign");
        assert_eq!(slug_from_title("Lamp 胡桃木 2"), "lamp-2");
        let long = slug_from_title(&"word ".repeat(30));
        assert!(long.len() <= 40 && crate::text::is_slug(&long), "{long}");
    }
}

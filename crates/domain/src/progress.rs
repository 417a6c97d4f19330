//! Live numbers and what they mean: status from dates and totals, percent funded, time left.

use crate::campaign::{Campaign, Funding, Status};
use crate::time::Timestamp;
use crate::wire::{CampaignView, OptionView, TierView, ValueView};
use std::collections::BTreeMap;

/// A campaign's live numbers, as the store keeps them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Money that counts toward the goal: all of it without payments, secured or paid
    /// money with them.
    pub raised: i64,
    /// Everything live pledges promise.
    pub pledged: i64,
    pub backers: u64,
    pub seq: u64,
    /// Pledges per tier id (and units offered to its waitlist).
    pub claimed: BTreeMap<String, u32>,
    /// Waitlist entries still waiting, per tier id.
    pub waiting: BTreeMap<String, u32>,
    /// Pledges per (tier id, option name, value).
    pub chosen: BTreeMap<(String, String, String), u32>,
    /// Which stored definition these numbers were read beside: it grows with every edit,
    /// so a pledge checked against an older definition is refused rather than stored.
    pub revision: u64,
    /// The creator cancelled the campaign.
    pub cancelled: bool,
    /// The id of the campaign's cover image, when it has one.
    pub cover: Option<String>,
    /// The creator's newest update.
    pub latest_update: Option<crate::wire::UpdateNotice>,
    /// The top recruiters and the newest public backers, a few of each.
    pub leaders: Vec<crate::wire::Leader>,
    pub wall: Vec<crate::wire::WallEntry>,
    /// The production timeline.
    pub milestones: Vec<crate::milestones::Milestone>,
    /// Grows whenever `leaders`, `wall`, `latest_update` or `milestones` change: counts
    /// with the same version have the same ones.
    pub extras_version: u64,
}

/// A campaign's status at `now`. Succeeded and failed are final only after the end;
/// before it a campaign is live however much it has raised. A cancelled campaign is
/// [`Status::Cancelled`] whatever the dates: see [`CampaignView::status_at`].
pub fn status(
    starts_at: Timestamp,
    ends_at: Timestamp,
    funding: Funding,
    raised: i64,
    goal: i64,
    now: Timestamp,
) -> Status {
    if now < starts_at {
        Status::Scheduled
    } else if now < ends_at {
        Status::Live
    } else if funding == Funding::Flexible && raised > 0 || raised >= goal {
        Status::Succeeded
    } else {
        Status::Failed
    }
}

/// When the status computed by [`status`] can next change without a pledge: the start or
/// the end, whichever is still ahead.
/// When what readers see of `campaign` next changes by the clock alone: it starts or ends,
/// or a tier's window opens or closes. The server publishes the campaign at that instant.
pub fn next_change(campaign: &Campaign, now: Timestamp) -> Option<Timestamp> {
    let windows = campaign.tiers.iter().flat_map(|t| [t.available_from, t.available_until]).flatten();
    [campaign.starts_at, campaign.ends_at].into_iter().chain(windows).filter(|t| *t > now).min()
}

/// Whole percent funded, rounded down; above 100 when over-funded. A goal of zero or less
/// counts as fully funded.
pub fn percent(raised: i64, goal: i64) -> u32 {
    if goal <= 0 {
        return 100;
    }
    let p = i128::from(raised.max(0)) * 100 / i128::from(goal);
    u32::try_from(p).unwrap_or(u32::MAX)
}

/// The time left before `ends_at`, split for display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeLeft {
    pub days: i64,
    pub hours: i64,
    pub minutes: i64,
    pub seconds: i64,
}

pub fn time_left(ends_at: Timestamp, now: Timestamp) -> Option<TimeLeft> {
    let left = ends_at.unix() - now.unix();
    (left > 0).then_some(TimeLeft {
        days: left / 86_400,
        hours: left % 86_400 / 3600,
        minutes: left % 3600 / 60,
        seconds: left % 60,
    })
}

/// The public view of a campaign and its numbers at `now`.
pub fn view(campaign: &Campaign, counts: &Counts, now: Timestamp) -> CampaignView {
    let tiers = campaign
        .tiers()
        .iter()
        .map(|tier| {
            let tier_id = tier.id().as_str();
            TierView {
                id: tier_id.to_owned(),
                title: tier.title().to_owned(),
                price: tier.price().minor(),
                limit: tier.limit(),
                claimed: counts.claimed.get(tier_id).copied().unwrap_or(0),
                waitlist: counts.waiting.get(tier_id).copied().unwrap_or(0),
                per_backer: tier.per_backer(),
                available_from: tier.available_from,
                available_until: tier.available_until,
                options: tier
                    .options()
                    .iter()
                    .map(|group| OptionView {
                        name: group.name().to_owned(),
                        values: group
                            .values()
                            .iter()
                            .map(|v| ValueView {
                                value: v.value().to_owned(),
                                min_batch: v.min_batch(),
                                claimed: counts
                                    .chosen
                                    .get(&(tier_id.to_owned(), group.name().to_owned(), v.value().to_owned()))
                                    .copied()
                                    .unwrap_or(0),
                            })
                            .collect(),
                    })
                    .collect(),
                ships: tier.shipping().ships(),
                shipping: tier.shipping().prices().to_vec(),
            }
        })
        .collect();
    CampaignView {
        id: campaign.id().to_string(),
        title: campaign.title().to_owned(),
        summary: campaign.summary().to_owned(),
        currency: campaign.currency(),
        goal: campaign.goal().minor(),
        raised: counts.raised,
        backers: counts.backers,
        starts_at: campaign.starts_at(),
        ends_at: campaign.ends_at(),
        funding: campaign.funding(),
        status: if counts.cancelled {
            Status::Cancelled
        } else {
            status(
                campaign.starts_at(),
                campaign.ends_at(),
                campaign.funding(),
                counts.raised,
                campaign.goal().minor(),
                now,
            )
        },
        seq: counts.seq,
        tiers,
        stretch_goals: campaign.stretch_goals().to_vec(),
        latest_update: counts.latest_update.clone(),
        cover: counts.cover.as_ref().map(|id| format!("/covers/{id}.jpg")),
        leaders: counts.leaders.clone(),
        wall: counts.wall.clone(),
        milestones: counts.milestones.clone(),
        max_pledge: campaign.max_pledge.map(|a| a.minor()),
        payments: campaign.payments(),
        manual_payment: campaign.manual_payment().cloned(),
        unmade: campaign.unmade(),
        server_time: None,
        pledged: counts.pledged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::tests::lamp;
    use proptest::prelude::*;

    const T: fn(i64) -> Timestamp = Timestamp::from_unix;

    #[test]
    fn status_follows_the_dates_then_the_goal() {
        let s = |raised, now, funding| status(T(10), T(20), funding, raised, 100, T(now));
        assert_eq!(s(0, 9, Funding::AllOrNothing), Status::Scheduled);
        assert_eq!(s(500, 10, Funding::AllOrNothing), Status::Live);
        assert_eq!(s(100, 20, Funding::AllOrNothing), Status::Succeeded);
        assert_eq!(s(99, 20, Funding::AllOrNothing), Status::Failed);
        assert_eq!(s(1, 20, Funding::Flexible), Status::Succeeded);
        assert_eq!(s(0, 20, Funding::Flexible), Status::Failed);
    }

    #[test]
    fn a_cancelled_campaign_stays_cancelled_whatever_the_clock() {
        let campaign = Campaign::new(lamp()).unwrap();
        let counts = Counts { cancelled: true, ..Counts::default() };
        let view = view(&campaign, &counts, T(5_000));
        assert_eq!(view.status, Status::Cancelled);
        assert_eq!(view.status_at(T(200_000)), Status::Cancelled);
        let live = super::view(&campaign, &Counts::default(), T(5_000));
        assert_eq!(live.status_at(T(200_000)), Status::Failed, "the clock moves a live view on");
    }

    #[test]
    fn the_next_change_is_the_next_date_or_tier_window_ahead() {
        let mut input = lamp();
        input.starts_at = T(1_000);
        input.ends_at = T(100_000);
        input.tiers[0].available_from = Some(T(5_000));
        input.tiers[0].available_until = Some(T(9_000));
        let campaign = Campaign::new(input).unwrap();
        let changes: Vec<_> = [0, 1_000, 5_000, 8_999, 9_000, 100_000]
            .iter()
            .map(|&now| next_change(&campaign, T(now)))
            .collect();
        assert_eq!(
            changes,
            [Some(T(1_000)), Some(T(5_000)), Some(T(9_000)), Some(T(9_000)), Some(T(100_000)), None]
        );
    }

    #[test]
    fn percent_rounds_down_and_passes_a_hundred_when_overfunded() {
        assert_eq!(percent(0, 100), 0);
        assert_eq!(percent(999, 1000), 99);
        assert_eq!(percent(250, 100), 250);
        assert_eq!(percent(i64::MAX, 1), u32::MAX);
        assert_eq!(percent(-5, 100), 0);
    }

    #[test]
    fn time_left_splits_into_days_hours_minutes() {
        let left = time_left(T(2 * 86_400 + 3 * 3600 + 4 * 60 + 5), T(0)).unwrap();
        assert_eq!(left, TimeLeft { days: 2, hours: 3, minutes: 4, seconds: 5 });
        assert_eq!(time_left(T(10), T(10)), None);
    }

    #[test]
    fn the_view_carries_counts_per_tier_and_option_value() {
        let campaign = Campaign::new(lamp()).unwrap();
        let mut counts = Counts { raised: 29_900, backers: 1, seq: 1, ..Counts::default() };
        counts.claimed.insert("lamp".into(), 1);
        counts.chosen.insert(("lamp".into(), "colour".into(), "red".into()), 1);
        let view = view(&campaign, &counts, T(5_000));
        assert_eq!(view.status, Status::Live);
        assert_eq!(view.tiers[0].claimed, 0);
        assert_eq!(view.tiers[1].claimed, 1);
        assert_eq!(view.tiers[1].options[0].values[1].claimed, 1);
        assert_eq!(Campaign::new(view.definition()), Ok(campaign));
    }

    proptest! {
        #[test]
        fn status_never_goes_back_in_time(start in 0i64..1000, len in 1i64..1000, raised in 0i64..200, a in 0i64..3000, b in 0i64..3000) {
            let rank = |s| match s { Status::Scheduled => 0, Status::Live => 1, _ => 2 };
            let (early, late) = (a.min(b), a.max(b));
            let at = |now| status(T(start), T(start + len), Funding::AllOrNothing, raised, 100, T(now));
            prop_assert!(rank(at(early)) <= rank(at(late)));
        }

        #[test]
        fn percent_is_monotonic_in_raised(goal in 1i64..1_000_000, a in 0i64..10_000_000, b in 0i64..10_000_000) {
            prop_assert!(percent(a.min(b), goal) <= percent(a.max(b), goal));
        }
    }
}

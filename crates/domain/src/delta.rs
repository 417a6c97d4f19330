//! Compact live changes: what moved in a campaign's view since the last one a viewer has.
//!
//! A live stream sends a full view first, then [`ProgressDelta`]s: the numbers that moved,
//! the tiers and values whose counts moved, the tribe only when it changed. [`delta`] makes
//! one only when applying it gives exactly the next view (the definition unchanged, which
//! is most of the bytes); otherwise the stream sends the full view again. [`apply`] is the
//! one way a reader brings its view forward, in the widget, the dashboard and the tests.

use crate::Moment;
use crate::campaign::Status;
use crate::wire::{CampaignView, Leader, WallEntry};
use serde::{Deserialize, Serialize};

/// `event: delta` of a live stream asked for with `?v=2`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProgressDelta {
    pub seq: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_time: Option<Moment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raised: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pledged: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backers: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// Only the tiers whose counts moved, and of them only the values that moved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<TierDelta>,
    /// The tribe, whole, only when it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaders: Option<Vec<Leader>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wall: Option<Vec<WallEntry>>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierDelta {
    pub id: String,
    pub claimed: u32,
    /// How many wait, when that moved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waitlist: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<ValueDelta>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueDelta {
    pub option: String,
    pub value: String,
    pub claimed: u32,
}

/// What changed from `from` to `to`, or `None` when only a full view can say it (the
/// definition changed, or another campaign).
pub fn delta(from: &CampaignView, to: &CampaignView) -> Option<ProgressDelta> {
    if from.id != to.id || from.tiers.len() != to.tiers.len() {
        return None;
    }
    let tiers = from.tiers.iter().zip(&to.tiers).filter_map(|(a, b)| {
        let values: Vec<ValueDelta> = a
            .options
            .iter()
            .zip(&b.options)
            .flat_map(|(x, y)| {
                x.values.iter().zip(&y.values).filter(|(u, v)| u.claimed != v.claimed).map(|(_, v)| {
                    ValueDelta { option: y.name.clone(), value: v.value.clone(), claimed: v.claimed }
                })
            })
            .collect();
        let waitlist = moved(a.waitlist, b.waitlist);
        (a.claimed != b.claimed || waitlist.is_some() || !values.is_empty()).then(|| TierDelta {
            id: b.id.clone(),
            claimed: b.claimed,
            waitlist,
            values,
        })
    });
    let change = ProgressDelta {
        seq: to.seq,
        server_time: to.server_time,
        raised: moved(from.raised, to.raised),
        pledged: moved(from.pledged, to.pledged),
        backers: moved(from.backers, to.backers),
        status: moved(from.status, to.status),
        tiers: tiers.collect(),
        leaders: (from.leaders != to.leaders).then(|| to.leaders.clone()),
        wall: (from.wall != to.wall).then(|| to.wall.clone()),
    };
    let mut applied = from.clone();
    apply(&mut applied, &change);
    (applied == *to).then_some(change)
}

/// `to`, when it differs from `from`.
fn moved<T: PartialEq>(from: T, to: T) -> Option<T> {
    (from != to).then_some(to)
}

/// Brings `view` forward by `change`.
pub fn apply(view: &mut CampaignView, change: &ProgressDelta) {
    view.seq = change.seq;
    view.server_time = change.server_time;
    if let Some(raised) = change.raised {
        view.raised = raised;
    }
    if let Some(pledged) = change.pledged {
        view.pledged = pledged;
    }
    if let Some(backers) = change.backers {
        view.backers = backers;
    }
    if let Some(status) = change.status {
        view.status = status;
    }
    for moved in &change.tiers {
        let Some(tier) = view.tiers.iter_mut().find(|t| t.id == moved.id) else { continue };
        tier.claimed = moved.claimed;
        if let Some(waitlist) = moved.waitlist {
            tier.waitlist = waitlist;
        }
        for value in &moved.values {
            let option = tier.options.iter_mut().find(|o| o.name == value.option);
            if let Some(v) = option.and_then(|o| o.values.iter_mut().find(|v| v.value == value.value)) {
                v.claimed = value.claimed;
            }
        }
    }
    if let Some(leaders) = &change.leaders {
        view.leaders.clone_from(leaders);
    }
    if let Some(wall) = &change.wall {
        view.wall.clone_from(wall);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Timestamp;
    use crate::campaign::Campaign;
    use crate::campaign::tests::lamp;
    use crate::progress::{Counts, view};

    fn views() -> (Campaign, Counts) {
        (Campaign::new(lamp()).unwrap(), Counts::default())
    }

    #[test]
    fn a_pledge_is_told_as_the_numbers_and_the_one_tier_and_value_it_moved() {
        let (campaign, mut counts) = views();
        let now = Timestamp::from_unix(5_000);
        let before = view(&campaign, &counts, now);
        counts.seq = 1;
        counts.raised = 29_900;
        counts.pledged = 29_900;
        counts.backers = 1;
        let with_options = before.tiers.iter().find(|t| !t.options.is_empty()).expect("a tier with options");
        let tier = with_options.id.clone();
        let option = with_options.options[0].name.clone();
        let value = with_options.options[0].values[0].value.clone();
        counts.claimed.insert(tier.clone(), 1);
        counts.chosen.insert((tier.clone(), option.clone(), value.clone()), 1);
        let after = view(&campaign, &counts, now);
        let change = delta(&before, &after).expect("only numbers moved");
        assert_eq!(
            change.tiers,
            [TierDelta {
                id: tier,
                claimed: 1,
                waitlist: None,
                values: vec![ValueDelta { option, value, claimed: 1 }]
            }]
        );
        assert_eq!((&change.leaders, &change.wall, change.status), (&None, &None, None));
        let bytes = serde_json::to_vec(&change).unwrap().len();
        let full = serde_json::to_vec(&after).unwrap().len();
        assert!(bytes * 4 < full, "{bytes} bytes against {full}");
        let mut applied = before.clone();
        apply(&mut applied, &change);
        assert_eq!(applied, after);
    }

    #[test]
    fn a_changed_definition_needs_the_full_view() {
        let (campaign, counts) = views();
        let before = view(&campaign, &counts, Timestamp::from_unix(5_000));
        let mut after = before.clone();
        after.title = "Renamed".into();
        assert_eq!(delta(&before, &after), None);
        after = before.clone();
        after.tiers.pop();
        assert_eq!(delta(&before, &after), None);
    }

    #[test]
    fn the_clock_alone_is_told_as_the_time_and_the_status() {
        let (campaign, counts) = views();
        let before = view(&campaign, &counts, Timestamp::from_unix(0));
        let mut after = view(&campaign, &counts, campaign.starts_at());
        after.server_time = Some(Moment::from_millis(campaign.starts_at().unix() * 1000));
        let change = delta(&before, &after).unwrap();
        assert_eq!(change.status, Some(Status::Live));
        assert_eq!((change.raised, change.tiers.len()), (None, 0));
    }
}

//! The creator's production plan (C2B): how many units of each tier and each option value
//! backers want, which values reached their minimum batch, and what would not be made if
//! the campaign ended now.

use crate::campaign::Campaign;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Live pledges that chose the same tier and the same values, counted together (the store
/// groups them; a campaign has far fewer combinations than pledges).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Combination {
    pub tier: String,
    pub options: BTreeMap<String, String>,
    pub backers: u64,
    pub units: u64,
    /// Of `units`, those whose pledges await payment (held, unpaid).
    pub unpaid: u64,
}

/// `GET /api/v1/campaigns/{id}/demand`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemandReport {
    pub campaign: String,
    pub tiers: Vec<TierDemand>,
    /// Units that would not be made if the campaign ended now: their pledges chose at least
    /// one value below its minimum batch.
    pub units_not_made: u64,
    /// Backers with at least one such unit.
    pub backers_affected: u64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierDemand {
    pub id: String,
    pub title: String,
    pub units: u64,
    pub backers: u64,
    pub limit: Option<u32>,
    /// Of `units`, those held by pledges awaiting payment (manual payment not yet received,
    /// a card not yet saved or declined): held, unpaid.
    #[serde(default)]
    pub unpaid: u64,
    pub options: Vec<OptionDemand>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionDemand {
    pub name: String,
    pub values: Vec<ValueDemand>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueDemand {
    pub value: String,
    pub units: u64,
    pub backers: u64,
    pub min_batch: Option<u32>,
    /// Whether enough units chose this value for it to be made (always, without a batch).
    pub reached: bool,
    /// Units still needed to reach the batch; 0 once reached.
    pub units_short: u64,
}

/// The plan for `campaign` from its live pledges grouped by combination.
pub fn plan(campaign: &Campaign, combinations: &[Combination]) -> DemandReport {
    let mut tiers = Vec::with_capacity(campaign.tiers().len());
    for tier in campaign.tiers() {
        let rows: Vec<&Combination> = combinations.iter().filter(|c| c.tier == tier.id().as_str()).collect();
        let options = tier
            .options()
            .iter()
            .map(|group| OptionDemand {
                name: group.name().to_owned(),
                values: group
                    .values()
                    .iter()
                    .map(|value| {
                        let chose = rows.iter().filter(|c| {
                            c.options.get(group.name()).map(String::as_str) == Some(value.value())
                        });
                        let (units, backers) = chose.fold((0, 0), |(u, b), c| (u + c.units, b + c.backers));
                        let batch = value.min_batch().map_or(0, u64::from);
                        ValueDemand {
                            value: value.value().to_owned(),
                            units,
                            backers,
                            min_batch: value.min_batch(),
                            reached: units >= batch,
                            units_short: batch.saturating_sub(units),
                        }
                    })
                    .collect(),
            })
            .collect();
        tiers.push(TierDemand {
            id: tier.id().to_string(),
            title: tier.title().to_owned(),
            units: rows.iter().map(|c| c.units).sum(),
            backers: rows.iter().map(|c| c.backers).sum(),
            limit: tier.limit(),
            unpaid: rows.iter().map(|c| c.unpaid).sum(),
            options,
        });
    }
    let below = |tier: &TierDemand, name: &str, value: &str| {
        tier.options
            .iter()
            .filter(|g| g.name == name)
            .flat_map(|g| &g.values)
            .any(|v| v.value == value && !v.reached)
    };
    let (mut units_not_made, mut backers_affected) = (0, 0);
    for combination in combinations {
        let Some(tier) = tiers.iter().find(|t| t.id == combination.tier) else { continue };
        if combination.options.iter().any(|(name, value)| below(tier, name, value)) {
            units_not_made += combination.units;
            backers_affected += combination.backers;
        }
    }
    DemandReport { campaign: campaign.id().to_string(), tiers, units_not_made, backers_affected }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::tests::lamp;

    fn combination(colour: &str, backers: u64, units: u64) -> Combination {
        Combination {
            tier: "lamp".into(),
            options: [("colour".into(), colour.into())].into(),
            backers,
            units,
            unpaid: 0,
        }
    }

    #[test]
    fn the_plan_counts_units_and_backers_per_value_against_its_batch() {
        let campaign = Campaign::new(lamp()).unwrap();
        let unpaid_walnut = Combination { unpaid: 4, ..combination("walnut", 3, 5) };
        let report = plan(&campaign, &[combination("red", 10, 12), unpaid_walnut]);
        let lamp = report.tiers.iter().find(|t| t.id == "lamp").unwrap();
        assert_eq!((lamp.units, lamp.backers, lamp.unpaid), (17, 13, 4), "held, unpaid, counted apart");
        let red = &lamp.options[0].values.iter().find(|v| v.value == "red").unwrap();
        assert_eq!(
            (red.units, red.backers, red.min_batch, red.reached, red.units_short),
            (12, 10, Some(50), false, 38)
        );
        let walnut = &lamp.options[0].values.iter().find(|v| v.value == "walnut").unwrap();
        assert!(walnut.reached && walnut.units_short == 0, "no batch is always reached");
        assert_eq!((report.units_not_made, report.backers_affected), (12, 10));
        let early = report.tiers.iter().find(|t| t.id == "early").unwrap();
        assert_eq!((early.units, early.limit), (0, Some(10)));
    }

    #[test]
    fn a_reached_batch_leaves_nothing_unmade() {
        let campaign = Campaign::new(lamp()).unwrap();
        let report = plan(&campaign, &[combination("red", 40, 50)]);
        assert_eq!(report.units_not_made, 0);
        assert!(report.tiers[1].options[0].values[1].reached);
    }
}

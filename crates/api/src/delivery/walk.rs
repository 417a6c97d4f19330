//! A campaign's live pledges, walked a chunk at a time in id order, each seen with what
//! its backer gave and where their survey stands: what the summaries and the reminders
//! read, without holding more than a chunk.

use crate::store::Store;
use crate::store::shipments::PackingRow;
use crate::store::surveys::{StoredSurvey, stored};
use domain::Campaign;
use domain::survey::Survey;
use std::sync::Arc;

/// Pledges read per chunk.
pub const CHUNK: u32 = 1_000;

/// One live pledge, as the walk sees it.
pub struct Seen {
    pub row: PackingRow,
    /// Whether its reward ships.
    pub ships: bool,
    pub given: StoredSurvey,
    /// `not_needed`, `incomplete` or `complete`.
    pub survey: &'static str,
}

pub struct Walk {
    store: Store,
    campaign: Arc<Campaign>,
    survey: Survey,
    id: String,
    after: String,
    done: bool,
}

impl Walk {
    pub fn new(store: &Store, campaign: &Arc<Campaign>) -> Walk {
        let survey = campaign.survey().cloned().unwrap_or_default();
        let id = campaign.id().to_string();
        Walk {
            store: store.clone(),
            campaign: campaign.clone(),
            survey,
            id,
            after: String::new(),
            done: false,
        }
    }

    /// The next chunk; `None` after the last.
    pub async fn next(&mut self) -> anyhow::Result<Option<Vec<Seen>>> {
        if self.done {
            return Ok(None);
        }
        let chunk = self.store.packing_after(&self.id, &self.after, CHUNK).await?;
        self.done = chunk.len() < CHUNK as usize;
        let Some(last) = chunk.last() else { return Ok(None) };
        self.after = last.id.clone();
        let mut seen = Vec::with_capacity(chunk.len());
        for row in chunk {
            let tier = row.tier_id.as_deref().and_then(|t| self.campaign.tier(t));
            let ships = tier.is_some_and(|t| t.shipping().ships());
            let given = stored((row.address.clone(), row.answers.clone(), row.surveyed_at, None))?;
            let survey = state(&self.survey, row.tier_id.as_deref(), ships, &given);
            seen.push(Seen { row, ships, given, survey });
        }
        Ok(Some(seen))
    }
}

/// Whether a backer of `tier` is asked anything, and whether they have given it all:
/// `not_needed`, `incomplete` or `complete`.
pub fn state(survey: &Survey, tier: Option<&str>, ships: bool, given: &StoredSurvey) -> &'static str {
    if !survey.asks(tier, ships) {
        "not_needed"
    } else if given.surveyed_at.is_some()
        && survey.complete(tier, ships, given.address.as_ref(), &given.answers)
    {
        "complete"
    } else {
        "incomplete"
    }
}

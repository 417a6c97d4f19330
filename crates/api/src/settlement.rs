//! Every replica looks, each second, for campaigns of its hub that have ended and are not
//! settled, and settles them (`Store::settle`): the outcome is recorded once, across all
//! replicas and restarts, with the `campaign.succeeded` or `campaign.failed` event. The
//! store decides by the dates it holds; a campaign settled with no backers and then moved
//! to a later end is un-settled by that edit and settled again at its new end.
//! A failed campaign's unpaid pledges are voided with it; a successful one's saved cards
//! are charged after, by `payments::cards`. Pledges for values left short of their minimum
//! batch are cancelled (and refunded), at once or when their backers' time to choose a
//! value that is made runs out, as the creator chose.

use crate::hub::Hub;
use crate::store::Store;
use crate::store::settlement::{Settle, Settled};
use domain::Timestamp;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

const EVERY: Duration = Duration::from_secs(1);

/// The campaigns this replica knows settled, each with the end it was settled at: one
/// moved to a new end since (which un-settles it) is looked at again.
pub type Known = HashMap<String, Timestamp>;

/// Settles, at `now`, every campaign of `hub` that has ended and is not in `known` (which
/// this fills); what this call settled. The store judges by its own stored dates, so a
/// hub that has not heard of a new end yet settles nothing early.
pub async fn settle_due(
    store: &Store,
    hub: &Hub,
    known: &mut Known,
    now: Timestamp,
) -> anyhow::Result<Vec<(String, Settled)>> {
    let mut settled = Vec::new();
    for campaign in hub.ended(now) {
        let id = campaign.id().to_string();
        if known.get(&id) == Some(&campaign.ends_at()) {
            continue;
        }
        match store.settle(&id, now).await? {
            Settle::Settled(outcome) => {
                tracing::info!(campaign = %id, outcome = %outcome.outcome, raised = outcome.raised, "settled");
                // A failed campaign's saved cards no longer count: every viewer sees it.
                if let (Some(stored), Some(entry)) = (store.campaign(&id).await?, hub.get(&id)) {
                    entry.publish(stored.counts, now);
                }
                settled.push((id.clone(), outcome));
            }
            // Settled here or elsewhere, or cancelled: nothing more to do for it.
            Settle::Already => {}
            // Moved to a later end that this hub has not heard of yet.
            Settle::NotEnded => continue,
        }
        known.insert(id, campaign.ends_at());
    }
    Ok(settled)
}

/// What the store says is settled, with the ends the hub holds for them.
async fn known(store: &Store, hub: &Hub) -> anyhow::Result<Known> {
    let now = crate::now();
    let settled = store.settled().await?;
    Ok(settled
        .into_iter()
        .filter_map(|id| {
            let end = hub.get(&id)?.snapshot(now).campaign.ends_at();
            Some((id, end))
        })
        .collect())
}

/// Cancels, through the writer, the pledges for values not made that are due at `now` (at
/// once, or once their backers' time to choose another value ran out); paid cards among
/// them are refunded by `payments::cards`. How many this call cancelled.
pub async fn cancel_unmade(store: &Store, now: Timestamp) -> anyhow::Result<usize> {
    let mut cancelled = 0;
    for pledge in store.unmade_overdue(now, 200).await? {
        match store.cancel_unmade(&pledge).await {
            Ok(done) if !done.already => cancelled += 1,
            Ok(_) => {}
            Err(refusal) => tracing::debug!(?refusal, "a pledge for a value not made was not cancelled"),
        }
    }
    Ok(cancelled)
}

pub(crate) fn spawn(store: Store, hub: Arc<Hub>) {
    tokio::spawn(async move {
        let mut known = loop {
            match known(&store, &hub).await {
                Ok(known) => break known,
                Err(e) => {
                    tracing::warn!(error = %e, "reading settled campaigns failed; retrying");
                    tokio::time::sleep(EVERY).await;
                }
            }
        };
        let mut every = store.every(EVERY);
        while every.next().await {
            if let Err(e) = settle_due(&store, &hub, &mut known, crate::now()).await {
                tracing::warn!(error = %e, "settling ended campaigns failed; trying again");
            }
            match cancel_unmade(&store, crate::now()).await {
                Ok(0) => {}
                Ok(cancelled) => tracing::info!(cancelled, "cancelled pledges for values not made"),
                Err(e) => {
                    tracing::warn!(error = %e, "cancelling pledges for values not made failed; trying again")
                }
            }
        }
    });
}

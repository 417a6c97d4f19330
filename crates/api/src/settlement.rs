//! Every replica looks, each second, for campaigns of its hub that have ended and are not
//! settled, and settles them (`Store::settle`): the outcome is recorded once, across all
//! replicas and restarts, with the `campaign.succeeded` or `campaign.failed` event.
//! A failed campaign's unpaid pledges are voided with it; a successful one's saved cards
//! are charged after, by `payments::cards`. Pledges for values left short of their minimum
//! batch are cancelled (and refunded), at once or when their backers' time to choose a
//! value that is made runs out, as the creator chose.

use crate::hub::Hub;
use crate::store::Store;
use crate::store::settlement::Settled;
use domain::Timestamp;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

const EVERY: Duration = Duration::from_secs(1);

/// Settles, at `now`, every campaign of `hub` that has ended and is not in `known` (the
/// ones known settled, which this fills); what this call settled.
pub async fn settle_due(
    store: &Store,
    hub: &Hub,
    known: &mut HashSet<String>,
    now: Timestamp,
) -> anyhow::Result<Vec<(String, Settled)>> {
    let mut settled = Vec::new();
    for campaign in hub.ended(now) {
        let id = campaign.id().to_string();
        if known.contains(&id) {
            continue;
        }
        if let Some(outcome) = store.settle(&campaign, now).await? {
            tracing::info!(campaign = %id, outcome = %outcome.outcome, raised = outcome.raised, "settled");
            // A failed campaign's saved cards no longer count: every viewer sees it.
            if let (Some(stored), Some(entry)) = (store.campaign(&id).await?, hub.get(&id)) {
                entry.publish(stored.counts, now);
            }
            settled.push((id.clone(), outcome));
        }
        // Settled here or elsewhere, or cancelled: nothing more to do for it.
        known.insert(id);
    }
    Ok(settled)
}

/// Cancels, through the writer, the pledges for values not made that are due at `now` (at
/// once, or once their backers' time to choose another value ran out); paid cards among
/// them are refunded by `payments::cards`. How many this call cancelled.
pub async fn cancel_unmade(store: &Store, now: Timestamp) -> anyhow::Result<usize> {
    let mut cancelled = 0;
    for token in store.unmade_overdue(now, 200).await? {
        match store.cancel_unmade(&token).await {
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
            match store.settled().await {
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

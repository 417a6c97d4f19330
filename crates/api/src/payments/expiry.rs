//! Pending payments whose time ran out: each such pledge is cancelled through the writer, as
//! a backer's cancellation is (but also after the campaign's end, and only while still
//! pending), so its units go back to the tier and its payment becomes `void`. Every replica looks every 30 seconds; the writer's conditional update makes a
//! pledge voided twice count once.

use crate::store::Store;
use domain::Timestamp;
use std::time::Duration;

const EVERY: Duration = Duration::from_secs(30);
const PER_ROUND: i64 = 200;

/// Voids what is overdue at `now`; how many pledges this call voided.
pub async fn void_overdue(store: &Store, now: Timestamp) -> anyhow::Result<usize> {
    let mut voided = 0;
    for pledge in store.payments_overdue(now, PER_ROUND).await? {
        match store.void_overdue(&pledge).await {
            Ok(cancelled) if !cancelled.already => voided += 1,
            Ok(_) => {}
            // A cancelled campaign's pledges stay as they were.
            Err(refusal) => tracing::debug!(?refusal, "an overdue payment was not voided"),
        }
    }
    Ok(voided)
}

pub(crate) fn spawn(store: Store) {
    tokio::spawn(async move {
        let mut every = store.every(EVERY);
        while every.next().await {
            match void_overdue(&store, crate::now()).await {
                Ok(0) => {}
                Ok(voided) => tracing::info!(voided, "voided pledges whose payment was overdue"),
                Err(e) => tracing::warn!(error = %e, "voiding overdue payments failed"),
            }
        }
    });
}

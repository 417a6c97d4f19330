//! The pledge writer is one task; if it ever panics it must not take pledging down with it
//! silently. The supervisor starts it again at once (the queue of waiting pledges survives:
//! it lives outside the task), counts the restarts, and keeps what `/readyz` reports: the
//! writer is running and its last batch committed.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// What the writer's supervisor knows of it.
#[derive(Debug, Default)]
pub struct WriterHealth {
    running: AtomicBool,
    /// The last batch failed (the database, a lock): ready again once one commits, or once
    /// the writer's connection answers.
    failing: AtomicBool,
    restarts: AtomicU64,
    /// The outage under way: when its first batch failed and how many were refused since.
    outage: std::sync::Mutex<Option<(std::time::Instant, u64)>>,
}

/// An outage that just ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outage {
    /// Pledges and cancellations refused during it.
    pub refused: u64,
    pub lasted: std::time::Duration,
}

impl WriterHealth {
    pub fn running(&self) -> bool {
        self.running.load(Ordering::Acquire)
    }

    pub fn failing(&self) -> bool {
        self.failing.load(Ordering::Acquire)
    }

    pub fn restarts(&self) -> u64 {
        self.restarts.load(Ordering::Acquire)
    }

    /// A batch committed, or the writer's connection answers again: ends the outage under
    /// way, if any, logging how long it lasted and what it refused.
    pub(super) fn answers_again(&self) -> Option<Outage> {
        self.failing.store(false, Ordering::Release);
        let ended = self.outage.lock().unwrap_or_else(|e| e.into_inner()).take();
        let ended = ended.map(|(began, refused)| Outage { refused, lasted: began.elapsed() });
        if let Some(outage) = ended {
            tracing::warn!(
                refused = outage.refused,
                lasted = ?outage.lasted,
                "the database answers again; pledges and cancellations were refused (503) during the outage"
            );
        }
        ended
    }

    /// A batch of `refused` pledges and cancellations failed with `error`. Logged once per
    /// outage, as it begins (its end says how many were refused); whether it began.
    pub(super) fn batch_failed(&self, refused: usize, error: &anyhow::Error) -> bool {
        self.failing.store(true, Ordering::Release);
        let mut outage = self.outage.lock().unwrap_or_else(|e| e.into_inner());
        let begins = outage.is_none();
        outage.get_or_insert((std::time::Instant::now(), 0)).1 += refused as u64;
        if begins {
            tracing::error!(error = ?error, refused, "a batch failed to commit; refusing pledges (503) until the database answers");
        } else {
            tracing::debug!(error = ?error, refused, "a batch failed to commit (the outage goes on)");
        }
        begins
    }
}

/// Runs the task `start` makes until it ends by itself (its queue closed: the server is
/// stopping); a panic is logged and the task started again.
pub(super) async fn supervise<F, Fut>(name: &'static str, health: Arc<WriterHealth>, mut start: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    loop {
        health.running.store(true, Ordering::Release);
        let ended = tokio::spawn(start()).await;
        health.running.store(false, Ordering::Release);
        match ended {
            Err(e) if e.is_panic() => {
                let restarts = health.restarts.fetch_add(1, Ordering::AcqRel) + 1;
                tracing::error!(task = name, restarts, "the task panicked; starting it again");
            }
            // Ended by itself, or cancelled as the runtime shuts down.
            _ => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    #[tokio::test]
    async fn a_task_that_panics_is_started_again_and_its_restarts_counted() {
        let health = Arc::new(WriterHealth::default());
        let runs = Arc::new(AtomicU32::new(0));
        let counted = runs.clone();
        supervise("test task", health.clone(), move || {
            let run = counted.fetch_add(1, Ordering::AcqRel);
            async move {
                if run < 2 {
                    panic!("a bug in run {run}");
                }
            }
        })
        .await;
        assert_eq!(runs.load(Ordering::Acquire), 3, "started again after each panic, until it ended");
        assert_eq!(health.restarts(), 2);
        assert!(!health.running(), "it ended by itself");
    }

    #[test]
    fn an_outage_is_reported_once_as_it_begins_and_once_as_it_ends_with_the_refused_count() {
        let health = WriterHealth::default();
        let lost = anyhow::anyhow!("the database is gone");
        assert_eq!(health.answers_again(), None, "no outage, nothing to report");
        assert!(health.batch_failed(3, &lost), "the first failure begins the outage");
        assert!(
            !health.batch_failed(5, &lost) && !health.batch_failed(1, &lost),
            "later ones are the same outage"
        );
        assert!(health.failing());
        let ended = health.answers_again().expect("the outage ends");
        assert_eq!(ended.refused, 9);
        assert!(!health.failing());
        assert_eq!(health.answers_again(), None, "reported once");
        assert!(health.batch_failed(1, &lost), "a new outage");
    }
}

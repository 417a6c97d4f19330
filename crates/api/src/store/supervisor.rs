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

    pub(super) fn batch_committed(&self) {
        self.failing.store(false, Ordering::Release);
    }

    pub(super) fn batch_failed(&self) {
        self.failing.store(true, Ordering::Release);
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
}

//! What `/readyz` asks of the store: does the database answer, and can pledges be taken.

use super::Store;
use super::execute;
use std::time::Duration;

impl Store {
    /// Whether pledges can be taken: the writer runs, and its last batch committed or its
    /// connection answers now (a failed batch is not the end of it).
    pub async fn writer_ready(&self) -> bool {
        let (Some(health), Some(pool)) = (&self.writer_health, &self.writer_pool) else { return false };
        if !health.running() {
            return false;
        }
        if !health.failing() {
            return true;
        }
        let answers = tokio::time::timeout(Duration::from_secs(2), async {
            match pool.acquire().await {
                Ok(mut conn) => execute(&mut conn, "SELECT 1").await.is_ok(),
                Err(_) => false,
            }
        })
        .await
        .unwrap_or(false);
        if answers {
            health.answers_again();
        }
        answers
    }

    /// How often the writer was started again after a panic.
    pub fn writer_restarts(&self) -> u64 {
        self.writer_health.as_ref().map_or(0, |h| h.restarts())
    }

    /// Whether the database answers; for `/readyz`.
    pub async fn ping(&self) -> bool {
        match self.readers.acquire().await {
            Ok(mut conn) => execute(&mut conn, "SELECT 1").await.is_ok(),
            Err(_) => false,
        }
    }
}

//! What the store counts for the operator's metrics (`crate::metrics` registers these):
//! the writer's batches and, on PostgreSQL, the listener's reconnects and reloads.

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};

#[derive(Debug)]
pub struct Stats {
    /// Pledges and cancellations per committed batch.
    pub batch_size: Histogram,
    /// Seconds from a batch's start to its commit.
    pub commit_seconds: Histogram,
    /// Times the listening connection (PostgreSQL) was opened again after a loss.
    pub listener_reconnects: Counter,
    /// Campaigns reloaded because another replica changed them.
    pub reloads: Counter,
}

impl Default for Stats {
    fn default() -> Stats {
        Stats {
            // 1, 2, 4 … 4096: the batch is capped at 4096.
            batch_size: Histogram::new(exponential_buckets(1.0, 2.0, 13)),
            // 0.25 ms … about 4 s.
            commit_seconds: Histogram::new(exponential_buckets(0.000_25, 2.0, 15)),
            listener_reconnects: Counter::default(),
            reloads: Counter::default(),
        }
    }
}

/// Connections a pool holds: in use and idle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUse {
    pub busy: u32,
    pub idle: u32,
}

fn pool_use(pool: &super::db::Pool) -> PoolUse {
    let (size, idle) = match pool {
        super::db::Pool::Sqlite(pool) => (pool.size(), pool.num_idle()),
        super::db::Pool::Postgres(pool) => (pool.size(), pool.num_idle()),
    };
    let idle = u32::try_from(idle).unwrap_or(u32::MAX);
    PoolUse { busy: size.saturating_sub(idle), idle }
}

impl super::Store {
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Pledges and cancellations waiting for the writer.
    pub fn writer_queue(&self) -> usize {
        self.writer.as_ref().map_or(0, |w| w.max_capacity() - w.capacity())
    }

    /// The readers' pool, and the writer's when there is one.
    pub fn pool_use(&self) -> (PoolUse, Option<PoolUse>) {
        (pool_use(&self.readers), self.writer_pool.as_ref().map(pool_use))
    }
}

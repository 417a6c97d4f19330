//! How a failed delivery is tried again, for signed JSON and robots' messages alike: the
//! wait doubles from the first retry up to six hours, and an endpoint is disabled after
//! [`DISABLE_AFTER`] failures in a row. Errors are put in words a creator can act on,
//! never carrying the secret or the body.

use std::time::Duration;

/// How long a receiver has to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries failed in a row before the endpoint is disabled: with the backoff doubling
/// from 10 s up to six hours, about three days of failures.
pub const DISABLE_AFTER: i32 = 15;
/// The longest wait between two tries.
const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);

/// The wait before try `attempts + 1`: `first`, doubling, at most six hours.
pub fn backoff(first: Duration, attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1)).unwrap_or(0).min(20);
    first.saturating_mul(1 << doublings).min(MAX_BACKOFF)
}

/// A request that got no answer, in words.
pub fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        format!("no answer within {} s", TIMEOUT.as_secs())
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else {
        "the request failed".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_from_the_first_retry_and_stops_at_six_hours() {
        let first = Duration::from_secs(10);
        let waits: Vec<u64> = (1..=5).map(|n| backoff(first, n).as_secs()).collect();
        assert_eq!(waits, [10, 20, 40, 80, 160]);
        assert_eq!(backoff(first, 40), MAX_BACKOFF);
    }
}

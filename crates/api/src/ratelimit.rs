//! Per-address token buckets, so one client cannot flood the server: one limiter each for
//! pledges, receipt reads and changes, posters drawn, and failed key checks.
//!
//! An address is counted as the caps count it (`admission::address_key`): an IPv4 address,
//! or an IPv6 address's /64.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// `burst` pledges at once, refilled at `per_minute`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub burst: u32,
    pub per_minute: u32,
}

impl RateLimit {
    fn per_second(self) -> f64 {
        f64::from(self.per_minute) / 60.0
    }

    /// A bucket's tokens at `now`, having held `tokens` at `at`.
    fn refill(self, tokens: f64, at: Instant, now: Instant) -> f64 {
        (tokens + now.duration_since(at).as_secs_f64() * self.per_second()).min(f64::from(self.burst))
    }

    /// Fine with a whole token; otherwise the seconds until there is one.
    fn wait(self, tokens: f64) -> Result<(), u64> {
        let rate = self.per_second();
        if tokens >= 1.0 {
            Ok(())
        } else if rate > 0.0 {
            Err(((1.0 - tokens) / rate).ceil() as u64)
        } else {
            Err(60)
        }
    }
}

#[derive(Debug)]
pub struct Limiter {
    limit: Option<RateLimit>,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

/// Above this many tracked addresses, full buckets are forgotten.
const PRUNE_AT: usize = 10_000;

impl Limiter {
    /// `None` disables limiting (benchmarks, trusted deployments behind their own limiter).
    pub fn new(limit: Option<RateLimit>) -> Limiter {
        Limiter { limit, buckets: Mutex::new(HashMap::new()) }
    }

    /// Whether `ip` has a token left, without taking it; how many seconds until one is free
    /// when it has none.
    pub fn peek(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        let Some(limit) = self.limit else { return Ok(()) };
        let buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let Some(&(tokens, at)) = buckets.get(&crate::admission::address_key(ip)) else { return Ok(()) };
        limit.wait(limit.refill(tokens, at, now))
    }

    /// Takes a token for `ip`, or says how many seconds until one is free.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        let Some(limit) = self.limit else { return Ok(()) };
        let burst = f64::from(limit.burst);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= PRUNE_AT {
            buckets.retain(|_, (tokens, at)| limit.refill(*tokens, *at, now) < burst);
        }
        // An IPv6 client counts by its /64: one phone or household can pick any address in it.
        let (tokens, at) = buckets.entry(crate::admission::address_key(ip)).or_insert((burst, now));
        *tokens = limit.refill(*tokens, *at, now);
        *at = now;
        limit.wait(*tokens)?;
        *tokens -= 1.0;
        Ok(())
    }
}

impl Limiter {
    /// Gives back the token [`Limiter::check`] took for `ip`: a pledge a saturated server
    /// turned away at once cost it nothing, so a crowd's retries at a drop do not use up its
    /// address's budget.
    pub fn refund(&self, ip: IpAddr) {
        let Some(limit) = self.limit else { return };
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((tokens, _)) = buckets.get_mut(&crate::admission::address_key(ip)) {
            *tokens = (*tokens + 1.0).min(f64::from(limit.burst));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_is_allowed_then_refused_until_tokens_refill() {
        let limiter = Limiter::new(Some(RateLimit { burst: 2, per_minute: 60 }));
        let ip: IpAddr = [127, 0, 0, 1].into();
        let start = Instant::now();
        assert_eq!(limiter.check(ip, start), Ok(()));
        assert_eq!(limiter.check(ip, start), Ok(()));
        assert_eq!(limiter.check(ip, start), Err(1));
        assert_eq!(limiter.check(ip, start + Duration::from_secs(1)), Ok(()));
    }

    #[test]
    fn a_refunded_token_can_be_taken_again_but_never_beyond_the_burst() {
        let limiter = Limiter::new(Some(RateLimit { burst: 1, per_minute: 1 }));
        let ip: IpAddr = [127, 0, 0, 1].into();
        let now = Instant::now();
        assert_eq!(limiter.check(ip, now), Ok(()));
        limiter.refund(ip);
        assert_eq!(limiter.check(ip, now), Ok(()), "the refund gave it back");
        assert!(limiter.check(ip, now).is_err());
        limiter.refund(ip);
        limiter.refund(ip);
        assert_eq!(limiter.check(ip, now), Ok(()));
        assert!(limiter.check(ip, now).is_err(), "refunds never pass the burst");
    }

    #[test]
    fn peeking_tells_without_taking() {
        let limiter = Limiter::new(Some(RateLimit { burst: 1, per_minute: 60 }));
        let ip: IpAddr = [127, 0, 0, 1].into();
        let now = Instant::now();
        assert_eq!(limiter.peek(ip, now), Ok(()));
        assert_eq!(limiter.peek(ip, now), Ok(()), "peeking takes nothing");
        assert_eq!(limiter.check(ip, now), Ok(()));
        assert_eq!(limiter.peek(ip, now), Err(1));
    }

    #[test]
    fn addresses_have_their_own_buckets() {
        let limiter = Limiter::new(Some(RateLimit { burst: 1, per_minute: 1 }));
        let now = Instant::now();
        assert_eq!(limiter.check([10, 0, 0, 1].into(), now), Ok(()));
        assert_eq!(limiter.check([10, 0, 0, 2].into(), now), Ok(()));
        assert!(limiter.check([10, 0, 0, 1].into(), now).is_err());
    }

    #[test]
    fn an_ipv6_client_cannot_escape_its_limit_by_changing_address_within_its_64() {
        let limiter = Limiter::new(Some(RateLimit { burst: 1, per_minute: 1 }));
        let now = Instant::now();
        assert_eq!(limiter.check("2001:db8:1:2::1".parse().unwrap(), now), Ok(()));
        assert!(limiter.check("2001:db8:1:2:ffff::7".parse().unwrap(), now).is_err());
        assert_eq!(limiter.check("2001:db8:1:3::1".parse().unwrap(), now), Ok(()), "another /64");
    }

    #[test]
    fn no_limit_means_every_pledge_passes() {
        let limiter = Limiter::new(None);
        for _ in 0..1000 {
            assert_eq!(limiter.check([10, 0, 0, 1].into(), Instant::now()), Ok(()));
        }
    }
}

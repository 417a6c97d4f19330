//! How many connections and event streams the server holds at once, so descriptors never
//! run out for what matters: with ~1,000 streams under the common limit of 1024 open files,
//! `accept` would fail and every route go down, pledges included.
//!
//! At start-up the soft limit on open files is raised to the hard limit. Connections are
//! capped below it (leaving room for the database pool and files), event streams further
//! below (leaving room for pages, health checks and pledges), and streams per address too,
//! so one client cannot hold them all. Over a cap the answer is a plain 503 with
//! `Retry-After`; a widget whose stream is refused falls back to polling.
//!
//! Time is bounded too: a request's head must arrive (`serve`), and its body and answer
//! finish (the router's timeouts), within the request timeout, and so must every write to
//! a live viewer (`http::events`): a slow client cannot keep a descriptor.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The caps; unset ones follow from the open-files limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_connections: Option<usize>,
    pub max_streams: Option<usize>,
    pub max_streams_per_address: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        // Generous per address: a WeChat group behind one carrier address is many readers.
        Limits { max_connections: None, max_streams: None, max_streams_per_address: 256 }
    }
}

/// Descriptors kept for the database pool, the listener, static files and logs.
const RESERVED: usize = 64;

/// Raises the soft limit on open files to the hard limit; the soft limit in force after.
pub fn raise_descriptor_limit() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(e) => {
            tracing::warn!(error = %e, "could not raise the open-files limit");
            rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(soft, _)| soft)
        }
    }
}

/// An address as the caps count it: an IPv4 address, or an IPv6 address's /64 (one
/// household or phone gets a whole /64, so single IPv6 addresses are free to vary).
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(v6.to_bits() & (!0u128 << 64))),
        },
    }
}

/// The live counts against the caps.
#[derive(Debug)]
pub struct Admission {
    max_connections: usize,
    max_streams: usize,
    max_per_address: usize,
    connections: AtomicUsize,
    streams: Mutex<Streams>,
}

#[derive(Debug, Default)]
struct Streams {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

impl Admission {
    /// Caps for a process allowed `open_files` descriptors.
    pub fn new(limits: Limits, open_files: u64) -> Arc<Admission> {
        let open_files = usize::try_from(open_files).unwrap_or(usize::MAX);
        let max_connections =
            limits.max_connections.unwrap_or_else(|| open_files.saturating_sub(RESERVED).max(32));
        // Streams leave an eighth of the connections (at least 16) for everything else.
        let headroom = (max_connections / 8).max(16);
        let max_streams =
            limits.max_streams.unwrap_or_else(|| max_connections.saturating_sub(headroom).max(1));
        Arc::new(Admission {
            max_connections,
            max_streams,
            max_per_address: limits.max_streams_per_address.max(1),
            connections: AtomicUsize::new(0),
            streams: Mutex::new(Streams::default()),
        })
    }

    /// Room for one more connection, held until the permit is dropped.
    pub fn connection(self: &Arc<Admission>) -> Option<ConnectionPermit> {
        let taken = self.connections.fetch_add(1, Ordering::AcqRel);
        if taken >= self.max_connections {
            self.connections.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        Some(ConnectionPermit(self.clone()))
    }

    /// Room for one more event stream from `ip`, held until the permit is dropped.
    pub fn stream(self: &Arc<Admission>, ip: IpAddr) -> Option<StreamPermit> {
        let key = address_key(ip);
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        let from_here = streams.by_address.get(&key).copied().unwrap_or(0);
        if streams.total >= self.max_streams || from_here >= self.max_per_address {
            return None;
        }
        streams.total += 1;
        *streams.by_address.entry(key).or_insert(0) += 1;
        Some(StreamPermit { admission: self.clone(), key })
    }

    /// Open event streams and connections now, and their caps.
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let streams = self.streams.lock().unwrap_or_else(|e| e.into_inner()).total;
        (streams, self.max_streams, self.connections.load(Ordering::Acquire), self.max_connections)
    }
}

/// One admitted connection.
#[derive(Debug)]
pub struct ConnectionPermit(Arc<Admission>);

impl Drop for ConnectionPermit {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Ordering::AcqRel);
    }
}

/// One admitted event stream.
#[derive(Debug)]
pub struct StreamPermit {
    admission: Arc<Admission>,
    key: IpAddr,
}

impl Drop for StreamPermit {
    fn drop(&mut self) {
        let mut streams = self.admission.streams.lock().unwrap_or_else(|e| e.into_inner());
        streams.total -= 1;
        if let Some(n) = streams.by_address.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                streams.by_address.remove(&self.key);
            }
        }
    }
}

/// The whole answer to a connection or stream over its cap.
pub const REFUSED: &[u8] =
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\nretry-after: 10\r\n\
connection: close\r\ncontent-length: 31\r\n\r\nToo many connections: try again";

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(address_key(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(address_key(ip("2001:db8:1:2:bbbb::9")), address_key(ip("2001:db8:1:2:aaaa::1")));
        assert_ne!(address_key(ip("2001:db8:1:3::1")), address_key(ip("2001:db8:1:2::1")));
        assert_eq!(address_key(ip("::ffff:10.0.0.7")), ip("10.0.0.7"));
        assert_eq!(address_key(ip("10.0.0.7")), ip("10.0.0.7"));
    }

    #[test]
    fn streams_are_capped_in_all_and_per_address_and_freed_when_they_end() {
        let limits = Limits { max_connections: Some(100), max_streams: Some(5), max_streams_per_address: 3 };
        let admission = Admission::new(limits, 1024);
        let a: Vec<_> = (0..3).map(|_| admission.stream(ip("10.0.0.1")).expect("room")).collect();
        assert!(admission.stream(ip("10.0.0.1")).is_none(), "three per address");
        let b: Vec<_> = (0..2).map(|_| admission.stream(ip("10.0.0.2")).expect("room")).collect();
        assert!(admission.stream(ip("10.0.0.3")).is_none(), "five in all");
        drop(a);
        assert!(admission.stream(ip("10.0.0.1")).is_some(), "ended streams make room");
        assert_eq!(admission.counts().0, 2);
        drop(b);
        assert_eq!(admission.counts().0, 0);
    }

    #[test]
    fn connections_are_capped_and_the_defaults_leave_room_for_everything_else() {
        let admission = Admission::new(Limits::default(), 1024);
        let (_, max_streams, _, max_connections) = admission.counts();
        assert_eq!(max_connections, 1024 - RESERVED);
        assert!(max_streams + 100 <= max_connections, "{max_streams} of {max_connections}");
        let limits = Limits { max_connections: Some(2), ..Limits::default() };
        let admission = Admission::new(limits, 1024);
        let held = (admission.connection().unwrap(), admission.connection().unwrap());
        assert!(admission.connection().is_none());
        drop(held);
        assert!(admission.connection().is_some());
    }
}

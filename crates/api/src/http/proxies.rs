//! Which reverse proxies may say who the client is, and how the request reached them.
//!
//! - `X-Forwarded-For` is read only from a configured proxy's connection, and from the
//!   right: each proxy appends the address it saw, so the rightmost entry that is not one
//!   of ours is the client (anything to its left is whatever the client chose to send).
//!   All of a request's `X-Forwarded-For` lines are one list, in order, as if joined by
//!   commas: a proxy that adds its own line after the client's (HAProxy's `option
//!   forwardfor`) is read the same as one that appends to the client's line. Both the
//!   router (`requests::ClientIp`) and the raw event-stream path read it through
//!   [`client`], so they cannot disagree. Entries may carry ports (`1.2.3.4:5678`,
//!   `[2001:db8::1]:443`), which are stripped.
//! - `X-Forwarded-Proto` and `X-Forwarded-For` reach the routes only from a configured
//!   proxy's connection: [`strip_unless_trusted`] removes them from any other request, so
//!   a client talking to us directly cannot choose `https://` links or `Secure` cookies.

use crate::net::Cidr;
use axum::http::HeaderMap;
use std::net::IpAddr;

/// The headers only a proxy of ours may send: removed from every other request.
const PROXY_HEADERS: [&str; 4] = ["x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded"];

/// Whether `ip` is one of the configured proxies.
pub fn is_trusted(trusted: &[Cidr], ip: IpAddr) -> bool {
    trusted.iter().any(|range| range.contains(ip))
}

/// The client of a request that reached us from `peer` with `lines` (its `X-Forwarded-For`
/// header lines, in the order they came; none when it had none): `peer` itself unless it
/// is a trusted proxy. The lines are one list, as if joined by commas, read from the right.
pub fn client<'a, L>(trusted: &[Cidr], peer: IpAddr, lines: L) -> IpAddr
where
    L: IntoIterator<Item = &'a str>,
    L::IntoIter: DoubleEndedIterator,
{
    if !is_trusted(trusted, peer) {
        return peer;
    }
    let mut client = peer;
    for hop in lines.into_iter().rev().flat_map(|line| line.rsplit(',')) {
        let Some(ip) = hop_address(hop) else { break };
        client = ip;
        if !is_trusted(trusted, ip) {
            break;
        }
    }
    client
}

/// [`client`] from a request's headers: all its `X-Forwarded-For` lines, in order (a line
/// that is not text stops the walk there, as any garbage does).
pub fn client_of(trusted: &[Cidr], peer: IpAddr, headers: &HeaderMap) -> IpAddr {
    let lines = headers.get_all("x-forwarded-for").iter().map(|line| line.to_str().unwrap_or(""));
    client(trusted, peer, lines)
}

/// Removes the forwarding headers (`X-Forwarded-For`, `-Proto`, `-Host`, `Forwarded`) from
/// a request whose peer is not a trusted proxy (or is not known), so that nothing after
/// this can believe them.
pub fn strip_unless_trusted(trusted: &[Cidr], peer: Option<IpAddr>, headers: &mut HeaderMap) {
    if peer.is_some_and(|peer| is_trusted(trusted, peer)) {
        return;
    }
    for name in PROXY_HEADERS {
        headers.remove(name);
    }
}

/// One `X-Forwarded-For` entry's address, without a port.
fn hop_address(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    let (address, port) = hop.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    address.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn ranges_are_read_and_matched_for_both_families() {
        let private = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(private.contains(ip("10.200.3.4")) && !private.contains(ip("11.0.0.1")));
        assert!(private.contains(ip("::ffff:10.1.2.3")), "a mapped address is its IPv4 one");
        let one = Cidr::parse("127.0.0.1").unwrap();
        assert!(one.contains(ip("127.0.0.1")) && !one.contains(ip("127.0.0.2")));
        let v6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(v6.contains(ip("2001:db8:ffff::1")) && !v6.contains(ip("2001:db9::1")));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        for bad in
            ["", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0/8", "fe80::/129", "nginx", "10.0.0.0/8x"]
        {
            assert_eq!(Cidr::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_client_is_the_rightmost_address_that_is_not_a_trusted_proxy() {
        let trusted = [Cidr::parse("10.0.0.0/8").unwrap(), Cidr::parse("127.0.0.1").unwrap()];
        let client = |peer: &str, forwarded: Option<&str>| super::client(&trusted, ip(peer), forwarded);
        assert_eq!(client("127.0.0.1", Some("203.0.113.7")), ip("203.0.113.7"));
        // Whatever the client wrote itself sits to the left and is ignored.
        assert_eq!(client("127.0.0.1", Some("6.6.6.6, 203.0.113.7")), ip("203.0.113.7"));
        assert_eq!(
            client("127.0.0.1", Some("203.0.113.7, 10.1.1.1")),
            ip("203.0.113.7"),
            "through two proxies"
        );
        assert_eq!(client("127.0.0.1", Some("203.0.113.7:51234")), ip("203.0.113.7"), "ports stripped");
        assert_eq!(client("127.0.0.1", Some("[2001:db8::5]:443")), ip("2001:db8::5"));
        assert_eq!(client("127.0.0.1", Some("2001:db8::5")), ip("2001:db8::5"));
        // An address that is not a proxy of ours is the client, whatever it sends.
        assert_eq!(client("198.51.100.9", Some("1.1.1.1")), ip("198.51.100.9"));
        // Garbage stops the walk at the last address a trusted proxy vouched for.
        assert_eq!(client("127.0.0.1", Some("203.0.113.7, garbage")), ip("127.0.0.1"));
        assert_eq!(client("127.0.0.1", Some("garbage, 10.1.1.1")), ip("10.1.1.1"));
        assert_eq!(client("127.0.0.1", None), ip("127.0.0.1"));
    }

    fn headers(lines: &[(&str, &[u8])]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in lines {
            headers.append(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                axum::http::HeaderValue::from_bytes(value).unwrap(),
            );
        }
        headers
    }

    #[test]
    fn all_x_forwarded_for_lines_are_one_list_so_a_proxys_own_line_outranks_the_clients() {
        let trusted = [Cidr::parse("10.0.0.0/8").unwrap()];
        let peer = ip("10.0.0.5");
        // HAProxy's `option forwardfor` adds its own line after the one the client sent.
        let added = headers(&[("x-forwarded-for", b"6.6.6.6"), ("x-forwarded-for", b"203.0.113.7")]);
        assert_eq!(
            client_of(&trusted, peer, &added),
            ip("203.0.113.7"),
            "the proxy's view, not the client's claim"
        );
        // Two proxies, each adding a line: the same as one line joined by commas.
        let two = headers(&[
            ("x-forwarded-for", b"6.6.6.6, 7.7.7.7"),
            ("x-forwarded-for", b"203.0.113.7"),
            ("X-Forwarded-For", b"10.1.1.1"),
        ]);
        assert_eq!(client_of(&trusted, peer, &two), ip("203.0.113.7"));
        assert_eq!(
            client(&trusted, peer, ["6.6.6.6, 7.7.7.7, 203.0.113.7, 10.1.1.1"]),
            client_of(&trusted, peer, &two),
            "lines read as if joined by commas"
        );
        // A line that is not text is garbage: the walk stops at the last trusted hop.
        let binary = headers(&[("x-forwarded-for", b"203.0.113.7"), ("x-forwarded-for", b"\xff")]);
        assert_eq!(client_of(&trusted, peer, &binary), peer);
        // From a peer that is not ours, no line counts.
        assert_eq!(client_of(&trusted, ip("198.51.100.9"), &added), ip("198.51.100.9"));
        assert_eq!(client_of(&trusted, peer, &HeaderMap::new()), peer);
    }

    #[test]
    fn forwarding_headers_survive_only_from_a_trusted_peer() {
        let trusted = [Cidr::parse("10.0.0.0/8").unwrap()];
        let sent = headers(&[
            ("x-forwarded-for", b"6.6.6.6"),
            ("x-forwarded-for", b"7.7.7.7"),
            ("x-forwarded-proto", b"https"),
            ("x-forwarded-host", b"evil.example"),
            ("forwarded", b"for=6.6.6.6;proto=https"),
            ("host", b"fund.example.com"),
        ]);
        for peer in [Some(ip("127.0.0.1")), Some(ip("11.0.0.1")), None] {
            let mut headers = sent.clone();
            strip_unless_trusted(&trusted, peer, &mut headers);
            let names: Vec<_> = headers.keys().map(|name| name.as_str()).collect();
            assert_eq!(names, ["host"], "from {peer:?}");
        }
        let mut headers = sent.clone();
        strip_unless_trusted(&trusted, Some(ip("10.9.9.9")), &mut headers);
        assert_eq!(headers, sent, "a proxy of ours is heard");
        let mut headers = sent.clone();
        strip_unless_trusted(&[], Some(ip("10.9.9.9")), &mut headers);
        assert_eq!(headers.len(), 1, "no proxy configured: nobody is heard");
    }
}

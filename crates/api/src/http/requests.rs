//! What doors read off a request: the client's address (behind a trusted proxy, what its
//! `X-Forwarded-For` lines say), the base of absolute links, and the receipt rate limit.

use super::proxies;
use super::state::AppState;
use crate::error::Error;
use axum::http::{HeaderMap, header};
use std::net::{IpAddr, SocketAddr};

/// The client's address: the peer, or behind a trusted proxy what all the `X-Forwarded-For`
/// lines say, as one list (see [`proxies`]).
pub(crate) fn client_ip(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
    proxies::client_of(&state.settings.trusted_proxies, peer.ip(), headers)
}

/// Receipt reads and cancellations take tokens from their own per-address bucket, as
/// pledges do: nobody can guess receipt tokens or hammer the database through them cheaply.
pub(crate) fn receipt_allowed(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> Result<(), Error> {
    let ip = client_ip(state, peer, headers);
    state
        .receipt_limiter
        .check(ip, std::time::Instant::now())
        .map_err(|retry_after_secs| Error::RateLimited { retry_after_secs })
}

/// [`client_ip`] from the `X-Forwarded-For` lines themselves (the raw event-stream path
/// reads them off the socket).
pub(crate) fn client_ip_from(state: &AppState, peer: SocketAddr, lines: &[impl AsRef<str>]) -> IpAddr {
    proxies::client(&state.settings.trusted_proxies, peer.ip(), lines.iter().map(AsRef::as_ref))
}

/// The base of absolute links to this server: the configured public URL, or what the
/// request's `Host` says when it is a plain host name, over HTTPS when a trusted proxy
/// says `X-Forwarded-Proto: https` (the header of any other peer never reaches here).
pub(crate) fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.settings.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .filter(|p| !state.settings.trusted_proxies.is_empty() && *p == "https")
        .unwrap_or("http");
    format!("{proto}://{host}")
}

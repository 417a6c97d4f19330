//! The plain pledge form only takes posts from our own pages, so no other site can make its
//! visitors pledge. Browsers say where a post comes from (`Sec-Fetch-Site`, `Origin`);
//! for the old ones that say neither, the form carries a token the server signed when it
//! rendered it, for that campaign and that client's address, valid for a day. Any time a
//! token claims (the ends of `i64` included) is refused cleanly when it is not that day.

use crate::error::Error;
use crate::http::state::AppState;
use axum::http::{HeaderMap, header};
use domain::Timestamp;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::net::IpAddr;

/// How long a rendered form may wait before it is posted.
const VALID_SECS: i64 = 24 * 3600;

/// The token for a form of `campaign` rendered at `now` for a client at `ip`:
/// `{issued}.{signature}`.
pub(crate) fn sign(key: &[u8], campaign: &str, ip: IpAddr, now: Timestamp) -> String {
    format!("{}.{}", now.unix(), signature(key, campaign, ip, now.unix()))
}

fn signature(key: &[u8], campaign: &str, ip: IpAddr, issued: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any size");
    let ip = crate::admission::address_key(ip);
    mac.update(format!("pledge-form\n{campaign}\n{ip}\n{issued}").as_bytes());
    crate::ids::hex(&mac.finalize().into_bytes())
}

/// Whether `token` is ours, for this campaign and client, and not stale.
pub(super) fn verify(key: &[u8], campaign: &str, ip: IpAddr, token: &str, now: Timestamp) -> bool {
    let Some((issued, given)) = token.split_once('.') else { return false };
    let Ok(issued) = issued.parse::<i64>() else { return false };
    // Checked: `issued` is whatever the client sent, `i64::MIN` included.
    let Some(age) = now.unix().checked_sub(issued) else { return false };
    (-300..=VALID_SECS).contains(&age)
        && crate::ids::same(signature(key, campaign, ip, issued).as_bytes(), given.as_bytes())
}

/// Refuses a pledge form posted from another site (403).
pub(crate) fn check(
    state: &AppState,
    headers: &HeaderMap,
    campaign: &str,
    ip: IpAddr,
    token: &str,
) -> Result<(), Error> {
    let told = headers.contains_key("sec-fetch-site") || headers.contains_key(header::ORIGIN);
    let ours = if told {
        crate::http::dashboard::session::same_origin(state, headers)
    } else {
        verify(state.form_key.as_bytes(), campaign, ip, token, crate::now())
    };
    if ours { Ok(()) } else { Err(Error::Forbidden) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_holds_for_its_campaign_and_address_for_a_day() {
        let (key, ip): (&[u8], IpAddr) = (b"key", "203.0.113.7".parse().unwrap());
        let now = Timestamp::from_unix(1_800_000_000);
        let token = sign(key, "demo", ip, now);
        assert!(verify(key, "demo", ip, &token, now.plus_seconds(3600)));
        assert!(!verify(key, "other", ip, &token, now), "another campaign");
        assert!(!verify(key, "demo", "198.51.100.1".parse().unwrap(), &token, now), "another address");
        assert!(!verify(b"other key", "demo", ip, &token, now), "another server's");
        assert!(!verify(key, "demo", ip, &token, now.plus_seconds(VALID_SECS + 1)), "stale");
        let forged = format!("{}.{}", now.unix() + 10, token.split_once('.').unwrap().1);
        assert!(!verify(key, "demo", ip, &forged, now), "the time is signed too");
        for junk in ["", ".", "x.y", "1800000000", "1800000000.", "-1.00"] {
            assert!(!verify(key, "demo", ip, junk, now), "{junk:?}");
        }
    }

    #[test]
    fn a_token_signed_at_the_ends_of_time_is_refused_without_overflowing() {
        let (key, ip): (&[u8], IpAddr) = (b"key", "203.0.113.7".parse().unwrap());
        let now = Timestamp::from_unix(1_800_000_000);
        for issued in [i64::MIN, i64::MIN + 1, i64::MAX, i64::MAX - 1] {
            let token = format!("{issued}.{}", signature(key, "demo", ip, issued));
            assert!(!verify(key, "demo", ip, &token, now), "issued at {issued}");
        }
        for junk in ["99999999999999999999.00", "-99999999999999999999.00"] {
            assert!(!verify(key, "demo", ip, junk, now), "{junk}");
        }
        // Our own clock at either end, too.
        for now in [Timestamp::from_unix(i64::MIN), Timestamp::from_unix(i64::MAX)] {
            let token = sign(key, "demo", ip, Timestamp::from_unix(1_800_000_000));
            assert!(!verify(key, "demo", ip, &token, now));
        }
    }
}

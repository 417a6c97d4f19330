//! Property-based fuzzing of what arrives from outside as text: the plain pledge form, the
//! receipt token in a path, the form's signed token and the `X-Forwarded-For` lines. (The
//! event-stream recogniser is fuzzed beside it in `events.rs`, the webhook address check in
//! `webhooks/address.rs`; pledge and campaign JSON in `domain`.) `cargo xtask fuzz` runs
//! them with many more cases.

use super::forms;
use super::proxies;
use crate::ids::is_receipt_token;
use crate::net::Cidr;
use domain::Timestamp;
use proptest::prelude::*;
use widget::form::FormState;

/// One `X-Forwarded-For` entry: an address in any of the forms proxies write (with the
/// address it names), or garbage (naming none).
fn hop() -> impl Strategy<Value = (String, Option<std::net::IpAddr>)> {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    let v4 =
        prop_oneof![any::<u32>(), (0u32..1 << 24).prop_map(|low| 10 << 24 | low)].prop_map(Ipv4Addr::from);
    let v6 = any::<u128>().prop_map(Ipv6Addr::from);
    prop_oneof![
        v4.clone().prop_map(|ip| (format!(" {ip} "), Some(IpAddr::V4(ip)))),
        (v4, any::<u16>()).prop_map(|(ip, port)| (format!("{ip}:{port}"), Some(IpAddr::V4(ip)))),
        v6.clone().prop_map(|ip| (ip.to_string(), Some(IpAddr::V6(ip)))),
        (v6, any::<u16>()).prop_map(|(ip, port)| (format!("[{ip}]:{port}"), Some(IpAddr::V6(ip)))),
        "[g-z \\[\\]]{0,8}".prop_map(|junk| (junk, None)),
    ]
}

fn demo() -> domain::wire::CampaignView {
    let campaign = domain::Campaign::new(crate::demo::campaign(Timestamp::from_unix(1_800_000_000))).unwrap();
    domain::progress::view(&campaign, &Default::default(), Timestamp::from_unix(1_800_000_000))
}

proptest! {
    #[test]
    fn any_plain_form_is_refused_cleanly_or_read_within_the_rules(
        pairs in prop::collection::vec(
            (prop::sample::select(vec!["tier", "amount", "name", "contact", "public", "message", "ref", "src",
                                       "host", "idempotency_key", "option.lamp.colour", "quantity.lamp", "form_token", "x"]),
             "\\PC{0,30}"),
            0..14,
        )
    ) {
        let campaign = demo();
        let form = FormState::from_pairs(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)));
        if let Ok(request) = form.to_request(&campaign)
            && let Ok(definition) = domain::Campaign::new(campaign.definition())
            && let Ok(pledge) = domain::NewPledge::parse(request, &definition)
        {
            prop_assert!(pledge.amount().minor() > 0 && pledge.amount() <= definition.max_pledge());
        }
    }

    #[test]
    fn only_64_lowercase_hex_digits_are_a_receipt_token(token in "\\PC{0,80}|[0-9a-fA-F]{60,68}") {
        let hex = token.len() == 64 && token.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        prop_assert_eq!(is_receipt_token(&token), hex);
    }

    #[test]
    fn no_form_token_is_taken_unless_the_server_signed_it(token in "\\PC{0,80}|[0-9]{10}\\.[0-9a-f]{64}") {
        let ip = "203.0.113.7".parse().unwrap();
        let now = Timestamp::from_unix(1_800_000_000);
        prop_assert!(!forms::verify(b"key", "demo", ip, &token, now));
        let signed = forms::sign(b"key", "demo", ip, now);
        prop_assert!(forms::verify(b"key", "demo", ip, &signed, now));
    }

    #[test]
    fn the_client_behind_any_forwarded_lines_is_the_peer_or_an_address_they_list(
        lines in prop::collection::vec(prop::collection::vec(hop(), 0..4), 0..4),
        peer in prop::sample::select(vec!["10.0.0.5", "127.0.0.1", "198.51.100.9", "2001:db8::5"]),
    ) {
        let trusted = [Cidr::parse("10.0.0.0/8").unwrap(), Cidr::parse("127.0.0.1").unwrap()];
        let peer: std::net::IpAddr = peer.parse().unwrap();
        let listed: Vec<_> = lines.iter().flatten().filter_map(|(_, ip)| *ip).collect();
        let lines: Vec<String> =
            lines.iter().map(|hops| hops.iter().map(|(text, _)| text.as_str()).collect::<Vec<_>>().join(",")).collect();
        let chosen = proxies::client(&trusted, peer, lines.iter().map(String::as_str));
        prop_assert!(chosen == peer || listed.contains(&chosen), "{chosen} from {lines:?}");
        if !proxies::is_trusted(&trusted, peer) {
            prop_assert_eq!(chosen, peer, "only a proxy of ours is heard");
        }
        // The lines are one list, as if joined by commas.
        let joined = lines.join(",");
        let as_one = if lines.is_empty() { None } else { Some(joined.as_str()) };
        prop_assert_eq!(proxies::client(&trusted, peer, as_one), chosen);
        // Whatever sits left of an address we do not trust is the client's own writing.
        if chosen != peer && !proxies::is_trusted(&trusted, chosen) {
            let mut with_claim = vec!["6.6.6.6, 7.7.7.7".to_owned()];
            with_claim.extend(lines.iter().cloned());
            prop_assert_eq!(proxies::client(&trusted, peer, with_claim.iter().map(String::as_str)), chosen);
        }
    }
}

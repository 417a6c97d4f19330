//! Where this server may send a site's events: an `https://` address on the public
//! internet. A creator's key must not reach the operator's own network (the database, a
//! cloud metadata service) through a webhook, so names are resolved here and only public
//! addresses are connected to; the operator may allow private ones (`--webhooks-private`),
//! for a receiver on the same machine.
//!
//! What "public" means ([`public`]): an IPv4 address outside every special-purpose block;
//! an IPv6 address in global unicast (`2000::/3`) outside the special blocks there
//! (IETF protocol assignments `2001::/23`, Teredo among them; documentation); and an IPv6
//! address that carries an IPv4 one (IPv4-mapped, IPv4-translated, NAT64 `64:ff9b::/96`,
//! 6to4 `2002::/16`) exactly when that IPv4 address is public. Every other form is refused:
//! IPv4-compatible `::/96`, NAT64 local-use `64:ff9b:1::/48`, discard-only `100::/64`,
//! unique-local, site-local, link-local, multicast, loopback, unspecified.

use domain::FieldError;
use domain::webhooks::MAX_URL_LEN;
use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// `text` as an endpoint address, or why not.
pub fn check(text: &str, private_ok: bool) -> Result<Url, FieldError> {
    if text.len() > MAX_URL_LEN {
        return Err(FieldError::TooLong { max: MAX_URL_LEN as u32 });
    }
    let mut url = Url::parse(text.trim()).map_err(|_| FieldError::InvalidUrl)?;
    let scheme_ok = url.scheme() == "https" || (private_ok && url.scheme() == "http");
    if !scheme_ok || !url.username().is_empty() || url.password().is_some() {
        return Err(FieldError::InvalidUrl);
    }
    let allowed = match url.host() {
        None => false,
        Some(url::Host::Ipv4(ip)) => private_ok || public(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => private_ok || public(IpAddr::V6(ip)),
        Some(url::Host::Domain(name)) => private_ok || !local_name(name),
    };
    if !allowed {
        return Err(FieldError::InvalidUrl);
    }
    url.set_fragment(None);
    Ok(url)
}

/// Names that never leave the machine or its network.
fn local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || [".localhost", ".local", ".internal", ".lan"].iter().any(|s| name.ends_with(s))
}

/// Whether `ip` is an address on the public internet.
pub fn public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => public_v4(ip),
        IpAddr::V6(ip) => match embedded_v4(ip) {
            Some(v4) => public_v4(v4),
            None => public_v6(ip),
        },
    }
}

/// The IPv4 address an IPv6 one reaches, for the forms that carry one and are routed to
/// it: IPv4-mapped `::ffff:a.b.c.d`, IPv4-translated `::ffff:0:a.b.c.d`, NAT64's
/// well-known `64:ff9b::a.b.c.d` and 6to4 `2002:aabb:ccdd::/48`. (The forms that are not
/// routed that way, IPv4-compatible `::a.b.c.d`, Teredo and NAT64's local-use prefix, are
/// refused whole by [`public_v6`].)
pub fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let bits = ip.to_bits();
    let low = Ipv4Addr::from_bits(bits as u32);
    match bits >> 32 {
        0xffff => Some(low),
        0xffff_0000 => Some(low),
        0x0064_ff9b_0000_0000_0000_0000 => Some(low),
        _ if bits >> 112 == 0x2002 => Some(Ipv4Addr::from_bits((bits >> 80) as u32)),
        _ => None,
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

/// An IPv6 address that carries no routed IPv4 one: only global unicast `2000::/3` may be
/// public, and not its special blocks.
fn public_v6(ip: Ipv6Addr) -> bool {
    let [first, second, ..] = ip.segments();
    let global_unicast = first & 0xe000 == 0x2000;
    global_unicast
        // IETF protocol assignments: Teredo 2001::/32, benchmarking, ORCHID, …
        && !(first == 0x2001 && second < 0x0200)
        // Documentation: 2001:db8::/32 and 3fff::/20.
        && !(first == 0x2001 && second == 0x0db8)
        && !(first == 0x3fff && second & 0xf000 == 0)
}

/// Resolves names to their public addresses only; a name with none fails to connect.
#[derive(Debug, Default)]
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let public: Vec<SocketAddr> = found.filter(|a| public(a.ip())).collect();
            if public.is_empty() {
                return Err(format!("{} has no public address", name.as_str()).into());
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn only_public_https_addresses_are_endpoints_unless_the_operator_allows_private_ones() {
        assert!(check("https://hooks.example.com/tribefund", false).is_ok());
        for refused in [
            "http://hooks.example.com/",
            "https://127.0.0.1/",
            "https://10.1.2.3/",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://[fd00::1]/",
            "https://100.64.0.1/",
            "https://localhost:5432/",
            "https://db.internal/",
            "https://user:pass@hooks.example.com/",
            "ftp://hooks.example.com/",
            "not a url",
            "",
        ] {
            assert_eq!(check(refused, false), Err(FieldError::InvalidUrl), "{refused}");
        }
        assert!(check("http://127.0.0.1:9000/hook", true).is_ok());
        let long = format!("https://hooks.example.com/{}", "a".repeat(MAX_URL_LEN));
        assert!(matches!(check(&long, false), Err(FieldError::TooLong { .. })));
        assert_eq!(
            check("https://hooks.example.com/x#frag", false).unwrap().as_str(),
            "https://hooks.example.com/x"
        );
    }

    #[test]
    fn public_addresses_are_told_from_private_ones() {
        for ip in ["8.8.8.8", "2606:4700::1111", "1.1.1.1"] {
            assert!(public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "0.0.0.0",
            "127.0.0.1",
            "192.168.1.1",
            "172.16.0.1",
            "169.254.1.1",
            "::",
            "fe80::1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
        ] {
            assert!(!public(ip.parse().unwrap()), "{ip}");
        }
    }

    /// Every IPv6 form, named: the ones that carry an IPv4 address are as public as it is.
    const IPV6_FORMS: &[(&str, &str, bool)] = &[
        ("global unicast", "2606:4700::1111", true),
        ("global unicast, another registry", "2a00:1450:4001::200e", true),
        ("unspecified", "::", false),
        ("loopback", "::1", false),
        ("IPv4-mapped loopback", "::ffff:127.0.0.1", false),
        ("IPv4-mapped private", "::ffff:192.168.0.1", false),
        ("IPv4-mapped public", "::ffff:8.8.8.8", true),
        ("IPv4-translated loopback", "::ffff:0:127.0.0.1", false),
        ("IPv4-translated public", "::ffff:0:8.8.8.8", true),
        ("IPv4-compatible loopback", "::7f00:1", false),
        ("IPv4-compatible private", "::10.0.0.1", false),
        ("IPv4-compatible public (deprecated, never routed)", "::8.8.8.8", false),
        ("6to4 of loopback", "2002:7f00:1::1", false),
        ("6to4 of private", "2002:c0a8:1::1", false),
        ("6to4 of metadata", "2002:a9fe:a9fe::1", false),
        ("6to4 of public", "2002:808:808::1", true),
        ("NAT64 well-known of loopback", "64:ff9b::127.0.0.1", false),
        ("NAT64 well-known of private", "64:ff9b::10.0.0.1", false),
        ("NAT64 well-known of metadata", "64:ff9b::169.254.169.254", false),
        ("NAT64 well-known of public", "64:ff9b::8.8.8.8", true),
        ("NAT64 local-use", "64:ff9b:1::a00:1", false),
        ("NAT64 local-use of public", "64:ff9b:1::808:808", false),
        ("rest of 64:ff9b::/32", "64:ff9b:2::8.8.8.8", false),
        ("Teredo of loopback", "2001:0:4136:e378:8000:63bf:80ff:fffe", false),
        ("Teredo of public", "2001:0:4136:e378:8000:63bf:f7f7:f7f7", false),
        ("benchmarking", "2001:2::1", false),
        ("ORCHIDv2", "2001:20::1", false),
        ("documentation", "2001:db8::1", false),
        ("documentation 3fff::/20", "3fff:fff::1", false),
        ("just past 3fff::/20", "3fff:1000::1", true),
        ("discard-only", "100::1", false),
        ("unique-local fc00::/8", "fc00::1", false),
        ("unique-local fd00::/8", "fd12:3456::1", false),
        ("site-local", "fec0::1", false),
        ("site-local, high end", "feff::1", false),
        ("link-local", "fe80::1", false),
        ("multicast", "ff02::1", false),
        ("multicast, global scope", "ff0e::1", false),
    ];

    #[test]
    fn every_ipv6_form_is_public_only_when_it_is_global_or_carries_a_public_ipv4_address() {
        for (form, ip, expected) in IPV6_FORMS {
            let parsed: Ipv6Addr = ip.parse().unwrap_or_else(|_| panic!("{form}: {ip}"));
            assert_eq!(public(IpAddr::V6(parsed)), *expected, "{form}: {ip}");
            let url = format!("https://[{ip}]/hook");
            assert_eq!(check(&url, false).is_ok(), *expected, "{form} as an endpoint: {url}");
        }
    }

    /// Every IPv4 address an IPv6 one may stand for, found independently of [`embedded_v4`]:
    /// the low 32 bits of the forms that end in one, the 6to4 address, Teredo's client.
    fn every_embedded_v4(ip: Ipv6Addr) -> Vec<Ipv4Addr> {
        let bits = ip.to_bits();
        let low = Ipv4Addr::from_bits(bits as u32);
        let mut found = Vec::new();
        if bits >> 32 == 0 || bits >> 32 == 0xffff || bits >> 32 == 0xffff_0000 {
            found.push(low); // IPv4-compatible, -mapped, -translated
        }
        if bits >> 80 == 0x0064_ff9b_0000 || bits >> 80 == 0x0064_ff9b_0001 {
            found.push(low); // NAT64, well-known and local-use (RFC 6052's /96 form)
        }
        if bits >> 112 == 0x2002 {
            found.push(Ipv4Addr::from_bits((bits >> 80) as u32)); // 6to4
        }
        if bits >> 96 == 0x2001_0000 {
            found.push(Ipv4Addr::from_bits(!(bits as u32))); // Teredo's client
            found.push(Ipv4Addr::from_bits((bits >> 64) as u32)); // and its server
        }
        found
    }

    /// IPv6 addresses around the forms that carry an IPv4 address, and anywhere else.
    fn v6() -> impl Strategy<Value = Ipv6Addr> {
        let prefixes = vec![
            0u128,
            0xffff,
            0xffff_0000,
            0x0064_ff9b_0000_0000_0000_0000,
            0x0064_ff9b_0001_0000_0000_0000,
        ];
        prop_oneof![
            any::<u128>(),
            (prop::sample::select(prefixes), any::<u32>())
                .prop_map(|(prefix, v4)| prefix << 32 | u128::from(v4)),
            (any::<u32>(), any::<u64>())
                .prop_map(|(v4, rest)| 0x2002 << 112 | u128::from(v4) << 80 | u128::from(rest)),
            (any::<u32>(), any::<u64>())
                .prop_map(|(server, rest)| 0x2001_0000 << 96 | u128::from(server) << 64 | u128::from(rest)),
            (0u16..0x400, any::<u128>()).prop_map(|(top, rest)| u128::from(0xfc00 | top) << 112 | rest >> 16),
        ]
        .prop_map(Ipv6Addr::from_bits)
    }

    proptest! {
        #[test]
        fn an_ipv6_address_taken_as_public_never_carries_a_private_ipv4_one(ip in v6()) {
            if public(IpAddr::V6(ip)) {
                for v4 in every_embedded_v4(ip) {
                    prop_assert!(public_v4(v4), "{ip} is taken as public but carries {v4}");
                }
            }
            if let Some(v4) = embedded_v4(ip) {
                prop_assert_eq!(public(IpAddr::V6(ip)), public_v4(v4), "{} stands for {}", ip, v4);
            }
        }

        #[test]
        fn any_text_is_refused_or_a_url_with_no_private_numeric_host(text in "(https?://)?\\PC{0,40}|https://\\[[0-9a-f:.]{2,40}\\]/") {
            if let Ok(url) = check(&text, false) {
                prop_assert_eq!(url.scheme(), "https");
                match url.host() {
                    Some(url::Host::Ipv4(ip)) => prop_assert!(public_v4(ip)),
                    Some(url::Host::Ipv6(ip)) => prop_assert!(public(IpAddr::V6(ip))),
                    Some(url::Host::Domain(name)) => prop_assert!(!local_name(name)),
                    None => prop_assert!(false, "no host"),
                }
            }
        }
    }
}

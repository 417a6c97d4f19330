//! Where this server may send a site's events: an `https://` address on the public
//! internet. A creator's key must not reach the operator's own network (the database, a
//! cloud metadata service) through a webhook, so names are resolved here and only public
//! addresses are connected to; the operator may allow private ones (`--webhooks-private`),
//! for a receiver on the same machine.

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
        IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
            Some(v4) => public_v4(v4),
            None => public_v6(ip),
        },
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

fn public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || first == 0x2001 && ip.segments()[1] == 0x0db8
        || first == 0x0064 && ip.segments()[1] == 0xff9b)
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
}

//! The host origins a site's widgets may be framed by: `Content-Security-Policy:
//! frame-ancestors` is built from these, so only a well-formed origin or `*` is accepted,
//! never something that could end the header's directive or add another.

use std::fmt;

/// `scheme://host[:port]` (lowercased) or `*`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin(String);

impl Origin {
    /// Reads an origin. The scheme is `http` or `https`; the host is a DNS name (letters,
    /// digits, dashes, dots), an IPv4 address or a bracketed IPv6 address; the port, when
    /// given, is 1 to 65535. No path, query, user or wildcard host parts.
    pub fn parse(text: &str) -> Option<Origin> {
        let text = text.trim();
        if text == "*" {
            return Some(Origin("*".into()));
        }
        let lower = text.to_ascii_lowercase();
        let (scheme, rest) = lower.split_once("://")?;
        if scheme != "http" && scheme != "https" {
            return None;
        }
        let (host, port) = if rest.starts_with('[') {
            let end = rest.find(']')?;
            let address = &rest[1..end];
            if address.is_empty() || !address.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
            {
                return None;
            }
            let port = match &rest[end + 1..] {
                "" => None,
                after => Some(after.strip_prefix(':')?),
            };
            (&rest[..=end], port)
        } else {
            match rest.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (rest, None),
            }
        };
        let host_ok = host.starts_with('[')
            || (!host.is_empty()
                && host.len() <= 253
                && host.split('.').all(|label| {
                    !label.is_empty()
                        && label.len() <= 63
                        && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                        && !label.starts_with('-')
                        && !label.ends_with('-')
                }));
        let port_ok = match port {
            None => true,
            Some(p) => p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u16>().is_ok_and(|n| n > 0),
        };
        (host_ok && port_ok).then_some(Origin(lower))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The `frame-ancestors` source list for a site's origins.
pub fn frame_ancestors(origins: &[Origin]) -> String {
    let mut list: Vec<&str> = origins.iter().map(Origin::as_str).collect();
    list.sort_unstable();
    list.dedup();
    if list.is_empty() { "'none'".to_owned() } else { list.join(" ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        for (text, read) in [
            ("https://blog.example.com", "https://blog.example.com"),
            ("HTTP://Blog.Example.com:8080", "http://blog.example.com:8080"),
            ("http://127.0.0.1:4000", "http://127.0.0.1:4000"),
            ("https://[::1]:8443", "https://[::1]:8443"),
            ("https://[2001:db8::1]", "https://[2001:db8::1]"),
            (" * ", "*"),
        ] {
            assert_eq!(Origin::parse(text).map(|o| o.to_string()).as_deref(), Some(read), "{text}");
        }
    }

    #[test]
    fn anything_that_could_break_a_content_security_policy_is_refused() {
        for text in [
            "",
            "blog.example.com",
            "ftp://blog.example.com",
            "https://blog.example.com/path",
            "https://blog.example.com; script-src *",
            "https://blog.example.com https://evil.example",
            "https://*.example.com",
            "https://user@example.com",
            "https://example.com:0",
            "https://example.com:99999",
            "https://example.com:",
            "https://-bad-.com",
            "https://exa mple.com",
            "https://[::1",
            "https://[::1]x",
            "javascript://x",
            "'self'",
            "https://example.com\r\nX-Evil: 1",
        ] {
            assert_eq!(Origin::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn the_policy_lists_each_origin_once_or_none() {
        let o = |t| Origin::parse(t).unwrap();
        assert_eq!(
            frame_ancestors(&[o("https://b.cn"), o("https://a.cn"), o("https://b.cn")]),
            "https://a.cn https://b.cn"
        );
        assert_eq!(frame_ancestors(&[]), "'none'");
    }
}

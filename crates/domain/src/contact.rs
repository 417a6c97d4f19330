//! What a backer's contact is. A contact may be an e-mail address, a phone number or a
//! WeChat ID; only an address is mailed.

/// The contact as an e-mail address, when it is one (`mei@example.com`, `梅@例子.中国`);
/// a phone number or a WeChat ID is `None`: a contact may be any of them, and only an
/// address is mailed.
pub fn email(contact: &str) -> Option<&str> {
    let address = contact.trim();
    let (local, domain) = address.split_once('@')?;
    let plain = |part: &str| {
        !part.is_empty()
            && part.chars().all(|c| !c.is_whitespace() && !c.is_control() && !"@<>()[],;:\\\"".contains(c))
    };
    let labels_ok = domain.split('.').count() >= 2
        && domain
            .split('.')
            .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'));
    (address.len() <= 254 && local.len() <= 64 && plain(local) && plain(domain) && labels_ok)
        .then_some(address)
}

/// How often a site's people hear of new pledges: each as it comes, in an hourly or daily
/// digest, or not at all. The campaign's rarer moments (its goal, its end) reach them anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Notify {
    #[default]
    Each,
    Hourly,
    Daily,
    Off,
}

impl Notify {
    pub fn parse(text: &str) -> Option<Notify> {
        Some(match text {
            "each" => Notify::Each,
            "hourly" => Notify::Hourly,
            "daily" => Notify::Daily,
            "off" => Notify::Off,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Notify::Each => "each",
            Notify::Hourly => "hourly",
            Notify::Daily => "daily",
            Notify::Off => "off",
        }
    }

    /// The seconds between two digests; `None` when pledges are told one by one or not at all.
    pub fn digest_secs(self) -> Option<i64> {
        match self {
            Notify::Hourly => Some(3600),
            Notify::Daily => Some(24 * 3600),
            Notify::Each | Notify::Off => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_contact_that_is_an_email_address_is_one() {
        assert_eq!(email(" mei@example.com "), Some("mei@example.com"));
        assert_eq!(email("梅@例子.中国"), Some("梅@例子.中国"));
        for not_one in [
            "+86 138 0013 8000",
            "wechat: mei_88",
            "mei_88",
            "a@b",
            "a@@b.com",
            "mei @example.com",
            "<mei@example.com>",
            "mei@example..com",
            "mei@-x.com",
            "@example.com",
            "mei@",
        ] {
            assert_eq!(email(not_one), None, "{not_one}");
        }
        assert_eq!(email(&format!("{}@example.com", "a".repeat(65))), None);
    }

    #[test]
    fn notify_reads_its_four_words_and_only_digests_have_a_period() {
        for word in ["each", "hourly", "daily", "off"] {
            assert_eq!(Notify::parse(word).map(Notify::as_str), Some(word));
        }
        assert_eq!(Notify::parse("weekly"), None);
        assert_eq!(Notify::Hourly.digest_secs(), Some(3600));
        assert_eq!(Notify::Each.digest_secs(), None);
    }
}

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
}

//! Checked text: the rules every person-typed string obeys before the product keeps it.
//!
//! Text is kept as typed (HTML included) and escaped wherever it is shown; these rules only
//! bound its length and keep out control characters that would corrupt CSV exports,
//! logs or layouts.

/// Why a piece of text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextError {
    Empty,
    TooLong { max: u32 },
    ControlCharacter,
}

/// Trims `text` and checks it is non-empty (when `required`), at most `max` characters,
/// and free of control characters (a newline is allowed where `multiline`).
pub fn clean(text: &str, max: u32, required: bool, multiline: bool) -> Result<String, TextError> {
    let text = text.trim().replace("\r\n", "\n");
    if text.is_empty() && required {
        return Err(TextError::Empty);
    }
    if text.chars().count() > max as usize {
        return Err(TextError::TooLong { max });
    }
    let bad = |c: char| {
        (c.is_control() && !(multiline && c == '\n'))
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if text.chars().any(bad) {
        return Err(TextError::ControlCharacter);
    }
    Ok(text)
}

/// Checks a slug: 1 to 64 of `a-z`, `0-9` and inner `-`. Campaign and tier ids are slugs so
/// they read well in URLs and never need escaping.
pub fn is_slug(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !text.starts_with('-')
        && !text.ends_with('-')
}

/// Whether two contacts are the same backer's: compared trimmed and without case, so
/// `Mei@Example.com ` and `mei@example.com` are one person.
pub fn same_contact(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_are_the_same_backer_whatever_their_case_and_spaces() {
        assert!(same_contact("  MEI@Example.com ", "mei@example.com"));
        assert!(same_contact("13800138000", " 13800138000"));
        assert!(!same_contact("mei@example.com", "wu@example.com"));
    }

    #[test]
    fn text_is_trimmed_and_kept_as_typed() {
        assert_eq!(clean("  <b>Li</b> ", 10, true, false), Ok("<b>Li</b>".into()));
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert_eq!(clean("小米粉丝", 4, true, false), Ok("小米粉丝".into()));
        assert_eq!(clean("小米粉丝们", 4, true, false), Err(TextError::TooLong { max: 4 }));
    }

    #[test]
    fn control_and_direction_override_characters_are_refused() {
        for text in ["a\u{0}b", "a\tb", "a\nb", "evil\u{202E}gnp.exe"] {
            assert_eq!(clean(text, 50, true, false), Err(TextError::ControlCharacter), "{text:?}");
        }
        assert_eq!(clean("line\r\nnext", 50, true, true), Ok("line\nnext".into()));
    }

    #[test]
    fn blank_text_is_empty() {
        assert_eq!(clean(" \n ", 5, true, false), Err(TextError::Empty));
        assert_eq!(clean("", 5, false, false), Ok(String::new()));
    }

    #[test]
    fn slugs_are_lowercase_words_joined_by_dashes() {
        assert!(is_slug("demo"));
        assert!(is_slug("desk-lamp-2"));
        for bad in ["", "-a", "a-", "Demo", "a b", "a/b", "é", &"a".repeat(65)] {
            assert!(!is_slug(bad), "{bad:?}");
        }
    }
}

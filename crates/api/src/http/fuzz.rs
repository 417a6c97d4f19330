//! Property-based fuzzing of what arrives from outside as text: the plain pledge form, the
//! receipt token in a path and the form's signed token. (The event-stream recogniser is
//! fuzzed beside it in `events.rs`; pledge and campaign JSON in `domain`.) `cargo xtask
//! fuzz` runs them with many more cases.

use super::forms;
use super::pages::is_receipt_token;
use domain::Timestamp;
use proptest::prelude::*;
use widget::form::FormState;

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
}

use super::*;
use crate::campaign::tests::lamp;
use proptest::prelude::*;

fn campaign() -> Campaign {
    Campaign::new(lamp()).unwrap()
}

pub(crate) fn request() -> PledgeRequest {
    PledgeRequest {
        tier: Some("lamp".into()),
        amount: RawAmount::Minor(29_900),
        quantity: None,
        options: [("colour".to_owned(), "red".to_owned())].into(),
        name: "  Mei ".into(),
        contact: "mei@example.com".into(),
        public: true,
        referral: Some("AbC123xy".into()),
        message: Some("".into()),
        source: None,
        host: None,
        lang: None,
        ship_to: None,
    }
}

#[test]
fn a_complete_tier_pledge_is_accepted_and_trimmed() {
    let pledge = NewPledge::parse(request(), &campaign()).unwrap();
    assert_eq!(pledge.tier().map(TierId::as_str), Some("lamp"));
    assert_eq!(pledge.amount().minor(), 29_900);
    assert_eq!(pledge.name(), "Mei");
    assert_eq!(pledge.options()["colour"], "red");
    assert_eq!(pledge.referral(), Some("AbC123xy"));
    assert_eq!(pledge.message(), None);
}

#[test]
fn no_single_pledge_can_exceed_the_campaigns_maximum_which_is_the_goal_by_default() {
    let goal = campaign().goal().minor();
    let tierless = |amount: i64| PledgeRequest {
        tier: None,
        amount: amount.into(),
        options: BTreeMap::new(),
        ..request()
    };
    assert!(NewPledge::parse(tierless(goal), &campaign()).is_ok(), "the goal itself is fine");
    let errors = NewPledge::parse(tierless(goal + 1), &campaign()).unwrap_err();
    assert_eq!(errors.get("amount"), Some(&FieldError::AboveMaxPledge { amount: goal }));
    let tip = PledgeRequest { amount: (goal * 10).into(), ..request() };
    assert!(NewPledge::parse(tip, &campaign()).is_err(), "a tier pledge with a huge tip too");
    let capped = Campaign::new(crate::wire::CampaignInput { max_pledge: Some(50_000), ..lamp() }).unwrap();
    assert!(NewPledge::parse(tierless(50_000), &capped).is_ok());
    let errors = NewPledge::parse(tierless(50_001), &capped).unwrap_err();
    assert_eq!(errors.get("amount"), Some(&FieldError::AboveMaxPledge { amount: 50_000 }));
    let zero = Campaign::new(crate::wire::CampaignInput { max_pledge: Some(0), ..lamp() }).unwrap_err();
    assert_eq!(zero.get("max_pledge"), Some(&FieldError::NotPositive));
}

#[test]
fn a_tierless_pledge_takes_any_positive_amount() {
    let req = PledgeRequest { tier: None, amount: 1.into(), options: BTreeMap::new(), ..request() };
    assert_eq!(NewPledge::parse(req, &campaign()).unwrap().amount().minor(), 1);
}

#[test]
fn bad_pledges_are_refused_field_by_field() {
    let cases: Vec<(&str, PledgeRequest, &str, FieldError)> = vec![
        ("zero", PledgeRequest { amount: 0.into(), ..request() }, "amount", FieldError::NotPositive),
        ("negative", PledgeRequest { amount: (-100).into(), ..request() }, "amount", FieldError::NotPositive),
        (
            "overflowing",
            PledgeRequest { amount: RawAmount::TooLarge, ..request() },
            "amount",
            FieldError::TooLarge,
        ),
        (
            "huge",
            PledgeRequest { amount: (Amount::MAX + 1).into(), ..request() },
            "amount",
            FieldError::TooLarge,
        ),
        (
            "fraction",
            PledgeRequest { amount: RawAmount::NotWhole, ..request() },
            "amount",
            FieldError::NotWholeNumber,
        ),
        (
            "missing amount",
            PledgeRequest { amount: RawAmount::Missing, ..request() },
            "amount",
            FieldError::Required,
        ),
        (
            "below price",
            PledgeRequest { amount: 29_899.into(), ..request() },
            "amount",
            FieldError::BelowPrice { price: 29_900 },
        ),
        (
            "unknown tier",
            PledgeRequest { tier: Some("gold".into()), ..request() },
            "tier",
            FieldError::UnknownTier,
        ),
        (
            "missing option",
            PledgeRequest { options: BTreeMap::new(), ..request() },
            "options.colour",
            FieldError::Required,
        ),
        (
            "unknown value",
            PledgeRequest { options: [("colour".into(), "pink".into())].into(), ..request() },
            "options.colour",
            FieldError::UnknownValue,
        ),
        (
            "unknown option",
            PledgeRequest {
                options: [("colour".into(), "red".into()), ("size".into(), "L".into())].into(),
                ..request()
            },
            "options.size",
            FieldError::UnknownOption,
        ),
        (
            "options without tier",
            PledgeRequest { tier: None, ..request() },
            "options",
            FieldError::NotForTierless,
        ),
        ("blank name", PledgeRequest { name: "   ".into(), ..request() }, "name", FieldError::Required),
        (
            "long name",
            PledgeRequest { name: "x".repeat(10_000), ..request() },
            "name",
            FieldError::TooLong { max: 60 },
        ),
        (
            "control in name",
            PledgeRequest { name: "a\u{7}b".into(), ..request() },
            "name",
            FieldError::ControlCharacter,
        ),
        (
            "missing contact",
            PledgeRequest { contact: String::new(), ..request() },
            "contact",
            FieldError::Required,
        ),
        (
            "long message",
            PledgeRequest { message: Some("x".repeat(501)), ..request() },
            "message",
            FieldError::TooLong { max: 500 },
        ),
        (
            "bad ref",
            PledgeRequest { referral: Some("../../x".into()), ..request() },
            "ref",
            FieldError::InvalidCode,
        ),
    ];
    for (case, req, field, error) in cases {
        let errors = NewPledge::parse(req, &campaign()).expect_err(case);
        assert_eq!(errors.get(field), Some(&error), "{case}: {errors:?}");
    }
}

#[test]
fn several_units_pay_for_each_unit() {
    let req = PledgeRequest { quantity: Some(3), amount: 89_700.into(), ..request() };
    let pledge = NewPledge::parse(req, &campaign()).unwrap();
    assert_eq!((pledge.quantity(), pledge.amount().minor()), (3, 89_700));
}

#[test]
fn html_in_a_name_is_kept_as_text() {
    let req = PledgeRequest { name: "<script>alert(1)</script>".into(), ..request() };
    assert_eq!(NewPledge::parse(req, &campaign()).unwrap().name(), "<script>alert(1)</script>");
}

#[test]
fn sources_and_host_pages_are_kept_clean_or_dropped() {
    assert_eq!(clean_source(" Weibo "), Some("weibo".into()));
    assert_eq!(clean_source("wechat-group.2"), Some("wechat-group.2".into()));
    for bad in ["", "a b", "<script>", "微博", &"x".repeat(41)] {
        assert_eq!(clean_source(bad), None, "{bad:?}");
    }
    assert_eq!(
        clean_host_page("https://Blog.example.com/posts/lamp?token=secret#c").as_deref(),
        Some("https://blog.example.com/posts/lamp")
    );
    assert_eq!(clean_host_page("http://127.0.0.1:4000").as_deref(), Some("http://127.0.0.1:4000/"));
    for bad in [
        "javascript:alert(1)",
        "*",
        "ftp://x.cn/a",
        "https://x.cn/a b",
        "not a url",
        &format!("https://x.cn/{}", "a".repeat(300)),
    ] {
        assert_eq!(clean_host_page(bad), None, "{bad:?}");
    }
    let req =
        PledgeRequest { source: Some("<bad>".into()), host: Some("https://b.cn/p?q".into()), ..request() };
    let pledge = NewPledge::parse(req, &campaign()).expect("a bad tag never refuses a fan");
    assert_eq!((pledge.source(), pledge.host()), (None, Some("https://b.cn/p")));
}

#[test]
fn idempotency_keys_are_short_visible_ascii() {
    assert!(IdempotencyKey::parse("retry-1").is_some());
    assert!(IdempotencyKey::parse(&"k".repeat(128)).is_some());
    for bad in ["", " ", "a b", "ключ", "a\u{0}", &"k".repeat(129)] {
        assert_eq!(IdempotencyKey::parse(bad), None, "{bad:?}");
    }
}

proptest! {
    #[test]
    fn an_accepted_tier_pledge_pays_at_least_the_price_and_picks_every_option(
        amount in -1_000i64..100_000,
        quantity in prop::option::of(0u32..5),
        colour in prop::sample::select(vec!["walnut", "red", "blue", ""]),
        tier in prop::sample::select(vec![None, Some("early"), Some("lamp"), Some("x")]),
    ) {
        let campaign = campaign();
        let mut options = BTreeMap::new();
        if !colour.is_empty() { options.insert("colour".to_owned(), colour.to_owned()); }
        let req = PledgeRequest { tier: tier.map(str::to_owned), amount: amount.into(), quantity, options, ..request() };
        if let Ok(pledge) = NewPledge::parse(req, &campaign) {
            prop_assert!(pledge.amount().minor() > 0);
            if let Some(tier) = pledge.tier().and_then(|t| campaign.tier(t.as_str())) {
                prop_assert!(pledge.amount().minor() >= tier.price().minor() * i64::from(pledge.quantity()));
                prop_assert!(pledge.quantity() >= 1 && pledge.quantity() <= tier.per_backer());
                for group in tier.options() {
                    let chosen = &pledge.options()[group.name()];
                    prop_assert!(group.value(chosen).is_some());
                }
                prop_assert_eq!(pledge.options().len(), tier.options().len());
            } else {
                prop_assert!(pledge.options().is_empty());
            }
        }
    }
}

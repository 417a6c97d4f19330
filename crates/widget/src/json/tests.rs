//! The browser's JSON against serde's: what the server writes reads back equal, what the
//! widget writes the server reads back equal, and malformed or hostile text is refused.

use super::*;
use crate::form::FormState;
use crate::i18n::Lang;
use crate::props::{AppProps, Page, Receipt, Theme};
use domain::wire::{
    CampaignView, Leader, OptionsChoice, PaymentInfo, PledgeCreated, PledgeRequest, Problem, RawAmount,
    ReceiptView, StretchGoal, UpdateNotice, WallEntry,
};
use domain::{FieldError, ManualPayment, PaymentMode, Status, Timestamp, Unmade};
use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Reads what serde wrote: must be the value serde was given.
fn read_back<T: Serialize + FromJson + PartialEq + std::fmt::Debug>(value: &T) {
    let text = serde_json::to_string(value).unwrap();
    assert_eq!(from_text::<T>(&text).as_ref(), Some(value), "{text}");
    let pretty = serde_json::to_string_pretty(value).unwrap();
    assert_eq!(from_text::<T>(&pretty).as_ref(), Some(value), "{pretty}");
}

/// Every optional part present, and text that needs escaping.
fn full_campaign() -> CampaignView {
    let mut c = crate::form::tests::campaign();
    c.title = "Lamp \"Aurora\" \\ 台灯 🪔\n\t\u{1}".into();
    c.stretch_goals = vec![StretchGoal { amount: 200_000, label: "Walnut base".into() }];
    c.latest_update = Some(UpdateNotice {
        id: "u1".into(),
        title: "Shipping".into(),
        published_at: Timestamp::from_unix(1_790_000_000),
    });
    c.cover = Some("/covers/ab.jpg".into());
    c.leaders = vec![
        Leader { name: Some("Mei".into()), recruits: 3, amount: 59_700 },
        Leader { name: None, recruits: 1, amount: 9_900 },
    ];
    c.wall = vec![WallEntry {
        name: "Li".into(),
        message: Some("加油".into()),
        created_at: Timestamp::from_unix(1_780_000_000),
    }];
    c.max_pledge = Some(i64::MAX);
    c.payments = PaymentMode::Manual;
    c.manual_payment = Some(ManualPayment {
        instructions: "WeChat: lamp".into(),
        expires_after_hours: 48,
        qr: Some("/covers/q.png".into()),
    });
    c.pledged = -1;
    c.unmade = Unmade::Switch;
    c.server_time = Some(domain::Moment::from_millis(1_795_545_721_005));
    c.status = Status::Cancelled;
    c.tiers[0].available_from = Some(Timestamp::from_unix(5));
    c.tiers[0].available_until = Some(Timestamp::from_unix(4_102_444_800));
    c.tiers[0].ships = true;
    c.tiers[0].shipping = vec![domain::ShippingPrice { to: "HK".into(), price: 3_000 }];
    c
}

fn payment() -> PaymentInfo {
    PaymentInfo {
        status: "pending".into(),
        reference: Some("TF-1".into()),
        instructions: Some("pay".into()),
        qr: Some("/covers/q.png".into()),
        due_at: Some(Timestamp::from_unix(1_790_000_000)),
        client_secret: Some("seti_1_secret_2".into()),
        publishable_key: Some("pk_test".into()),
        stripe_js: Some("https://js.stripe.com/v3/".into()),
    }
}

#[test]
fn every_campaign_view_the_server_writes_reads_back_equal() {
    read_back(&crate::form::tests::campaign());
    read_back(&full_campaign());
}

#[test]
fn the_page_props_read_back_equal_with_a_receipt_and_a_refused_form() {
    let campaign = full_campaign();
    let mut form = FormState::blank(&campaign, "mei", "key", Timestamp::from_unix(0));
    form.errors.insert("name".into(), "必填".into());
    form.problem = Some("Fix the fields".into());
    form.picked = true;
    let props = AppProps {
        campaign,
        lang: Lang::ZhCn,
        theme: Theme::Auto,
        page: Page::Share,
        now: 1_785_000_000,
        form,
        receipt: Some(Receipt {
            pledge_id: "p1".into(),
            name: "Mei".into(),
            amount: 19_900,
            tier: Some("lamp".into()),
            quantity: 2,
            options: vec![("colour".into(), "red".into())],
            share_url: "https://x/c/demo?ref=abc".into(),
            receipt_url: "https://x/r/t".into(),
            cancel_action: Some("/r/t/cancel".into()),
            cancelled: true,
            recruits: 4,
            recruited_amount: 40_000,
            payment: Some(payment()),
            choose_by: Some(Timestamp::from_unix(1_790_000_000)),
            choose_action: Some("/r/t/options?lang=zh-CN".into()),
            choose_problem: Some("已结束".into()),
            ship_to: Some("HK".into()),
            shipping: 3_000,
        }),
        wechat: true,
        accent: Some("#aa3300".into()),
        places: vec![("HK".into(), "中国香港".into())],
    };
    read_back(&props);
    read_back(&AppProps {
        receipt: None,
        accent: None,
        theme: Theme::Dark,
        page: Page::Embed,
        lang: Lang::En,
        ..props
    });
}

#[test]
fn receipts_pledge_answers_and_problems_read_back_equal() {
    read_back(&ReceiptView {
        id: "p1".into(),
        campaign: "demo".into(),
        name: "Mei".into(),
        amount: 100,
        tier: None,
        quantity: 1,
        options: [("a".to_owned(), "b".to_owned())].into(),
        status: "live".into(),
        referral_code: "abc".into(),
        share_url: "s".into(),
        recruits: 0,
        recruited_amount: 0,
        payment: Some(PaymentInfo::status("paid")),
        choose_by: None,
        ship_to: Some("CN".into()),
        shipping: 0,
        delivery: Default::default(),
        survey: "incomplete".into(),
        shipments: Vec::new(),
        milestones: Vec::new(),
    });
    read_back(&PledgeCreated {
        id: "p1".into(),
        amount: 100,
        referral_code: "abc".into(),
        share_url: "s".into(),
        receipt_url: "r".into(),
        payment: Some(payment()),
    });
    let codes = [
        FieldError::Required,
        FieldError::TooLong { max: 60 },
        FieldError::BelowPrice { price: 9_900 },
        FieldError::AboveMaxPledge { amount: 50_000 },
        FieldError::TooFar { max_days: 90 },
        FieldError::BelowClaimed { claimed: 7 },
        FieldError::ImageTooLarge { max: 4_000 },
        FieldError::TooMany { max: 20 },
        FieldError::NotMade,
        FieldError::WouldUnmake,
    ];
    read_back(&Problem {
        kind: "https://tribefund.dev/problems/invalid".into(),
        title: "Invalid".into(),
        status: 422,
        detail: "Some fields are invalid".into(),
        errors: codes.iter().enumerate().map(|(i, c)| (format!("f{i}"), c.to_string())).collect(),
        codes: codes.iter().enumerate().map(|(i, c)| (format!("f{i}"), c.clone())).collect(),
        retry_after: Some(3),
    });
}

#[test]
fn every_change_the_server_streams_reads_back_equal() {
    use domain::delta::{ProgressDelta, TierDelta, ValueDelta};
    let full = full_campaign();
    read_back(&ProgressDelta {
        seq: 7,
        server_time: Some(domain::Moment::from_millis(1_795_545_721_005)),
        raised: Some(-5),
        pledged: Some(i64::MAX),
        backers: Some(3),
        status: Some(Status::Live),
        tiers: vec![TierDelta {
            id: "lamp".into(),
            claimed: 2,
            waitlist: Some(4),
            values: vec![ValueDelta { option: "colour".into(), value: "red \"台\"".into(), claimed: 1 }],
        }],
        leaders: Some(full.leaders.clone()),
        wall: Some(full.wall.clone()),
    });
    read_back(&ProgressDelta { seq: 1, ..ProgressDelta::default() });
}

#[test]
fn a_code_from_a_newer_server_reads_as_unknown() {
    let problem =
        r#"{"type":"t","title":"t","status":422,"detail":"d","codes":{"x":{"code":"too_shiny","glow":3}}}"#;
    let problem: Problem = from_text(problem).unwrap();
    assert_eq!(problem.codes["x"], FieldError::Unknown);
}

#[test]
fn members_the_server_may_leave_out_take_serdes_defaults() {
    let tier = r#"{"id":"a","title":"A","price":1,"limit":null,"claimed":0}"#;
    let ours: domain::wire::TierView = from_text(tier).unwrap();
    assert_eq!(ours, serde_json::from_str(tier).unwrap());
    assert_eq!(ours.per_backer, 1);
    let manual = r#"{"instructions":"pay"}"#;
    assert_eq!(from_text::<ManualPayment>(manual), serde_json::from_str(manual).ok());
}

#[test]
fn members_of_the_wrong_type_or_missing_refuse_the_whole_value() {
    let good = serde_json::to_string(&crate::form::tests::campaign()).unwrap();
    assert!(from_text::<CampaignView>(&good).is_some());
    for (from, to) in [
        (r#""goal":100000"#, r#""goal":"100000""#),
        (r#""goal":100000"#, r#""goal":1000.5"#),
        (r#""goal":100000"#, r#""goal":1e5"#),
        (r#""goal":100000,"#, ""),
        (r#""currency":"CNY""#, r#""currency":"XXX""#),
        (r#""claimed":1"#, r#""claimed":-1"#),
        (r#""starts_at":"1970-01-01T00:00:00Z""#, r#""starts_at":"yesterday""#),
    ] {
        assert!(good.contains(from), "{from}");
        let bad = good.replacen(from, to, 1);
        assert_eq!(from_text::<CampaignView>(&bad), None, "{to}");
        assert!(serde_json::from_str::<CampaignView>(&bad).is_err(), "serde too refuses {to}");
    }
}

#[test]
fn members_it_does_not_know_are_ignored() {
    let view = crate::form::tests::campaign();
    let mut value = serde_json::to_value(&view).unwrap();
    value["from_a_newer_server"] = serde_json::json!({"deep": [1, 2.5, null, {"x": true}]});
    assert_eq!(from_text::<CampaignView>(&value.to_string()), Some(view));
}

/// What the widget writes, serde (the server) reads back equal.
fn written_back<T: DeserializeOwned + PartialEq + std::fmt::Debug>(text: &str, value: &T) {
    assert_eq!(&serde_json::from_str::<T>(text).unwrap_or_else(|e| panic!("{e}: {text}")), value);
}

#[test]
fn pledges_the_widget_writes_the_server_reads_back_equal() {
    let full = PledgeRequest {
        tier: Some("lamp".into()),
        amount: RawAmount::Minor(i64::MIN),
        quantity: Some(u32::MAX),
        options: [("lamp.colour".to_owned(), "red \"deep\"".to_owned())].into(),
        name: "Mei \\ 梅 🌸 \u{0}\u{1f}\u{7f}\u{2028}".into(),
        contact: "mei@example.com".into(),
        public: true,
        referral: Some("abc".into()),
        message: Some("line\nline\r\t".into()),
        source: Some("weibo".into()),
        host: Some("https://blog.example.com/post/1".into()),
        lang: Some("zh-CN".into()),
        ship_to: Some("HK".into()),
    };
    written_back(&pledge_request(&full), &full);
    let bare = PledgeRequest::default();
    written_back(&pledge_request(&bare), &bare);
    let choice = OptionsChoice { options: [("colour".to_owned(), "blue".to_owned())].into() };
    written_back(&options_choice(&choice), &choice);
}

#[test]
fn malformed_json_is_refused() {
    for text in [
        "",
        " ",
        "{",
        "}",
        "[1,]",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{a:1}",
        "[1 2]",
        "01",
        "-",
        "1.",
        ".5",
        "1e",
        "+1",
        "tru",
        "nul",
        "\"abc",
        "\"\\x\"",
        "\"\\u12\"",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"\\ud800\\u0041\"",
        "\"a\u{1}b\"",
        "[1] x",
        "{} {}",
        "NaN",
        "Infinity",
        "'a'",
        "\u{feff}{}",
    ] {
        assert_eq!(parse(text), None, "{text:?}");
        assert!(serde_json::from_str::<serde_json::Value>(text).is_err(), "serde too refuses {text:?}");
    }
}

#[test]
fn escapes_and_numbers_read_as_json_says() {
    assert_eq!(
        parse(r#""\"\\\/\b\f\n\r\t\u00e9\ud83c\udf38""#),
        Some(Json::Str("\"\\/\u{8}\u{c}\n\r\té🌸".into()))
    );
    assert_eq!(parse("-9223372036854775808"), Some(Json::Int(i64::MIN)));
    assert_eq!(parse("9223372036854775808"), Some(Json::Fraction));
    assert_eq!(parse("-0"), Some(Json::Int(0)));
    assert_eq!(parse("1.0"), Some(Json::Fraction));
    assert_eq!(
        parse(" [ true , false , null ] "),
        Some(Json::Array(vec![Json::Bool(true), Json::Bool(false), Json::Null]))
    );
}

#[test]
fn nesting_deeper_than_any_shape_is_refused_without_recursing_into_it() {
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    assert_eq!(parse(&deep), None);
    let fine = "[".repeat(60) + &"]".repeat(60);
    assert!(parse(&fine).is_some());
}

/// Any JSON value, a few levels deep, with any strings and numbers.
fn any_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f)
                .map_or(serde_json::Value::Null, serde_json::Value::Number)),
        any::<String>().prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..5)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// What the widget's parser should make of a value serde_json holds.
fn expected(value: &serde_json::Value) -> Json {
    match value {
        serde_json::Value::Null => Json::Null,
        serde_json::Value::Bool(b) => Json::Bool(*b),
        serde_json::Value::Number(n) => n.as_i64().map_or(Json::Fraction, Json::Int),
        serde_json::Value::String(s) => Json::Str(s.clone()),
        serde_json::Value::Array(items) => Json::Array(items.iter().map(expected).collect()),
        serde_json::Value::Object(members) => {
            Json::Object(members.iter().map(|(k, v)| (k.clone(), expected(v))).collect())
        }
    }
}

proptest! {
    #[test]
    fn any_json_serde_writes_parses_to_the_same_tree(value in any_json()) {
        let text = serde_json::to_string(&value).unwrap();
        prop_assert_eq!(parse(&text), Some(expected(&value)));
        prop_assert_eq!(parse(&serde_json::to_string_pretty(&value).unwrap()), Some(expected(&value)));
    }

    #[test]
    fn any_text_survives_the_widgets_writing_and_serdes_reading(text in any::<String>()) {
        let written = Json::Str(text.clone()).to_text();
        prop_assert_eq!(serde_json::from_str::<String>(&written).unwrap(), text.clone());
        let by_serde = serde_json::to_string(&text).unwrap();
        prop_assert_eq!(parse(&by_serde), Some(Json::Str(text)));
    }

    #[test]
    fn any_integer_reads_as_serde_wrote_it(n in any::<i64>()) {
        prop_assert_eq!(parse(&serde_json::to_string(&n).unwrap()), Some(Json::Int(n)));
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_parse_only_what_serde_parses(text in "[\\[\\]{}\",:0-9a-z\\\\. -]{0,40}") {
        if parse(&text).is_some() {
            prop_assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok());
        }
    }
}

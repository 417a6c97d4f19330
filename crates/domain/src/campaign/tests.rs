//! The campaign rules, case by case; `lamp()` is the definition other modules' tests use.

use super::*;

/// A valid campaign input: two tiers, the second limited with a colour option.
pub(crate) fn lamp() -> wire::CampaignInput {
    wire::CampaignInput {
        survey: None,
        manual_payment: None,
        unmade: Default::default(),
        payments: Default::default(),
        id: "lamp".into(),
        title: "Walnut desk lamp".into(),
        summary: "A lamp made in small batches.".into(),
        story: String::new(),
        currency: Currency::Cny,
        goal: 5_000_000,
        starts_at: Timestamp::from_unix(1_000),
        ends_at: Timestamp::from_unix(100_000),
        funding: Funding::AllOrNothing,
        stretch_goals: vec![
            wire::StretchGoal { amount: 8_000_000, label: "A dimmer".into() },
            wire::StretchGoal { amount: 6_000_000, label: "Brass switch".into() },
        ],
        tiers: vec![
            wire::TierInput {
                id: "early".into(),
                title: "Early bird".into(),
                price: 19_900,
                limit: Some(10),
                per_backer: None,
                available_from: None,
                available_until: Some(Timestamp::from_unix(50_000)),
                options: vec![],
                ships: false,
                shipping: vec![],
            },
            wire::TierInput {
                id: "lamp".into(),
                title: "One lamp".into(),
                price: 29_900,
                limit: None,
                per_backer: Some(3),
                available_from: None,
                available_until: None,
                options: vec![wire::OptionInput {
                    name: "colour".into(),
                    values: vec![
                        wire::ValueInput { value: "walnut".into(), min_batch: None },
                        wire::ValueInput { value: "red".into(), min_batch: Some(50) },
                    ],
                }],
                ships: false,
                shipping: vec![],
            },
        ],
        max_pledge: None,
    }
}

#[test]
fn a_valid_definition_builds_a_campaign() {
    let campaign = Campaign::new(lamp()).unwrap();
    assert_eq!(campaign.id().as_str(), "lamp");
    assert_eq!(
        campaign.tier("lamp").unwrap().option("colour").unwrap().value("red").unwrap().min_batch(),
        Some(50)
    );
    assert_eq!(Campaign::new(campaign.to_input()), Ok(campaign));
}

#[test]
fn stretch_goals_are_kept_in_order_of_amount() {
    let campaign = Campaign::new(lamp()).unwrap();
    let amounts: Vec<i64> = campaign.stretch_goals().iter().map(|g| g.amount).collect();
    assert_eq!(amounts, [6_000_000, 8_000_000]);
}

#[test]
fn a_tier_window_opens_and_closes() {
    let campaign = Campaign::new(lamp()).unwrap();
    let early = campaign.tier("early").unwrap();
    assert_eq!(early.available_at(Timestamp::from_unix(49_999)), Ok(()));
    assert_eq!(early.available_at(Timestamp::from_unix(50_000)), Err(Unavailable::Closed));
    assert_eq!(campaign.tier("lamp").unwrap().per_backer(), 3);
    assert_eq!(early.per_backer(), 1);
}

#[test]
fn definitions_that_cannot_be_kept_are_refused_field_by_field() {
    type Edit = fn(&mut wire::CampaignInput);
    let cases: Vec<(&str, Edit, &str, FieldError)> = vec![
        (
            "runs over a year",
            |c| c.ends_at = c.starts_at.plus_seconds(367 * 86_400),
            "ends_at",
            FieldError::TooFar { max_days: 366 },
        ),
        (
            "stretch goal below goal",
            |c| c.stretch_goals[0].amount = c.goal,
            "stretch_goals[0].amount",
            FieldError::NotAboveGoal,
        ),
        (
            "per backer above limit",
            |c| c.tiers[0].per_backer = Some(11),
            "tiers[0].per_backer",
            FieldError::AboveLimit,
        ),
        (
            "limit too large",
            |c| c.tiers[0].limit = Some(Campaign::MAX_LIMIT + 1),
            "tiers[0].limit",
            FieldError::TooLarge,
        ),
        (
            "batch above limit",
            |c| {
                c.tiers[1].limit = Some(20);
                c.tiers[1].options[0].values[1].min_batch = Some(21);
            },
            "tiers[1].options[0].values[1].min_batch",
            FieldError::AboveLimit,
        ),
        (
            "zero batch",
            |c| c.tiers[1].options[0].values[1].min_batch = Some(0),
            "tiers[1].options[0].values[1].min_batch",
            FieldError::NotPositive,
        ),
        ("long story", |c| c.story = "字".repeat(20_001), "story", FieldError::TooLong { max: 20_000 }),
        ("control in story", |c| c.story = "a\u{0}b".into(), "story", FieldError::ControlCharacter),
        ("long title", |c| c.title = "t".repeat(121), "title", FieldError::TooLong { max: 120 }),
        ("blank title", |c| c.title = " ".into(), "title", FieldError::Required),
        (
            "empty option",
            |c| c.tiers[1].options[0].values.clear(),
            "tiers[1].options[0].values",
            FieldError::Required,
        ),
        (
            "duplicate option",
            |c| {
                let again = c.tiers[1].options[0].clone();
                c.tiers[1].options.push(again);
            },
            "tiers[1].options[1].name",
            FieldError::Duplicate,
        ),
        ("huge goal", |c| c.goal = i64::MAX, "goal", FieldError::TooLarge),
        ("empty id", |c| c.id = String::new(), "id", FieldError::InvalidSlug),
    ];
    for (case, edit, field, error) in cases {
        let mut input = lamp();
        edit(&mut input);
        let errors = Campaign::new(input).expect_err(case);
        assert_eq!(errors.get(field), Some(&error), "{case}: {errors:?}");
    }
    let mut story = lamp();
    story.story = "Line one\nline two".into();
    assert_eq!(Campaign::new(story).unwrap().story(), "Line one\nline two");
}

#[test]
fn every_broken_rule_is_reported_under_its_field() {
    let mut input = lamp();
    input.id = "Lamp!".into();
    input.goal = 0;
    input.ends_at = input.starts_at;
    input.tiers[0].price = -5;
    input.tiers[0].limit = Some(0);
    input.tiers[1].id = "early".into();
    input.tiers[1].options[0].values[1].value = "walnut".into();
    input.tiers[1].per_backer = Some(0);
    input.tiers[0].available_from = Some(Timestamp::from_unix(60_000));
    input.stretch_goals[1].amount = input.stretch_goals[0].amount;
    input.stretch_goals[0].label = String::new();
    let errors = Campaign::new(input).unwrap_err();
    assert_eq!(errors.get("tiers[1].per_backer"), Some(&FieldError::NotPositive));
    assert_eq!(errors.get("tiers[0].available_until"), Some(&FieldError::EndsBeforeStart));
    assert_eq!(errors.get("stretch_goals[1].amount"), Some(&FieldError::Duplicate));
    assert_eq!(errors.get("stretch_goals[0].label"), Some(&FieldError::Required));
    assert_eq!(errors.get("id"), Some(&FieldError::InvalidSlug));
    assert_eq!(errors.get("goal"), Some(&FieldError::NotPositive));
    assert_eq!(errors.get("ends_at"), Some(&FieldError::EndsBeforeStart));
    assert_eq!(errors.get("tiers[0].price"), Some(&FieldError::NotPositive));
    assert_eq!(errors.get("tiers[0].limit"), Some(&FieldError::NotPositive));
    assert_eq!(errors.get("tiers[1].id"), Some(&FieldError::Duplicate));
    assert_eq!(errors.get("tiers[1].options[0].values[1].value"), Some(&FieldError::Duplicate));
}

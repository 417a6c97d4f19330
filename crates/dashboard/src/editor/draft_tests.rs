use super::*;

fn filled() -> CampaignDraft {
    let now = Timestamp::parse("2026-11-25T10:20:00Z").unwrap();
    let mut draft = CampaignDraft::blank(Currency::Cny, now);
    for (name, value) in [
        ("title", "Walnut lamp"),
        ("goal", "50000"),
        ("tiers[0].id", "lamp"),
        ("tiers[0].title", "One lamp"),
        ("tiers[0].price", "499.50"),
        ("tiers[0].limit", "100"),
        ("tiers[0].per_backer", "2"),
        ("tiers[0].options[0].name", "Colour"),
        ("tiers[0].options[0].values[0].value", "Walnut"),
        ("tiers[0].options[0].values[1].value", "Ash"),
        ("tiers[0].options[0].values[1].min_batch", "20"),
    ] {
        assert!(draft.set(name, value), "{name}");
    }
    draft
}

#[test]
fn a_blank_draft_starts_at_the_next_hour_and_runs_thirty_days() {
    let draft = CampaignDraft::blank(Currency::Usd, Timestamp::parse("2026-11-25T10:20:00Z").unwrap());
    assert_eq!((draft.starts_at.as_str(), draft.ends_at.as_str()), ("2026-11-25T11:00", "2026-12-25T11:00"));
    assert_eq!((draft.currency.as_str(), draft.tiers.len()), ("USD", 1));
}

#[test]
fn a_filled_form_becomes_the_campaign_it_describes() {
    let campaign = filled().check().expect("a valid campaign");
    assert_eq!(campaign.id().as_str(), "walnut-lamp", "the id comes from the title");
    assert_eq!(campaign.goal().minor(), 5_000_000);
    let tier = campaign.tier("lamp").unwrap();
    assert_eq!((tier.price().minor(), tier.limit(), tier.per_backer()), (49_950, Some(100), 2));
    let colour = tier.option("Colour").unwrap();
    assert_eq!(colour.value("Ash").unwrap().min_batch(), Some(20));
    assert_eq!(colour.value("Walnut").unwrap().min_batch(), None);
}

#[test]
fn a_published_definition_round_trips_through_the_form() {
    let campaign = filled().check().unwrap();
    let again = CampaignDraft::from_input(&campaign.to_input());
    assert_eq!(again.check().unwrap(), campaign);
    assert_eq!(again.get("tiers[0].price"), Some("499.50"));
    assert_eq!(again.get("tiers[0].options[0].values[1].min_batch"), Some("20"));
    let pairs = again.pairs();
    assert_eq!(CampaignDraft::from_pairs(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()))), again);
}

#[test]
fn what_cannot_be_read_is_reported_under_its_field_beside_the_rules() {
    let mut draft = filled();
    draft.set("goal", "lots");
    draft.set("tiers[0].limit", "ten");
    draft.set("ends_at", "soon");
    draft.set("tiers[0].options[0].values[1].value", "Walnut");
    let errors = draft.check().unwrap_err();
    let code = |field: &str| errors.iter().find(|(f, _)| *f == field).map(|(_, e)| e.clone());
    assert_eq!(code("goal"), Some(FieldError::NotANumber));
    assert_eq!(code("tiers[0].limit"), Some(FieldError::NotANumber));
    assert_eq!(code("ends_at"), Some(FieldError::InvalidDate));
    assert_eq!(code("tiers[0].options[0].values[1].value"), Some(FieldError::Duplicate));
    draft.set("title", "");
    assert_eq!(
        draft.check().unwrap_err().iter().find(|(f, _)| *f == "title").map(|(_, e)| e.clone()),
        Some(FieldError::Required)
    );
}

#[test]
fn hostile_field_names_are_ignored_and_cannot_grow_lists_past_the_rules() {
    let mut draft = CampaignDraft::default();
    for name in [
        "csrf",
        "tiers[999].title",
        "tiers[20].title",
        "tiers[0].options[5].name",
        "tiers[0].options[0].values[30].value",
        "tiers[].title",
        "tiers[0]title",
        "tiers[-1].title",
        "stretch_goals[10].label",
        "stretch_goals[0].other",
        "title.x",
        "tiers[0].secret",
    ] {
        assert!(!draft.set(name, "x"), "{name}");
    }
    assert!(draft.set("tiers[19].title", "last"));
    assert_eq!(draft.tiers.len(), 20);
    assert!(!draft.apply("add_tier"), "no 21st tier");
}

#[test]
fn the_buttons_add_and_remove_tiers_options_values_and_stretch_goals() {
    let mut draft = filled();
    assert!(draft.apply("add_tier"));
    assert_eq!(draft.tiers[1].per_backer, "1");
    assert!(draft.apply("add_option:1"));
    assert_eq!(draft.tiers[1].options[0].values.len(), 1, "a new group has a value to fill in");
    assert!(draft.apply("add_value:1:0"));
    assert_eq!(draft.tiers[1].options[0].values.len(), 2);
    assert!(draft.apply("remove_value:0:0:0"));
    assert_eq!(draft.tiers[0].options[0].values[0].value, "Ash");
    assert!(draft.apply("remove_option:0:0"));
    assert!(draft.tiers[0].options.is_empty());
    assert!(draft.apply("add_stretch") && draft.apply("remove_stretch:0"));
    assert!(draft.apply("remove_tier:0"));
    assert_eq!(draft.tiers.len(), 1);
    for nonsense in ["remove_tier:7", "add_value:0:9", "add_option", "explode", "remove_tier:x", "add_tier:1"]
    {
        assert!(!draft.apply(nonsense), "{nonsense}");
    }
}

#[test]
fn delivery_prices_are_typed_as_destinations_and_amounts_and_round_trip_through_the_form() {
    let mut draft = filled();
    draft.set("tiers[0].ships", "yes");
    draft.set("tiers[0].shipping", "CN 0, hk 30，* 80.50");
    let campaign = draft.check().expect("a valid campaign");
    let shipping = campaign.tier("lamp").unwrap().shipping();
    assert!(shipping.ships());
    assert_eq!(
        (shipping.price_to("CN"), shipping.price_to("HK"), shipping.price_to("FR")),
        (Some(0), Some(3_000), Some(8_050))
    );
    let again = CampaignDraft::from_input(&campaign.to_input());
    assert_eq!(again.get("tiers[0].shipping"), Some("CN 0, HK 30, * 80.50"));
    assert_eq!(again.check().unwrap(), campaign);

    draft.set("tiers[0].shipping", "HK, CN 0");
    assert_eq!(draft.check().unwrap_err().get("tiers[0].shipping"), Some(&FieldError::NotANumber));
    draft.set("tiers[0].shipping", "XX 5");
    assert_eq!(draft.check().unwrap_err().get("tiers[0].shipping[0].to"), Some(&FieldError::UnknownCountry));
}

#[test]
fn a_survey_round_trips_through_the_form_and_its_problems_are_named_by_path() {
    use domain::survey::{Opens, Question, QuestionKind, Survey};
    let mut input = filled().check().unwrap().to_input();
    input.survey = Some(Survey {
        opens: Opens::OnSuccess,
        lock_at: Some(Timestamp::parse("2027-02-01T00:00:00Z").unwrap()),
        questions: vec![Question {
            id: "shade".into(),
            label: "Shade".into(),
            kind: QuestionKind::Choice,
            choices: vec!["Walnut".into(), "Oak".into()],
            required: true,
            tiers: vec![input.tiers[0].id.clone()],
        }],
    });
    let draft = CampaignDraft::from_input(&input);
    let pairs = draft.pairs();
    let read = CampaignDraft::from_pairs(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    assert_eq!(read, draft);
    assert_eq!(read.check().unwrap().survey(), input.survey.as_ref());

    let mut bad = read;
    assert!(bad.apply("add_question"));
    bad.set("survey.questions[1].id", "shade");
    bad.set("survey.questions[1].tiers", "nope");
    let errors = bad.check().unwrap_err();
    assert_eq!(errors.get("survey.questions[1].id"), Some(&FieldError::Duplicate));
    assert_eq!(errors.get("survey.questions[1].tiers[0]"), Some(&FieldError::UnknownTier));
    assert!(!bad.set("survey.questions[20].label", "too many"));
}

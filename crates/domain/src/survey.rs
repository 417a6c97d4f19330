//! What a campaign asks its backers after they pledge: a survey of questions (a size, an
//! engraving), each for every tier or for some, and the address of every reward that ships.
//!
//! The survey opens to a backer at their pledge or once the campaign has succeeded, and
//! locks at `lock_at`, when the creator orders production: from then on answers and
//! addresses are read-only, and the survey's definition cannot change either. A backer's
//! survey is complete when every required question of their tier is answered and, for a
//! reward that ships, the address is given.

use crate::address::Address;
use crate::invalid::{FieldError, FieldErrors};
use crate::text::clean;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Survey {
    #[serde(default)]
    pub opens: Opens,
    /// When answers and addresses lock (RFC 3339); never when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_at: Option<Timestamp>,
    #[serde(default)]
    pub questions: Vec<Question>,
}

/// When a backer may start: right after pledging, or once the campaign has succeeded.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Opens {
    #[default]
    AtPledge,
    OnSuccess,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Lowercase letters, digits and dashes (`size`).
    pub id: String,
    pub label: String,
    pub kind: QuestionKind,
    /// The answers to choose from, for `choice`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
    #[serde(default)]
    pub required: bool,
    /// Asked only of these tiers' backers; of everyone when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    Text,
    Choice,
}

impl Survey {
    pub const MAX_QUESTIONS: usize = 20;
    pub const MAX_CHOICES: usize = 30;
    pub const LABEL_MAX: u32 = 200;
    pub const CHOICE_MAX: u32 = 80;
    pub const ANSWER_MAX: u32 = 500;

    /// The survey trimmed, its problems recorded in `errors` under `survey.…`; `tiers` are
    /// the campaign's tier ids.
    pub fn check(self, tiers: &[&str], errors: &mut FieldErrors) -> Survey {
        if self.questions.len() > Self::MAX_QUESTIONS {
            errors.add("survey.questions", FieldError::TooMany { max: Self::MAX_QUESTIONS as u32 });
        }
        let mut questions: Vec<Question> = Vec::with_capacity(self.questions.len());
        for (i, q) in self.questions.into_iter().enumerate() {
            let at = |field: &str| format!("survey.questions[{i}].{field}");
            let id = q.id.trim().to_owned();
            if !crate::text::is_slug(&id) {
                errors.add(at("id"), FieldError::InvalidSlug);
            } else if questions.iter().any(|other| other.id == id) {
                errors.add(at("id"), FieldError::Duplicate);
            }
            let label =
                errors.check(&at("label"), clean(&q.label, Self::LABEL_MAX, true, false)).unwrap_or_default();
            let choices = check_choices(q.kind, q.choices, &at("choices"), errors);
            for (t, tier) in q.tiers.iter().enumerate() {
                if !tiers.contains(&tier.as_str()) {
                    errors.add(at(&format!("tiers[{t}]")), FieldError::UnknownTier);
                }
            }
            questions.push(Question {
                id,
                label,
                kind: q.kind,
                choices,
                required: q.required,
                tiers: q.tiers,
            });
        }
        Survey { opens: self.opens, lock_at: self.lock_at, questions }
    }

    /// The questions a backer of `tier` is asked.
    pub fn questions_for<'a>(&'a self, tier: Option<&'a str>) -> impl Iterator<Item = &'a Question> + 'a {
        self.questions
            .iter()
            .filter(move |q| q.tiers.is_empty() || tier.is_some_and(|t| q.tiers.iter().any(|x| x == t)))
    }

    /// Whether the survey has locked at `now`.
    pub fn locked(&self, now: Timestamp) -> bool {
        self.lock_at.is_some_and(|at| now >= at)
    }

    /// Whether a backer may fill it in yet, given whether the campaign has succeeded.
    pub fn open(&self, succeeded: bool) -> bool {
        self.opens == Opens::AtPledge || succeeded
    }

    /// `given` answers checked against the questions for `tier`: trimmed, unknown ids and
    /// empty answers dropped, refusals keyed `answers.{id}`.
    pub fn answers(
        &self,
        tier: Option<&str>,
        given: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut answers = BTreeMap::new();
        for q in self.questions_for(tier) {
            let at = format!("answers.{}", q.id);
            let text = given.get(&q.id).map(String::as_str).unwrap_or("");
            let Some(answer) = errors.check(&at, clean(text, Self::ANSWER_MAX, q.required, true)) else {
                continue;
            };
            if answer.is_empty() {
                continue;
            }
            if q.kind == QuestionKind::Choice && !q.choices.contains(&answer) {
                errors.add(at, FieldError::NotAChoice);
                continue;
            }
            answers.insert(q.id.clone(), answer);
        }
        if errors.is_empty() { Ok(answers) } else { Err(errors) }
    }

    /// Whether a backer of `tier` has done all that is asked: every required question
    /// answered and, when the reward `ships`, an address given.
    pub fn complete(
        &self,
        tier: Option<&str>,
        ships: bool,
        address: Option<&Address>,
        answers: &BTreeMap<String, String>,
    ) -> bool {
        (!ships || address.is_some())
            && self.questions_for(tier).filter(|q| q.required).all(|q| answers.contains_key(&q.id))
    }

    /// Whether a backer of `tier` is asked anything at all.
    pub fn asks(&self, tier: Option<&str>, ships: bool) -> bool {
        ships || self.questions_for(tier).next().is_some()
    }
}

fn check_choices(
    kind: QuestionKind,
    choices: Vec<String>,
    at: &str,
    errors: &mut FieldErrors,
) -> Vec<String> {
    if kind == QuestionKind::Text {
        if !choices.is_empty() {
            errors.add(at, FieldError::TooMany { max: 0 });
        }
        return Vec::new();
    }
    if choices.len() < 2 {
        errors.add(at, FieldError::Required);
    } else if choices.len() > Survey::MAX_CHOICES {
        errors.add(at, FieldError::TooMany { max: Survey::MAX_CHOICES as u32 });
    }
    let mut kept: Vec<String> = Vec::with_capacity(choices.len());
    for (c, choice) in choices.iter().enumerate() {
        let path = format!("{at}[{c}]");
        let Some(choice) = errors.check(&path, clean(choice, Survey::CHOICE_MAX, true, false)) else {
            continue;
        };
        if kept.contains(&choice) {
            errors.add(path, FieldError::Duplicate);
        }
        kept.push(choice);
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn survey() -> Survey {
        Survey {
            opens: Opens::OnSuccess,
            lock_at: Some(Timestamp::from_unix(1_000)),
            questions: vec![
                Question {
                    id: "size".into(),
                    label: "Shade size".into(),
                    kind: QuestionKind::Choice,
                    choices: vec!["S".into(), "L".into()],
                    required: true,
                    tiers: vec!["lamp".into()],
                },
                Question {
                    id: "engraving".into(),
                    label: " Engraving ".into(),
                    kind: QuestionKind::Text,
                    choices: vec![],
                    required: false,
                    tiers: vec![],
                },
            ],
        }
    }

    #[test]
    fn a_survey_reads_from_json_and_checks_its_questions() {
        let json = r#"{"opens":"on_success","lock_at":"1970-01-01T00:16:40Z","questions":[
            {"id":"size","label":"Shade size","kind":"choice","choices":["S","L"],"required":true,"tiers":["lamp"]},
            {"id":"engraving","label":" Engraving ","kind":"text"}]}"#;
        let read: Survey = serde_json::from_str(json).unwrap();
        assert_eq!(read, survey());
        let mut errors = FieldErrors::new();
        let checked = read.check(&["lamp"], &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(checked.questions[1].label, "Engraving");
    }

    #[test]
    fn bad_questions_are_named_by_their_path() {
        let mut bad = survey();
        bad.questions[0].choices = vec!["S".into()];
        bad.questions[0].tiers = vec!["kite".into()];
        bad.questions[1].id = "size".into();
        let mut errors = FieldErrors::new();
        bad.check(&["lamp"], &mut errors);
        assert_eq!(errors.get("survey.questions[0].choices"), Some(&FieldError::Required));
        assert_eq!(errors.get("survey.questions[0].tiers[0]"), Some(&FieldError::UnknownTier));
        assert_eq!(errors.get("survey.questions[1].id"), Some(&FieldError::Duplicate));
    }

    #[test]
    fn answers_follow_the_tier_and_choices_must_be_offered() {
        let s = survey();
        let given =
            BTreeMap::from([("size".to_owned(), "XL".to_owned()), ("other".to_owned(), "x".to_owned())]);
        let errors = s.answers(Some("lamp"), &given).unwrap_err();
        assert_eq!(errors.get("answers.size"), Some(&FieldError::NotAChoice));
        // A backer of another tier is not asked the size, and an unknown id is dropped.
        assert_eq!(s.answers(Some("kit"), &given).unwrap(), BTreeMap::new());
        let missing = s.answers(Some("lamp"), &BTreeMap::new()).unwrap_err();
        assert_eq!(missing.get("answers.size"), Some(&FieldError::Required));
        let good = BTreeMap::from([("size".to_owned(), "L".to_owned())]);
        assert!(s.complete(Some("lamp"), false, None, &s.answers(Some("lamp"), &good).unwrap()));
        assert!(!s.complete(Some("lamp"), true, None, &good), "a reward that ships needs its address");
    }

    #[test]
    fn the_survey_locks_at_its_time_and_opens_on_success_when_asked() {
        let s = survey();
        assert!(!s.locked(Timestamp::from_unix(999)) && s.locked(Timestamp::from_unix(1_000)));
        assert!(!s.open(false) && s.open(true));
        assert!(Survey::default().open(false));
    }
}

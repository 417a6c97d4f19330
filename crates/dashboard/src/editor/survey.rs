//! The survey builder: when the survey opens and locks, and its questions, each kept as
//! typed. Choices are typed one per line (or comma-separated) and a question's tiers as
//! their ids; the rules in `domain::survey` check the rest. Field names are the paths
//! `domain` reports under (`survey.questions[0].label`).

use super::controls::{Controls, button};
use super::text::editor_text;
use domain::survey::{Opens, Question, QuestionKind, Survey};
use serde::{Deserialize, Serialize};
use yew::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SurveyDraft {
    /// `at_pledge` or `on_success`.
    pub opens: String,
    /// `datetime-local`, UTC; empty for never.
    pub lock_at: String,
    pub questions: Vec<QuestionDraft>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct QuestionDraft {
    pub id: String,
    pub label: String,
    /// `text` or `choice`.
    pub kind: String,
    /// One choice per line.
    pub choices: String,
    /// `yes` or empty.
    pub required: String,
    /// Tier ids, separated by spaces or commas; empty for every tier.
    pub tiers: String,
}

impl SurveyDraft {
    pub fn from_survey(survey: Option<&Survey>) -> SurveyDraft {
        let Some(s) = survey else { return SurveyDraft::default() };
        SurveyDraft {
            opens: if s.opens == Opens::OnSuccess { "on_success" } else { "at_pledge" }.to_owned(),
            lock_at: s.lock_at.map(super::draft::minutes).unwrap_or_default(),
            questions: (s.questions.iter())
                .map(|q| QuestionDraft {
                    id: q.id.clone(),
                    label: q.label.clone(),
                    kind: if q.kind == QuestionKind::Choice { "choice" } else { "text" }.to_owned(),
                    choices: q.choices.join("\n"),
                    required: if q.required { "yes" } else { "" }.to_owned(),
                    tiers: q.tiers.join(" "),
                })
                .collect(),
        }
    }

    /// The survey this draft describes; `None` when nothing is set. `lock_at` has been read
    /// by the caller (`None` when blank or unreadable).
    pub fn to_survey(&self, lock_at: Option<domain::Timestamp>) -> Option<Survey> {
        if self.opens.is_empty() && lock_at.is_none() && self.questions.is_empty() {
            return None;
        }
        let split = |text: &str, by: &[char]| -> Vec<String> {
            text.split(by).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
        };
        Some(Survey {
            opens: if self.opens == "on_success" { Opens::OnSuccess } else { Opens::AtPledge },
            lock_at,
            questions: (self.questions.iter())
                .map(|q| {
                    let choice = q.kind == "choice";
                    Question {
                        id: q.id.trim().to_owned(),
                        label: q.label.clone(),
                        kind: if choice { QuestionKind::Choice } else { QuestionKind::Text },
                        choices: if choice { split(&q.choices, &['\n', ',', '，']) } else { Vec::new() },
                        required: q.required == "yes",
                        tiers: split(&q.tiers, &[' ', ',', '，']),
                    }
                })
                .collect(),
        })
    }

    /// The text of `field` of question `i`, when there is one.
    pub(super) fn get(&self, i: usize, field: &str) -> Option<&String> {
        let q = self.questions.get(i)?;
        q.slot(field)
    }

    /// The text of `field` of question `i`, the list growing to reach it within bounds.
    pub(super) fn field(&mut self, i: usize, field: &str) -> Option<&mut String> {
        if i >= Survey::MAX_QUESTIONS {
            return None;
        }
        QuestionDraft::FIELDS.contains(&field).then_some(())?;
        if self.questions.len() <= i {
            self.questions.resize_with(i + 1, QuestionDraft::default);
        }
        self.questions[i].slot_mut(field)
    }
}

impl QuestionDraft {
    pub(super) const FIELDS: [&'static str; 6] = ["id", "label", "kind", "choices", "required", "tiers"];

    fn slot(&self, field: &str) -> Option<&String> {
        Some(match field {
            "id" => &self.id,
            "label" => &self.label,
            "kind" => &self.kind,
            "choices" => &self.choices,
            "required" => &self.required,
            "tiers" => &self.tiers,
            _ => return None,
        })
    }

    fn slot_mut(&mut self, field: &str) -> Option<&mut String> {
        Some(match field {
            "id" => &mut self.id,
            "label" => &mut self.label,
            "kind" => &mut self.kind,
            "choices" => &mut self.choices,
            "required" => &mut self.required,
            "tiers" => &mut self.tiers,
            _ => return None,
        })
    }
}

/// The survey section: when it opens and locks, each question, and the add button.
pub(super) fn section(c: &Controls) -> Html {
    let et = editor_text(c.lang);
    let locked = c.page.survey_locked;
    html! {
        <fieldset class="tfd-group" data-testid="survey">
            <legend>{ et.survey }</legend>
            <p class="tfd-hint">{ if locked { et.survey_locked } else { et.survey_hint } }</p>
            { c.error("survey") }
            <div class="tfd-row">
                { c.select("survey.opens", et.survey_opens, &[
                    ("", et.survey_none),
                    ("at_pledge", et.survey_at_pledge),
                    ("on_success", et.survey_on_success),
                ]) }
                { c.field("survey.lock_at".into(), et.survey_lock_at, "datetime-local", None) }
            </div>
            { for (0..c.draft.survey.questions.len()).map(|i| question(c, i)) }
            { c.error("survey.questions") }
            if !locked {
                <p class="tfd-actions">{ button("add_question".into(), et.add_question) }</p>
            }
        </fieldset>
    }
}

fn question(c: &Controls, i: usize) -> Html {
    let et = editor_text(c.lang);
    let path = |f: &str| format!("survey.questions[{i}].{f}");
    html! {
        <fieldset class="tfd-group" data-testid={format!("question-{i}")}>
            <legend>{ format!("{} {}", et.question, i + 1) }</legend>
            <div class="tfd-row">
                { c.field(path("label"), et.question_label, "text", None) }
                { c.field(path("id"), et.question_id, "text", None) }
            </div>
            <div class="tfd-row">
                { c.select(&path("kind"), et.question_kind, &[("text", et.question_text), ("choice", et.question_choice)]) }
                { c.select(&path("required"), et.question_required, &[("", et.optional), ("yes", et.required)]) }
                { c.field(path("tiers"), et.question_tiers, "text", None) }
            </div>
            { c.area(&path("choices"), et.question_choices, 3) }
            <p class="tfd-actions">{ button(format!("remove_question:{i}"), et.remove) }</p>
        </fieldset>
    }
}

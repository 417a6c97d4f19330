//! A backer's survey: what it asks them (the questions of their tier, the address when the
//! reward ships), what they gave, and saving it. The address must be in the destination
//! the pledge named; it is checked the way its country writes addresses
//! (`domain::address`). The store refuses a save at its commit once the survey has locked.

use super::Context;
use crate::error::Error;
use crate::hub::Hub;
use crate::store::surveys::{StoredSurvey, SurveySave};
use crate::store::{Refusal, Store, StoredPledge};
use domain::Timestamp;
use domain::survey::{QuestionKind, Survey};
use domain::wire::{QuestionSummary, SurveyInput, SurveySummary, SurveyView};

/// The survey of `pledge` as its backer sees it at `now`.
pub async fn view(
    store: &Store,
    hub: &Hub,
    pledge: &StoredPledge,
    now: Timestamp,
) -> Result<SurveyView, Error> {
    let context = Context::of(hub, pledge, now).ok_or(Error::NotFound)?;
    let stored = store.survey(&pledge.id).await?;
    let shipped = !store.shipments_of(&pledge.id).await?.is_empty();
    Ok(build(&context, pledge, stored, shipped, now))
}

/// Keeps what the backer of `pledge` gives, checked against the questions of their tier
/// and their destination; answers the survey as it now stands.
pub async fn save(
    store: &Store,
    hub: &Hub,
    pledge: &StoredPledge,
    input: SurveyInput,
    now: Timestamp,
) -> Result<SurveyView, Error> {
    let context = Context::of(hub, pledge, now).ok_or(Error::NotFound)?;
    let survey = context.survey();
    let ships = context.ships(pledge);
    let (address, answers) = check(&survey, pledge, ships, input)?;
    let save = SurveySave {
        pledge: &pledge.id,
        address: address.as_ref(),
        answers: &answers,
        open: survey.open(context.succeeded),
        complete: survey.asks(pledge.tier_id.as_deref(), ships)
            && survey.complete(pledge.tier_id.as_deref(), ships, address.as_ref(), &answers),
    };
    store.save_survey(save, now).await?.map_err(Error::from)?;
    view(store, hub, pledge, now).await
}

/// The address (when the reward ships) and answers checked, or every problem keyed
/// `address.phone`, `answers.size`.
fn check(
    survey: &Survey,
    pledge: &StoredPledge,
    ships: bool,
    input: SurveyInput,
) -> Result<(Option<domain::address::Address>, std::collections::BTreeMap<String, String>), Error> {
    let mut errors = domain::FieldErrors::new();
    let address = match (ships, input.address) {
        (false, _) => None,
        (true, None) => {
            errors.add("address", domain::FieldError::Required);
            None
        }
        (true, Some(address)) => address
            .check(pledge.ship_to.as_deref())
            .map_err(|e| e.iter().for_each(|(f, e)| errors.add(f.to_owned(), e.clone())))
            .ok(),
    };
    let answers = survey
        .answers(pledge.tier_id.as_deref(), &input.answers)
        .map_err(|e| e.iter().for_each(|(f, e)| errors.add(f.to_owned(), e.clone())))
        .unwrap_or_default();
    if errors.is_empty() { Ok((address, answers)) } else { Err(Error::Invalid(errors)) }
}

/// The view of a survey from what is stored.
fn build(
    context: &Context,
    pledge: &StoredPledge,
    stored: StoredSurvey,
    shipped: bool,
    now: Timestamp,
) -> SurveyView {
    let survey = context.survey();
    let ships = context.ships(pledge);
    let tier = pledge.tier_id.as_deref();
    let state = super::walk::state(&survey, pledge.tier_id.as_deref(), ships, &stored);
    let reason = if survey.locked(now) {
        Some(Refusal::SurveyLocked)
    } else if pledge.cancelled {
        Some(Refusal::PledgeCancelled)
    } else if !survey.open(context.succeeded) {
        Some(Refusal::SurveyNotOpen)
    } else if shipped && ships {
        Some(Refusal::Shipped)
    } else {
        None
    };
    SurveyView {
        state: state.to_owned(),
        editable: reason.is_none() && state != "not_needed",
        reason: reason.map(|r| reason_code(&r).to_owned()),
        opens: survey.opens,
        lock_at: survey.lock_at,
        ships,
        destination: pledge.ship_to.clone(),
        questions: survey.questions_for(tier).cloned().collect(),
        address: stored.address,
        answers: stored.answers,
    }
}

fn reason_code(refusal: &Refusal) -> &'static str {
    match refusal {
        Refusal::SurveyLocked => "locked",
        Refusal::PledgeCancelled => "cancelled",
        Refusal::SurveyNotOpen => "not_open",
        _ => "shipped",
    }
}

/// How far the backers of `campaign` are with its survey at `now`, and what they answered:
/// counts per choice, and for free text the first 100 answers.
pub async fn summary(
    store: &Store,
    campaign: &std::sync::Arc<domain::Campaign>,
    now: Timestamp,
) -> Result<SurveySummary, Error> {
    let survey = campaign.survey().cloned().unwrap_or_default();
    let mut out = SurveySummary {
        locked: survey.locked(now),
        lock_at: survey.lock_at,
        questions: (survey.questions.iter())
            .map(|q| QuestionSummary { id: q.id.clone(), label: q.label.clone(), ..Default::default() })
            .collect(),
        ..Default::default()
    };
    let mut walk = super::walk::Walk::new(store, campaign);
    while let Some(chunk) = walk.next().await? {
        for seen in &chunk {
            match seen.survey {
                "not_needed" => out.not_needed += 1,
                "complete" => out.complete += 1,
                _ => out.incomplete += 1,
            }
            for (q, line) in survey.questions.iter().zip(out.questions.iter_mut()) {
                let Some(answer) = seen.given.answers.get(&q.id) else { continue };
                line.answered += 1;
                match q.kind {
                    QuestionKind::Choice => *line.choices.entry(answer.clone()).or_default() += 1,
                    QuestionKind::Text if line.answers.len() < 100 => line.answers.push(answer.clone()),
                    QuestionKind::Text => {}
                }
            }
        }
    }
    Ok(out)
}

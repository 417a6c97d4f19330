//! What the fan is doing with the form, as one reducer: typing, sending (the form shown as
//! it went, its button busy), refused (with why, field by field), or reading the receipt
//! of the pledge just taken. [`submit`] sends the form and dispatches the outcome.
//!
//! A pledge the server could not take yet (503: saturated, unavailable, outcome unknown; or
//! no answer at all) is sent again with the same idempotency key, after a jittered backoff
//! never shorter than `Retry-After`, while the form says "still trying": the key makes
//! every attempt one pledge, so nothing is taken twice however many it takes. After the
//! last attempt the fan is told the server is busy, and may send it again (same key).

use crate::form::{FormState, form_field};
use crate::hooks::CampaignState;
use crate::i18n::Lang;
use crate::props::Receipt;
use crate::services::{ApiError, WaitlistPlace};
use domain::wire::{CampaignView, PledgeCreated, PledgeRequest};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Pledging {
    pub(super) form: FormState,
    /// The pledge taken, shown as the thank-you view.
    pub(super) receipt: Option<Receipt>,
    /// A pledge is on its way: the button waits and a second press sends nothing.
    pub(super) busy: bool,
    /// The waitlist just joined (the chosen tier was sold out).
    pub(super) waitlisted: Option<WaitlistPlace>,
}

pub(super) enum PledgeAction {
    /// The fan changed the form.
    Edit(FormState),
    /// The form is on its way, as it was sent.
    Send(FormState),
    /// The server could not take it yet: it is on its way again (with why, and still busy).
    Retrying(FormState),
    /// The form came back refused, with why.
    Refused(FormState),
    /// The pledge was taken.
    Taken(Receipt),
    /// The fan joined the chosen tier's waitlist.
    Joined(WaitlistPlace),
    /// Pledge again, from a fresh form.
    Again(FormState),
}

impl Reducible for Pledging {
    type Action = PledgeAction;

    fn reduce(self: Rc<Self>, action: PledgeAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            PledgeAction::Edit(form) => next.form = form,
            PledgeAction::Send(form) => (next.form, next.busy) = (form, true),
            PledgeAction::Retrying(form) => next.form = form,
            PledgeAction::Refused(form) => (next.form, next.busy) = (form, false),
            PledgeAction::Taken(receipt) => (next.receipt, next.busy) = (Some(receipt), false),
            PledgeAction::Joined(place) => (next.waitlisted, next.busy) = (Some(place), false),
            PledgeAction::Again(form) => (next.form, next.receipt) = (form, None),
        }
        Rc::new(next)
    }
}

/// Where a submission's outcome goes: the campaign's numbers and the form's state.
#[derive(Clone)]
pub(super) struct Outcomes {
    pub(super) lang: Lang,
    pub(super) campaign: UseReducerDispatcher<CampaignState>,
    pub(super) pledging: UseReducerDispatcher<Pledging>,
}

/// Sends the form and shows the outcome. What the form cannot even express (an amount that
/// is not a number) is told at once; every other rule is the server's, whose refusal comes
/// back as codes told in the reader's language (checking them here too cost the wasm 5 %).
pub(super) fn submit(to: Outcomes, view: Rc<CampaignView>, mut current: FormState) {
    let lang = to.lang;
    let checked = current.to_request(&view);
    current.errors.clear();
    current.problem = None;
    let request = match checked {
        Ok(request) => PledgeRequest { lang: Some(lang.tag().to_owned()), ..request },
        Err(errors) => {
            for (field, error) in errors.iter() {
                current.errors.insert(form_field(field, &current.tier), lang.field_error(error));
            }
            current.problem = Some(lang.text().fix_fields.to_owned());
            to.pledging.dispatch(PledgeAction::Refused(current));
            return;
        }
    };
    to.pledging.dispatch(PledgeAction::Send(current.clone()));
    if let Some(tier) = current.waitlist_tier(&view).map(|t| t.id.clone()) {
        wasm_bindgen_futures::spawn_local(async move {
            match crate::services::join_waitlist(&view.id, &tier, &request).await {
                Ok(place) => to.pledging.dispatch(PledgeAction::Joined(place)),
                Err(e) => refused(&to, current, e),
            }
        });
        return;
    }
    wasm_bindgen_futures::spawn_local(async move {
        match send(&to, &current, &view.id, &request).await {
            Ok(created) => {
                to.pledging.dispatch(PledgeAction::Taken(Receipt {
                    pledge_id: created.id,
                    name: current.name.trim().to_owned(),
                    amount: created.amount,
                    tier: request.tier,
                    quantity: request.quantity.unwrap_or(1),
                    options: request.options.into_iter().collect(),
                    share_url: created.share_url,
                    receipt_url: created.receipt_url,
                    cancel_action: None,
                    cancelled: false,
                    recruits: 0,
                    recruited_amount: 0,
                    payment: created.payment,
                    choose_by: None,
                    choose_action: None,
                    choose_problem: None,
                    shipping: if request.ship_to.is_some() { current.shipping(&view) } else { 0 },
                    ship_to: request.ship_to,
                }));
                if let Ok(fresh) = crate::services::campaign(&view.id).await {
                    to.campaign.dispatch(fresh);
                }
            }
            Err(e) => refused(&to, current, e),
        }
    });
}

/// Shows why the server refused the form: codes in the reader's language by field (a server
/// too old to send them still has its English sentences), and the refusal above the button.
fn refused(to: &Outcomes, mut current: FormState, error: ApiError) {
    let lang = to.lang;
    match error {
        ApiError::Problem(problem) => {
            for (field, message) in &problem.errors {
                let text =
                    problem.codes.get(field).map_or_else(|| message.clone(), |code| lang.field_error(code));
                current.errors.insert(form_field(field, &current.tier), text);
            }
            current.problem = Some(lang.refusal(&problem));
        }
        ApiError::Network => current.problem = Some(lang.text().network_error.to_owned()),
    }
    to.pledging.dispatch(PledgeAction::Refused(current));
}

/// How many times a pledge is sent before the fan is told the network failed, and the most
/// one wait between two attempts lasts.
const ATTEMPTS: i32 = 8;
const MAX_WAIT_MS: f64 = 8_000.0;

/// Sends the pledge until the server answers it, again with the same key while it cannot
/// take it yet.
async fn send(
    to: &Outcomes,
    form: &FormState,
    campaign: &str,
    request: &PledgeRequest,
) -> Result<PledgeCreated, ApiError> {
    let mut attempt = 1;
    loop {
        let answer = crate::services::pledge(campaign, &form.idempotency_key, request).await;
        let Some(after) = retry_after(&answer).filter(|_| attempt < ATTEMPTS) else { return answer };
        let mut trying = form.clone();
        trying.problem = Some(to.lang.text().still_trying.to_owned());
        to.pledging.dispatch(PledgeAction::Retrying(trying));
        // Never before the server said it could take them, and spread beyond that (half to
        // all of the backoff), so a crowd's retries do not come back as one wave.
        let backoff =
            (500.0 * 2f64.powi(attempt - 1)).min(MAX_WAIT_MS) * (0.5 + js_sys::Math::random() * 0.5);
        let wait = after as f64 * 1000.0 + backoff;
        gloo_timers::future::TimeoutFuture::new(wait as u32).await;
        attempt += 1;
    }
}

/// Seconds to wait at least before sending again, when the answer says the pledge was not
/// taken (or may not have been) for want of the server rather than for a rule.
fn retry_after(answer: &Result<PledgeCreated, ApiError>) -> Option<u64> {
    match answer {
        Err(ApiError::Problem(problem)) if problem.status == 503 => Some(problem.retry_after.unwrap_or(1)),
        Err(ApiError::Network) => Some(1),
        _ => None,
    }
}

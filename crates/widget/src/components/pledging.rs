//! What the fan is doing with the form, as one reducer: typing, sending (the form shown as
//! it went, its button busy), refused (with why, field by field), or reading the receipt
//! of the pledge just taken. [`submit`] sends the form and dispatches the outcome.

use crate::form::{FormState, form_field};
use crate::hooks::CampaignState;
use crate::i18n::Lang;
use crate::props::Receipt;
use domain::wire::{CampaignView, PledgeRequest};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Pledging {
    pub(super) form: FormState,
    /// The pledge taken, shown as the thank-you view.
    pub(super) receipt: Option<Receipt>,
    /// A pledge is on its way: the button waits and a second press sends nothing.
    pub(super) busy: bool,
}

pub(super) enum PledgeAction {
    /// The fan changed the form.
    Edit(FormState),
    /// The form is on its way, as it was sent.
    Send(FormState),
    /// The form came back refused, with why.
    Refused(FormState),
    /// The pledge was taken.
    Taken(Receipt),
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
            PledgeAction::Refused(form) => (next.form, next.busy) = (form, false),
            PledgeAction::Taken(receipt) => (next.receipt, next.busy) = (Some(receipt), false),
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
    wasm_bindgen_futures::spawn_local(async move {
        match crate::services::pledge(&view.id, &current.idempotency_key, &request).await {
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
            Err(crate::services::ApiError::Problem(problem)) => {
                // Codes are told in the reader's language; a server too old to send them
                // still has its English sentences.
                for (field, message) in &problem.errors {
                    let text = problem
                        .codes
                        .get(field)
                        .map_or_else(|| message.clone(), |code| lang.field_error(code));
                    current.errors.insert(form_field(field, &current.tier), text);
                }
                current.problem = Some(lang.refusal(&problem));
                to.pledging.dispatch(PledgeAction::Refused(current));
            }
            Err(crate::services::ApiError::Network) => {
                current.problem = Some(lang.text().network_error.to_owned());
                to.pledging.dispatch(PledgeAction::Refused(current));
            }
        }
    });
}

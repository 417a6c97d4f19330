//! The widget's components. [`App`] owns the state; the others take props and callbacks.

mod card;
mod choose;
mod pledge_form;
mod progress;
mod thanks;
mod tribe;

pub use pledge_form::PledgeForm;
pub use progress::Progress;
pub use thanks::Thanks;
pub use tribe::Tribe;

use crate::form::{FormState, form_field};
use crate::hooks::{CampaignState, use_clock, use_live_progress};
use crate::props::{AppProps, Page, Receipt};
use domain::wire::CampaignView;
use domain::{Status, Timestamp};
use std::rc::Rc;
use yew::prelude::*;

#[function_component]
pub fn App(props: &AppProps) -> Html {
    let campaign = use_reducer(|| CampaignState(Rc::new(props.campaign.clone())));
    use_live_progress(campaign.clone());
    let form = use_state(|| props.form.clone());
    let receipt = use_state(|| props.receipt.clone());
    let busy = use_state(|| false);
    // The countdown runs on the browser's clock once hydrated.
    let now = use_clock(props.now);
    let lang = props.lang;
    let text = lang.text();

    let on_change = {
        let form = form.clone();
        Callback::from(move |next: FormState| form.set(next))
    };
    let on_submit = {
        let (campaign, form, receipt, busy) = (campaign.clone(), form.clone(), receipt.clone(), busy.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            submit(
                lang,
                campaign.0.clone(),
                (*form).clone(),
                campaign.dispatcher(),
                form.clone(),
                receipt.clone(),
                busy.clone(),
            );
        })
    };
    let on_again = {
        let (campaign, form, receipt) = (campaign.clone(), form.clone(), receipt.clone());
        Callback::from(move |()| {
            let fresh = FormState::blank(&campaign.0, &form.referral, &new_key(), Timestamp::from_unix(now));
            form.set(fresh.came_from(&form.source, &form.host));
            receipt.set(None);
        })
    };

    let c: Rc<CampaignView> = campaign.0.clone();
    let status = c.status_at(Timestamp::from_unix(now));
    let body = match (&*receipt, status) {
        (Some(r), _) => html! {
            <Thanks receipt={r.clone()} campaign={c.clone()} lang={lang} now={now} wechat={props.wechat}
                on_again={(props.receipt.is_none()).then_some(on_again)} />
        },
        (None, Status::Live) => html! {
            <PledgeForm campaign={c.clone()} lang={lang} theme={props.theme} accent={props.accent.clone()} form={(*form).clone()}
                busy={*busy} now={now} on_change={on_change} on_submit={on_submit} />
        },
        (None, Status::Scheduled) => html! { <p class="tf-closed">{ text.not_started }</p> },
        (None, Status::Cancelled) => html! { <p class="tf-closed">{ text.cancelled_campaign }</p> },
        (None, _) => html! { <p class="tf-closed">{ text.closed }</p> },
    };
    let heading = match props.page {
        Page::Embed => html! { <h2 class="tf-title">{ &c.title }</h2> },
        Page::Share => html! {
            <>
                if let Some(cover) = &c.cover {
                    <img class="tf-cover" src={cover.clone()} alt="" width="1200" height="675" />
                }
                <h1 class="tf-title">{ &c.title }</h1>
                <p class="tf-summary">{ &c.summary }</p>
            </>
        },
    };
    html! {
        <div class={classes!("tf", format!("tf-{}", props.theme.as_str()))} lang={lang.tag()}
            style={props.accent.as_ref().map(|a| format!("--accent:{a}"))}>
            { heading }
            <Progress campaign={c.clone()} lang={lang} now={now} />
            if let Some(update) = &c.latest_update {
                <p class="tf-update" role="status">
                    <span class="tf-update-label">{ text.latest_update }</span>
                    <a href={format!("/c/{}#update-{}", c.id, update.id)} target="_blank" rel="noopener">{ &update.title }</a>
                </p>
            }
            { body }
            <Tribe campaign={c.clone()} lang={lang} open={props.page == Page::Share} />
            <footer class="tf-footer">
                <a href={format!("/c/{}", c.id)} target="_blank" rel="noopener">{ text.powered_by }</a>
            </footer>
        </div>
    }
}

/// Sends the form and shows the outcome. What the form cannot even express (an amount that
/// is not a number) is told at once; every other rule is the server's, whose refusal comes
/// back as codes told in the reader's language (checking them here too cost the wasm 5 %).
fn submit(
    lang: crate::i18n::Lang,
    view: Rc<CampaignView>,
    mut current: FormState,
    campaign: UseReducerDispatcher<CampaignState>,
    form: UseStateHandle<FormState>,
    receipt: UseStateHandle<Option<Receipt>>,
    busy: UseStateHandle<bool>,
) {
    let checked = current.to_request(&view);
    current.errors.clear();
    current.problem = None;
    let request = match checked {
        Ok(request) => request,
        Err(errors) => {
            for (field, error) in errors.iter() {
                current.errors.insert(form_field(field, &current.tier), lang.field_error(error));
            }
            current.problem = Some(lang.text().fix_fields.to_owned());
            form.set(current);
            return;
        }
    };
    busy.set(true);
    form.set(current.clone());
    wasm_bindgen_futures::spawn_local(async move {
        match crate::services::pledge(&view.id, &current.idempotency_key, &request).await {
            Ok(created) => {
                receipt.set(Some(Receipt {
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
                }));
                if let Ok(fresh) = crate::services::campaign(&view.id).await {
                    campaign.dispatch(fresh);
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
                form.set(current);
            }
            Err(crate::services::ApiError::Network) => {
                current.problem = Some(lang.text().network_error.to_owned());
                form.set(current);
            }
        }
        busy.set(false);
    });
}

/// A fresh idempotency key for the next pledge from this page.
fn new_key() -> String {
    (0..4).map(|_| format!("{:08x}", (js_sys::Math::random() * 4_294_967_296.0) as u32)).collect()
}

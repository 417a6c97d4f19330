//! The pledge form. It is a real HTML form that posts to `/embed/{id}/pledge`, so it works
//! before (or without) the wasm; once hydrated, the app takes over submission.

mod deliver;
mod tier;

pub(crate) use deliver::place_name;

use crate::form::{FormState, field};
use crate::i18n::Lang;
use crate::props::Theme;
use deliver::DeliverTo;
use domain::wire::CampaignView;
use std::rc::Rc;
use tier::TierRow;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PledgeFormProps {
    pub campaign: Rc<CampaignView>,
    pub lang: Lang,
    pub theme: Theme,
    /// Carried through a plain form post, like the theme.
    #[prop_or_default]
    pub accent: Option<String>,
    pub form: FormState,
    /// Where a reward can be delivered, named (see `AppProps::places`).
    #[prop_or_default]
    pub places: Rc<Vec<(String, String)>>,
    pub busy: bool,
    /// Shown but not open yet (a scheduled campaign): every control is disabled until the
    /// campaign starts, which `www/live.js` or the hydrated app sees on the server's clock.
    #[prop_or_default]
    pub closed: bool,
    /// Unix seconds, for tiers with their own availability window.
    pub now: i64,
    pub on_change: Callback<FormState>,
    pub on_submit: Callback<SubmitEvent>,
}

#[function_component]
pub fn PledgeForm(props: &PledgeFormProps) -> Html {
    let c = &props.campaign;
    let text = props.lang.text();
    let form = &props.form;

    // One helper per kind of control: each edit produces a new FormState for the app.
    let edit = |apply: fn(&mut FormState, String)| {
        let form = form.clone();
        let on_change = props.on_change.clone();
        Callback::from(move |e: InputEvent| {
            let mut next = form.clone();
            apply(&mut next, input_value(&e));
            on_change.emit(next);
        })
    };
    let on_no_reward = {
        let form = form.clone();
        let campaign = c.clone();
        let on_change = props.on_change.clone();
        Callback::from(move |_: Event| {
            let mut next = form.clone();
            next.select_tier(&campaign, "");
            on_change.emit(next);
        })
    };
    let on_public = {
        let form = form.clone();
        let on_change = props.on_change.clone();
        Callback::from(move |e: Event| {
            let mut next = form.clone();
            next.public = e.target_dyn_into::<HtmlInputElement>().is_some_and(|i| i.checked());
            on_change.emit(next);
        })
    };
    let error = |name: &str| error_for(form, name);
    let invalid = |name: &str| form.errors.contains_key(name).then_some("true");
    let described = |name: &str| form.errors.contains_key(name).then(|| format!("err-{name}"));

    let least = |t: &domain::wire::TierView| {
        t.price.saturating_mul(i64::from(form.units().unwrap_or(1).max(1))) + form.shipping(c)
    };
    let min = c.tier(&form.tier).map(|t| props.lang.at_least(&c.currency.format(least(t))));
    html! {
        <form class="tf-form" method="post" action={format!("/embed/{}/pledge", c.id)} novalidate=true
            onsubmit={props.on_submit.clone()} data-testid="pledge-form"
            data-resubmit={(form.retrying > 0).then(|| form.retrying.to_string())}>
            <input type="hidden" name={field::REFERRAL} value={form.referral.clone()} />
            <input type="hidden" name={field::SOURCE} value={form.source.clone()} />
            <input type="hidden" name={field::HOST} value={form.host.clone()} />
            <input type="hidden" name={field::IDEMPOTENCY_KEY} value={form.idempotency_key.clone()} />
            if !form.form_token.is_empty() {
                <input type="hidden" name={field::FORM_TOKEN} value={form.form_token.clone()} />
            }
            if form.retrying > 0 {
                <input type="hidden" name={field::RETRY} value={form.retrying.to_string()} />
            }
            <input type="hidden" name="lang" value={props.lang.tag()} />
            <input type="hidden" name="theme" value={props.theme.as_str()} />
            if let Some(accent) = &props.accent {
                <input type="hidden" name="accent" value={accent.clone()} />
            }
            <fieldset class="tf-all" disabled={props.closed} data-testid="form-controls">
            <fieldset class="tf-tiers">
                <legend>{ text.choose_reward }</legend>
                { for c.tiers.iter().map(|tier| html! {
                    <TierRow campaign={c.clone()} tier={tier.id.clone()} lang={props.lang} form={form.clone()}
                        now={props.now} on_change={props.on_change.clone()} />
                }) }
                <div class="tf-tier" data-tier="">
                    <label>
                        <input type="radio" name={field::TIER} value="" checked={form.tier.is_empty()} onchange={on_no_reward} />
                        <span class="tf-tier-title">{ text.no_reward }</span>
                        <span class="tf-left">{ text.no_reward_hint }</span>
                    </label>
                </div>
                { error(field::TIER) }
            </fieldset>
            <DeliverTo campaign={c.clone()} lang={props.lang} form={form.clone()} places={props.places.clone()}
                on_change={props.on_change.clone()} />
            <label class="tf-field">
                <span>{ text.amount }{" "}<small>{ min.unwrap_or_default() }</small></span>
                <span class="tf-money">
                    <span class="tf-currency">{ c.currency.symbol() }</span>
                    <input name={field::AMOUNT} inputmode="decimal" autocomplete="off" value={form.amount.clone()}
                        oninput={edit(|f, v| f.amount = v)} aria-invalid={invalid(field::AMOUNT)}
                        aria-describedby={described(field::AMOUNT)} />
                </span>
                { error(field::AMOUNT) }
            </label>
            <label class="tf-field">
                <span>{ text.name }</span>
                <input name={field::NAME} autocomplete="name" maxlength="60" value={form.name.clone()}
                    oninput={edit(|f, v| f.name = v)} aria-invalid={invalid(field::NAME)} aria-describedby={described(field::NAME)} />
                { error(field::NAME) }
            </label>
            <label class="tf-field">
                <span>{ text.contact }{" "}<small>{ text.contact_hint }</small></span>
                <input name={field::CONTACT} autocomplete="email" maxlength="120" value={form.contact.clone()}
                    oninput={edit(|f, v| f.contact = v)} aria-invalid={invalid(field::CONTACT)} aria-describedby={described(field::CONTACT)} />
                { error(field::CONTACT) }
            </label>
            <label class="tf-check">
                <input type="checkbox" name={field::PUBLIC} checked={form.public} onchange={on_public} />
                <span>{ text.public }</span>
            </label>
            <label class="tf-field">
                <span>{ text.message }</span>
                <textarea name={field::MESSAGE} rows="2" maxlength="500" value={form.message.clone()}
                    oninput={edit(|f, v| f.message = v)} aria-invalid={invalid(field::MESSAGE)} />
                { error(field::MESSAGE) }
            </label>
            if let Some(problem) = &form.problem {
                <p class="tf-problem" role="alert" data-testid="problem">{ problem }</p>
            }
            if form.waitlist_tier(&props.campaign).is_none() {
                <button type="submit" class="tf-submit" disabled={props.busy}>
                    { if props.busy { text.sending } else { text.pledge } }
                </button>
            } else {
                // Named, so the plain form's handler knows the fan asked to wait in line.
                <button type="submit" class="tf-submit" name={field::WAITLIST} value="1" disabled={props.busy}
                    data-testid="join-waitlist">
                    { if props.busy { text.sending } else { text.join_waitlist } }
                </button>
            }
            </fieldset>
        </form>
    }
}

/// The message under a field the server or the checks refused, where `aria-describedby`
/// points.
fn error_for(form: &FormState, name: &str) -> Html {
    match form.errors.get(name) {
        Some(message) => html! { <p class="tf-error" id={format!("err-{name}")}>{ message }</p> },
        None => Html::default(),
    }
}

fn input_value(e: &InputEvent) -> String {
    if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
        input.value()
    } else if let Some(area) = e.target_dyn_into::<HtmlTextAreaElement>() {
        area.value()
    } else {
        String::new()
    }
}

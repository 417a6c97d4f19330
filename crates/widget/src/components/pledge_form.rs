//! The pledge form. It is a real HTML form that posts to `/embed/{id}/pledge`, so it works
//! before (or without) the wasm; once hydrated, the app takes over submission.

use crate::form::{FormState, field, option_key};
use crate::i18n::Lang;
use crate::props::Theme;
use domain::Timestamp;
use domain::wire::{CampaignView, TierView};
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
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
    pub busy: bool,
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
    let on_tier = |tier: String| {
        let form = form.clone();
        let campaign = c.clone();
        let on_change = props.on_change.clone();
        Callback::from(move |_: Event| {
            let mut next = form.clone();
            next.select_tier(&campaign, &tier);
            on_change.emit(next);
        })
    };
    let on_option = |key: String| {
        let form = form.clone();
        let on_change = props.on_change.clone();
        Callback::from(move |e: Event| {
            let mut next = form.clone();
            if let Some(select) = e.target_dyn_into::<HtmlSelectElement>() {
                next.options.insert(key.clone(), select.value());
            }
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

    let error = |name: &str| -> Html {
        match form.errors.get(name) {
            Some(message) => html! { <p class="tf-error" id={format!("err-{name}")}>{ message }</p> },
            None => Html::default(),
        }
    };
    let invalid = |name: &str| form.errors.contains_key(name).then_some("true");
    let described = |name: &str| form.errors.contains_key(name).then(|| format!("err-{name}"));

    // Typing units into a tier's box also chooses that tier.
    let on_quantity = |tier: String| {
        let form = form.clone();
        let campaign = c.clone();
        let on_change = props.on_change.clone();
        Callback::from(move |e: InputEvent| {
            let mut next = form.clone();
            if next.tier != tier {
                next.select_tier(&campaign, &tier);
            }
            next.set_quantity(&campaign, input_value(&e));
            on_change.emit(next);
        })
    };
    let now = Timestamp::from_unix(props.now);
    let tier_row = |tier: &TierView| -> Html {
        let checked = form.tier == tier.id;
        let open = tier.available_at(now);
        let sold_out = tier.sold_out();
        let note = match tier.remaining() {
            _ if sold_out => text.sold_out.to_owned(),
            _ if tier.available_from.is_some_and(|from| now < from) => text.not_yet.to_owned(),
            _ if !open => text.no_longer.to_owned(),
            Some(left) => props.lang.remaining(left),
            None => String::new(),
        };
        let disabled = sold_out || !open;
        html! {
            <div class={classes!("tf-tier", disabled.then_some("tf-sold-out"))} data-tier={tier.id.clone()}>
                <label>
                    <input type="radio" name={field::TIER} value={tier.id.clone()} checked={checked}
                        disabled={disabled} onchange={on_tier(tier.id.clone())} />
                    <span class="tf-tier-title">{ &tier.title }</span>
                    <span class="tf-price">{ c.currency.format(tier.price) }</span>
                    <span class="tf-left">{ note }</span>
                </label>
                if (!tier.options.is_empty() || tier.per_backer > 1) && !disabled {
                    <div class="tf-options">
                        if tier.per_backer > 1 {
                            <label class="tf-option">
                                <span>{ text.units }</span>
                                <input type="number" name={format!("{}{}", field::QUANTITY_PREFIX, tier.id)} min="1"
                                    max={tier.per_backer.to_string()} inputmode="numeric" placeholder="1"
                                    value={if checked { form.quantity.clone() } else { String::new() }}
                                    oninput={on_quantity(tier.id.clone())}
                                    aria-invalid={invalid(&format!("{}{}", field::QUANTITY_PREFIX, tier.id))} />
                                { error(&format!("{}{}", field::QUANTITY_PREFIX, tier.id)) }
                            </label>
                        }
                        { for tier.options.iter().map(|option| {
                            let key = option_key(&tier.id, &option.name);
                            let selected = form.options.get(&key).cloned().unwrap_or_default();
                            let name = format!("{}{key}", field::OPTION_PREFIX);
                            html! {
                                <label class="tf-option">
                                    <span>{ &option.name }</span>
                                    <select name={name.clone()} onchange={on_option(key.clone())}
                                        aria-invalid={invalid(&name)} aria-describedby={described(&name)}>
                                        { for option.values.iter().map(|v| {
                                            let count = match v.min_batch {
                                                Some(batch) => format!("{} · {}", v.value, props.lang.batch(v.claimed, batch)),
                                                None => v.value.clone(),
                                            };
                                            html! { <option value={v.value.clone()} selected={v.value == selected}>{ count }</option> }
                                        }) }
                                    </select>
                                    { error(&name) }
                                    // Opened from a friend's variant link: say what the variant still needs.
                                    if form.picked && checked {
                                        if let Some((v, batch)) = option.values.iter().find(|v| v.value == selected).and_then(|v| Some((v, v.min_batch?))).filter(|(v, _)| !v.unlocked()) {
                                            <p class="tf-pick" data-testid="pick">{ props.lang.more_to_unlock(&v.value, batch - v.claimed) }</p>
                                        }
                                    }
                                </label>
                            }
                        }) }
                    </div>
                }
            </div>
        }
    };

    let min = c.tier(&form.tier).map(|t| props.lang.at_least(&c.currency.format(t.price)));
    html! {
        <form class="tf-form" method="post" action={format!("/embed/{}/pledge", c.id)} novalidate=true
            onsubmit={props.on_submit.clone()} data-testid="pledge-form">
            <input type="hidden" name={field::REFERRAL} value={form.referral.clone()} />
            <input type="hidden" name={field::SOURCE} value={form.source.clone()} />
            <input type="hidden" name={field::HOST} value={form.host.clone()} />
            <input type="hidden" name={field::IDEMPOTENCY_KEY} value={form.idempotency_key.clone()} />
            if !form.form_token.is_empty() {
                <input type="hidden" name={field::FORM_TOKEN} value={form.form_token.clone()} />
            }
            <input type="hidden" name="lang" value={props.lang.tag()} />
            <input type="hidden" name="theme" value={props.theme.as_str()} />
            if let Some(accent) = &props.accent {
                <input type="hidden" name="accent" value={accent.clone()} />
            }
            <fieldset class="tf-tiers">
                <legend>{ text.choose_reward }</legend>
                { for c.tiers.iter().map(tier_row) }
                <div class="tf-tier" data-tier="">
                    <label>
                        <input type="radio" name={field::TIER} value="" checked={form.tier.is_empty()} onchange={on_tier(String::new())} />
                        <span class="tf-tier-title">{ text.no_reward }</span>
                        <span class="tf-left">{ text.no_reward_hint }</span>
                    </label>
                </div>
                { error(field::TIER) }
            </fieldset>
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
            <button type="submit" class="tf-submit" disabled={props.busy}>
                { if props.busy { text.sending } else { text.pledge } }
            </button>
        </form>
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

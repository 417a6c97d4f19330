//! One tier's row of the pledge form: its radio button, price and what is left, and once
//! chosen, its units and the options a backer customises it with.

use super::{error_for, input_value};
use crate::form::{FormState, field, option_key};
use crate::i18n::{Lang, Until};
use domain::Timestamp;
use domain::wire::{CampaignView, OptionView, TierView};
use std::rc::Rc;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct TierRowProps {
    pub(super) campaign: Rc<CampaignView>,
    /// The tier's id in `campaign`.
    pub(super) tier: String,
    pub(super) lang: Lang,
    pub(super) form: FormState,
    /// Unix seconds, for the tier's own availability window.
    pub(super) now: i64,
    pub(super) on_change: Callback<FormState>,
}

/// A change to the form made from this row: the app gets the whole new form.
fn changed(props: &TierRowProps, apply: impl Fn(&mut FormState, &Event) + 'static) -> Callback<Event> {
    let (form, on_change) = (props.form.clone(), props.on_change.clone());
    Callback::from(move |e: Event| {
        let mut next = form.clone();
        apply(&mut next, &e);
        on_change.emit(next);
    })
}

#[function_component]
pub(super) fn TierRow(props: &TierRowProps) -> Html {
    let (c, form, text) = (&props.campaign, &props.form, props.lang.text());
    let Some(tier) = c.tier(&props.tier) else { return Html::default() };
    let now = Timestamp::from_unix(props.now);
    let checked = form.tier == tier.id;
    let open = tier.available_at(now);
    let sold_out = tier.sold_out();
    let lang = props.lang;
    let opens = tier.available_from.filter(|&from| now < from);
    let closes = tier.available_until.filter(|&until| open && until.unix() - now.unix() <= CLOSING_SHOWN);
    let left = tier.remaining().map(|left| lang.remaining(left)).unwrap_or_default();
    let note = match (opens, closes) {
        _ if sold_out && open => lang.sold_out_note(tier.waitlist),
        _ if sold_out => text.sold_out.to_owned(),
        (Some(from), _) => lang.countdown(Until::Opens, from, now).unwrap_or_else(|| text.not_yet.to_owned()),
        _ if !open => text.no_longer.to_owned(),
        (_, Some(until)) => {
            let closing = lang.countdown(Until::Closes, until, now).unwrap_or_default();
            [left.as_str(), &closing]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" · ")
        }
        _ => left.clone(),
    };
    // A sold-out tier stays open to choose while its window is: choosing it joins its
    // waitlist.
    let disabled = !open;
    let on_tier = {
        let (campaign, id) = (c.clone(), tier.id.clone());
        changed(props, move |next, _| next.select_tier(&campaign, &id))
    };
    html! {
        <div class={classes!("tf-tier", (disabled || sold_out).then_some("tf-sold-out"))} data-tier={tier.id.clone()}
            data-left-words={lang.remaining(987_654).replace("987654", "#")} data-sold-out={lang.sold_out_note(987_654).replace("987654", "#")}
            data-closed={text.no_longer}>
            <label>
                // The fan's own choice stays sendable even once it sells out or closes: the
                // server then says so, where a disabled radio would drop the tier from the
                // post and make it a pledge without reward.
                <input type="radio" name={field::TIER} value={tier.id.clone()} checked={checked}
                    disabled={disabled && !checked} onchange={on_tier} />
                <span class="tf-tier-title">{ &tier.title }</span>
                <span class="tf-price">{ c.currency.format(tier.price) }</span>
                <span class="tf-left" data-testid="tier-note">{ note }</span>
            </label>
            if (!tier.options.is_empty() || tier.per_backer > 1) && !disabled {
                <div class="tf-options">
                    if tier.per_backer > 1 {
                        { units(props, tier, checked) }
                    }
                    { for tier.options.iter().map(|option| option_select(props, tier, option, checked)) }
                </div>
            }
        </div>
    }
}

/// How long before a tier's window closes its countdown is shown: a day.
const CLOSING_SHOWN: i64 = 86_400;

/// How many units of the tier; typing them also chooses the tier.
fn units(props: &TierRowProps, tier: &TierView, checked: bool) -> Html {
    let name = format!("{}{}", field::QUANTITY_PREFIX, tier.id);
    let oninput = {
        let (form, campaign, on_change, id) =
            (props.form.clone(), props.campaign.clone(), props.on_change.clone(), tier.id.clone());
        Callback::from(move |e: InputEvent| {
            let mut next = form.clone();
            if next.tier != id {
                next.select_tier(&campaign, &id);
            }
            next.set_quantity(&campaign, input_value(&e));
            on_change.emit(next);
        })
    };
    html! {
        <label class="tf-option">
            <span>{ props.lang.text().units }</span>
            <input type="number" name={name.clone()} min="1"
                max={tier.per_backer.to_string()} inputmode="numeric" placeholder="1"
                value={if checked { props.form.quantity.clone() } else { String::new() }}
                {oninput}
                aria-invalid={props.form.errors.contains_key(&name).then_some("true")} />
            { error_for(&props.form, &name) }
        </label>
    }
}

/// One option's values, each with what its batch still needs; opened from a friend's
/// variant link, what the chosen variant still needs to be made.
fn option_select(props: &TierRowProps, tier: &TierView, option: &OptionView, checked: bool) -> Html {
    let (form, lang) = (&props.form, props.lang);
    let key = option_key(&tier.id, &option.name);
    let selected = form.options.get(&key).cloned().unwrap_or_default();
    let name = format!("{}{key}", field::OPTION_PREFIX);
    let onchange = changed(props, move |next, e| {
        if let Some(select) = e.target_dyn_into::<HtmlSelectElement>() {
            next.options.insert(key.clone(), select.value());
        }
    });
    let needs = option
        .values
        .iter()
        .find(|v| v.value == selected)
        .and_then(|v| Some((v, v.min_batch?)))
        .filter(|(v, _)| form.picked && checked && !v.unlocked());
    html! {
        <label class="tf-option">
            <span>{ &option.name }</span>
            <select name={name.clone()} {onchange}
                aria-invalid={form.errors.contains_key(&name).then_some("true")}
                aria-describedby={form.errors.contains_key(&name).then(|| format!("err-{name}"))}>
                { for option.values.iter().map(|v| {
                    let count = match v.min_batch {
                        Some(batch) => format!("{} · {}", v.value, lang.batch(v.claimed, batch)),
                        None => v.value.clone(),
                    };
                    html! { <option value={v.value.clone()} selected={v.value == selected}>{ count }</option> }
                }) }
            </select>
            { error_for(form, &name) }
            if let Some((v, batch)) = needs {
                <p class="tf-pick" data-testid="pick">{ lang.more_to_unlock(&v.value, batch - v.claimed) }</p>
            }
        </label>
    }
}

//! Where the chosen tier's reward is delivered: the destinations it prices first, then,
//! when it delivers anywhere, every other country and region; each with what delivery
//! there costs. Shown only while the chosen tier ships. The names come with the page
//! (`AppProps::places`).

use super::error_for;
use crate::form::{FormState, field};
use crate::i18n::Lang;
use domain::shipping::{ANYWHERE, price_to};
use domain::wire::CampaignView;
use std::rc::Rc;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct DeliverToProps {
    pub(super) campaign: Rc<CampaignView>,
    pub(super) lang: Lang,
    pub(super) form: FormState,
    pub(super) places: Rc<Vec<(String, String)>>,
    pub(super) on_change: Callback<FormState>,
}

#[function_component]
pub(super) fn DeliverTo(props: &DeliverToProps) -> Html {
    let (c, form, lang) = (&props.campaign, &props.form, props.lang);
    let Some(tier) = c.tier(&form.tier).filter(|t| t.ships) else { return Html::default() };
    let text = lang.text();
    let named = |code: &str| {
        let name = place_name(&props.places, code);
        match price_to(&tier.shipping, code) {
            Some(_) if tier.shipping.is_empty() => name.to_owned(),
            Some(0) => format!("{name} · {}", text.delivery_free),
            Some(price) => format!("{name} · {} {}", text.delivery, c.currency.format(price)),
            None => name.to_owned(),
        }
    };
    let listed: Vec<&str> =
        tier.shipping.iter().map(|p| p.to.as_str()).filter(|to| *to != ANYWHERE).collect();
    let anywhere = tier.shipping.is_empty() || tier.shipping.iter().any(|p| p.to == ANYWHERE);
    let others: Vec<&str> = (props.places.iter())
        .map(|(code, _)| code.as_str())
        .filter(|code| anywhere && !listed.contains(code))
        .collect();
    let onchange = {
        let (form, campaign, on_change) = (form.clone(), c.clone(), props.on_change.clone());
        Callback::from(move |e: Event| {
            let mut next = form.clone();
            if let Some(select) = e.target_dyn_into::<HtmlSelectElement>() {
                next.set_ship_to(&campaign, select.value());
            }
            on_change.emit(next);
        })
    };
    let option = |code: &str| {
        html! { <option value={code.to_owned()} selected={form.ship_to == code}>{ named(code) }</option> }
    };
    let invalid = form.errors.contains_key(field::SHIP_TO);
    html! {
        <label class="tf-field" data-testid="deliver-to">
            <span>{ text.deliver_to }</span>
            <select name={field::SHIP_TO} {onchange} autocomplete="country"
                aria-invalid={invalid.then_some("true")}
                aria-describedby={invalid.then(|| format!("err-{}", field::SHIP_TO))}>
                <option value="" selected={form.ship_to.is_empty()}>{ text.choose_destination }</option>
                { for listed.iter().map(|code| option(code)) }
                if !others.is_empty() && !listed.is_empty() {
                    <optgroup label={text.elsewhere}>
                        { for others.iter().map(|code| option(code)) }
                    </optgroup>
                } else {
                    { for others.iter().map(|code| option(code)) }
                }
            </select>
            { error_for(form, field::SHIP_TO) }
        </label>
    }
}

/// The name of place `code` among `places`, or the code itself.
pub(crate) fn place_name<'a>(places: &'a [(String, String)], code: &'a str) -> &'a str {
    places.iter().find(|(c, _)| c == code).map_or(code, |(_, name)| name.as_str())
}

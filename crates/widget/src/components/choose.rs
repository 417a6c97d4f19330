//! A backer whose chosen value was not made, where the creator offers the values that are,
//! chooses one before their time runs out (after it, the pledge is cancelled and refunded).

use crate::i18n::Lang;
use domain::Timestamp;
use domain::wire::TierView;
use std::collections::BTreeMap;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct ChooseProps {
    pub tier: TierView,
    /// The backer's chosen values.
    pub options: Vec<(String, String)>,
    pub token: String,
    pub choose_by: Timestamp,
    pub lang: Lang,
    /// Where the form posts when the wasm is not there to send it (the receipt page's).
    pub action: Option<String>,
    /// Why the choice posted there was refused.
    pub problem: Option<String>,
}

#[function_component]
pub(super) fn Choose(props: &ChooseProps) -> Html {
    let text = props.lang.text();
    // For each option whose value was not made, the values that are, and the one picked.
    let offers: Vec<(String, Vec<String>)> = props
        .options
        .iter()
        .filter_map(|(name, value)| {
            let option = props.tier.options.iter().find(|o| &o.name == name)?;
            let chosen = option.values.iter().find(|v| &v.value == value)?;
            (!chosen.unlocked()).then(|| {
                let made = option.values.iter().filter(|v| v.unlocked()).map(|v| v.value.clone()).collect();
                (name.clone(), made)
            })
        })
        .collect();
    let picked = use_state(|| {
        let mut picked = BTreeMap::new();
        for (name, made) in &offers {
            if let Some(first) = made.first() {
                picked.insert(name.clone(), first.clone());
            }
        }
        picked
    });
    let outcome = use_state(|| props.problem.clone().map(Err::<(), String>));
    let on_submit = {
        let (picked, outcome, token, lang) =
            (picked.clone(), outcome.clone(), props.token.clone(), props.lang);
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let (choice, outcome, token) = ((*picked).clone(), outcome.clone(), token.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let chosen = crate::services::choose_options(&token, choice).await;
                outcome.set(Some(chosen.map_err(|e| match e {
                    crate::services::ApiError::Problem(problem) => lang.choose_refused(&problem),
                    crate::services::ApiError::Network => lang.text().network_error.to_owned(),
                })));
            });
        })
    };
    if let Some(Ok(())) = &*outcome {
        return html! { <p class="tf-payment" data-testid="chosen">{ text.value_chosen }</p> };
    }
    let by = props.choose_by.to_string().get(..16).unwrap_or_default().replace('T', " ");
    html! {
        <form class="tf-choose" data-testid="choose" method="post" action={props.action.clone()} onsubmit={on_submit}>
            <p>{ format!("{} {by} UTC", text.choose_prompt) }</p>
            { for offers.iter().map(|(name, made)| {
                let (picked, key) = (picked.clone(), name.clone());
                let on_change = Callback::from(move |event: Event| {
                    if let Some(select) = event.target_dyn_into::<web_sys::HtmlSelectElement>() {
                        let mut next = (*picked).clone();
                        next.insert(key.clone(), select.value());
                        picked.set(next);
                    }
                });
                html! {
                    <label class="tf-option">
                        <span>{ name }</span>
                        <select name={format!("choose.{name}")} onchange={on_change}>
                            { for made.iter().map(|v| html! { <option value={v.clone()}>{ v }</option> }) }
                        </select>
                    </label>
                }
            }) }
            if let Some(Err(why)) = &*outcome {
                <p class="tf-problem" role="alert" data-testid="choose-refused">{ why }</p>
            }
            <button type="submit" data-testid="choose-submit">{ text.choose }</button>
        </form>
    }
}

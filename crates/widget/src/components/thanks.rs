//! The thank-you view: what was pledged and the backer's personal share link.

use crate::i18n::Lang;
use crate::props::Receipt;
use domain::Currency;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ThanksProps {
    pub receipt: Receipt,
    pub currency: Currency,
    pub lang: Lang,
    /// Shown as "Pledge again" when set.
    #[prop_or_default]
    pub on_again: Option<Callback<()>>,
}

#[function_component]
pub fn Thanks(props: &ThanksProps) -> Html {
    let text = props.lang.text();
    let r = &props.receipt;
    let copied = use_state(|| false);
    let link = use_node_ref();
    let on_copy = {
        let copied = copied.clone();
        let link = link.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(input) = link.cast::<web_sys::HtmlInputElement>() {
                input.select();
                if let Some(window) = web_sys::window() {
                    let _ = window.navigator().clipboard().write_text(&input.value());
                }
                copied.set(true);
            }
        })
    };
    let chosen: Vec<String> = r
        .tier_title
        .iter()
        .cloned()
        .chain(r.options.iter().map(|(name, value)| format!("{name}: {value}")))
        .collect();
    html! {
        <section class="tf-thanks" role="status" data-testid="thanks">
            <h2>{ props.lang.thanks(&r.name, &props.currency.format(r.amount)) }</h2>
            if !chosen.is_empty() {
                <p class="tf-chosen">{ chosen.join(" · ") }</p>
            }
            <p>{ text.share_prompt }</p>
            <div class="tf-share">
                <input ref={link} readonly=true value={r.share_url.clone()} data-testid="share-url" aria-label={text.share_prompt} />
                <button type="button" onclick={on_copy}>{ if *copied { text.copied } else { text.copy } }</button>
            </div>
            <p class="tf-links">
                <a href={r.receipt_url.clone()} target="_blank" rel="noopener">{ text.receipt }</a>
                if let Some(again) = &props.on_again {
                    {" · "}
                    <button type="button" class="tf-link-button" onclick={again.reform(|_: MouseEvent| ())}>{ text.pledge_again }</button>
                }
            </p>
        </section>
    }
}

//! The backer's share block: their personal link to copy or share, how many friends came
//! through it (refreshed while the page is visible), WeChat's way to share, the link's QR
//! code, and a link straight to the variant still short of its batch.

use crate::i18n::Lang;
use crate::props::Receipt;
use domain::wire::CampaignView;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct ShareProps {
    pub(super) campaign: Rc<CampaignView>,
    pub(super) receipt: Receipt,
    pub(super) lang: Lang,
    /// In WeChat's in-app browser: show how its ··· menu shares.
    pub(super) wechat: bool,
    /// Each chosen value still short of its batch, in words.
    pub(super) short: Vec<String>,
}

#[function_component]
pub(super) fn Share(props: &ShareProps) -> Html {
    let (r, c, lang, text) = (&props.receipt, &props.campaign, props.lang, props.lang.text());
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
    // The Web Share API, where the browser has it (found after hydration, so the server's
    // HTML and the first render agree).
    let can_share = use_state(|| false);
    {
        let can_share = can_share.clone();
        use_effect_with((), move |_| can_share.set(crate::services::can_share()));
    }
    let on_share = {
        let (title, url) = (c.title.clone(), r.share_url.clone());
        Callback::from(move |_: MouseEvent| crate::services::share(&title, &url))
    };
    let (recruits, recruited_amount) = use_tribe(r);
    let code = r.share_url.rsplit_once("ref=").map(|(_, code)| code.to_owned()).unwrap_or_default();
    html! {
        <>
            <p>{ text.share_prompt }</p>
            if recruits > 0 {
                <p class="tf-recruits" data-testid="recruits">{ lang.your_tribe(recruits, &c.currency.format(recruited_amount)) }</p>
            }
            <div class="tf-share">
                <input ref={link} readonly=true value={r.share_url.clone()} data-testid="share-url" aria-label={text.share_prompt} />
                <button type="button" onclick={on_copy}>{ if *copied { text.copied } else { text.copy } }</button>
                if *can_share {
                    <button type="button" onclick={on_share} data-testid="share">{ text.share }</button>
                }
            </div>
            if props.wechat {
                <p class="tf-wechat" data-testid="wechat-guide">{ text.wechat_guide }</p>
            }
            <figure class="tf-qr">
                <img src={format!("/c/{}/qr.svg?ref={code}", c.id)} width="160" height="160" alt={text.qr_alt} />
                <figcaption>{ text.qr_hint }</figcaption>
            </figure>
            if let (false, Some(tier)) = (props.short.is_empty(), &r.tier) {
                <p class="tf-pick" data-testid="short">{ props.short.join(" · ") }</p>
                <p>{ text.share_variant }</p>
                <input class="tf-variant" readonly=true data-testid="variant-url" aria-label={text.share_variant}
                    value={crate::form::variant_link(&r.share_url, tier, &r.options)} />
            }
        </>
    }
}

/// How many friends backed through the link, and what they brought: the server-rendered
/// count at load, then refreshed every 15 s while the page is visible.
#[hook]
fn use_tribe(r: &Receipt) -> (u32, i64) {
    let tribe = use_state(|| (r.recruits, r.recruited_amount));
    {
        let tribe = tribe.clone();
        let token = r.receipt_url.rsplit('/').next().unwrap_or_default().to_owned();
        use_effect_with(token, move |token| {
            let token = token.clone();
            let interval = gloo_timers::callback::Interval::new(15_000, move || {
                if crate::services::page_hidden() || token.len() != 64 {
                    return;
                }
                let (tribe, token) = (tribe.clone(), token.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(receipt) = crate::services::receipt(&token).await {
                        tribe.set((receipt.recruits, receipt.recruited_amount));
                    }
                });
            });
            move || drop(interval)
        });
    }
    *tribe
}

//! The card form of a pledge to a campaign taking cards: Stripe's Card Element, mounted in
//! the widget's own frame, and `confirmCardSetup` with the SetupIntent's secret. The server
//! is then asked to read the intent back from Stripe; it never takes this page's word.

use crate::i18n::Lang;
use domain::wire::PaymentInfo;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

#[wasm_bindgen(module = "/js/card.js")]
extern "C" {
    #[wasm_bindgen(js_name = mountCard, catch)]
    async fn mount_card(url: &str, key: &str, element: web_sys::Element) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = confirmCard)]
    async fn confirm_card(handle: &JsValue, secret: &str, name: &str) -> JsValue;
}

#[derive(Properties, PartialEq)]
pub(super) struct CardProps {
    pub payment: PaymentInfo,
    /// The pledge's receipt token: the card calls are the backer's own.
    pub token: String,
    pub name: String,
    pub lang: Lang,
    /// The payment after the card was saved.
    pub on_saved: Callback<PaymentInfo>,
}

#[function_component]
pub(super) fn CardForm(props: &CardProps) -> Html {
    let text = props.lang.text();
    let host = use_node_ref();
    let handle = use_mut_ref(|| None::<JsValue>);
    let secret = use_mut_ref(|| props.payment.client_secret.clone());
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    {
        let (host, handle, error) = (host.clone(), handle.clone(), error.clone());
        let (js, key) = (props.payment.stripe_js.clone(), props.payment.publishable_key.clone());
        let unavailable = text.card_unavailable;
        use_effect_with((), move |_| {
            if let (Some(js), Some(key), Some(element)) = (js, key, host.cast::<web_sys::Element>()) {
                wasm_bindgen_futures::spawn_local(async move {
                    match mount_card(&js, &key, element).await {
                        Ok(mounted) => *handle.borrow_mut() = Some(mounted),
                        Err(_) => error.set(Some(unavailable.to_owned())),
                    }
                });
            }
        });
    }
    let on_submit = {
        let (handle, secret, error, busy) = (handle.clone(), secret.clone(), error.clone(), busy.clone());
        let (token, name, on_saved) = (props.token.clone(), props.name.clone(), props.on_saved.clone());
        let unavailable = text.card_unavailable;
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let Some(mounted) = handle.borrow().clone() else { return };
            let (secret, error, busy) = (secret.clone(), error.clone(), busy.clone());
            let (token, name, on_saved) = (token.clone(), name.clone(), on_saved.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let outcome = save(&mounted, &secret, &token, &name).await;
                busy.set(false);
                match outcome {
                    Ok(info) => on_saved.emit(info),
                    Err(why) => error.set(Some(why.unwrap_or_else(|| unavailable.to_owned()))),
                }
            });
        })
    };
    html! {
        <form class="tf-card" data-testid="card-form" onsubmit={on_submit}>
            <div ref={host} class="tf-card-field" data-testid="card-field"></div>
            if let Some(why) = &*error {
                <p class="tf-problem" role="alert" data-testid="card-error">{ why }</p>
            }
            <button type="submit" disabled={*busy} data-testid="card-save">
                { if *busy { text.card_saving } else { text.card_save } }
            </button>
        </form>
    }
}

/// Confirms the card with Stripe, then has the server read it back. `Err(Some(why))` is
/// Stripe's word for the backer (a declined card); `Err(None)` a call that failed.
async fn save(
    mounted: &JsValue,
    secret: &std::cell::RefCell<Option<String>>,
    token: &str,
    name: &str,
) -> Result<PaymentInfo, Option<String>> {
    let known = secret.borrow().clone();
    let current = match known {
        Some(current) => current,
        None => {
            let started = crate::services::start_card(token).await.map_err(|_| None)?;
            let fresh = started.client_secret.ok_or(None)?;
            *secret.borrow_mut() = Some(fresh.clone());
            fresh
        }
    };
    let why = confirm_card(mounted, &current, name).await.as_string().unwrap_or_default();
    if !why.is_empty() {
        // A declined card's intent may be spent: the next try asks for a fresh one.
        *secret.borrow_mut() = None;
        return Err(Some(why));
    }
    crate::services::confirm_card(token).await.map_err(|_| None)
}

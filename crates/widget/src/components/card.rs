//! The card form of a pledge to a campaign taking cards: the server's `/pay/{token}` page in
//! a frame of its own, where Stripe's Card Element and `confirmCardSetup` run apart from the
//! widget. That page tells this one (same origin only) the payment's new status and how
//! tall it is.

use crate::i18n::Lang;
use domain::wire::PaymentInfo;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct CardProps {
    /// The pledge's receipt token: the card calls are the backer's own.
    pub token: String,
    pub lang: Lang,
    /// The payment once the card form has saved a card.
    pub on_saved: Callback<PaymentInfo>,
}

#[function_component]
pub(super) fn CardForm(props: &CardProps) -> Html {
    let height = use_state(|| 150_u32);
    {
        let (height, on_saved) = (height.clone(), props.on_saved.clone());
        use_effect_with((), move |_| {
            let window = web_sys::window();
            let origin = window.as_ref().and_then(|w| w.location().origin().ok()).unwrap_or_default();
            let listener =
                Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
                    if event.origin() != origin {
                        return;
                    }
                    let data = event.data();
                    let kind = js_sys::Reflect::get(&data, &"type".into()).ok().and_then(|t| t.as_string());
                    match kind.as_deref() {
                        Some("tribefund:pay-height") => {
                            if let Some(h) =
                                js_sys::Reflect::get(&data, &"height".into()).ok().and_then(|h| h.as_f64())
                            {
                                height.set(h.clamp(60.0, 600.0) as u32); // whole pixels: no float formatting shipped
                            }
                        }
                        Some("tribefund:payment") => {
                            let payment = js_sys::Reflect::get(&data, &"payment".into()).ok();
                            let text = payment.and_then(|p| js_sys::JSON::stringify(&p).ok()?.as_string());
                            if let Some(info) = text.and_then(|t| crate::json::from_text(&t)) {
                                on_saved.emit(info);
                            }
                        }
                        _ => {}
                    }
                });
            if let Some(window) = &window {
                let _ = window.add_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
            }
            move || {
                if let Some(window) = window {
                    let _ = window
                        .remove_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
                }
            }
        });
    }
    html! {
        <iframe class="tf-pay-frame" data-testid="card-frame" title={props.lang.text().card_save}
            src={format!("/pay/{}?lang={}", props.token, props.lang.tag())}
            style={format!("height:{}px", *height)} />
    }
}

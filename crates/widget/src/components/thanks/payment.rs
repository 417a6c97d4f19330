//! How a backer pays, on the thank-you view and the receipt: a manual payment's amount,
//! reference, instructions and collection code; a card's form; or where the payment stands.

use crate::i18n::Lang;
use domain::Timestamp;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct PaymentProps {
    pub(super) payment: domain::wire::PaymentInfo,
    pub(super) amount: String,
    pub(super) lang: Lang,
    /// The backer's receipt link, for the card form.
    pub(super) receipt_url: String,
}

/// What a backer does to pay (a manual payment: the amount, the reference for the note and
/// the creator's instructions; a card: the card form), or where the payment stands.
#[function_component]
pub(super) fn Payment(props: &PaymentProps) -> Html {
    let current = use_state(|| props.payment.clone());
    let (p, lang, text) = (&*current, props.lang, props.lang.text());
    let due = |label: &str, due: Option<Timestamp>| match due {
        Some(due) => html! {
            <p class="tf-hint">{ format!("{label} {} UTC", due.to_string().get(..16).unwrap_or_default().replace('T', " ")) }</p>
        },
        None => html! {},
    };
    let card = |intro: &'static str| {
        let token = props.receipt_url.rsplit('/').next().unwrap_or_default().to_owned();
        let on_saved = {
            let current = current.clone();
            Callback::from(move |info| current.set(info))
        };
        html! {
            <div class="tf-payment" data-testid="payment">
                <p>{ intro }</p>
                <crate::components::card::CardForm token={token} lang={lang} on_saved={on_saved} />
                { due(text.card_hold, p.due_at) }
            </div>
        }
    };
    match p.status.as_str() {
        "pending" if p.publishable_key.is_some() => card(text.card_prompt),
        "failed" if p.publishable_key.is_some() => card(text.card_declined),
        "pending" => html! {
            <div class="tf-payment" data-testid="payment">
                <p><strong>{ lang.pay(&props.amount) }</strong></p>
                if let Some(instructions) = &p.instructions {
                    <p class="tf-instructions">{ instructions }</p>
                }
                if let Some(qr) = &p.qr {
                    <img class="tf-pay-qr" src={qr.clone()} width="180" height="180" alt={text.pay_qr} data-testid="payment-qr" />
                }
                if let Some(reference) = &p.reference {
                    <p>{ text.pay_reference }{ " " }<code data-testid="payment-reference">{ reference }</code></p>
                }
                { due(text.pay_by, p.due_at) }
            </div>
        },
        "secured" => {
            html! { <p class="tf-payment" data-testid="payment" data-status="secured">{ text.card_saved }</p> }
        }
        "paid" => html! { <p class="tf-payment" data-testid="payment" data-status="paid">{ text.paid }</p> },
        "void" => html! { <p class="tf-problem" data-testid="payment">{ text.payment_void }</p> },
        _ => html! {},
    }
}

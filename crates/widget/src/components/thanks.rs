//! The thank-you view and the receipt: what was pledged, the backer's personal share link,
//! and, on the receipt page, a way to cancel while the campaign is live.

use crate::i18n::Lang;
use crate::props::Receipt;
use domain::wire::CampaignView;
use domain::{Status, Timestamp};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ThanksProps {
    pub receipt: Receipt,
    pub campaign: Rc<CampaignView>,
    pub lang: Lang,
    pub now: i64,
    /// Shown as "Pledge again" when set.
    #[prop_or_default]
    pub on_again: Option<Callback<()>>,
    /// In WeChat's in-app browser: show how its ··· menu shares.
    #[prop_or_default]
    pub wechat: bool,
}

#[derive(Properties, PartialEq)]
struct PaymentProps {
    payment: domain::wire::PaymentInfo,
    amount: String,
    lang: Lang,
    /// The backer's receipt link, for the card form.
    receipt_url: String,
}

/// What a backer does to pay (a manual payment: the amount, the reference for the note and
/// the creator's instructions; a card: the card form), or where the payment stands.
#[function_component]
fn Payment(props: &PaymentProps) -> Html {
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
                <super::card::CardForm token={token} lang={lang} on_saved={on_saved} />
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

#[function_component]
pub fn Thanks(props: &ThanksProps) -> Html {
    let lang = props.lang;
    let text = lang.text();
    let r = &props.receipt;
    let c = &props.campaign;
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
    let code = r.share_url.rsplit_once("ref=").map(|(_, code)| code.to_owned()).unwrap_or_default();
    // Friends keep backing through the link: refresh the backer's count every 15 s while the
    // page is visible (the server-rendered count is the one at load).
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
    let (recruits, recruited_amount) = *tribe;
    let status = c.status_at(Timestamp::from_unix(props.now));
    let tier = r.tier.as_deref().and_then(|t| c.tier(t));
    let mut chosen: Vec<String> = tier
        .map(|t| if r.quantity > 1 { format!("{} × {}", t.title, r.quantity) } else { t.title.clone() })
        .into_iter()
        .collect();
    let mut not_made = Vec::new();
    // Values still short of their batch while pledging goes on: a link that brings friends
    // straight to them.
    let mut short = Vec::new();
    for (name, value) in &r.options {
        let view = tier
            .and_then(|t| t.options.iter().find(|o| &o.name == name))
            .and_then(|o| o.values.iter().find(|v| &v.value == value));
        match view.and_then(|v| Some((v, v.min_batch?))) {
            Some((v, batch)) if matches!(status, Status::Succeeded | Status::Failed) && !v.unlocked() => {
                not_made.push(lang.below_batch(name, value, v.claimed, batch));
                chosen.push(format!("{name}: {value}"));
            }
            Some((v, batch)) => {
                if status == Status::Live && !v.unlocked() {
                    short.push(lang.more_to_unlock(value, batch - v.claimed));
                }
                chosen.push(format!("{name}: {value} ({})", lang.batch(v.claimed, batch)))
            }
            None => chosen.push(format!("{name}: {value}")),
        }
    }
    html! {
        <section class="tf-thanks" role="status" data-testid="thanks">
            if r.cancelled {
                <h2 data-testid="cancelled">{ text.cancelled }</h2>
            } else {
                <h2>{ lang.thanks(&r.name, &c.currency.format(r.amount)) }</h2>
            }
            if !chosen.is_empty() {
                <p class="tf-chosen">{ chosen.join(" · ") }</p>
            }
            { for not_made.into_iter().map(|note| html! { <p class="tf-problem" data-testid="below-batch">{ note }</p> }) }
            if let (Some(by), Some(tier), false) = (r.choose_by, tier, r.cancelled) {
                <super::choose::Choose tier={tier.clone()} options={r.options.clone()} lang={lang} choose_by={by}
                    token={r.receipt_url.rsplit('/').next().unwrap_or_default().to_owned()}
                    action={r.choose_action.clone()} problem={r.choose_problem.clone()} />
            } else if let Some(why) = &r.choose_problem {
                <p class="tf-problem" role="alert" data-testid="choose-refused">{ why }</p>
            }
            if status == Status::Cancelled {
                <p class="tf-problem" data-testid="campaign-cancelled">{ text.cancelled_campaign }</p>
            }
            if let Some(payment) = &r.payment {
                <Payment payment={payment.clone()} amount={c.currency.format(r.amount)} lang={lang}
                    receipt_url={r.receipt_url.clone()} />
            }
            if !r.cancelled {
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
                if let (false, Some(tier)) = (short.is_empty(), &r.tier) {
                    <p class="tf-pick" data-testid="short">{ short.join(" · ") }</p>
                    <p>{ text.share_variant }</p>
                    <input class="tf-variant" readonly=true data-testid="variant-url" aria-label={text.share_variant}
                        value={crate::form::variant_link(&r.share_url, tier, &r.options)} />
                }
            }
            <p class="tf-links">
                if r.cancel_action.is_none() {
                    <a href={r.receipt_url.clone()} target="_blank" rel="noopener">{ text.receipt }</a>
                }
                if let Some(again) = &props.on_again {
                    {" · "}
                    <button type="button" class="tf-link-button" onclick={again.reform(|_: MouseEvent| ())}>{ text.pledge_again }</button>
                }
            </p>
            if let (Some(action), false, Status::Live) = (&r.cancel_action, r.cancelled, status) {
                <form method="post" action={action.clone()} class="tf-cancel">
                    <button type="submit" class="tf-link-button" data-testid="cancel">{ text.cancel }</button>
                </form>
            }
        </section>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use crate::form::FormState;
    use crate::i18n::Lang;
    use crate::props::{AppProps, Page, Receipt, Theme};
    use domain::wire::{CampaignView, OptionView, TierView, ValueView};
    use domain::{Currency, Funding, Status, Timestamp};

    fn ended_campaign(red_claimed: u32) -> CampaignView {
        CampaignView {
            manual_payment: None,
            unmade: Default::default(),
            payments: Default::default(),
            pledged: 0,
            id: "lamp".into(),
            title: "Lamp".into(),
            summary: String::new(),
            currency: Currency::Cny,
            goal: 10_000,
            raised: 100_000,
            backers: 3,
            starts_at: Timestamp::from_unix(0),
            ends_at: Timestamp::from_unix(100),
            funding: Funding::AllOrNothing,
            status: Status::Succeeded,
            seq: 3,
            stretch_goals: vec![],
            latest_update: None,
            cover: None,
            leaders: vec![],
            wall: vec![],
            tiers: vec![TierView {
                id: "lamp".into(),
                title: "Lamp".into(),
                price: 100,
                limit: None,
                claimed: 3,
                per_backer: 1,
                available_from: None,
                available_until: None,
                options: vec![OptionView {
                    name: "colour".into(),
                    values: vec![ValueView {
                        value: "red".into(),
                        min_batch: Some(30),
                        claimed: red_claimed,
                    }],
                }],
            }],
            max_pledge: None,
        }
    }

    async fn receipt_html(campaign: CampaignView, now: i64) -> String {
        let receipt = Receipt {
            payment: None,
            choose_by: None,
            choose_action: None,
            choose_problem: None,
            pledge_id: "p".into(),
            name: "Mei".into(),
            amount: 100,
            tier: Some("lamp".into()),
            quantity: 1,
            options: vec![("colour".into(), "red".into())],
            share_url: "/c/lamp?ref=ABCDEFGH".into(),
            receipt_url: "/r/x".into(),
            cancel_action: Some("/r/x/cancel".into()),
            cancelled: false,
            recruits: 0,
            recruited_amount: 0,
        };
        let props = AppProps {
            campaign,
            lang: Lang::En,
            theme: Theme::Light,
            page: Page::Share,
            now,
            form: FormState::default(),
            receipt: Some(receipt),
            wechat: false,
            accent: None,
        };
        crate::render(props).await
    }

    #[tokio::test]
    async fn a_choice_below_its_minimum_batch_is_reported_once_the_campaign_has_ended() {
        let html = receipt_html(ended_campaign(12), 200).await;
        assert!(
            html.contains("colour red did not reach its minimum batch (12/30) and will not be made."),
            "{html}"
        );
        assert!(!html.contains("tf-cancel"), "an ended campaign's pledge cannot be cancelled");
    }

    #[tokio::test]
    async fn a_choice_that_reached_its_batch_or_a_live_campaign_reports_nothing() {
        assert!(!receipt_html(ended_campaign(30), 200).await.contains("below-batch"));
        let live = receipt_html(ended_campaign(12), 50).await;
        assert!(!live.contains("below-batch"));
        assert!(live.contains("red (12/30 to unlock)"));
        assert!(live.contains("tf-cancel"), "a live campaign's pledge can be cancelled");
    }
}

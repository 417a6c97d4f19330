//! One backer's page: everything about their pledge, contact included.

use crate::text::text;
use domain::wire::{BackerView, CreatorCampaign};
use widget::i18n::Lang;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct BackerDetailProps {
    pub campaign: CreatorCampaign,
    pub backer: BackerView,
    pub referrer: Option<String>,
    /// The mails the backer was sent: `(kind, status)`.
    pub mails: Vec<(String, String)>,
    pub delivery: Option<crate::BackerDelivery>,
    pub lang: Lang,
    pub csrf: String,
}

/// Everything about one backer's pledge, contact included.
#[function_component]
pub(super) fn BackerDetail(props: &BackerDetailProps) -> Html {
    let (lang, t, b) = (props.lang, text(props.lang), &props.backer);
    let currency = props.campaign.view.currency;
    let row = |label: &str, value: String| html! { <tr><th>{ label.to_owned() }</th><td>{ value }</td></tr> };
    let options: Vec<String> = b.options.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    html! {
        <>
            <p><a href={format!("/dashboard/campaigns/{}", props.campaign.view.id)}>{ format!("← {}", props.campaign.view.title) }</a></p>
            <h1>{ &b.name }</h1>
            <table class="tfd-table" data-testid="backer">
                <tbody>
                    { row(t.contact, b.contact.clone() + if b.mail.is_some() { t.undeliverable } else { "" }) }
                    { row(t.pledge, format!("{} · {}{}", currency.format(b.amount), b.tier.clone().unwrap_or_default(), if b.quantity > 1 { format!(" × {}", b.quantity) } else { String::new() })) }
                    { row(t.value, options.join(", ")) }
                    { row(t.status, b.status.clone()) }
                    { row(t.message, b.message.clone().unwrap_or_default()) }
                    { row(t.when, b.created_at.to_string()) }
                    { row(t.referred_by, props.referrer.clone().or_else(|| b.referred_by.clone()).unwrap_or_default() + if b.self_referral { t.self_referral } else { "" }) }
                    { row(t.friends, lang.friends(b.recruits) + &format!(" · {}", currency.format(b.recruited_amount))) }
                    { row(t.source, b.source.clone().unwrap_or_default()) }
                    { row(t.host_page, b.host_page.clone().unwrap_or_default()) }
                    { row(t.referral_code, b.referral_code.clone()) }
                    if let Some(payment) = &b.payment {
                        { row(t.payment, t.payment_status(&payment.status).to_owned()) }
                    }
                </tbody>
            </table>
            if let Some(d) = &props.delivery {
                { delivery(d, lang) }
            }
            if !props.mails.is_empty() {
                <h2>{ t.mails }</h2>
                <ul class="tfd-mails" data-testid="backer-mails">
                    { for props.mails.iter().map(|(kind, status)| html! {
                        <li>{ format!("{} · {}", t.mail_kind(kind), t.mail_status(status)) }</li>
                    }) }
                </ul>
            }
            // A card's payment is Stripe's to say; only a manual one is marked by hand.
            if props.campaign.view.payments == domain::PaymentMode::Manual
                && b.payment.as_ref().is_some_and(|p| p.status == "pending")
                && b.status == "live"
            {
                <form method="post" action={format!("/dashboard/campaigns/{}/backers/{}/paid", props.campaign.view.id, b.id)}>
                    <input type="hidden" name="csrf" value={props.csrf.clone()} />
                    <p class="tfd-hint">{ format!("{} TF-{}", t.paid_hint, b.referral_code) }</p>
                    <button type="submit" data-testid="mark-paid">{ t.mark_paid }</button>
                </form>
            }
        </>
    }
}

/// Where the backer's reward stands: the address, answers and each parcel.
fn delivery(d: &crate::BackerDelivery, lang: Lang) -> Html {
    let zh = lang == Lang::ZhCn;
    let state = match (d.state.as_str(), zh) {
        ("awaiting_survey", false) => "Waiting for the survey",
        ("awaiting_survey", true) => "等待填写问卷",
        ("ready", false) => "Ready to ship",
        ("ready", true) => "待发货",
        ("shipped", false) => "Shipped",
        ("shipped", true) => "已发货",
        ("delivered", false) => "Delivered",
        ("delivered", true) => "已送达",
        (_, false) => "Nothing to deliver",
        (_, true) => "无需寄送",
    };
    html! {
        <section aria-labelledby="tfd-delivery" data-testid="backer-delivery">
            <h2 id="tfd-delivery">{ if zh { "寄送" } else { "Delivery" } }</h2>
            <p>{ state }</p>
            if !d.address.is_empty() { <p>{ d.address.clone() }</p> }
            if !d.answers.is_empty() {
                <table class="tfd-table"><tbody>
                    { for d.answers.iter().map(|(q, a)| html! { <tr><th>{ q.clone() }</th><td>{ a.clone() }</td></tr> }) }
                </tbody></table>
            }
            <ul>
                { for d.parcels.iter().map(|p| html! {
                    <li>
                        { format!("{} {} · {}", domain::carriers::display(&p.carrier, zh), p.tracking_number, &p.shipped_at.to_string()[..10]) }
                        if let Some(url) = &p.tracking_url { { " · " }<a href={url.clone()} rel="noopener noreferrer" target="_blank">{ if zh { "物流" } else { "Track" } }</a> }
                    </li>
                }) }
            </ul>
        </section>
    }
}

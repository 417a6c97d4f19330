//! The thank-you view and the receipt: what was pledged, the backer's personal share link,
//! and, on the receipt page, a way to cancel while the campaign is live.

mod payment;
mod share;

use crate::i18n::Lang;
use crate::props::Receipt;
use domain::wire::{CampaignView, TierView};
use domain::{Status, Timestamp};
use share::Share;
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
    /// Where a reward can be delivered, named (see `AppProps::places`).
    #[prop_or_default]
    pub places: std::rc::Rc<Vec<(String, String)>>,
}

#[function_component]
pub fn Thanks(props: &ThanksProps) -> Html {
    let lang = props.lang;
    let text = lang.text();
    let r = &props.receipt;
    let c = &props.campaign;
    let status = c.status_at(Timestamp::from_unix(props.now));
    let tier = r.tier.as_deref().and_then(|t| c.tier(t));
    let Chosen { mut chosen, not_made, short } = chosen(r, tier, status, lang);
    if let Some(to) = &r.ship_to {
        let place = crate::components::pledge_form::place_name(&props.places, to);
        chosen.push(match r.shipping {
            0 => format!("{}: {place}", text.deliver_to),
            price => format!("{}: {place} ({} {})", text.deliver_to, text.delivery, c.currency.format(price)),
        });
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
                <payment::Payment payment={payment.clone()} amount={c.currency.format(r.amount)} lang={lang}
                    receipt_url={r.receipt_url.clone()} />
            }
            if !r.cancelled {
                <Share campaign={c.clone()} receipt={r.clone()} lang={lang} wechat={props.wechat} short={short} />
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

/// What the backer chose, in words, and what the values' batches say of it.
struct Chosen {
    /// The tier and each option's value, with its batch's progress where it has one.
    chosen: Vec<String>,
    /// Once the campaign has ended: each chosen value that missed its batch.
    not_made: Vec<String>,
    /// While the campaign is live: each chosen value still short of its batch.
    short: Vec<String>,
}

fn chosen(r: &Receipt, tier: Option<&TierView>, status: Status, lang: Lang) -> Chosen {
    let mut chosen: Vec<String> = tier
        .map(|t| if r.quantity > 1 { format!("{} × {}", t.title, r.quantity) } else { t.title.clone() })
        .into_iter()
        .collect();
    let (mut not_made, mut short) = (Vec::new(), Vec::new());
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
    Chosen { chosen, not_made, short }
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
            server_time: None,
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
            milestones: vec![],
            tiers: vec![TierView {
                id: "lamp".into(),
                title: "Lamp".into(),
                price: 100,
                limit: None,
                claimed: 3,
                waitlist: 0,
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
                ships: false,
                shipping: vec![],
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
            ship_to: None,
            shipping: 0,
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
            places: Vec::new(),
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

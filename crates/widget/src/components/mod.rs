//! The widget's components. [`App`] owns the state (the campaign's live numbers, and
//! what the fan is doing with the form, each one reducer); the others take props and
//! callbacks.

mod card;
mod choose;
mod pledge_form;
mod pledging;
mod progress;
mod thanks;
mod timeline;
mod tribe;

pub use pledge_form::PledgeForm;
pub use progress::Progress;
pub use thanks::Thanks;
pub use timeline::Timeline;
pub use tribe::Tribe;

use crate::form::FormState;
use crate::hooks::{CampaignState, use_clock, use_live_progress};
use crate::props::{AppProps, Page};
use domain::wire::CampaignView;
use domain::{Status, Timestamp};
use pledging::{Outcomes, PledgeAction, Pledging, submit};
use std::rc::Rc;
use yew::prelude::*;

#[function_component]
pub fn App(props: &AppProps) -> Html {
    let campaign = use_reducer(|| CampaignState(Rc::new(props.campaign.clone())));
    use_live_progress(campaign.clone());
    let pledging = use_reducer(|| Pledging {
        form: props.form.clone(),
        receipt: props.receipt.clone(),
        busy: false,
        waitlisted: None,
    });
    // The countdown runs on the server's clock as the browser knows it, once hydrated.
    let now = use_clock(props.now);
    let lang = props.lang;
    let text = lang.text();

    let on_change = pledging.dispatcher().to_callback().reform(PledgeAction::Edit);
    let on_submit = {
        let (campaign, pledging) = (campaign.clone(), pledging.clone());
        let to = Outcomes { lang, campaign: campaign.dispatcher(), pledging: pledging.dispatcher() };
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if !pledging.busy {
                submit(to.clone(), campaign.0.clone(), pledging.form.clone());
            }
        })
    };
    let on_again = {
        let (campaign, pledging) = (campaign.clone(), pledging.clone());
        Callback::from(move |()| {
            let form = &pledging.form;
            let fresh = FormState::blank(&campaign.0, &form.referral, &new_key(), Timestamp::from_unix(now));
            pledging.dispatch(PledgeAction::Again(fresh.came_from(&form.source, &form.host)));
        })
    };

    let places = use_memo((), |()| props.places.clone());
    let c: Rc<CampaignView> = campaign.0.clone();
    let status = c.status_at(Timestamp::from_unix(now));
    let body = match (&pledging.receipt, status) {
        (None, _) if pledging.waitlisted.is_some() => waitlisted(pledging.waitlisted.as_ref(), lang),
        (Some(r), _) => html! {
            <Thanks receipt={r.clone()} campaign={c.clone()} lang={lang} now={now} wechat={props.wechat} places={places.clone()}
                on_again={(props.receipt.is_none()).then_some(on_again)} />
        },
        (None, Status::Live) => html! {
            <PledgeForm campaign={c.clone()} lang={lang} theme={props.theme} accent={props.accent.clone()} form={pledging.form.clone()} places={places.clone()}
                busy={pledging.busy} now={now} on_change={on_change} on_submit={on_submit} />
        },
        // Visible before it starts: the tiers and prices, the form closed until the second.
        (None, Status::Scheduled) => html! {
            <>
                <p class="tf-closed" data-testid="not-started">{ text.not_started }</p>
                <PledgeForm campaign={c.clone()} lang={lang} theme={props.theme} accent={props.accent.clone()} form={pledging.form.clone()} places={places.clone()}
                    busy={pledging.busy} closed=true now={now} on_change={on_change} on_submit={on_submit} />
            </>
        },
        (None, Status::Cancelled) => html! { <p class="tf-closed">{ text.cancelled_campaign }</p> },
        (None, _) => html! { <p class="tf-closed">{ text.closed }</p> },
    };
    let heading = match props.page {
        Page::Embed => html! { <h2 class="tf-title">{ &c.title }</h2> },
        Page::Share => html! {
            <>
                if let Some(cover) = &c.cover {
                    <img class="tf-cover" src={cover.clone()} alt="" width="1200" height="675" />
                }
                <h1 class="tf-title">{ &c.title }</h1>
                <p class="tf-summary">{ &c.summary }</p>
            </>
        },
    };
    html! {
        <div class={classes!("tf", format!("tf-{}", props.theme.as_str()))} lang={lang.tag()}
            style={props.accent.as_ref().map(|a| format!("--accent:{a}"))}>
            { heading }
            <Progress campaign={c.clone()} lang={lang} now={now} />
            if let Some(update) = &c.latest_update {
                <p class="tf-update" role="status">
                    <span class="tf-update-label">{ text.latest_update }</span>
                    <a href={format!("/c/{}#update-{}", c.id, update.id)} target="_blank" rel="noopener">{ &update.title }</a>
                </p>
            }
            { body }
            if props.page == Page::Share || pledging.receipt.is_some() {
                <Timeline milestones={c.milestones.clone()} lang={lang} page={props.page} />
            }
            <Tribe campaign={c.clone()} lang={lang} page={props.page} />
            <footer class="tf-footer">
                <a href={format!("/c/{}", c.id)} target="_blank" rel="noopener">{ text.powered_by }</a>
            </footer>
        </div>
    }
}

/// Where a fan who just joined a waitlist stands, and the link to their place.
fn waitlisted(place: Option<&crate::services::WaitlistPlace>, lang: crate::i18n::Lang) -> Html {
    let Some(place) = place else { return Html::default() };
    html! {
        <div class="tf-thanks" data-testid="waitlisted">
            <p role="status">{ lang.on_waitlist(place.position) }</p>
            <p><a href={place.receipt_url.clone()} target="_blank" rel="noopener" data-testid="waitlist-receipt">
                { lang.text().waitlist_receipt }
            </a></p>
        </div>
    }
}

/// A fresh idempotency key for the next pledge from this page.
fn new_key() -> String {
    (0..4).map(|_| format!("{:08x}", (js_sys::Math::random() * 4_294_967_296.0) as u32)).collect()
}

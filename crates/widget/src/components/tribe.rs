//! The tribe, compact: the top recruiters and the newest public backers, folded under one
//! line on the embed (so the form stays near the top on a phone) and open on the share page.
//! A `<details>` element: it opens and closes without any script.

use crate::i18n::Lang;
use domain::wire::CampaignView;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TribeProps {
    pub campaign: Rc<CampaignView>,
    pub lang: Lang,
    /// Open at first (the share page).
    #[prop_or_default]
    pub open: bool,
}

#[function_component]
pub fn Tribe(props: &TribeProps) -> Html {
    let c = &props.campaign;
    if c.leaders.is_empty() && c.wall.is_empty() {
        return html! {};
    }
    let lang = props.lang;
    let text = lang.text();
    html! {
        <details class="tf-tribe" open={props.open} data-testid="tribe">
            <summary>{ lang.tribe_summary(c.backers, c.leaders.first().map(|l| (l.name.as_deref(), l.recruits))) }</summary>
            if !c.leaders.is_empty() {
                <h3>{ text.top_recruiters }</h3>
                <ol class="tf-leaders">
                    { for c.leaders.iter().map(|leader| html! {
                        <li>
                            <span class="tf-who">{ leader.name.as_deref().unwrap_or(text.a_fan) }</span>
                            <span class="tf-count">{ lang.friends(leader.recruits) }</span>
                        </li>
                    }) }
                </ol>
            }
            if !c.wall.is_empty() {
                <h3>{ text.newest_backers }</h3>
                <ul class="tf-wall">
                    { for c.wall.iter().map(|entry| html! {
                        <li>
                            <span class="tf-who">{ &entry.name }</span>
                            if let Some(message) = &entry.message {
                                <q>{ message }</q>
                            }
                        </li>
                    }) }
                </ul>
            }
        </details>
    }
}

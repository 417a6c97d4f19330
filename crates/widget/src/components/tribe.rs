//! The tribe, compact: the top recruiters and the newest public backers, folded under one
//! line on the embed (so the form stays near the top on a phone) and open on the share page.
//! A `<details>` element: it opens and closes without any script.

use crate::Page;
use crate::i18n::Lang;
use domain::wire::CampaignView;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TribeProps {
    pub campaign: Rc<CampaignView>,
    pub lang: Lang,
    /// Where it is shown: open at first on the share page, folded on the embed; the page
    /// also sets its headings' level.
    pub page: Page,
}

#[function_component]
pub fn Tribe(props: &TribeProps) -> Html {
    let c = &props.campaign;
    if c.leaders.is_empty() && c.wall.is_empty() {
        return html! {};
    }
    let lang = props.lang;
    let text = lang.text();
    let heading = props.page.subheading();
    html! {
        <details class="tf-tribe" open={props.page == Page::Share} data-testid="tribe">
            <summary>{ lang.tribe_summary(c.backers, c.leaders.first().map(|l| (l.name.as_deref(), l.recruits))) }</summary>
            if !c.leaders.is_empty() {
                <@{heading}>{ text.top_recruiters }</@>
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
                <@{heading}>{ text.newest_backers }</@>
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

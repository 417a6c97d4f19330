//! The production timeline, on the share page, the thank-you view and every receipt: each
//! step in order, done ones ticked, the one under way marked as the current step, and the
//! day each is due in the reader's words ("Samples ✓ → Production (due 15 March 2027)").

use crate::Page;
use crate::i18n::Lang;
use domain::milestones::{Milestone, MilestoneState};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    pub milestones: Vec<Milestone>,
    pub lang: Lang,
    /// Where it is shown, which sets its heading's level.
    pub page: Page,
}

#[function_component]
pub fn Timeline(props: &TimelineProps) -> Html {
    if props.milestones.is_empty() {
        return Html::default();
    }
    let (lang, text) = (props.lang, props.lang.text());
    html! {
        <section class="tf-timeline" aria-labelledby="tf-timeline" data-testid="timeline">
            <@{props.page.subheading()} id="tf-timeline">{ text.timeline }</@>
            <ol>
                { for props.milestones.iter().map(|m| {
                    let (class, mark, state) = match m.state {
                        MilestoneState::Done => ("tf-done", " ✓", text.step_done),
                        MilestoneState::Active => ("tf-active", "", text.step_active),
                        MilestoneState::Planned => ("tf-planned", "", ""),
                    };
                    let current = (m.state == MilestoneState::Active).then_some("step");
                    html! {
                        <li class={classes!("tf-step", class)} aria-current={current}>
                            <span class="tf-step-title">{ &m.title }</span>
                            <span aria-hidden="true">{ mark }</span>
                            if !state.is_empty() { <span class="tf-sr">{ format!(" ({state})") }</span> }
                            if let Some(due) = m.due.as_deref().and_then(|d| lang.due(d)) {
                                <small>{ format!(" {due}") }</small>
                            }
                        </li>
                    }
                }) }
            </ol>
        </section>
    }
}

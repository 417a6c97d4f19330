//! The progress block: bar, amount raised against the goal, backers, time left or status.

use crate::hooks::use_tween;
use crate::i18n::{Countdown, Lang, Until};
use domain::Status;
use domain::Timestamp;
use domain::progress::percent;
use domain::wire::CampaignView;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ProgressProps {
    pub campaign: Rc<CampaignView>,
    pub lang: Lang,
    pub now: i64,
}

#[function_component]
pub fn Progress(props: &ProgressProps) -> Html {
    let c = &props.campaign;
    let lang = props.lang;
    let raised = use_tween(c.raised);
    let backers = use_tween(c.backers as i64) as u64;
    let text = lang.text();
    let pct = percent(c.raised, c.goal);
    let now = Timestamp::from_unix(props.now);
    // The clock moves on in the browser: recompute the status rather than trusting the
    // snapshot's, which was right when it was taken.
    let status = c.status_at(now);
    let until = match status {
        Status::Live => Some((Until::Ends, c.ends_at)),
        Status::Scheduled => Some((Until::Starts, c.starts_at)),
        _ => None,
    };
    let timing = until
        .and_then(|(until, at)| lang.countdown(until, at, now))
        .unwrap_or_else(|| lang.status(status).to_owned());
    let (next, what) = next_moment(c, status, now);
    let announce = next.and_then(|countdown| Some(lang.announce(countdown, countdown.mark(now)?, &what)));
    let width = format!("width:{}%", pct.min(100));
    // How `www/live.js` words the numbers it moves before (or without) the wasm: `#` stands
    // for the number.
    let template = |words: String| words.replace(SAMPLE, "#");
    html! {
        <section class="tf-progress" data-status={status_name(status)}
            data-funded={template(lang.funded(SAMPLE_N as u32))} data-one={lang.backers(1)}
            data-many={template(lang.backers(SAMPLE_N))} data-pledged={template(lang.pledged_in_all(SAMPLE))}
            data-countdown={lang.countdown_templates()}>
            <div class="tf-bar" role="progressbar" aria-label={text.raised_of}
                aria-valuemin="0" aria-valuemax="100" aria-valuenow={pct.min(100).to_string()}
                aria-valuetext={lang.funded(pct)}>
                <div class="tf-bar-fill" style={width}></div>
            </div>
            // Read out politely when the numbers settle, not at each step of their glide.
            <p class="tf-sr" aria-live="polite" aria-atomic="true" data-testid="announce">
                { format!("{} · {} · {}", c.currency.format(c.raised), lang.funded(pct), lang.backers(c.backers)) }
            </p>
            // The next moment, spoken at a few marks in its last hour (`Countdown::mark`).
            <p class="tf-sr" aria-live="polite" aria-atomic="true" data-testid="countdown-announce"
                data-until={next.map(|n| n.until.name())} data-at={next.map(|n| n.at.unix().to_string())}
                data-what={what.clone()}>
                { announce.unwrap_or_default() }
            </p>
            <dl class="tf-stats">
                <div class="tf-stat">
                    <dt class="tf-raised" data-testid="raised">{ c.currency.format(raised) }</dt>
                    <dd>{ if c.payments.is_none() { text.raised_of } else { text.paid_of } }{" "}<span class="tf-goal">{ c.currency.format(c.goal) }</span></dd>
                    // With payments on, money promised but not paid yet is shown apart.
                    if c.pledged > c.raised {
                        <dd class="tf-pledged" data-testid="pledged">{ lang.pledged_in_all(&c.currency.format(c.pledged)) }</dd>
                    }
                </div>
                <div class="tf-stat">
                    <dt data-testid="percent">{ format!("{pct}%") }</dt>
                    <dd data-testid="backers">{ lang.backers(backers) }</dd>
                </div>
                <div class="tf-stat">
                    <dt data-testid="status">{ lang.status(status) }</dt>
                    <dd data-testid="time" data-until={until.map(|(u, _)| u.name())}
                        data-at={until.map(|(_, at)| at.unix().to_string())}>{ timing }</dd>
                </div>
            </dl>
            if !c.stretch_goals.is_empty() {
                <ul class="tf-goals" aria-label={text.stretch_goals}>
                    { for c.stretch_goals.iter().map(|goal| {
                        let reached = c.raised >= goal.amount;
                        html! {
                            <li class={classes!(reached.then_some("tf-reached"))} data-reached={reached.to_string()}>
                                <span class="tf-goal-mark">{ if reached { "✓" } else { "○" } }</span>
                                <span class="tf-goal-amount">{ c.currency.format(goal.amount) }</span>
                                <span>{ &goal.label }</span>
                            </li>
                        }
                    }) }
                </ul>
            }
        </section>
    }
}

/// The next moment a reader waits for: a scheduled campaign's start, else the soonest tier
/// to open, else the campaign's end; with what it is (a tier's title, or nothing).
fn next_moment(c: &CampaignView, status: Status, now: Timestamp) -> (Option<Countdown>, String) {
    match status {
        Status::Scheduled => (Some(Countdown { until: Until::Starts, at: c.starts_at }), String::new()),
        Status::Live => {
            let opening = c
                .tiers
                .iter()
                .filter_map(|t| Some((t.available_from.filter(|&from| from > now && from < c.ends_at)?, t)))
                .min_by_key(|(from, _)| *from);
            match opening {
                Some((at, tier)) => (Some(Countdown { until: Until::Opens, at }), tier.title.clone()),
                None => (Some(Countdown { until: Until::Ends, at: c.ends_at }), String::new()),
            }
        }
        _ => (None, String::new()),
    }
}

/// A number no wording holds by itself, replaced by `#` in the templates.
const SAMPLE_N: u64 = 987_654;
const SAMPLE: &str = "987654";

fn status_name(status: Status) -> &'static str {
    match status {
        Status::Scheduled => "scheduled",
        Status::Live => "live",
        Status::Succeeded => "succeeded",
        Status::Failed => "failed",
        Status::Cancelled => "cancelled",
    }
}

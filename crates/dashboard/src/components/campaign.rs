//! One campaign's page: live numbers, charts, the production plan, backers and updates.

use super::updates::Updates;
use crate::charts::{Bar, BarChart};
use crate::editor::editor_text;
use crate::text::text;
use crate::{CampaignPage, filters_query};
use domain::demand::DemandReport;
use domain::wire::BackerFilters;
use std::rc::Rc;
use widget::hooks::{CampaignState, use_clock, use_live_progress};
use widget::i18n::Lang;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct CampaignViewProps {
    pub page: CampaignPage,
    pub lang: Lang,
    pub csrf: String,
}

#[function_component]
pub(super) fn CampaignView(props: &CampaignViewProps) -> Html {
    let (lang, t) = (props.lang, text(props.lang));
    // The numbers move live, on the widget's own event stream; charts, production plan and
    // the newest backers are fetched again when they move.
    let live = use_reducer(|| CampaignState(Rc::new(props.page.campaign.view.clone())));
    use_live_progress(live.clone());
    let data = use_state(|| props.page.clone());
    use_refresh(&props.page, &live.0, data.clone());
    let now = use_clock(props.page.now);
    let page = &*data;
    let v = &live.0;
    let id = &v.id;
    let status = v.status_at(domain::Timestamp::from_unix(now));
    let left = match status {
        domain::Status::Live => domain::progress::time_left(v.ends_at, domain::Timestamp::from_unix(now))
            .map(|left| lang.time_left(left)),
        domain::Status::Scheduled => {
            domain::progress::time_left(v.starts_at, domain::Timestamp::from_unix(now))
                .map(|left| lang.starts_in(left))
        }
        _ => None,
    };
    let draft = props.page.draft.clone().unwrap_or_default();
    html! {
        <>
            <h1>{ &v.title }</h1>
            <p class="tfd-numbers">
                <strong data-testid="raised">{ v.currency.format(v.raised) }</strong>
                { format!(" / {} · ", v.currency.format(v.goal)) }
                <span data-testid="backers">{ lang.backers(v.backers) }</span>
                { format!(" · {}", lang.status(status)) }
                if let Some(left) = left {
                    { " · " }<span data-testid="time-left">{ left }</span>
                }
            </p>
            <p class="tfd-actions">
                <a href={format!("/dashboard/editor/{id}")} class="tfd-button" data-testid="edit">{ editor_text(lang).edit }</a>
                <a href={format!("/dashboard/campaigns/{id}/shipping")} data-testid="shipping">{ if lang == Lang::ZhCn { "问卷与发货" } else { "Survey and shipping" } }</a>
                <a href={page.campaign.share_url.clone()} target="_blank" rel="noopener">{ t.share_page }</a>
            </p>
            <Charts page={page.clone()} lang={lang} />
            <h2>{ t.embed }</h2>
            <pre class="tfd-code" data-testid="embed">{ &page.campaign.embed_html }</pre>
            <Demand demand={page.demand.clone()} lang={lang} />
            { waitlists(v, lang) }
            <h2>{ t.backers }</h2>
            <p><a href={format!("/dashboard/campaigns/{id}/backers.csv")} download="" data-testid="csv">{ t.download_csv }</a></p>
            if let Some(mails) = page.mails {
                <p class="tfd-hint" data-testid="mail-queue">{ format!(
                    "{}: {} {} · {} {} · {} {}",
                    t.mails, mails.sent, t.mail_sent, mails.waiting, t.mail_waiting, mails.undeliverable, t.mail_refused
                ) }</p>
            }
            <FilterForm choices={FilterChoices::of(v)} filters={page.filters.clone()} lang={lang} />
            <table class="tfd-table" data-testid="backers-table">
                <thead><tr><th>{ t.name }</th><th>{ t.contact }</th><th>{ t.pledge }</th><th>{ t.status }</th></tr></thead>
                <tbody>
                    { for page.backers.pledges.iter().map(|b| {
                        let options: Vec<String> = b.options.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                        let what = [b.tier.clone().unwrap_or_default(), options.join(", ")].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ");
                        html! {
                            <tr>
                                <td><a href={format!("/dashboard/campaigns/{id}/backers/{}", b.id)}>{ &b.name }</a></td>
                                <td>{ &b.contact }</td>
                                <td>{ format!("{} {}", v.currency.format(b.amount), what) }</td>
                                <td>{ match &b.payment {
                                    Some(payment) if b.status == "live" => format!("{} · {}", b.status, t.payment_status(&payment.status)),
                                    _ => b.status.clone(),
                                } }</td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
            if let Some(next) = &page.backers.next_cursor {
                <p><a href={format!("/dashboard/campaigns/{id}?cursor={next}{}", filters_query(&page.filters))}>{ t.older }</a></p>
            }
            <Updates campaign={id.clone()} choices={audience_choices(&page.campaign.view)} draft={draft} updates={page.updates.clone()} csrf={props.csrf.clone()} lang={lang} />
        </>
    }
}

/// What an update can be mailed to: each tier, then each value of each option once.
fn audience_choices(view: &domain::wire::CampaignView) -> Vec<(String, String)> {
    let mut choices: Vec<(String, String)> =
        view.tiers.iter().map(|t| (format!("tier:{}", t.id), t.title.clone())).collect();
    for option in view.tiers.iter().flat_map(|t| &t.options) {
        for value in &option.values {
            let choice = (
                format!("value:{}={}", option.name, value.value),
                format!("{}: {}", option.name, value.value),
            );
            if !choices.contains(&choice) {
                choices.push(choice);
            }
        }
    }
    choices
}

/// Fetches the page's data again whenever the live numbers move away from those it was
/// rendered with; a burst of pledges costs one fetch in flight and one after it.
#[hook]
fn use_refresh(page: &CampaignPage, view: &domain::wire::CampaignView, data: UseStateHandle<CampaignPage>) {
    let rendered = (page.campaign.view.backers, page.campaign.view.raised);
    // (a fetch is running, numbers moved since it started)
    let state = use_mut_ref(|| (false, false));
    let (id, filters, kept) = (page.campaign.view.id.clone(), page.filters.clone(), page.cursor.is_some());
    let (older, cursor) = (page.backers.clone(), page.cursor.clone());
    use_effect_with((view.backers, view.raised), move |now| {
        if *now == rendered {
            return;
        }
        if state.borrow().0 {
            state.borrow_mut().1 = true;
            return;
        }
        *state.borrow_mut() = (true, false);
        wasm_bindgen_futures::spawn_local(async move {
            loop {
                if let Some(mut fresh) = crate::services::campaign_page(&id, &filters).await {
                    if kept {
                        // An older page of backers stays as the creator opened it.
                        fresh.backers = older.clone();
                        fresh.cursor = cursor.clone();
                    }
                    data.set(fresh);
                }
                let again = std::mem::take(&mut state.borrow_mut().1);
                if !again {
                    break;
                }
            }
            state.borrow_mut().0 = false;
        });
    });
}

/// What the backer filters offer: the tiers and the option values, without the live
/// counts, so that pledges arriving do not render the form again (and put back what the
/// creator is typing).
#[derive(PartialEq)]
struct FilterChoices {
    /// (id, title)
    tiers: Vec<(String, String)>,
    /// `group:value`, each once.
    variants: Vec<String>,
}

impl FilterChoices {
    fn of(campaign: &domain::wire::CampaignView) -> Self {
        let mut variants = Vec::new();
        for group in campaign.tiers.iter().flat_map(|tier| tier.options.iter()) {
            for value in &group.values {
                let variant = format!("{}:{}", group.name, value.value);
                if !variants.contains(&variant) {
                    variants.push(variant);
                }
            }
        }
        let tiers = campaign.tiers.iter().map(|tier| (tier.id.clone(), tier.title.clone())).collect();
        FilterChoices { tiers, variants }
    }
}

#[derive(Properties, PartialEq)]
struct FilterFormProps {
    choices: FilterChoices,
    filters: BackerFilters,
    lang: Lang,
}

/// Search and filters for the backer list: a plain GET form, so it works without scripts.
#[function_component]
fn FilterForm(props: &FilterFormProps) -> Html {
    let (lang, t, f) = (props.lang, text(props.lang), &props.filters);
    let choice = |value: &str, label: &str, current: &str| {
        html! { <option value={value.to_owned()} selected={value == current}>{ label.to_owned() }</option> }
    };
    html! {
        <form method="get" class="tfd-filters" data-testid="filters">
            <input type="search" name="q" value={f.q.clone()} placeholder={t.search} aria-label={t.search} />
            <select name="tier" aria-label={t.tier}>
                { choice("", t.all_tiers, &f.tier) }
                { for props.choices.tiers.iter().map(|(id, title)| choice(id, title, &f.tier)) }
            </select>
            <select name="option" aria-label={t.value}>
                { choice("", t.all_variants, &f.option) }
                { for props.choices.variants.iter().map(|v| choice(v, v, &f.option)) }
            </select>
            <select name="status" aria-label={t.status}>
                { choice("", t.all_statuses, &f.status) }
                { choice("live", lang.status(domain::Status::Live), &f.status) }
                { choice("cancelled", t.cancelled, &f.status) }
            </select>
            <input name="source" value={f.source.clone()} placeholder={t.source} aria-label={t.source} />
            <button type="submit">{ t.filter }</button>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct ChartsProps {
    page: CampaignPage,
    lang: Lang,
}

/// The campaign in pictures: money over time, demand per variant against its batch, money
/// by source tag, friends by tribe leader.
#[function_component]
fn Charts(props: &ChartsProps) -> Html {
    let (lang, t, page) = (props.lang, text(props.lang), &props.page);
    let currency = page.campaign.view.currency;
    let days: Vec<Bar> = page
        .timeline
        .iter()
        .map(|d| Bar {
            label: d.day.to_string()[..10].to_owned(),
            value: d.amount,
            shown: currency.format(d.amount),
            target: None,
        })
        .collect();
    let pledges: Vec<Bar> = page
        .timeline
        .iter()
        .map(|d| Bar {
            label: d.day.to_string()[..10].to_owned(),
            value: d.pledges as i64,
            shown: d.pledges.to_string(),
            target: None,
        })
        .collect();
    let demand: Vec<Bar> = page
        .demand
        .tiers
        .iter()
        .flat_map(|tier| tier.options.iter().flat_map(move |g| g.values.iter().map(move |v| (tier, g, v))))
        .map(|(tier, group, value)| Bar {
            label: format!("{} · {}: {}", tier.title, group.name, value.value),
            value: value.units as i64,
            shown: value.units.to_string(),
            target: value.min_batch.map(i64::from),
        })
        .collect();
    let sources: Vec<Bar> = page
        .sources
        .iter()
        .flat_map(|s| s.sources.iter())
        .map(|s| Bar {
            label: s.name.clone().unwrap_or_else(|| t.no_source.to_owned()),
            value: s.amount,
            shown: currency.format(s.amount),
            target: None,
        })
        .collect();
    let leaders: Vec<Bar> = page
        .leaders
        .iter()
        .map(|l| Bar {
            label: l.name.clone().unwrap_or_else(|| widget::i18n::Lang::text(lang).a_fan.to_owned()),
            value: i64::from(l.recruits),
            shown: l.recruits.to_string(),
            target: None,
        })
        .collect();
    html! {
        <section class="tfd-charts">
            <BarChart title={t.over_time} bars={days} lang={lang} unit={t.raised} testid="chart-time" />
            <BarChart title={t.pledges_per_day} bars={pledges} lang={lang} unit={t.pledges} testid="chart-pledges" />
            <BarChart title={t.demand_chart} bars={demand} lang={lang} unit={t.units} testid="chart-demand" />
            <BarChart title={t.by_source} bars={sources} lang={lang} unit={t.raised} testid="chart-source" />
            <BarChart title={t.by_leader} bars={leaders} lang={lang} unit={t.friends} testid="chart-leaders" />
        </section>
    }
}

/// Each limited tier's waitlist: how many wait against its limit, so the creator can raise
/// it knowing the demand (a raised limit goes to the line first), and the list as CSV.
fn waitlists(view: &domain::wire::CampaignView, lang: Lang) -> Html {
    let waiting: Vec<&domain::wire::TierView> = view.tiers.iter().filter(|t| t.waitlist > 0).collect();
    if waiting.is_empty() {
        return Html::default();
    }
    let zh = lang == Lang::ZhCn;
    html! {
        <>
            <h2>{ if zh { "候补" } else { "Waitlists" } }</h2>
            <ul data-testid="waitlists">
                { for waiting.iter().map(|t| html! {
                    <li>{ if zh {
                        format!("{}：{} 人候补（上限 {}，已认领 {}）", t.title, t.waitlist, t.limit.unwrap_or_default(), t.claimed)
                    } else {
                        format!("{}: {} waiting (limit {}, {} claimed)", t.title, t.waitlist, t.limit.unwrap_or_default(), t.claimed)
                    } }</li>
                }) }
            </ul>
            <p class="tfd-hint">{ if zh {
                "提高上限时，新增份额按顺序先分配给候补。"
            } else {
                "Raising a limit offers the new units to those waiting first, in line order."
            } }</p>
            <p><a href={format!("/dashboard/campaigns/{}/waitlist.csv", view.id)} download="" data-testid="waitlist-csv">
                { if zh { "下载候补名单（CSV）" } else { "Download the waitlist (CSV)" } }
            </a></p>
        </>
    }
}

#[derive(Properties, PartialEq)]
struct DemandProps {
    demand: DemandReport,
    lang: Lang,
}

/// The production plan as a table: units and backers per tier and variant against each
/// variant's minimum batch.
#[function_component]
fn Demand(props: &DemandProps) -> Html {
    let t = text(props.lang);
    html! {
        <>
            <h2>{ t.demand }</h2>
            <table class="tfd-table" data-testid="demand">
                <thead><tr><th>{ t.value }</th><th>{ t.units }</th><th>{ t.unpaid }</th><th>{ t.backers }</th><th>{ t.min_batch }</th><th>{ t.short }</th></tr></thead>
                <tbody>
                    { for props.demand.tiers.iter().flat_map(|tier| {
                        let mut rows = vec![html! {
                            <tr class="tfd-tier"><td>{ &tier.title }</td><td>{ tier.units }</td><td data-testid="unpaid">{ tier.unpaid }</td><td>{ tier.backers }</td><td></td><td></td></tr>
                        }];
                        for group in &tier.options {
                            for value in &group.values {
                                rows.push(html! {
                                    <tr class={classes!((!value.reached).then_some("tfd-short"))}>
                                        <td>{ format!("{}: {}", group.name, value.value) }</td>
                                        <td>{ value.units }</td>
                                        <td></td>
                                        <td>{ value.backers }</td>
                                        <td>{ value.min_batch.map(|b| b.to_string()).unwrap_or_default() }</td>
                                        <td>{ if value.reached { t.reached.to_owned() } else { value.units_short.to_string() } }</td>
                                    </tr>
                                });
                            }
                        }
                        rows
                    }) }
                </tbody>
            </table>
            <p>{ format!("{}: {}", t.not_made, props.demand.units_not_made) }</p>
        </>
    }
}

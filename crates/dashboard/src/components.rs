//! The dashboard's components: the frame with the site and sign-out, the campaign list, one
//! campaign's page, and the sign-in form.

use crate::charts::{Bar, BarChart};
use crate::editor::{DraftSummary, Editor, editor_text};
use crate::text::text;
use crate::{CampaignPage, DashboardProps, EmbedPage, Page, filters_query};
use domain::demand::DemandReport;
use domain::wire::BackerFilters;
use domain::wire::{BackerView, CreatorCampaign};
use std::rc::Rc;
use widget::hooks::{CampaignState, use_live_progress};
use widget::i18n::Lang;
use yew::prelude::*;

#[function_component]
pub fn Dashboard(props: &DashboardProps) -> Html {
    let t = text(props.lang);
    let body = match &props.page {
        Page::Campaigns { campaigns, drafts } => {
            html! { <CampaignList campaigns={campaigns.clone()} drafts={drafts.clone()} lang={props.lang} /> }
        }
        Page::Editor(page) => {
            html! { <Editor page={(**page).clone()} lang={props.lang} csrf={props.csrf.clone()} /> }
        }
        Page::Campaign(page) => {
            html! { <CampaignView page={(**page).clone()} lang={props.lang} csrf={props.csrf.clone()} /> }
        }
        Page::Backer { campaign, backer, referrer } => html! {
            <BackerDetail campaign={(**campaign).clone()} backer={(**backer).clone()} referrer={referrer.clone()} lang={props.lang} />
        },
        Page::Embed(page) => {
            html! { <EmbedBuilder page={(**page).clone()} lang={props.lang} csrf={props.csrf.clone()} /> }
        }
    };
    html! {
        <div class="tfd">
            <header class="tfd-header">
                <a class="tfd-brand" href="/dashboard">{ t.dashboard }</a>
                <a href="/dashboard/embed">{ t.embed_builder }</a>
                <span class="tfd-site" data-testid="site">{ &props.site }</span>
                <form method="post" action="/dashboard/sign-out" class="tfd-sign-out">
                    <input type="hidden" name="csrf" value={props.csrf.clone()} />
                    <button type="submit">{ t.sign_out }</button>
                </form>
            </header>
            <main>{ body }</main>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct CampaignListProps {
    campaigns: Vec<CreatorCampaign>,
    drafts: Vec<DraftSummary>,
    lang: Lang,
}

#[function_component]
fn CampaignList(props: &CampaignListProps) -> Html {
    let (lang, t, et) = (props.lang, text(props.lang), editor_text(props.lang));
    let new_drafts = props.drafts.iter().filter(|d| d.campaign.is_none());
    let changed = |id: &str| props.drafts.iter().any(|d| d.campaign.as_deref() == Some(id));
    html! {
        <>
            <h1>{ t.campaigns }</h1>
            <p><a href="/dashboard/campaigns/new" class="tfd-button" data-testid="new-campaign">{ et.new_campaign }</a></p>
            if props.campaigns.is_empty() && props.drafts.is_empty() {
                <p>{ t.no_campaigns }</p>
            }
            <table class="tfd-table" data-testid="campaigns">
                <thead><tr><th>{ t.title }</th><th>{ t.status }</th><th>{ t.raised }</th><th>{ t.backers }</th></tr></thead>
                <tbody>
                    { for props.campaigns.iter().map(|c| {
                        let v = &c.view;
                        html! {
                            <tr data-campaign={v.id.clone()}>
                                <td><a href={format!("/dashboard/campaigns/{}", v.id)}>{ &v.title }</a></td>
                                <td>
                                    { lang.status(v.status) }
                                    if changed(&v.id) {
                                        { " · " }<a href={format!("/dashboard/editor/{}", v.id)}>{ et.unpublished }</a>
                                    }
                                </td>
                                <td>{ format!("{} / {}", v.currency.format(v.raised), v.currency.format(v.goal)) }</td>
                                <td>{ v.backers }</td>
                            </tr>
                        }
                    }) }
                    { for new_drafts.map(|d| html! {
                        <tr data-draft={d.id.clone()}>
                            <td><a href={format!("/dashboard/editor/{}", d.id)}>{ if d.title.trim().is_empty() { et.new_campaign.to_owned() } else { d.title.clone() } }</a></td>
                            <td>{ et.draft }</td><td></td><td></td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </>
    }
}

#[derive(Properties, PartialEq)]
struct CampaignViewProps {
    page: CampaignPage,
    lang: Lang,
    csrf: String,
}

#[function_component]
fn CampaignView(props: &CampaignViewProps) -> Html {
    let (lang, t) = (props.lang, text(props.lang));
    let page = &props.page;
    // The numbers move live, on the widget's own event stream.
    let live = use_reducer(|| CampaignState(Rc::new(page.campaign.view.clone())));
    use_live_progress(live.clone());
    let v = &live.0;
    let id = &v.id;
    let draft = page.draft.clone().unwrap_or_default();
    html! {
        <>
            <h1>{ &v.title }</h1>
            <p class="tfd-numbers">
                <strong data-testid="raised">{ v.currency.format(v.raised) }</strong>
                { format!(" / {} · ", v.currency.format(v.goal)) }
                <span data-testid="backers">{ lang.backers(v.backers) }</span>
                { format!(" · {}", lang.status(v.status)) }
            </p>
            <p class="tfd-actions">
                <a href={format!("/dashboard/editor/{id}")} class="tfd-button" data-testid="edit">{ editor_text(lang).edit }</a>
                <a href={page.campaign.share_url.clone()} target="_blank" rel="noopener">{ t.share_page }</a>
            </p>
            <Charts page={page.clone()} lang={lang} />
            <h2>{ t.embed }</h2>
            <pre class="tfd-code" data-testid="embed">{ &page.campaign.embed_html }</pre>
            <Demand demand={page.demand.clone()} lang={lang} />
            <h2>{ t.backers }</h2>
            <p><a href={format!("/dashboard/campaigns/{id}/backers.csv")} download="" data-testid="csv">{ t.download_csv }</a></p>
            <FilterForm campaign={(**v).clone()} filters={page.filters.clone()} lang={lang} />
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
                                <td>{ &b.status }</td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
            if let Some(next) = &page.backers.next_cursor {
                <p><a href={format!("/dashboard/campaigns/{id}?cursor={next}{}", filters_query(&page.filters))}>{ t.older }</a></p>
            }
            <h2 id="updates">{ t.updates }</h2>
            <form method="post" action={format!("/dashboard/campaigns/{id}/updates")} class="tfd-update">
                <input type="hidden" name="csrf" value={props.csrf.clone()} />
                if let Some(error) = &draft.error {
                    <p class="tfd-error" role="alert">{ error }</p>
                }
                if draft.preview {
                    <article class="tfd-preview-update" data-testid="update-preview">
                        <p class="tfd-hint">{ t.preview_hint }</p>
                        <h3>{ &draft.title }</h3>
                        { for draft.body.split("\n\n").filter(|p| !p.trim().is_empty()).map(|p| html! {
                            <p>{ for p.trim().lines().enumerate().map(|(i, line)| html! { <>{ if i > 0 { html! { <br /> } } else { html! {} } }{ line }</> }) }</p>
                        }) }
                    </article>
                }
                <label><span>{ t.update_title }</span><input name="title" value={draft.title.clone()} required=true maxlength="120" /></label>
                <label><span>{ t.update_body }</span><textarea name="body" required=true rows="5" value={draft.body.clone()} /></label>
                <button type="submit" name="action" value="preview" class="tfd-secondary">{ t.preview }</button>
                <button type="submit" name="action" value="publish">{ t.publish }</button>
            </form>
            <ul class="tfd-updates" data-testid="updates">
                { for page.updates.iter().map(|u| html! {
                    <li><strong>{ &u.title }</strong>{ format!(" · {}", &u.published_at.to_string()[..10]) }<p>{ &u.body }</p></li>
                }) }
            </ul>
        </>
    }
}

#[derive(Properties, PartialEq)]
struct FilterFormProps {
    campaign: domain::wire::CampaignView,
    filters: BackerFilters,
    lang: Lang,
}

/// Search and filters for the backer list: a plain GET form, so it works without scripts.
#[function_component]
fn FilterForm(props: &FilterFormProps) -> Html {
    let (lang, t, f) = (props.lang, text(props.lang), &props.filters);
    let variants: Vec<String> = props
        .campaign
        .tiers
        .iter()
        .flat_map(|tier| tier.options.iter())
        .flat_map(|group| group.values.iter().map(move |v| format!("{}:{}", group.name, v.value)))
        .fold(Vec::new(), |mut all, v| {
            if !all.contains(&v) {
                all.push(v);
            }
            all
        });
    let choice = |value: &str, label: &str, current: &str| {
        html! { <option value={value.to_owned()} selected={value == current}>{ label.to_owned() }</option> }
    };
    html! {
        <form method="get" class="tfd-filters" data-testid="filters">
            <input type="search" name="q" value={f.q.clone()} placeholder={t.search} aria-label={t.search} />
            <select name="tier" aria-label={t.tier}>
                { choice("", t.all_tiers, &f.tier) }
                { for props.campaign.tiers.iter().map(|tier| choice(&tier.id, &tier.title, &f.tier)) }
            </select>
            <select name="option" aria-label={t.value}>
                { choice("", t.all_variants, &f.option) }
                { for variants.iter().map(|v| choice(v, v, &f.option)) }
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
struct BackerDetailProps {
    campaign: CreatorCampaign,
    backer: BackerView,
    referrer: Option<String>,
    lang: Lang,
}

/// Everything about one backer's pledge, contact included.
#[function_component]
fn BackerDetail(props: &BackerDetailProps) -> Html {
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
                    { row(t.contact, b.contact.clone()) }
                    { row(t.pledge, format!("{} · {}{}", currency.format(b.amount), b.tier.clone().unwrap_or_default(), if b.quantity > 1 { format!(" × {}", b.quantity) } else { String::new() })) }
                    { row(t.value, options.join(", ")) }
                    { row(t.status, b.status.clone()) }
                    { row(t.message, b.message.clone().unwrap_or_default()) }
                    { row(t.when, b.created_at.to_string()) }
                    { row(t.referred_by, props.referrer.clone().or_else(|| b.referred_by.clone()).unwrap_or_default()) }
                    { row(t.friends, lang.friends(b.recruits) + &format!(" · {}", currency.format(b.recruited_amount))) }
                    { row(t.source, b.source.clone().unwrap_or_default()) }
                    { row(t.host_page, b.host_page.clone().unwrap_or_default()) }
                    { row(t.referral_code, b.referral_code.clone()) }
                </tbody>
            </table>
        </>
    }
}

#[derive(Properties, PartialEq)]
struct EmbedBuilderProps {
    page: EmbedPage,
    lang: Lang,
    csrf: String,
}

/// Pick a campaign, language and theme; see the widget as readers will; copy the line.
#[function_component]
fn EmbedBuilder(props: &EmbedBuilderProps) -> Html {
    let (t, page) = (text(props.lang), &props.page);
    let choice = |value: &str, label: &str, current: &str| {
        html! { <option value={value.to_owned()} selected={value == current}>{ label.to_owned() }</option> }
    };
    html! {
        <>
            <h1>{ t.embed_builder }</h1>
            <form method="get" class="tfd-filters">
                <select name="campaign" aria-label={t.title}>
                    { for page.campaigns.iter().map(|(id, title)| choice(id, title, &page.campaign)) }
                </select>
                <select name="widget_lang" aria-label={t.language}>
                    { choice("", t.readers_language, &page.lang) }
                    { choice("en", "English", &page.lang) }
                    { choice("zh-CN", "简体中文", &page.lang) }
                </select>
                <select name="theme" aria-label={t.theme}>
                    { choice("light", t.light, &page.theme) }
                    { choice("dark", t.dark, &page.theme) }
                </select>
                <button type="submit">{ t.show }</button>
            </form>
            <h2>{ t.embed }</h2>
            <pre class="tfd-code" data-testid="snippet">{ page.snippet() }</pre>
            <p class="tfd-hint">{ t.iframe_hint }</p>
            <pre class="tfd-code" data-testid="iframe">{ page.iframe() }</pre>
            <h2>{ t.preview }</h2>
            <iframe class="tfd-preview" src={page.frame_path()} title={t.preview} data-testid="preview"></iframe>
            <h2 id="origins">{ t.origins }</h2>
            <p class="tfd-hint">{ t.origins_hint }</p>
            <form method="post" action="/dashboard/origins" class="tfd-update">
                <input type="hidden" name="csrf" value={props.csrf.clone()} />
                if let Some(error) = &page.origins_error {
                    <p class="tfd-error" role="alert">{ error }</p>
                }
                <textarea name="origins" rows="4" aria-label={t.origins} value={page.origins.join("\n")} />
                <button type="submit">{ t.save }</button>
            </form>
        </>
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
            <BarChart title={t.demand_chart} bars={demand} lang={lang} unit={t.units} testid="chart-demand" />
            <BarChart title={t.by_source} bars={sources} lang={lang} unit={t.raised} testid="chart-source" />
            <BarChart title={t.by_leader} bars={leaders} lang={lang} unit={t.friends} testid="chart-leaders" />
        </section>
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
                <thead><tr><th>{ t.value }</th><th>{ t.units }</th><th>{ t.backers }</th><th>{ t.min_batch }</th><th>{ t.short }</th></tr></thead>
                <tbody>
                    { for props.demand.tiers.iter().flat_map(|tier| {
                        let mut rows = vec![html! {
                            <tr class="tfd-tier"><td>{ &tier.title }</td><td>{ tier.units }</td><td>{ tier.backers }</td><td></td><td></td></tr>
                        }];
                        for group in &tier.options {
                            for value in &group.values {
                                rows.push(html! {
                                    <tr class={classes!((!value.reached).then_some("tfd-short"))}>
                                        <td>{ format!("{}: {}", group.name, value.value) }</td>
                                        <td>{ value.units }</td>
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

#[derive(Debug, Clone, PartialEq, Default, Properties, serde::Serialize, serde::Deserialize)]
pub struct SignUpProps {
    pub lang: Lang,
    /// What was typed, kept when the server refuses it.
    pub id: String,
    pub name: String,
    pub origins: String,
    pub error: Option<String>,
    /// The new site's key, shown this once.
    pub key: Option<String>,
}

/// Creating a site (when the operator allows it): a plain form, then the key, once.
#[function_component]
pub fn SignUp(props: &SignUpProps) -> Html {
    let t = text(props.lang);
    if let Some(key) = &props.key {
        return html! {
            <div class="tfd tfd-sign-in">
                <h1>{ t.site_ready }</h1>
                <p>{ t.key_once }</p>
                <pre class="tfd-code" data-testid="key">{ key }</pre>
                <p><a href="/dashboard">{ t.to_dashboard }</a></p>
            </div>
        };
    }
    html! {
        <div class="tfd tfd-sign-in">
            <h1>{ t.sign_up }</h1>
            if let Some(error) = &props.error {
                <p class="tfd-error" role="alert" data-testid="error">{ error }</p>
            }
            <form method="post" action="/dashboard/sign-up">
                <label><span>{ t.site_name }</span><input name="name" value={props.name.clone()} required=true maxlength="80" /></label>
                <label><span>{ t.site_id }</span><input name="id" value={props.id.clone()} required=true maxlength="64" pattern="[a-z0-9-]+" /></label>
                <label><span>{ t.origins }</span><textarea name="origins" rows="3" required=true value={props.origins.clone()} /></label>
                <p class="tfd-hint">{ t.origins_hint }</p>
                <button type="submit">{ t.sign_up }</button>
            </form>
        </div>
    }
}

#[derive(Debug, Clone, PartialEq, Properties, serde::Serialize, serde::Deserialize)]
pub struct SignInProps {
    pub lang: Lang,
    /// Why the last attempt failed, in the reader's language.
    pub error: Option<String>,
}

/// Signing in with the site key: a plain form, no script needed.
#[function_component]
pub fn SignIn(props: &SignInProps) -> Html {
    let t = text(props.lang);
    html! {
        <div class="tfd tfd-sign-in">
            <h1>{ t.sign_in }</h1>
            if let Some(error) = &props.error {
                <p class="tfd-error" role="alert" data-testid="error">{ error }</p>
            }
            <form method="post" action="/dashboard/sign-in">
                <label>
                    <span>{ t.key }</span>
                    <input type="password" name="key" autocomplete="current-password" required=true />
                </label>
                <p class="tfd-hint">{ t.key_hint }</p>
                <button type="submit">{ t.sign_in }</button>
            </form>
        </div>
    }
}

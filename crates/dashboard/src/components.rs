//! The dashboard's components: the frame with the site and sign-out, the campaign list, one
//! campaign's page, and the sign-in form.

use crate::text::text;
use crate::{DashboardProps, Page};
use domain::demand::DemandReport;
use domain::wire::CreatorCampaign;
use widget::i18n::Lang;
use yew::prelude::*;

#[function_component]
pub fn Dashboard(props: &DashboardProps) -> Html {
    let t = text(props.lang);
    let body = match &props.page {
        Page::Campaigns { campaigns } => {
            html! { <CampaignList campaigns={campaigns.clone()} lang={props.lang} /> }
        }
        Page::Campaign { campaign, demand } => {
            html! { <CampaignPage campaign={(**campaign).clone()} demand={demand.clone()} lang={props.lang} /> }
        }
    };
    html! {
        <div class="tfd">
            <header class="tfd-header">
                <a class="tfd-brand" href="/dashboard">{ t.dashboard }</a>
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
    lang: Lang,
}

#[function_component]
fn CampaignList(props: &CampaignListProps) -> Html {
    let (lang, t) = (props.lang, text(props.lang));
    if props.campaigns.is_empty() {
        return html! { <p>{ t.no_campaigns }</p> };
    }
    html! {
        <>
            <h1>{ t.campaigns }</h1>
            <table class="tfd-table" data-testid="campaigns">
                <thead><tr><th>{ t.title }</th><th>{ t.status }</th><th>{ t.raised }</th><th>{ t.backers }</th></tr></thead>
                <tbody>
                    { for props.campaigns.iter().map(|c| {
                        let v = &c.view;
                        html! {
                            <tr data-campaign={v.id.clone()}>
                                <td><a href={format!("/dashboard/campaigns/{}", v.id)}>{ &v.title }</a></td>
                                <td>{ lang.status(v.status) }</td>
                                <td>{ format!("{} / {}", v.currency.format(v.raised), v.currency.format(v.goal)) }</td>
                                <td>{ v.backers }</td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
        </>
    }
}

#[derive(Properties, PartialEq)]
struct CampaignPageProps {
    campaign: CreatorCampaign,
    demand: DemandReport,
    lang: Lang,
}

#[function_component]
fn CampaignPage(props: &CampaignPageProps) -> Html {
    let (lang, t) = (props.lang, text(props.lang));
    let v = &props.campaign.view;
    html! {
        <>
            <h1>{ &v.title }</h1>
            <p class="tfd-numbers">
                <strong data-testid="raised">{ v.currency.format(v.raised) }</strong>
                { format!(" / {} · {} · {}", v.currency.format(v.goal), lang.backers(v.backers), lang.status(v.status)) }
            </p>
            <p><a href={props.campaign.share_url.clone()} target="_blank" rel="noopener">{ t.share_page }</a></p>
            <h2>{ t.embed }</h2>
            <pre class="tfd-code" data-testid="embed">{ &props.campaign.embed_html }</pre>
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

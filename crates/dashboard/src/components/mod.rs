//! The dashboard's components: the frame with the site and sign-out, and the campaign
//! list; one campaign's page, a backer's, the embed builder and the sign-in and sign-up
//! forms each in a module of their own (the editor is in `crate::editor`).

mod access;
mod backer;
mod campaign;
mod embed;
mod shipping;
mod timeline;
mod updates;

pub use access::{SignIn, SignInProps, SignUp, SignUpProps};

use crate::editor::{DraftSummary, Editor, editor_text};
use crate::text::text;
use crate::{DashboardProps, Page};
use backer::BackerDetail;
use campaign::CampaignView;
use domain::wire::CreatorCampaign;
use embed::EmbedBuilder;
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
        Page::Backer { campaign, backer, referrer, mails, delivery } => html! {
            <BackerDetail campaign={(**campaign).clone()} backer={(**backer).clone()} referrer={referrer.clone()} mails={mails.clone()} delivery={delivery.clone()} lang={props.lang} csrf={props.csrf.clone()} />
        },
        Page::Shipping(page) => {
            html! { <shipping::ShippingView page={(**page).clone()} lang={props.lang} csrf={props.csrf.clone()} /> }
        }
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

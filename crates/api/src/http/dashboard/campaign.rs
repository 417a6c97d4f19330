//! A campaign's pages in the dashboard: its numbers, charts, backers and updates, a
//! backer's page, the CSV download and its updates. Editing is the editor's (`editor.rs`).

use super::session::Session;
use super::{PageQuery, lang, page_response};
use crate::error::Error;
use crate::http::state::AppState;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use dashboard::Page;

/// One campaign: its live numbers, production plan, backers and updates. Another site's
/// campaign is a 404.
pub(super) async fn campaign(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let cursor = query.cursor.as_deref().and_then(crate::store::Cursor::parse);
    let page = campaign_page(&state, &session, &id, &headers, cursor.as_ref(), &query.filters, None).await?;
    page_response(&state, &session, lang(&query, &headers), Page::Campaign(Box::new(page)), StatusCode::OK)
        .await
}

pub(super) async fn campaign_page(
    state: &AppState,
    session: &Session,
    id: &str,
    headers: &HeaderMap,
    cursor: Option<&crate::store::Cursor>,
    filters: &domain::wire::BackerFilters,
    draft: Option<dashboard::Draft>,
) -> Result<dashboard::CampaignPage, Error> {
    let entry = session.campaign(state, id)?;
    let campaign = crate::http::creator::campaigns::view(state, headers, &entry);
    let demand =
        domain::demand::plan(&entry.snapshot(crate::now()).campaign, &state.store.combinations(id).await?);
    let found =
        state.store.backers(id, &crate::http::creator::backers::filter_of(filters)?, 50, cursor).await?;
    let pledges = found
        .pledges
        .into_iter()
        .map(crate::http::creator::backers::backer)
        .collect::<anyhow::Result<_>>()?;
    let backers =
        domain::wire::BackerPage { pledges, next_cursor: found.next.map(|c| c.as_str().to_owned()) };
    let updates = state.store.updates(id, 20).await?;
    let timeline = state
        .store
        .timeline(id)
        .await?
        .into_iter()
        .map(|(day, pledges, amount)| dashboard::Day { day, pledges, amount })
        .collect();
    let sources = Some(crate::http::creator::sources::report(state, id).await?);
    let leaders = state.store.leaders(id, 10).await?;
    let mails = match state.settings.mail {
        Some(_) => {
            let queue = state.store.campaign_mail_queue(id, crate::now()).await?;
            let (waiting, sent, undeliverable) = (queue.waiting, queue.sent, queue.undeliverable);
            Some(dashboard::MailCounts { waiting, sent, undeliverable })
        }
        None => None,
    };
    Ok(dashboard::CampaignPage {
        campaign,
        demand,
        backers,
        updates,
        draft,
        filters: filters.clone(),
        timeline,
        sources,
        leaders,
        cursor: cursor.map(|c| c.as_str().to_owned()),
        mails,
        now: crate::now().unix(),
    })
}

/// A campaign page's data as JSON, for the open page to redraw its charts, production plan
/// and newest backers when a pledge arrives.
pub(super) async fn live(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let page = campaign_page(&state, &session, &id, &headers, None, &query.filters, None).await?;
    let mut response = axum::Json(page).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// One backer of one of the site's campaigns.
pub(super) async fn backer(
    State(state): State<AppState>,
    session: Session,
    Path((id, pledge)): Path<(String, String)>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let entry = session.campaign(&state, &id)?;
    let row = state.store.backer(&id, &pledge).await?.ok_or(Error::NotFound)?;
    let backer = crate::http::creator::backers::backer(row)?;
    // The referrer's name, from the same campaign; their contact stays theirs.
    let referrer = match &backer.referred_by {
        Some(code) => state.store.referrer_name(&id, code).await?,
        None => None,
    };
    let campaign = Box::new(crate::http::creator::campaigns::view(&state, &headers, &entry));
    let mails = state.store.pledge_mails(&pledge).await?;
    let delivery = super::shipping::backer_delivery(&state, &entry, &pledge).await?;
    let page = Page::Backer { campaign, backer: Box::new(backer), referrer, mails, delivery };
    page_response(&state, &session, lang(&query, &headers), page, StatusCode::OK).await
}

/// Every backer of a campaign as CSV, for the signed-in site.
pub(super) async fn backers_csv(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let entry = session.campaign(&state, &id)?;
    crate::http::creator::backers::csv_response(&state, &entry)
}

/// Every waitlist entry of a campaign as CSV, for the signed-in site.
pub(super) async fn waitlist_csv(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    session.campaign(&state, &id)?;
    crate::http::creator::waitlist::csv_response(&state, &id).await
}

#[derive(serde::Deserialize)]
pub(super) struct CsrfForm {
    csrf: String,
}

/// The creator marks a manual payment received, from the backer's page.
pub(super) async fn mark_paid(
    State(state): State<AppState>,
    session: Session,
    Path((id, pledge)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Error> {
    session.check_form(&state, &headers, &form.csrf)?;
    session.campaign(&state, &id)?;
    crate::payments::mark(&state.cards, &id, &pledge).await?;
    Ok(Redirect::to(&format!("/dashboard/campaigns/{id}/backers/{pledge}")).into_response())
}

//! The embed builder: the line for a post, a live preview, and the origins allowed to
//! embed the site's widgets (a refused list is told in the reader's words, naming the bad
//! origin).

use super::page_response;
use super::session::Session;
use crate::error::Error;
use crate::http::state::AppState;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use dashboard::Page;

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct EmbedQuery {
    lang: Option<String>,
    campaign: Option<String>,
    widget_lang: Option<String>,
    theme: Option<String>,
    accent: Option<String>,
}

/// The embed builder.
pub(super) async fn embed_builder(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<EmbedQuery>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let lang = crate::http::requests::pick_lang(query.lang.as_deref(), &headers);
    let page = embed_page(&state, &session, &headers, &query, None).await?;
    page_response(&state, &session, lang, Page::Embed(Box::new(page)), StatusCode::OK).await
}

pub(super) async fn embed_page(
    state: &AppState,
    session: &Session,
    headers: &HeaderMap,
    query: &EmbedQuery,
    origins_error: Option<String>,
) -> Result<dashboard::EmbedPage, Error> {
    let campaigns: Vec<(String, String)> = state
        .hub
        .of_site(&session.site)
        .iter()
        .map(|e| {
            let snapshot = e.snapshot(crate::now());
            (snapshot.campaign.id().to_string(), snapshot.campaign.title().to_owned())
        })
        .collect();
    // Only what the widget understands: anything else falls back to its default.
    let asked = query.campaign.as_deref().filter(|id| campaigns.iter().any(|(c, _)| c == id));
    let campaign = asked.or(campaigns.first().map(|(id, _)| id.as_str())).unwrap_or_default().to_owned();
    let widget_lang = match query.widget_lang.as_deref() {
        Some(tag @ ("en" | "zh-CN")) => tag.to_owned(),
        _ => String::new(),
    };
    let theme = widget::Theme::parse(query.theme.as_deref().unwrap_or("light"))
        .unwrap_or_default()
        .as_str()
        .to_owned();
    // The colour picker always sends one: the widget's own needs no attribute.
    let asked = query.accent.as_deref().and_then(domain::Accent::parse);
    let accent = asked.map(|a| a.readable()).filter(|a| a.hex() != dashboard::DEFAULT_ACCENT);
    let origins = state.store.site(&session.site).await?.map(|s| s.origins).unwrap_or_default();
    Ok(dashboard::EmbedPage {
        campaigns,
        campaign,
        lang: widget_lang,
        theme,
        accent: accent.map(|a| a.hex()).unwrap_or_default(),
        accent_darkened: asked.is_some_and(|a| a.readable() != a),
        base: crate::http::requests::base_url(state, headers),
        origins,
        origins_error,
    })
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct OriginsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    origins: String,
}

/// Changes where the site's widgets may be embedded (every server picks it up).
pub(super) async fn set_origins(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Form(form): Form<OriginsForm>,
) -> Result<Response, Error> {
    session.check_form(&state, &headers, &form.csrf)?;
    let origins: Vec<String> =
        form.origins.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();
    match crate::sites::update(
        &state.store,
        &session.site,
        crate::sites::SiteChange { origins: Some(origins), ..Default::default() },
    )
    .await
    {
        Ok(site) => {
            // This server applies it now; others through the store's announcement.
            state.hub.set_site(&site.id, &site.origins.join(" "));
            Ok(Redirect::to("/dashboard/embed#origins").into_response())
        }
        Err(e) => {
            let lang = crate::http::requests::pick_lang(None, &headers);
            let (status, why) = super::site_refusal(&e, lang);
            let page = embed_page(&state, &session, &headers, &EmbedQuery::default(), Some(why)).await?;
            page_response(&state, &session, lang, Page::Embed(Box::new(page)), status).await
        }
    }
}

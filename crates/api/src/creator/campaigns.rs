//! `POST /api/v1/campaigns`, `GET /api/v1/campaigns`, `PATCH /api/v1/campaigns/{id}`,
//! `POST /api/v1/campaigns/{id}/cancel`.

use super::Creator;
use crate::campaigning;
use crate::error::{Error, Json};
use crate::hub::Entry;
use crate::startup::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{patch, post};
use domain::edit::{CampaignPatch, locked_now};
use domain::wire::{CampaignInput, CreatorCampaign};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/campaigns", post(create).get(list))
        .route("/api/v1/campaigns/{id}", patch(edit))
        .route("/api/v1/campaigns/{id}/cancel", post(cancel))
}

async fn create(
    State(state): State<AppState>,
    creator: Creator,
    headers: HeaderMap,
    Json(input): Json<CampaignInput>,
) -> Result<Response, Error> {
    let entry = campaigning::create(&state.store, &state.hub, &creator.site, input).await?;
    Ok((StatusCode::CREATED, axum::Json(view(&state, &headers, &entry))).into_response())
}

#[derive(serde::Serialize)]
struct CampaignList {
    campaigns: Vec<CreatorCampaign>,
}

async fn list(
    State(state): State<AppState>,
    creator: Creator,
    headers: HeaderMap,
) -> axum::Json<CampaignList> {
    let campaigns = state.hub.of_site(&creator.site).iter().map(|e| view(&state, &headers, e)).collect();
    axum::Json(CampaignList { campaigns })
}

async fn edit(
    State(state): State<AppState>,
    creator: Creator,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(patch): Json<CampaignPatch>,
) -> Result<axum::Json<CreatorCampaign>, Error> {
    creator.campaign(&state, &id)?;
    let entry = campaigning::edit(&state.store, &state.hub, &creator.site, &id, patch).await?;
    Ok(axum::Json(view(&state, &headers, &entry)))
}

async fn cancel(
    State(state): State<AppState>,
    creator: Creator,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<axum::Json<CreatorCampaign>, Error> {
    creator.campaign(&state, &id)?;
    let entry = campaigning::cancel(&state.store, &state.hub, &creator.site, &id).await?;
    Ok(axum::Json(view(&state, &headers, &entry)))
}

/// The creator's view of a campaign, from its current snapshot.
pub(super) fn view(state: &AppState, headers: &HeaderMap, entry: &Entry) -> CreatorCampaign {
    let snapshot = entry.snapshot(crate::now());
    let base = crate::http::base_url(state, headers);
    let id = snapshot.campaign.id();
    CreatorCampaign {
        view: snapshot.view.clone(),
        story: snapshot.campaign.story().to_owned(),
        embed_html: format!(r#"<script src="{base}/embed.js" data-campaign="{id}" async></script>"#),
        share_url: format!("{base}/c/{id}"),
        locked: locked_now(&snapshot.campaign, &snapshot.counts),
    }
}

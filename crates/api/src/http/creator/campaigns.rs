//! `POST /api/v1/campaigns`, `GET /api/v1/campaigns`, `PATCH /api/v1/campaigns/{id}`,
//! `POST /api/v1/campaigns/{id}/cancel`.

use super::Creator;
use crate::campaigning;
use crate::error::Error;
use crate::http::problem::Json;
use crate::http::state::AppState;
use crate::hub::Entry;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::edit::{CampaignPatch, locked_now};
use domain::wire::{CampaignInput, CreatorCampaign, Problem};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create, list)).routes(routes!(edit)).routes(routes!(cancel))
}

/// Creates a campaign of the key's site; live from its start date.
#[utoipa::path(post, path = "/api/v1/campaigns", tag = "creator", security(("creator_key" = [])),
    request_body = CampaignInput,
    responses((status = 201, body = CreatorCampaign), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 413, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
async fn create(
    State(state): State<AppState>,
    creator: Creator,
    headers: HeaderMap,
    Json(input): Json<CampaignInput>,
) -> Result<Response, Error> {
    let entry =
        campaigning::create(&state.store, &state.hub, &creator.site, input, state.cards.stripe.is_some())
            .await?;
    Ok((StatusCode::CREATED, axum::Json(view(&state, &headers, &entry))).into_response())
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct CampaignList {
    campaigns: Vec<CreatorCampaign>,
}

/// The key's site's campaigns.
#[utoipa::path(get, path = "/api/v1/campaigns", tag = "creator", security(("creator_key" = [])),
    responses((status = 200, body = CampaignList), (status = 401, body = Problem), (status = 429, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    creator: Creator,
    headers: HeaderMap,
) -> axum::Json<CampaignList> {
    let campaigns = state.hub.of_site(&creator.site).iter().map(|e| view(&state, &headers, e)).collect();
    axum::Json(CampaignList { campaigns })
}

/// Changes any subset of the definition; what pledges lock is refused with 409.
#[utoipa::path(patch, path = "/api/v1/campaigns/{id}", tag = "creator", security(("creator_key" = [])), params(("id" = String, Path, description = "The campaign's id")),
    request_body = CampaignPatch,
    responses((status = 200, body = CreatorCampaign), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem, description = "Locked by pledges, or cancelled"),
              (status = 422, body = Problem)))]
async fn edit(
    State(state): State<AppState>,
    creator: Creator,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(patch): Json<CampaignPatch>,
) -> Result<axum::Json<CreatorCampaign>, Error> {
    creator.campaign(&state, &id)?;
    let entry =
        campaigning::edit(&state.store, &state.hub, &creator.site, &id, patch, state.cards.stripe.is_some())
            .await?;
    Ok(axum::Json(view(&state, &headers, &entry)))
}

/// Cancels the campaign: it takes no more pledges and says so everywhere.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/cancel", tag = "creator", security(("creator_key" = [])), params(("id" = String, Path, description = "The campaign's id")),
    responses((status = 200, body = CreatorCampaign), (status = 401, body = Problem), (status = 404, body = Problem)))]
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
pub(crate) fn view(state: &AppState, headers: &HeaderMap, entry: &std::sync::Arc<Entry>) -> CreatorCampaign {
    let snapshot = entry.snapshot(crate::now());
    let base = crate::http::requests::base_url(state, headers);
    let id = snapshot.campaign.id();
    CreatorCampaign {
        view: snapshot.view.clone(),
        story: snapshot.campaign.story().to_owned(),
        embed_html: format!(r#"<script src="{base}/embed.js" data-campaign="{id}" async></script>"#),
        share_url: format!("{base}/c/{id}"),
        locked: locked_now(&snapshot.campaign, &snapshot.counts),
    }
}

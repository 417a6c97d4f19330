//! The production timeline: `PUT /api/v1/campaigns/{id}/milestones` replaces it (the
//! creator); everyone reads it in the campaign's view (`milestones`).

use super::Creator;
use crate::campaigning;
use crate::error::Error;
use crate::http::problem::Json;
use crate::http::state::AppState;
use axum::extract::{Path, State};
use domain::milestones::Milestone;
use domain::wire::Problem;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(put))
}

/// Replaces the campaign's production timeline; answers it as it now is.
#[utoipa::path(put, path = "/api/v1/campaigns/{id}/milestones", tag = "creator", security(("creator_key" = [])), params(("id" = String, Path, description = "The campaign's id")),
    request_body = Vec<Milestone>,
    responses((status = 200, body = Vec<Milestone>), (status = 401, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn put(
    State(state): State<AppState>,
    creator: Creator,
    Path(id): Path<String>,
    Json(input): Json<Vec<Milestone>>,
) -> Result<axum::Json<Vec<Milestone>>, Error> {
    creator.campaign(&state, &id)?;
    let milestones = campaigning::set_milestones(&state.store, &state.hub, &creator.site, &id, input).await?;
    Ok(axum::Json(milestones))
}

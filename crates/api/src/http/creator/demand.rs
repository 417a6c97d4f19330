//! `GET /api/v1/campaigns/{id}/demand`: the production plan.

use super::Creator;
use crate::error::Error;
use crate::http::state::AppState;
use axum::extract::{Path, State};
use domain::demand::{DemandReport, plan};
use domain::wire::Problem;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(demand))
}

/// Units and backers per tier and option value, against each value's minimum batch.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/demand", tag = "creator", security(("creator_key" = [])), params(("id" = String, Path, description = "The campaign's id")),
    responses((status = 200, body = DemandReport), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn demand(
    State(state): State<AppState>,
    creator: Creator,
    Path(id): Path<String>,
) -> Result<axum::Json<DemandReport>, Error> {
    let entry = creator.campaign(&state, &id)?;
    let combinations = state.store.combinations(&id).await?;
    Ok(axum::Json(plan(&entry.snapshot(crate::now()).campaign, &combinations)))
}

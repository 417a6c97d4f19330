//! `GET /api/v1/campaigns/{id}/demand`: the production plan.

use super::Creator;
use crate::error::Error;
use crate::startup::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use domain::demand::{DemandReport, plan};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/v1/campaigns/{id}/demand", get(demand))
}

async fn demand(
    State(state): State<AppState>,
    creator: Creator,
    Path(id): Path<String>,
) -> Result<axum::Json<DemandReport>, Error> {
    let entry = creator.campaign(&state, &id)?;
    let combinations = state.store.combinations(&id).await?;
    Ok(axum::Json(plan(&entry.snapshot(crate::now()).campaign, &combinations)))
}

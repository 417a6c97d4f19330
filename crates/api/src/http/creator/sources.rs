//! `GET /api/v1/campaigns/{id}/sources`: live pledges and money per source tag and per host
//! page, so a creator sees which post, partner blog or group brought the money.

use super::Creator;
use crate::error::Error;
use crate::http::state::AppState;
use crate::store::backers::SourceRow;
use axum::extract::{Path, State};
use domain::wire::{Problem, SourceTotal, SourcesReport};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(sources))
}

/// Live pledges and their amount per `?src=` tag and per host page, most money first.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/sources", tag = "creator", security(("creator_key" = [])),
    params(("id" = String, Path, description = "The campaign's id")),
    responses((status = 200, body = SourcesReport), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn sources(
    State(state): State<AppState>,
    creator: Creator,
    Path(id): Path<String>,
) -> Result<axum::Json<SourcesReport>, Error> {
    creator.campaign(&state, &id)?;
    Ok(axum::Json(report(&state, &id).await?))
}

/// The sources report of a campaign, for the creator API and the dashboard.
pub(crate) async fn report(state: &AppState, id: &str) -> Result<SourcesReport, Error> {
    let (by_source, by_host) = state.store.sources(id).await?;
    let total = |row: SourceRow| SourceTotal {
        name: row.name,
        pledges: u64::try_from(row.pledges).unwrap_or(0),
        amount: row.amount,
    };
    Ok(SourcesReport {
        sources: by_source.into_iter().map(total).collect(),
        hosts: by_host.into_iter().map(total).collect(),
    })
}

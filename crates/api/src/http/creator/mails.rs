//! `GET /api/v1/campaigns/{id}/mails?status=`: the campaign's mails, newest first, for
//! scripts: what each told (its kind), to whom, and where it stands (`waiting`, `sent`,
//! `undeliverable` with the mail server's answer).

use super::Creator;
use crate::error::Error;
use crate::http::state::AppState;
use axum::extract::{Path, Query, State};
use domain::wire::{MailView, Problem};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The most mails one answer lists.
const SHOWN: u32 = 500;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(mails))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct MailQuery {
    /// `waiting`, `sent` or `undeliverable`; all when absent.
    status: Option<String>,
}

/// The campaign's mails, newest first (at most 500).
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/mails", tag = "creator", security(("creator_key" = [])),
    params(("id" = String, Path, description = "The campaign's id"), MailQuery),
    responses((status = 200, body = Vec<MailView>), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 404, body = Problem)))]
async fn mails(
    State(state): State<AppState>,
    creator: Creator,
    Path(id): Path<String>,
    Query(query): Query<MailQuery>,
) -> Result<axum::Json<Vec<MailView>>, Error> {
    creator.campaign(&state, &id)?;
    let status = match query.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s @ ("waiting" | "sent" | "undeliverable")) => Some(s),
        Some(_) => return Err(Error::Malformed("status is waiting, sent or undeliverable.".into())),
    };
    Ok(axum::Json(state.store.campaign_mails(&id, status, SHOWN).await?))
}

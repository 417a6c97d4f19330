//! A campaign's waitlists for its creator: every entry by tier and place, with contacts,
//! as JSON and as CSV.

use super::Creator;
use super::backers::{csv_download, push_row};
use crate::error::Error;
use crate::http::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use bytes::Bytes;
use domain::wire::{Problem, WaitlistEntry};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list)).routes(routes!(export))
}

/// Every waitlist entry of the campaign, by tier and place: who waits, who holds an offer
/// (and until when), who became a backer, whose offer expired, who left.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/waitlist", tag = "creator", security(("creator_key" = [])),
    params(("id" = String, Path, description = "The campaign's id")),
    responses((status = 200, body = Vec<WaitlistEntry>), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    creator: Creator,
    Path(id): Path<String>,
) -> Result<axum::Json<Vec<WaitlistEntry>>, Error> {
    creator.campaign(&state, &id)?;
    let entries = state.store.waitlist_of(&id).await?;
    Ok(axum::Json(entries.into_iter().map(|e| e.entry).collect()))
}

/// The same entries as CSV (UTF-8 with a byte-order mark, formula cells neutralised).
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/waitlist.csv", tag = "creator", security(("creator_key" = [])),
    params(("id" = String, Path, description = "The campaign's id")),
    responses((status = 200, content_type = "text/csv", description = "One row per entry"),
              (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn export(
    State(state): State<AppState>,
    creator: Creator,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    creator.campaign(&state, &id)?;
    csv_response(&state, &id).await
}

/// A campaign's waitlists as a CSV download: for the creator API and the dashboard.
pub(crate) async fn csv_response(state: &AppState, id: &str) -> Result<Response, Error> {
    let entries = state.store.waitlist_of(id).await?;
    let mut head = String::from("\u{feff}");
    let columns =
        ["tier", "place", "state", "name", "contact", "quantity", "options", "joined_at", "offered_at"];
    push_row(&mut head, &columns.map(String::from));
    let mut body = String::new();
    for stored in entries {
        let e = stored.entry;
        let options: Vec<String> = e.options.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let row = [
            e.tier,
            e.place.to_string(),
            e.state.as_str().to_owned(),
            e.name,
            e.contact.unwrap_or_default(),
            e.quantity.to_string(),
            options.join("; "),
            e.joined_at.to_string(),
            e.offered_at.map(|t| t.to_string()).unwrap_or_default(),
        ];
        push_row(&mut body, &row);
    }
    let rows = futures::stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(body)) });
    csv_download(&format!("{id}-waitlist.csv"), head, rows)
}

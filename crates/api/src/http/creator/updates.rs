//! Updates: `POST /api/v1/campaigns/{id}/updates` (the creator posts), and the public
//! `GET /api/v1/campaigns/{id}/updates` and Atom feed `/c/{id}/updates.atom`.

use super::Creator;
use crate::campaigning;
use crate::error::Error;
use crate::http::problem::Json;
use crate::http::render::escape;
use crate::http::requests::BaseUrl;
use crate::http::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::wire::{Problem, Update, UpdateInput};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The most updates the public list and the feed show.
const SHOWN: u32 = 50;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, post)).route("/c/{id}/updates.atom", get(atom_feed))
}

/// Posts an update to the campaign's backers.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/updates", tag = "creator", security(("creator_key" = [])), params(("id" = String, Path, description = "The campaign's id")),
    request_body = UpdateInput,
    responses((status = 201, body = Update), (status = 401, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn post(
    State(state): State<AppState>,
    creator: Creator,
    Path(id): Path<String>,
    Json(input): Json<UpdateInput>,
) -> Result<Response, Error> {
    creator.campaign(&state, &id)?;
    let update = campaigning::post_update(&state.store, &state.hub, &creator.site, &id, input).await?;
    Ok((StatusCode::CREATED, axum::Json(update)).into_response())
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct UpdateList {
    updates: Vec<Update>,
}

/// The campaign's updates, newest first.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/updates", tag = "public", params(("id" = String, Path, description = "The campaign's id")),
    responses((status = 200, body = UpdateList), (status = 404, body = Problem)))]
async fn list(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, Error> {
    state.hub.get(&id).ok_or(Error::NotFound)?;
    let updates = state.store.updates(&id, SHOWN).await?;
    Ok((
        [(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"))],
        axum::Json(UpdateList { updates }),
    )
        .into_response())
}

/// An Atom feed of a campaign's updates, for feed readers and blog sidebars.
pub(crate) async fn atom_feed(
    State(state): State<AppState>,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let entry = state.hub.get(&id).ok_or(Error::NotFound)?;
    let title = entry.snapshot(crate::now()).view.title.clone();
    let updates = state.store.updates(&id, SHOWN).await?;
    let page = format!("{base}/c/{id}");
    let updated = updates.first().map_or_else(|| crate::now().to_string(), |u| u.published_at.to_string());
    let mut feed = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n\
         <id>{page}</id>\n<title>{}</title>\n<updated>{updated}</updated>\n\
         <link rel=\"alternate\" href=\"{page}\"/>\n<link rel=\"self\" href=\"{page}/updates.atom\"/>\n",
        escape(&title)
    );
    for update in updates {
        feed.push_str(&format!(
            "<entry>\n<id>{page}#update-{}</id>\n<title>{}</title>\n<updated>{}</updated>\n\
             <author><name>{}</name></author>\n<link rel=\"alternate\" href=\"{page}#update-{}\"/>\n\
             <content type=\"text\">{}</content>\n</entry>\n",
            update.id,
            escape(&update.title),
            update.published_at,
            escape(&title),
            update.id,
            escape(&update.body)
        ));
    }
    feed.push_str("</feed>\n");
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/atom+xml; charset=utf-8"))], feed)
        .into_response())
}

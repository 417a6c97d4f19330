//! `PUT /api/v1/campaigns/{id}/cover` and `GET /covers/{file}`: a campaign's cover, taken as
//! `covers` says and served by its hash, for a year.

use super::Creator;
use crate::covers::{self, UPLOAD_LIMIT};
use crate::error::Error;
use crate::http::state::AppState;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use domain::wire::Problem;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload))
        .layer(DefaultBodyLimit::max(UPLOAD_LIMIT))
        .route("/covers/{file}", axum::routing::get(serve))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct CoverSet {
    /// The cover's address, also in the campaign view as `cover`.
    cover: String,
    width: u32,
    height: u32,
}

#[utoipa::path(put, path = "/api/v1/campaigns/{id}/cover", tag = "creator", security(("creator_key" = [])),
    params(("id" = String, Path, description = "The campaign's id")),
    request_body(content = Vec<u8>, content_type = "image/jpeg", description = "A PNG, JPEG or WebP image of at most 5 MB"),
    responses((status = 200, body = CoverSet), (status = 401, body = Problem), (status = 404, body = Problem),
              (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn upload(
    State(state): State<AppState>,
    creator: Creator,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<CoverSet>, Error> {
    let entry = creator.campaign(&state, &id)?;
    let declared = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let (cover, width, height) = covers::set(&state.store, &state.metrics, &entry, declared, body).await?;
    Ok(axum::Json(CoverSet { cover, width, height }))
}

/// A stored image (a cover, `.jpg`, or a collection code, `.png`), cached for a year: its
/// address is the hash of its bytes.
async fn serve(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, Error> {
    let id = file
        .strip_suffix(".jpg")
        .or_else(|| file.strip_suffix(".png"))
        .filter(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()));
    let (content_type, bytes) =
        state.store.cover(id.ok_or(Error::NotFound)?).await?.ok_or(Error::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_str(&content_type).map_err(anyhow::Error::from)?),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
        ],
        bytes,
    )
        .into_response())
}

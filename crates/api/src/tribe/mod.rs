//! The tribe, public: who brought the most friends (`GET …/leaders`) and the wall of public
//! backers (`GET …/backers`). Referral credit itself is kept by the pledge writer, in the
//! pledges' own transaction (see `store::writer`).

mod poster;
mod poster_cache;
mod share;

pub use poster::{FONT_PATHS, RENDERS as POSTER_RENDERS};
pub use poster_cache::Posters;

use crate::error::Error;
use crate::http::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use domain::wire::{Leader, Problem, WallEntry};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The most recruiters and wall entries the lists show.
const SHOWN: u32 = 50;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(leaders))
        .routes(routes!(backers))
        .route("/c/{id}/qr.svg", axum::routing::get(share::qr_svg))
        .route("/c/{id}/poster.png", axum::routing::get(poster::poster))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct Leaders {
    leaders: Vec<Leader>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct Backers {
    backers: Vec<WallEntry>,
}

/// Backers ranked by the live pledges made through their link; only public backers are named.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/leaders", tag = "public",
    params(("id" = String, Path, description = "The campaign's id")),
    responses((status = 200, body = Leaders), (status = 404, body = Problem)))]
async fn leaders(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, Error> {
    state.hub.get(&id).ok_or(Error::NotFound)?;
    let leaders = state.store.leaders(&id, SHOWN).await?;
    Ok(public(axum::Json(Leaders { leaders })))
}

/// The backer wall: public backers and their messages, newest first.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/backers", tag = "public",
    params(("id" = String, Path, description = "The campaign's id")),
    responses((status = 200, body = Backers), (status = 404, body = Problem)))]
async fn backers(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, Error> {
    state.hub.get(&id).ok_or(Error::NotFound)?;
    let backers = state.store.wall(&id, SHOWN).await?;
    Ok(public(axum::Json(Backers { backers })))
}

/// Readable from any host page's scripts: nothing here is private.
fn public(body: impl IntoResponse) -> Response {
    let mut response = body.into_response();
    response.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response
}

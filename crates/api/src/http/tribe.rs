//! The tribe's doors: who brought the most friends (`GET …/leaders`), the wall of public
//! backers (`GET …/backers`), a share link's QR code (`GET /c/{id}/qr.svg?ref=CODE`) and
//! poster (`GET /c/{id}/poster.png?ref=CODE`). A poster is answered from the cache by the
//! hash of what it shows (its `ETag`); a miss takes a token from the client's bucket.

use crate::error::Error;
use crate::http::requests::{BaseUrl, ClientIp, PageLang};
use crate::http::state::AppState;
use crate::http::tribe_page::{LAST_PAGE, PER_PAGE, next_page};
use crate::tribe::{self, poster};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use domain::wire::{Leader, Problem, WallEntry};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(leaders))
        .routes(routes!(backers))
        .route("/c/{id}/qr.svg", axum::routing::get(qr_svg))
        .route("/c/{id}/poster.png", axum::routing::get(poster))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct Leaders {
    leaders: Vec<Leader>,
    /// The next page's number, while there is one.
    next_page: Option<u32>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct Backers {
    backers: Vec<WallEntry>,
    /// The next page's number, while there is one.
    next_page: Option<u32>,
}

/// `?page=N`: which page of a list, from 1.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
struct PageNumber {
    /// From 1 (the default) to 1000.
    #[param(value_type = Option<u32>)]
    page: Option<String>,
}

impl PageNumber {
    /// The page from 0, or a 400 for anything but a number from 1 to the last.
    fn index(&self) -> Result<u32, Error> {
        let Some(page) = self.page.as_deref() else { return Ok(0) };
        match page.parse::<u32>() {
            Ok(page @ 1..) if page <= LAST_PAGE + 1 => Ok(page - 1),
            _ => Err(Error::Malformed(format!("page must be a number from 1 to {}", LAST_PAGE + 1))),
        }
    }
}

/// Backers ranked by the live pledges made through their link, highest first, 50 to a page;
/// only public backers are named.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/leaders", tag = "public",
    params(("id" = String, Path, description = "The campaign's id"), PageNumber),
    responses((status = 200, body = Leaders), (status = 400, body = Problem), (status = 404, body = Problem)))]
async fn leaders(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(page): Query<PageNumber>,
) -> Result<Response, Error> {
    state.hub.get(&id).ok_or(Error::NotFound)?;
    let index = page.index()?;
    let (leaders, more) = state.store.leaders_page(&id, index, PER_PAGE).await?;
    Ok(public(axum::Json(Leaders { leaders, next_page: next_page(index, more) })))
}

/// The backer wall: public backers and their messages, newest first, 50 to a page.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/backers", tag = "public",
    params(("id" = String, Path, description = "The campaign's id"), PageNumber),
    responses((status = 200, body = Backers), (status = 400, body = Problem), (status = 404, body = Problem)))]
async fn backers(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(page): Query<PageNumber>,
) -> Result<Response, Error> {
    state.hub.get(&id).ok_or(Error::NotFound)?;
    let index = page.index()?;
    let (backers, more) = state.store.wall_page(&id, index, PER_PAGE).await?;
    Ok(public(axum::Json(Backers { backers, next_page: next_page(index, more) })))
}

/// Readable from any host page's scripts: nothing here is private.
fn public(body: impl IntoResponse) -> Response {
    let mut response = body.into_response();
    response.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response
}

#[derive(Debug, serde::Deserialize)]
struct ShareQuery {
    #[serde(rename = "ref")]
    referral: Option<String>,
    /// `article`: the poster for a WeChat Official Account article (`poster::Size`).
    size: Option<String>,
}

async fn qr_svg(
    State(state): State<AppState>,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
    Query(query): Query<ShareQuery>,
) -> Result<Response, Error> {
    state.hub.get(&id).ok_or(Error::NotFound)?;
    let link = tribe::share_link(&base, &id, query.referral.as_deref());
    let svg = tribe::svg(&link).map_err(|e| anyhow::anyhow!("encoding a QR code: {e}"))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml")),
            // The same link always draws the same code.
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400")),
        ],
        svg,
    )
        .into_response())
}

async fn poster(
    State(state): State<AppState>,
    (ClientIp(ip), BaseUrl(base), PageLang(lang)): (ClientIp, BaseUrl, PageLang),
    Path(id): Path<String>,
    Query(query): Query<ShareQuery>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let entry = state.hub.get(&id).ok_or(Error::NotFound)?;
    let size = poster::Size::asked(query.size.as_deref());
    let shown = poster::shown(&state.store, &entry, (query.referral.as_deref(), size), lang, &base).await?;
    let key = shown.key();
    let etag = HeaderValue::from_str(&format!("\"{}\"", &key[..32])).map_err(anyhow::Error::from)?;
    let known = headers.get(header::IF_NONE_MATCH).is_some_and(|v| {
        v.to_str().is_ok_and(|v| v.split(',').any(|tag| tag.trim().trim_start_matches("W/") == etag))
    });
    if known {
        return Ok(poster_answer(etag, None));
    }
    if let Some(png) = state.posters.get(&key) {
        return Ok(poster_answer(etag, Some(png)));
    }
    state
        .poster_limiter
        .check(ip, std::time::Instant::now())
        .map_err(|retry_after_secs| Error::RateLimited { retry_after_secs })?;
    let font = state.settings.poster_font.as_deref();
    let png = poster::draw_kept(&state.store, &state.metrics, &state.posters, font, shown).await?;
    Ok(poster_answer(etag, Some(png)))
}

/// A poster (or, with `None`, 304: the client holds it), a minute fresh: progress moves.
fn poster_answer(etag: HeaderValue, png: Option<Bytes>) -> Response {
    let headers =
        [(header::ETAG, etag), (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"))];
    match png {
        Some(png) => {
            (headers, [(header::CONTENT_TYPE, HeaderValue::from_static("image/png"))], png).into_response()
        }
        None => (StatusCode::NOT_MODIFIED, headers).into_response(),
    }
}

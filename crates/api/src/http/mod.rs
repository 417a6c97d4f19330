//! HTTP routes, one module per resource, each with its own `router()`.
//!
//! Forwarding headers (`X-Forwarded-For`, `X-Forwarded-Proto`, …) reach no route unless the
//! connection's peer is a configured proxy: the outer layer [`forwarded_only_from_proxies`]
//! removes them from every other request (see [`proxies`]).

mod assets;
mod campaigns;
pub(crate) mod events;
mod forms;
#[cfg(test)]
mod fuzz;
pub(crate) mod manifest;
pub(crate) mod openapi;
pub(crate) mod pages;
pub mod proxies;
pub(crate) mod request_id;

use crate::error::Error;
use crate::startup::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use std::net::{IpAddr, SocketAddr};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};
use tower_http::trace::TraceLayer;
use utoipa_axum::router::OpenApiRouter;

/// Request bodies above this are refused with 413: a pledge is a few hundred bytes.
pub const BODY_LIMIT: usize = 16 * 1024;
/// Stripe's events carry whole objects: larger than a pledge, bounded all the same.
const STRIPE_EVENT_LIMIT: usize = 256 * 1024;

pub fn router(state: AppState) -> Router {
    let (v1, document) = v1(state.settings.bench_routes).split_for_parts();
    Router::new()
        .merge(v1)
        .merge(pages::router().layer(DefaultBodyLimit::max(BODY_LIMIT)))
        .merge(crate::dashboard::router())
        .merge(crate::payments::stripe_router().layer(DefaultBodyLimit::max(STRIPE_EVENT_LIMIT)))
        .merge(assets::router(&state.settings.static_dir))
        .layer(axum::Extension(openapi::Document::new(&document)))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        // Whole requests and their bodies are bounded in time: a client that sends a body a
        // byte at a time holds nothing for long. (Event streams answer at once: the bound is
        // on the answer's head, not on the stream.)
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, state.settings.request_timeout))
        .layer(RequestBodyTimeoutLayer::new(state.settings.request_timeout))
        // Inside the request's span (see `request_id`): the response's failures are logged
        // with its id.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|_: &axum::http::Request<axum::body::Body>| tracing::Span::current()),
        )
        .layer(axum::middleware::from_fn_with_state(state.clone(), request_id::layer))
        .layer(axum::middleware::from_fn_with_state(state.clone(), forwarded_only_from_proxies))
        .with_state(state)
}

/// Removes the forwarding headers of a request whose peer is not a trusted proxy (see
/// [`proxies::strip_unless_trusted`]): [`base_url`] and [`client_ip`] then believe only
/// what a proxy of ours said.
async fn forwarded_only_from_proxies(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let peer = request.extensions().get::<axum::extract::ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
    proxies::strip_unless_trusted(&state.settings.trusted_proxies, peer, request.headers_mut());
    next.run(request).await
}

/// Every `/api/v1` route, with its OpenAPI document. Each router bounds its own bodies: a
/// pledge is small, a campaign definition larger.
pub(crate) fn v1(bench_routes: bool) -> OpenApiRouter<AppState> {
    use utoipa::OpenApi;
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(campaigns::router(bench_routes).layer(DefaultBodyLimit::max(BODY_LIMIT)))
        .merge(crate::creator::router())
        .merge(crate::webhooks::router())
        .merge(crate::payments::router())
        .merge(crate::tribe::router())
        .routes(utoipa_axum::routes!(openapi::openapi_json))
}

/// The OpenAPI document of every `/api/v1` route, exactly as `GET /api/v1/openapi.json`
/// serves it, without a server: for checks that read it.
pub fn openapi_json() -> String {
    let (_, document) = v1(false).split_for_parts();
    document.to_json().expect("the OpenAPI document serialises")
}

/// The client's address: the peer, or behind a trusted proxy what all the `X-Forwarded-For`
/// lines say, as one list (see [`proxies`]).
pub(crate) fn client_ip(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
    proxies::client_of(&state.settings.trusted_proxies, peer.ip(), headers)
}

/// Receipt reads and cancellations take tokens from their own per-address bucket, as
/// pledges do: nobody can guess receipt tokens or hammer the database through them cheaply.
pub(crate) fn receipt_allowed(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> Result<(), Error> {
    let ip = client_ip(state, peer, headers);
    state
        .receipt_limiter
        .check(ip, std::time::Instant::now())
        .map_err(|retry_after_secs| Error::RateLimited { retry_after_secs })
}

/// [`client_ip`] from the `X-Forwarded-For` lines themselves (the raw event-stream path
/// reads them off the socket).
pub(crate) fn client_ip_from(state: &AppState, peer: SocketAddr, lines: &[impl AsRef<str>]) -> IpAddr {
    proxies::client(&state.settings.trusted_proxies, peer.ip(), lines.iter().map(AsRef::as_ref))
}

/// The base of absolute links to this server: the configured public URL, or what the
/// request's `Host` says when it is a plain host name, over HTTPS when a trusted proxy
/// says `X-Forwarded-Proto: https` (the header of any other peer never reaches here).
pub(crate) fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.settings.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .filter(|p| !state.settings.trusted_proxies.is_empty() && *p == "https")
        .unwrap_or("http");
    format!("{proto}://{host}")
}

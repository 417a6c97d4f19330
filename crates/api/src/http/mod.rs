//! HTTP routes, one module per resource, each with its own `router()`; what every door
//! reads off a request (the client's address, the base of links) is in [`requests`].
//!
//! Forwarding headers (`X-Forwarded-For`, `X-Forwarded-Proto`, …) reach no route unless the
//! connection's peer is a configured proxy: the outer layer [`forwarded_only_from_proxies`]
//! removes them from every other request (see [`proxies`]).

mod assets;
mod campaigns;
pub mod creator;
pub mod dashboard;
mod delivery;
pub(crate) mod events;
mod forms;
#[cfg(test)]
mod fuzz;
mod guide;
mod lookup;
pub(crate) mod manifest;
mod oembed;
pub(crate) mod openapi;
pub(crate) mod pages;
mod payments;
pub mod problem;
pub mod proxies;
mod receipts;
mod remind;
pub mod render;
pub(crate) mod request_id;
pub(crate) mod requests;
pub mod state;
mod tribe;
pub(crate) mod tribe_page;
mod unsubscribe;
mod waitlist;
mod webhooks;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use state::AppState;
use std::net::SocketAddr;
use tower_http::classify::StatusInRangeAsFailures;
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
        .merge(lookup::pages().layer(DefaultBodyLimit::max(BODY_LIMIT)))
        .merge(remind::pages().layer(DefaultBodyLimit::max(BODY_LIMIT)))
        .merge(delivery::pages().layer(DefaultBodyLimit::max(BODY_LIMIT)))
        .merge(waitlist::pages().layer(DefaultBodyLimit::max(BODY_LIMIT)))
        .merge(oembed::pages())
        .merge(guide::pages())
        .merge(unsubscribe::router().layer(DefaultBodyLimit::max(BODY_LIMIT)))
        .merge(crate::http::dashboard::router())
        .merge(payments::stripe_router().layer(DefaultBodyLimit::max(STRIPE_EVENT_LIMIT)))
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
        // with its id. A 503 is the server shedding load on purpose (a full writer queue at a
        // drop, too many streams): counted in the metrics, not logged one by one as errors.
        .layer(
            TraceLayer::new(StatusInRangeAsFailures::new(500..=502).into_make_classifier())
                .make_span_with(|_: &axum::http::Request<axum::body::Body>| tracing::Span::current()),
        )
        .layer(axum::middleware::from_fn_with_state(state.clone(), request_id::layer))
        .layer(axum::middleware::from_fn_with_state(state.clone(), forwarded_only_from_proxies))
        .with_state(state)
}

/// Removes the forwarding headers of a request whose peer is not a trusted proxy (see
/// [`proxies::strip_unless_trusted`]): [`requests::BaseUrl`] and [`requests::ClientIp`]
/// then believe only what a proxy of ours said.
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
        .merge(lookup::router().layer(DefaultBodyLimit::max(BODY_LIMIT)))
        .merge(remind::router().layer(DefaultBodyLimit::max(BODY_LIMIT)))
        .merge(delivery::router().layer(DefaultBodyLimit::max(BODY_LIMIT)))
        .merge(crate::http::creator::router())
        .merge(webhooks::router())
        .merge(payments::router())
        .merge(tribe::router())
        .merge(waitlist::router().layer(DefaultBodyLimit::max(BODY_LIMIT)))
        .routes(utoipa_axum::routes!(openapi::openapi_json))
}

/// Serves `GET /metrics` (and nothing else) on its own listener until the server stops.
pub(crate) fn serve_metrics(listener: tokio::net::TcpListener, state: AppState) {
    use axum::http::header;
    use axum::routing::get;
    let router = axum::Router::new()
        .route(
            "/metrics",
            get(|axum::extract::State(state): axum::extract::State<AppState>| async move {
                let mail = match state.settings.mail.is_some() {
                    true => state.store.mail_queue(crate::now()).await.ok(),
                    false => None,
                };
                let text = state.metrics.render(&state.store, &state.hub, &state.admission, mail);
                ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text)
            }),
        )
        .with_state(state.clone());
    let mut stopping = state.stopping.subscribe();
    tokio::spawn(async move {
        let stopped = async move {
            let _ = stopping.wait_for(|stop| *stop).await;
        };
        if let Err(e) = axum::serve(listener, router).with_graceful_shutdown(stopped).await {
            tracing::warn!(error = %e, "the metrics listener failed");
        }
    });
}

/// The OpenAPI document of every `/api/v1` route, exactly as `GET /api/v1/openapi.json`
/// serves it, without a server: for checks that read it.
pub fn openapi_json() -> String {
    let (_, document) = v1(false).split_for_parts();
    document.to_json().expect("the OpenAPI document serialises")
}

//! Static files: the demo blog page, the loader, the widget's CSS, scripts and wasm.

use crate::http::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::path::Path;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeFile;
use tower_http::set_header::SetResponseHeaderLayer;

pub(super) fn router(static_dir: &Path) -> Router<AppState> {
    // The demo blog page: revalidated, compressed as it goes out.
    let demo = Router::new()
        .route_service("/", ServeFile::new(static_dir.join("index.html")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
        .layer(CompressionLayer::new());
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/embed.js", get(asset))
        .route("/assets/{file}", get(asset))
        .route("/pkg/{file}", get(asset))
        .merge(demo)
}

/// A static file from the manifest, by its hashed or its plain name (see [`super::manifest`]).
async fn asset(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    state.assets.respond(uri.path(), &headers).unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

/// Liveness: the process answers. Cheap enough for a load balancer to poll often.
async fn healthz() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], r#"{"status":"ok"}"#)
}

/// Readiness: the database answers, and so does the pledge writer. Reads keep working from
/// snapshots without them, but pledges do not.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let database = state.store.ping().await;
    let writer = state.store.writer_ready().await;
    let ready = database && writer;
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let mut body = serde_json::json!({
        "status": if ready { "ok" } else { "degraded" },
        "database": database,
        "writer": writer,
        "writer_restarts": state.store.writer_restarts(),
    });
    // The mail outbox, when this server sends mail.
    if state.settings.mail.is_some()
        && let Ok(q) = state.store.mail_queue(crate::now()).await
    {
        body["mail"] = serde_json::json!({ "waiting": q.waiting, "retrying": q.retrying,
            "oldest_seconds": q.oldest_secs, "sent": q.sent, "undeliverable": q.undeliverable });
    }
    (status, axum::Json(body))
}

//! Static files: the demo blog page, the loader, the widget's CSS, scripts and wasm.

use crate::startup::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use std::path::Path;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

pub(super) fn router(static_dir: &Path) -> Router<AppState> {
    let www = static_dir.join("www");
    // Assets are not content-hashed: browsers revalidate them (cheap with Last-Modified).
    let revalidate =
        SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route_service("/", ServeFile::new(static_dir.join("index.html")))
        .route_service("/embed.js", ServeFile::new(www.join("embed.js")))
        .nest_service("/assets", ServeDir::new(&www))
        // The build leaves brotli and gzip copies beside the wasm and its glue.
        .nest_service("/pkg", ServeDir::new(www.join("pkg")).precompressed_br().precompressed_gzip())
        .layer(revalidate)
        .layer(CompressionLayer::new())
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
    (
        status,
        axum::Json(serde_json::json!({
            "status": if ready { "ok" } else { "degraded" },
            "database": database,
            "writer": writer,
            "writer_restarts": state.store.writer_restarts(),
        })),
    )
}

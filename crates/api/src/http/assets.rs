//! Static files: the demo blog page, the loader, the widget's CSS, scripts and wasm.

use crate::startup::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
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
        .route_service("/", ServeFile::new(static_dir.join("index.html")))
        .route_service("/embed.js", ServeFile::new(www.join("embed.js")))
        .nest_service("/assets", ServeDir::new(&www))
        .nest_service("/pkg", ServeDir::new(www.join("pkg")))
        .layer(revalidate)
        .layer(CompressionLayer::new())
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let database = state.store.ping().await;
    axum::Json(serde_json::json!({ "status": "ok", "database": database }))
}

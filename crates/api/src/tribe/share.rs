//! Sharing on a phone: `GET /c/{id}/qr.svg?ref=CODE`, a QR code of a backer's share link
//! (drawn in Rust, one SVG path), for WeChat users to long-press or a blogger to print.

use crate::error::Error;
use crate::http::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use domain::pledge::is_referral_code;
use qrcode::{Color, EcLevel, QrCode};

#[derive(Debug, serde::Deserialize)]
pub(super) struct ShareQuery {
    #[serde(rename = "ref")]
    pub(super) referral: Option<String>,
    pub(super) lang: Option<String>,
}

/// The share link a QR code or poster carries: the campaign's page, with the backer's
/// referral code when it is one.
pub(super) fn share_link(state: &AppState, headers: &HeaderMap, id: &str, referral: Option<&str>) -> String {
    let base = crate::http::base_url(state, headers);
    match referral.filter(|r| is_referral_code(r)) {
        Some(code) => format!("{base}/c/{id}?ref={code}"),
        None => format!("{base}/c/{id}"),
    }
}

pub(super) async fn qr_svg(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<ShareQuery>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    state.hub.get(&id).ok_or(Error::NotFound)?;
    let link = share_link(&state, &headers, &id, query.referral.as_deref());
    let svg = svg(&link).map_err(|e| anyhow::anyhow!("encoding a QR code: {e}"))?;
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

/// The modules of `text`'s QR code (medium error correction: a phone still reads it with a
/// smudge or a logo over a corner), row by row; `true` is dark.
pub(crate) fn modules(text: &str) -> Result<(usize, Vec<bool>), qrcode::types::QrError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)?;
    let width = code.width();
    Ok((width, code.to_colors().into_iter().map(|c| c == Color::Dark).collect()))
}

/// The QR code as SVG: a white square with a four-module quiet zone and one path of
/// unit squares, scaled by the viewer.
fn svg(text: &str) -> Result<String, qrcode::types::QrError> {
    const QUIET: usize = 4;
    let (width, dark) = modules(text)?;
    let size = width + 2 * QUIET;
    let mut path = String::with_capacity(dark.len() * 6);
    for (i, _) in dark.iter().enumerate().filter(|(_, d)| **d) {
        path.push_str(&format!("M{} {}h1v1h-1z", i % width + QUIET, i / width + QUIET));
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" width=\"{px}\" height=\"{px}\" \
         shape-rendering=\"crispEdges\"><title>QR code</title><rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/>\
         <path fill=\"#000\" d=\"{path}\"/></svg>",
        px = size * 8
    ))
}

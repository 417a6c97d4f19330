//! Sharing on a phone: a backer's share link and its QR code (drawn in Rust, one SVG path),
//! for WeChat users to long-press or a blogger to print.

use domain::pledge::is_referral_code;
use qrcode::{Color, EcLevel, QrCode};

/// The share link a QR code or poster carries: the campaign's page under `base`, with the
/// backer's referral code when it is one.
pub fn share_link(base: &str, id: &str, referral: Option<&str>) -> String {
    match referral.filter(|r| is_referral_code(r)) {
        Some(code) => format!("{base}/c/{id}?ref={code}"),
        None => format!("{base}/c/{id}"),
    }
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
pub fn svg(text: &str) -> Result<String, qrcode::types::QrError> {
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

//! A manual campaign's WeChat Pay or Alipay collection code: `PUT
//! /api/v1/campaigns/{id}/payment-qr` (and the dashboard's upload). Decoded under the cover's
//! limits, scaled with hard edges (a QR code must stay sharp) to fit 600 px, stored as PNG
//! by its hash, and named in the campaign's `manual_payment.qr`; backers see it with the
//! amount and their reference.

use crate::creator::Creator;
use crate::creator::cover::{Kept, prepare};
use crate::error::Error;
use crate::startup::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use domain::edit::CampaignPatch;
use domain::wire::Problem;
use domain::{FieldError, ManualPayment};

#[derive(serde::Serialize, utoipa::ToSchema)]
pub(super) struct QrSet {
    /// The code's address, also in the campaign's `manual_payment.qr`.
    qr: String,
}

/// Sets a manual campaign's collection code: the body is the image, sent as `image/png`,
/// `image/jpeg` or `image/webp`.
#[utoipa::path(put, path = "/api/v1/campaigns/{id}/payment-qr", tag = "creator", security(("creator_key" = [])),
    params(("id" = String, Path, description = "The campaign's id")),
    request_body(content = Vec<u8>, content_type = "image/png", description = "A PNG, JPEG or WebP image of at most 5 MB"),
    responses((status = 200, body = QrSet), (status = 401, body = Problem), (status = 404, body = Problem),
              (status = 413, body = Problem), (status = 415, body = Problem),
              (status = 422, body = Problem, description = "Not an image, or the campaign is not manual")))]
pub(super) async fn upload(
    State(state): State<AppState>,
    creator: Creator,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<QrSet>, Error> {
    creator.campaign(&state, &id)?;
    let declared = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let qr = set(&state, &creator.site, &id, declared, body).await?;
    Ok(axum::Json(QrSet { qr }))
}

/// Makes `bytes`, sent as `content_type`, the collection code of campaign `id` of `site`
/// (which the caller checked is theirs): its address. For the creator API and the dashboard.
pub(crate) async fn set(
    state: &AppState,
    site: &str,
    id: &str,
    content_type: &str,
    bytes: Bytes,
) -> Result<String, Error> {
    let entry = state.hub.get(id).ok_or(Error::NotFound)?;
    let Some(manual) = entry.snapshot(crate::now()).campaign.manual_payment().cloned() else {
        let errors = [("manual_payment.instructions".to_owned(), FieldError::Required)];
        return Err(Error::Invalid(errors.into_iter().collect()));
    };
    let image = prepare(state, content_type, bytes, Kept::Code).await?;
    state.store.store_image(id, &image, crate::now()).await?;
    let path = format!("/covers/{}.png", image.id);
    let patch = CampaignPatch {
        manual_payment: Some(Some(ManualPayment { qr: Some(path.clone()), ..manual })),
        ..CampaignPatch::default()
    };
    crate::campaigning::edit(&state.store, &state.hub, site, id, patch, state.stripe.is_some()).await?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::ImageFormat;

    #[test]
    fn a_large_code_is_scaled_with_hard_edges_and_stored_as_png() {
        let mut png = Vec::new();
        image::RgbImage::from_fn(1800, 1800, |x, y| {
            if (x / 60 + y / 60) % 2 == 0 { image::Rgb([0, 0, 0]) } else { image::Rgb([255, 255, 255]) }
        })
        .write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png)
        .unwrap();
        let code = crate::creator::cover::process(&png, ImageFormat::Png, Kept::Code).unwrap();
        assert_eq!((code.width, code.height, code.content_type), (600, 600, "image/png"));
        let back = image::load_from_memory(&code.bytes).unwrap().to_rgb8();
        assert!(back.pixels().all(|p| p.0 == [0, 0, 0] || p.0 == [255, 255, 255]), "no grey blur");
    }
}

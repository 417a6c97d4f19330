//! A manual campaign's WeChat Pay or Alipay collection code: `PUT
//! /api/v1/campaigns/{id}/payment-qr` (and the dashboard's upload). Decoded under the cover's
//! limits, scaled with hard edges (a QR code must stay sharp) to fit 600 px, stored as PNG
//! by its hash, and named in the campaign's `manual_payment.qr`; backers see it with the
//! amount and their reference.

use super::Cards;
use crate::covers::{Kept, prepare};
use crate::error::Error;
use crate::metrics::Metrics;
use bytes::Bytes;
use domain::edit::CampaignPatch;
use domain::{FieldError, ManualPayment};

/// Makes `bytes`, sent as `content_type`, the collection code of campaign `id` of `site`
/// (which the caller checked is theirs): its address. For the creator API and the dashboard.
pub async fn set(
    state: &Cards,
    metrics: &Metrics,
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
    let image = prepare(metrics, content_type, bytes, Kept::Code).await?;
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
        let code = crate::covers::process(&png, ImageFormat::Png, Kept::Code).unwrap();
        assert_eq!((code.width, code.height, code.content_type), (600, 600, "image/png"));
        let back = image::load_from_memory(&code.bytes).unwrap().to_rgb8();
        assert!(back.pixels().all(|p| p.0 == [0, 0, 0] || p.0 == [255, 255, 255]), "no grey blur");
    }
}

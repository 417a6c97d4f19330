//! Cover images: `PUT /api/v1/campaigns/{id}/cover` (the creator uploads a PNG, JPEG or
//! WebP of at most 5 MB) and `GET /covers/{hash}.jpg` (served for a year, immutable).
//!
//! An upload is never kept as sent: its type must match its bytes, it is decoded under
//! limits that refuse decompression bombs (a tiny file that claims a huge picture), scaled
//! to fit 1200 px and re-encoded as JPEG, which also drops any metadata (a phone photo's
//! location). The stored bytes are addressed by their hash.

use super::Creator;
use crate::error::Error;
use crate::startup::AppState;
use crate::store::CoverImage;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use domain::FieldError;
use domain::wire::Problem;
use image::{ImageFormat, ImageReader, Limits};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The largest upload.
pub(crate) const UPLOAD_LIMIT: usize = 5 * 1024 * 1024;
/// The widest and tallest picture decoded; anything claiming more is refused before decoding.
const MAX_SIDE: u32 = 8_000;
/// The most memory one decode may take.
const MAX_ALLOC: u64 = 256 * 1024 * 1024;
/// How an upload is kept: a cover is a photo (smooth scaling, JPEG, within 1,200 px); a
/// payment collection code is read by a phone's camera (hard edges, PNG, within 600 px).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kept {
    Photo,
    Code,
}

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload))
        .layer(DefaultBodyLimit::max(UPLOAD_LIMIT))
        .route("/covers/{file}", axum::routing::get(serve))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct CoverSet {
    /// The cover's address, also in the campaign view as `cover`.
    cover: String,
    width: u32,
    height: u32,
}

/// Sets the campaign's cover image: the body is the image, sent as `image/png`,
/// `image/jpeg` or `image/webp`.
#[utoipa::path(put, path = "/api/v1/campaigns/{id}/cover", tag = "creator", security(("creator_key" = [])),
    params(("id" = String, Path, description = "The campaign's id")),
    request_body(content = Vec<u8>, content_type = "image/jpeg", description = "A PNG, JPEG or WebP image of at most 5 MB"),
    responses((status = 200, body = CoverSet), (status = 401, body = Problem), (status = 404, body = Problem),
              (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn upload(
    State(state): State<AppState>,
    creator: Creator,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<CoverSet>, Error> {
    let entry = creator.campaign(&state, &id)?;
    let declared = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let (cover, width, height) = set(&state, &entry, declared, body).await?;
    Ok(axum::Json(CoverSet { cover, width, height }))
}

/// Makes `bytes`, sent as `content_type`, the cover of `entry`'s campaign, and shows it to
/// every viewer: its address and size. For the creator API and the dashboard alike.
pub(crate) async fn set(
    state: &AppState,
    entry: &crate::hub::Entry,
    content_type: &str,
    bytes: Bytes,
) -> Result<(String, u32, u32), Error> {
    let cover = prepare(content_type, bytes, Kept::Photo).await?;
    let now = crate::now();
    let id = entry.snapshot(now).campaign.id().as_str().to_owned();
    let counts = state.store.set_cover(&entry.site, &id, &cover, now).await?.ok_or(Error::NotFound)?;
    entry.publish(counts, now);
    Ok((format!("/covers/{}.jpg", cover.id), cover.width, cover.height))
}

/// The image type a `Content-Type` names.
pub(crate) fn declared_format(content_type: &str) -> Option<ImageFormat> {
    match content_type.split(';').next()?.trim() {
        "image/png" => Some(ImageFormat::Png),
        "image/jpeg" => Some(ImageFormat::Jpeg),
        "image/webp" => Some(ImageFormat::WebP),
        _ => None,
    }
}

/// An upload sent as `content_type`, checked and re-encoded as `kept` off the async
/// threads; a picture that is not one is refused on the field `image`.
pub(crate) async fn prepare(content_type: &str, bytes: Bytes, kept: Kept) -> Result<CoverImage, Error> {
    let declared = declared_format(content_type).ok_or(Error::UnsupportedMediaType)?;
    tokio::task::spawn_blocking(move || process(&bytes, declared, kept))
        .await
        .map_err(anyhow::Error::from)?
        .map_err(|error| Error::Invalid([("image".to_owned(), error)].into_iter().collect()))
}

/// Checks, decodes (within limits), scales and re-encodes an upload.
pub(crate) fn process(bytes: &[u8], declared: ImageFormat, kept: Kept) -> Result<CoverImage, FieldError> {
    use image::imageops::FilterType;
    let (side, filter) = match kept {
        Kept::Photo => (1_200, FilterType::Triangle),
        Kept::Code => (600, FilterType::Nearest),
    };
    let picture = decode(bytes, declared)?;
    let picture = if picture.width() > side || picture.height() > side {
        picture.resize(side, side, filter)
    } else {
        picture
    };
    let rgb = picture.to_rgb8();
    let mut out = Vec::new();
    let content_type = match kept {
        Kept::Photo => {
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
                .encode_image(&rgb)
                .map_err(|_| FieldError::NotAnImage)?;
            "image/jpeg"
        }
        Kept::Code => {
            rgb.write_to(&mut std::io::Cursor::new(&mut out), ImageFormat::Png)
                .map_err(|_| FieldError::NotAnImage)?;
            "image/png"
        }
    };
    let id = crate::ids::sha256_hex(&out)[..32].to_owned();
    Ok(CoverImage { id, content_type, bytes: out, width: rgb.width(), height: rgb.height() })
}

/// Decodes an upload whose bytes must be the `declared` type, within limits that refuse
/// decompression bombs.
pub(crate) fn decode(bytes: &[u8], declared: ImageFormat) -> Result<image::DynamicImage, FieldError> {
    if image::guess_format(bytes).ok() != Some(declared) {
        return Err(FieldError::NotAnImage);
    }
    let mut reader = ImageReader::with_format(std::io::Cursor::new(bytes), declared);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => FieldError::ImageTooLarge { max: MAX_SIDE },
        _ => FieldError::NotAnImage,
    })
}

/// A stored image (a cover, `.jpg`, or a collection code, `.png`), cached for a year: its
/// address is the hash of its bytes.
async fn serve(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, Error> {
    let id = file
        .strip_suffix(".jpg")
        .or_else(|| file.strip_suffix(".png"))
        .filter(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()));
    let (content_type, bytes) =
        state.store.cover(id.ok_or(Error::NotFound)?).await?.ok_or(Error::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_str(&content_type).map_err(anyhow::Error::from)?),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 90]))
            .write_to(&mut std::io::Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn a_large_picture_is_scaled_to_fit_and_stored_as_jpeg() {
        let cover = process(&png(2400, 1200), ImageFormat::Png, Kept::Photo).unwrap();
        assert_eq!((cover.width, cover.height, cover.content_type), (1200, 600, "image/jpeg"));
        assert_eq!(image::guess_format(&cover.bytes).unwrap(), ImageFormat::Jpeg);
        assert_eq!(cover.id.len(), 32);
    }

    #[test]
    fn bytes_that_are_not_the_declared_image_are_refused() {
        assert_eq!(
            process(b"GIF89a....", ImageFormat::Png, Kept::Photo).unwrap_err(),
            FieldError::NotAnImage
        );
        assert_eq!(
            process(&png(10, 10), ImageFormat::Jpeg, Kept::Photo).unwrap_err(),
            FieldError::NotAnImage
        );
        let mut truncated = png(50, 50);
        truncated.truncate(60);
        assert_eq!(process(&truncated, ImageFormat::Png, Kept::Photo).unwrap_err(), FieldError::NotAnImage);
    }
}

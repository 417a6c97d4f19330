//! Cover images: `PUT /api/v1/campaigns/{id}/cover` (the creator uploads a PNG, JPEG or
//! WebP of at most 5 MB) and `GET /covers/{hash}.jpg` (served for a year, immutable).
//!
//! An upload is never kept as sent: its type must match its bytes, it is decoded under
//! limits that refuse decompression bombs (a tiny file that claims a huge picture), scaled
//! to fit 1200 px and re-encoded as JPEG, which also drops any metadata (a phone photo's
//! location). The stored bytes are addressed by their hash.
//!
//! What one upload may cost, for covers, collection codes and the dashboard's uploads alike
//! (they all go through [`prepare`]):
//! - **Refused by its header.** The header's width and height are read before anything is
//!   decoded; a picture over [`MAX_SIDE`] (5,000 px) either way is refused on the field
//!   `image` (`image_too_large`) without decoding a pixel. 5,000 px keeps a 12 MP phone
//!   photo (4,032 × 3,024) and any 5,000 × 3,750 camera picture, which we shrink to 1,200
//!   px anyway; a bigger one is refused with a reason the creator can act on. So a decoded
//!   picture holds at most 25 megapixels, 100 MB as 8-bit RGBA, and the decoder's own
//!   allocation limit ([`MAX_ALLOC`]) is that same 100 MB (a 16-bit picture of that size
//!   is refused as too large too).
//! - **Shrunk without a second copy.** A photo more than twice the kept size is first
//!   averaged down (box sampling, no float copy of the picture), then smoothed to size.
//! - **Two at a time.** At most [`DECODES_AT_ONCE`] uploads are decoded at once in this
//!   process (about 125 MB each at worst, so 250 MB in all); the rest wait their turn, which
//!   the request timeout bounds.
//! - **Nothing for a request that is gone.** The turn is taken before the work is handed to
//!   a blocking thread, so a request dropped while waiting (timed out, client gone) never
//!   starts; one dropped while decoding raises a flag that the decoder's reader and each
//!   step (decode, scale, encode) check, so the work stops within a read.

use crate::error::Error;
use crate::metrics::Metrics;
use crate::store::{CoverImage, Store};
use bytes::Bytes;
use domain::FieldError;
use image::{ImageFormat, ImageReader, Limits};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The largest upload.
pub(crate) const UPLOAD_LIMIT: usize = 5 * 1024 * 1024;
/// The widest and tallest picture decoded; anything claiming more is refused by its header,
/// before decoding (see the module's header for why 5,000).
pub(crate) const MAX_SIDE: u32 = 5_000;
/// The most memory one decode may take: a picture of the largest size, 8-bit RGBA.
const MAX_ALLOC: u64 = MAX_SIDE as u64 * MAX_SIDE as u64 * 4;
/// How many uploads are decoded at once in this process: one per core on the small machine
/// it is sized for, and a fixed bound on the memory decoding holds.
pub(crate) const DECODES_AT_ONCE: usize = 2;
/// The turns to decode.
static DECODING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(DECODES_AT_ONCE);
/// How an upload is kept: a cover is a photo (smooth scaling, JPEG, within 1,200 px); a
/// payment collection code is read by a phone's camera (hard edges, PNG, within 600 px).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kept {
    Photo,
    Code,
}

/// Sets the campaign's cover image: the body is the image, sent as `image/png`,
/// `image/jpeg` or `image/webp`.
/// Makes `bytes`, sent as `content_type`, the cover of `entry`'s campaign, and shows it to
/// every viewer: its address and size. For the creator API and the dashboard alike.
pub async fn set(
    store: &Store,
    metrics: &Metrics,
    entry: &std::sync::Arc<crate::hub::Entry>,
    content_type: &str,
    bytes: Bytes,
) -> Result<(String, u32, u32), Error> {
    let cover = prepare(metrics, content_type, bytes, Kept::Photo).await?;
    let now = crate::now();
    let id = entry.snapshot(now).campaign.id().as_str().to_owned();
    let counts = store.set_cover(&entry.site, &id, &cover, now).await?.ok_or(Error::NotFound)?;
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
/// threads; a picture that is not one, or is too large by its header, is refused on the
/// field `image`. Decodes wait for one of [`DECODES_AT_ONCE`] turns; a request dropped
/// before its turn never decodes, and one dropped during it stops the work.
pub(crate) async fn prepare(
    metrics: &Metrics,
    content_type: &str,
    bytes: Bytes,
    kept: Kept,
) -> Result<CoverImage, Error> {
    let refused = |error| Error::Invalid([("image".to_owned(), error)].into_iter().collect());
    let declared = declared_format(content_type).ok_or(Error::UnsupportedMediaType)?;
    // The header alone (microseconds): a bomb is refused without waiting for a turn.
    dimensions(&bytes, declared).map_err(refused)?;
    let permit = DECODING.acquire().await.map_err(anyhow::Error::from)?;
    metrics.image_decode();
    let cancelled = Arc::new(AtomicBool::new(false));
    let _cancel_when_dropped = CancelWhenDropped(cancelled.clone());
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        process_unless(&bytes, declared, kept, &cancelled)
    })
    .await
    .map_err(anyhow::Error::from)?
    .map_err(refused)
}

/// Raises its flag when dropped: the request waiting for the work is gone.
struct CancelWhenDropped(Arc<AtomicBool>);

impl Drop for CancelWhenDropped {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Checks, decodes (within limits), scales and re-encodes an upload.
#[cfg(test)]
pub(crate) fn process(bytes: &[u8], declared: ImageFormat, kept: Kept) -> Result<CoverImage, FieldError> {
    process_unless(bytes, declared, kept, &AtomicBool::new(false))
}

/// [`process`], stopping early once `cancelled` is raised (with an error nobody reads: the
/// request that wanted the picture is gone).
fn process_unless(
    bytes: &[u8],
    declared: ImageFormat,
    kept: Kept,
    cancelled: &AtomicBool,
) -> Result<CoverImage, FieldError> {
    use image::imageops::FilterType;
    let stop = || if cancelled.load(Ordering::Relaxed) { Err(FieldError::NotAnImage) } else { Ok(()) };
    let (side, filter) = match kept {
        Kept::Photo => (1_200, FilterType::Triangle),
        Kept::Code => (600, FilterType::Nearest),
    };
    let mut picture = decode_unless(bytes, declared, cancelled)?;
    stop()?;
    if kept == Kept::Photo && (picture.width() > 2 * side || picture.height() > 2 * side) {
        // Box averaging down to twice the size holds no float copy of the whole picture
        // (the smooth filter's first pass is width × new height × 16 bytes); the big
        // picture is dropped before the last, smooth step.
        picture = picture.thumbnail(2 * side, 2 * side);
        stop()?;
    }
    if picture.width() > side || picture.height() > side {
        picture = picture.resize(side, side, filter);
        stop()?;
    }
    let rgb = picture.to_rgb8();
    drop(picture);
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

/// The decoder's limits: [`MAX_SIDE`] either way, [`MAX_ALLOC`] bytes.
fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    limits
}

fn too_large_or_not_an_image(error: image::ImageError) -> FieldError {
    match error {
        image::ImageError::Limits(_) => FieldError::ImageTooLarge { max: MAX_SIDE },
        _ => FieldError::NotAnImage,
    }
}

/// The width and height an upload's header claims, read without decoding a pixel; refused
/// when the bytes are not the `declared` type or the size is over [`MAX_SIDE`] or would
/// take more than [`MAX_ALLOC`] decoded.
pub(crate) fn dimensions(bytes: &[u8], declared: ImageFormat) -> Result<(u32, u32), FieldError> {
    use image::ImageDecoder;
    if image::guess_format(bytes).ok() != Some(declared) {
        return Err(FieldError::NotAnImage);
    }
    let mut reader = ImageReader::with_format(std::io::Cursor::new(bytes), declared);
    reader.limits(limits());
    let decoder = reader.into_decoder().map_err(too_large_or_not_an_image)?;
    let (width, height) = decoder.dimensions();
    if width > MAX_SIDE || height > MAX_SIDE || decoder.total_bytes() > MAX_ALLOC {
        return Err(FieldError::ImageTooLarge { max: MAX_SIDE });
    }
    Ok((width, height))
}

/// Decodes an upload whose bytes must be the `declared` type, within limits that refuse
/// decompression bombs; its reads fail once `cancelled` is raised, so the decoder stops.
fn decode_unless(
    bytes: &[u8],
    declared: ImageFormat,
    cancelled: &AtomicBool,
) -> Result<image::DynamicImage, FieldError> {
    dimensions(bytes, declared)?;
    let mut reader =
        ImageReader::with_format(Watched { inner: std::io::Cursor::new(bytes), cancelled }, declared);
    reader.limits(limits());
    reader.decode().map_err(too_large_or_not_an_image)
}

/// A reader of an upload's bytes that fails once `cancelled` is raised.
struct Watched<'a> {
    inner: std::io::Cursor<&'a [u8]>,
    cancelled: &'a AtomicBool,
}

impl Watched<'_> {
    fn go_on(&self) -> std::io::Result<()> {
        if self.cancelled.load(Ordering::Relaxed) {
            // Not `Interrupted`, which readers retry.
            return Err(std::io::Error::other("the request is gone"));
        }
        Ok(())
    }
}

impl std::io::Read for Watched<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.go_on()?;
        self.inner.read(buf)
    }
}

impl std::io::BufRead for Watched<'_> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.go_on()?;
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.inner.consume(amount);
    }
}

impl std::io::Seek for Watched<'_> {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(to)
    }
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

    /// A small `format` picture whose header is then made to claim `width` × `height`.
    fn claiming(format: ImageFormat, width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        image::RgbImage::from_fn(8, 8, |x, y| image::Rgb([x as u8 * 30, y as u8 * 30, 90]))
            .write_to(&mut std::io::Cursor::new(&mut out), format)
            .unwrap();
        let (w, h) = (width.to_be_bytes(), height.to_be_bytes());
        match format {
            ImageFormat::Png => {
                // IHDR: width at 16, height at 20, its CRC (over type and data) at 29.
                out[16..20].copy_from_slice(&w);
                out[20..24].copy_from_slice(&h);
                let crc = crc32(&out[12..29]);
                out[29..33].copy_from_slice(&crc.to_be_bytes());
            }
            ImageFormat::Jpeg => {
                // The frame header (SOF0, FF C0): length (2), precision (1), height, width.
                let at = out.windows(2).position(|m| m == [0xFF, 0xC0]).expect("a baseline JPEG");
                out[at + 5..at + 7].copy_from_slice(&h[2..]);
                out[at + 7..at + 9].copy_from_slice(&w[2..]);
            }
            ImageFormat::WebP => {
                // Lossless (VP8L at 12): the signature 0x2F at 20, then width - 1 and
                // height - 1 in 14 bits each, little-endian.
                assert_eq!(&out[12..16], b"VP8L");
                let bits = u32::from_le_bytes(out[21..25].try_into().unwrap());
                let bits = (bits & !0x0FFF_FFFF) | (width - 1) | ((height - 1) << 14);
                out[21..25].copy_from_slice(&bits.to_le_bytes());
            }
            _ => unreachable!(),
        }
        out
    }

    /// CRC-32 (ISO-HDLC), as PNG chunks carry it.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = flate2::Crc::new();
        crc.update(bytes);
        crc.sum()
    }

    #[test]
    fn the_size_is_read_from_the_header_of_png_jpeg_and_webp_and_refused_over_the_limit() {
        for format in [ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::WebP] {
            assert_eq!(dimensions(&claiming(format, 4_032, 3_024), format), Ok((4_032, 3_024)), "{format:?}");
            assert_eq!(dimensions(&claiming(format, MAX_SIDE, 7), format), Ok((MAX_SIDE, 7)), "{format:?}");
            for (width, height) in [(8_000, 8_000), (MAX_SIDE + 1, 10), (10, MAX_SIDE + 1)] {
                assert_eq!(
                    dimensions(&claiming(format, width, height), format),
                    Err(FieldError::ImageTooLarge { max: MAX_SIDE }),
                    "{format:?} {width} × {height}"
                );
            }
        }
    }

    #[test]
    fn an_8000_pixel_square_png_of_a_few_kilobytes_is_refused_as_too_large() {
        // A real picture, not a forged header: 8000 × 8000 of one grey, one bit a pixel.
        let mut bomb = Vec::new();
        let mut encoder = png::Encoder::new(&mut bomb, 8_000, 8_000);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        encoder.write_header().unwrap().write_image_data(&vec![0u8; 1_000 * 8_000]).unwrap();
        assert!(bomb.len() < 100_000, "{} bytes", bomb.len());
        assert_eq!(
            process(&bomb, ImageFormat::Png, Kept::Photo).unwrap_err(),
            FieldError::ImageTooLarge { max: MAX_SIDE }
        );
    }

    #[test]
    fn a_photo_more_than_twice_the_kept_size_is_still_scaled_to_fit() {
        let cover = process(&png(3_000, 2_000), ImageFormat::Png, Kept::Photo).unwrap();
        assert_eq!((cover.width, cover.height), (1_200, 800));
        let code = process(&png(3_000, 1_500), ImageFormat::Png, Kept::Code).unwrap();
        assert_eq!((code.width, code.height), (600, 300));
    }

    #[test]
    fn work_whose_request_is_gone_stops_at_the_first_read() {
        let cancelled = AtomicBool::new(true);
        assert!(process_unless(&png(100, 100), ImageFormat::Png, Kept::Photo, &cancelled).is_err());
        let going_on = AtomicBool::new(false);
        assert!(process_unless(&png(100, 100), ImageFormat::Png, Kept::Photo, &going_on).is_ok());
    }
}

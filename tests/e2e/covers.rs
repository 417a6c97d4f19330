//! Cover images: what an upload must be, what is kept, how it is served.

use domain::wire::Problem;
use reqwest::Method;
use serde_json::Value;
use tests::{TestApp, store_test};

/// An upload that must be refused: what it is, its bytes and declared type, the status and
/// the code under `image`.
type UploadCase = (&'static str, Vec<u8>, &'static str, u16, Option<&'static str>);

/// A PNG of `width` × `height`, drawn with the png crate.
fn png_image(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    let mut writer = encoder.write_header().unwrap();
    let pixels: Vec<u8> = (0..width * height * 3).map(|i| (i % 251) as u8).collect();
    writer.write_image_data(&pixels).unwrap();
    drop(writer);
    out
}

/// CRC-32 (ISO-HDLC), as PNG chunks carry it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    crc.sum()
}

/// A tiny PNG whose header claims `side` × `side` pixels: a decompression bomb's shape.
fn claims_to_be(side: u32) -> Vec<u8> {
    let mut bytes = png_image(1, 1);
    // The IHDR chunk: length (4) at 8, type at 12, width at 16, height at 20, CRC at 29.
    bytes[16..20].copy_from_slice(&side.to_be_bytes());
    bytes[20..24].copy_from_slice(&side.to_be_bytes());
    let crc = crc32(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.to_be_bytes());
    bytes
}

store_test!(a_cover_upload_is_checked_resized_served_for_good_and_shown_on_the_share_page);
async fn a_cover_upload_is_checked_resized_served_for_good_and_shown_on_the_share_page(app: TestApp) {
    let upload = |bytes: Vec<u8>, content_type: &'static str| {
        app.creator(Method::PUT, "/api/v1/campaigns/demo/cover", &app.demo_key)
            .header("content-type", content_type)
            .body(bytes)
            .send()
    };
    let refused: Vec<UploadCase> = vec![
        ("an image sent as text", png_image(10, 10), "text/plain", 415, None),
        ("a GIF", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec(), "image/gif", 415, None),
        ("text named .png", b"<html>not a picture</html>".to_vec(), "image/png", 422, Some("not_an_image")),
        ("a PNG sent as JPEG", png_image(10, 10), "image/jpeg", 422, Some("not_an_image")),
        ("a decompression bomb", claims_to_be(100_000), "image/png", 422, Some("image_too_large")),
        ("over 5 MB", vec![0u8; 5 * 1024 * 1024 + 1], "image/png", 413, None),
    ];
    for (case, bytes, content_type, status, code) in refused {
        let response = upload(bytes, content_type).await.unwrap();
        assert_eq!(response.status(), status, "{case}");
        if let Some(code) = code {
            let problem: Problem = response.json().await.unwrap();
            assert_eq!(serde_json::to_value(&problem.codes["image"]).unwrap()["code"], code, "{case}");
        }
    }
    assert_eq!(app.campaign("demo").await.cover, None, "nothing was kept");

    let response = upload(png_image(2400, 1350), "image/png").await.unwrap();
    assert_eq!(response.status(), 200);
    let set: Value = response.json().await.unwrap();
    assert_eq!((set["width"].as_u64(), set["height"].as_u64()), (Some(1200), Some(675)));
    let address = set["cover"].as_str().unwrap().to_owned();
    assert_eq!(app.campaign("demo").await.cover.as_deref(), Some(address.as_str()), "viewers get it");
    let served = app.client.get(app.url(&address)).send().await.unwrap();
    assert_eq!(served.headers()["content-type"], "image/jpeg");
    assert_eq!(served.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert!(served.bytes().await.unwrap().starts_with(&[0xFF, 0xD8, 0xFF]), "a JPEG");
    assert!(app.text("/c/demo").await.contains(&format!("src=\"{address}\"")), "the share page shows it");
    assert_eq!(app.client.get(app.url("/covers/../../etc.jpg")).send().await.unwrap().status(), 404);
    let poster = app.client.get(app.url("/c/demo/poster.png")).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(
        crate::tribe::decode_png_qr(&poster),
        app.url("/c/demo"),
        "the poster with its cover still scans"
    );
    let other = app.create_site("other", &["*"]).await;
    let theirs = app
        .creator(Method::PUT, "/api/v1/campaigns/demo/cover", &other)
        .header("content-type", "image/png")
        .body(png_image(10, 10))
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status(), 404, "another site's key cannot touch it");
}

/// A real PNG of 8000 × 8000 pixels of one grey (one bit a pixel): a few kilobytes that
/// would take hundreds of megabytes decoded.
fn huge_png() -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, 8_000, 8_000);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    encoder.write_header().unwrap().write_image_data(&vec![0u8; 1_000 * 8_000]).unwrap();
    out
}

async fn decodes(app: &TestApp) -> f64 {
    let text = crate::operations::metrics(app).await;
    crate::operations::sample(&text, "tribefund_image_decodes_total").unwrap_or_else(|| panic!("{text}"))
}

store_test!(an_8000_pixel_square_png_is_refused_by_its_header_and_never_decoded);
async fn an_8000_pixel_square_png_is_refused_by_its_header_and_never_decoded(app: TestApp) {
    let upload = |bytes: Vec<u8>| {
        app.creator(Method::PUT, "/api/v1/campaigns/demo/cover", &app.demo_key)
            .header("content-type", "image/png")
            .body(bytes)
            .send()
    };
    let response = upload(huge_png()).await.unwrap();
    assert_eq!(response.status(), 422);
    let problem: Problem = response.json().await.unwrap();
    assert_eq!(
        serde_json::to_value(&problem.codes["image"]).unwrap(),
        serde_json::json!({ "code": "image_too_large", "max": 5_000 }),
        "refused for its size, which the header told"
    );
    assert_eq!(decodes(&app).await, 0.0, "not a pixel was decoded");
    assert_eq!(app.campaign("demo").await.cover, None);

    let response = upload(png_image(1600, 900)).await.unwrap();
    assert_eq!(response.status(), 200, "a normal picture still goes through");
    assert_eq!(decodes(&app).await, 1.0);
    assert!(app.campaign("demo").await.cover.is_some());
}

#[tokio::test]
async fn more_uploads_at_once_than_decoding_turns_all_complete_each_with_its_own_picture() {
    let app = tests::spawn_app().await;
    let widths: Vec<u32> = (0..6).map(|n| 700 + 10 * n).collect();
    let uploads = widths.iter().map(|&width| {
        app.creator(Method::PUT, "/api/v1/campaigns/demo/cover", &app.demo_key)
            .header("content-type", "image/png")
            .body(png_image(width, 400))
            .send()
    });
    let answers = futures::future::join_all(uploads).await;
    for (width, answer) in widths.iter().zip(answers) {
        let answer = answer.unwrap();
        assert_eq!(answer.status(), 200, "{width}");
        let set: Value = answer.json().await.unwrap();
        assert_eq!((set["width"].as_u64(), set["height"].as_u64()), (Some(u64::from(*width)), Some(400)));
    }
    assert_eq!(decodes(&app).await, 6.0, "each decoded once");
}

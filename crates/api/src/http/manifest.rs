//! The static files, read once at start and served from memory under content-hashed
//! names: `/assets/widget.3f2a9c1e7b.css` names one version of `widget.css` for good, so a
//! browser keeps it a year (`immutable`) and never asks again; the next version has
//! another name. The plain names (`/assets/widget.css`, `/embed.js`, which bloggers paste)
//! stay, revalidated with the same hash as their `ETag`.
//!
//! Every file is held as sent: brotli and gzip copies beside the plain bytes. The build
//! leaves those copies beside the wasm and its glue (compressing them takes seconds); the
//! small scripts and style sheets are compressed here, once. Serving from memory means a
//! hashed name always answers with exactly the bytes it was hashed from, even while a
//! build rewrites the files on disk; a name this process does not know (another replica's
//! newer version, mid-deploy) is a 404, and the page then stays as the server rendered it.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// A year: as long as `max-age` is worth stating.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// One file, as sent.
#[derive(Debug)]
struct Asset {
    hashed_url: String,
    etag: HeaderValue,
    content_type: &'static str,
    plain: Bytes,
    brotli: Option<Bytes>,
    gzip: Option<Bytes>,
}

/// Every static file, by both of its addresses.
#[derive(Debug, Default)]
pub struct Manifest {
    by_url: HashMap<String, Arc<Asset>>,
}

impl Manifest {
    /// Reads `www/` (served at `/assets/`, with `embed.js` also at `/embed.js`) and
    /// `www/pkg/` (served at `/pkg/`). A missing folder is no error: the server runs
    /// without the wasm, as it does before the first build.
    pub fn read(www: &Path) -> std::io::Result<Manifest> {
        let mut manifest = Manifest::default();
        for (dir, prefix) in [(www.to_path_buf(), "/assets/"), (www.join("pkg"), "/pkg/")] {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for entry in entries {
                let path = entry?.path();
                let Some(content_type) = content_type(&path) else { continue };
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
                let plain = std::fs::read(&path)?;
                let (brotli, gzip) = if prefix == "/pkg/" {
                    (read_beside(&path, ".br"), read_beside(&path, ".gz"))
                } else {
                    let (brotli, gzip) = compressed(&plain);
                    (Some(brotli), Some(gzip))
                };
                manifest.insert(prefix, &name, content_type, plain, brotli, gzip);
            }
        }
        if let Some(embed) = manifest.by_url.get("/assets/embed.js").cloned() {
            manifest.by_url.insert("/embed.js".to_owned(), embed);
        }
        Ok(manifest)
    }

    fn insert(
        &mut self,
        prefix: &str,
        name: &str,
        content_type: &'static str,
        plain: Vec<u8>,
        brotli: Option<Vec<u8>>,
        gzip: Option<Vec<u8>>,
    ) {
        let digest = Sha256::digest(&plain);
        let hash: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
        let (stem, extension) = name.rsplit_once('.').unwrap_or((name, ""));
        let asset = Arc::new(Asset {
            hashed_url: format!("{prefix}{stem}.{hash}.{extension}"),
            etag: HeaderValue::from_str(&format!("\"{hash}\"")).expect("hex is a valid header"),
            content_type,
            plain: plain.into(),
            brotli: brotli.map(Bytes::from),
            gzip: gzip.map(Bytes::from),
        });
        self.by_url.insert(asset.hashed_url.clone(), asset.clone());
        self.by_url.insert(format!("{prefix}{name}"), asset);
    }

    /// The content-hashed address of the file at `plain` (`/assets/widget.css`), or
    /// `plain` itself when there is no such file.
    pub fn url<'a>(&'a self, plain: &'a str) -> &'a str {
        self.by_url.get(plain).map_or(plain, |asset| &asset.hashed_url)
    }

    /// The answer for a request of `path`, `None` when no file has that address.
    pub fn respond(&self, path: &str, headers: &HeaderMap) -> Option<Response> {
        let asset = self.by_url.get(path)?;
        let immutable = path == asset.hashed_url;
        let cache = HeaderValue::from_static(if immutable { IMMUTABLE } else { "no-cache" });
        let fresh = headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|tags| tags.split(',').any(|tag| tag.trim().trim_start_matches("W/") == asset.etag));
        let mut response = if fresh {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            // The smallest copy the request takes.
            let (encoding, body) = match (&asset.brotli, &asset.gzip) {
                (Some(brotli), _) if accepts(headers, "br") => (Some("br"), Some(brotli.clone())),
                (_, Some(gzip)) if accepts(headers, "gzip") => (Some("gzip"), Some(gzip.clone())),
                _ => (None, None),
            };
            let mut response = body.unwrap_or_else(|| asset.plain.clone()).into_response();
            let sent = response.headers_mut();
            sent.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
            if let Some(encoding) = encoding {
                sent.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
            }
            response
        };
        let sent = response.headers_mut();
        sent.insert(header::CACHE_CONTROL, cache);
        sent.insert(header::ETAG, asset.etag.clone());
        sent.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        Some(response)
    }
}

/// Whether the request's `Accept-Encoding` takes `coding`; one refused with `q=0` is not.
fn accepts(headers: &HeaderMap, coding: &str) -> bool {
    let accepted = headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or_default();
    accepted.split(',').any(|part| {
        let mut fields = part.split(';').map(str::trim);
        let named = fields.next().unwrap_or_default();
        let refused = fields.any(|f| f.strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()) == Some(0.0));
        named.eq_ignore_ascii_case(coding) && !refused
    })
}

fn content_type(path: &Path) -> Option<&'static str> {
    match path.extension()?.to_str()? {
        "css" => Some("text/css; charset=utf-8"),
        "js" => Some("text/javascript; charset=utf-8"),
        "wasm" => Some("application/wasm"),
        "zip" => Some("application/zip"),
        _ => None,
    }
}

fn read_beside(path: &Path, suffix: &str) -> Option<Vec<u8>> {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    std::fs::read(name).ok()
}

/// Brotli and gzip copies of `bytes`, made once per content in this process (tests start
/// many servers on the same files).
fn compressed(bytes: &[u8]) -> (Vec<u8>, Vec<u8>) {
    type Copies = (Vec<u8>, Vec<u8>);
    static MADE: std::sync::Mutex<Option<HashMap<Vec<u8>, Copies>>> = std::sync::Mutex::new(None);
    let key = Sha256::digest(bytes).to_vec();
    let mut made = MADE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    made.get_or_insert_default().entry(key).or_insert_with(|| (brotli(bytes), gzip(bytes))).clone()
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    brotli::BrotliCompress(&mut std::io::Cursor::new(bytes), &mut out, &params)
        .expect("compressing in memory");
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(accept: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(accept).unwrap());
        headers
    }

    #[test]
    fn a_coding_is_taken_when_named_and_never_when_refused() {
        assert!(accepts(&with("gzip, deflate, br, zstd"), "br"));
        assert!(accepts(&with("gzip;q=1.0, br;q=0"), "gzip") && !accepts(&with("gzip;q=1.0, br;q=0"), "br"));
        assert!(accepts(&with("BR"), "br"));
        assert!(!accepts(&with("identity"), "gzip"));
        assert!(!accepts(&with("gzip;q=0, br;q=0.0"), "gzip"));
        assert!(!accepts(&HeaderMap::new(), "br"));
    }

    #[test]
    fn a_request_gets_the_smallest_copy_it_takes_and_never_one_it_does_not() {
        let mut manifest = Manifest::default();
        let plain = b"(function(){})()".to_vec();
        manifest.insert("/pkg/", "glue.js", "text/javascript", plain.clone(), None, Some(gzip(&plain)));
        let sent = |accept: &str| {
            let response = manifest.respond("/pkg/glue.js", &with(accept)).unwrap();
            response.headers().get(header::CONTENT_ENCODING).map(|v| v.to_str().unwrap().to_owned())
        };
        assert_eq!(sent("br"), None, "no brotli copy, and gzip not taken: plain");
        assert_eq!(sent("br, gzip"), Some("gzip".to_owned()));
        assert_eq!(sent("identity"), None);
    }

    #[test]
    fn a_file_is_named_by_its_content_and_answered_under_both_names() {
        let dir = std::env::temp_dir().join(format!("tf-manifest-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("pkg")).unwrap();
        std::fs::write(dir.join("boot.js"), "console.log('one')").unwrap();
        std::fs::write(dir.join("notes.txt"), "not served").unwrap();
        let first = Manifest::read(&dir).unwrap();
        std::fs::write(dir.join("boot.js"), "console.log('two')").unwrap();
        let second = Manifest::read(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();

        let url = first.url("/assets/boot.js");
        assert!(
            url.starts_with("/assets/boot.")
                && url.ends_with(".js")
                && url.len() == "/assets/boot..js".len() + 10
        );
        assert_ne!(url, second.url("/assets/boot.js"), "new content, new name");
        assert_eq!(first.url("/assets/notes.txt"), "/assets/notes.txt");
        assert!(first.respond("/assets/notes.txt", &HeaderMap::new()).is_none());
        assert!(
            first.respond(second.url("/assets/boot.js"), &HeaderMap::new()).is_none(),
            "not this version"
        );
        let hashed = first.respond(url, &HeaderMap::new()).unwrap();
        assert_eq!(hashed.headers()[header::CACHE_CONTROL], IMMUTABLE);
        let plain = first.respond("/assets/boot.js", &with("br")).unwrap();
        assert_eq!(plain.headers()[header::CACHE_CONTROL], "no-cache");
        assert_eq!(plain.headers()[header::CONTENT_ENCODING], "br");
        let mut revalidate = HeaderMap::new();
        revalidate.insert(header::IF_NONE_MATCH, plain.headers()[header::ETAG].clone());
        assert_eq!(first.respond("/assets/boot.js", &revalidate).unwrap().status(), StatusCode::NOT_MODIFIED);
    }
}

//! `GET /api/v1/openapi.json`: an OpenAPI 3.1 document of every v1 route, generated from
//! the code. Every v1 route is registered through utoipa-axum's `routes!`, which reads the
//! path and method from the handler's `#[utoipa::path]`: a v1 route cannot exist without
//! its documentation (a test below makes sure nobody adds one with a plain `.route`).

use axum::Extension;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};

/// The name of the creator key's security scheme, for `security(...)` in handlers.
pub(crate) const CREATOR_KEY: &str = "creator_key";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "tribefund API",
        version = "1",
        description = "Live crowdfunding progress, pledges, and the creator API. Money is integer minor units. \
                       Errors are application/problem+json (RFC 9457) with `errors` (English) and `codes` per field."
    ),
    modifiers(&CreatorKey),
    tags(
        (name = "public", description = "What fans and host pages call"),
        (name = "creator", description = "A site's bearer key reaches that site's campaigns only")
    )
)]
pub(crate) struct ApiDoc;

struct CreatorKey;

impl Modify for CreatorKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.description =
            Some("The site's creator key, `tf_<site>_<secret>`, from `tribefund site create`.".into());
        components.add_security_scheme(CREATOR_KEY, SecurityScheme::Http(scheme));
    }
}

/// The document, serialised once when the router is built.
#[derive(Debug, Clone)]
pub(crate) struct Document(pub(crate) Bytes);

impl Document {
    pub(crate) fn new(openapi: &utoipa::openapi::OpenApi) -> Document {
        Document(Bytes::from(openapi.to_json().expect("the OpenAPI document serialises")))
    }
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "public",
    responses((status = 200, description = "An OpenAPI 3.1 document", content_type = "application/json")))]
pub(crate) async fn openapi_json(Extension(document): Extension<Document>) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")),
        ],
        document.0,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every file under `src/`, with its text.
    fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
            }
        }
    }

    #[test]
    fn no_v1_route_is_registered_around_the_openapi_document() {
        let mut files = Vec::new();
        sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
        for (path, text) in files {
            for needle in [".route(\"/api/v1", ".route(\n            \"/api/v1"] {
                assert!(
                    !text.contains(needle),
                    "{path} registers a v1 route with .route(): use routes!() and #[utoipa::path]"
                );
            }
        }
    }
}

//! Dashboard sessions: a random token in an `HttpOnly`, `SameSite=Lax` cookie, stored only
//! as a hash, ending after 12 hours, at sign-out, or when the site's key is rotated.
//!
//! Over HTTPS the cookie is `__Host-tf_session` (`Secure`, `Path=/`, no `Domain`), and it is
//! the only name read there: a sibling subdomain cannot toss in a cookie the browser would
//! send us. Over plain HTTP it is `tf_session`, scoped to `/dashboard`, the only name read
//! there. Sessions start only from a POST of our own pages (the key's form, a one-time
//! link's button, sign-up).
//!
//! Every state-changing request must come from our own pages: a cross-site `Origin` or
//! `Sec-Fetch-Site` is refused, and forms carry the session's CSRF token, compared in
//! constant time, for browsers that send neither header.

use crate::error::Error;
use crate::http::state::AppState;
use crate::sessions::{TTL_SECS, is_token};
use crate::store::Store;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

/// The cookie's name over plain HTTP.
const COOKIE: &str = "tf_session";
/// The cookie's name over HTTPS: the browser takes it only `Secure`, from the host itself,
/// for `Path=/`.
const HOST_COOKIE: &str = "__Host-tf_session";

/// A signed-in site.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) site: String,
    pub(crate) csrf: String,
    token_hash: String,
}

/// The `Set-Cookie` value that holds `token` (or, with `None`, removes it): the
/// `__Host-` cookie over HTTPS (`secure`), the plain one scoped to `/dashboard` otherwise.
pub(crate) fn cookie(token: Option<&str>, secure: bool) -> HeaderValue {
    let (value, max_age) = match token {
        Some(token) => (token, TTL_SECS),
        None => ("", 0),
    };
    let (name, scope) = if secure { (HOST_COOKIE, "Path=/; Secure") } else { (COOKIE, "Path=/dashboard") };
    HeaderValue::from_str(&format!("{name}={value}; {scope}; HttpOnly; SameSite=Lax; Max-Age={max_age}"))
        .expect("the cookie is visible ASCII")
}

/// Whether cookies should be `Secure`: the server is reached over HTTPS.
pub(crate) fn secure(state: &AppState, headers: &HeaderMap) -> bool {
    crate::http::requests::base_url(state, headers).starts_with("https://")
}

/// Whether a state-changing request comes from our own pages: no cross-site `Sec-Fetch-Site`,
/// and an `Origin`, when sent, that is ours.
pub(crate) fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if fetch_site.is_some_and(|site| site != "same-origin" && site != "none") {
        return false;
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(origin) => origin == crate::http::requests::base_url(state, headers),
    }
}

impl Session {
    /// A state-changing form of this session: it must come from our own pages and carry
    /// the session's CSRF token; 403 otherwise.
    pub(crate) fn check_form(&self, state: &AppState, headers: &HeaderMap, csrf: &str) -> Result<(), Error> {
        if same_origin(state, headers) && self.allows(csrf) { Ok(()) } else { Err(Error::Forbidden) }
    }

    /// Campaign `id` when it is this session's site's; otherwise 404, as if it did not exist.
    pub(crate) fn campaign(
        &self,
        state: &AppState,
        id: &str,
    ) -> Result<std::sync::Arc<crate::hub::Entry>, Error> {
        state.hub.get(id).filter(|e| e.site == self.site).ok_or(Error::NotFound)
    }

    /// Whether a form's CSRF token is this session's.
    fn allows(&self, csrf: &str) -> bool {
        crate::ids::same(self.csrf.as_bytes(), csrf.as_bytes())
    }

    /// Ends this session.
    pub(crate) async fn end(&self, store: &Store) -> Result<(), Error> {
        Ok(store.end_session(&self.token_hash, crate::now()).await?)
    }
}

impl FromRequestParts<AppState> for Session {
    /// Without a good session, the browser is sent to sign in.
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Session, Response> {
        // Only the name that fits how the request reached us.
        let name = if secure(state, &parts.headers) { HOST_COOKIE } else { COOKIE };
        let token = parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find_map(|(n, token)| (n == name && is_token(token)).then_some(token));
        let sign_in = || Redirect::to("/dashboard/sign-in").into_response();
        let Some(token) = token else { return Err(sign_in()) };
        let token_hash = crate::ids::sha256_hex(token.as_bytes());
        match state.store.session(&token_hash, crate::now()).await {
            Ok(Some(record)) => Ok(Session { site: record.site, csrf: record.csrf, token_hash }),
            Ok(None) => Err(sign_in()),
            Err(e) => Err(Error::Internal(e).into_response()),
        }
    }
}

//! What doors read off a request, each once, as an extractor: the client's address
//! ([`ClientIp`]: behind a trusted proxy, what its `X-Forwarded-For` lines say), the base
//! of absolute links ([`BaseUrl`]), the reader's language ([`PageLang`]) and a receipt
//! token that has passed its address's receipt bucket ([`ReceiptToken`]). A handler that
//! names one of them cannot forget the rule behind it.

use super::proxies;
use super::state::AppState;
use crate::error::Error;
use axum::extract::{ConnectInfo, FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use std::net::{IpAddr, SocketAddr};
use widget::i18n::Lang;

/// The client's address (see [`client_ip`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let ConnectInfo(peer) = ConnectInfo::<SocketAddr>::from_request_parts(parts, state)
            .await
            .map_err(|e| anyhow::anyhow!("no peer address: {e}"))?;
        Ok(ClientIp(client_ip(state, peer, &parts.headers)))
    }
}

/// The base of absolute links to this server (see [`base_url`]).
#[derive(Debug, Clone)]
pub(crate) struct BaseUrl(pub String);

impl FromRequestParts<AppState> for BaseUrl {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        Ok(BaseUrl(base_url(state, &parts.headers)))
    }
}

/// The reader's language: the query's `lang` when it names one we speak, else the first
/// of `Accept-Language` we speak, else English.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PageLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for PageLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let asked = parts.uri.query().and_then(|query| {
            url::form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "lang")
                .map(|(_, v)| v.into_owned())
        });
        Ok(PageLang(pick_lang(asked.as_deref(), &parts.headers)))
    }
}

/// The `{token}` of a receipt's path, once its address's receipt bucket let it through:
/// receipt reads, cancellations, card forms and choices all take from that bucket, as
/// pledges do from theirs, so nobody can guess tokens or hammer the store through them
/// cheaply. Its shape is checked where it is looked up ([`crate::ids::is_receipt_token`]).
#[derive(Debug, Clone)]
pub(crate) struct ReceiptToken(pub String);

impl FromRequestParts<AppState> for ReceiptToken {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let ClientIp(ip) = ClientIp::from_request_parts(parts, state).await?;
        receipt_bucket(state, ip)?;
        let Path(token) =
            Path::<String>::from_request_parts(parts, state).await.map_err(|_| Error::NotFound)?;
        Ok(ReceiptToken(token))
    }
}

/// Takes a token from `ip`'s receipt bucket, or says when to come back.
fn receipt_bucket(state: &AppState, ip: std::net::IpAddr) -> Result<(), Error> {
    state
        .receipt_limiter
        .check(ip, std::time::Instant::now())
        .map_err(|retry_after_secs| Error::RateLimited { retry_after_secs })
}

/// What a fan's ask answered by mail (find my pledges, remind me) needs: mail on (else
/// 503), and a token of the client's receipt bucket, like a receipt read.
pub(crate) fn fan_mail_ask(state: &AppState, ip: std::net::IpAddr) -> Result<(), Error> {
    if state.settings.mail.is_none() {
        return Err(Error::Unavailable);
    }
    receipt_bucket(state, ip)
}

/// `asked` when it names a language we speak, else the first of `Accept-Language` we
/// speak, else English.
pub(crate) fn pick_lang(asked: Option<&str>, headers: &HeaderMap) -> Lang {
    asked
        .and_then(Lang::from_tag)
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default()
}

/// The client's address: the peer, or behind a trusted proxy what all the `X-Forwarded-For`
/// lines say, as one list (see [`proxies`]).
pub(crate) fn client_ip(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
    proxies::client_of(&state.settings.trusted_proxies, peer.ip(), headers)
}

/// [`client_ip`] from the `X-Forwarded-For` lines themselves (the raw event-stream path
/// reads them off the socket).
pub(crate) fn client_ip_from(state: &AppState, peer: SocketAddr, lines: &[impl AsRef<str>]) -> IpAddr {
    proxies::client(&state.settings.trusted_proxies, peer.ip(), lines.iter().map(AsRef::as_ref))
}

/// The base of absolute links to this server: the configured public URL, or what the
/// request's `Host` says when it is a plain host name, over HTTPS when a trusted proxy
/// says `X-Forwarded-Proto: https` (the header of any other peer never reaches here).
pub(crate) fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.settings.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .filter(|p| !state.settings.trusted_proxies.is_empty() && *p == "https")
        .unwrap_or("http");
    format!("{proto}://{host}")
}

//! Every request gets an id: the one a proxy in front sent as `X-Request-Id` when it looks
//! like one (1 to 64 of `A-Z a-z 0-9 - _ .`), otherwise a fresh one. It is in the span every
//! log line of the request carries, and it goes back in the answer's `X-Request-Id`, so a
//! fan's report, the proxy's log and ours meet. Each answer is counted in the metrics by
//! route and status.

use crate::http::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

pub(crate) static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A fresh id: 16 hex digits.
pub(crate) fn fresh() -> HeaderValue {
    HeaderValue::from_str(&format!("{:016x}", rand::random::<u64>())).expect("hex is a valid header")
}

fn acceptable(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    (1..=64).contains(&bytes.len())
        && bytes.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

pub(crate) async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let id = request.headers().get(&X_REQUEST_ID).filter(|v| acceptable(v)).cloned().unwrap_or_else(fresh);
    let matched = request.extensions().get::<MatchedPath>().cloned();
    let route = matched.as_ref().map_or("(no route)", MatchedPath::as_str);
    // The route, never the path or query: paths and queries carry secrets (receipt
    // tokens, sign-in tokens) that must not reach logs.
    let span = tracing::info_span!("request", id = id.to_str().unwrap_or_default(), method = %request.method(), route);
    let mut response = next.run(request).instrument(span).await;
    state.metrics.request(route, response.status().as_u16());
    response.headers_mut().insert(X_REQUEST_ID.clone(), id);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ids_that_look_like_ids_are_taken_from_the_proxy() {
        for good in ["abc", "0123456789abcdef", "req-1_2.3", &"a".repeat(64)] {
            assert!(acceptable(&HeaderValue::from_str(good).unwrap()), "{good}");
        }
        for bad in ["", "a b", "x\"y", "é", &"a".repeat(65), "a\tb", "{id}"] {
            let Ok(value) = HeaderValue::from_bytes(bad.as_bytes()) else { continue };
            assert!(!acceptable(&value), "{bad:?}");
        }
        assert_eq!(fresh().len(), 16);
        assert_ne!(fresh(), fresh());
    }
}

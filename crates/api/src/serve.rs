//! Accepting connections.
//!
//! Each connection's first bytes are peeked: a request for a campaign's event stream is
//! served straight off the socket ([`crate::http::events::serve_raw`]), so ten thousand
//! viewers cost ten thousand small tasks rather than ten thousand HTTP connections with
//! their buffers. Everything else is served by hyper (HTTP/1.1) with the axum router.
//!
//! On shutdown the server stops accepting, ends event streams, lets hyper finish the
//! requests in flight (a pledge waiting for its commit gets its answer), and returns.

use crate::http::events;
use crate::http::state::AppState;
use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

/// How long the first bytes of a request may take before the connection goes to hyper.
const PEEK_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest request head the event-stream fast path reads.
const PEEK_BYTES: usize = 4096;
/// The largest request head hyper reads (its buffer); bigger ones are refused.
const HEAD_LIMIT: usize = 16 * 1024;
/// How long in-flight requests get to finish after a shutdown signal.
const DRAIN: Duration = Duration::from_secs(10);

pub(crate) async fn serve(
    listener: TcpListener,
    state: AppState,
    router: Router,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let stopping = state.stopping.subscribe();
    let tracker = TaskTracker::new();
    tokio::pin!(shutdown);
    loop {
        let (socket, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = socket.set_nodelay(true);
        match state.admission.connection() {
            Some(permit) => {
                let connection = connection(socket, peer, state.clone(), router.clone(), stopping.clone());
                tracker.spawn(async move {
                    connection.await;
                    drop(permit);
                });
            }
            // Over the cap: a short answer, so descriptors stay free for the rest.
            None => drop(tracker.spawn(refuse(socket))),
        }
    }
    drop(listener);
    state.stopping.send_replace(true);
    tracker.close();
    if tokio::time::timeout(DRAIN, tracker.wait()).await.is_err() {
        tracing::warn!("connections still open after {DRAIN:?}; closing them");
    }
    Ok(())
}

async fn connection(
    socket: TcpStream,
    peer: SocketAddr,
    state: AppState,
    router: Router,
    stopping: watch::Receiver<bool>,
) {
    if let Some(request) = peek_events_request(&socket, &state).await {
        let (keepalive, write_timeout) = (state.settings.keepalive, state.settings.request_timeout);
        let ip = crate::http::requests::client_ip_from(&state, peer, &request.forwarded);
        let permit = state.admission.stream(ip);
        let status = if permit.is_some() { 200 } else { 503 };
        state.metrics.request(events::ROUTE, status);
        let id = crate::http::request_id::fresh();
        drop(state);
        drop(router);
        let span =
            tracing::info_span!("request", id = id.to_str().unwrap_or_default(), route = events::ROUTE);
        let streamed = events::serve_raw(socket, request, permit, (keepalive, write_timeout), stopping, &id);
        if let Err(e) = tracing::Instrument::instrument(streamed, span).await {
            tracing::debug!(error = %e, %peer, "event stream ended");
        }
        return;
    }
    let service = router.map_request(move |mut request: hyper::Request<hyper::body::Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        request
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    // Request heads are bounded in size (431 above) and in time.
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(state.settings.request_timeout)
        .max_buf_size(HEAD_LIMIT);
    let conn = builder.serve_connection(TokioIo::new(socket), TowerToHyperService::new(service));
    tokio::pin!(conn);
    let mut stopping = stopping;
    let stopped = tokio::select! {
        result = conn.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
            false
        }
        signal = stopping.wait_for(|stop| *stop) => signal.is_ok(),
    };
    if stopped {
        conn.as_mut().graceful_shutdown();
        let _ = conn.await;
    }
}

/// Answers a connection over the cap with a 503 and closes it, within a second.
async fn refuse(mut socket: TcpStream) {
    use tokio::io::AsyncWriteExt;
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        socket.write_all(crate::admission::REFUSED).await?;
        socket.shutdown().await
    })
    .await;
}

/// Peeks at the request head; `Some` when it asks for a known campaign's event stream.
async fn peek_events_request(socket: &TcpStream, state: &AppState) -> Option<events::RawRequest> {
    let mut buffer = vec![0; PEEK_BYTES];
    let read = tokio::time::timeout(PEEK_TIMEOUT, socket.peek(&mut buffer)).await.ok()?.ok()?;
    events::recognise(&buffer[..read], state)
}

//! `GET /api/v1/campaigns/{id}/events`: live progress as Server-Sent Events.
//!
//! The stream is the current view first (unless `Last-Event-ID` says the client has it),
//! then the campaign's frames (at most four a second, `hub::frames`), and a keep-alive
//! comment when idle. A client that asks with `?v=2` gets compact `delta` events after the
//! first view, and always the whole view first; without it, as widgets cached from before
//! changes existed connect, each frame is a whole `progress` view. Each viewer holds a
//! `watch` receiver on its campaign and nothing else: the frames it sends are the hub's
//! shared bytes. A viewer too slow to read is simply not polled, and when it is, it skips to
//! the latest frame, whole; it never delays the writer or other viewers.
//!
//! Most streams never reach hyper: [`crate::serve`] recognises the request on the socket
//! and calls [`serve_raw`], which keeps no per-connection buffers. The axum route below
//! serves the same frames for requests it could not recognise early (split packets).
//!
//! A viewer costs the kernel at most a 32 KB send buffer; one whose socket does not drain
//! within the request timeout is dropped, freeing its stream's place.

use super::requests::ClientIp;
use crate::error::Error;
use crate::http::state::AppState;
use crate::hub::Entry;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::{Stream, StreamExt};
use std::io::IoSlice;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

const HELLO: &[u8] = b"retry: 2000\n\n";

/// The headers of every event stream, whichever path serves it: one list, so the raw
/// socket path and the axum route cannot drift apart.
const STREAM_HEADERS: [(&str, &str); 5] = [
    ("content-type", "text/event-stream"),
    ("cache-control", "no-cache"),
    // Tells nginx not to buffer the stream.
    ("x-accel-buffering", "no"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
];

/// The raw path's response head, built once from [`STREAM_HEADERS`].
/// The event stream's route, as the metrics and logs name it.
pub(crate) const ROUTE: &str = "/api/v1/campaigns/{id}/events";

static RAW_HEAD: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(|| {
    let mut head = b"HTTP/1.1 200 OK\r\n".to_vec();
    for (name, value) in STREAM_HEADERS {
        head.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    head.extend_from_slice(b"transfer-encoding: chunked\r\n");
    head
});
const KEEPALIVE: &[u8] = b": keep-alive\n\n";

/// The frames of one viewer's stream: the whole view first (stamped as it is sent), then
/// the campaign's frames as they come, each as its compact change when the viewer asked
/// for changes (`deltas`) and was sent the frame before, else whole.
pub(crate) fn frames(
    entry: &Arc<Entry>,
    last_seen: Option<u64>,
    keepalive: Duration,
    deltas: bool,
) -> impl Stream<Item = Bytes> + use<> {
    // Make sure the snapshot's time-dependent status is current before the first frame.
    entry.snapshot(crate::now());
    let mut receiver = entry.frames();
    receiver.mark_changed();
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + keepalive, keepalive);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let hello = futures::stream::once(async { Bytes::from_static(HELLO) });
    // A reader of changes needs the whole view first, whatever it says it has.
    let last_seen = last_seen.filter(|_| !deltas);
    let updates = futures::stream::unfold(
        (receiver, tick, last_seen, None::<u64>),
        move |(mut receiver, mut tick, last_seen, sent)| async move {
            tokio::select! {
                changed = receiver.changed() => {
                    changed.ok()?;
                    let frame = receiver.borrow_and_update().clone();
                    let bytes = match (sent, &frame.delta) {
                        // Up to date already (`Last-Event-ID`): nothing to send yet.
                        (None, _) if last_seen.is_some_and(|seen| seen >= frame.seq()) => Bytes::new(),
                        (None, _) => frame.fresh(),
                        (Some(no), Some(delta)) if deltas && no + 1 == frame.no => delta.clone(),
                        _ => frame.full.clone(),
                    };
                    if !bytes.is_empty() {
                        tick.reset();
                    }
                    Some((bytes, (receiver, tick, None, Some(frame.no))))
                }
                _ = tick.tick() => Some((Bytes::from_static(KEEPALIVE), (receiver, tick, last_seen, sent))),
            }
        },
    );
    hello.chain(updates.filter(|bytes| futures::future::ready(!bytes.is_empty())))
}

/// Whether a stream's query asks for compact changes: `v=2`.
fn wants_deltas(query: Option<&str>) -> bool {
    query.is_some_and(|q| q.split('&').any(|pair| pair == "v=2"))
}

fn parse_last_event_id(value: &[u8]) -> Option<u64> {
    std::str::from_utf8(value).ok()?.trim().parse().ok()
}

/// Live progress as Server-Sent Events.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/events", tag = "public",
    params(("id" = String, Path, description = "The campaign's id"),
           ("Last-Event-ID" = Option<String>, Header, description = "The last `seq` seen: skips the first snapshot when current")),
    responses((status = 200, content_type = "text/event-stream",
               description = "The current campaign first, then one `progress` event per change (`id:` is `seq`, `data:` a campaign view), keep-alive comments while idle"),
              (status = 404, body = domain::wire::Problem),
              (status = 503, body = domain::wire::Problem, description = "Over the cap on live streams: poll the campaign instead")))]
pub(crate) async fn events(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let entry = state.hub.get(&id).ok_or(Error::NotFound)?;
    let permit = state.admission.stream(ip).ok_or(Error::Busy)?;
    let last_seen = headers.get("last-event-id").and_then(|v| parse_last_event_id(v.as_bytes()));
    let mut stopping = state.stopping.subscribe();
    let stopped = async move {
        let _ = stopping.wait_for(|stop| *stop).await;
    };
    // The permit lives as long as the stream, which ends when the server stops.
    let deltas = wants_deltas(query.as_deref());
    let stream =
        frames(&entry, last_seen, state.settings.keepalive, deltas).take_until(stopped).map(move |frame| {
            let _held = &permit;
            Ok::<_, std::convert::Infallible>(frame)
        });
    let mut response = Body::from_stream(stream).into_response();
    for (name, value) in STREAM_HEADERS {
        response.headers_mut().insert(HeaderName::from_static(name), HeaderValue::from_static(value));
    }
    Ok(response)
}

/// A recognised request for a campaign's events, read off the socket before hyper.
#[derive(Debug)]
pub(crate) struct RawRequest {
    pub(crate) entry: Arc<Entry>,
    pub(crate) last_seen: Option<u64>,
    /// The viewer asked for compact changes (`?v=2`).
    pub(crate) deltas: bool,
    /// Bytes of the request head, to consume from the socket.
    pub(crate) head_len: usize,
    /// Every `X-Forwarded-For` line, in order, for the client's address behind a proxy
    /// (read by [`super::proxies::client`], as the router's are).
    pub(crate) forwarded: Vec<String>,
}

/// Recognises a complete `GET /api/v1/campaigns/{id}/events` request head for a known
/// campaign in `bytes`. Anything else (another route, a body, an unknown campaign, a head
/// split across packets, anything malformed) is left to hyper and the router.
pub(crate) fn recognise(bytes: &[u8], state: &AppState) -> Option<RawRequest> {
    let head = parse_head(bytes)?;
    let entry = state.hub.get(head.id)?;
    let forwarded = head.forwarded.into_iter().map(str::to_owned).collect();
    Some(RawRequest { entry, last_seen: head.last_seen, deltas: head.deltas, head_len: head.len, forwarded })
}

/// An event-stream request head, as strict as hyper: CRLF line ends only, header names
/// that are tokens, a `Host`, no body. Bytes after the head (a pipelined request) are
/// never read: the stream is the connection's last answer.
#[derive(Debug, PartialEq)]
pub(crate) struct Head<'a> {
    pub(crate) id: &'a str,
    pub(crate) last_seen: Option<u64>,
    pub(crate) deltas: bool,
    pub(crate) len: usize,
    /// Every `X-Forwarded-For` line, in order: a proxy may add its own line after the
    /// client's, and only the whole list says who the client is.
    pub(crate) forwarded: Vec<&'a str>,
}

pub(crate) fn parse_head(bytes: &[u8]) -> Option<Head<'_>> {
    let len = bytes.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&bytes[..len]).ok()?;
    // A bare LF (or CR) anywhere but in a CRLF pair.
    if head.replace("\r\n", "").contains(['\r', '\n']) {
        return None;
    }
    let mut lines = head[..len - 4].split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let (method, target, version) = (request_line.next()?, request_line.next()?, request_line.next()?);
    if method != "GET" || version != "HTTP/1.1" || request_line.next().is_some() {
        return None;
    }
    let (path, query) = target.split_once('?').map_or((target, None), |(p, q)| (p, Some(q)));
    let id = path.strip_prefix("/api/v1/campaigns/")?.strip_suffix("/events")?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return None;
    }
    let (mut last_seen, mut forwarded, mut host) = (None, Vec::new(), false);
    for line in lines {
        let (name, value) = line.split_once(':')?;
        if !is_token(name) || value.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
            return None;
        }
        if name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("transfer-encoding") {
            return None;
        }
        if name.eq_ignore_ascii_case("host") {
            host = true;
        } else if name.eq_ignore_ascii_case("last-event-id") {
            last_seen = parse_last_event_id(value.as_bytes());
        } else if name.eq_ignore_ascii_case("x-forwarded-for") {
            forwarded.push(value.trim());
        }
    }
    host.then_some(Head { id, last_seen, deltas: wants_deltas(query), len, forwarded })
}

/// An HTTP token (RFC 9110): what a header name may be made of.
fn is_token(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

const STREAM_SEND_BUFFER: usize = 32 * 1024;

/// Serves a recognised events request straight on the socket, in chunked encoding, until
/// the viewer goes away or the server shuts down.
pub(crate) async fn serve_raw(
    mut socket: tokio::net::TcpStream,
    request: RawRequest,
    permit: Option<crate::admission::StreamPermit>,
    (keepalive, write_timeout): (Duration, Duration),
    mut shutdown: tokio::sync::watch::Receiver<bool>,
    id: &axum::http::HeaderValue,
) -> std::io::Result<()> {
    let mut head = vec![0; request.head_len];
    tokio::io::AsyncReadExt::read_exact(&mut socket, &mut head).await?;
    drop(head);
    let Some(_permit) = permit else {
        socket.write_all(crate::admission::REFUSED).await?;
        return socket.shutdown().await;
    };
    // What a viewer has not read yet costs at most this much kernel memory (Linux doubles
    // it): frames are small and coalesce while a write waits, so a bigger buffer would only
    // delay noticing a viewer who stopped reading.
    let _ = socket2::SockRef::from(&socket).set_send_buffer_size(STREAM_SEND_BUFFER);
    let mut head = RAW_HEAD.clone();
    head.extend_from_slice(b"x-request-id: ");
    head.extend_from_slice(id.as_bytes());
    head.extend_from_slice(b"\r\n\r\n");
    socket.write_all(&head).await?;
    let frames = frames(&request.entry, request.last_seen, keepalive, request.deltas);
    drop(request);
    futures::pin_mut!(frames);
    loop {
        let frame = tokio::select! {
            frame = frames.next() => frame,
            _ = shutdown.wait_for(|stop| *stop) => None,
        };
        let Some(frame) = frame else { break };
        // A viewer whose socket does not drain is dropped, freeing its descriptor.
        tokio::time::timeout(write_timeout, write_chunk(&mut socket, &frame))
            .await
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
    }
    socket.write_all(b"0\r\n\r\n").await?;
    socket.shutdown().await
}

/// Writes one chunk of a chunked body in as few system calls as the socket allows.
async fn write_chunk(socket: &mut tokio::net::TcpStream, data: &[u8]) -> std::io::Result<()> {
    let size = format!("{:x}\r\n", data.len());
    let mut slices = [IoSlice::new(size.as_bytes()), IoSlice::new(data), IoSlice::new(b"\r\n")];
    let mut slices = &mut slices[..];
    while !slices.is_empty() {
        let written = socket.write_vectored(slices).await?;
        if written == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        IoSlice::advance_slices(&mut slices, written);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const GOOD: &str = "GET /api/v1/campaigns/demo/events HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 7\r\n\r\n";

    #[test]
    fn a_plain_stream_request_is_recognised_with_its_last_event_id() {
        let head = parse_head(GOOD.as_bytes()).unwrap();
        assert_eq!((head.id, head.last_seen, head.len), ("demo", Some(7), GOOD.len()));
    }

    #[test]
    fn every_forwarded_for_line_is_kept_so_a_proxys_own_line_outranks_the_clients() {
        // The client's own line first, then the one HAProxy (`option forwardfor`) adds.
        let head = "GET /api/v1/campaigns/demo/events HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 6.6.6.6\r\n\
                    x-forwarded-for: 203.0.113.7\r\n\r\n";
        let head = parse_head(head.as_bytes()).unwrap();
        assert_eq!(head.forwarded, ["6.6.6.6", "203.0.113.7"]);
        let trusted = [crate::net::Cidr::parse("10.0.0.0/8").unwrap()];
        let client = super::super::proxies::client(&trusted, "10.0.0.5".parse().unwrap(), head.forwarded);
        assert_eq!(
            client,
            "203.0.113.7".parse::<std::net::IpAddr>().unwrap(),
            "the proxy's view of the client"
        );
        assert!(parse_head(GOOD.as_bytes()).unwrap().forwarded.is_empty());
    }

    #[test]
    fn malformed_heads_are_left_to_hyper_which_refuses_them() {
        for bad in [
            "GET /api/v1/campaigns/demo/events HTTP/1.1\r\n\r\n",
            "GET /api/v1/campaigns/demo/events HTTP/1.1\r\nHost : x\r\n\r\n",
            "GET /api/v1/campaigns/demo/events HTTP/1.1\r\nHo st: x\r\n\r\n",
            "GET /api/v1/campaigns/demo/events HTTP/1.1\r\n Host: x\r\n\r\n",
            "GET /api/v1/campaigns/demo/events HTTP/1.1\r\nHost: x\nX: y\r\n\r\n",
            "GET /api/v1/campaigns/demo/events HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n",
            "GET /api/v1/campaigns/demo/events HTTP/1.1\r\nHost: x\r\nX\x7f: y\r\n\r\n",
            "GET /api/v1/campaigns/demo/events HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n",
            "GET /api/v1/campaigns/demo/events HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
            "GET /api/v1/campaigns/demo/events HTTP/1.0\r\nHost: x\r\n\r\n",
            "GET  /api/v1/campaigns/demo/events HTTP/1.1\r\nHost: x\r\n\r\n",
            "POST /api/v1/campaigns/demo/events HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /api/v1/campaigns/../events HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /api/v1/campaigns//events HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /api/v1/campaigns/demo/events HTTP/1.1\r\nHost: x\r\n",
        ] {
            assert_eq!(parse_head(bad.as_bytes()), None, "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn any_bytes_are_recognised_only_as_a_well_formed_head(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            if let Some(head) = parse_head(&bytes) {
                prop_assert!(bytes[..head.len].ends_with(b"\r\n\r\n"));
                prop_assert!(bytes.starts_with(b"GET /api/v1/campaigns/"));
            }
        }

        #[test]
        fn a_good_head_with_any_header_added_is_never_misread(name in "[ -9;-~]{0,12}", value in "[ -~\t\r\n]{0,24}") {
            let request = GOOD.replacen("\r\n\r\n", &format!("\r\n{name}: {value}\r\n\r\n"), 1);
            if let Some(head) = parse_head(request.as_bytes()) {
                prop_assert_eq!(head.id, "demo");
                prop_assert!(is_token(&name), "a header name with {:?} was taken", name);
            }
        }
    }
}

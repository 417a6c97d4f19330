//! A webhook receiver, as a creator's system would run one: it verifies each delivery's
//! signature the way docs/api.md tells receivers to, records what it got, and can be told to
//! fail.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One delivery as it arrived.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub signature: String,
    pub body: String,
    pub event: serde_json::Value,
}

#[derive(Default)]
struct Shared {
    got: Mutex<Vec<Delivery>>,
    /// Answer 500 to this many more deliveries.
    failing: AtomicUsize,
}

pub struct Receiver {
    pub url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        Receiver::on(TcpListener::bind("127.0.0.1:0").await.expect("a free port")).await
    }

    /// Receives on `listener` (a port chosen before the receiver runs).
    pub async fn on(listener: TcpListener) -> Receiver {
        let url = format!("http://{}/hooks/tribefund", listener.local_addr().unwrap());
        let shared = Arc::new(Shared::default());
        let serving = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let shared = serving.clone();
                tokio::spawn(async move {
                    let Some((signature, body)) = read_request(&mut socket).await else { return };
                    let failing = shared
                        .failing
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                    let event = serde_json::from_str(&body).unwrap_or_default();
                    shared.got.lock().unwrap().push(Delivery { signature, body, event });
                    let status = if failing { "500 Internal Server Error" } else { "204 No Content" };
                    let answer =
                        format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                    let _ = socket.write_all(answer.as_bytes()).await;
                });
            }
        });
        Receiver { url, shared, task }
    }

    /// Answers 500 to the next `n` deliveries.
    pub fn fail_next(&self, n: usize) {
        self.shared.failing.store(n, Ordering::SeqCst);
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.shared.got.lock().unwrap().clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A request's `Tribefund-Signature` and body (HTTP/1.1 with a content length).
async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<(String, String)> {
    let (head, body) = read_http(socket).await?;
    Some((header(&head, "tribefund-signature").unwrap_or_default(), body))
}

/// A request's head (request line and headers) and body, read as far as its
/// `Content-Length` says.
pub(crate) async fn read_http(socket: &mut tokio::net::TcpStream) -> Option<(String, String)> {
    let mut data = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        let n = socket.read(&mut buffer).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buffer[..n]);
        let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
        let head = String::from_utf8_lossy(&data[..end]).to_string();
        let length: usize = header(&head, "content-length")?.parse().ok()?;
        if data.len() >= end + 4 + length {
            let body = String::from_utf8(data[end + 4..end + 4 + length].to_vec()).ok()?;
            return Some((head, body));
        }
    }
}

/// The value of header `name` in a request's `head`.
fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim().to_owned())
    })
}

/// What a receiver does with `Tribefund-Signature: t=…,v1=…`: the HMAC-SHA256 of
/// "<t>.<body>" with the endpoint's secret must match, and `t` be within `tolerance`
/// seconds of `now`, so a recorded delivery cannot be replayed later.
pub fn verify(secret: &str, header: &str, body: &str, now: i64, tolerance: i64) -> bool {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.push(v),
            _ => {}
        }
    }
    let Some(timestamp) = timestamp else { return false };
    if (now - timestamp).abs() > tolerance {
        return false;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    // Compared in constant time, as a receiver should.
    signatures.iter().any(|s| {
        s.len() == expected.len() && s.bytes().zip(expected.bytes()).fold(0, |acc, (a, b)| acc | (a ^ b)) == 0
    })
}

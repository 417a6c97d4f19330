//! A small HTTP/1.1 load generator over raw keep-alive connections. It does far less work
//! per request than a general client, so on a shared machine most of the CPU is left to
//! the server being measured.
//!
//! Its clients come from many loopback addresses (127.x.y.z, [`PER_ADDRESS`] each), as a
//! real crowd does: the server's per-address caps (256 live streams, tier units, rate
//! limits) would otherwise see one greedy client and refuse the rest.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpSocket, TcpStream};

pub(crate) struct Conn {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    line: String,
}

/// Clients sharing one source address: well under the server's 256 streams per address.
pub(crate) const PER_ADDRESS: usize = 100;

/// The loopback address client `i` connects from: a new one every [`PER_ADDRESS`] clients.
pub(crate) fn source(i: usize) -> Ipv4Addr {
    address(i / PER_ADDRESS)
}

/// The `k`-th loopback address, from 127.1.0.1 on (never 127.0.0.1, the server's own).
pub(crate) fn address(k: usize) -> Ipv4Addr {
    Ipv4Addr::new(127, 1 + (k / 62_500 % 254) as u8, (k / 250 % 250) as u8, (k % 250 + 1) as u8)
}

impl Conn {
    pub(crate) async fn open(addr: &str) -> std::io::Result<Conn> {
        Conn::open_from(addr, Ipv4Addr::LOCALHOST).await
    }

    /// Opens a connection to `addr` (an `ip:port` on this machine) from address `from`.
    pub(crate) async fn open_from(addr: &str, from: Ipv4Addr) -> std::io::Result<Conn> {
        let target: SocketAddr = addr.parse().map_err(std::io::Error::other)?;
        let socket = TcpSocket::new_v4()?;
        socket.bind(SocketAddr::new(from.into(), 0))?;
        let stream: TcpStream = socket.connect(target).await?;
        stream.set_nodelay(true)?;
        let (read, write) = stream.into_split();
        Ok(Conn { reader: BufReader::new(read), writer: write, line: String::new() })
    }

    /// Sends one request and reads the whole response; returns its status.
    pub(crate) async fn call(&mut self, request: &[u8]) -> std::io::Result<u16> {
        Ok(self.call_reading(request).await?.0)
    }

    /// Sends one request and reads the whole response: its status, its `Retry-After` in
    /// seconds, and its body.
    pub(crate) async fn call_reading(
        &mut self,
        request: &[u8],
    ) -> std::io::Result<(u16, Option<u64>, String)> {
        self.writer.write_all(request).await?;
        self.read_response().await
    }

    /// Reads a whole response: its status, its `Retry-After` in seconds, and its body.
    pub(crate) async fn read_response(&mut self) -> std::io::Result<(u16, Option<u64>, String)> {
        let status = self.read_head().await?;
        let (mut length, mut retry_after) = (0usize, None);
        loop {
            self.line.clear();
            self.reader.read_line(&mut self.line).await?;
            let header = self.line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().map_err(std::io::Error::other)?;
                } else if name.eq_ignore_ascii_case("retry-after") {
                    retry_after = value.trim().parse().ok();
                }
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).await?;
        Ok((status, retry_after, String::from_utf8_lossy(&body).into_owned()))
    }

    /// Reads the status line.
    pub(crate) async fn read_head(&mut self) -> std::io::Result<u16> {
        self.line.clear();
        if self.reader.read_line(&mut self.line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        self.line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(self.line.clone()))
    }

    /// The next line of a streamed body (headers included), without its line ending.
    pub(crate) async fn next_line(&mut self) -> std::io::Result<Option<&str>> {
        self.line.clear();
        if self.reader.read_line(&mut self.line).await? == 0 {
            return Ok(None);
        }
        Ok(Some(self.line.trim_end()))
    }

    pub(crate) async fn send(&mut self, request: &[u8]) -> std::io::Result<()> {
        self.writer.write_all(request).await
    }
}

pub(crate) fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n").into_bytes()
}

pub(crate) fn post_json(path: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// What one load run measured.
#[derive(Debug)]
pub(crate) struct Stats {
    pub(crate) per_sec: f64,
    pub(crate) p50: Duration,
    pub(crate) p99: Duration,
    pub(crate) errors: u64,
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:>9.0}/s  p50 {:>7.2} ms  p99 {:>7.2} ms", self.per_sec, ms(self.p50), ms(self.p99))?;
        if self.errors > 0 {
            write!(f, "  ({} errors)", self.errors)?;
        }
        Ok(())
    }
}

pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// `clients` connections send `request` back to back for `duration`; a response whose
/// status is not `expect` counts as an error.
pub(crate) async fn run(
    addr: &str,
    request: Vec<u8>,
    clients: usize,
    duration: Duration,
    expect: u16,
) -> Stats {
    let request: Arc<[u8]> = request.into();
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::with_capacity(clients);
    for client in 0..clients {
        let (addr, request, from) = (addr.to_owned(), request.clone(), source(client));
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            let Ok(mut conn) = Conn::open_from(&addr, from).await else { return (latencies, 1) };
            while Instant::now() < deadline {
                let sent = Instant::now();
                match conn.call(&request).await {
                    Ok(status) if status == expect => latencies.push(sent.elapsed()),
                    Ok(_) => errors += 1,
                    Err(_) => {
                        errors += 1;
                        match Conn::open_from(&addr, from).await {
                            Ok(fresh) => conn = fresh,
                            Err(_) => break,
                        }
                    }
                }
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for task in tasks {
        if let Ok((latencies, e)) = task.await {
            all.extend(latencies);
            errors += e;
        }
    }
    let elapsed = start.elapsed();
    all.sort_unstable();
    let at = |q: f64| {
        all.get(((all.len() as f64 * q) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Stats { per_sec: all.len() as f64 / elapsed.as_secs_f64(), p50: at(0.50), p99: at(0.99), errors }
}

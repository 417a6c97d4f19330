//! The blogging platforms the integrations are tested against, as real software: a tool
//! found on the `PATH` (Debian's `hugo`, which `cargo xtask test` installs), and a small
//! static file server for the sites they build. Without the tool its tests are skipped,
//! visibly, and with `CI=true` they fail.

use std::path::{Path, PathBuf};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The program `name` on the `PATH`, or `None` (printing SKIPPED) when it is not
/// installed; panics then when `CI=true`.
pub fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .and_then(|path| std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file()));
    match found {
        Some(path) => Some(path),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("{name} is required when CI=true, but it is not on the PATH")
        }
        None => {
            eprintln!("SKIPPED: {name} is not installed (cargo xtask test installs it)");
            None
        }
    }
}

/// A built site served over HTTP from `root`, on a port of its own (another origin than the
/// server's): `GET /path` answers the file, or `path/index.html`.
pub struct StaticSite {
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

impl StaticSite {
    pub async fn serve(root: &Path) -> StaticSite {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let root = root.to_owned();
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let root = root.clone();
                tokio::spawn(async move {
                    let mut head = vec![0; 8192];
                    let Ok(n) = socket.read(&mut head).await else { return };
                    let head = String::from_utf8_lossy(&head[..n]).to_string();
                    let path =
                        head.split(' ').nth(1).unwrap_or("/").split('?').next().unwrap_or("/").to_owned();
                    let (status, kind, body) = match file(&root, &path) {
                        Some((kind, body)) => ("200 OK", kind, body),
                        None => ("404 Not Found", "text/plain", b"not found".to_vec()),
                    };
                    let reply = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: {kind}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = socket.write_all(reply.as_bytes()).await;
                    let _ = socket.write_all(&body).await;
                });
            }
        });
        StaticSite { url, task }
    }
}

impl Drop for StaticSite {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The file at `path` under `root` (never outside it), with its content type.
fn file(root: &Path, path: &str) -> Option<(&'static str, Vec<u8>)> {
    if path.split('/').any(|part| part == "..") {
        return None;
    }
    let mut at = root.join(path.trim_start_matches('/'));
    if at.is_dir() {
        at = at.join("index.html");
    }
    let kind = match at.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css",
        Some("js") => "text/javascript",
        Some("xml") => "application/xml",
        _ => "application/octet-stream",
    };
    Some((kind, std::fs::read(at).ok()?))
}

//! `cargo xtask bench`: figures, never assertions. Starts the release server on a free
//! port with a fresh SQLite database and the demo campaign, then measures it.

use crate::wasm::gzip_len;
use crate::{cargo, status};
use anyhow::{Context, bail};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Target for everything `/embed/demo` makes a browser download, gzip.
const SIZE_TARGET_GZIP: usize = 90 * 1024;

pub(crate) fn run(root: &Path) -> anyhow::Result<()> {
    crate::wasm::build(root)?;
    status(cargo().args(["build", "--release", "--package", "api", "--bin", "tribefund"]))?;
    let data = tempfile::tempdir()?;
    let server = Server::start(root, &data.path().join("bench.db"))?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(shipped_size(&server.base))
}

/// A `tribefund serve` child process, stopped on drop.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(root: &Path, db: &Path) -> anyhow::Result<Server> {
        let target_dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), Into::into);
        let binary = target_dir.join("release").join("tribefund");
        let mut child = Command::new(binary)
            .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--rate-limit", "off"])
            .arg("--database-url")
            .arg(format!("sqlite://{}", db.display()))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .context("starting the server")?;
        let stdout = child.stdout.take().context("server stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let Some(base) =
            line.trim().strip_prefix("tribefund is serving on ").map(|u| u.trim_end_matches('/').to_owned())
        else {
            let _ = child.kill();
            bail!("the server did not start: {line:?}");
        };
        Ok(Server { child, base })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Everything the embed page makes the browser fetch: the HTML, what it links, and the
/// wasm that boot.js loads. And the loader that host pages fetch.
async fn shipped_size(base: &str) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let html = client.get(format!("{base}/embed/demo")).send().await?.error_for_status()?.text().await?;
    let mut files = vec![("/embed/demo".to_owned(), html.clone().into_bytes())];
    let mut paths: Vec<String> = html
        .split(['"', '\''])
        .filter(|part| part.starts_with("/assets/") || part.starts_with("/pkg/"))
        .map(str::to_owned)
        .collect();
    paths.push("/pkg/widget_bg.wasm".into());
    paths.dedup();
    for path in paths {
        let bytes = client.get(format!("{base}{path}")).send().await?.error_for_status()?.bytes().await?;
        files.push((path, bytes.to_vec()));
    }
    println!("\nwhat /embed/demo downloads:");
    let (mut raw, mut gz) = (0, 0);
    for (path, bytes) in &files {
        let g = gzip_len(bytes);
        println!("  {path:<28} {:>8} B raw {:>8} B gzip", bytes.len(), g);
        raw += bytes.len();
        gz += g;
    }
    println!(
        "  {:<28} {raw:>8} B raw {gz:>8} B gzip   (target: at most {} B gzip)",
        "total", SIZE_TARGET_GZIP
    );
    let loader = client.get(format!("{base}/embed.js")).send().await?.error_for_status()?.bytes().await?;
    println!(
        "  {:<28} {:>8} B raw {:>8} B gzip   (fetched by the host page)",
        "/embed.js",
        loader.len(),
        gzip_len(&loader)
    );
    Ok(())
}

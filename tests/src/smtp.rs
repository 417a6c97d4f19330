//! An SMTP server for the mail tests: aiosmtpd (PyPI) running `tests/smtp/sink.py`, which
//! writes every message it takes into a folder and refuses some recipients on purpose
//! (`bounce…` for good, `later…` once for now). `cargo xtask test` installs aiosmtpd under
//! `target/aiosmtpd`; without it the mail tests are skipped, visibly, and with `CI=true`
//! they fail.

use crate::workspace_root;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::AsyncBufReadExt;
use tokio::process::{Child, Command};

/// A running SMTP sink, stopped when dropped.
pub struct SmtpSink {
    child: Child,
    pub port: u16,
    /// Where the messages it took are, as `N.json`.
    pub folder: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// The Python that has aiosmtpd, or `None` (SKIPPED; a panic when `CI=true`).
fn python() -> Option<PathBuf> {
    let python = workspace_root().join("target/aiosmtpd/bin/python3");
    if python.is_file() {
        return Some(python);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("aiosmtpd is required when CI=true, but {} is missing", python.display());
    }
    eprintln!("SKIPPED: aiosmtpd is not installed at {} (cargo xtask test installs it)", python.display());
    None
}

/// A free port on 127.0.0.1: taken from the kernel and let go.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl SmtpSink {
    /// Starts one on a port of its own.
    pub async fn start() -> Option<SmtpSink> {
        SmtpSink::start_on(free_port()).await
    }

    /// Starts one on `port` (a server a test let mail wait for).
    pub async fn start_on(port: u16) -> Option<SmtpSink> {
        SmtpSink::launch(port, &[]).await
    }

    /// Starts one that checks each message's DKIM signature against the test key pair's
    /// public half (`tests/smtp/dkim/test-rsa.txt`), telling it in each message's `dkim`.
    pub async fn start_checking_dkim() -> Option<SmtpSink> {
        let txt = workspace_root().join("tests/smtp/dkim/test-rsa.txt");
        SmtpSink::launch(free_port(), &[("DKIM_TXT", txt.display().to_string())]).await
    }

    /// Starts one that speaks TLS — `"implicit"` from the first byte, or `"starttls"`
    /// required — with the test certificate (`tests/smtp/tls/`), and takes mail only from a
    /// client logged in as `fund` with the password `s3cret`.
    pub async fn start_tls(mode: &str) -> Option<SmtpSink> {
        SmtpSink::launch(free_port(), &[("TLS", mode.to_owned())]).await
    }

    async fn launch(port: u16, env: &[(&str, String)]) -> Option<SmtpSink> {
        let python = python()?;
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("mail");
        let mut command = Command::new(python);
        command.envs(env.iter().map(|(k, v)| (k, v)));
        let mut child = command
            .arg(workspace_root().join("tests/smtp/sink.py"))
            .arg(port.to_string())
            .arg(&folder)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("starting the SMTP sink");
        let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let ready = tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await;
        assert!(
            matches!(ready, Ok(Ok(Some(ref line))) if line == "ready"),
            "the SMTP sink started on {port}"
        );
        Some(SmtpSink { child, port, folder, _dir: dir })
    }

    /// The URL tribefund sends through.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The messages taken so far, in the order taken: `rcpt_to`, `headers` (decoded),
    /// `text` and `html` (the parts, decoded) and `raw` (as sent).
    pub fn messages(&self) -> Vec<serde_json::Value> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.folder)
            .map(|dir| {
                dir.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "json"))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names.iter().map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()).collect()
    }

    /// Waits until at least `n` messages were taken, or panics after `within`.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + within;
        loop {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            assert!(Instant::now() < deadline, "{} of {n} mails arrived within {within:?}", messages.len());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Mail settings that send through `url` from the test's sender, signed with the test DKIM
/// key for `fund.test`.
pub fn signed_mail_settings(url: &str) -> api::mail::Settings {
    let key = workspace_root().join("tests/smtp/dkim/test-rsa.pem");
    let signer =
        api::mail::dkim::Signer::from_flags(Some("fund.test".into()), Some("test".into()), Some(&key));
    api::mail::Settings { dkim: signer.expect("the test key").map(std::sync::Arc::new), ..mail_settings(url) }
}

/// Mail settings that send through `url` from the test's sender.
pub fn mail_settings(url: &str) -> api::mail::Settings {
    api::mail::Settings::from_flags(Some(url.to_owned()), None, Some("Tribe fund <mail@fund.test>"), None)
        .expect("mail settings")
        .expect("mail is on")
}

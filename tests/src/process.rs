//! The real `tribefund` binary as a process of its own.

use crate::workspace_root;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The real `tribefund` binary serving a database, for what only a process can show: its
/// open-files limit, and being killed.
pub struct Process {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub address: String,
    /// The demo site's creator key, printed when this start seeded it.
    pub demo_key: Option<String>,
}

impl Process {
    /// Starts `target/debug/tribefund serve` on `db_url` with the demo campaign and no rate
    /// limits, plus `extra_args`; with `open_files`, under that soft limit (`ulimit -S -n`).
    pub async fn start(db_url: &str, extra_args: &[&str], open_files: Option<u32>) -> Process {
        Process::launch(db_url, extra_args, open_files, None, &[]).await
    }

    /// [`Process::start`] with `env` set for it alone.
    pub async fn start_with_env(db_url: &str, extra_args: &[&str], env: &[(&str, &str)]) -> Process {
        Process::launch(db_url, extra_args, None, None, env).await
    }

    /// [`Process::start`], logging everything down to debug level into `log`.
    pub async fn start_logging(db_url: &str, log: &Path) -> Process {
        Process::launch(db_url, &[], None, Some(log), &[]).await
    }

    /// [`Process::start_logging`] with `extra_args`.
    pub async fn start_logging_with(db_url: &str, log: &Path, extra_args: &[&str]) -> Process {
        Process::launch(db_url, extra_args, None, Some(log), &[]).await
    }

    async fn launch(
        db_url: &str,
        extra_args: &[&str],
        open_files: Option<u32>,
        log: Option<&Path>,
        env: &[(&str, &str)],
    ) -> Process {
        let binary = workspace_root().join("target/debug/tribefund");
        assert!(binary.exists(), "{} is missing: run the tests with `cargo xtask test`", binary.display());
        let mut command = match open_files {
            Some(limit) => {
                let mut sh = Command::new("sh");
                sh.args([
                    "-c",
                    &format!("ulimit -S -n {limit} && exec \"$0\" \"$@\""),
                    &binary.display().to_string(),
                ]);
                sh
            }
            None => Command::new(&binary),
        };
        command
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--demo",
                "--database-url",
                db_url,
                "--rate-limit",
                "off",
            ])
            .args(extra_args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .kill_on_drop(true);
        match log {
            Some(path) => {
                command.env("RUST_LOG", "debug").stderr(std::fs::File::create(path).expect("a log file"));
            }
            None => {
                command.stderr(Stdio::null());
            }
        }
        let mut child = command.spawn().expect("tribefund starts");
        let mut lines = BufReader::new(child.stdout.take().expect("its output")).lines();
        let (mut address, mut demo_key) = (None, None);
        tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await.expect("its output") {
                if let Some(key) = line.strip_prefix("Seeded the demo site. Creator key (shown once): ") {
                    demo_key = Some(key.trim().to_owned());
                }
                if let Some(rest) = line.strip_prefix("tribefund is serving on ") {
                    address = Some(rest.trim_end_matches('/').to_owned());
                    return;
                }
            }
        })
        .await
        .expect("tribefund serves within 30 s");
        // Keep reading its output, so it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Process { child, address: address.expect("the address it serves on"), demo_key }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// SIGKILL: no shutdown, no flush, as a crash or the OOM killer.
    pub async fn kill(mut self) {
        self.child.kill().await.expect("the process is killed");
    }
}

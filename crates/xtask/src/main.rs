//! `cargo xtask`: tribefund's build and run tasks, in Rust so they work wherever cargo does.
//!
//! - `run [-- ARGS]`: build the widget, serve on 127.0.0.1:8080 with SQLite and the demo.
//! - `test`: install what the tests need, build the widget, run every test.
//! - `bench [SECTION …]`: figures, each beside a baseline measured in the same run.
//! - `fuzz [--cases N]`: run the property-based fuzzers with many cases.
//! - `dist`: build the widget's (and the dashboard's) wasm in release mode and report their size.
//! - `check-layout`: fail when a module outside `http/` names axum or a door (see `layout`).

mod bench;
mod bench_delivery;
mod bench_drop;
mod bench_export;
mod bench_mail;
mod bench_phone;
mod bench_share;
mod bench_soak;
mod bench_spread;
#[cfg(test)]
mod docs;
mod layout;
mod load;
mod setup;
mod wasm;
mod zip;

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

const USAGE: &str = "usage: cargo xtask <run [-- SERVER ARGS] | test [-- CARGO TEST ARGS] | bench [size reads phone pledges fanout drop postgres export delivery mail soak] | fuzz [--cases N] | check-layout | dist>";

/// A task and what it was given, as `cargo xtask` reads its arguments (a `--` before them
/// is skipped).
#[derive(Debug, PartialEq, Eq)]
enum Task {
    /// The arguments go to `tribefund serve --demo`.
    Run(Vec<String>),
    /// The arguments go to `cargo test --workspace`.
    Test(Vec<String>),
    /// The sections to run; all but `soak` when none is named.
    Bench(Vec<String>),
    /// How many cases each fuzzer tries.
    Fuzz(u32),
    Dist,
    /// Checks that doors stay under `http/` (see `layout`).
    CheckLayout,
    /// A load generator's child process (`bench_spread::viewers`).
    Viewers(Vec<String>),
}

impl Task {
    fn parse(args: impl IntoIterator<Item = String>) -> anyhow::Result<Task> {
        let mut args = args.into_iter();
        let task = args.next().unwrap_or_default();
        let rest: Vec<String> = args.skip_while(|a| a == "--").collect();
        Ok(match task.as_str() {
            "run" => Task::Run(rest),
            "test" => Task::Test(rest),
            "bench" => {
                if let Some(unknown) = rest.iter().find(|s| !bench::SECTIONS.contains(&s.as_str())) {
                    bail!("unknown bench section {unknown:?}\n{USAGE}");
                }
                Task::Bench(rest)
            }
            "fuzz" => Task::Fuzz(match rest.as_slice() {
                [flag, n] if flag == "--cases" => n.parse().context("--cases takes a number")?,
                [] => 20_000,
                _ => bail!("usage: cargo xtask fuzz [--cases N]"),
            }),
            "dist" if rest.is_empty() => Task::Dist,
            "check-layout" => Task::CheckLayout,
            "__viewers" => Task::Viewers(rest),
            "dist" => bail!("dist takes no arguments\n{USAGE}"),
            _ => bail!("unknown task {task:?}\n{USAGE}"),
        })
    }
}

fn main() -> anyhow::Result<()> {
    let task = Task::parse(std::env::args().skip(1))?;
    let root = root();
    std::env::set_current_dir(&root).with_context(|| format!("entering {}", root.display()))?;
    match task {
        Task::Run(server_args) => run(&root, &server_args),
        Task::Test(cargo_args) => test(&root, &cargo_args),
        Task::Bench(sections) => bench::run(&root, &sections),
        Task::Dist => dist(&root),
        Task::Fuzz(cases) => fuzz(cases),
        Task::CheckLayout => layout::check(&root),
        Task::Viewers(args) => bench_spread::viewers(&args),
    }
}

/// What the server serves that a build makes: the widget's and dashboard's wasm, and the
/// WordPress plugin's zip.
fn dist(root: &Path) -> anyhow::Result<()> {
    wasm::build(root)?;
    zip::wordpress(root)
}

/// The workspace root: two levels above this crate.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("xtask lives in crates/xtask")
        .to_path_buf()
}

fn run(root: &Path, server_args: &[String]) -> anyhow::Result<()> {
    setup::wasm_target()?;
    // Without a CJK font everything works but share posters (they answer 503).
    if let Err(e) = setup::fonts() {
        println!("share posters will be unavailable: {e:#}");
    }
    dist(root)?;
    let mut cmd = cargo();
    cmd.args(["run", "--release", "--package", "api", "--bin", "tribefund", "--", "serve", "--demo"]);
    // The mails the demo sends are written under data/mail, unless a server is given.
    if !server_args.iter().any(|a| a.starts_with("--smtp-url") || a.starts_with("--mail-dir")) {
        cmd.args(["--mail-dir", "data/mail"]);
    }
    cmd.args(server_args);
    println!("starting tribefund: open http://127.0.0.1:8080/ (or the address given with --listen)");
    status(&mut cmd)
}

fn test(root: &Path, cargo_args: &[String]) -> anyhow::Result<()> {
    layout::check(root)?;
    setup::wasm_target()?;
    setup::browser()?;
    setup::fonts()?;
    setup::localstripe(root)?;
    setup::aiosmtpd(root)?;
    setup::axe(root)?;
    setup::platforms()?;
    setup::postgres_note();
    dist(root)?;
    // The descriptor test runs the real binary under `ulimit -n 1024`.
    let mut build = cargo();
    build.args(["build", "-q", "-p", "api", "--bin", "tribefund"]);
    if !build.status().context("building tribefund")?.success() {
        bail!("building tribefund failed");
    }
    let mut cmd = cargo();
    cmd.args(["test", "--workspace"]).args(cargo_args);
    run_tests(&mut cmd)
}

/// Runs the property-based fuzzers (pledge and campaign JSON, the plain form, tokens, the
/// event-stream recogniser, `X-Forwarded-For` lines, the webhook address check, the widget's
/// JSON parser) with `cases` cases each, many more than `test` gives them.
fn fuzz(cases: u32) -> anyhow::Result<()> {
    let mut cmd = cargo();
    cmd.env("PROPTEST_CASES", cases.to_string()).args([
        "test",
        "--release",
        "-p",
        "domain",
        "-p",
        "api",
        "-p",
        "widget",
        "--lib",
        "--",
        "fuzz",
        "events::tests",
        "json::tests",
        "webhooks::address::tests",
    ]);
    run_tests(&mut cmd)
}

/// Runs `cargo test`, passing its output through, and ends with one line that adds up
/// every test binary's result.
fn run_tests(cmd: &mut Command) -> anyhow::Result<()> {
    use std::io::{BufRead, BufReader};
    let mut child =
        cmd.stdout(std::process::Stdio::piped()).spawn().with_context(|| format!("starting {cmd:?}"))?;
    let (mut passed, mut failed) = (0u64, 0u64);
    for line in BufReader::new(child.stdout.take().context("cargo test output")?).lines() {
        let line = line?;
        println!("{line}");
        if let Some(result) = line.strip_prefix("test result: ") {
            let count = |word: &str| -> u64 {
                result
                    .split(';')
                    .find_map(|part| part.trim().strip_suffix(word)?.trim().rsplit(' ').next()?.parse().ok())
                    .unwrap_or(0)
            };
            passed += count("passed");
            failed += count("failed");
        }
    }
    let status = child.wait()?;
    println!("all tests: {passed} passed, {failed} failed");
    if !status.success() {
        bail!("cargo test failed: {status}");
    }
    Ok(())
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Runs a command to completion, failing when it fails.
fn status(cmd: &mut Command) -> anyhow::Result<()> {
    let status = cmd.status().with_context(|| format!("starting {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed: {status}");
    }
    Ok(())
}

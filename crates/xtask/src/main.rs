//! `cargo xtask`: tribefund's build and run tasks, in Rust so they work wherever cargo does.
//!
//! - `run [-- ARGS]`: build the widget, serve on 127.0.0.1:8080 with SQLite and the demo.
//! - `test`: install what the tests need, build the widget, run every test.
//! - `bench`: measure what the widget costs a phone to load.
//! - `dist`: build the widget in release mode and report its size.
//! - `check-layout`: fail when a module outside `http/` names axum or a door (see `layout`).

mod bench;
mod bench_export;
mod bench_phone;
mod bench_soak;
mod layout;
mod load;
mod setup;
mod wasm;

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let task = args.next().unwrap_or_default();
    let rest: Vec<String> = args.skip_while(|a| a == "--").collect();
    let root = root();
    std::env::set_current_dir(&root).with_context(|| format!("entering {}", root.display()))?;
    match task.as_str() {
        "run" => run(&root, &rest),
        "test" => test(&root, &rest),
        "bench" => bench::run(&root, &rest),
        "dist" => wasm::build(&root).map(|_| ()),
        "fuzz" => fuzz(&rest),
        "check-layout" => layout::check(&root),
        _ => {
            eprintln!(
                "usage: cargo xtask <run [-- SERVER ARGS] | test [-- CARGO TEST ARGS] | bench [size phone reads pledges fanout postgres export soak] | fuzz [--cases N] | check-layout | dist>"
            );
            bail!("unknown task {task:?}")
        }
    }
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
    wasm::build(root)?;
    let mut cmd = cargo();
    cmd.args(["run", "--release", "--package", "api", "--bin", "tribefund", "--", "serve", "--demo"]);
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
    setup::axe(root)?;
    setup::postgres_note();
    wasm::build(root)?;
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
/// JSON parser) with many more cases than `test` gives them: 20,000 each
/// unless `--cases N` says otherwise.
fn fuzz(args: &[String]) -> anyhow::Result<()> {
    let cases = match args {
        [flag, n] if flag == "--cases" => n.parse::<u32>().context("--cases takes a number")?,
        [] => 20_000,
        _ => bail!("usage: cargo xtask fuzz [--cases N]"),
    };
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

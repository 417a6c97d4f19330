//! Building the widget's wasm (and the dashboard's) as `wasm-pack.toml` says, with
//! wasm-bindgen linked in as a library: its version is the `wasm-bindgen` crate's, exactly,
//! through Cargo.lock.

use crate::setup::WASM_TARGET;
use crate::{cargo, status};
use anyhow::Context;
use serde::Deserialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Config {
    build: BuildConfig,
    bindgen: BindgenConfig,
    #[serde(default)]
    wasm_opt: WasmOptConfig,
    /// A second crate built the same way into its own files.
    dashboard: Option<SecondBuild>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct SecondBuild {
    #[serde(rename = "crate")]
    krate: String,
    features: Vec<String>,
    out_name: String,
}

#[derive(Debug, Deserialize)]
struct BuildConfig {
    #[serde(rename = "crate")]
    krate: String,
    features: Vec<String>,
    profile: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct BindgenConfig {
    target: String,
    out_dir: PathBuf,
    out_name: String,
}

#[derive(Debug, Default, Deserialize)]
struct WasmOptConfig {
    #[serde(default)]
    flags: Vec<String>,
}

/// The files a build produced.
#[derive(Debug)]
pub(crate) struct Output {
    pub(crate) js: PathBuf,
    pub(crate) wasm: PathBuf,
}

/// Builds the widget, and the dashboard when `wasm-pack.toml` names it; the widget's files.
pub(crate) fn build(root: &Path) -> anyhow::Result<Output> {
    let text = std::fs::read_to_string(root.join("wasm-pack.toml")).context("reading wasm-pack.toml")?;
    let config: Config = toml::from_str(&text).context("parsing wasm-pack.toml")?;
    crate::setup::wasm_target()?;
    let out_dir = root.join(&config.bindgen.out_dir);
    let widget = build_one(
        root,
        &config,
        &config.build.krate,
        &config.build.features,
        &out_dir,
        &config.bindgen.out_name,
    )?;
    if let Some(second) = &config.dashboard {
        build_one(root, &config, &second.krate, &second.features, &out_dir, &second.out_name)?;
    }
    Ok(widget)
}

/// Builds `crates/floor` (a hydrating counter: Yew alone) exactly as the widget, into
/// `target/floor`, for the benchmark's baseline.
pub(crate) fn floor(root: &Path) -> anyhow::Result<Output> {
    let text = std::fs::read_to_string(root.join("wasm-pack.toml")).context("reading wasm-pack.toml")?;
    let config: Config = toml::from_str(&text).context("parsing wasm-pack.toml")?;
    let out_dir = target_dir(root).join("floor");
    build_one(root, &config, "floor", &["hydration".to_owned()], &out_dir, "floor")
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

fn build_one(
    root: &Path,
    config: &Config,
    krate: &str,
    features: &[String],
    out_dir: &Path,
    out_name: &str,
) -> anyhow::Result<Output> {
    let mut cmd = cargo();
    cmd.args(["build", "--lib", "--package", krate, "--target", WASM_TARGET]);
    cmd.args(["--profile", &config.build.profile]);
    if !features.is_empty() {
        cmd.args(["--features", &features.join(",")]);
    }
    status(&mut cmd)?;

    let input = target_dir(root).join(WASM_TARGET).join(&config.build.profile).join(format!("{krate}.wasm"));
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    bindgen.input_path(&input).out_name(out_name).typescript(false);
    // `TRIBEFUND_WASM_NAMES=1` keeps function names, for `twiggy top www/pkg/widget_bg.wasm`.
    let names = std::env::var_os("TRIBEFUND_WASM_NAMES").is_some();
    bindgen.remove_name_section(!names).remove_producers_section(true);
    match config.bindgen.target.as_str() {
        "web" => bindgen.web(true)?,
        "bundler" => bindgen.bundler(true)?,
        "no-modules" => bindgen.no_modules(true)?,
        other => anyhow::bail!("wasm-pack.toml: unsupported bindgen target {other:?}"),
    };
    bindgen.generate(out_dir).with_context(|| format!("running wasm-bindgen on {}", input.display()))?;

    let output = Output {
        js: out_dir.join(format!("{out_name}.js")),
        wasm: out_dir.join(format!("{out_name}_bg.wasm")),
    };
    wasm_opt(&output.wasm, &config.wasm_opt.flags)?;
    println!("{krate} built into {}:", out_dir.display());
    for file in [&output.wasm, &output.js] {
        let bytes = std::fs::read(file)?;
        // Served precompressed: the server sends these to browsers that take them.
        let (gz, br) = (gzip(&bytes), brotli(&bytes));
        std::fs::write(with_suffix(file, ".gz"), &gz)?;
        std::fs::write(with_suffix(file, ".br"), &br)?;
        println!(
            "  {:<20} {:>8} B raw {:>8} B gzip {:>8} B brotli",
            file.file_name().unwrap_or_default().to_string_lossy(),
            bytes.len(),
            gz.len(),
            br.len()
        );
    }
    Ok(output)
}

/// Shrinks the wasm with binaryen's `wasm-opt` when one is installed.
fn wasm_opt(wasm: &Path, flags: &[String]) -> anyhow::Result<()> {
    if flags.is_empty() || Command::new("wasm-opt").arg("--version").output().is_err() {
        return Ok(());
    }
    let optimised = wasm.with_extension("opt.wasm");
    let ok = Command::new("wasm-opt").args(flags).arg(wasm).arg("-o").arg(&optimised).status()?.success();
    if ok {
        std::fs::rename(&optimised, wasm)?;
    } else {
        println!("wasm-opt failed; keeping wasm-bindgen's output");
    }
    Ok(())
}

/// Bytes after gzip at the best level: what a compressing server sends.
pub(crate) fn gzip_len(bytes: &[u8]) -> usize {
    gzip(bytes).len()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

/// Brotli at its best quality: slow to make, once per build; smallest to send.
pub(crate) fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    brotli::BrotliCompress(&mut std::io::Cursor::new(bytes), &mut out, &params)
        .expect("compressing in memory");
    out
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

//! Installing what the build and the tests need on a fresh machine.

use crate::status;
use anyhow::{Context, bail};
use std::process::Command;

pub(crate) const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Adds the wasm32 target through rustup when it is missing.
pub(crate) fn wasm_target() -> anyhow::Result<()> {
    let installed = Command::new("rustup").args(["target", "list", "--installed"]).output();
    match installed {
        Ok(out) if String::from_utf8_lossy(&out.stdout).lines().any(|l| l.trim() == WASM_TARGET) => Ok(()),
        Ok(_) => {
            println!("installing the {WASM_TARGET} target");
            status(Command::new("rustup").args(["target", "add", WASM_TARGET]))
        }
        Err(e) => Err(e).context("rustup is needed to add the wasm32 target"),
    }
}

/// Makes sure Chromium and a matching chromedriver are installed, from Debian's packages.
pub(crate) fn browser() -> anyhow::Result<()> {
    if found("chromium") && found("chromedriver") {
        return Ok(());
    }
    println!("installing Chromium and chromedriver from Debian's packages");
    let sudo = !is_root();
    if sudo && !found("sudo") {
        bail!("Chromium is missing; install the Debian packages chromium and chromium-driver as root");
    }
    let apt = |args: &[&str]| {
        let mut cmd = if sudo { Command::new("sudo") } else { Command::new("apt-get") };
        if sudo {
            cmd.arg("apt-get");
        }
        cmd.env("DEBIAN_FRONTEND", "noninteractive").args(args);
        status(&mut cmd)
    };
    apt(&["update", "-q"])?;
    apt(&["install", "-y", "-q", "chromium", "chromium-driver"])?;
    if !found("chromium") || !found("chromedriver") {
        bail!("chromium and chromedriver are still not on PATH after installing them");
    }
    Ok(())
}

fn found(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

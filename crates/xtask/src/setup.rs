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
    apt_install(&["chromium", "chromium-driver"])?;
    if !found("chromium") || !found("chromedriver") {
        bail!("chromium and chromedriver are still not on PATH after installing them");
    }
    Ok(())
}

/// Makes sure the blogging platforms the integrations are tested against are installed,
/// from Debian's packages: Hugo, Jekyll, and WordPress with PHP and the MariaDB client (the
/// MariaDB server is the machine's, at 127.0.0.1:3306).
pub(crate) fn platforms() -> anyhow::Result<()> {
    let wordpress = std::path::Path::new("/usr/share/wordpress/wp-settings.php");
    let mut missing = Vec::new();
    for tool in ["hugo", "jekyll"] {
        if !found(tool) {
            missing.push(tool);
        }
    }
    if !wordpress.is_file() || !found("php") || !found("mysql") {
        missing.extend(["wordpress", "php-cli", "php-mysql", "mariadb-client"]);
    }
    if missing.is_empty() {
        return Ok(());
    }
    println!("installing {} from Debian's packages, to test the integrations against", missing.join(" "));
    apt_install(&missing)?;
    if !found("hugo") || !found("jekyll") || !wordpress.is_file() || !found("php") {
        bail!("hugo, jekyll, php or WordPress are still missing after installing them");
    }
    Ok(())
}

/// Debian's CJK fonts, where the server looks for one to draw share posters with (the
/// same list as `api::tribe::FONT_PATHS`).
const CJK_FONTS: [&str; 3] = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
];

/// Makes sure a CJK font is installed for share posters (Debian's fonts-wqy-microhei, 5 MB).
pub(crate) fn fonts() -> anyhow::Result<()> {
    if CJK_FONTS.iter().any(|path| std::path::Path::new(path).is_file()) {
        return Ok(());
    }
    println!("installing a CJK font for share posters from Debian's packages");
    apt_install(&["fonts-wqy-microhei"])
}

/// Installs Debian packages, as root or through sudo.
fn apt_install(packages: &[&str]) -> anyhow::Result<()> {
    let sudo = !is_root();
    if sudo && !found("sudo") {
        bail!("install the Debian packages {} as root", packages.join(" "));
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
    let mut install = vec!["install", "-y", "-q"];
    install.extend_from_slice(packages);
    apt(&install)
}

fn found(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The stand-in for Stripe the payment tests run against, pinned.
const LOCALSTRIPE: &str = "localstripe==1.15.10";

/// Installs localstripe (PyPI) into a virtual environment under `target/localstripe`, where
/// the tests look for it; says so when Python is missing (the card tests are then skipped,
/// or fail with `CI=true`).
pub(crate) fn localstripe(root: &std::path::Path) -> anyhow::Result<()> {
    let venv = root.join("target/localstripe");
    let program = venv.join("bin/localstripe");
    if program.is_file() {
        return Ok(());
    }
    if !found("python3") {
        println!(
            "python3 is missing: the card payment tests need localstripe and will be SKIPPED (fail with CI=true)"
        );
        return Ok(());
    }
    println!("installing {LOCALSTRIPE} (PyPI) into {}", venv.display());
    status(Command::new("python3").arg("-m").arg("venv").arg(&venv))
        .context("making a Python virtual environment (Debian: apt-get install python3-venv)")?;
    status(Command::new(venv.join("bin/pip")).args(["install", "-q", LOCALSTRIPE]))?;
    if !program.is_file() {
        bail!("{LOCALSTRIPE} installed, but {} is missing", program.display());
    }
    Ok(())
}

/// The SMTP server the mail tests send to, and the DKIM checker its sink runs, pinned.
const AIOSMTPD: [&str; 2] = ["aiosmtpd==1.4.6", "dkimpy==1.1.8"];

/// Installs aiosmtpd (PyPI) into a virtual environment under `target/aiosmtpd`, whose
/// Python runs the mail tests' SMTP server; says so when python3 is missing.
pub(crate) fn aiosmtpd(root: &std::path::Path) -> anyhow::Result<()> {
    let venv = root.join("target/aiosmtpd");
    let python = venv.join("bin/python3");
    let wanted = AIOSMTPD.join(" ");
    if python.is_file() && std::fs::read_to_string(venv.join(".installed")).is_ok_and(|had| had == wanted) {
        return Ok(());
    }
    if !found("python3") {
        println!("python3 is missing: the mail tests need aiosmtpd and will be SKIPPED (fail with CI=true)");
        return Ok(());
    }
    println!("installing {wanted} (PyPI) into {}", venv.display());
    status(Command::new("python3").arg("-m").arg("venv").arg(&venv))
        .context("making a Python virtual environment (Debian: apt-get install python3-venv)")?;
    status(Command::new(venv.join("bin/pip")).args(["install", "-q"]).args(AIOSMTPD))?;
    std::fs::write(venv.join(".installed"), wanted)?;
    Ok(())
}

/// axe-core, the accessibility checker the browser tests run in each page, pinned.
const AXE: &str = "axe-core@4.14.1";

/// Installs axe-core (npm) under `target/axe`, where the tests look for it; says so when npm
/// is missing (the accessibility tests are then skipped, or fail with `CI=true`).
pub(crate) fn axe(root: &std::path::Path) -> anyhow::Result<()> {
    let folder = root.join("target/axe");
    if folder.join("node_modules/axe-core/axe.min.js").is_file() {
        return Ok(());
    }
    if !found("npm") {
        println!(
            "npm is missing: the accessibility tests need axe-core and will be SKIPPED (fail with CI=true)"
        );
        return Ok(());
    }
    println!("installing {AXE} (npm) into {}", folder.display());
    std::fs::create_dir_all(&folder)?;
    status(
        Command::new("npm")
            .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
            .arg(&folder)
            .arg(AXE),
    )
}

/// Says up front whether the PostgreSQL tests will run: they need a server (by default
/// 127.0.0.1:5432, or `TRIBEFUND_TEST_POSTGRES`), are skipped without one, and fail
/// without one when `CI=true`.
pub(crate) fn postgres_note() {
    let url = std::env::var("TRIBEFUND_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let host =
        url.split('@').nth(1).unwrap_or("127.0.0.1:5432").split('/').next().unwrap_or("127.0.0.1:5432");
    let address = if host.contains(':') { host.to_owned() } else { format!("{host}:5432") };
    let reachable = std::net::ToSocketAddrs::to_socket_addrs(&address)
        .ok()
        .and_then(|mut addrs| addrs.next())
        .is_some_and(|addr| {
            std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(2)).is_ok()
        });
    if reachable {
        println!("PostgreSQL answers at {address}: its tests run");
    } else if std::env::var("CI").is_ok_and(|v| v == "true") {
        println!("PostgreSQL does not answer at {address}: with CI=true its tests will fail");
    } else {
        println!("PostgreSQL does not answer at {address}: its tests will be SKIPPED (they print SKIPPED)");
    }
}

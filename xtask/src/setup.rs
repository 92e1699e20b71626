//! Installs what the project needs, and only what is missing, so a second
//! run takes seconds: Debian packages (GStreamer, and for tests Chromium and
//! PostgreSQL), the wasm32 target (and for tests the board firmware's
//! thumbv7em target), Trunk, `wasm-bindgen-cli` at exactly the
//! version in Cargo.lock, `wasm-opt` from the npm package `binaryen`
//! (Debian's is too old and produces broken wasm), and the e2e node
//! packages. Everything comes from the package registries; no step
//! downloads a prebuilt binary from elsewhere.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{root, status};

/// Trunk version the build is tested with.
const TRUNK_VERSION: &str = "0.22.1";
/// binaryen (wasm-opt) version; matches `wasm_opt` in Trunk.toml.
const BINARYEN_VERSION: &str = "132.0.0";

/// What the installation is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Building and running the server.
    Serve,
    /// Also running every test.
    Test,
}

/// Debian packages needed to build and run the server.
const SERVE_PACKAGES: &[&str] = &[
    "pkg-config",
    "libgstreamer1.0-dev",
    "libgstreamer-plugins-base1.0-dev",
    "gstreamer1.0-plugins-base",
    "gstreamer1.0-plugins-good",
    "gstreamer1.0-plugins-bad",
    "gstreamer1.0-plugins-ugly",
    "gstreamer1.0-libav",
    "gstreamer1.0-tools",
    "gstreamer1.0-libcamera",
    // v4l2-ctl: lists and sets a USB camera's controls (focus, exposure...).
    "v4l-utils",
];

/// Debian packages for node and npm (wasm-opt and Playwright come from
/// npm), installed only when the commands are missing: a machine may have
/// another build of node that Debian's npm package would conflict with.
const NODE_PACKAGES: &[&str] = &["nodejs", "npm"];

/// Extra Debian packages for the tests. `postgresql` (version 15 on Debian
/// 12) provides the throwaway server of `postgres.rs`; `ffmpeg` provides
/// the `ffprobe` that checks recordings independently of GStreamer.
const TEST_PACKAGES: &[&str] = &["chromium", "chromium-driver", "postgresql", "ffmpeg"];

/// Locations of installed tools.
pub struct Tools {
    /// Folders put in front of PATH for every command.
    path: Vec<PathBuf>,
}

impl Tools {
    /// A command for `program` with the tool folders first on PATH.
    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        let mut dirs = self.path.clone();
        if let Some(path) = std::env::var_os("PATH") {
            dirs.extend(std::env::split_paths(&path));
        }
        if let Ok(joined) = std::env::join_paths(dirs) {
            command.env("PATH", joined);
        }
        command
    }
}

fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root"))
}

/// Folder for node-installed tools (wasm-opt); `CAMRIG_TOOLS` overrides.
fn tools_dir() -> PathBuf {
    std::env::var_os("CAMRIG_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| home().join(".local/share/camrig-tools"))
}

/// Installs whatever is missing for `purpose`.
pub fn ensure(purpose: Purpose) -> Result<Tools> {
    let started = std::time::Instant::now();
    let mut packages: Vec<&str> = SERVE_PACKAGES.to_vec();
    if purpose == Purpose::Test {
        packages.extend_from_slice(TEST_PACKAGES);
    }
    if output(Command::new("npm").arg("--version")).is_none() {
        packages.extend_from_slice(NODE_PACKAGES);
    }
    apt(&packages)?;
    let cargo_bin = home().join(".cargo/bin");
    let tools = Tools {
        path: vec![tools_dir().join("node_modules/.bin"), cargo_bin],
    };
    rust_target("wasm32-unknown-unknown")?;
    if purpose == Purpose::Test {
        rust_target(BOARD_TARGET)?;
    }
    trunk(&tools)?;
    wasm_bindgen(&tools)?;
    wasm_opt(&tools)?;
    if purpose == Purpose::Test {
        e2e_packages(&tools)?;
    }
    println!(
        "xtask: setup complete in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(tools)
}

/// Output of a command, if it ran and succeeded.
fn output(command: &mut Command) -> Option<String> {
    let out = command.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn apt(packages: &[&str]) -> Result<()> {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| {
            output(Command::new("dpkg-query").args(["-W", "-f=${Status}", p]))
                .is_none_or(|s| !s.ends_with("installed"))
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    println!("xtask: installing Debian packages: {}", missing.join(" "));
    let lock = ["-o", "DPkg::Lock::Timeout=600"];
    let mut update = Command::new("apt-get");
    update.args(lock).args(["update", "-q"]);
    status(&mut update)?;
    let mut install = Command::new("apt-get");
    install
        .args(lock)
        .args(["install", "-y", "-q"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive");
    status(&mut install)
}

/// The board firmware's target (ItsyBitsy M4, Cortex-M4F).
pub const BOARD_TARGET: &str = "thumbv7em-none-eabihf";

/// Adds a Rust compilation target unless it is installed.
fn rust_target(target: &str) -> Result<()> {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]))
        .context("rustup is needed (the Rust toolchain manager)")?;
    if installed.lines().any(|l| l.trim() == target) {
        return Ok(());
    }
    status(Command::new("rustup").args(["target", "add", target]))
}

fn cargo_install(tools: &Tools, args: &[&str]) -> Result<()> {
    let mut install = tools.command("cargo");
    install.arg("install").args(args);
    status(&mut install)
}

fn trunk(tools: &Tools) -> Result<()> {
    let have = output(tools.command("trunk").arg("--version"));
    if have.as_deref() == Some(&format!("trunk {TRUNK_VERSION}")) {
        return Ok(());
    }
    // Trunk declares a newer rustc than this machine's; it builds and works.
    cargo_install(
        tools,
        &[
            "trunk",
            "--version",
            TRUNK_VERSION,
            "--locked",
            "--ignore-rust-version",
        ],
    )
}

/// The wasm-bindgen version recorded in Cargo.lock.
fn locked_wasm_bindgen() -> Result<String> {
    let lock =
        std::fs::read_to_string(root().join("Cargo.lock")).context("cannot read Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_owned());
        }
    }
    bail!("wasm-bindgen is not in Cargo.lock")
}

fn wasm_bindgen(tools: &Tools) -> Result<()> {
    let version = locked_wasm_bindgen()?;
    let have = output(tools.command("wasm-bindgen").arg("--version"));
    if have.as_deref() == Some(&format!("wasm-bindgen {version}")) {
        return Ok(());
    }
    // Not --locked: its lock file names a crate version the registry lacks.
    cargo_install(
        tools,
        &["wasm-bindgen-cli", "--version", &version, "--force"],
    )
}

fn wasm_opt(tools: &Tools) -> Result<()> {
    let major = BINARYEN_VERSION.split('.').next().unwrap_or_default();
    let have = output(tools.command("wasm-opt").arg("--version"));
    if have.is_some_and(|v| v.contains(&format!("version_{major}"))) {
        return Ok(());
    }
    let dir = tools_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut npm = Command::new("npm");
    npm.args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(&dir)
        .arg(format!("binaryen@{BINARYEN_VERSION}"));
    status(&mut npm)
}

fn e2e_packages(tools: &Tools) -> Result<()> {
    let e2e = root().join("e2e");
    let installed = e2e.join("node_modules/.package-lock.json");
    let lock = e2e.join("package-lock.json");
    let fresh = match (std::fs::metadata(&installed), std::fs::metadata(&lock)) {
        (Ok(i), Ok(l)) => match (i.modified(), l.modified()) {
            (Ok(i), Ok(l)) => i >= l,
            _ => false,
        },
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    let mut npm = tools.command("npm");
    npm.args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&e2e)
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
    status(&mut npm)
}

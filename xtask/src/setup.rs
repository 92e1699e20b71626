//! Installs what the project needs, and only what is missing, so a second
//! run takes seconds: Debian packages (GStreamer, and for tests Chromium and
//! PostgreSQL), the wasm32 target (and for tests the board firmware's
//! thumbv7em target), Trunk, `wasm-bindgen-cli` at exactly the
//! version in Cargo.lock, `wasm-opt` from the npm package `binaryen`
//! (Debian's is too old and produces broken wasm), and for the tests the
//! e2e node packages and three Python virtual environments from PyPI
//! (schemathesis; neurokit2 for the heart-rate reference, which
//! [`ensure_hr_venv`] installs alone for `cargo xtask hr-eval`; Flask for
//! the bench's baseline, `xtask/bench/flask_example.py`, in a virtual
//! environment of Debian's python3 that sees its GStreamer bindings).
//! Everything comes from the package registries; no step downloads a
//! prebuilt binary from elsewhere.
//!
//! A Debian package counts as installed only when dpkg says so exactly
//! ([`is_installed`]); after installing, the setup checks that everything
//! the product needs really works (every GStreamer element of the backend's
//! requirements table, `v4l2-ctl`, and for the tests `ffprobe`, Chromium and
//! PostgreSQL) and fails naming the missing piece and its package. The two
//! cargo-built tools compile while apt and npm work, each step is timed,
//! and the cargo-built tools skip what the build does not use (Trunk's
//! update check, fat LTO on two cores) to cut the first run's wait.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::{requirements, root, status};

/// Trunk version the build is tested with.
const TRUNK_VERSION: &str = "0.22.1";
/// binaryen (wasm-opt) version; matches `wasm_opt` in Trunk.toml.
const BINARYEN_VERSION: &str = "132.0.0";
/// schemathesis (PyPI) version, for the API fuzz of the tests.
pub const SCHEMATHESIS_VERSION: &str = "4.32.5";
/// neurokit2 (PyPI) version: the reference beats of `cargo xtask hr-eval`
/// (`xtask/hr_reference.py`), in their own virtual environment.
pub const NEUROKIT2_VERSION: &str = "0.3.0";
/// Flask (PyPI) version of the bench's baseline, the Flask streaming
/// example (`xtask/bench/flask_example.py`), in [`flask_venv`].
pub const FLASK_VERSION: &str = "3.1.3";
/// Debian's Python: the one its python3-gi (GStreamer's bindings) is
/// built for; a python3 earlier on PATH (pyenv's, say) cannot import it.
const DEBIAN_PYTHON: &str = "/usr/bin/python3";

/// What the installation is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
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
    // timeoverlay (the test camera's clock) is in the pango plugin.
    "gstreamer1.0-x",
    "gstreamer1.0-plugins-good",
    "gstreamer1.0-plugins-bad",
    "gstreamer1.0-plugins-ugly",
    "gstreamer1.0-libav",
    "gstreamer1.0-tools",
    "gstreamer1.0-libcamera",
    // rtspclientsink: the restream to an RTSP media server.
    "gstreamer1.0-rtsp",
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
/// `curl` runs the README's curl examples. `libnss3-tools` has `certutil`,
/// which puts the rig's certificate authority into the NSS database the
/// HTTPS browser test gives Chromium.
const TEST_PACKAGES: &[&str] = &[
    "chromium",
    "chromium-driver",
    "postgresql",
    "ffmpeg",
    "curl",
    "libnss3-tools",
    // systemd-analyze checks the service unit (backend/deploy/).
    "systemd",
    // The bench's Flask example: GStreamer from Debian's python3, and
    // `python3 -m venv` for its virtual environment.
    "python3-gi",
    "gir1.2-gstreamer-1.0",
    "gir1.2-gst-plugins-base-1.0",
    "python3-venv",
];

/// Programs the tests run: the program, the argument that makes it print
/// its version, and the package that provides it. PostgreSQL is checked
/// through `postgres.rs`, which finds its server binaries.
const TEST_PROGRAMS: &[(&str, &str, &str)] = &[
    ("ffprobe", "-version", "ffmpeg"),
    ("chromium", "--version", "chromium"),
    ("chromedriver", "--version", "chromium-driver"),
    ("curl", "--version", "curl"),
    // certutil has no --version; this prints its build flags and succeeds.
    ("certutil", "--build-flags", "libnss3-tools"),
    ("systemd-analyze", "--version", "systemd"),
];

/// Locations of installed tools.
#[derive(Clone)]
pub struct Tools {
    /// Folders put in front of PATH for every command.
    path: Vec<PathBuf>,
}

impl Tools {
    fn new() -> Self {
        Tools {
            path: vec![
                tools_dir().join("node_modules/.bin"),
                test_venv().join("bin"),
                home().join(".cargo/bin"),
            ],
        }
    }

    /// A command for `program` with the tool folders first on PATH.
    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command.env("PATH", self.search_path());
        command
    }

    /// PATH with the tool folders first.
    fn search_path(&self) -> std::ffi::OsString {
        let mut dirs = self.path.clone();
        if let Some(path) = std::env::var_os("PATH") {
            dirs.extend(std::env::split_paths(&path));
        }
        std::env::join_paths(dirs).unwrap_or_default()
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

/// Folder for the logs and reports of xtask steps (install logs, the
/// Playwright JSON report).
pub fn log_dir() -> PathBuf {
    root().join("target/xtask")
}

/// Runs `step`, printing how long it took.
fn timed<T>(name: &str, step: impl FnOnce() -> Result<T>) -> Result<T> {
    let started = Instant::now();
    let result = step();
    let outcome = if result.is_ok() { "done" } else { "FAILED" };
    println!(
        "xtask: setup step `{name}` {outcome} in {}",
        seconds(started.elapsed())
    );
    result
}

fn seconds(elapsed: Duration) -> String {
    format!("{:.1} s", elapsed.as_secs_f64())
}

/// Installs whatever is missing for `purpose`, then checks that everything
/// the product (and for `Test` the test suite) needs is really there.
pub fn ensure(purpose: Purpose) -> Result<Tools> {
    let started = Instant::now();
    let tools = Tools::new();
    // The cargo-built tools need only Rust and a C compiler: they compile
    // while apt and npm download and unpack.
    let result = std::thread::scope(|scope| {
        let rust = scope.spawn(|| rust_tools(purpose, &tools));
        let system = system_tools(purpose, &tools);
        let rust = rust
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the Rust tools step panicked")));
        match (system, rust) {
            (Ok(()), Ok(())) => Ok(()),
            (Err(e), Ok(())) | (Ok(()), Err(e)) => Err(e),
            (Err(a), Err(b)) => Err(a.context(format!("{b:#}"))),
        }
    });
    result?;
    timed("check what the product needs", || {
        check_needs(purpose, &tools)
    })?;
    println!("xtask: setup complete in {}", seconds(started.elapsed()));
    Ok(tools)
}

/// Debian packages, then npm's tools.
fn system_tools(purpose: Purpose, tools: &Tools) -> Result<()> {
    let packages = packages(purpose);
    timed("Debian packages", || apt(&packages))?;
    timed("wasm-opt (npm binaryen)", || wasm_opt(tools))?;
    if purpose == Purpose::Test {
        timed("e2e npm packages", || e2e_packages(tools))?;
        timed("schemathesis (PyPI)", || schemathesis(tools))?;
        timed("neurokit2 (PyPI, hr-venv)", || neurokit2(tools))?;
        timed("Flask (PyPI, flask-venv)", || flask(tools))?;
    }
    Ok(())
}

/// Installs only the heart-rate reference's virtual environment (what
/// `cargo xtask hr-eval` needs, without the rest of the test setup).
pub fn ensure_hr_venv() -> Result<Tools> {
    let tools = Tools::new();
    timed("neurokit2 (PyPI, hr-venv)", || neurokit2(&tools))?;
    Ok(tools)
}

/// The heart-rate reference's virtual environment (neurokit2).
pub fn hr_venv() -> PathBuf {
    tools_dir().join("hr-venv")
}

/// The Python of [`hr_venv`].
pub fn hr_python() -> PathBuf {
    hr_venv().join("bin/python")
}

/// neurokit2's version in [`hr_venv`], if it imports there.
fn neurokit2_version() -> Option<String> {
    output(Command::new(hr_python()).args(["-c", "import neurokit2; print(neurokit2.__version__)"]))
}

/// Whether neurokit2 [`NEUROKIT2_VERSION`] imports from [`hr_venv`].
/// Importing it takes seconds, so a success is remembered for the rest of
/// the run (the install step and the check of needs then import once).
fn has_neurokit2() -> bool {
    use std::sync::atomic::{AtomicBool, Ordering};
    static FOUND: AtomicBool = AtomicBool::new(false);
    if FOUND.load(Ordering::Relaxed) {
        return true;
    }
    let found = neurokit2_version().as_deref() == Some(NEUROKIT2_VERSION);
    FOUND.store(found, Ordering::Relaxed);
    found
}

/// neurokit2 in its own virtual environment in the tools folder (apart
/// from schemathesis's: their dependencies need not agree).
fn neurokit2(tools: &Tools) -> Result<()> {
    if has_neurokit2() {
        return Ok(());
    }
    let venv = hr_venv();
    pip_install(tools, &venv, &format!("neurokit2=={NEUROKIT2_VERSION}"))?;
    if !has_neurokit2() {
        bail!(
            "neurokit2 {NEUROKIT2_VERSION} was installed in {} but it imports as {}",
            venv.display(),
            neurokit2_version()
                .as_deref()
                .unwrap_or("nothing (the import fails)")
        );
    }
    Ok(())
}

/// The virtual environment of the bench's Flask example: Debian's python3
/// with its system packages visible (python3-gi), and Flask from PyPI.
pub fn flask_venv() -> PathBuf {
    tools_dir().join("flask-venv")
}

/// The Python of [`flask_venv`].
pub fn flask_python() -> PathBuf {
    flask_venv().join("bin/python")
}

/// What the Flask example imports, ending with Flask's version.
const FLASK_PROBE: &str = "import importlib.metadata, gi; \
    gi.require_version('Gst', '1.0'); gi.require_version('GstApp', '1.0'); \
    from gi.repository import Gst, GstApp; import flask; \
    print(importlib.metadata.version('flask'))";

/// Flask's version in [`flask_venv`], if it and GStreamer's bindings
/// import there.
fn flask_version() -> Option<String> {
    output(Command::new(flask_python()).args(["-c", FLASK_PROBE]))
}

/// Whether [`flask_venv`] has everything the Flask example imports, with
/// Flask at [`FLASK_VERSION`].
fn has_flask() -> bool {
    flask_version().as_deref() == Some(FLASK_VERSION)
}

/// Flask in a virtual environment of Debian's python3 that sees its
/// system packages (GStreamer's bindings come from Debian, not PyPI). An
/// environment made from another Python, which cannot import them, is
/// made anew.
fn flask(tools: &Tools) -> Result<()> {
    if has_flask() {
        return Ok(());
    }
    let venv = flask_venv();
    let sees_gi = output(Command::new(flask_python()).args(["-c", "import gi"])).is_some();
    if venv.exists() && !sees_gi {
        println!(
            "xtask: {} cannot import GStreamer's bindings; making it anew",
            venv.display()
        );
        std::fs::remove_dir_all(&venv)
            .with_context(|| format!("cannot remove {}", venv.display()))?;
    }
    if !venv.join("bin/pip").is_file() {
        let mut python = Command::new(DEBIAN_PYTHON);
        python
            .args(["-m", "venv", "--system-site-packages"])
            .arg(&venv);
        status(&mut python)?;
    }
    pip_install(tools, &venv, &format!("flask=={FLASK_VERSION}"))?;
    if !has_flask() {
        bail!(
            "Flask {FLASK_VERSION} was installed in {} but its imports give {}",
            venv.display(),
            flask_version()
                .as_deref()
                .unwrap_or("an error (is python3-gi installed?)")
        );
    }
    Ok(())
}

/// schemathesis in its own virtual environment in the tools folder.
fn schemathesis(tools: &Tools) -> Result<()> {
    if has_schemathesis(tools) {
        return Ok(());
    }
    pip_install(
        tools,
        &test_venv(),
        &format!("schemathesis=={SCHEMATHESIS_VERSION}"),
    )
}

/// Whether schemathesis runs and is the pinned version.
fn has_schemathesis(tools: &Tools) -> bool {
    output(tools.command("schemathesis").arg("--version"))
        .is_some_and(|v| v.contains(SCHEMATHESIS_VERSION))
}

/// The virtual environment of the test tools (schemathesis).
fn test_venv() -> PathBuf {
    tools_dir().join("venv")
}

/// Installs `requirement` from PyPI into the virtual environment `venv`,
/// making it first if it does not exist.
fn pip_install(tools: &Tools, venv: &Path, requirement: &str) -> Result<()> {
    if !venv.join("bin/pip").is_file() {
        let mut python = tools.command("python3");
        python.args(["-m", "venv"]).arg(venv);
        status(&mut python)?;
    }
    let mut pip = Command::new(venv.join("bin/pip"));
    pip.args(["install", "--quiet", "--disable-pip-version-check"])
        .arg(requirement);
    status(&mut pip)
}

/// Rust targets, Trunk and wasm-bindgen-cli.
fn rust_tools(purpose: Purpose, tools: &Tools) -> Result<()> {
    timed("Rust targets", || {
        rust_target("wasm32-unknown-unknown")?;
        if purpose == Purpose::Test {
            rust_target(BOARD_TARGET)?;
        }
        Ok(())
    })?;
    timed("trunk", || trunk(tools))?;
    timed("wasm-bindgen-cli", || wasm_bindgen(tools))
}

/// The Debian packages `purpose` needs, node's only when npm is missing.
fn packages(purpose: Purpose) -> Vec<&'static str> {
    let mut packages: Vec<&str> = SERVE_PACKAGES.to_vec();
    if purpose == Purpose::Test {
        packages.extend_from_slice(TEST_PACKAGES);
    }
    if output(Command::new("npm").arg("--version")).is_none() {
        packages.extend_from_slice(NODE_PACKAGES);
    }
    packages
}

/// Output of a command, if it ran and succeeded.
fn output(command: &mut Command) -> Option<String> {
    let out = command.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Whether dpkg's `${Status}` output means installed. `None` is a package
/// dpkg has never heard of. The status is "want error state", for example
/// `install ok installed`; only the state `installed` counts, not
/// `not-installed`, `config-files` (removed), `half-installed`, `unpacked`,
/// `half-configured`, `triggers-awaited` or `triggers-pending`. A package
/// of several architectures prints one status per line; one installed
/// architecture is enough.
pub fn is_installed(status: Option<&str>) -> bool {
    status.is_some_and(|s| {
        s.lines()
            .any(|line| line.split_whitespace().last() == Some("installed"))
    })
}

/// dpkg's status of `package`, `None` if dpkg does not know it.
fn dpkg_status(package: &str) -> Option<String> {
    output(Command::new("dpkg-query").args(["-W", "-f=${Status}\n", package]))
}

/// The packages of `packages` that are not installed.
fn not_installed<'a>(packages: &[&'a str]) -> Vec<&'a str> {
    packages
        .iter()
        .copied()
        .filter(|p| !is_installed(dpkg_status(p).as_deref()))
        .collect()
}

fn apt(packages: &[&str]) -> Result<()> {
    let missing = not_installed(packages);
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
    status(&mut install)?;
    verify_installed(packages)
}

/// Fails unless every package of `packages` is installed.
fn verify_installed(packages: &[&str]) -> Result<()> {
    let missing = not_installed(packages);
    if !missing.is_empty() {
        bail!(
            "these Debian packages are still not installed: {}",
            missing.join(" ")
        );
    }
    Ok(())
}

/// Checks, without installing anything, that every Debian package the
/// setup for `purpose` installs is installed and every need is met: what
/// `.ci/run` asserts after the setup, so a green run cannot hide a missing
/// install step.
pub fn verify(purpose: Purpose) -> Result<()> {
    let packages = packages(purpose);
    verify_installed(&packages)?;
    println!(
        "xtask: all {} Debian packages of the setup are installed: {}",
        packages.len(),
        packages.join(" ")
    );
    check_needs(purpose, &Tools::new())
}

/// Checks that what the product needs is really there (not only that its
/// packages are): every GStreamer element and helper program in the
/// backend's requirements table, and for the tests `ffprobe`, Chromium,
/// ChromeDriver, a PostgreSQL server and the Python environments
/// (schemathesis, neurokit2, and Flask with GStreamer's bindings for the
/// bench's Flask example).
fn check_needs(purpose: Purpose, tools: &Tools) -> Result<()> {
    let mut problems = Vec::new();
    let inspect = "gst-inspect-1.0";
    if output(Command::new(inspect).arg("--version")).is_none() {
        problems.push(format!(
            "the program '{inspect}' is missing; install the Debian package gstreamer1.0-tools"
        ));
    } else {
        // Not `--exists`: it also compares the plugin's version with
        // GStreamer's, and fails for libcamera's (0.x) plugin.
        let has_element = |name: &str| {
            Command::new(inspect)
                .arg(name)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        let path = tools.search_path();
        let has_program = |name: &str| requirements::on_path_in(name, &path);
        for unavailable in requirements::unavailable(has_element, has_program) {
            problems.push(format!(
                "{} cannot work: {}",
                unavailable.feature.label(),
                unavailable.reason
            ));
        }
    }
    if purpose == Purpose::Test {
        for (program, version, package) in TEST_PROGRAMS {
            if output(tools.command(program).arg(version)).is_none() {
                problems.push(format!(
                    "the tests need '{program}', which does not run; \
                     install the Debian package {package}"
                ));
            }
        }
        if !has_schemathesis(tools) {
            problems.push(format!(
                "the tests need schemathesis {SCHEMATHESIS_VERSION} (PyPI) in {}",
                test_venv().display()
            ));
        }
        if !has_neurokit2() {
            problems.push(format!(
                "the heart-rate reference needs neurokit2 {NEUROKIT2_VERSION} (PyPI) in {}",
                hr_venv().display()
            ));
        }
        if !has_flask() {
            problems.push(format!(
                "the bench's Flask example needs Flask {FLASK_VERSION} (PyPI) and Debian's \
                 python3-gi in {}",
                flask_venv().display()
            ));
        }
        if let Err(err) = crate::postgres::bin_dir() {
            problems.push(format!("the tests need PostgreSQL: {err:#}"));
        }
    }
    if !problems.is_empty() {
        bail!(
            "the setup finished but some of what is needed is missing:\n  - {}",
            problems.join("\n  - ")
        );
    }
    println!(
        "xtask: all {} GStreamer elements and {} programs the server needs are present",
        requirements::ELEMENTS.len(),
        requirements::PROGRAMS.len()
    );
    Ok(())
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

/// `cargo install ARGS` with its output in a log file (it runs beside apt,
/// whose output stays on the terminal); the log's tail is shown if it
/// fails. The release profile is overridden for these tools: no LTO and
/// parallel code generation build them several times faster on two cores,
/// and they spend their time waiting for cargo and wasm-opt anyway.
fn cargo_install(tools: &Tools, name: &str, args: &[&str]) -> Result<()> {
    let dir = log_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let log_path = dir.join(format!("install-{name}.log"));
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("cannot create {}", log_path.display()))?;
    let mut install = tools.command("cargo");
    install
        .arg("install")
        .args(args)
        .env("CARGO_PROFILE_RELEASE_LTO", "off")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "2")
        .stdout(log.try_clone()?)
        .stderr(log);
    println!(
        "xtask: building {name} in the background (log: {})",
        log_path.display()
    );
    status(&mut install).inspect_err(|_| print_tail(&log_path, 40))
}

/// Prints the last `lines` lines of a log file.
fn print_tail(path: &Path, lines: usize) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    eprintln!("xtask: last lines of {}:", path.display());
    for line in &all[all.len().saturating_sub(lines)..] {
        eprintln!("  {line}");
    }
}

fn trunk(tools: &Tools) -> Result<()> {
    let have = output(tools.command("trunk").arg("--version"));
    if have.as_deref() == Some(&format!("trunk {TRUNK_VERSION}")) {
        return Ok(());
    }
    // Trunk declares a newer rustc than this machine's; it builds and works.
    // Without default features: no update check (it would call the network
    // at every start); rustls is the one TLS stack it insists on.
    cargo_install(
        tools,
        "trunk",
        &[
            "trunk",
            "--version",
            TRUNK_VERSION,
            "--locked",
            "--ignore-rust-version",
            "--no-default-features",
            "--features",
            "rustls",
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
    // Only the `wasm-bindgen` binary (Trunk runs nothing else), without
    // the TLS client its test runner uses to download drivers.
    cargo_install(
        tools,
        "wasm-bindgen-cli",
        &[
            "wasm-bindgen-cli",
            "--version",
            &version,
            "--force",
            "--no-default-features",
            "--bin",
            "wasm-bindgen",
        ],
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every status dpkg can print, and a package it has never heard of.
    #[test]
    fn only_the_installed_state_counts() {
        let cases = [
            ("install ok installed", true),
            ("hold ok installed", true),
            ("unknown ok not-installed", false),
            ("deinstall ok config-files", false),
            ("purge ok not-installed", false),
            ("install ok half-installed", false),
            ("install reinstreq half-installed", false),
            ("install ok unpacked", false),
            ("install ok half-configured", false),
            ("install ok triggers-awaited", false),
            ("install ok triggers-pending", false),
            ("", false),
        ];
        for (status, expected) in cases {
            assert_eq!(is_installed(Some(status)), expected, "{status:?}");
            assert_eq!(
                is_installed(Some(&format!("{status}\n"))),
                expected,
                "{status:?} with a newline"
            );
        }
        assert!(!is_installed(None), "a package dpkg has never heard of");
    }

    #[test]
    fn one_installed_architecture_is_enough() {
        assert!(is_installed(Some(
            "unknown ok not-installed\ninstall ok installed\n"
        )));
        assert!(!is_installed(Some(
            "unknown ok not-installed\ndeinstall ok config-files\n"
        )));
    }

    /// dpkg itself, on a name it cannot know: exit status 1, so `None`.
    #[test]
    fn an_unknown_package_has_no_status() {
        assert_eq!(dpkg_status("camrig-no-such-package"), None);
        assert!(not_installed(&["camrig-no-such-package"]) == ["camrig-no-such-package"]);
    }
}

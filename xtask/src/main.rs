//! Project tasks, run as `cargo xtask <task>` from the repository root:
//!
//! - `serve [-- SERVER FLAGS]`: install what is missing, build the web app
//!   and the server in release mode, and run the server.
//! - `test`: install what is missing (also Chromium, PostgreSQL and the e2e
//!   packages), check formatting and lints, run unit and integration tests
//!   (with a throwaway PostgreSQL server, see `postgres.rs`), build, and run
//!   the Playwright end-to-end suite; every failure is reported and the run
//!   ends with one summary line (see `testrun.rs`).
//! - `setup [serve|test] [--check]`: only the installation part; with
//!   `--check`, only verify that every package it installs is installed and
//!   everything the product needs is present (what `.ci/run` asserts).
//! - `build`: release build of the web app (with its PNG icons,
//!   `icons.rs`, and the service worker's shell, `shell.rs`), the server
//!   and the simulated board (`camrig-sim`).
//! - `bench [OPTIONS]`: the load generator (see `bench.rs`).
//! - `hr-eval`: install neurokit2 if it is missing (only that), fetch the
//!   reference heart-rate recordings once, and score the board's pulse
//!   detector on them; fails when a target is missed (see `hr_eval.rs`).
//! - `install-service`: the `serve` setup, the release build, and
//!   `backend/deploy/install-service.sh`: camrig as a systemd service (see
//!   `service.rs`).
//!
//! The command line is clap's (`cargo xtask --help`, `cargo xtask bench
//! --help`).

mod bench;
mod compress;
// The server's rule for Trunk's hashed names (std-only).
#[path = "../../backend/src/hashed_name.rs"]
mod hashed_name;
mod hr_eval;
mod icons;
mod postgres;
// The backend's table of what each feature needs (GStreamer elements,
// programs): std-only, so the setup compiles it before GStreamer exists.
#[path = "../../backend/src/requirements.rs"]
#[allow(dead_code)] // the setup uses only part of it
mod requirements;
mod service;
mod setup;
mod shell;
mod testrun;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

/// Project tasks, run from the repository root.
#[derive(Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Install what is missing, build, and run the server; flags after
    /// `--` go to the server.
    Serve {
        /// The server's flags (see `camrig --help`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        flags: Vec<String>,
    },
    /// Install what is missing, then every check and test, with one
    /// summary line.
    Test,
    /// Only the installation part.
    Setup {
        /// What to install for.
        #[arg(value_enum, default_value_t = setup::Purpose::Test)]
        purpose: setup::Purpose,
        /// Only verify that everything it installs is there.
        #[arg(long)]
        check: bool,
    },
    /// Release build of the web app, the server and the simulated board.
    Build,
    /// The load generator.
    Bench(bench::Args),
    /// Score the pulse detector on the reference recordings.
    HrEval,
    /// Build, then install or update camrig as a systemd service (as root).
    InstallService,
}

fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() {
                std::process::ExitCode::FAILURE
            } else {
                std::process::ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.task {
        Task::Setup { purpose, check } if check => setup::verify(purpose),
        Task::Setup { purpose, .. } => setup::ensure(purpose).map(|_| ()),
        Task::Build => setup::ensure(setup::Purpose::Serve).and_then(|tools| build(&tools)),
        Task::Serve { flags } => serve(&flags),
        Task::Test => testrun::test(),
        Task::Bench(args) => bench::main(args),
        Task::HrEval => hr_eval::main(),
        Task::InstallService => service::install(),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        // The test run has printed its summary as its last line.
        Err(err) if err.is::<testrun::Failed>() => std::process::ExitCode::FAILURE,
        Err(err) => {
            eprintln!("xtask: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The repository root (the parent of this crate's folder).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Runs a command in the repository root with `tools` first on PATH.
pub fn run(tools: &setup::Tools, program: &str, args: &[&str]) -> Result<()> {
    let mut command = tools.command(program);
    command.args(args).current_dir(root());
    status(&mut command)
}

/// A command line as shown in the log.
pub fn shown(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|part| part.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs a prepared command and fails if it fails.
pub fn status(command: &mut Command) -> Result<()> {
    let shown = shown(command);
    println!("xtask: $ {shown}");
    let status = command
        .status()
        .with_context(|| format!("cannot run {shown}"))?;
    if !status.success() {
        bail!("{shown} failed ({status})");
    }
    Ok(())
}

/// Release build of the web app (Trunk, then the PNG icons: `icons.rs`,
/// the service worker's shell: `shell.rs`, and last the brotli and gzip
/// copies: `compress.rs`) and the server.
pub fn build(tools: &setup::Tools) -> Result<()> {
    let started = std::time::Instant::now();
    run(tools, "trunk", &["build", "--release"])?;
    let dist = root().join("dist");
    let icons = icons::render_all(&dist)
        .with_context(|| format!("cannot render the icons in {}", dist.display()))?;
    println!("xtask: {} PNG icons rendered", icons.len());
    let shell = shell::fill(&dist)
        .with_context(|| format!("cannot fill the service worker in {}", dist.display()))?;
    println!(
        "xtask: sw.js: version {}, {} files precached",
        shell.version,
        shell.files.len()
    );
    let files = compress::compress_dir(&dist)
        .with_context(|| format!("cannot compress the web app in {}", dist.display()))?;
    for file in &files {
        let name = file.path.strip_prefix(&dist).unwrap_or(&file.path);
        let size = |packed: Option<u64>| packed.map_or_else(|| "-".to_owned(), |n| n.to_string());
        println!(
            "xtask: {}: {} bytes, gzip {}, brotli {}",
            name.display(),
            file.raw,
            size(file.gzip),
            size(file.brotli)
        );
    }
    let (raw, gzip, brotli) = compress::totals(&files);
    println!("xtask: web app: {raw} bytes, transferred {gzip} with gzip, {brotli} with brotli");
    let web_app = started.elapsed();
    run(
        tools,
        "cargo",
        // The simulated board too: `camrig-sim` stands in for hardware in
        // the README and the end-to-end tests.
        &[
            "build",
            "--release",
            "--package",
            "backend",
            "--bin",
            "camrig",
            "--package",
            "rig-sim",
            "--bin",
            "camrig-sim",
        ],
    )?;
    println!(
        "xtask: release build done in {:.1} s (web app {:.1} s, server {:.1} s)",
        started.elapsed().as_secs_f64(),
        web_app.as_secs_f64(),
        (started.elapsed() - web_app).as_secs_f64()
    );
    Ok(())
}

fn serve(args: &[String]) -> Result<()> {
    let tools = setup::ensure(setup::Purpose::Serve)?;
    build(&tools)?;
    let args: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| *a != "--")
        .collect();
    let binary = root().join("target/release/camrig");
    let mut command = tools.command(&binary.display().to_string());
    // With no light board configured, show the simulated one (labelled as
    // such); a configured board is never replaced.
    if !args.contains(&"--demo") {
        command.arg("--demo");
    }
    command.args(&args).current_dir(root());
    println!("xtask: starting the server (Ctrl-C stops it)");
    use std::os::unix::process::CommandExt;
    Err(command.exec()).context("cannot start the server")
}

/// Builds the shared no_std crates for the board (a `std` leak fails
/// here) and the board firmware in its own workspace, and prints its size.
pub fn firmware(tools: &setup::Tools) -> Result<()> {
    let target = setup::BOARD_TARGET;
    run(
        tools,
        "cargo",
        &[
            "build",
            "--package",
            "rig-device-protocol",
            "--package",
            "rig-firmware-core",
            "--target",
            target,
        ],
    )?;
    let board = root().join("firmware/board");
    let mut build = tools.command("cargo");
    build.args(["build", "--release"]).current_dir(&board);
    status(&mut build)?;
    let elf = board.join(format!("target/{target}/release/rig-board"));
    let sizes = firmware_size(&elf)
        .with_context(|| format!("cannot read the firmware image {}", elf.display()))?;
    println!(
        "xtask: firmware {}: flash {} bytes (text {} + data {}), RAM {} bytes (data {} + bss {})",
        elf.display(),
        sizes.0 + sizes.1,
        sizes.0,
        sizes.1,
        sizes.1 + sizes.2,
        sizes.1,
        sizes.2
    );
    if sizes.0 == 0 {
        anyhow::bail!(
            "the firmware image is empty: is -Tlink.x in firmware/board/.cargo/config.toml?"
        );
    }
    Ok(())
}

/// (text, data, bss) sizes of an ELF, from the section headers.
fn firmware_size(elf: &std::path::Path) -> Result<(u64, u64, u64)> {
    let bytes = std::fs::read(elf)?;
    let u16_at = |o: usize| -> Option<u64> {
        Some(u64::from(u16::from_le_bytes(
            bytes.get(o..o + 2)?.try_into().ok()?,
        )))
    };
    let u32_at = |o: usize| -> Option<u64> {
        Some(u64::from(u32::from_le_bytes(
            bytes.get(o..o + 4)?.try_into().ok()?,
        )))
    };
    let parse = || -> Option<(u64, u64, u64)> {
        // 32-bit little-endian ELF: section headers at e_shoff.
        if bytes.get(..6)? != b"\x7fELF\x01\x01" {
            return None;
        }
        let (shoff, shentsize, shnum) = (
            u32_at(0x20)? as usize,
            u16_at(0x2E)? as usize,
            u16_at(0x30)?,
        );
        let (mut text, mut data, mut bss) = (0, 0, 0);
        for i in 0..shnum as usize {
            let header = shoff + i * shentsize;
            let (kind, flags, size) = (
                u32_at(header + 4)?,
                u32_at(header + 8)?,
                u32_at(header + 20)?,
            );
            const ALLOC: u64 = 2;
            const WRITE: u64 = 1;
            const NOBITS: u64 = 8;
            if flags & ALLOC == 0 {
                continue;
            }
            match (kind, flags & WRITE) {
                (NOBITS, _) => bss += size,
                (_, 0) => text += size,
                _ => data += size,
            }
        }
        Some((text, data, bss))
    };
    parse().context("not a 32-bit little-endian ELF file")
}

#[cfg(test)]
mod cli_tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn tasks_and_their_arguments_parse() {
        let parse = |args: &[&str]| {
            Cli::try_parse_from(std::iter::once("cargo xtask").chain(args.iter().copied()))
        };
        match parse(&[
            "serve",
            "--",
            "--listen",
            "127.0.0.1:5000",
            "--camera",
            "test",
        ])
        .map(|c| c.task)
        {
            Ok(Task::Serve { flags }) => {
                assert_eq!(flags, ["--listen", "127.0.0.1:5000", "--camera", "test"])
            }
            _ => panic!("serve"),
        }
        assert!(matches!(
            parse(&["setup", "serve", "--check"]).map(|c| c.task),
            Ok(Task::Setup {
                purpose: setup::Purpose::Serve,
                check: true
            })
        ));
        assert!(matches!(
            parse(&["setup"]).map(|c| c.task),
            Ok(Task::Setup {
                purpose: setup::Purpose::Test,
                check: false
            })
        ));
        assert!(matches!(
            parse(&["hr-eval"]).map(|c| c.task),
            Ok(Task::HrEval)
        ));
        assert!(matches!(
            parse(&["install-service"]).map(|c| c.task),
            Ok(Task::InstallService)
        ));
        assert!(parse(&["bench", "--runs", "1,50,200,0+50", "--seconds", "10"]).is_ok());
        assert!(parse(&["bench", "--runs", "1,1h,50+10,0,0r", "--sweep-resolutions"]).is_ok());
        assert!(parse(&["bench", "--quick"]).is_ok());
        assert!(
            parse(&["bench", "--quick", "--runs", "1"]).is_err(),
            "--quick has its own runs"
        );
        assert!(
            parse(&[
                "bench",
                "--url",
                "http://127.0.0.1:1",
                "--sweep-resolutions"
            ])
            .is_err(),
            "a sweep restarts the server"
        );
        assert!(
            parse(&["bench", "--pid", "3"]).is_err(),
            "--pid needs --url"
        );
        assert!(parse(&["bench", "--seconds", "ten"]).is_err());
        assert!(parse(&["setup", "production"]).is_err());
        assert!(parse(&["nonsense"]).is_err());
    }
}

//! Project tasks, run as `cargo xtask <task>` from the repository root:
//!
//! - `serve [-- SERVER FLAGS]`: install what is missing, build the web app
//!   and the server in release mode, and run the server.
//! - `test`: install what is missing (also Chromium, PostgreSQL and the e2e
//!   packages), check formatting and lints, run unit and integration tests
//!   (with a throwaway PostgreSQL server, see `postgres.rs`), build, and run
//!   the Playwright end-to-end suite.
//! - `setup [serve|test]`: only the installation part.
//! - `build`: release build of the web app and the server.
//! - `bench [OPTIONS]`: the load generator (see `bench.rs`).

mod bench;
mod postgres;
mod setup;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let task = args.next().unwrap_or_else(|| "help".into());
    let rest: Vec<String> = args.collect();
    let result = match task.as_str() {
        "setup" => setup_cmd(&rest),
        "build" => setup::ensure(setup::Purpose::Serve).and_then(|tools| build(&tools)),
        "serve" => serve(&rest),
        "test" => test(),
        "bench" => bench::main(rest),
        "help" | "--help" | "-h" => {
            println!("{}", HELP);
            Ok(())
        }
        other => Err(anyhow::anyhow!("unknown task `{other}`\n{HELP}")),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

const HELP: &str =
    "usage: cargo xtask <serve [-- FLAGS] | test | setup [serve|test] | build | bench [OPTIONS]>";

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

/// Runs a prepared command and fails if it fails.
pub fn status(command: &mut Command) -> Result<()> {
    let shown = std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|part| part.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ");
    println!("xtask: $ {shown}");
    let status = command
        .status()
        .with_context(|| format!("cannot run {shown}"))?;
    if !status.success() {
        bail!("{shown} failed ({status})");
    }
    Ok(())
}

fn setup_cmd(args: &[String]) -> Result<()> {
    let purpose = match args.first().map(String::as_str) {
        None | Some("test") => setup::Purpose::Test,
        Some("serve") => setup::Purpose::Serve,
        Some(other) => bail!("unknown setup target `{other}` (serve or test)"),
    };
    setup::ensure(purpose).map(|_| ())
}

/// Release build of the web app (Trunk) and the server.
fn build(tools: &setup::Tools) -> Result<()> {
    run(tools, "trunk", &["build", "--release"])?;
    run(
        tools,
        "cargo",
        &[
            "build",
            "--release",
            "--package",
            "backend",
            "--bin",
            "camrig",
        ],
    )
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
    command.args(&args).current_dir(root());
    println!("xtask: starting the server (Ctrl-C stops it)");
    use std::os::unix::process::CommandExt;
    Err(command.exec()).context("cannot start the server")
}

fn test() -> Result<()> {
    let tools = setup::ensure(setup::Purpose::Test)?;
    let wasm_clippy = [
        "clippy",
        "--package",
        "frontend",
        "--target",
        "wasm32-unknown-unknown",
        "--",
        "-D",
        "warnings",
    ];
    let lints: [&[&str]; 3] = [
        &["fmt", "--all", "--check"],
        &["clippy", "--all-targets", "--", "-D", "warnings"],
        &wasm_clippy,
    ];
    for args in lints {
        run(&tools, "cargo", args)?;
    }
    {
        // The backend's tests use this server too; without the variable
        // they skip PostgreSQL. Dropping `postgres` stops the server.
        let postgres = postgres::TestPostgres::start()?;
        let url = postgres.url();
        println!("xtask: CAMRIG_TEST_POSTGRES_URL={url}");
        let mut cargo_test = tools.command("cargo");
        cargo_test
            .arg("test")
            .current_dir(root())
            .env("CAMRIG_TEST_POSTGRES_URL", &url);
        status(&mut cargo_test)?;
    }
    // The frontend's pure logic (frame-rate meter) runs on the host.
    run(&tools, "cargo", &["test", "--package", "frontend"])?;
    build(&tools)?;
    let e2e = root().join("e2e");
    let mut playwright = tools.command("npx");
    playwright
        .args(["playwright", "test"])
        .current_dir(&e2e)
        .env("CAMRIG_BIN", root().join("target/release/camrig"))
        .env("CAMRIG_DIST", root().join("dist"));
    status(&mut playwright)?;
    println!("xtask: all tests passed");
    Ok(())
}

//! `cargo xtask test`: every check in order (formatting, lints, the Rust
//! tests against a throwaway PostgreSQL and with the heart-rate reference
//! recordings fetched from PyPI, the frontend's tests, the board
//! firmware build, the release build, the Playwright suite, a
//! schema-driven fuzz of the HTTP API with schemathesis, the README's serve,
//! bench, simulator, `camrig --demo` and hr-eval lines as written), continuing
//! past failures so one run reports every failing test, not only the
//! first failing binary. Test counts are read from what the runners print
//! (`test result:` lines of libtest, Playwright's JSON report), and the run
//! ends with one summary line of passed and failed counts across all of
//! them.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::setup::{self, Tools};
use crate::{postgres, root, status};

/// Passed and failed tests of one suite, and the names of the failures.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Counts {
    /// Tests that passed.
    pub passed: u64,
    /// Tests that failed.
    pub failed: u64,
    /// Names of the failed tests; a Playwright failure's name is followed
    /// by indented lines saying why (see [`Counts::from_playwright_json`]).
    pub failures: Vec<String>,
}

impl Counts {
    /// Adds what one line of libtest's output says: a `test result:` line
    /// adds its counts, a `test NAME ... FAILED` line names a failure.
    pub fn add_libtest_line(&mut self, line: &str) {
        if let Some(rest) = line.strip_prefix("test result: ") {
            for part in rest.split(';') {
                let mut words = part.split_whitespace().rev();
                let (Some(what), Some(n)) = (words.next(), words.next()) else {
                    continue;
                };
                let Ok(n) = n.parse::<u64>() else { continue };
                match what {
                    "passed" => self.passed += n,
                    "failed" => self.failed += n,
                    _ => {}
                }
            }
        } else if let Some(name) = line
            .strip_prefix("test ")
            .and_then(|l| l.strip_suffix(" ... FAILED"))
        {
            self.failures.push(name.to_owned());
        }
    }

    /// Counts from Playwright's JSON report: `stats.expected` and `flaky`
    /// passed, `stats.unexpected` failed; failures named by file and title,
    /// each followed by why it failed (see [`failure_reason`]), so that the
    /// closing lines of a run, which may be all of it that is kept, say it.
    pub fn from_playwright_json(report: &serde_json::Value) -> Counts {
        let stat = |key: &str| report["stats"][key].as_u64().unwrap_or(0);
        let mut counts = Counts {
            passed: stat("expected") + stat("flaky"),
            failed: stat("unexpected"),
            failures: Vec::new(),
        };
        fn walk(suite: &serde_json::Value, titles: &mut Vec<String>, out: &mut Vec<String>) {
            let title = suite["title"].as_str().unwrap_or_default();
            titles.push(title.to_owned());
            for spec in suite["specs"].as_array().into_iter().flatten() {
                let mut name: Vec<&str> = titles
                    .iter()
                    .map(String::as_str)
                    .filter(|t| !t.is_empty())
                    .collect();
                name.push(spec["title"].as_str().unwrap_or("?"));
                let name = name.join(" › ");
                // One line per project the spec failed in.
                let failed = spec["tests"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|t| t["status"] == "unexpected");
                for test in failed {
                    let mut line = name.clone();
                    if let Some(project) = test["projectName"].as_str() {
                        line = format!("[{project}] {line}");
                    }
                    for why in failure_reason(test) {
                        line.push_str("\n    ");
                        line.push_str(&why);
                    }
                    out.push(line);
                }
            }
            for child in suite["suites"].as_array().into_iter().flatten() {
                walk(child, titles, out);
            }
            titles.pop();
        }
        let mut titles = Vec::new();
        for suite in report["suites"].as_array().into_iter().flatten() {
            walk(suite, &mut titles, &mut counts.failures);
        }
        counts
    }
}

/// At most this many lines of a Playwright error are kept.
const REASON_LINES: usize = 6;

/// Why a Playwright test failed, from its last result: the first lines of
/// its error (terminal colours taken out) and where it was thrown.
fn failure_reason(test: &serde_json::Value) -> Vec<String> {
    let results = test["results"].as_array();
    let Some(result) = results.and_then(|r| r.last()) else {
        return Vec::new();
    };
    let error = &result["error"];
    let mut lines: Vec<String> = strip_colours(error["message"].as_str().unwrap_or_default())
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .take(REASON_LINES)
        .map(str::to_owned)
        .collect();
    let at = &error["location"];
    if let (Some(file), Some(line)) = (at["file"].as_str(), at["line"].as_u64()) {
        let file = Path::new(file)
            .file_name()
            .map_or(file.into(), |f| f.to_string_lossy());
        lines.push(format!("at {file}:{line}"));
    }
    lines
}

/// `text` without terminal escape sequences (`ESC [ … letter`).
fn strip_colours(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The run failed; the summary line (the last line printed) says how.
#[derive(Debug, thiserror::Error)]
#[error("some tests or steps failed")]
pub struct Failed;

/// What the whole run found.
#[derive(Debug, Default)]
struct Report {
    /// Each test suite's counts, by name, in run order.
    suites: Vec<(&'static str, Counts)>,
    /// Steps that failed, with why.
    failed_steps: Vec<String>,
}

impl Report {
    /// Runs one step; a failure is noted and the run goes on.
    fn step(&mut self, name: &str, result: Result<()>) -> bool {
        match result {
            Ok(()) => true,
            Err(err) => {
                eprintln!("xtask: step `{name}` failed: {err:#}");
                self.failed_steps.push(name.to_owned());
                false
            }
        }
    }

    /// The closing lines: every failure, then one summary line.
    fn finish(&self) -> Result<()> {
        let passed: u64 = self.suites.iter().map(|(_, c)| c.passed).sum();
        let failed: u64 = self.suites.iter().map(|(_, c)| c.failed).sum();
        for (suite, counts) in &self.suites {
            for name in &counts.failures {
                println!("xtask: FAILED {suite}: {name}");
            }
        }
        let per_suite: Vec<String> = self
            .suites
            .iter()
            .map(|(suite, c)| format!("{suite} {} passed {} failed", c.passed, c.failed))
            .collect();
        let steps = if self.failed_steps.is_empty() {
            String::new()
        } else {
            format!("; failed steps: {}", self.failed_steps.join(", "))
        };
        println!(
            "xtask: summary: {passed} passed, {failed} failed ({}){steps}",
            per_suite.join(", ")
        );
        if failed > 0 || !self.failed_steps.is_empty() {
            return Err(Failed.into());
        }
        Ok(())
    }
}

/// Runs every check and test; see the module documentation.
pub fn test() -> Result<()> {
    let tools = setup::ensure(setup::Purpose::Test)?;
    let mut report = Report::default();
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
    let lints: [(&str, &[&str]); 3] = [
        ("fmt", &["fmt", "--all", "--check"]),
        (
            "clippy",
            &["clippy", "--all-targets", "--", "-D", "warnings"],
        ),
        ("clippy wasm32", &wasm_clippy),
    ];
    for (name, args) in lints {
        let result = crate::run(&tools, "cargo", args);
        report.step(name, result);
    }
    // The heart-rate accuracy tests read real recordings fetched from PyPI
    // (`firmware/eval`); a failure to fetch them is its own step, and those
    // tests then say that the recordings are missing.
    let hr_data = crate::hr_eval::reference_data(&tools);
    let hr_data = match hr_data {
        Ok(dir) => Some(dir),
        Err(err) => {
            report.step("heart-rate reference recordings", Err(err));
            None
        }
    };
    {
        // The backend's tests use this server too; without the variable
        // they skip PostgreSQL. Dropping `postgres` stops the server.
        let result = postgres::TestPostgres::start().and_then(|postgres| {
            let url = postgres.url();
            println!("xtask: CAMRIG_TEST_POSTGRES_URL={url}");
            let mut cargo_test = tools.command("cargo");
            cargo_test
                .args(["test", "--no-fail-fast"])
                .current_dir(root())
                .env("CAMRIG_TEST_POSTGRES_URL", &url);
            if let Some(dir) = &hr_data {
                cargo_test.env("CAMRIG_HR_DATA", dir);
            }
            libtest(&mut cargo_test, &mut report, "rust")
        });
        report.step("cargo test", result);
    }
    // The frontend's pure logic (frame-rate meter, formats) runs on the host.
    let mut frontend = tools.command("cargo");
    frontend
        .args(["test", "--no-fail-fast", "--package", "frontend"])
        .current_dir(root());
    let result = libtest(&mut frontend, &mut report, "frontend");
    report.step("frontend tests", result);
    let result = crate::firmware(&tools);
    report.step("firmware", result);
    let result = crate::build(&tools);
    if report.step("release build", result) {
        let result = playwright(&tools, &mut report);
        report.step("playwright", result);
        let result = api_fuzz(&tools, &mut report);
        report.step("api fuzz", result);
        let result = readme_commands(&tools, &mut report);
        report.step("README commands", result);
    } else {
        eprintln!(
            "xtask: the Playwright suite, the API fuzz and the README commands need the release \
             build; skipped"
        );
    }
    report.finish()
}

/// Runs a `cargo test` command, showing its output as it comes and adding
/// its counts to `report` as suite `suite`.
fn libtest(command: &mut Command, report: &mut Report, suite: &'static str) -> Result<()> {
    let shown = crate::shown(command);
    println!("xtask: $ {shown}");
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {shown}"))?;
    let mut counts = Counts::default();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap_or_default();
            println!("{line}");
            counts.add_libtest_line(&line);
        }
    }
    let exit = child
        .wait()
        .with_context(|| format!("cannot run {shown}"))?;
    let failed = counts.failed;
    report.suites.push((suite, counts));
    if !exit.success() {
        if failed == 0 {
            bail!("{shown} failed ({exit}) without a failing test: a build error or a crash");
        }
        bail!("{shown}: {failed} tests failed");
    }
    Ok(())
}

/// Runs the Playwright suite with the list reporter on the terminal and a
/// JSON report for the counts.
fn playwright(tools: &Tools, report: &mut Report) -> Result<()> {
    let e2e = root().join("e2e");
    let dir = setup::log_dir();
    std::fs::create_dir_all(&dir)?;
    let results = dir.join("playwright.json");
    let _ = std::fs::remove_file(&results);
    let mut playwright = tools.command("npx");
    playwright
        .args(["playwright", "test", "--reporter=list,json"])
        .current_dir(&e2e)
        .env("PLAYWRIGHT_JSON_OUTPUT_FILE", &results)
        .env("PLAYWRIGHT_JSON_OUTPUT_NAME", &results)
        .env("CAMRIG_BIN", root().join("target/release/camrig"))
        .env("CAMRIG_DIST", root().join("dist"));
    let result = status(&mut playwright);
    match read_playwright(&results) {
        Ok(counts) => report.suites.push(("playwright", counts)),
        Err(err) => {
            eprintln!("xtask: no Playwright counts: {err:#}");
            report.suites.push(("playwright", Counts::default()));
        }
    }
    result
}

/// The operator key of the fuzzed server.
const FUZZ_KEY: &str = "xtask-api-fuzz-operator-key";
/// How long schemathesis may fuzz.
const FUZZ_SECONDS: &str = "45";

/// Fuzzes the HTTP API of the release server (test camera, a fresh media
/// folder) against its own OpenAPI document with schemathesis, as the
/// operator: any 5xx answer fails. The streams (`/ws`, `/video_feed`,
/// `/api/logs/stream`) never end and are left out. Counted as one test, `api-fuzz`.
fn api_fuzz(tools: &Tools, report: &mut Report) -> Result<()> {
    let media = std::env::temp_dir().join(format!("camrig-fuzz-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&media);
    std::fs::create_dir_all(&media)?;
    let mut server = Command::new(root().join("target/release/camrig"))
        .args([
            "--camera", "test", "--width", "320", "--height", "240", "--fps", "10",
        ])
        .args(["--listen", "127.0.0.1:0", "--demo"])
        .arg("--media-dir")
        .arg(&media)
        .env("CAMRIG_AUTH_OPERATOR_KEY", FUZZ_KEY)
        // The fuzz may name any action: never the machine's reboot.
        .env("CAMRIG_SYSTEM_REBOOT_COMMAND", "true")
        .env("CAMRIG_SYSTEM_SHUTDOWN_COMMAND", "true")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot start the release server")?;
    let result = match listening_address(&mut server) {
        Some(address) => {
            let url = format!("http://{address}");
            let mut fuzz = tools.command("schemathesis");
            // It keeps a cache in its working folder: not in the repository.
            let dir = setup::log_dir();
            let _ = std::fs::create_dir_all(&dir);
            fuzz.current_dir(&dir);
            fuzz.args(["--no-color", "run"])
                .arg(format!("{url}/api/openapi.json"))
                .args(["--checks", "not_a_server_error"])
                .args(["--header", &format!("Authorization: Bearer {FUZZ_KEY}")])
                .args(["--exclude-path", "/ws", "--exclude-path", "/video_feed"])
                .args(["--exclude-path", "/api/logs/stream"])
                .args(["--max-time", FUZZ_SECONDS, "--request-timeout", "10"]);
            status(&mut fuzz)
        }
        None => Err(anyhow::anyhow!("the server exited before listening")),
    };
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&media);
    let mut counts = Counts::default();
    if result.is_ok() {
        counts.passed = 1;
    } else {
        counts.failed = 1;
        counts
            .failures
            .push("schemathesis: a server error (see above)".into());
    }
    report.suites.push(("api-fuzz", counts));
    result
}

/// The README's `cargo xtask serve ...` and `cargo xtask bench ...` lines
/// (inline code, joined across line breaks), run exactly as written: a
/// bench line must succeed; a serve line must print its address, answer
/// `/healthz` there, and is then stopped. Counted as suite `readme`.
fn readme_commands(tools: &Tools, report: &mut Report) -> Result<()> {
    let readme = std::fs::read_to_string(root().join("README.md"))?;
    let lines: Vec<String> = readme
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|span| span.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| {
            line.starts_with("cargo xtask bench ")
                || line == "cargo xtask hr-eval"
                || line == crate::service::README_LINE
                || line.starts_with(SIM_LINE)
                || BUILT_LINES.contains(&line.as_str())
                || (line.starts_with("cargo xtask serve -- --") && !line.contains("FLAGS"))
        })
        .collect();
    let mut counts = Counts::default();
    for line in &lines {
        println!("xtask: README: $ {line}");
        let words: Vec<&str> = line.split(' ').collect();
        // The programs the release build makes are run from there.
        let program = if BUILT_LINES.contains(&line.as_str()) {
            root().join("target/release").join(words[0])
        } else {
            PathBuf::from(words[0])
        };
        let mut command = tools.command(&program.to_string_lossy());
        command.args(&words[1..]).current_dir(root());
        let result = if line.starts_with("cargo xtask serve") || line == "camrig --demo" {
            serve_answers(command, &words)
        } else if line.starts_with(SIM_LINE) {
            sim_answers(command, &words)
        } else if line == crate::service::README_LINE {
            crate::service::readme_check(command)
        } else {
            status(&mut command)
        };
        match result {
            Ok(()) => counts.passed += 1,
            Err(err) => {
                eprintln!("xtask: README line failed: {err:#}");
                counts.failed += 1;
                counts.failures.push(format!("README: {line}"));
            }
        }
    }
    let failed = counts.failed;
    report.suites.push(("readme", counts));
    if failed > 0 {
        bail!("{failed} README command lines failed");
    }
    Ok(())
}

/// README lines that run a program of the release build: the server in
/// demo mode (it must answer `/healthz`), the local certificate authority's
/// set-up (in the repository's `media/`, as `cargo xtask serve` uses), and
/// the simulator's help.
const BUILT_LINES: &[&str] = &["camrig --demo", "camrig tls init", "camrig-sim --help"];

/// How the README starts the simulated board.
const SIM_LINE: &str = "cargo run --release -p rig-sim --bin camrig-sim -- ";

/// Starts the simulated board's README line in its own process group, waits
/// for its "Ctrl-C stops it" line, checks that its `--link` points at a
/// pseudo-terminal, and stops the group.
fn sim_answers(command: Command, words: &[&str]) -> Result<()> {
    let link = words
        .iter()
        .position(|w| *w == "--link")
        .and_then(|at| words.get(at + 1))
        .context("the simulator line has no --link")?;
    let _ = std::fs::remove_file(link);
    let ready = |line: &str| line.contains("Ctrl-C stops it").then(|| line.to_owned());
    while_running(
        command,
        "the simulator",
        ready,
        |line| match std::fs::read_link(link) {
            Ok(target) if target.starts_with("/dev/pts") => {
                println!("xtask: README: {line}");
                Ok(())
            }
            other => bail!("{link} is not a link to a pty: {other:?}"),
        },
    )
}

/// Starts `command` in its own process group with its standard output
/// piped, waits for the first line `ready` picks out, runs `check` on
/// what it picked, and stops the whole group.
fn while_running(
    mut command: Command,
    what: &str,
    ready: impl Fn(&str) -> Option<String>,
    check: impl FnOnce(String) -> Result<()>,
) -> Result<()> {
    use std::os::unix::process::CommandExt;
    let mut child = command
        .stdout(Stdio::piped())
        .process_group(0)
        .spawn()
        .with_context(|| format!("cannot start {what}"))?;
    let answer = first_line(&mut child, ready)
        .with_context(|| format!("{what} exited before it was ready"))
        .and_then(check);
    let _ = Command::new("kill")
        .args(["-TERM", "--", &format!("-{}", child.id())])
        .status();
    let _ = child.wait();
    answer
}

/// The first line of the child's piped standard output that `pick` picks
/// something out of; `None` if it ends without one.
fn first_line(
    child: &mut std::process::Child,
    pick: impl Fn(&str) -> Option<String>,
) -> Option<String> {
    BufReader::new(child.stdout.take()?)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| pick(&line))
}

/// The `ADDR` of the server's `listening on http://ADDR` line (from its
/// piped standard output); `None` if it ends without one.
fn listening_address(server: &mut std::process::Child) -> Option<String> {
    first_line(server, listening_line)
}

/// The `ADDR` of a `listening on http://ADDR` line.
fn listening_line(line: &str) -> Option<String> {
    line.strip_prefix("listening on http://").map(str::to_owned)
}

/// The URL of a `listening on http://ADDR` or `listening on https://ADDR`
/// line.
fn listening_url(line: &str) -> Option<String> {
    let url = line.strip_prefix("listening on ")?;
    (url.starts_with("http://") || url.starts_with("https://")).then(|| url.to_owned())
}

/// Starts a serve command (its `words`) in its own process group, waits
/// for its `listening on` line, asks `/healthz` there, and stops the group.
/// A server with HTTPS must also redirect plain HTTP on its port.
fn serve_answers(command: Command, words: &[&str]) -> Result<()> {
    while_running(command, "the server", listening_url, |url| {
        match url.split_once("://") {
            Some(("https", address)) => https_answers(address, words),
            Some((_, address)) => {
                let answer = plain_healthz(address)?;
                if answer.starts_with("HTTP/1.1 200") {
                    Ok(())
                } else {
                    bail!("/healthz answered {}", first_line_of(&answer))
                }
            }
            None => bail!("no address in {url:?}"),
        }
    })
}

/// The status line and headers of a plain-HTTP `GET /healthz` at
/// `address`.
fn plain_healthz(address: &str) -> Result<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address)?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    write!(
        stream,
        "GET /healthz HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )?;
    let mut text = String::new();
    stream.read_to_string(&mut text)?;
    Ok(text)
}

fn first_line_of(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// A server with HTTPS at `address`: plain HTTP there is redirected to
/// HTTPS, and `/healthz` answers over HTTPS to curl trusting only the
/// rig's own authority (in the media folder the `words` name, `media/` by
/// default).
fn https_answers(address: &str, words: &[&str]) -> Result<()> {
    let plain = plain_healthz(address)?;
    let redirect = format!("location: https://{address}/healthz");
    if !plain.starts_with("HTTP/1.1 308") || !plain.to_ascii_lowercase().contains(&redirect) {
        bail!(
            "plain HTTP was not redirected to HTTPS: {}",
            first_line_of(&plain)
        );
    }
    let media = words
        .iter()
        .position(|w| *w == "--media-dir")
        .and_then(|at| words.get(at + 1))
        .map_or_else(|| root().join("media"), |dir| root().join(dir));
    let ca = media.join(".camrig/tls/ca.crt");
    let mut addr: std::net::SocketAddr = address.parse()?;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            std::net::SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    let out = Command::new("curl")
        .args(["--silent", "--show-error", "--fail", "--max-time", "10"])
        .arg("--cacert")
        .arg(&ca)
        .arg(format!("https://{addr}/healthz"))
        .output()
        .context("cannot run curl")?;
    if out.status.success() {
        Ok(())
    } else {
        bail!(
            "https://{addr}/healthz with {}: {}",
            ca.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )
    }
}

fn read_playwright(path: &Path) -> Result<Counts> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    Ok(Counts::from_playwright_json(&json))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listening_line_gives_the_url_with_or_without_tls() {
        assert_eq!(
            listening_url("listening on https://0.0.0.0:5000").as_deref(),
            Some("https://0.0.0.0:5000")
        );
        assert_eq!(
            listening_url("listening on http://127.0.0.1:41234").as_deref(),
            Some("http://127.0.0.1:41234")
        );
        assert_eq!(listening_url("operator key: in media"), None);
        assert_eq!(
            listening_line("listening on http://127.0.0.1:1").as_deref(),
            Some("127.0.0.1:1")
        );
    }

    #[test]
    fn libtest_lines_add_up() {
        let mut counts = Counts::default();
        for line in [
            "running 3 tests",
            "test a::works ... ok",
            "test a::breaks ... FAILED",
            "test a::slow ... ignored",
            "test result: FAILED. 1 passed; 1 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s",
            "test result: ok. 12 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 1.20s",
            "test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out",
        ] {
            counts.add_libtest_line(line);
        }
        assert_eq!(
            counts,
            Counts {
                passed: 13,
                failed: 1,
                failures: vec!["a::breaks".into()]
            }
        );
    }

    #[test]
    fn playwright_report_adds_up_and_names_failures() {
        let report = serde_json::json!({
            "suites": [{
                "title": "recording.spec.ts",
                "specs": [
                    {"title": "records", "tests": [{"status": "expected"}]},
                    {"title": "stops", "tests": [{"status": "unexpected", "projectName": "desktop",
                        "results": [{"error": {
                            "message": "\u{1b}[31mError: expect(locator).toHaveText(expected)\u{1b}[39m\n\nExpected: \"0.55\"\nReceived: \"0.50\"\n",
                            "location": {"file": "/x/e2e/tests/recording.spec.ts", "line": 42, "column": 3}
                        }}]}]}
                ],
                "suites": [{
                    "title": "on a phone",
                    "specs": [{"title": "shows the clock", "tests": [
                        {"status": "unexpected", "results": []},
                        {"status": "expected", "projectName": "phone-390"},
                        {"status": "unexpected", "projectName": "phone-360", "results": []}
                    ]}]
                }]
            }],
            "stats": {"expected": 5, "unexpected": 3, "flaky": 1, "skipped": 0}
        });
        let counts = Counts::from_playwright_json(&report);
        assert_eq!(counts.passed, 6);
        assert_eq!(counts.failed, 3);
        assert_eq!(
            counts.failures,
            [
                "[desktop] recording.spec.ts › stops\n    \
                 Error: expect(locator).toHaveText(expected)\n    \
                 Expected: \"0.55\"\n    Received: \"0.50\"\n    \
                 at recording.spec.ts:42",
                "recording.spec.ts › on a phone › shows the clock",
                "[phone-360] recording.spec.ts › on a phone › shows the clock"
            ]
        );
    }

    #[test]
    fn the_summary_fails_on_a_failed_step_even_with_no_failed_test() {
        let mut report = Report::default();
        report.suites.push((
            "rust",
            Counts {
                passed: 3,
                ..Counts::default()
            },
        ));
        assert!(report.finish().is_ok());
        report.step("clippy", Err(anyhow::anyhow!("lint")));
        assert!(report.finish().is_err());
    }
}

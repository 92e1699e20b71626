//! The accuracy targets, as tests: the synthetic cases always; the real
//! recordings (systole's finger PPG, neurokit2's simulations, heartpy's
//! pulse-sensor recordings) from the folder `cargo xtask hr-eval` and the
//! test run fill from PyPI (`CAMRIG_HR_DATA`, or `target/hr-data`). Without
//! that folder the real-data test fails and says how to get it.

use std::path::PathBuf;

use rig_hr_eval::recording::{Kind, load_dir};
use rig_hr_eval::{Row, cases, evaluate, table};

fn data_dir() -> PathBuf {
    std::env::var_os("CAMRIG_HR_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/hr-data"))
}

/// Panics with the table when a row misses a target that applies to it.
fn assert_met(rows: &[Row]) {
    let missed: Vec<String> = rows
        .iter()
        .filter(|r| r.misses())
        .map(|r| format!("{}: {}", r.recording.name, r.failures.join("; ")))
        .collect();
    assert!(missed.is_empty(), "{}\n{}", table(rows), missed.join("\n"));
}

#[test]
fn synthetic_cases_meet_their_targets() {
    let rows: Vec<Row> = cases::all().into_iter().map(evaluate).collect();
    println!("{}", table(&rows));
    assert_met(&rows);
}

#[test]
fn real_recordings_meet_their_targets() {
    let dir = data_dir();
    let recordings = load_dir(&dir).unwrap_or_else(|message| {
        panic!(
            "{message}\n(`cargo xtask test` and `cargo xtask hr-eval` download them from PyPI \
             first; if PyPI cannot be reached, they say so)"
        )
    });
    assert!(
        recordings
            .iter()
            .any(|r| r.kind == Kind::Real && r.target && r.name.starts_with("systole")),
        "systole's finger recording is missing from {}",
        dir.display()
    );
    let rows: Vec<Row> = recordings.into_iter().map(evaluate).collect();
    println!("{}", table(&rows));
    assert_met(&rows);
}

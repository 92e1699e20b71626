//! A pulse recording with the beats a reference found in it: loaded from
//! the JSON files `xtask/hr_reference.py` writes (real finger PPG from PyPI
//! packages and neurokit2's simulations, with neurokit2's beats), and
//! brought to the board's terms: 10-bit samples at 500 Hz, beat times in
//! milliseconds.

use std::path::{Path, PathBuf};

use rig_firmware_core::pulse::SAMPLE_RATE_HZ;
use rig_sim::resample;
use serde::Deserialize;

/// Where the recording comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Measured on a person.
    Real,
    /// Generated (neurokit2, or the firmware core's own generator).
    Synthetic,
}

/// What a recording is expected to give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// A heart rate that matches the reference beats.
    Rate,
    /// No heart rate at all: there is no pulse in it.
    Nothing,
}

/// One recording, at the board's sample rate.
#[derive(Debug, Clone)]
pub struct Recording {
    pub name: String,
    pub kind: Kind,
    /// Where the samples come from.
    pub source: String,
    /// Where the reference beats come from.
    pub reference: String,
    /// 10-bit samples at [`SAMPLE_RATE_HZ`].
    pub samples: Vec<u16>,
    /// Reference beat times, ms from the first sample.
    pub beats_ms: Vec<f64>,
    /// The reference's signal quality per second (0-1), when it has one.
    pub quality: Vec<f32>,
    /// When the pulse appears (the finger is put on), ms.
    pub onset_ms: u32,
    pub expect: Expect,
    /// Whether the accuracy targets apply; other recordings are scored
    /// and shown all the same.
    pub target: bool,
}

impl Recording {
    /// Length in seconds.
    pub fn seconds(&self) -> f64 {
        self.samples.len() as f64 / f64::from(SAMPLE_RATE_HZ)
    }
}

/// The file `hr_reference.py` writes per recording.
#[derive(Deserialize)]
struct File {
    name: String,
    kind: Kind,
    source: String,
    reference: String,
    rate_hz: f32,
    samples: Vec<f32>,
    peaks: Vec<usize>,
    #[serde(default)]
    quality: Vec<f32>,
    #[serde(default = "yes")]
    target: bool,
}

fn yes() -> bool {
    true
}

/// Every `*.json` recording in `dir`, sorted by name (real ones first).
pub fn load_dir(dir: &Path) -> Result<Vec<Recording>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        format!(
            "no reference recordings in {} ({e}); `cargo xtask hr-eval` fetches them from PyPI",
            dir.display()
        )
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(format!(
            "no reference recordings in {}; `cargo xtask hr-eval` fetches them from PyPI",
            dir.display()
        ));
    }
    let mut recordings = paths
        .iter()
        .map(|path| load(path))
        .collect::<Result<Vec<_>, _>>()?;
    recordings.sort_by_key(|r| (r.kind != Kind::Real, r.name.clone()));
    Ok(recordings)
}

fn load(path: &Path) -> Result<Recording, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file: File = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if file.rate_hz <= 0.0 || file.samples.is_empty() {
        return Err(format!("{}: no samples", path.display()));
    }
    let per_sample_ms = 1000.0 / f64::from(file.rate_hz);
    Ok(Recording {
        name: file.name,
        kind: file.kind,
        source: file.source,
        reference: file.reference,
        samples: resample(&file.samples, file.rate_hz),
        beats_ms: file
            .peaks
            .iter()
            .map(|&p| p as f64 * per_sample_ms)
            .collect(),
        quality: file.quality,
        onset_ms: 0,
        expect: Expect::Rate,
        target: file.target,
    })
}

//! Runs the board's detector over a recording and compares it with the
//! reference, window by window.
//!
//! - Windows are 20 s long and start every 5 s.
//! - The reference rate of a window is 60 000 times the number of
//!   reference intervals inside it over their sum. The reference finds a
//!   window clean when it has at least three intervals, they cover at
//!   least 80% of it, each is within 30% of their median (no beat missed or
//!   added), and the reference's own quality averages 0.5 or more there.
//! - The detector's rate of a window is, like the reference's, 60 000
//!   times the number of beat intervals it reported there over their sum.
//!   A window counts as reported when those intervals cover at least 80%
//!   of it (the board showed a rate most of the time); a clean window that
//!   is not reported counts as a miss.
//! - The lock time is from the pulse appearing to the first reported rate.

use rig_firmware_core::pulse::{PulseDetector, SAMPLE_RATE_HZ};

use crate::recording::Recording;

/// Share of a window the detector's reported intervals must cover for the
/// window to count as reported.
pub const COVERED: f64 = 0.8;

/// Window length and step, in ms.
pub const WINDOW_MS: f64 = 20_000.0;
pub const STEP_MS: f64 = 5_000.0;

/// One rate the detector reported.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// When it was reported, ms from the first sample.
    pub at_ms: f64,
    pub bpm: f32,
    pub quality: u8,
    pub interval_ms: u32,
}

/// What the detector reported over a whole recording.
pub fn run(samples: &[u16]) -> Vec<Reading> {
    let mut detector = PulseDetector::new();
    let mut readings = Vec::new();
    for (i, &raw) in samples.iter().enumerate() {
        let now = sample_ms(i);
        if let Some(beat) = detector.sample(raw, now as u32) {
            readings.push(Reading {
                at_ms: now,
                bpm: beat.bpm,
                quality: beat.quality,
                interval_ms: beat.interval_ms,
            });
        }
    }
    readings
}

/// The time of sample `index` at the board's rate, in ms.
pub fn sample_ms(index: usize) -> f64 {
    index as f64 * 1000.0 / f64::from(SAMPLE_RATE_HZ)
}

/// One 20-second window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    pub start_ms: f64,
    /// The reference rate, when the reference finds the window clean.
    pub reference: Option<f64>,
    /// The detector's rate, if it reported one through most of the window.
    pub detector: Option<f64>,
}

impl Window {
    /// Detector minus reference, where both have a rate.
    pub fn error(&self) -> Option<f64> {
        Some(self.detector? - self.reference?)
    }
}

/// The windows of `recording`, scored against `readings`.
pub fn windows(recording: &Recording, readings: &[Reading]) -> Vec<Window> {
    let length = recording.seconds() * 1000.0;
    let mut out = Vec::new();
    let mut start = 0.0;
    while start + WINDOW_MS <= length + 1.0 {
        let end = start + WINDOW_MS;
        let inside: Vec<f64> = readings
            .iter()
            .filter(|r| r.at_ms >= start && r.at_ms < end && r.interval_ms > 0)
            .map(|r| f64::from(r.interval_ms))
            .collect();
        let covered: f64 = inside.iter().sum();
        out.push(Window {
            start_ms: start,
            reference: reference_rate(recording, start, end),
            detector: (covered >= COVERED * WINDOW_MS)
                .then(|| 60_000.0 * inside.len() as f64 / covered),
        });
        start += STEP_MS;
    }
    out
}

/// The reference rate over `[start, end)`, if the window is clean.
fn reference_rate(recording: &Recording, start: f64, end: f64) -> Option<f64> {
    let beats: Vec<f64> = recording
        .beats_ms
        .iter()
        .copied()
        .filter(|&t| t >= start && t < end)
        .collect();
    let intervals: Vec<f64> = beats.windows(2).map(|w| w[1] - w[0]).collect();
    if intervals.len() < 3 {
        return None;
    }
    let total: f64 = intervals.iter().sum();
    let median = median(&intervals);
    let regular = intervals
        .iter()
        .all(|&i| (i - median).abs() <= 0.3 * median);
    let covered = total >= 0.8 * (end - start);
    let seconds = (start / 1000.0) as usize..(end / 1000.0) as usize;
    let quality: Vec<f32> = recording
        .quality
        .get(seconds)
        .map(|q| q.iter().copied().filter(|q| q.is_finite()).collect())
        .unwrap_or_default();
    let good = quality.is_empty() || quality.iter().sum::<f32>() / quality.len() as f32 >= 0.5;
    (regular && covered && good).then(|| 60_000.0 * intervals.len() as f64 / total)
}

/// Median of a non-empty list.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// A recording's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub windows: usize,
    /// Windows the reference finds clean.
    pub clean: usize,
    /// Clean windows where the detector is within 2 BPM.
    pub within_2: usize,
    /// Median and worst absolute error over clean windows with a rate.
    pub median_error: Option<f64>,
    pub worst_error: Option<f64>,
    /// Seconds from the pulse appearing to the first rate.
    pub lock_s: Option<f64>,
    /// Rates reported in all.
    pub readings: usize,
    /// Rates reported before the pulse appeared.
    pub early: usize,
}

impl Score {
    /// Share of clean windows within 2 BPM.
    pub fn within_2_share(&self) -> f64 {
        if self.clean == 0 {
            return 0.0;
        }
        self.within_2 as f64 / self.clean as f64
    }
}

/// Scores `readings` on `recording`, counting windows that start at or
/// after `settle_ms` from the pulse appearing.
pub fn score(recording: &Recording, readings: &[Reading], settle_ms: f64) -> Score {
    let from = f64::from(recording.onset_ms) + settle_ms;
    let windows: Vec<Window> = windows(recording, readings)
        .into_iter()
        .filter(|w| w.start_ms >= from)
        .collect();
    let clean: Vec<&Window> = windows.iter().filter(|w| w.reference.is_some()).collect();
    let errors: Vec<f64> = clean
        .iter()
        .filter_map(|w| w.error())
        .map(f64::abs)
        .collect();
    let onset = f64::from(recording.onset_ms);
    Score {
        windows: windows.len(),
        clean: clean.len(),
        within_2: errors.iter().filter(|&&e| e <= 2.0).count(),
        median_error: (!errors.is_empty()).then(|| median(&errors)),
        worst_error: errors.iter().copied().reduce(f64::max),
        lock_s: readings
            .iter()
            .find(|r| r.at_ms >= onset)
            .map(|r| (r.at_ms - onset) / 1000.0),
        readings: readings.len(),
        early: readings.iter().filter(|r| r.at_ms < onset).count(),
    }
}

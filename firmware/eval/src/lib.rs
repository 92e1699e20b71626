//! How right the board's heart rate is: runs the firmware core's pulse
//! detector over real finger PPG recordings and synthetic signals, compares
//! it window by window with reference beats found by another
//! implementation (neurokit2) or known from the generator, and checks the
//! targets of the heart-rate design record (`docs/design/heart-rate.md`).
//! `cargo xtask hr-eval` fetches the recordings and prints the table.

pub mod cases;
pub mod recording;
pub mod score;

use recording::{Expect, Kind, Recording};
use score::Score;

/// Windows that start this long after the pulse appears are "settled";
/// earlier ones are not scored (the time to lock is, separately).
pub const SETTLE_MS: f64 = 10_000.0;

/// Longest time from a finger appearing to a rate, seconds, for hearts
/// beating at [`LOCK_FROM_BPM`] or faster. (Slower, three beats, which a
/// rate needs, take more than 4 s: the lock time is shown, not judged.)
pub const LOCK_S: f64 = 5.0;
pub const LOCK_FROM_BPM: f64 = 50.0;

/// One line of the table.
#[derive(Debug, Clone)]
pub struct Row {
    pub recording: Recording,
    pub score: Score,
    /// The targets it misses (judged only where `recording.target`).
    pub failures: Vec<String>,
}

impl Row {
    /// Whether this row misses a target that applies to it.
    pub fn misses(&self) -> bool {
        self.recording.target && !self.failures.is_empty()
    }
}

/// Scores one recording against its targets.
pub fn evaluate(recording: Recording) -> Row {
    let readings = score::run(&recording.samples);
    let score = score::score(&recording, &readings, SETTLE_MS);
    let failures = targets(&recording, &score);
    Row {
        recording,
        score,
        failures,
    }
}

/// The targets `score` misses for `recording`.
fn targets(recording: &Recording, score: &Score) -> Vec<String> {
    let mut failures = Vec::new();
    if recording.expect == Expect::Nothing {
        if score.readings > 0 {
            failures.push(format!(
                "{} rates from a signal with no pulse",
                score.readings
            ));
        }
        return failures;
    }
    if score.early > 0 {
        failures.push(format!("{} rates before the pulse appeared", score.early));
    }
    if score.clean == 0 {
        failures.push("no window the reference finds clean".into());
        return failures;
    }
    let share = score.within_2_share();
    match recording.kind {
        Kind::Real if share < 0.95 => failures.push(format!(
            "{:.0}% of clean windows within 2 BPM (target 95%)",
            share * 100.0
        )),
        Kind::Synthetic if score.within_2 < score.clean => failures.push(format!(
            "{} of {} settled windows more than 2 BPM off",
            score.clean - score.within_2,
            score.clean
        )),
        _ => {}
    }
    if let Some(worst) = score.worst_error.filter(|&w| w > 5.0) {
        failures.push(format!("a window {worst:.1} BPM off (target at most 5)"));
    }
    let intervals: Vec<f64> = recording.beats_ms.windows(2).map(|w| w[1] - w[0]).collect();
    let rate = 60_000.0 / score::median(&intervals);
    match score.lock_s {
        None => failures.push("never locked".into()),
        Some(lock)
            if recording.kind == Kind::Synthetic && rate >= LOCK_FROM_BPM && lock > LOCK_S =>
        {
            failures.push(format!("locked after {lock:.1} s (target {LOCK_S} s)"))
        }
        _ => {}
    }
    failures
}

/// The table, as Markdown.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| recording | kind | length | clean windows within 2 BPM | median error | worst error | lock | rates | targets |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    let bpm = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.1} BPM"));
    for row in rows {
        let s = &row.score;
        let within = if row.recording.expect == Expect::Nothing {
            "no pulse: none expected".to_owned()
        } else {
            format!(
                "{}/{} ({:.0}%)",
                s.within_2,
                s.clean,
                s.within_2_share() * 100.0
            )
        };
        out.push_str(&format!(
            "| {} | {} | {:.0} s | {} | {} | {} | {} | {} | {} |\n",
            row.recording.name,
            match row.recording.kind {
                Kind::Real => "real",
                Kind::Synthetic => "synthetic",
            },
            row.recording.seconds(),
            within,
            bpm(s.median_error),
            bpm(s.worst_error),
            s.lock_s.map_or("-".to_owned(), |l| format!("{l:.1} s")),
            s.readings,
            match (row.recording.target, row.failures.is_empty()) {
                (true, true) => "met".to_owned(),
                (true, false) => format!("**missed**: {}", row.failures.join("; ")),
                (false, true) => "none set; would be met".to_owned(),
                (false, false) => format!("none set; {}", row.failures.join("; ")),
            },
        ));
    }
    out
}

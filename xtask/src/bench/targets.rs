//! The targets the issue sets for this machine (two cores, the server on
//! one of them, 1280x720 at 30 fps): frame rate, gaps, CPU, memory and
//! bandwidth with 200 and 400 viewers, latency with 50, frames kept by a
//! recording while 200 watch, and CPU with nobody watching. Each target
//! applies to the runs that match it (that many viewers of one kind, at
//! that size, with or without a recording) and is printed as a markdown
//! table next to the measured figure with whether it was met. A figure
//! that cannot be right is not judged: H.264 latency when the headers say
//! encoding took no time. "One viewer: less CPU than the Flask example"
//! compares the server's CPU with one JPEG viewer (`1`) and with one MJPEG
//! viewer (`1m`) against the Flask example's with one viewer (`1f`, the
//! same size, measured in the same bench run); without a `1f` run, or
//! when the camrig run was recording, the row says why it was not
//! compared.

use std::fmt::Write as _;

use super::report::{Group, RunResult, show, size_label};
use super::spec::Kind;

/// A target the issue sets, checked against a measured figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub what: String,
    pub run: String,
    pub measured: Option<f64>,
    pub decimals: usize,
    pub unit: &'static str,
    /// The bound, and whether the figure must be at least (else at most) it.
    pub limit: f64,
    pub at_least: bool,
    /// Why the figure cannot be judged, when it cannot.
    pub caveat: Option<&'static str>,
}

impl Check {
    pub fn met(&self) -> Option<bool> {
        if self.caveat.is_some() {
            return None;
        }
        let m = self.measured?;
        Some(if self.at_least {
            m >= self.limit
        } else {
            m <= self.limit
        })
    }
}

/// The size the targets are set for.
pub const TARGET_SIZE: [u32; 3] = [1280, 720, 30];

/// A figure of a run that a target bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Figure {
    FpsMin,
    GapP99,
    Cpu,
    Rss,
    Mbit,
    LatencyP50,
    LatencyP99,
    PulseP99,
}

impl Figure {
    /// Name, unit and decimals.
    fn shown(self) -> (&'static str, &'static str, usize) {
        match self {
            Figure::FpsMin => ("every viewer's fps", "fps", 1),
            Figure::GapP99 => ("gap p99", "ms", 1),
            Figure::Cpu => ("server CPU", "cores", 3),
            Figure::Rss => ("server RSS", "MB", 1),
            Figure::Mbit => ("bandwidth per viewer", "Mbit/s", 2),
            Figure::LatencyP50 => ("latency p50", "ms", 1),
            Figure::LatencyP99 => ("latency p99", "ms", 1),
            Figure::PulseP99 => ("heart-rate sample to the viewer, p99", "ms", 1),
        }
    }

    fn of(self, r: &RunResult, g: &Group) -> Option<f64> {
        match self {
            Figure::FpsMin => g.fps_min,
            Figure::GapP99 => g.gap_p99_ms,
            Figure::Cpu => r.cpu[0],
            Figure::Rss => r.memory.map(|m| m.0),
            Figure::Mbit => g.mbit_per_viewer,
            Figure::LatencyP50 => g.latency_p50_ms,
            Figure::LatencyP99 => g.latency_p99_ms,
            Figure::PulseP99 => g.pulse_p99_ms,
        }
    }
}

/// The targets for a run of that many viewers of one kind at
/// [`TARGET_SIZE`] without a recording: (kind, viewers, figure, bound,
/// whether the figure must be at least the bound).
const TARGETS: &[(Kind, usize, Figure, f64, bool)] = &[
    (Kind::Jpeg, 200, Figure::FpsMin, 29.5, true),
    (Kind::Jpeg, 200, Figure::GapP99, 40.0, false),
    (Kind::Jpeg, 200, Figure::Cpu, 0.25, false),
    (Kind::Jpeg, 200, Figure::Rss, 80.0, false),
    // Measured with `--heart` (the server runs its simulated board).
    (Kind::Jpeg, 200, Figure::PulseP99, 50.0, false),
    (Kind::H264, 200, Figure::FpsMin, 29.5, true),
    (Kind::H264, 200, Figure::Cpu, 0.35, false),
    (Kind::H264, 200, Figure::Mbit, 2.5, false),
    (Kind::Jpeg, 400, Figure::FpsMin, 29.0, true),
    (Kind::Jpeg, 400, Figure::Cpu, 0.45, false),
    (Kind::Jpeg, 50, Figure::LatencyP50, 8.0, false),
    (Kind::Jpeg, 50, Figure::LatencyP99, 20.0, false),
    // "H.264 within 15 ms more" than JPEG's.
    (Kind::H264, 50, Figure::LatencyP50, 23.0, false),
    (Kind::H264, 50, Figure::LatencyP99, 35.0, false),
];

/// The targets that apply to the runs measured.
pub fn checks(results: &[RunResult]) -> Vec<Check> {
    let mut checks = Vec::new();
    for r in results.iter().filter(|r| r.not_run.is_none()) {
        let run = format!("{} @ {}x{}", r.spec.label(), r.size[0], r.size[1]);
        let check =
            |what: String, measured, (decimals, unit): (usize, &'static str), limit| Check {
                what,
                run: run.clone(),
                measured,
                decimals,
                unit,
                limit,
                at_least: false,
                caveat: None,
            };
        if r.spec.is_nobody() {
            if !r.spec.keep_running {
                let what = "nobody watching, not recording: server CPU".to_owned();
                checks.push(check(what, r.cpu[0], (3, "cores"), 0.02));
            }
            continue;
        }
        if let Some(recorded) = &r.recorded {
            if r.spec.total() == 200 && r.size == TARGET_SIZE {
                let what = "recording while 200 watch: frames in the file".to_owned();
                checks.push(Check {
                    at_least: true,
                    ..check(what, recorded.percent(), (2, "%"), 99.5)
                });
            }
            continue;
        }
        let (Some(kind), Some(g), true) = (r.spec.only(), r.groups.first(), r.size == TARGET_SIZE)
        else {
            continue;
        };
        let applying = TARGETS
            .iter()
            .filter(|(k, n, ..)| *k == kind && *n == g.viewers);
        for &(_, n, figure, limit, at_least) in applying {
            // Only runs with the simulated board (`--heart`) have pulses.
            if figure == Figure::PulseP99 && g.pulses == 0 {
                continue;
            }
            let (name, unit, decimals) = figure.shown();
            let short = if kind == Kind::Jpeg { "JPEG" } else { "H.264" };
            let latency = matches!(figure, Figure::LatencyP50 | Figure::LatencyP99);
            checks.push(Check {
                at_least,
                caveat: (latency && g.stamps_suspect())
                    .then_some("the capture time is missing from the H.264 headers"),
                ..check(
                    format!("{n} {short} viewers: {name}"),
                    figure.of(r, g),
                    (decimals, unit),
                    limit,
                )
            });
        }
    }
    checks
}

/// A camrig run with one viewer of `kind` (at [`TARGET_SIZE`] if there
/// is one, else the first).
fn one_viewer(results: &[RunResult], kind: Kind) -> Option<&RunResult> {
    let one = |r: &&RunResult| r.only(kind).is_some_and(|g| g.viewers == 1) && r.not_run.is_none();
    let mut ones = results.iter().filter(one);
    ones.clone()
        .find(|r| r.size == TARGET_SIZE)
        .or_else(|| ones.next())
}

/// The rows comparing one camrig viewer's server CPU with the Flask
/// example's (`1f` at the same size): one for `1`, one for `1m`, when
/// measured.
pub fn flask_rows(results: &[RunResult]) -> Vec<String> {
    let mut rows = Vec::new();
    for kind in [Kind::Jpeg, Kind::Mjpeg] {
        let Some(r) = one_viewer(results, kind) else {
            continue;
        };
        let flask = results
            .iter()
            .find(|f| f.only(Kind::Flask).is_some_and(|g| g.viewers == 1) && f.size == r.size)
            .or_else(|| {
                // A `1f` that could not be measured, to say why.
                results
                    .iter()
                    .find(|f| f.spec.count(Kind::Flask) == 1 && f.size == r.size)
            });
        let camrig = r.cpu[0];
        let (bound, met) = match (flask, &r.recorded) {
            (_, Some(_)) => (
                "-".to_owned(),
                "not compared: a recording ran through this run".to_owned(),
            ),
            (None, None) => (
                "< the Flask example's".to_owned(),
                "not compared: no `1f` run at this size (add `1f` to --runs)".to_owned(),
            ),
            (Some(f), None) => {
                let bound = format!("< {} cores ({})", show(f.cpu[0], 3), f.spec.label());
                let met = match (&f.not_run, camrig, f.cpu[0]) {
                    (Some(why), ..) => format!("not compared: {why}"),
                    (None, Some(ours), Some(theirs)) if ours < theirs => "yes".to_owned(),
                    // The figures as printed would look alike.
                    (None, Some(ours), Some(theirs))
                        if show(Some(ours), 3) == show(Some(theirs), 3) =>
                    {
                        "**no** (equal to 3 decimals)".to_owned()
                    }
                    (None, Some(_), Some(_)) => "**no**".to_owned(),
                    (None, ..) => "not measured".to_owned(),
                };
                (bound, met)
            }
        };
        let short = if kind == Kind::Jpeg { "JPEG" } else { "MJPEG" };
        rows.push(format!(
            "| 1 {short} viewer: less CPU than the Flask example | {} @ {}x{} | {} cores | \
             {bound} | {met} |",
            r.spec.label(),
            r.size[0],
            r.size[1],
            show(camrig, 3)
        ));
    }
    rows
}

/// The targets as a markdown table, with the comparison with the Flask
/// example.
pub fn targets_table(results: &[RunResult]) -> String {
    let checks = checks(results);
    let flask_rows = flask_rows(results);
    if checks.is_empty() && flask_rows.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "Targets (server on one core, {} unless the run says otherwise):\n\n",
        size_label(TARGET_SIZE)
    );
    let _ = writeln!(out, "| target | run | measured | target | met? |");
    let _ = writeln!(out, "|---|---|---:|---:|---|");
    for c in &checks {
        let measured = match c.measured {
            Some(m) => format!("{m:.prec$} {}", c.unit, prec = c.decimals),
            None => "-".to_owned(),
        };
        let bound = if c.at_least { "≥" } else { "≤" };
        let met = match (c.met(), c.caveat) {
            (_, Some(caveat)) => format!("not judged: {caveat}"),
            (Some(true), None) => "yes".to_owned(),
            (Some(false), None) => "**no**".to_owned(),
            (None, None) => "not measured".to_owned(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {measured} | {bound} {} {} | {met} |",
            c.what, c.run, c.limit, c.unit
        );
    }
    for row in flask_rows {
        let _ = writeln!(out, "{row}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::report::sample;

    #[test]
    fn targets_apply_to_the_matching_runs() {
        let results = [
            sample("200", 0.2, 29.9),
            sample("200h", 0.4, 29.9),
            sample("0", 0.01, 0.0),
            sample("0r", 0.1, 0.0),
            sample("10", 0.1, 30.0),
        ];
        let checks = checks(&results);
        let met: Vec<(&str, Option<bool>)> =
            checks.iter().map(|c| (c.what.as_str(), c.met())).collect();
        assert_eq!(
            met,
            [
                ("200 JPEG viewers: every viewer's fps", Some(true)),
                ("200 JPEG viewers: gap p99", None),
                ("200 JPEG viewers: server CPU", Some(true)),
                ("200 JPEG viewers: server RSS", Some(true)),
                ("200 H.264 viewers: every viewer's fps", Some(true)),
                ("200 H.264 viewers: server CPU", Some(false)),
                ("200 H.264 viewers: bandwidth per viewer", Some(true)),
                ("nobody watching, not recording: server CPU", Some(true)),
            ]
        );
        let mut h264 = sample("50h", 0.2, 30.0);
        h264.groups[0].latency_p50_ms = Some(0.4);
        h264.groups[0].encode_p50_ms = Some(0.0);
        let judged: Vec<Option<&str>> = super::checks(&[h264]).iter().map(|c| c.caveat).collect();
        assert!(judged.len() == 2 && judged.iter().all(Option::is_some));
        // With the simulated board, the heart rate's delay is judged too.
        let mut heart = sample("200", 0.2, 29.9);
        heart.groups[0].pulses = 10;
        heart.groups[0].pulse_p99_ms = Some(3.5);
        let judged: Vec<(String, Option<bool>)> = super::checks(&[heart])
            .iter()
            .map(|c| (c.what.clone(), c.met()))
            .collect();
        assert!(judged.contains(&(
            "200 JPEG viewers: heart-rate sample to the viewer, p99".to_owned(),
            Some(true)
        )));
        let table = targets_table(&results);
        assert!(table.contains("| 200h @ 1280x720 | 0.400 cores | ≤ 0.35 cores | **no** |"));
        assert!(
            !table.contains("Flask"),
            "no one-viewer run, no comparison: {table}"
        );
    }

    #[test]
    fn one_viewer_is_compared_with_the_flask_example() {
        let results = [
            sample("1", 0.3, 30.0),
            sample("1m", 0.5, 30.0),
            sample("1f", 0.4, 30.0),
            sample("200f", 0.9, 10.0),
        ];
        let rows = flask_rows(&results);
        assert_eq!(
            rows,
            [
                "| 1 JPEG viewer: less CPU than the Flask example | 1 @ 1280x720 | 0.300 cores | \
                 < 0.400 cores (1f) | yes |",
                "| 1 MJPEG viewer: less CPU than the Flask example | 1m @ 1280x720 | 0.500 cores | \
                 < 0.400 cores (1f) | **no** |",
            ]
        );
        assert!(
            checks(&results).is_empty(),
            "the Flask runs meet no camrig target"
        );
        assert!(targets_table(&results).contains(&rows[1]));

        // Without a `1f`, or with one that did not start, the row says why.
        let alone = flask_rows(&results[..1]);
        assert!(alone[0].contains("| < the Flask example's | not compared: no `1f` run"));
        let failed = RunResult::not_run(results[2].spec, [1280, 720, 30], "no venv".into());
        let rows = flask_rows(&[results[0].clone(), failed]);
        assert!(rows[0].ends_with("| < - cores (1f) | not compared: no venv |"));
        // A tie as printed says so.
        let tie = [sample("1m", 0.3341, 30.0), sample("1f", 0.3338, 30.0)];
        assert!(flask_rows(&tie)[0].ends_with("| **no** (equal to 3 decimals) |"));
        // At another size the example does not count.
        let mut small = sample("1f", 0.1, 30.0);
        small.size = [640, 480, 30];
        assert!(flask_rows(&[results[0].clone(), small])[0].contains("no `1f` run"));
    }
}

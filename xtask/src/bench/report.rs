//! Turning what the viewers saw into figures and printing them: per kind
//! of viewer in a run, the frame rate of the slowest viewer and the
//! median one (a viewer that never connected counts as 0 fps), the 99th
//! percentile of the gaps between frames and the capture-to-receive
//! latency (pooled over the viewers), the header's encode time, skipped
//! frames by sequence number, and the bandwidth per viewer; per run, the
//! server's CPU and memory, the load generator's CPU, the recording, and
//! where the server's time went. A run of the Flask example (`1f`) has the
//! same figures, its process in the server's place, and no latency (its
//! JPEGs carry no capture time). Each run prints a block as it ends; at
//! the end come markdown tables for the README: the results, server CPU
//! by viewers and by resolution, and by stage (the targets are in
//! `targets.rs`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Instant;

use super::profile::{self, Share};
use super::run::Measured;
use super::spec::{Kind, RunSpec};
use super::viewer::ViewerStats;

/// The figures of one kind of viewer in a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub kind: Kind,
    pub viewers: usize,
    pub receiving: usize,
    pub fps_min: Option<f64>,
    pub fps_median: Option<f64>,
    pub gap_p99_ms: Option<f64>,
    pub latency_p50_ms: Option<f64>,
    pub latency_p99_ms: Option<f64>,
    pub encode_p50_ms: Option<f64>,
    pub encode_p99_ms: Option<f64>,
    /// Frames missing by sequence number, as a share of those expected.
    pub skipped_pct: Option<f64>,
    /// How often a viewer's sequence jumped, and how many of those jumps
    /// landed on a key frame.
    pub jumps: u64,
    pub key_jumps: u64,
    /// Frames whose number did not increase (numbering, not delivery).
    pub repeats: u64,
    /// Key frames a second, median viewer.
    pub keys_per_s: Option<f64>,
    /// Mbit/s, median viewer.
    pub mbit_per_viewer: Option<f64>,
    /// Pulse batches from the board's line to the viewer, all viewers.
    pub pulse_p50_ms: Option<f64>,
    pub pulse_p99_ms: Option<f64>,
    /// How many pulse batches the viewers received.
    pub pulses: usize,
}

/// Why H.264 latency is not taken at its word when the headers say no
/// time went into encoding.
pub const H264_STAMPS: &str = "the headers say 0 ms encode time: the server stamps H.264 \
     frames when they leave the encoder, not when they were captured (x264enc's output \
     timestamps carry a 1000-hour offset that its capture time does not undo), so this \
     latency leaves out capture and encoding";

impl Group {
    /// The frames' capture times cannot be right: no encoder takes no time.
    pub fn stamps_suspect(&self) -> bool {
        self.kind == Kind::H264 && self.encode_p50_ms.is_some_and(|ms| ms < 0.05)
    }
}

/// How much of the recording made during a run is in its file.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// Frames in the file.
    pub frames: Option<u64>,
    /// Frames the file's time span holds at the camera's frame rate.
    pub expected: Option<f64>,
    /// Seconds from the start command to the stop command's answer.
    pub wall_s: f64,
    /// Why the file could not be counted, if it could not.
    pub note: Option<String>,
}

impl Recorded {
    /// Frames in the file as a share of the frames its span holds.
    pub fn percent(&self) -> Option<f64> {
        let (frames, expected) = (self.frames?, self.expected?);
        (expected > 0.0).then(|| frames as f64 * 100.0 / expected)
    }
}

/// One run's figures.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub spec: RunSpec,
    /// Width, height, frames per second.
    pub size: [u32; 3],
    pub groups: Vec<Group>,
    /// Cores of the server, of the load generator and of every other
    /// process on the machine.
    pub cpu: [Option<f64>; 3],
    /// The server's (RSS, peak RSS) in MB.
    pub memory: Option<(f64, f64)>,
    pub profile: Vec<Share>,
    /// The recording made during the run, if one was.
    pub recorded: Option<Recorded>,
    /// Remarks printed with the run (idle waits, skipped runs).
    pub notes: Vec<String>,
    /// Viewer errors and how many viewers had each.
    pub errors: BTreeMap<String, usize>,
    /// The run was not measured, and why.
    pub not_run: Option<String>,
}

impl RunResult {
    /// A run that could not be measured.
    pub fn not_run(spec: RunSpec, size: [u32; 3], why: String) -> Self {
        RunResult {
            spec,
            size,
            groups: Vec::new(),
            cpu: [None; 3],
            memory: None,
            profile: Vec::new(),
            recorded: None,
            notes: Vec::new(),
            errors: BTreeMap::new(),
            not_run: Some(why),
        }
    }

    /// The figures of the run's one kind of viewer.
    pub fn only(&self, kind: Kind) -> Option<&Group> {
        (self.spec.only() == Some(kind))
            .then(|| self.groups.first())
            .flatten()
    }

    /// Viewers that received at least one frame.
    pub fn receiving(&self) -> usize {
        self.groups.iter().map(|g| g.receiving).sum()
    }
}

fn sorted(mut values: Vec<f64>) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    values
}

/// Nearest-rank percentile of an ascending slice; `None` when empty.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len().max(1)) - 1).copied()
}

/// The figures of `kind`'s viewers among `stats`, over a window of
/// `seconds`.
pub fn group(kind: Kind, stats: &[&ViewerStats], seconds: f64) -> Group {
    let per_viewer = |f: &dyn Fn(&ViewerStats) -> f64| sorted(stats.iter().map(|v| f(v)).collect());
    let fps = per_viewer(&|v| v.times.len() as f64 / seconds);
    let mbit = per_viewer(&|v| v.bytes as f64 * 8.0 / seconds / 1e6);
    let keys = per_viewer(&|v| v.keys as f64 / seconds);
    let gap_ms = |p: &[Instant]| (p[1] - p[0]).as_secs_f64() * 1e3;
    let gaps = sorted(
        stats
            .iter()
            .flat_map(|v| v.times.windows(2).map(gap_ms))
            .collect(),
    );
    let pooled = |f: fn(&ViewerStats) -> &Vec<f64>| {
        sorted(stats.iter().flat_map(|v| f(v).iter().copied()).collect())
    };
    let latencies = pooled(|v| &v.latencies_ms);
    let encode = pooled(|v| &v.encode_ms);
    let pulse = pooled(|v| &v.pulse_ms);
    let skipped: u64 = stats.iter().map(|v| v.skipped).sum();
    let ws_frames: usize = stats
        .iter()
        .filter(|v| v.last_seq.is_some())
        .map(|v| v.times.len())
        .sum();
    let expected = skipped as f64 + ws_frames as f64;
    let has_headers = kind.has_headers();
    Group {
        kind,
        viewers: stats.len(),
        receiving: stats.iter().filter(|v| !v.times.is_empty()).count(),
        fps_min: fps.first().copied(),
        fps_median: percentile(&fps, 50.0),
        gap_p99_ms: percentile(&gaps, 99.0),
        latency_p50_ms: percentile(&latencies, 50.0),
        latency_p99_ms: percentile(&latencies, 99.0),
        encode_p50_ms: percentile(&encode, 50.0),
        encode_p99_ms: percentile(&encode, 99.0),
        skipped_pct: (has_headers && expected > 0.0).then(|| skipped as f64 * 100.0 / expected),
        jumps: stats.iter().map(|v| v.skips).sum(),
        key_jumps: stats.iter().map(|v| v.key_skips).sum(),
        repeats: stats.iter().map(|v| v.repeats).sum(),
        keys_per_s: (kind == Kind::H264)
            .then(|| percentile(&keys, 50.0))
            .flatten(),
        mbit_per_viewer: percentile(&mbit, 50.0),
        pulse_p50_ms: percentile(&pulse, 50.0),
        pulse_p99_ms: percentile(&pulse, 99.0),
        pulses: pulse.len(),
    }
}

/// A run's figures from what it measured.
pub fn summarise(spec: RunSpec, size: [u32; 3], measured: &Measured) -> RunResult {
    let groups = spec
        .kinds()
        .map(|kind| {
            let stats: Vec<&ViewerStats> =
                measured.stats.iter().filter(|v| v.kind == kind).collect();
            group(kind, &stats, measured.seconds)
        })
        .collect();
    let mut errors = BTreeMap::new();
    for error in measured.stats.iter().filter_map(|v| v.error.clone()) {
        *errors.entry(error).or_insert(0) += 1;
    }
    RunResult {
        spec,
        size,
        groups,
        cpu: measured.cpu,
        memory: measured.memory,
        profile: measured.profile.clone(),
        recorded: None,
        notes: Vec::new(),
        errors,
        not_run: None,
    }
}

/// A figure with `decimals`, or `-`.
pub fn show(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{v:.decimals$}"))
}

/// `1280x720 @ 30 fps`.
pub fn size_label([w, h, fps]: [u32; 3]) -> String {
    format!("{w}x{h} @ {fps} fps")
}

/// The block printed after each run.
pub fn print_block(r: &RunResult) {
    let mut out = String::new();
    let line = |out: &mut String, name: &str, value: String| {
        let _ = writeln!(out, "  {name:<26} {value}");
    };
    if let Some(why) = &r.not_run {
        line(&mut out, "not measured", why.clone());
    }
    for g in &r.groups {
        let _ = writeln!(
            out,
            "  {}: {}/{} receiving",
            g.kind.label(),
            g.receiving,
            g.viewers
        );
        let fps = format!("{} / {}", show(g.fps_min, 1), show(g.fps_median, 1));
        line(&mut out, "  fps min / median", fps);
        line(
            &mut out,
            "  gap p99",
            format!("{} ms", show(g.gap_p99_ms, 1)),
        );
        if g.kind.has_headers() {
            let latency = format!(
                "{} / {} ms (capture to encoded, from the header: {} / {} ms)",
                show(g.latency_p50_ms, 1),
                show(g.latency_p99_ms, 1),
                show(g.encode_p50_ms, 1),
                show(g.encode_p99_ms, 1)
            );
            line(&mut out, "  latency p50 / p99", latency);
            if g.stamps_suspect() {
                line(&mut out, "  caution", H264_STAMPS.to_owned());
            }
            let mut skipped = format!("{} % ({} jumps", show(g.skipped_pct, 2), g.jumps);
            if let Some(keys) = g.keys_per_s {
                let _ = write!(
                    skipped,
                    ", {} to a key frame; {keys:.2} key frames/s per viewer",
                    g.key_jumps
                );
            }
            skipped.push(')');
            if g.repeats > 0 {
                let _ = write!(
                    skipped,
                    "; {} frames numbered no higher than the one before \
                     (the server's frame numbers are approximate)",
                    g.repeats
                );
            }
            line(&mut out, "  skipped", skipped);
        }
        let mbit = format!("{} Mbit/s per viewer", show(g.mbit_per_viewer, 2));
        line(&mut out, "  bandwidth", mbit);
        if g.pulses > 0 {
            let pulse = format!(
                "{} / {} ms from the board's line to the viewer ({} batches)",
                show(g.pulse_p50_ms, 1),
                show(g.pulse_p99_ms, 1),
                g.pulses
            );
            line(&mut out, "  heart p50 / p99", pulse);
        }
    }
    let memory = match r.memory {
        Some((rss, peak)) => format!(", RSS {rss:.1} MB, peak {peak:.1} MB"),
        None => String::new(),
    };
    if r.not_run.is_none() {
        let server = if r.spec.is_flask() {
            "Flask example"
        } else {
            "server"
        };
        line(
            &mut out,
            server,
            format!("{} cores{memory}", show(r.cpu[0], 3)),
        );
        line(
            &mut out,
            "load generator",
            format!("{} cores", show(r.cpu[1], 2)),
        );
        line(
            &mut out,
            "other processes",
            format!("{} cores", show(r.cpu[2], 2)),
        );
    }
    if let Some(rec) = &r.recorded {
        line(&mut out, "recording", recording_text(rec, r.size[2]));
    }
    for note in &r.notes {
        line(&mut out, "note", note.clone());
    }
    for (error, count) in r.errors.iter().take(3) {
        line(&mut out, &format!("error ({count}x)"), error.clone());
    }
    if !r.profile.is_empty() {
        let total: f64 = r.profile.iter().map(|s| s.cores).sum();
        let _ = writeln!(
            out,
            "  where the server's time goes (threads by name; stage names approximate):"
        );
        for share in r.profile.iter().take(8) {
            let threads = match share.threads {
                1 => "1 thread".to_owned(),
                n => format!("{n} threads"),
            };
            let _ = writeln!(
                out,
                "    {:.3} cores {:>4.0} %  {:<16} {} ({threads})",
                share.cores,
                share.cores * 100.0 / total.max(1e-9),
                share.group,
                share.stage.unwrap_or("-")
            );
        }
    }
    println!("{out}");
}

fn recording_text(rec: &Recorded, fps: u32) -> String {
    let wall = format!("{:.1} s from start to stop", rec.wall_s);
    match (rec.frames, rec.expected) {
        (Some(frames), Some(expected)) => format!(
            "{frames} frames in the file, {} % of the {expected:.0} its span holds at {fps} fps \
             ({:.1} fps over the {wall})",
            show(rec.percent(), 2),
            frames as f64 / rec.wall_s.max(1e-9),
        ),
        _ => format!(
            "{wall}; {}",
            rec.note.as_deref().unwrap_or("the file was not counted")
        ),
    }
}

/// The results as a markdown table, one row per kind of viewer per run.
pub fn results_table(results: &[RunResult]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| run | resolution | viewers | receiving | fps min | fps median | gap p99 ms | \
         latency p50 ms | latency p99 ms | encode p50 ms | skipped % | Mbit/s per viewer | \
         server CPU cores | server RSS MB | server peak RSS MB | bench CPU cores | other CPU cores | \
         recorded % |"
    );
    let _ = writeln!(out, "|---|---|---|{}", "---:|".repeat(15));
    for r in results {
        let [w, h, _] = r.size;
        let server = [
            show(r.cpu[0], 3),
            show(r.memory.map(|m| m.0), 1),
            show(r.memory.map(|m| m.1), 1),
            show(r.cpu[1], 2),
            show(r.cpu[2], 2),
            show(r.recorded.as_ref().and_then(Recorded::percent), 2),
        ]
        .join(" | ");
        let label = r.spec.label();
        if r.groups.is_empty() {
            let who = match (&r.not_run, r.spec.keep_running) {
                (Some(_), _) => "not measured",
                (None, false) => "nobody (camera paused)",
                (None, true) => "nobody (camera running)",
            };
            let blanks = ["-"; 9].join(" | ");
            let _ = writeln!(out, "| {label} | {w}x{h} | {who} | {blanks} | {server} |");
        }
        for g in &r.groups {
            let cells = [
                g.receiving.to_string(),
                show(g.fps_min, 1),
                show(g.fps_median, 1),
                show(g.gap_p99_ms, 1),
                show(g.latency_p50_ms, 1),
                show(g.latency_p99_ms, 1),
                show(g.encode_p50_ms, 1),
                show(g.skipped_pct, 2),
                show(g.mbit_per_viewer, 2),
            ]
            .join(" | ");
            let viewers = format!("{} {}", g.viewers, g.kind.label());
            let _ = writeln!(
                out,
                "| {label} | {w}x{h} | {viewers} | {cells} | {server} |"
            );
        }
    }
    out
}

/// Server CPU by number of viewers, one row per kind, for the runs with
/// one kind of viewer (and nobody) at each resolution.
pub fn cpu_by_viewers(results: &[RunResult]) -> String {
    let mut out = String::new();
    let mut sizes: Vec<[u32; 3]> = results.iter().map(|r| r.size).collect();
    sizes.dedup();
    for size in sizes {
        let at: Vec<&RunResult> = results
            .iter()
            .filter(|r| r.size == size && r.not_run.is_none())
            .collect();
        let mut counts: Vec<usize> = at
            .iter()
            .filter(|r| r.spec.only().is_some())
            .map(|r| r.spec.total())
            .collect();
        counts.sort_unstable();
        counts.dedup();
        if counts.is_empty() {
            continue;
        }
        let nobody = |keep_running| {
            at.iter()
                .find(|r| r.spec.is_nobody() && r.spec.keep_running == keep_running)
                .and_then(|r| r.cpu[0])
        };
        let heads: Vec<String> = counts.iter().map(usize::to_string).collect();
        let _ = writeln!(
            out,
            "Server CPU (cores) by viewers, {}:\n",
            size_label(size)
        );
        let _ = writeln!(
            out,
            "| viewers | nobody, paused | nobody, running | {} |",
            heads.join(" | ")
        );
        let _ = writeln!(out, "|---|{}", "---:|".repeat(counts.len() + 2));
        for kind in Kind::ALL {
            let cells: Vec<String> = counts
                .iter()
                .map(|&n| {
                    let run = at
                        .iter()
                        .find(|r| r.spec.only() == Some(kind) && r.spec.total() == n);
                    show(run.and_then(|r| r.cpu[0]), 3)
                })
                .collect();
            if cells.iter().all(|c| c == "-") {
                continue;
            }
            // Nobody watching is measured of camrig only.
            let (paused, running) = match kind {
                Kind::Flask => (None, None),
                _ => (nobody(false), nobody(true)),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                kind.label(),
                show(paused, 3),
                show(running, 3),
                cells.join(" | ")
            );
        }
        out.push('\n');
    }
    out
}

/// Server CPU by resolution for each run measured at more than one.
pub fn cpu_by_resolution(results: &[RunResult]) -> String {
    let mut sizes: Vec<[u32; 3]> = Vec::new();
    let mut runs: Vec<RunSpec> = Vec::new();
    for r in results {
        if !sizes.contains(&r.size) {
            sizes.push(r.size);
        }
        if !runs.contains(&r.spec) {
            runs.push(r.spec);
        }
    }
    if sizes.len() < 2 {
        return String::new();
    }
    let heads: Vec<String> = sizes.iter().map(|s| format!("{}x{}", s[0], s[1])).collect();
    let mut out = format!(
        "Server CPU (cores) by resolution, {} fps:\n\n| run | {} |\n|---|{}\n",
        sizes[0][2],
        heads.join(" | "),
        "---:|".repeat(sizes.len())
    );
    for spec in runs {
        let cells: Vec<String> = sizes
            .iter()
            .map(|size| {
                let run = results.iter().find(|r| r.spec == spec && r.size == *size);
                show(run.and_then(|r| r.cpu[0]), 3)
            })
            .collect();
        let _ = writeln!(
            out,
            "| {} ({}) | {} |",
            spec.label(),
            spec.describe(),
            cells.join(" | ")
        );
    }
    out
}

/// Where the server's time went in each run, by stage.
pub fn profile_table(results: &[RunResult]) -> String {
    let measured: Vec<&RunResult> = results.iter().filter(|r| !r.profile.is_empty()).collect();
    if measured.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "Server CPU (cores) by stage, from its threads' names (stage names approximate):\n\n",
    );
    let _ = writeln!(
        out,
        "| run | resolution | {} | total |",
        profile::COLUMNS.join(" | ")
    );
    let _ = writeln!(
        out,
        "|---|---|{}",
        "---:|".repeat(profile::COLUMNS.len() + 1)
    );
    for r in measured {
        let columns = profile::by_column(&r.profile);
        let cells: Vec<String> = columns.iter().map(|c| format!("{c:.3}")).collect();
        let total: f64 = columns.iter().sum();
        let _ = writeln!(
            out,
            "| {} | {}x{} | {} | {total:.3} |",
            r.spec.label(),
            r.size[0],
            r.size[1],
            cells.join(" | ")
        );
    }
    out
}

/// A measured run with made-up figures at 1280x720, 30 fps, for tests.
#[cfg(test)]
pub fn sample(spec: &str, cpu: f64, fps_min: f64) -> RunResult {
    let spec = super::spec::parse_runs(spec, 0).unwrap_or_default()[0];
    let groups = spec
        .kinds()
        .map(|kind| Group {
            viewers: spec.count(kind),
            receiving: spec.count(kind),
            fps_min: Some(fps_min),
            mbit_per_viewer: Some(1.5),
            ..group(kind, &[], 1.0)
        })
        .collect();
    RunResult {
        groups,
        cpu: [Some(cpu), Some(0.5), Some(0.0)],
        memory: Some((60.0, 70.0)),
        not_run: None,
        ..RunResult::not_run(spec, [1280, 720, 30], String::new())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn percentile_is_nearest_rank() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&values, 50.0), Some(50.0));
        assert_eq!(percentile(&values, 99.0), Some(99.0));
        assert_eq!(percentile(&values, 0.0), Some(1.0));
        assert_eq!(percentile(&[7.0], 99.0), Some(7.0));
        assert_eq!(percentile(&[], 50.0), None);
    }

    fn seen(kind: Kind) -> ViewerStats {
        let t0 = Instant::now();
        let mut v = ViewerStats::new(kind);
        v.times = [0, 100, 300]
            .map(|ms| t0 + Duration::from_millis(ms))
            .to_vec();
        v.bytes = 250_000;
        v.latencies_ms = vec![5.0, 1.0, 3.0];
        v.encode_ms = vec![2.0, 2.0, 4.0];
        v.keys = 1;
        v.last_seq = Some(4);
        v.skipped = 1;
        v.skips = 1;
        v.key_skips = 1;
        v.repeats = 2;
        v
    }

    #[test]
    fn groups_count_silent_viewers_and_skips() {
        let silent = ViewerStats::new(Kind::H264).failed("refused".into());
        let seen = seen(Kind::H264);
        let g = group(Kind::H264, &[&seen, &silent], 1.0);
        assert_eq!((g.viewers, g.receiving), (2, 1));
        assert_eq!((g.fps_min, g.fps_median), (Some(0.0), Some(0.0)));
        assert_eq!(g.gap_p99_ms, Some(200.0));
        assert_eq!((g.latency_p50_ms, g.latency_p99_ms), (Some(3.0), Some(5.0)));
        assert_eq!((g.encode_p50_ms, g.encode_p99_ms), (Some(2.0), Some(4.0)));
        assert_eq!((g.skipped_pct, g.jumps), (Some(25.0), 1));
        assert_eq!((g.key_jumps, g.repeats), (1, 2));
        // Median of 0 and 2 Mbit/s is the lower (nearest rank).
        assert_eq!(g.mbit_per_viewer, Some(0.0));
        assert_eq!(g.keys_per_s, Some(0.0));
        let mjpeg = group(Kind::Mjpeg, &[&seen], 1.0);
        assert_eq!(mjpeg.mbit_per_viewer, Some(2.0));
        assert_eq!((mjpeg.skipped_pct, mjpeg.keys_per_s), (None, None));
    }

    #[test]
    fn tables_have_a_row_per_kind_and_pivot_cpu() {
        let results = [
            sample("1", 0.1, 30.0),
            sample("50", 0.2, 30.0),
            sample("50h", 0.3, 30.0),
            sample("0", 0.0, 0.0),
            sample("1f", 0.4, 25.0),
        ];
        let table = results_table(&results);
        assert_eq!(table.lines().count(), 7);
        assert!(table.contains("| 50h | 1280x720 | 50 H.264 (WS) |"));
        assert!(
            table.contains("| 1f | 1280x720 | 1 MJPEG (Flask example) | 1 | 25.0 | - | - | - | -"),
            "{table}"
        );
        let pivot = cpu_by_viewers(&results);
        assert!(
            pivot.contains("| JPEG (WS) | 0.000 | - | 0.100 | 0.200 |"),
            "{pivot}"
        );
        assert!(
            pivot.contains("| H.264 (WS) | 0.000 | - | - | 0.300 |"),
            "{pivot}"
        );
        assert!(
            pivot.contains("| MJPEG (Flask example) | - | - | 0.400 | - |"),
            "{pivot}"
        );
        assert_eq!(cpu_by_resolution(&results), "");
    }
}

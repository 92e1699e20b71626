//! `hr-eval [DATA_DIR]`: prints how right the pulse detector is on the
//! reference recordings in `DATA_DIR` (written by `xtask/hr_reference.py`;
//! `cargo xtask hr-eval` fetches them and runs this) and on the synthetic
//! cases, then the detector's work per sample on this machine. Exits 1
//! when a target is missed.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use rig_firmware_core::pulse::PulseDetector;
use rig_hr_eval::score::sample_ms;
use rig_hr_eval::{cases, evaluate, recording, table};

fn main() -> ExitCode {
    let mut recordings = Vec::new();
    match std::env::args_os().nth(1).map(PathBuf::from) {
        Some(dir) => match recording::load_dir(&dir) {
            Ok(loaded) => recordings = loaded,
            Err(message) => {
                eprintln!("hr-eval: {message}");
                return ExitCode::FAILURE;
            }
        },
        None => eprintln!("hr-eval: no data folder given: synthetic cases only"),
    }
    recordings.extend(cases::all());
    let started = Instant::now();
    let rows: Vec<_> = recordings.into_iter().map(evaluate).collect();
    println!("{}", table(&rows));
    if let Ok(name) = std::env::var("HR_EVAL_DETAIL") {
        for row in rows.iter().filter(|r| r.recording.name.contains(&name)) {
            detail(row);
        }
    }
    let samples: usize = rows.iter().map(|r| r.recording.samples.len()).sum();
    let elapsed = started.elapsed();
    println!(
        "{samples} samples ({:.0} minutes of signal) evaluated in {:.1} s",
        sample_ms(samples) / 60_000.0,
        elapsed.as_secs_f64()
    );
    println!("{}", work_per_sample(&rows));
    let missed: Vec<_> = rows.iter().filter(|r| r.misses()).collect();
    if missed.is_empty() {
        println!("hr-eval: every target met");
        ExitCode::SUCCESS
    } else {
        for row in &missed {
            println!(
                "hr-eval: {}: {}",
                row.recording.name,
                row.failures.join("; ")
            );
        }
        ExitCode::FAILURE
    }
}

/// Times every sample of every recording through a fresh detector: the
/// mean, the 99.99th percentile and the worst, in nanoseconds.
fn work_per_sample(rows: &[rig_hr_eval::Row]) -> String {
    let mut times = Vec::new();
    for row in rows {
        let mut detector = PulseDetector::new();
        for (i, &raw) in row.recording.samples.iter().enumerate() {
            let now = sample_ms(i) as u32;
            let started = Instant::now();
            std::hint::black_box(detector.sample(std::hint::black_box(raw), now));
            times.push(started.elapsed().as_nanos() as u64);
        }
    }
    times.sort_unstable();
    let mean = times.iter().sum::<u64>() as f64 / times.len().max(1) as f64;
    let at = |q: f64| {
        times
            .get(((times.len() as f64 - 1.0) * q) as usize)
            .copied()
            .unwrap_or(0)
    };
    format!(
        "detector work per sample on this machine: mean {mean:.0} ns, 99.99% within {} ns, worst {} ns \
         (a sample comes every 2 000 000 ns at 500 Hz)",
        at(0.9999),
        at(1.0)
    )
}

/// Every window of one recording, and the detector's issues over time.
fn detail(row: &rig_hr_eval::Row) {
    let readings = rig_hr_eval::score::run(&row.recording.samples);
    println!("{}:", row.recording.name);
    for w in rig_hr_eval::score::windows(&row.recording, &readings) {
        println!(
            "  {:>5.0} s  reference {:>6}  detector {:>6}",
            w.start_ms / 1000.0,
            w.reference.map_or("-".into(), |v| format!("{v:.1}")),
            w.detector.map_or("-".into(), |v| format!("{v:.1}")),
        );
    }
    let mut detector = PulseDetector::new();
    let mut last = None;
    for (i, &raw) in row.recording.samples.iter().enumerate() {
        let seconds = sample_ms(i) / 1000.0;
        let beat = detector.sample(raw, sample_ms(i) as u32);
        if let Some(beat) = beat
            && std::env::var_os("HR_EVAL_BEATS").is_some()
        {
            println!(
                "  {seconds:>7.2} s beat {:.1} q{} interval {}",
                beat.bpm, beat.quality, beat.interval_ms
            );
        }
        let state = (
            detector.issue(),
            detector.period_ms().map(|p| (p / 20.0) as i32),
        );
        if Some(state) != last {
            println!(
                "  {seconds:>7.2} s {:?} period {:?} periodicity {:.2}",
                state.0,
                detector.period_ms(),
                detector.periodicity(),
            );
            last = Some(state);
        }
    }
    println!("  {:?}", detector.stats());
}

//! What the recorded-heart chart under a video shows at a playback time:
//! the pulse samples of a five-second window centred on that time, placed
//! in a box (the current time in the middle), and the heart rate then (the
//! latest beat at or before it). Pure logic, tested on the host; the
//! `video_heart` component draws it.

use std::ops::Range;

use shared::media::HeartTrace;

use crate::decimal::fixed;
use crate::pulse_trace::{WINDOW_SECONDS, fit_range};

/// Milliseconds of waveform on show, as on the live chart.
pub const WINDOW_MS: f64 = WINDOW_SECONDS as f64 * 1000.0;

/// The heart rate at `t_ms`: the reading of the latest beat at or before
/// it (`bpm` is in time order, as recorded); `None` before the first.
pub fn bpm_at(bpm: &[(u32, f32)], t_ms: f64) -> Option<f32> {
    let count = bpm.partition_point(|&(at, _)| f64::from(at) <= t_ms);
    let index = count.checked_sub(1)?;
    bpm.get(index).map(|&(_, value)| value)
}

/// The heart rate as shown, live and recorded: whole beats per minute, or
/// `--` without a reading (none, not a number, or not above zero).
pub fn bpm_text(bpm: Option<f32>) -> String {
    match bpm {
        Some(value) if value.is_finite() && value > 0.0 => fixed(value.round().into(), 0),
        _ => "--".to_owned(),
    }
}

/// Start and end (milliseconds) of the window around `t_ms`.
pub fn window(t_ms: f64) -> (f64, f64) {
    (t_ms - WINDOW_MS / 2.0, t_ms + WINDOW_MS / 2.0)
}

/// Time of pulse sample `index`, in milliseconds.
fn sample_ms(trace: &HeartTrace, index: usize) -> f64 {
    f64::from(trace.pulse_start_ms) + index as f64 * 1000.0 / rate(trace)
}

fn rate(trace: &HeartTrace) -> f64 {
    f64::from(trace.pulse_rate_hz.max(1))
}

/// Indices of the pulse samples taken from `start_ms` to `end_ms`
/// (both included); empty when none were.
pub fn samples_between(trace: &HeartTrace, start_ms: f64, end_ms: f64) -> Range<usize> {
    let len = trace.pulse.len();
    let offset = f64::from(trace.pulse_start_ms);
    let per_ms = rate(trace) / 1000.0;
    let clamp = |i: f64| -> usize {
        if i <= 0.0 {
            0
        } else if i >= len as f64 {
            len
        } else {
            i as usize
        }
    };
    // A little slack so a sample exactly on an edge is not lost to rounding.
    let first = clamp(((start_ms - offset) * per_ms - 1e-9).ceil());
    let end = clamp(((end_ms - offset) * per_ms + 1e-9).floor() + 1.0);
    first..end.max(first)
}

/// The points of the waveform around `t_ms` in a `width` × `height` box,
/// oldest first: time runs left to right across the window, with `t_ms` in
/// the middle, and higher values are higher up. Empty with no samples in
/// the window.
pub fn points(trace: &HeartTrace, t_ms: f64, width: f64, height: f64) -> Vec<(f64, f64)> {
    let (start, end) = window(t_ms);
    let range = samples_between(trace, start, end);
    let Some(shown) = trace.pulse.get(range.clone()) else {
        return Vec::new();
    };
    let Some((low, high)) = fit_range(shown.iter().copied()) else {
        return Vec::new();
    };
    range
        .zip(shown)
        .map(|(i, &v)| {
            let x = (sample_ms(trace, i) - start) / WINDOW_MS * width;
            let y = height - (f64::from(v) - low) / (high - low) * height;
            (x, y)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trace(pulse_start_ms: u32, pulse: Vec<u16>) -> HeartTrace {
        HeartTrace {
            bpm: vec![(800, 74.6), (1600, 75.2), (2400, 76.0)],
            intervals: vec![(1600, 800), (2400, 790)],
            pulse_rate_hz: 50,
            pulse_start_ms,
            pulse,
        }
    }

    #[test]
    fn the_rate_is_the_latest_beat_at_or_before_the_time() {
        let t = trace(0, Vec::new());
        assert_eq!(bpm_at(&t.bpm, 0.0), None);
        assert_eq!(bpm_at(&t.bpm, 799.9), None);
        assert_eq!(bpm_at(&t.bpm, 800.0), Some(74.6));
        assert_eq!(bpm_at(&t.bpm, 1599.0), Some(74.6));
        assert_eq!(bpm_at(&t.bpm, 1600.0), Some(75.2));
        assert_eq!(bpm_at(&t.bpm, 100_000.0), Some(76.0));
        assert_eq!(bpm_at(&[], 100.0), None);
    }

    #[test]
    fn the_rate_shows_as_whole_beats_or_dashes() {
        assert_eq!(bpm_text(None), "--");
        assert_eq!(bpm_text(Some(74.6)), "75");
        assert_eq!(bpm_text(Some(74.5)), "75");
        assert_eq!(bpm_text(Some(f32::NAN)), "--");
        assert_eq!(bpm_text(Some(0.0)), "--");
    }

    #[test]
    fn the_window_is_centred_on_the_time() {
        assert_eq!(window(10_000.0), (7_500.0, 12_500.0));
    }

    #[test]
    fn only_samples_in_the_window_are_taken() {
        // 10 s of samples from 1 s on: sample i at 1000 + 20 i ms.
        let t = trace(1000, vec![500; 500]);
        // 0.0 .. 2.0 s: samples at 1.00 .. 2.00 s, both ends included.
        assert_eq!(samples_between(&t, 0.0, 2000.0), 0..51);
        assert_eq!(samples_between(&t, 1010.0, 1050.0), 1..3);
        // Before and after the recording: nothing.
        assert!(samples_between(&t, -5000.0, 500.0).is_empty());
        assert!(samples_between(&t, 20_000.0, 25_000.0).is_empty());
        // Past the end: up to the last sample.
        assert_eq!(samples_between(&t, 10_000.0, 15_000.0), 450..500);
    }

    #[test]
    fn the_time_is_in_the_middle_of_the_box() {
        // Samples every 20 ms from 0; a rising ramp.
        let t = trace(0, (0..500).map(|i| 300 + i as u16).collect());
        let points = points(&t, 5000.0, 500.0, 100.0);
        // 2.5 s .. 7.5 s: 251 samples, 100 px a second.
        assert_eq!(points.len(), 251);
        assert!((points[0].0 - 0.0).abs() < 1e-9);
        assert!((points[125].0 - 250.0).abs() < 1e-9);
        assert!((points[250].0 - 500.0).abs() < 1e-9);
        // Rising values go up the box, staying inside it.
        assert!(points.windows(2).all(|w| w[1].1 < w[0].1));
        assert!(points.iter().all(|&(_, y)| (0.0..=100.0).contains(&y)));
    }

    #[test]
    fn at_the_start_the_left_half_is_empty() {
        let t = trace(0, vec![512; 500]);
        let points = points(&t, 0.0, 500.0, 100.0);
        assert_eq!(points.len(), 126);
        assert!((points[0].0 - 250.0).abs() < 1e-9);
        let empty = trace(0, Vec::new());
        assert!(super::points(&empty, 0.0, 500.0, 100.0).is_empty());
    }
}

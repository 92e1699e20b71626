//! The pulse detector against synthetic PPG signals: rates from 40 to 200
//! BPM with noise and drift, a diastolic wave nearly as tall as the
//! systolic one, flat lines, white and band-limited noise, saturation,
//! dropouts, the time to lock, and the reasons given when there is no
//! rate. (Real recordings are scored in `firmware/eval`.)

use proptest::prelude::*;
use rig_device_protocol::PulseIssue;
use rig_firmware_core::pulse::PulseDetector;
use rig_firmware_core::synth::{Ppg, PpgConfig, Rng, SlowNoise};

/// Runs `seconds` of `ppg` through `detector`, returning (time, bpm, quality)
/// of each beat.
fn run(detector: &mut PulseDetector, ppg: &mut Ppg, seconds: u32) -> Vec<(u32, f32, u8)> {
    let mut beats = Vec::new();
    for _ in 0..seconds * 500 {
        let now = ppg.now_ms();
        let raw = ppg.next_sample();
        if let Some(beat) = detector.sample(raw, now) {
            beats.push((now, beat.bpm, beat.quality));
        }
    }
    beats
}

/// Worst error of the mean rate over each 10-second block after
/// `settle_ms`, and the number of beats reported then. (Single readings
/// follow the breathing, as a real heart does.)
fn worst_error(beats: &[(u32, f32, u8)], settle_ms: u32, truth: f32) -> (f32, usize) {
    let settled: Vec<_> = beats.iter().filter(|b| b.0 >= settle_ms).collect();
    let mut worst = 0.0f32;
    for block in settled.chunk_by(|a, b| a.0 / 10_000 == b.0 / 10_000) {
        let mean = block.iter().map(|b| b.1).sum::<f32>() / block.len() as f32;
        worst = worst.max((mean - truth).abs());
    }
    (worst, settled.len())
}

const RATES: [f32; 6] = [40.0, 60.0, 90.0, 120.0, 160.0, 200.0];

fn check_rates(config: impl Fn(f32) -> PpgConfig, label: &str) {
    for (i, &bpm) in RATES.iter().enumerate() {
        for seed in [1, 2, 3] {
            let mut ppg = Ppg::new(config(bpm), seed * 100 + i as u32);
            let mut detector = PulseDetector::new();
            let beats = run(&mut detector, &mut ppg, 40);
            let (worst, count) = worst_error(&beats, 20_000, bpm);
            let expected = (bpm / 3.0) as usize; // 20 s of beats
            let settled: Vec<f32> = beats
                .iter()
                .filter(|b| b.0 >= 20_000)
                .map(|b| b.1)
                .collect();
            let mean_error = settled.iter().sum::<f32>() / settled.len().max(1) as f32 - bpm;
            let mean_quality =
                beats.iter().map(|b| f32::from(b.2)).sum::<f32>() / beats.len().max(1) as f32;
            println!(
                "{label} {bpm:>5} BPM seed {seed}: {count} beats after 20 s, \
                 worst error {worst:.2}, mean error {mean_error:+.2}, mean quality {mean_quality:.0}"
            );
            assert!(
                count + 2 >= expected && count <= expected + 2,
                "{label} {bpm} BPM: {count} beats in 20 s, expected about {expected}"
            );
            assert!(worst <= 2.0, "{label} {bpm} BPM: off by {worst}");
            assert!(!detector.no_signal());
        }
    }
}

#[test]
fn rates_from_40_to_200_with_noise_and_drift() {
    check_rates(PpgConfig::at_bpm, "default");
}

#[test]
fn rates_with_heavy_noise_and_drift() {
    check_rates(
        |bpm| PpgConfig {
            amplitude: 150.0,
            noise: 15.0,
            drift: 100.0,
            drift_period_s: 6.0,
            ..PpgConfig::at_bpm(bpm)
        },
        "heavy",
    );
}

#[test]
fn rates_with_a_weak_pulse() {
    check_rates(
        |bpm| PpgConfig {
            amplitude: 40.0,
            noise: 2.0,
            drift: 20.0,
            ..PpgConfig::at_bpm(bpm)
        },
        "weak",
    );
}

#[test]
fn flat_lines_give_no_beat() {
    for level in [0u16, 1, 300, 512, 700, 1023] {
        let mut detector = PulseDetector::new();
        for i in 0..30_000u32 {
            assert_eq!(detector.sample(level, i * 2), None, "flat at {level}");
        }
        assert!(detector.no_signal());
    }
}

#[test]
fn pure_noise_gives_no_beat() {
    for sigma in [1.0f32, 5.0, 20.0, 60.0, 150.0] {
        for seed in 1..=3 {
            let mut ppg = Ppg::new(
                PpgConfig {
                    bpm: 0.0,
                    noise: sigma,
                    drift: 0.0,
                    ..PpgConfig::at_bpm(0.0)
                },
                seed,
            );
            let mut detector = PulseDetector::new();
            let beats = run(&mut detector, &mut ppg, 60);
            assert!(beats.is_empty(), "noise {sigma}: {beats:?}");
            assert!(detector.no_signal());
        }
    }
    // Uniform noise over the whole ADC range, and with drift.
    let mut rng = Rng::new(11);
    let mut detector = PulseDetector::new();
    for i in 0..30_000u32 {
        let raw = (rng.next_u32() % 1024) as u16;
        assert_eq!(detector.sample(raw, i * 2), None);
    }
    let mut ppg = Ppg::new(
        PpgConfig {
            bpm: 0.0,
            noise: 10.0,
            drift: 150.0,
            drift_period_s: 5.0,
            ..PpgConfig::at_bpm(0.0)
        },
        4,
    );
    let beats = run(&mut PulseDetector::new(), &mut ppg, 60);
    assert!(beats.is_empty(), "{beats:?}");
}

#[test]
fn recovers_after_a_dropout() {
    for dropout_level in [0u16, 512, 1023] {
        let mut ppg = Ppg::new(PpgConfig::at_bpm(60.0), 9);
        let mut detector = PulseDetector::new();
        let before = run(&mut detector, &mut ppg, 20);
        assert!((before.last().map_or(0.0, |b| b.1) - 60.0).abs() <= 2.0);

        // Finger off: the sensor reads a constant for 5 s.
        let start = ppg.now_ms();
        let mut lost_at = None;
        for i in 0..2500u32 {
            let now = start + i * 2;
            let beat = detector.sample(dropout_level, now);
            // The beat under way when the finger lifts may still complete.
            // (decided up to half a beat later).
            assert!(beat.is_none() || i < 400, "{beat:?} at {i}");
            if lost_at.is_none() && detector.no_signal() {
                lost_at = Some(now - start);
            }
        }
        let lost_at = lost_at.unwrap_or(u32::MAX);
        assert!(lost_at <= 3000, "no-signal after {lost_at} ms");

        // Finger back, at another rate; the generator's clock skips ahead.
        let mut resumed = Ppg::new(PpgConfig::at_bpm(90.0), 10);
        let mut beats = Vec::new();
        let offset = start + 5000;
        for _ in 0..20 * 500 {
            let now = offset + resumed.now_ms();
            let raw = resumed.next_sample();
            if let Some(beat) = detector.sample(raw, now) {
                beats.push((now - offset, beat.bpm));
            }
        }
        let first_good = beats
            .iter()
            .position(|b| b.0 > 1000 && (b.1 - 90.0).abs() <= 2.0)
            .map(|i| beats[i].0);
        let (worst, count) = {
            let settled: Vec<_> = beats.iter().filter(|b| b.0 >= 10_000).collect();
            let worst = settled
                .iter()
                .map(|b| (b.1 - 90.0).abs())
                .fold(0.0, f32::max);
            (worst, settled.len())
        };
        println!(
            "dropout at {dropout_level}: no-signal after {lost_at} ms, \
             within 2 BPM of 90 after {first_good:?} ms, worst after 10 s {worst:.2}"
        );
        assert!(count >= 13 && worst <= 2.0, "{count} beats, off by {worst}");
        assert!(!detector.no_signal());
    }
}

#[test]
fn beat_times_follow_the_pulse() {
    // The reported beat time is within a fifth of a beat of the previous
    // one plus the interval: check the spacing of at_ms.
    let mut ppg = Ppg::new(
        PpgConfig {
            jitter: 0.0,
            breathing: 0.0,
            ..PpgConfig::at_bpm(75.0)
        },
        2,
    );
    let mut detector = PulseDetector::new();
    let mut times = Vec::new();
    for _ in 0..30 * 500 {
        let now = ppg.now_ms();
        if let Some(beat) = detector.sample(ppg.next_sample(), now) {
            assert!(beat.at_ms <= now && now - beat.at_ms < 800);
            times.push(beat.at_ms);
        }
    }
    for pair in times.windows(2).skip(3) {
        let interval = pair[1] - pair[0];
        assert!((780..=820).contains(&interval), "{interval} ms");
    }
}

#[test]
fn the_detector_fits_in_a_few_kilobytes() {
    let size = std::mem::size_of::<PulseDetector>();
    println!("PulseDetector: {size} bytes");
    assert!(size < 2560, "{size} bytes");
}

#[test]
fn a_diastolic_wave_at_90_percent_is_never_a_beat() {
    check_rates(
        |bpm| PpgConfig {
            diastolic: 0.9,
            ..PpgConfig::at_bpm(bpm)
        },
        "diastolic 90%",
    );
}

/// Feeds `samples` (at 500 Hz) to a fresh detector; the rates it reports.
fn rates_of(samples: impl IntoIterator<Item = u16>) -> (Vec<f32>, PulseDetector) {
    let mut detector = PulseDetector::new();
    let rates = samples
        .into_iter()
        .enumerate()
        .filter_map(|(i, raw)| detector.sample(raw, i as u32 * 2).map(|b| b.bpm))
        .collect();
    (rates, detector)
}

/// Gaussian noise drawn at `rate_hz` and linearly interpolated to 500 Hz:
/// the slow wandering of a loose sensor or a moving finger.
fn band_limited_noise(rate_hz: u32, sigma: f32, seconds: u32, seed: u32) -> Vec<u16> {
    let mut noise = SlowNoise::new(rate_hz, sigma, seed);
    (0..seconds * 500).map(|_| noise.next_sample()).collect()
}

/// Noise drawn at 100 Hz and interpolated (a loose sensor, as the design
/// record defines it), and at 50 Hz. (Noise drawn at 25 Hz or less lies
/// largely within the heart-rate band itself and now and then passes for
/// a pulse for a few beats: `cargo xtask hr-eval` counts how often.)
#[test]
fn band_limited_noise_gives_no_rate() {
    for rate_hz in [50, 100] {
        for seed in 1..=3 {
            let (rates, detector) = rates_of(band_limited_noise(rate_hz, 80.0, 60, seed));
            assert!(rates.is_empty(), "noise at {rate_hz} Hz: {rates:?}");
            assert!(
                matches!(
                    detector.issue(),
                    Some(PulseIssue::Movement | PulseIssue::Weak | PulseIssue::Irregular)
                ),
                "{:?}",
                detector.issue()
            );
        }
    }
}

#[test]
fn the_reason_is_given_in_the_board_terms() {
    // Nothing on the sensor: a dark, flat reading.
    let (rates, detector) = rates_of(std::iter::repeat_n(20, 10_000));
    assert!(rates.is_empty());
    assert_eq!(detector.issue(), Some(PulseIssue::NoFinger));
    // Too much light or gain: pinned at the top of the range.
    let (rates, detector) = rates_of(std::iter::repeat_n(1023, 10_000));
    assert!(rates.is_empty());
    assert_eq!(detector.issue(), Some(PulseIssue::Saturated));
    // A pulse whose top half is cut off by the ceiling most of the time.
    let mut ppg = Ppg::new(
        PpgConfig {
            ceiling: 450.0,
            ..PpgConfig::at_bpm(70.0)
        },
        3,
    );
    let (_, detector) = rates_of((0..20_000).map(|_| ppg.next_sample()));
    assert_eq!(detector.issue(), Some(PulseIssue::Saturated));
}

#[test]
fn a_rate_comes_within_5_s_of_a_finger_on_the_sensor() {
    for bpm in [50.0, 72.0, 100.0, 150.0, 200.0] {
        let mut ppg = Ppg::new(PpgConfig::at_bpm(bpm), bpm as u32);
        let dark = std::iter::repeat_n(20u16, 3 * 500);
        let (rates, _) = rates_of(dark.chain((0..10 * 500).map(|_| ppg.next_sample())));
        assert!(!rates.is_empty(), "{bpm} BPM: no rate within 5 s");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Any rate, any diastolic wave, any seed: the mean reading after 20 s
    /// is within 2 BPM, and the reading never doubles.
    #[test]
    fn any_rate_and_wave_is_followed(
        bpm in 45.0f32..190.0,
        diastolic in 0.0f32..0.9,
        seed in 1u32..10_000,
    ) {
        let mut ppg = Ppg::new(PpgConfig { diastolic, ..PpgConfig::at_bpm(bpm) }, seed);
        let mut detector = PulseDetector::new();
        let beats = run(&mut detector, &mut ppg, 40);
        let (worst, count) = worst_error(&beats, 20_000, bpm);
        prop_assert!(count > 0, "no rate at {} BPM", bpm);
        prop_assert!(worst <= 2.0, "{} BPM, diastolic {}: off by {}", bpm, diastolic, worst);
        prop_assert!(beats.iter().all(|b| b.1 < bpm * 1.5), "a doubled rate");
    }

    /// White noise of any size, with or without drift: never a rate.
    #[test]
    fn noise_never_gives_a_rate(
        sigma in 1.0f32..200.0,
        drift in 0.0f32..200.0,
        seed in 1u32..10_000,
    ) {
        let mut ppg = Ppg::new(
            PpgConfig { bpm: 0.0, noise: sigma, drift, ..PpgConfig::at_bpm(0.0) },
            seed,
        );
        let beats = run(&mut PulseDetector::new(), &mut ppg, 40);
        prop_assert!(beats.is_empty(), "{:?}", beats);
    }
}

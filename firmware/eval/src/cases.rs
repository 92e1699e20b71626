//! The synthetic cases: the firmware core's own generator, whose beat
//! times are known exactly, in the shapes real signals take (a diastolic
//! wave at 90% of the systolic peak, heavy noise with drift, saturated
//! tops, changing amplitude, movement) from 40 to 200 BPM, each starting with three seconds of "no
//! finger" so that the time to lock is measured; and signals with no pulse
//! in them (flat lines, white and band-limited noise, a saturated sensor),
//! which must give no rate at all.

use rig_firmware_core::pulse::SAMPLE_RATE_HZ;
use rig_firmware_core::synth::{Ppg, PpgConfig, Rng, SlowNoise};

use crate::recording::{Expect, Kind, Recording};

/// Seconds of each case, and of the "no finger" lead-in.
const SECONDS: u32 = 90;
const LEAD_IN_MS: u32 = 3000;

/// Rates the diastolic-wave case runs at.
pub const RATES: [f32; 8] = [40.0, 60.0, 80.0, 100.0, 120.0, 150.0, 180.0, 200.0];

/// Every synthetic case.
pub fn all() -> Vec<Recording> {
    let mut cases = Vec::new();
    for bpm in RATES {
        cases.push(pulse(
            &format!("synth-{bpm:.0}bpm-diastolic-90%"),
            PpgConfig {
                diastolic: 0.9,
                jitter: 0.02,
                ..PpgConfig::at_bpm(bpm)
            },
            bpm as u32,
        ));
    }
    for bpm in [40.0, 120.0] {
        cases.push(pulse(
            &format!("synth-{bpm:.0}bpm-noisy-drifting"),
            PpgConfig {
                amplitude: 150.0,
                noise: 15.0,
                drift: 100.0,
                drift_period_s: 6.0,
                ..PpgConfig::at_bpm(bpm)
            },
            bpm as u32 + 1,
        ));
    }
    cases.push(pulse(
        "synth-75bpm-saturated-tops",
        PpgConfig {
            ceiling: 680.0,
            amplitude: 320.0,
            ..PpgConfig::at_bpm(75.0)
        },
        75,
    ));
    cases.push(pulse(
        "synth-95bpm-changing-size",
        PpgConfig {
            amplitude_variation: 0.25,
            diastolic: 0.6,
            breathing: 0.25,
            jitter: 0.03,
            ..PpgConfig::at_bpm(95.0)
        },
        95,
    ));
    cases.push(pulse(
        "synth-65bpm-movement",
        PpgConfig {
            motion_per_minute: 4.0,
            ..PpgConfig::at_bpm(65.0)
        },
        65,
    ));
    cases.push(nothing("flat-no-finger", |_| 20.0));
    cases.push(nothing("flat-saturated", |_| 1023.0));
    cases.push(nothing("white-noise", |rng| 512.0 + 40.0 * rng.gaussian()));
    for rate_hz in [100, 25, 10, 5] {
        for seed in 1..=3 {
            cases.push(band_limited(
                &format!("band-limited-noise-{rate_hz}hz-{seed}"),
                rate_hz,
                seed,
            ));
        }
    }
    cases
}

/// A pulse from the generator after the lead-in, with its true beats.
fn pulse(name: &str, config: PpgConfig, seed: u32) -> Recording {
    let lead_in = (LEAD_IN_MS * SAMPLE_RATE_HZ / 1000) as usize;
    let mut rng = Rng::new(seed);
    let mut samples: Vec<u16> = (0..lead_in)
        .map(|_| (20.0 + 2.0 * rng.gaussian()).round().clamp(0.0, 1023.0) as u16)
        .collect();
    let mut ppg = Ppg::new(config, seed);
    let mut beats_ms = Vec::new();
    let mut beats = ppg.beats();
    while samples.len() < (SECONDS * SAMPLE_RATE_HZ) as usize {
        samples.push(ppg.next_sample());
        if ppg.beats() != beats {
            beats = ppg.beats();
            beats_ms.push(samples.len() as f64 * 1000.0 / f64::from(SAMPLE_RATE_HZ));
        }
    }
    Recording {
        name: name.into(),
        kind: Kind::Synthetic,
        source: "firmware core synth".into(),
        reference: "the generator's own beats".into(),
        samples,
        beats_ms,
        quality: Vec::new(),
        onset_ms: LEAD_IN_MS,
        expect: Expect::Rate,
        target: true,
    }
}

/// A signal without a pulse: `f(sample index, rng)` for every sample.
fn nothing(name: &str, mut next: impl FnMut(&mut Rng) -> f32) -> Recording {
    let mut rng = Rng::new(7);
    let samples = (0..(SECONDS * SAMPLE_RATE_HZ) as usize)
        .map(|_| next(&mut rng).round().clamp(0.0, 1023.0) as u16)
        .collect();
    Recording {
        name: name.into(),
        kind: Kind::Synthetic,
        source: "no pulse".into(),
        reference: "none: no rate expected".into(),
        samples,
        beats_ms: Vec::new(),
        quality: Vec::new(),
        onset_ms: 0,
        expect: Expect::Nothing,
        target: true,
    }
}

/// Gaussian noise drawn at `rate_hz` and interpolated to 500 Hz
/// ([`SlowNoise`]): slow noise, the way a moving finger or a loose sensor
/// looks.
fn band_limited(name: &str, rate_hz: u32, seed: u32) -> Recording {
    let mut noise = SlowNoise::new(rate_hz, 100.0, rate_hz * 100 + seed);
    let mut recording = nothing(name, |_| f32::from(noise.next_sample()));
    recording.source = format!("Gaussian noise at {rate_hz} Hz, interpolated");
    // Noise drawn 10 times a second or less lies within the heart-rate
    // band itself: shown, but beyond the target (which is 100 Hz noise).
    recording.target = rate_hz >= 25;
    recording
}

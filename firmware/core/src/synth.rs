//! A synthetic pulse sensor for tests and the device simulator: a PPG-like
//! waveform (a fast systolic rise, a slower fall, a dicrotic notch and a
//! diastolic wave of varying size, up to nearly the systolic peak) at a
//! chosen heart rate, with what real finger signals have: beat-to-beat
//! variability of interval and size, breathing (size and rate), baseline
//! wander, Gaussian noise, saturation at the sensor's ceiling and movement
//! artefacts; sampled at 500 Hz as 10-bit ADC counts. Deterministic: the
//! same seed gives the same signal on every machine.

use crate::pulse::SAMPLE_RATE_HZ;

const TAU: f32 = core::f32::consts::TAU;

/// xorshift32: a tiny, seedable pseudo-random generator.
#[derive(Clone, Copy, Debug)]
pub struct Rng(u32);

impl Rng {
    /// A generator; seed 0 is replaced by a fixed non-zero seed.
    pub const fn new(seed: u32) -> Self {
        Rng(if seed == 0 { 0x9E37_79B9 } else { seed })
    }

    pub fn next_u32(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f32 {
        (self.next_u32() >> 8) as f32 / (1u32 << 24) as f32
    }

    /// Approximately standard normal (sum of four uniforms, rescaled).
    pub fn gaussian(&mut self) -> f32 {
        let sum: f32 = (0..4).map(|_| self.uniform()).sum();
        (sum - 2.0) * libm::sqrtf(3.0)
    }
}

/// What the synthetic signal looks like. Amplitudes are in ADC counts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PpgConfig {
    /// Heart rate; 0 gives no pulse at all.
    pub bpm: f32,
    /// Height of the systolic peak above the trough.
    pub amplitude: f32,
    /// Standard deviation of the white noise added to every sample.
    pub noise: f32,
    /// Amplitude of the slow sinusoidal baseline wander.
    pub drift: f32,
    /// Period of that wander, in seconds.
    pub drift_period_s: f32,
    /// Mid-scale level the signal sits around.
    pub baseline: f32,
    /// Beat-to-beat variation of the interval, as a fraction (0.01 = 1%).
    pub jitter: f32,
    /// Height of the diastolic (second) wave, as a share of the systolic
    /// peak (0.9 is nearly as tall); it varies by a fifth from beat to beat.
    pub diastolic: f32,
    /// Breathing: the pulse's size swings by this share, and the rate by
    /// a third of it (faster breathing in, slower out).
    pub breathing: f32,
    /// Period of a breath, in seconds.
    pub breathing_period_s: f32,
    /// Beat-to-beat change of the pulse's size, as a fraction.
    pub amplitude_variation: f32,
    /// Highest value the sensor can give; above it the signal is flat
    /// (saturated). 1023 is the ADC's own limit.
    pub ceiling: f32,
    /// Movement artefacts per minute, at random times.
    pub motion_per_minute: f32,
    /// Size of a movement artefact (a half-second swing), in counts.
    pub motion_size: f32,
}

impl PpgConfig {
    /// A clean-ish finger signal at `bpm`: 250 counts of pulse, 4 counts
    /// of noise, 40 counts of drift over 8 s, 1% jitter, a diastolic wave
    /// of 0.4, 10% breathing over 4 s, no saturation, no movement.
    pub const fn at_bpm(bpm: f32) -> Self {
        PpgConfig {
            bpm,
            amplitude: 250.0,
            noise: 4.0,
            drift: 40.0,
            drift_period_s: 8.0,
            baseline: 512.0,
            jitter: 0.01,
            diastolic: 0.4,
            breathing: 0.1,
            breathing_period_s: 4.0,
            amplitude_variation: 0.0,
            ceiling: 1023.0,
            motion_per_minute: 0.0,
            motion_size: 300.0,
        }
    }
}

/// The generator: call [`Ppg::next_sample`] 500 times a second of signal.
#[derive(Clone, Debug)]
pub struct Ppg {
    config: PpgConfig,
    rng: Rng,
    /// Position in the current beat, 0 to 1.
    phase: f32,
    /// Length of the current beat in samples.
    beat_samples: f32,
    /// This beat's size and diastolic share.
    beat_amplitude: f32,
    beat_diastolic: f32,
    samples: u32,
    beats: u32,
    /// The movement artefact under way: samples left and its size.
    motion: (u32, f32),
}

/// Share of the breathing swing that the heart rate follows.
const RESPIRATORY_RATE_SWING: f32 = 0.3;

/// Length of a movement artefact in samples: half a second.
const MOTION_SAMPLES: u32 = SAMPLE_RATE_HZ / 2;

impl Ppg {
    pub fn new(config: PpgConfig, seed: u32) -> Self {
        let mut ppg = Ppg {
            config,
            rng: Rng::new(seed),
            phase: 0.0,
            beat_samples: 0.0,
            beat_amplitude: config.amplitude,
            beat_diastolic: config.diastolic,
            samples: 0,
            beats: 0,
            motion: (0, 0.0),
        };
        ppg.next_beat();
        ppg
    }

    pub fn config(&self) -> PpgConfig {
        self.config
    }

    /// Changes the signal from the next sample on (the heart rate at the
    /// next beat).
    pub fn set_config(&mut self, config: PpgConfig) {
        self.config = config;
    }

    /// Milliseconds of signal produced so far (the time of the next sample).
    pub fn now_ms(&self) -> u32 {
        (u64::from(self.samples) * 1000 / u64::from(SAMPLE_RATE_HZ)) as u32
    }

    /// Beats started so far.
    pub fn beats(&self) -> u32 {
        self.beats
    }

    /// The next 10-bit sample.
    pub fn next_sample(&mut self) -> u16 {
        let c = self.config;
        let t = self.samples as f32 / SAMPLE_RATE_HZ as f32;
        self.samples = self.samples.wrapping_add(1);

        let pulse = if c.bpm > 0.0 {
            waveform(self.phase, self.beat_diastolic) * self.beat_amplitude * self.breath(t, 1.0)
        } else {
            0.0
        };
        let drift = if c.drift_period_s > 0.0 {
            c.drift * libm::sinf(TAU * t / c.drift_period_s)
        } else {
            0.0
        };
        let value = c.baseline - c.amplitude / 3.0
            + pulse
            + drift
            + self.movement()
            + c.noise * self.rng.gaussian();

        if c.bpm > 0.0 {
            self.phase += self.breath(t, -RESPIRATORY_RATE_SWING) / self.beat_samples;
            if self.phase >= 1.0 {
                self.phase -= 1.0;
                self.beats += 1;
                self.next_beat();
            }
        }
        libm::roundf(value).clamp(0.0, c.ceiling.clamp(0.0, 1023.0)) as u16
    }

    /// `1 + sign * breathing * sin(breath phase)`: the breathing swing.
    fn breath(&self, t: f32, sign: f32) -> f32 {
        let c = self.config;
        if c.breathing_period_s <= 0.0 {
            return 1.0;
        }
        1.0 + sign * c.breathing * libm::sinf(TAU * t / c.breathing_period_s)
    }

    /// This sample of the movement artefact under way, starting one at
    /// random.
    fn movement(&mut self) -> f32 {
        let c = self.config;
        if self.motion.0 == 0 && c.motion_per_minute > 0.0 {
            let chance = c.motion_per_minute / (60.0 * SAMPLE_RATE_HZ as f32);
            if self.rng.uniform() < chance {
                let sign = if self.rng.uniform() < 0.5 { -1.0 } else { 1.0 };
                let size = c.motion_size * sign * (0.5 + self.rng.uniform());
                self.motion = (MOTION_SAMPLES, size);
            }
        }
        if self.motion.0 == 0 {
            return 0.0;
        }
        self.motion.0 -= 1;
        let done = 1.0 - self.motion.0 as f32 / MOTION_SAMPLES as f32;
        // One swing out and back, with a jolt half-way.
        self.motion.1
            * libm::sinf(core::f32::consts::PI * done)
            * if done < 0.5 { 1.0 } else { 0.6 }
    }

    /// Draws the next beat's length, size and diastolic wave.
    fn next_beat(&mut self) {
        let c = self.config;
        self.beat_samples = if c.bpm > 0.0 {
            let mean = 60.0 * SAMPLE_RATE_HZ as f32 / c.bpm;
            let jitter = (c.jitter * self.rng.gaussian()).clamp(-0.2, 0.2);
            mean * (1.0 + jitter)
        } else {
            f32::MAX
        };
        let change = (c.amplitude_variation * self.rng.gaussian()).clamp(-0.6, 0.6);
        self.beat_amplitude = c.amplitude * (1.0 + change);
        let spread = (0.2 * self.rng.gaussian()).clamp(-0.4, 0.4);
        self.beat_diastolic = (c.diastolic * (1.0 + spread)).clamp(0.0, 0.95);
    }
}

/// Gaussian noise around mid-scale drawn `rate_hz` times a second and
/// interpolated linearly to 500 Hz: the slow wandering of a loose sensor
/// or a moving finger, with no pulse in it.
#[derive(Clone, Debug)]
pub struct SlowNoise {
    rng: Rng,
    sigma: f32,
    /// Samples between two drawn points, and where this sample is.
    step: u32,
    index: u32,
    from: f32,
    to: f32,
}

impl SlowNoise {
    /// Noise of standard deviation `sigma` counts, drawn at `rate_hz`
    /// (1 to 500).
    pub fn new(rate_hz: u32, sigma: f32, seed: u32) -> Self {
        let mut rng = Rng::new(seed);
        let from = 512.0 + sigma * rng.gaussian();
        let to = 512.0 + sigma * rng.gaussian();
        SlowNoise {
            rng,
            sigma,
            step: SAMPLE_RATE_HZ / rate_hz.clamp(1, SAMPLE_RATE_HZ),
            index: 0,
            from,
            to,
        }
    }

    /// The next 10-bit sample.
    pub fn next_sample(&mut self) -> u16 {
        if self.index == self.step {
            self.index = 0;
            self.from = self.to;
            self.to = 512.0 + self.sigma * self.rng.gaussian();
        }
        let value = self.from + (self.to - self.from) * self.index as f32 / self.step as f32;
        self.index += 1;
        libm::roundf(value).clamp(0.0, 1023.0) as u16
    }
}

/// One beat of the waveform at `phase` (0 to 1), peaking at 1, with a
/// diastolic wave `diastolic` times as tall as the systolic one.
fn waveform(phase: f32, diastolic: f32) -> f32 {
    let systolic = skewed_bump(phase, 0.2, 0.06, 0.12);
    let notch = 0.15 * skewed_bump(phase, 0.42, 0.02, 0.02);
    let diastolic = diastolic * skewed_bump(phase, 0.5, 0.07, 0.12);
    systolic - notch + diastolic
}

/// A Gaussian bump at `centre` with different widths on each side.
fn skewed_bump(x: f32, centre: f32, rise: f32, fall: f32) -> f32 {
    let width = if x < centre { rise } else { fall };
    let z = (x - centre) / width;
    libm::expf(-0.5 * z * z)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_signal() {
        let mut a = Ppg::new(PpgConfig::at_bpm(72.0), 7);
        let mut b = Ppg::new(PpgConfig::at_bpm(72.0), 7);
        for _ in 0..5000 {
            assert_eq!(a.next_sample(), b.next_sample());
        }
        assert_eq!(a.now_ms(), 10_000);
    }

    #[test]
    fn beats_at_the_requested_rate() {
        let mut ppg = Ppg::new(PpgConfig::at_bpm(90.0), 1);
        for _ in 0..60 * 500 {
            ppg.next_sample();
        }
        assert!((88..=92).contains(&ppg.beats()), "{}", ppg.beats());
    }

    #[test]
    fn gaussian_has_unit_spread() {
        let mut rng = Rng::new(3);
        let n = 20_000;
        let (mut sum, mut squares) = (0.0f32, 0.0f32);
        for _ in 0..n {
            let g = rng.gaussian();
            sum += g;
            squares += g * g;
        }
        let mean = sum / n as f32;
        let variance = squares / n as f32 - mean * mean;
        assert!(mean.abs() < 0.05 && (variance - 1.0).abs() < 0.05);
    }

    #[test]
    fn stays_in_adc_range() {
        let mut ppg = Ppg::new(
            PpgConfig {
                amplitude: 2000.0,
                noise: 300.0,
                ..PpgConfig::at_bpm(120.0)
            },
            5,
        );
        let samples: [u16; 2000] = core::array::from_fn(|_| ppg.next_sample());
        assert!(samples.iter().all(|&s| s <= 1023));
        assert!(samples.contains(&0) && samples.contains(&1023));
    }
}

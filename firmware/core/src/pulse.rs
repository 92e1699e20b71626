//! The pulse detector: raw 10-bit ADC samples of a PPG pulse sensor at
//! 500 Hz in, beats with a heart rate out.
//!
//! At its heart is the Arduino sketch's algorithm (the PulseSensor.com one):
//! a beat is the signal rising through a threshold set halfway between the
//! last pulse's peak and trough; crossings closer than 3/5 of the last
//! inter-beat interval (or 250 ms) to the last beat are ignored (they are
//! the dicrotic notch, or noise); the rate is the average of the last 10
//! intervals; 2.5 s without a beat resets everything. Changes that make it
//! hold up to noise and drift where the sketch did not:
//!
//! - **It runs on the slope.** The raw signal goes through two one-pole
//!   low-pass stages at 5 Hz, and the sketch's peak/trough/threshold logic
//!   runs on the rise of that over 40 ms. The steepest point of the systolic
//!   upstroke is the sharpest feature of a PPG beat, so the crossing time is
//!   precise at 40 BPM as at 200, and baseline drift (slow) barely moves the
//!   slope. A crossing also needs a positive slope, so a falling step (the
//!   finger lifting) is not a beat.
//! - **Noise gate.** The raw noise level is estimated from the second
//!   difference of the raw samples (a smooth pulse has almost none, white
//!   noise a lot). A crossing counts as a beat only if the pulse over the
//!   last beat (peak to trough of the low-passed signal less a one-second
//!   baseline, measured at the falling crossing, a few tens of ms after the
//!   rising one) is at least [`MIN_AMPLITUDE`] counts and [`MIN_SNR`] times
//!   that noise level. So a flat line and pure noise (whose filtered swings
//!   are small next to its raw noise) give no beats.
//! - **Lock on three beats.** The first rate comes with the third beat, and
//!   only if its two intervals agree within 25% (the sketch reported on the
//!   second); the 10-interval window is then filled with those two. A beat
//!   that fails the gate restarts the lock. This stops isolated noise
//!   crossings from ever producing a rate.
//! - **Quality.** Each beat carries a 0-100 quality from the regularity of
//!   the last intervals and the pulse-to-noise ratio.
//!
//! Measured on [`crate::synth`] signals (tests/pulse.rs): within 2 BPM of
//! the truth from 40 to 200 BPM after 20 s, no beat from flat lines or
//! white noise, the rate back within a few seconds after a dropout.

/// Sample rate the filters are tuned for.
pub const SAMPLE_RATE_HZ: u32 = 500;

/// How many inter-beat intervals the rate averages.
pub const INTERVALS: usize = 10;

/// No beat for this long resets the detector (and means "no signal").
pub const RESET_AFTER_MS: u32 = 2500;

/// Beats closer than this are never counted (240 BPM).
pub const MIN_INTERVAL_MS: u32 = 250;

/// Smallest pulse, peak to trough of the filtered signal, in ADC counts.
pub const MIN_AMPLITUDE: f32 = 12.0;

/// Smallest ratio of pulse (peak to trough) to raw noise (standard
/// deviation) for a beat to count.
pub const MIN_SNR: f32 = 3.0;

/// Pulse-to-noise ratio that earns full quality.
const GOOD_SNR: f32 = 20.0;

/// Relative mean deviation of the intervals at which quality reaches 0.
const MAX_IRREGULARITY: f32 = 0.2;

/// Low-pass coefficient, `1 - exp(-2 pi 5 Hz / 500 Hz)`.
const LOW_PASS: f32 = 0.0609;

/// Baseline coefficient: a one-second time constant.
const BASELINE: f32 = 1.0 / 500.0;

/// Noise estimate coefficient: a half-second time constant.
const NOISE: f32 = 1.0 / 250.0;

/// Mean absolute second difference of unit white noise: `sqrt(6) * sqrt(2/pi)`.
const SECOND_DIFFERENCE_PER_SIGMA: f32 = 1.954;

/// Sketch's starting interval before any beat.
const INITIAL_INTERVAL_MS: u32 = 600;

/// One detected heartbeat.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Beat {
    /// Beats per minute, averaged over the last [`INTERVALS`] intervals.
    pub bpm: f32,
    /// 0 (unusable) to 100 (clean and regular).
    pub quality: u8,
    /// The caller's clock at the beat (the upward threshold crossing).
    pub at_ms: u32,
}

/// Where the detector is in the beat sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lock {
    /// No beat yet (or since the last reset).
    None,
    /// One beat seen; the next gives the first interval.
    FirstBeat,
    /// Two beats seen, this far apart; a third at a similar interval locks.
    SecondBeat { interval_ms: u32 },
    /// Intervals are being averaged; this many are real (the rest of the
    /// window was filled with the first one, as the sketch did).
    Locked { real_intervals: u8 },
}

/// Samples between the two ends of the slope: 40 ms.
const SLOPE_LAG: usize = 20;

/// The filters in front of the detector: one sample in, the pulse's slope
/// (for timing) and its band-passed level (for the noise gate) out.
#[derive(Clone, Copy, Debug)]
struct Filter {
    primed: bool,
    low1: f32,
    low2: f32,
    baseline: f32,
    /// The last [`SLOPE_LAG`] low-passed values, oldest at `next`.
    history: [f32; SLOPE_LAG],
    next: usize,
    previous: [f32; 2],
    noise: f32,
}

/// What [`Filter::step`] gives for one sample.
#[derive(Clone, Copy, Debug)]
struct Filtered {
    /// Rise of the low-passed signal over the last 20 ms.
    slope: f32,
    /// Low-passed signal less its slow baseline.
    level: f32,
}

impl Filter {
    const fn new() -> Self {
        Filter {
            primed: false,
            low1: 0.0,
            low2: 0.0,
            baseline: 0.0,
            history: [0.0; SLOPE_LAG],
            next: 0,
            previous: [0.0; 2],
            noise: 0.0,
        }
    }

    fn step(&mut self, x: f32) -> Filtered {
        if !self.primed {
            *self = Filter {
                primed: true,
                low1: x,
                low2: x,
                baseline: x,
                history: [x; SLOPE_LAG],
                next: 0,
                previous: [x; 2],
                noise: 0.0,
            };
        }
        self.low1 += LOW_PASS * (x - self.low1);
        self.low2 += LOW_PASS * (self.low1 - self.low2);
        self.baseline += BASELINE * (self.low2 - self.baseline);
        let slope = match self.history.get_mut(self.next) {
            Some(oldest) => {
                let slope = self.low2 - *oldest;
                *oldest = self.low2;
                slope
            }
            None => 0.0,
        };
        self.next = (self.next + 1) % SLOPE_LAG;
        let second_difference = x - 2.0 * self.previous[0] + self.previous[1];
        self.previous = [x, self.previous[0]];
        self.noise += NOISE * (libm::fabsf(second_difference) - self.noise);
        Filtered {
            slope,
            level: self.low2 - self.baseline,
        }
    }

    /// Estimated standard deviation of the raw noise, in counts.
    fn noise_sigma(&self) -> f32 {
        self.noise / SECOND_DIFFERENCE_PER_SIGMA
    }
}

/// The detector. Feed it every sample; it needs no other timer.
#[derive(Clone, Debug)]
pub struct PulseDetector {
    filter: Filter,
    threshold: f32,
    peak: f32,
    trough: f32,
    /// Above the threshold since a counted rising crossing.
    in_pulse: bool,
    /// Time of the last rising crossing that was counted.
    last_beat_ms: u32,
    /// Interval ending at that crossing, confirmed at the falling one.
    pending_interval_ms: u32,
    interval_ms: u32,
    intervals: [u32; INTERVALS],
    lock: Lock,
    signal: bool,
    /// Time of the last beat that passed the noise gate.
    last_confirmed_ms: u32,
    /// Highest and lowest band-passed level since the last falling
    /// crossing: the pulse's size, for the noise gate.
    level_max: f32,
    level_min: f32,
    started: bool,
}

impl Default for PulseDetector {
    fn default() -> Self {
        Self::new()
    }
}

impl PulseDetector {
    pub const fn new() -> Self {
        PulseDetector {
            filter: Filter::new(),
            threshold: 0.0,
            peak: 0.0,
            trough: 0.0,
            in_pulse: false,
            last_beat_ms: 0,
            pending_interval_ms: 0,
            interval_ms: INITIAL_INTERVAL_MS,
            intervals: [0; INTERVALS],
            lock: Lock::None,
            signal: false,
            last_confirmed_ms: 0,
            level_max: 0.0,
            level_min: 0.0,
            started: false,
        }
    }

    /// True until beats are reported, and again from [`RESET_AFTER_MS`]
    /// without a beat.
    pub fn no_signal(&self) -> bool {
        !self.signal
    }

    /// Feeds one raw sample (0-1023; larger values are clamped) taken at
    /// `now_ms` on the caller's clock (wrapping is fine); returns the beat
    /// this sample confirms, if any.
    pub fn sample(&mut self, raw: u16, now_ms: u32) -> Option<Beat> {
        let first = !self.started;
        if first {
            self.started = true;
            self.last_beat_ms = now_ms;
            self.last_confirmed_ms = now_ms;
        }
        let filtered = self.filter.step(f32::from(raw.min(1023)));
        let s = filtered.slope;
        if first {
            self.level_max = filtered.level;
            self.level_min = filtered.level;
        }
        self.level_max = libm::fmaxf(self.level_max, filtered.level);
        self.level_min = libm::fminf(self.level_min, filtered.level);
        let since_beat = now_ms.wrapping_sub(self.last_beat_ms);
        let refractory = since_beat > self.interval_ms / 5 * 3;

        if s < self.threshold && refractory && s < self.trough {
            self.trough = s;
        }
        if s > self.threshold && s > self.peak {
            self.peak = s;
        }

        let mut beat = None;
        let rising = s > self.threshold && s > 0.0;
        if since_beat > MIN_INTERVAL_MS && !self.in_pulse && rising && refractory {
            self.in_pulse = true;
            self.pending_interval_ms = since_beat;
            self.last_beat_ms = now_ms;
        } else if self.in_pulse && s < self.threshold {
            self.in_pulse = false;
            let amplitude = self.peak - self.trough;
            self.threshold = self.trough + amplitude / 2.0;
            self.peak = self.threshold;
            self.trough = self.threshold;
            beat = self.confirm(self.level_max - self.level_min);
            self.level_max = filtered.level;
            self.level_min = filtered.level;
        }

        if now_ms.wrapping_sub(self.last_beat_ms) > RESET_AFTER_MS {
            self.reset(now_ms);
        }
        // Crossings that fail the noise gate keep the sketch's timer alive;
        // the signal is gone all the same.
        if now_ms.wrapping_sub(self.last_confirmed_ms) > RESET_AFTER_MS {
            self.signal = false;
        }
        beat
    }

    /// The falling crossing after a counted rising one: the pulse is
    /// measured; count the beat if it stands out of the noise.
    fn confirm(&mut self, amplitude: f32) -> Option<Beat> {
        let snr = amplitude / libm::fmaxf(self.filter.noise_sigma(), 0.5);
        if amplitude < MIN_AMPLITUDE || snr < MIN_SNR {
            // Not a pulse: the interval chain is broken.
            self.lock = Lock::None;
            return None;
        }
        let interval = self.pending_interval_ms;
        match self.lock {
            Lock::None => {
                self.lock = Lock::FirstBeat;
                return None;
            }
            Lock::FirstBeat => {
                self.lock = Lock::SecondBeat {
                    interval_ms: interval,
                };
                return None;
            }
            Lock::SecondBeat { interval_ms } => {
                if interval.abs_diff(interval_ms) > interval_ms / 4 {
                    // Irregular: start again from this pair.
                    self.lock = Lock::SecondBeat {
                        interval_ms: interval,
                    };
                    return None;
                }
                self.intervals = [interval_ms; INTERVALS];
                self.intervals[INTERVALS - 1] = interval;
                self.lock = Lock::Locked { real_intervals: 2 };
            }
            Lock::Locked { real_intervals } => {
                self.intervals.copy_within(1.., 0);
                self.intervals[INTERVALS - 1] = interval;
                self.lock = Lock::Locked {
                    real_intervals: real_intervals.saturating_add(1).min(INTERVALS as u8),
                };
            }
        }
        self.interval_ms = interval;
        self.signal = true;
        self.last_confirmed_ms = self.last_beat_ms;
        let mean = self.intervals.iter().map(|&i| i as f32).sum::<f32>() / INTERVALS as f32;
        Some(Beat {
            bpm: 60_000.0 / mean,
            quality: self.quality(mean, snr),
            at_ms: self.last_beat_ms,
        })
    }

    /// Regularity of the intervals and pulse-to-noise ratio, the worse of
    /// the two, capped at 50 until three real intervals are in.
    fn quality(&self, mean: f32, snr: f32) -> u8 {
        let deviation = self
            .intervals
            .iter()
            .map(|&i| libm::fabsf(i as f32 - mean))
            .sum::<f32>()
            / INTERVALS as f32;
        let regularity = 1.0 - deviation / mean / MAX_IRREGULARITY;
        let clean = (snr - MIN_SNR) / (GOOD_SNR - MIN_SNR);
        let mut quality = libm::fminf(regularity, clean).clamp(0.0, 1.0) * 100.0;
        if let Lock::Locked { real_intervals } = self.lock
            && real_intervals < 3
        {
            quality = libm::fminf(quality, 50.0);
        }
        libm::roundf(quality) as u8
    }

    /// The sketch's reset after [`RESET_AFTER_MS`] without a beat.
    fn reset(&mut self, now_ms: u32) {
        self.threshold = 0.0;
        self.peak = 0.0;
        self.trough = 0.0;
        self.in_pulse = false;
        self.last_beat_ms = now_ms;
        self.interval_ms = INITIAL_INTERVAL_MS;
        self.lock = Lock::None;
        self.signal = false;
    }
}

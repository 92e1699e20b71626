//! The pulse detector: raw 10-bit ADC samples of a PPG pulse sensor at
//! 500 Hz in; beats with a heart rate, their interval and a quality out, or
//! the reason there is no reading. Fixed memory (under 2.5 KB), no
//! allocation, bounded work per sample. Design record:
//! `docs/design/heart-rate.md`.
//!
//! 1. **Slope.** The raw signal is low-passed (two one-pole stages at
//!    6 Hz) and differenced over 20 ms. The steepest point of the systolic
//!    upstroke is the sharpest feature of a PPG beat; baseline wander barely
//!    moves the slope, and the diastolic wave's rise is gentler than the
//!    systolic one even where its peak is nearly as tall.
//! 2. **Rhythm.** The slope, decimated to 50 Hz and clamped against
//!    artefacts, fills a 5-second window whose normalised autocorrelation
//!    is computed one lag per sample (lags 20 ms to 2 s). Its strongest
//!    peak between 0.24 and 2 s, moved to the shortest lag that is nearly
//!    as strong (so a multiple of the period is never taken for it), is the
//!    beat period; the peak's height, and how deep the autocorrelation dips
//!    before it, say how periodic the signal is. Noise, even slow
//!    band-limited noise or drift, has no strong peak, so it never gets a
//!    period, and without a period there are no beats.
//! 3. **Beats.** Each excursion of the slope above an adaptive threshold is
//!    a candidate at its steepest point. A candidate becomes a beat only if
//!    it is the steepest within half a period either side (decided half a
//!    period later), so a secondary wave is never a beat. Candidates in,
//!    into or just out of a long stretch at the sensor's rails (longer
//!    than a pulse's clipped top), steps, and candidates far steeper than
//!    recent beats (movement) are dropped.
//! 4. **Rate and quality.** The rate is 60 000 over the median of the last
//!    five plausible intervals (within 0.6 to 1.5 periods, and within a
//!    third of the interval before: a missed or an extra beat is left out,
//!    a heart slowing down or speeding up is followed). The quality is
//!    the worst of: periodicity, the beats' rate agreeing with the period,
//!    the intervals' regularity, the share of clipped samples, and the
//!    pulse's size next to the raw noise (estimated from second
//!    differences, which a smooth pulse hardly has; filtered white noise
//!    looks like a fast rhythm, but not like a clean one). A rate twice or
//!    half the last one reported within half a minute needs a full window
//!    of intervals and high quality first. A beat is reported only at
//!    [`REPORT_QUALITY`] or better; otherwise [`PulseDetector::issue`] says
//!    why not, in the protocol's terms.

use rig_device_protocol::PulseIssue;

/// Sample rate the filters are tuned for.
pub const SAMPLE_RATE_HZ: u32 = 500;

/// Lowest quality that is reported as a heart rate.
pub const REPORT_QUALITY: u8 = 50;

/// Intervals kept (for regularity).
pub const INTERVALS: usize = 8;

/// The latest intervals the rate is the median of.
pub const RATE_INTERVALS: usize = 5;

/// Beats closer than this are never counted (222 BPM).
pub const MIN_INTERVAL_MS: u32 = 270;

/// No beat for this long forgets the intervals.
pub const FORGET_AFTER_MS: u32 = 3000;

/// Smallest pulse, peak to peak of the low-passed signal over the last one
/// to two seconds, in ADC counts; less is "no finger".
pub const MIN_AMPLITUDE: f32 = 8.0;

/// Below this pulse size a signal without rhythm is "too weak" rather than
/// "movement".
const WEAK_AMPLITUDE: f32 = 40.0;

/// Pulse (peak to peak) over raw noise (standard deviation) below which
/// there is no reading, and at which quality is full.
const MIN_SNR: f32 = 2.0;
const GOOD_SNR: f32 = 6.0;

/// Weight per sample of the noise estimate: a half-second time constant.
const NOISE: f32 = 1.0 / 250.0;

/// Mean absolute second difference of unit white noise: `sqrt(6) * sqrt(2/pi)`.
const SECOND_DIFFERENCE_PER_SIGMA: f32 = 1.954;

/// Raw values at or beyond these are at the ADC's rails (clipped); a flat
/// top at the signal's highest value below them is clipped too.
const CLIP_LOW: u16 = 3;
const CLIP_HIGH: u16 = 1020;

/// A stretch at a rail this long (150 ms) is no pulse's clipped top.
const LONG_CLIP: u16 = 75;

/// How long after a long clipped stretch slopes are still spoilt (200 ms:
/// the filters' delay and the way out of the rail).
const AFTER_CLIP: u16 = 100;

/// Samples (20 ms) the raw signal must stay within a count of its
/// highest value to be flat at a ceiling.
const FLAT: u16 = 10;

/// Share of clipped samples over about two seconds that means "saturated".
const SATURATED: f32 = 0.4;

/// Share of clipped samples that a reading tolerates at full quality.
const TOLERATED_CLIPPING: f32 = 0.1;

/// Low-pass coefficient, `1 - exp(-2 pi 6 Hz / 500 Hz)`.
const LOW_PASS: f32 = 0.0726;

/// Samples the slope is taken over: 20 ms.
const SLOPE_LAG: usize = 10;

/// Raw samples per autocorrelation sample: 500 Hz to 50 Hz.
const DECIMATE: u32 = 10;

/// Milliseconds per autocorrelation lag (one 50 Hz sample).
const MS_PER_LAG: f32 = (DECIMATE * 1000 / SAMPLE_RATE_HZ) as f32;

/// Autocorrelation window: 256 samples at 50 Hz, 5.12 s.
const WINDOW: usize = 256;

/// Shortest and longest period looked for, in 50 Hz samples (0.24 s, 250
/// BPM; 2 s, 30 BPM).
const MIN_LAG: usize = 12;
const MAX_LAG: usize = 100;

/// Autocorrelation peak height below which the signal has no rhythm.
const PERIODIC: f32 = 0.3;

/// How far the autocorrelation must dip below the period's peak, beyond
/// the peak's own height being counted, for the peak to count in full.
const PROMINENCE: f32 = 0.3;

/// A peak near the beats' own interval is the period if it is at least
/// this share of the rhythm's chosen peak.
const NEAR: f32 = 0.6;

/// Height that earns full marks for periodicity.
const CLEARLY_PERIODIC: f32 = 0.6;

/// Periodicity at which a single interval that matches the period is
/// enough for a first rate.
const CONFIRMING: f32 = 0.65;

/// Relative difference between the beats' median interval and the period
/// at which quality reaches 0.
const DISAGREEMENT: f32 = 0.3;

/// Mean successive interval difference, relative to the median, at which
/// quality reaches 0.
const IRREGULAR: f32 = 0.3;

/// A shorter lag whose peak is at least this share of the strongest is
/// taken as the period (the strongest may be two or three periods). A
/// signal that repeats every L/2 correlates at L/2 at least as well as at
/// L (more, as the rate wanders); one with a secondary wave half-way does
/// not, so the bar is close to 1.
const SUBMULTIPLE: f32 = 0.95;

/// Candidates lower than this share of the typical beat's slope are noise.
const THRESHOLD: f32 = 0.3;

/// Candidates steeper than this many typical beats are movement.
const ARTEFACT: f32 = 3.5;

/// A slope peak this many times the mean absolute slope is a step.
const STEP: f32 = 40.0;

/// Steepest candidates whose median is the typical beat.
const TYPICAL: usize = 5;

/// How long a reported rate makes a jump to twice or half of it suspect,
/// and the quality such a jump needs (with a full window of intervals).
const HARMONIC_MEMORY_MS: u32 = 30_000;
const HARMONIC_QUALITY: u8 = 80;

/// How long the last period stands in while the rhythm is unsure.
const HOLD_PERIOD_MS: u32 = 3000;

/// Candidates remembered, for deciding within half a period.
const CANDIDATES: usize = 24;

/// Per-sample weight of the two-second clipping and slope estimates.
const TWO_SECONDS: f32 = 1.0 / 1000.0;

/// Per-sample weight of a half-second estimate.
const HALF_SECOND: f32 = 1.0 / 250.0;

/// Samples per block of the pulse's size: one second. The size is taken
/// over this block and the one before, so it is gone within two seconds
/// of the finger leaving, and holds a 40 BPM pulse between beats.
const SIZE_BLOCK: u16 = 500;

/// What became of the candidates so far: for tuning and the evaluation,
/// not used by the detector itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Candidates decided.
    pub decided: u32,
    /// At a rail, or a step.
    pub spoilt: u32,
    /// A steeper one within half a period.
    pub not_steepest: u32,
    /// Far steeper than the typical beat.
    pub artefacts: u32,
    /// Far gentler than the typical beat.
    pub gentle: u32,
    /// Beats whose interval was left out (first after a gap, or outlier).
    pub unmeasured: u32,
    /// Beats not reported: a harmonic jump, or quality below the bar
    /// because of periodicity, agreement, regularity, clipping, noise.
    pub harmonic: u32,
    pub low_quality: [u32; 5],
    /// Beats reported.
    pub reported: u32,
}

/// One detected heartbeat.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Beat {
    /// Beats per minute: 60 000 over the median of the last intervals.
    pub bpm: f32,
    /// [`REPORT_QUALITY`] to 100 (clean and regular).
    pub quality: u8,
    /// The caller's clock at the beat (the steepest point of the upstroke).
    pub at_ms: u32,
    /// Time since the previous beat; 0 when that beat was not seen.
    pub interval_ms: u32,
}

/// A slope excursion that may be a beat.
#[derive(Clone, Copy, Debug)]
struct Candidate {
    at_ms: u32,
    height: f32,
    /// Decided (accepted or not); kept to compare later candidates with.
    decided: bool,
    /// Steepest point at a rail, or steeper than a beat can be.
    spoilt: bool,
}

/// The autocorrelation of the decimated slope, one lag per sample.
#[derive(Clone, Debug)]
struct Rhythm {
    window: [f32; WINDOW],
    /// Index of the oldest sample in `window`.
    next: usize,
    /// Normalised autocorrelation per lag, `1..=MAX_LAG + 1` (0 unused).
    r: [f32; MAX_LAG + 2],
    /// The lag computed at the next sample.
    lag: usize,
    /// Beat period from the last complete pass, in ms, and its peak height.
    period_ms: Option<f32>,
    strength: f32,
    /// The lag of the period found.
    last_lag: Option<usize>,
}

impl Rhythm {
    const fn new() -> Self {
        Rhythm {
            window: [0.0; WINDOW],
            next: 0,
            r: [0.0; MAX_LAG + 2],
            lag: 1,
            period_ms: None,
            strength: 0.0,
            last_lag: None,
        }
    }

    fn push(&mut self, x: f32) {
        self.window[self.next] = x;
        self.next = (self.next + 1) % WINDOW;
    }

    /// Computes one lag; after the last one, finds the period.
    fn step(&mut self) {
        let lag = self.lag;
        let (mut product, mut early, mut late) = (0.0f32, 0.0f32, 0.0f32);
        for i in lag..WINDOW {
            let a = self.window[(self.next + i) % WINDOW];
            let b = self.window[(self.next + i - lag) % WINDOW];
            product += a * b;
            late += a * a;
            early += b * b;
        }
        let energy = libm::sqrtf(early * late);
        self.r[lag] = if energy > 1e-6 { product / energy } else { 0.0 };
        self.lag += 1;
        if self.lag > MAX_LAG + 1 {
            self.lag = 1;
            self.find_period();
        }
    }

    /// The strongest peak in range, moved to the shortest lag nearly as
    /// strong; its position refined by a parabola through its neighbours.
    fn find_period(&mut self) {
        let mut best = None::<usize>;
        for lag in MIN_LAG..=MAX_LAG {
            if self.is_peak(lag) && best.is_none_or(|b| self.r[lag] > self.r[b]) {
                best = Some(lag);
            }
        }
        let Some(mut best) = best else {
            self.period_ms = None;
            self.strength = 0.0;
            return;
        };
        'shorter: for divisor in (2..=5).rev() {
            let centre = best as f32 / divisor as f32;
            let low = libm::floorf(centre * 0.85) as usize;
            let high = libm::ceilf(centre * 1.15) as usize;
            for lag in low.max(MIN_LAG)..=high.min(MAX_LAG) {
                if self.is_peak(lag) && self.r[lag] >= SUBMULTIPLE * self.r[best] {
                    best = lag;
                    break 'shorter;
                }
            }
        }
        let offset = self.offset(best);
        self.strength = self.strength_at(best);
        self.period_ms = (self.strength >= PERIODIC).then_some((best as f32 + offset) * MS_PER_LAG);
        self.last_lag = self.period_ms.map(|_| best);
    }

    /// The peak within a fifth of `expected_ms`, if it is at least
    /// [`NEAR`] times as high as the chosen one, as a period in ms.
    fn period_near(&self, expected_ms: f32) -> Option<(f32, f32)> {
        let centre = expected_ms / MS_PER_LAG;
        let low = (libm::floorf(centre * 0.8) as usize).max(MIN_LAG);
        let high = (libm::ceilf(centre * 1.2) as usize).min(MAX_LAG);
        let chosen = self.r[self.last_lag?];
        let lag = (low..=high)
            .filter(|&lag| self.is_peak(lag))
            .max_by(|&a, &b| self.r[a].total_cmp(&self.r[b]))?;
        (self.r[lag] >= NEAR * chosen).then(|| {
            (
                (lag as f32 + self.offset(lag)) * MS_PER_LAG,
                self.strength_at(lag),
            )
        })
    }

    /// Whether the autocorrelation peaks at `lag`.
    fn is_peak(&self, lag: usize) -> bool {
        self.r[lag] >= self.r[lag - 1] && self.r[lag] >= self.r[lag + 1]
    }

    /// How periodic the signal is at `lag`: the autocorrelation's height
    /// there, less what it lacks in dipping before it.
    fn strength_at(&self, lag: usize) -> f32 {
        // A beat's slope swings from steep rise to fall within a period,
        // so its autocorrelation dips deep before the period's peak; a
        // slow drift keeps it high at every short lag, with no dip.
        let b = self.r[lag];
        let valley = self.r[1..lag].iter().copied().fold(f32::MAX, f32::min);
        libm::fminf(b, b - valley - PROMINENCE)
    }

    /// Where the peak at `lag` really is, from a parabola through it and
    /// its neighbours, as a fraction of a lag.
    fn offset(&self, lag: usize) -> f32 {
        let (a, b, c) = (self.r[lag - 1], self.r[lag], self.r[lag + 1]);
        let curvature = a - 2.0 * b + c;
        if curvature < 0.0 {
            (0.5 * (a - c) / curvature).clamp(-0.5, 0.5)
        } else {
            0.0
        }
    }

    fn clear(&mut self) {
        *self = Rhythm::new();
    }
}

/// The detector. Feed it every sample; it needs no other timer.
#[derive(Clone, Debug)]
pub struct PulseDetector {
    started: bool,
    low1: f32,
    low2: f32,
    history: [f32; SLOPE_LAG],
    history_next: usize,
    /// Last two slopes, to find local maxima.
    slope: f32,
    rising: bool,
    /// Mean absolute slope, rising over half a second and falling over
    /// two: the scale of the artefact clamp and the step test.
    slope_scale: f32,
    /// Highest and lowest low-passed value in this one-second block and
    /// in the one before, and the samples in this block: the pulse's size.
    level: [(f32, f32); 2],
    level_samples: u16,
    clipped_share: f32,
    /// The last two raw samples, and the mean absolute second difference:
    /// the raw noise level (a smooth pulse has almost none).
    previous: [f32; 2],
    noise: f32,
    /// Highest and lowest raw value, fading towards the signal over a few
    /// seconds: where the sensor's ceiling is.
    raw_top: f32,
    raw_bottom: f32,
    /// Samples in a row within a count of the one before.
    flat_run: u16,
    /// Samples the raw signal has been at a rail without a break.
    clip_run: u16,
    /// Samples since a long clipped stretch (see [`LONG_CLIP`]) ended, up
    /// to [`AFTER_CLIP`]; 0 while one lasts.
    since_long_clip: u16,
    decimate_sum: f32,
    decimate_count: u32,
    rhythm: Rhythm,
    /// The open excursion above the threshold: its peak so far.
    excursion: Option<Candidate>,
    candidates: [Candidate; CANDIDATES],
    candidate_next: usize,
    /// Heights of the last [`TYPICAL`] candidates that were the steepest
    /// around them; their median is the typical beat's slope, which one
    /// jolt or one wrong beat does not move.
    heights: [f32; TYPICAL],
    heights_held: usize,
    /// Their median, worked out when they change.
    typical: f32,
    last_beat_ms: Option<u32>,
    intervals: [u32; INTERVALS],
    interval_count: usize,
    stats: Stats,
    /// The last rate reported, and when.
    last_good: Option<(f32, u32)>,
    /// Intervals in a row left out of the rate as outliers.
    outliers: u8,
    /// When the last movement artefact was seen.
    movement_ms: Option<u32>,
    /// Highest and lowest low-passed value since the last beat, and their
    /// difference over the last whole beat: the pulse's size for the
    /// signal-to-noise ratio.
    cycle_max: f32,
    cycle_min: f32,
    pulse_size: f32,
    /// The last period the rhythm found, and when.
    held_period: Option<(f32, u32)>,
    /// When the last beat was reported.
    reported_ms: Option<u32>,
    issue: Option<PulseIssue>,
    now_ms: u32,
}

impl Default for PulseDetector {
    fn default() -> Self {
        Self::new()
    }
}

impl PulseDetector {
    pub const fn new() -> Self {
        PulseDetector {
            started: false,
            low1: 0.0,
            low2: 0.0,
            history: [0.0; SLOPE_LAG],
            history_next: 0,
            slope: 0.0,
            rising: false,
            slope_scale: 0.0,

            level: [(0.0, 0.0); 2],
            level_samples: 0,
            clipped_share: 0.0,
            previous: [0.0; 2],
            noise: 0.0,
            raw_top: 0.0,
            raw_bottom: 0.0,
            flat_run: 0,
            clip_run: 0,
            since_long_clip: AFTER_CLIP,
            decimate_sum: 0.0,
            decimate_count: 0,
            rhythm: Rhythm::new(),
            excursion: None,
            candidates: [Candidate {
                at_ms: 0,
                height: 0.0,
                decided: true,
                spoilt: true,
            }; CANDIDATES],
            candidate_next: 0,
            heights: [0.0; TYPICAL],
            heights_held: 0,
            typical: 0.0,
            last_beat_ms: None,
            intervals: [0; INTERVALS],
            interval_count: 0,
            stats: Stats {
                decided: 0,
                spoilt: 0,
                not_steepest: 0,
                artefacts: 0,
                gentle: 0,
                unmeasured: 0,
                harmonic: 0,
                low_quality: [0; 5],
                reported: 0,
            },
            last_good: None,
            outliers: 0,
            movement_ms: None,
            cycle_max: f32::MIN,
            cycle_min: f32::MAX,
            pulse_size: 0.0,
            held_period: None,
            reported_ms: None,
            issue: Some(PulseIssue::NoFinger),
            now_ms: 0,
        }
    }

    /// Why no heart rate is reported now; `None` while it is.
    pub fn issue(&self) -> Option<PulseIssue> {
        self.issue
    }

    /// True while no heart rate is being reported.
    pub fn no_signal(&self) -> bool {
        self.issue.is_some()
    }

    /// The beat period the rhythm analysis sees, in ms.
    pub fn period_ms(&self) -> Option<f32> {
        self.rhythm.period_ms
    }

    /// What became of the candidates so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// How periodic the signal is: the height of the autocorrelation peak
    /// at the period (1 is a perfectly repeating signal).
    pub fn periodicity(&self) -> f32 {
        self.rhythm.strength
    }

    /// Feeds one raw sample (0-1023; larger values are clamped) taken at
    /// `now_ms` on the caller's clock (wrapping is fine); returns the beat
    /// this sample confirms, if it is good enough to report.
    pub fn sample(&mut self, raw: u16, now_ms: u32) -> Option<Beat> {
        let raw = raw.min(1023);
        let x = f32::from(raw);
        self.now_ms = now_ms;
        if !self.started {
            self.started = true;
            self.low1 = x;
            self.low2 = x;
            self.history = [x; SLOPE_LAG];
            self.level = [(x, x); 2];
            self.previous = [x; 2];
            self.raw_top = x;
            self.raw_bottom = x;
        }
        // Filters.
        self.low1 += LOW_PASS * (x - self.low1);
        self.low2 += LOW_PASS * (self.low1 - self.low2);
        let oldest = core::mem::replace(&mut self.history[self.history_next], self.low2);
        self.history_next = (self.history_next + 1) % SLOPE_LAG;
        let slope = self.low2 - oldest;
        // Quick to rise (a finger just put on), slow to fall.
        let magnitude = libm::fabsf(slope);
        let weight = if magnitude > self.slope_scale {
            HALF_SECOND
        } else {
            TWO_SECONDS
        };
        self.slope_scale += weight * (magnitude - self.slope_scale);

        if self.level_samples == SIZE_BLOCK {
            self.level = [self.level[1], (self.low2, self.low2)];
            self.level_samples = 0;
        }
        self.level_samples += 1;
        let (high, low) = &mut self.level[1];
        *high = libm::fmaxf(*high, self.low2);
        *low = libm::fminf(*low, self.low2);
        let second_difference = x - 2.0 * self.previous[0] + self.previous[1];
        self.previous = [x, self.previous[0]];
        self.noise += NOISE * (libm::fabsf(second_difference) - self.noise);
        // Both rails spoil a beat; only the top one means "saturated" (a
        // sensor reading nothing sits at the bottom: no finger).
        self.cycle_max = libm::fmaxf(self.cycle_max, self.low2);
        self.cycle_min = libm::fminf(self.cycle_min, self.low2);
        // A sensor's amplifier may saturate below the ADC's own limit: the
        // signal then sits flat at its highest value of the last seconds.
        let span = self.raw_top - self.raw_bottom;
        self.raw_top = libm::fmaxf(x, self.raw_top - TWO_SECONDS * span);
        self.raw_bottom = libm::fminf(x, self.raw_bottom + TWO_SECONDS * span);
        self.flat_run = if libm::fabsf(x - self.previous[1]) <= 1.0 {
            self.flat_run.saturating_add(1)
        } else {
            0
        };
        let flat_top = x >= self.raw_top - 1.0 && self.flat_run >= FLAT && span > MIN_AMPLITUDE;
        let at_ceiling = raw >= CLIP_HIGH || flat_top;
        let clipped = raw <= CLIP_LOW || at_ceiling;
        let saturated = f32::from(u8::from(at_ceiling));
        self.clipped_share += TWO_SECONDS * (saturated - self.clipped_share);
        // A pulse may touch a rail at its top for a few tens of ms and is
        // still a beat (its rise is intact); a longer stretch at a rail is
        // no pulse, and the slopes into and out of it are no beats.
        if clipped {
            self.clip_run = self.clip_run.saturating_add(1);
            if self.clip_run >= LONG_CLIP {
                self.since_long_clip = 0;
            }
        } else {
            self.clip_run = 0;
            self.since_long_clip = self.since_long_clip.saturating_add(1).min(AFTER_CLIP);
        }

        // Rhythm, at 50 Hz, clamped against steps and spikes.
        self.decimate_sum += slope;
        self.decimate_count += 1;
        if self.decimate_count == DECIMATE {
            let limit = 6.0 * self.slope_scale;
            let mean = self.decimate_sum / DECIMATE as f32;
            self.rhythm.push(mean.clamp(-limit, limit));
            self.decimate_sum = 0.0;
            self.decimate_count = 0;
        }
        self.rhythm.step();
        if let Some(period) = self.rhythm.period_ms {
            self.held_period = Some((period, now_ms));
        }

        // Candidates: the peak of each excursion above the threshold.
        // The typical beat sets the bar once several beats agree on it.
        let typical = if self.heights_held >= 3 {
            self.typical
        } else {
            0.0
        };
        let threshold = libm::fmaxf(THRESHOLD * typical, 0.25 * self.slope_scale);
        let peak = self.rising && slope < self.slope;
        self.rising = slope > self.slope;
        if peak && self.slope > threshold && self.amplitude() >= MIN_AMPLITUDE {
            let found = Candidate {
                at_ms: now_ms.wrapping_sub(2), // the previous sample
                height: self.slope,
                decided: false,
                spoilt: self.spoilt(),
            };
            match &mut self.excursion {
                Some(open) if found.height > open.height => *open = found,
                Some(_) => {}
                None => self.excursion = Some(found),
            }
        }
        if slope < 0.5 * threshold
            && let Some(closed) = self.excursion.take()
        {
            self.candidates[self.candidate_next] = closed;
            self.candidate_next = (self.candidate_next + 1) % CANDIDATES;
        }
        self.slope = slope;

        let beat = self.decide();
        self.update_issue(beat.is_some());
        beat
    }

    /// Whether the slope peak just found cannot be a beat: the raw signal
    /// is in or just out of a long stretch at a rail, is heading into one,
    /// or the slope is a step (a finger put down, a jolt) far beyond
    /// anything in the last seconds.
    fn spoilt(&self) -> bool {
        self.since_long_clip < AFTER_CLIP
            || self.clip_run >= LONG_CLIP / 2
            || self.slope > STEP * self.slope_scale
    }

    /// The beat period: the rhythm's, or while it is briefly unsure (a
    /// rate changing faster than its window follows), the last one it had,
    /// for up to [`HOLD_PERIOD_MS`].
    ///
    /// Where the beats have settled on an interval and the rhythm has a
    /// peak near it nearly as strong as its chosen one, that peak is the
    /// period: the rhythm alone may flip between a period and twice it (or
    /// half of it) when the rate wanders, the steepest beats do not.
    fn period(&self) -> Option<f32> {
        self.period_and_strength().map(|(period, _)| period)
    }

    /// [`Self::period`], and how periodic the signal is there.
    fn period_and_strength(&self) -> Option<(f32, f32)> {
        let (period, at) = self.held_period?;
        if self.now_ms.wrapping_sub(at) > HOLD_PERIOD_MS {
            return None;
        }
        if self.interval_count >= 4
            && let Some(near) = self.rhythm.period_near(self.median_interval())
        {
            return Some(near);
        }
        Some((period, self.rhythm.strength))
    }

    /// Peak to peak of the low-passed signal over the last one to two
    /// seconds.
    fn amplitude(&self) -> f32 {
        let [(high_a, low_a), (high_b, low_b)] = self.level;
        libm::fmaxf(high_a, high_b) - libm::fminf(low_a, low_b)
    }

    /// Decides every candidate that is now half a period old.
    fn decide(&mut self) -> Option<Beat> {
        let period = self.period()?;
        let half = (period / 2.0) as u32;
        let mut reported = None;
        for i in 0..CANDIDATES {
            let index = (self.candidate_next + i) % CANDIDATES; // oldest first
            let candidate = self.candidates[index];
            if candidate.decided || self.now_ms.wrapping_sub(candidate.at_ms) < half {
                continue;
            }
            self.candidates[index].decided = true;
            self.stats.decided += 1;
            if candidate.spoilt {
                self.stats.spoilt += 1;
                continue;
            }
            let steepest = self.candidates.iter().chain(&self.excursion).all(|other| {
                let apart = candidate.at_ms.wrapping_sub(other.at_ms) as i32;
                let near = apart.unsigned_abs() < half && apart != 0;
                !near
                    || other.height < candidate.height
                    || (other.height == candidate.height && apart < 0)
            });
            if !steepest {
                self.stats.not_steepest += 1;
                continue;
            }
            let typical = self.typical;
            self.heights.copy_within(1.., 0);
            self.heights[TYPICAL - 1] = candidate.height;
            self.heights_held = (self.heights_held + 1).min(TYPICAL);
            self.typical = self.median_height();
            if typical > 0.0 && candidate.height > ARTEFACT * typical {
                self.movement_ms = Some(self.now_ms);
                self.stats.artefacts += 1;
                continue;
            }
            if candidate.height < THRESHOLD * typical {
                self.stats.gentle += 1;
                continue;
            }
            if let Some(beat) = self.accept(candidate, period) {
                reported = Some(beat);
            }
        }
        reported
    }

    /// A candidate is a beat: its interval, the rate, the quality.
    fn accept(&mut self, candidate: Candidate, period: f32) -> Option<Beat> {
        if let Some(last) = self.last_beat_ms
            && candidate.at_ms.wrapping_sub(last) < MIN_INTERVAL_MS
        {
            return None;
        }
        if self.cycle_max >= self.cycle_min {
            self.pulse_size = self.cycle_max - self.cycle_min;
        }
        self.cycle_max = f32::MIN;
        self.cycle_min = f32::MAX;
        // An interval far from the recent ones is a missed or an extra beat
        // (noise, movement): it is left out of the rate. If the rate has
        // really changed, a few such intervals in a row start afresh.
        // The heart speeds up and slows down smoothly: an interval is
        // compared with the one before it (the median when there is none).
        let expected = match self.interval_count {
            0 => period,
            1 | 2 => self.intervals[INTERVALS - 1] as f32,
            _ => {
                let last = self.intervals[INTERVALS - 1] as f32;
                let median = self.median_interval();
                if libm::fabsf(last - median) <= 0.3 * median {
                    last
                } else {
                    median
                }
            }
        };
        let interval = self
            .last_beat_ms
            .map(|last| candidate.at_ms.wrapping_sub(last))
            .filter(|&i| {
                let i = i as f32;
                i >= 0.6 * period
                    && i <= 1.5 * period
                    && i >= 0.75 * expected
                    && i <= 1.33 * expected
            });
        let measured = self.last_beat_ms.is_some();
        self.last_beat_ms = Some(candidate.at_ms);
        let Some(interval) = interval else {
            self.stats.unmeasured += 1;
            if measured {
                self.outliers += 1;
                if self.outliers >= 3 {
                    self.interval_count = 0;
                    self.outliers = 0;
                }
            }
            return None;
        };
        self.outliers = 0;
        self.intervals.copy_within(1.., 0);
        self.intervals[INTERVALS - 1] = interval;
        self.interval_count = (self.interval_count + 1).min(INTERVALS);
        // One interval is enough to start with only when it matches a
        // clearly periodic rhythm (two independent measures agree).
        let confirmed = libm::fabsf(interval as f32 - period) <= 0.1 * period
            && self.rhythm.strength >= CONFIRMING;
        if self.interval_count < 2 && !confirmed {
            return None;
        }
        let median = self.median_interval();
        let parts = self.quality_parts(median, period);
        let quality = quality_of(&parts);
        let bpm = 60_000.0 / median;
        // A rate that jumps to twice or half the last good one within
        // half a minute is, far more often than the heart, a secondary
        // wave counted or every other beat missed: it needs a full,
        // clean window of intervals first.
        let harmonic = self.last_good.is_some_and(|(good, at)| {
            let ratio = bpm / good;
            candidate.at_ms.wrapping_sub(at) < HARMONIC_MEMORY_MS
                && ((1.7..=2.3).contains(&ratio) || (0.43..=0.59).contains(&ratio))
        });
        if harmonic && (self.interval_count < INTERVALS || quality < HARMONIC_QUALITY) {
            self.stats.harmonic += 1;
            return None;
        }
        if quality < REPORT_QUALITY {
            let worst = (0..parts.len())
                .min_by(|&a, &b| parts[a].total_cmp(&parts[b]))
                .unwrap_or(0);
            self.stats.low_quality[worst] += 1;
        }
        (quality >= REPORT_QUALITY).then(|| {
            self.reported_ms = Some(candidate.at_ms);
            self.last_good = Some((bpm, candidate.at_ms));
            self.stats.reported += 1;
            Beat {
                bpm,
                quality,
                at_ms: candidate.at_ms,
                interval_ms: interval,
            }
        })
    }

    /// The median of the recent steepest candidates' slopes; 0 before the
    /// first.
    fn median_height(&self) -> f32 {
        let mut sorted = [0.0f32; TYPICAL];
        let held = &mut sorted[..self.heights_held];
        held.copy_from_slice(&self.heights[TYPICAL - self.heights_held..]);
        held.sort_unstable_by(f32::total_cmp);
        // The lower middle: a single jolt among two beats is not typical.
        held.get(held.len().saturating_sub(1) / 2)
            .copied()
            .unwrap_or(0.0)
    }

    /// Median of the last [`RATE_INTERVALS`] intervals held.
    fn median_interval(&self) -> f32 {
        let count = self.interval_count.min(RATE_INTERVALS);
        let mut sorted = [0u32; RATE_INTERVALS];
        let held = &mut sorted[..count];
        held.copy_from_slice(&self.intervals[INTERVALS - count..]);
        held.sort_unstable();
        let n = held.len();
        match n {
            0 => 0.0,
            _ if n % 2 == 1 => held[n / 2] as f32,
            _ => (held[n / 2 - 1] + held[n / 2]) as f32 / 2.0,
        }
    }

    /// The quality's parts, each 1 at best: periodicity, agreement with
    /// the period, regularity, unclipped, pulse over noise.
    fn quality_parts(&self, median: f32, period: f32) -> [f32; 5] {
        let strength = self
            .period_and_strength()
            .map_or(0.0, |(_, strength)| strength);
        let periodic = (strength - PERIODIC) / (CLEARLY_PERIODIC - PERIODIC);
        let agreement = 1.0 - libm::fabsf(median - period) / period / DISAGREEMENT;
        // Successive differences: a rate that changes smoothly (breathing,
        // exercise) is regular; one that jumps from beat to beat is not.
        let held = &self.intervals[INTERVALS - self.interval_count..];
        let jumps = held
            .windows(2)
            .map(|w| libm::fabsf(w[1] as f32 - w[0] as f32))
            .sum::<f32>()
            / held.len().saturating_sub(1).max(1) as f32;
        let regular = 1.0 - jumps / median / IRREGULAR;
        let unclipped =
            1.0 - (self.clipped_share - TOLERATED_CLIPPING) / (SATURATED - TOLERATED_CLIPPING);
        // White noise, filtered, looks like a fast rhythm; it is told apart
        // by its size next to the raw noise.
        let noise_sigma = libm::fmaxf(self.noise / SECOND_DIFFERENCE_PER_SIGMA, 0.5);
        let snr = self.pulse_size / noise_sigma;
        let clean = (snr - MIN_SNR) / (GOOD_SNR - MIN_SNR);
        [periodic, agreement, regular, unclipped, clean]
    }

    /// Whether a reading stands, and if not, why.
    fn update_issue(&mut self, reported: bool) {
        let now = self.now_ms;
        if let Some(last) = self.last_beat_ms
            && now.wrapping_sub(last) > FORGET_AFTER_MS
        {
            self.last_beat_ms = None;
            self.interval_count = 0;
        }
        let reading = reported
            || self.reported_ms.is_some_and(|at| {
                let allowed = self.period().map_or(0.0, |p| 2.0 * p).max(2000.0);
                (now.wrapping_sub(at) as f32) < allowed
            });
        if reading {
            self.issue = None;
            return;
        }
        self.reported_ms = None;
        let moved = self
            .movement_ms
            .is_some_and(|at| now.wrapping_sub(at) < 2000);
        self.issue = Some(if self.clipped_share > SATURATED {
            PulseIssue::Saturated
        } else if self.amplitude() < MIN_AMPLITUDE {
            PulseIssue::NoFinger
        } else if moved {
            PulseIssue::Movement
        } else if self.period().is_none() {
            if self.amplitude() < WEAK_AMPLITUDE {
                PulseIssue::Weak
            } else {
                PulseIssue::Movement
            }
        } else {
            PulseIssue::Irregular
        });
        if self.issue == Some(PulseIssue::NoFinger) && self.rhythm.strength > 0.0 {
            self.rhythm.clear();
            self.held_period = None;
        }
    }
}

/// The quality, 0-100: the worst of its parts ([`PulseDetector`]'s
/// `quality_parts`).
fn quality_of(parts: &[f32; 5]) -> u8 {
    let worst = parts.iter().copied().fold(1.0f32, f32::min);
    libm::roundf(worst.clamp(0.0, 1.0) * 100.0) as u8
}

//! The pulse waveform behind the chart: the last few seconds of sensor
//! samples, scaled to fit. Samples arrive in batches about five times a
//! second; to scroll smoothly rather than jump, a batch is queued and
//! revealed at the sensor's own rate as animation frames pass, a little
//! behind real time. If the queue falls too far behind (a busy or hidden
//! tab), it skips ahead. Pure logic, tested on the host; the chart
//! component draws it.

use std::collections::VecDeque;

/// Seconds of waveform on show.
pub const WINDOW_SECONDS: usize = 5;
/// Most seconds of samples kept waiting; beyond this, the trace skips
/// ahead.
const MAX_LAG_SECONDS: f64 = 0.6;
/// Smallest vertical range (raw units), so a flat signal's noise is not
/// blown up to full height.
const MIN_SPAN: f64 = 24.0;
/// Space left above and below the trace, as a fraction of the range.
const MARGIN: f64 = 0.1;
/// Rate assumed until the server says otherwise.
const DEFAULT_RATE_HZ: u16 = 50;

/// Samples on show and samples waiting to be shown.
#[derive(Debug, Clone)]
pub struct PulseTrace {
    shown: VecDeque<u16>,
    queued: VecDeque<u16>,
    rate_hz: u16,
    /// Fraction of a sample owed from earlier frames.
    carry: f64,
    /// Samples shown so far, in all.
    shown_total: u64,
}

impl Default for PulseTrace {
    fn default() -> Self {
        PulseTrace {
            shown: VecDeque::new(),
            queued: VecDeque::new(),
            rate_hz: DEFAULT_RATE_HZ,
            carry: 0.0,
            shown_total: 0,
        }
    }
}

impl PulseTrace {
    /// Queues a batch of samples taken at `rate_hz`.
    pub fn receive(&mut self, samples: &[u16], rate_hz: u16) {
        if rate_hz > 0 && rate_hz != self.rate_hz {
            self.rate_hz = rate_hz;
            self.trim();
        }
        self.queued.extend(samples.iter().copied());
    }

    /// Reveals the samples due after `elapsed_ms` more milliseconds;
    /// returns whether any were.
    pub fn advance(&mut self, elapsed_ms: f64) -> bool {
        if self.queued.is_empty() {
            self.carry = 0.0;
            return false;
        }
        let owed = self.carry + elapsed_ms.max(0.0) * f64::from(self.rate_hz) / 1000.0;
        let mut count = owed.floor() as usize;
        self.carry = owed - owed.floor();
        let max_lag = (MAX_LAG_SECONDS * f64::from(self.rate_hz)).ceil() as usize;
        count = count.max(self.queued.len().saturating_sub(max_lag));
        let count = count.min(self.queued.len());
        self.shown.extend(self.queued.drain(..count));
        self.shown_total += count as u64;
        self.trim();
        count > 0
    }

    /// Whether samples are waiting to be revealed.
    pub fn has_queued(&self) -> bool {
        !self.queued.is_empty()
    }

    /// Samples shown so far, in all (it only grows).
    pub fn shown_total(&self) -> u64 {
        self.shown_total
    }

    /// Samples that fit the window at the current rate.
    pub fn capacity(&self) -> usize {
        usize::from(self.rate_hz.max(1)) * WINDOW_SECONDS
    }

    /// The vertical range to draw: the samples on show with a margin,
    /// never narrower than a minimum; `None` with nothing to draw.
    pub fn range(&self) -> Option<(f64, f64)> {
        fit_range(self.shown.iter().copied())
    }

    /// The points of the trace in a `width` × `height` box, oldest first:
    /// the newest sample at the right edge, a full window across, higher
    /// values higher up.
    pub fn points(&self, width: f64, height: f64) -> Vec<(f64, f64)> {
        let Some((low, high)) = self.range() else {
            return Vec::new();
        };
        let step = width / (self.capacity().max(2) - 1) as f64;
        let right = width - (self.shown.len().saturating_sub(1)) as f64 * step;
        self.shown
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let x = right + i as f64 * step;
                let y = height - (f64::from(v) - low) / (high - low) * height;
                (x, y)
            })
            .collect()
    }

    fn trim(&mut self) {
        let capacity = self.capacity();
        while self.shown.len() > capacity {
            self.shown.pop_front();
        }
    }
}

/// The vertical range to draw `samples` in: their extent with a margin,
/// never narrower than a minimum; `None` without samples. Shared by the
/// live chart and the recorded one.
pub fn fit_range(samples: impl IntoIterator<Item = u16>) -> Option<(f64, f64)> {
    let mut samples = samples.into_iter();
    let first = samples.next()?;
    let (low, high) = samples.fold((first, first), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (low, high) = (f64::from(low), f64::from(high));
    let middle = (low + high) / 2.0;
    let half = (high - low).max(MIN_SPAN) / 2.0 * (1.0 + 2.0 * MARGIN);
    Some((middle - half, middle + half))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_revealed_at_the_sample_rate() {
        let mut trace = PulseTrace::default();
        trace.receive(&[500; 10], 50);
        assert_eq!(trace.shown_total(), 0);
        // 50 samples a second: one every 20 ms.
        assert!(!trace.advance(10.0));
        assert!(trace.advance(10.0));
        assert_eq!(trace.shown_total(), 1);
        trace.advance(100.0);
        assert_eq!(trace.shown_total(), 6);
        trace.advance(1000.0);
        assert_eq!(trace.shown_total(), 10);
        assert!(!trace.has_queued());
        // Idle time earns nothing for the next batch.
        assert!(!trace.advance(5000.0));
        trace.receive(&[500; 10], 50);
        trace.advance(20.0);
        assert_eq!(trace.shown_total(), 11);
    }

    #[test]
    fn a_backlog_is_skipped() {
        let mut trace = PulseTrace::default();
        // Two seconds arrive while the tab was hidden.
        trace.receive(&[500; 100], 50);
        trace.advance(0.0);
        // At most 0.6 s (30 samples) stay queued.
        assert_eq!(trace.shown_total(), 70);
        assert!(trace.has_queued());
    }

    #[test]
    fn only_the_window_is_kept() {
        let mut trace = PulseTrace::default();
        for _ in 0..100 {
            trace.receive(&[512; 10], 50);
            trace.advance(200.0);
        }
        assert_eq!(trace.shown_total(), 1000);
        assert_eq!(trace.points(100.0, 10.0).len(), 250);
        // A lower rate keeps fewer samples for the same five seconds.
        trace.receive(&[512; 5], 25);
        trace.advance(200.0);
        assert_eq!(trace.points(100.0, 10.0).len(), 125);
    }

    #[test]
    fn the_range_fits_the_samples_and_is_never_flat() {
        let mut trace = PulseTrace::default();
        assert_eq!(trace.range(), None);
        assert!(trace.points(100.0, 50.0).is_empty());
        trace.receive(&[400, 600, 500], 50);
        trace.advance(1000.0);
        let Some((low, high)) = trace.range() else {
            panic!("no range")
        };
        assert!((low - 380.0).abs() < 1e-9 && (high - 620.0).abs() < 1e-9);
        let mut flat = PulseTrace::default();
        flat.receive(&[512, 513], 50);
        flat.advance(1000.0);
        let Some((low, high)) = flat.range() else {
            panic!("no range")
        };
        assert!(high - low >= MIN_SPAN);
    }

    #[test]
    fn the_newest_sample_is_at_the_right_edge() {
        let mut trace = PulseTrace::default();
        trace.receive(&[400, 600, 500], 50);
        trace.advance(1000.0);
        let points = trace.points(249.0, 100.0);
        assert_eq!(points.len(), 3);
        // 250 samples across 249 px: one pixel apart.
        assert_eq!(points[2].0, 249.0);
        assert_eq!(points[1].0, 248.0);
        assert_eq!(points[0].0, 247.0);
        // Higher values are higher up (smaller y), inside the box.
        assert!(points[1].1 < points[2].1 && points[2].1 < points[0].1);
        assert!(points.iter().all(|&(_, y)| (0.0..=100.0).contains(&y)));
    }
}

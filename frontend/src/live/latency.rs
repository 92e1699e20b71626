//! Latency from capture to paint over a sliding window: each painted
//! frame adds how old it was, and the window gives the median and the
//! 95th percentile of the last [`WINDOW_MS`]. Times are milliseconds on
//! the page's monotonic clock (`performance.now()`).

use std::collections::VecDeque;

/// Length of the window in milliseconds.
pub const WINDOW_MS: f64 = 3000.0;
/// At most this many samples are kept (a very fast camera).
const MAX_SAMPLES: usize = 512;

/// Median and 95th percentile, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Percentiles {
    /// The median.
    pub p50: f64,
    /// The 95th percentile.
    pub p95: f64,
}

/// The latencies of the frames painted in the last [`WINDOW_MS`].
#[derive(Debug, Default)]
pub struct LatencyWindow {
    /// (when painted, latency), both ms, oldest first.
    samples: VecDeque<(f64, f64)>,
}

impl LatencyWindow {
    /// Records a frame painted at `now_ms` that was `latency_ms` old.
    pub fn add(&mut self, now_ms: f64, latency_ms: f64) {
        if self.samples.len() == MAX_SAMPLES {
            self.samples.pop_front();
        }
        self.samples.push_back((now_ms, latency_ms));
    }

    /// The percentiles over the window ending at `now_ms`; `None` when no
    /// frame was painted in it.
    pub fn percentiles(&mut self, now_ms: f64) -> Option<Percentiles> {
        while self
            .samples
            .front()
            .is_some_and(|(at, _)| now_ms - at > WINDOW_MS)
        {
            self.samples.pop_front();
        }
        let mut sorted: Vec<f64> = self.samples.iter().map(|(_, l)| *l).collect();
        sorted.sort_by(f64::total_cmp);
        Some(Percentiles {
            p50: nearest_rank(&sorted, 0.50)?,
            p95: nearest_rank(&sorted, 0.95)?,
        })
    }
}

/// The nearest-rank percentile `p` (0 to 1) of sorted values.
fn nearest_rank(sorted: &[f64], p: f64) -> Option<f64> {
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len().max(1)) - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_tail_of_a_hundred_frames() {
        let mut window = LatencyWindow::default();
        // Latencies 1..=100 ms, shuffled in time.
        for i in 0..100u32 {
            let latency = f64::from((i * 37) % 100 + 1);
            window.add(f64::from(i) * 10.0, latency);
        }
        let p = window.percentiles(1000.0).unwrap();
        assert_eq!((p.p50, p.p95), (50.0, 95.0));
    }

    #[test]
    fn old_frames_fall_out_of_the_window() {
        let mut window = LatencyWindow::default();
        window.add(0.0, 900.0);
        window.add(2500.0, 40.0);
        window.add(2600.0, 60.0);
        let p = window.percentiles(3500.0).unwrap();
        assert_eq!((p.p50, p.p95), (40.0, 60.0));
        assert_eq!(window.percentiles(10_000.0), None);
    }

    #[test]
    fn one_frame_is_both_percentiles() {
        let mut window = LatencyWindow::default();
        window.add(5.0, 33.0);
        let p = window.percentiles(5.0).unwrap();
        assert_eq!((p.p50, p.p95), (33.0, 33.0));
    }

    #[test]
    fn the_window_is_bounded() {
        let mut window = LatencyWindow::default();
        for i in 0..10_000 {
            window.add(f64::from(i) * 0.01, 1.0);
        }
        assert_eq!(window.samples.len(), MAX_SAMPLES);
    }
}

//! Frame-rate measurement: counts frames drawn over a sliding window of
//! timestamps (milliseconds, from `performance.now()`).

use std::collections::VecDeque;

/// Sliding-window frame-rate meter.
#[derive(Debug, Default)]
pub struct FpsMeter {
    times: VecDeque<f64>,
}

/// Length of the window in milliseconds.
const WINDOW_MS: f64 = 2000.0;

impl FpsMeter {
    /// Records a frame at `now_ms` and returns the current rate.
    pub fn tick(&mut self, now_ms: f64) -> f64 {
        self.times.push_back(now_ms);
        self.rate(now_ms)
    }

    /// Frames per second over the window ending at `now_ms`.
    pub fn rate(&mut self, now_ms: f64) -> f64 {
        while self.times.front().is_some_and(|t| now_ms - t > WINDOW_MS) {
            self.times.pop_front();
        }
        match (self.times.front(), self.times.back()) {
            (Some(first), Some(last)) if self.times.len() > 1 && last > first => {
                (self.times.len() - 1) as f64 * 1000.0 / (last - first)
            }
            _ => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steady_thirty_fps_reads_thirty() {
        let mut meter = FpsMeter::default();
        let mut rate = 0.0;
        for i in 0..100 {
            rate = meter.tick(f64::from(i) * 1000.0 / 30.0);
        }
        assert!((rate - 30.0).abs() < 0.01, "{rate}");
    }

    #[test]
    fn old_frames_fall_out_of_the_window() {
        let mut meter = FpsMeter::default();
        for i in 0..10 {
            meter.tick(f64::from(i) * 10.0);
        }
        assert_eq!(meter.rate(10_000.0), 0.0);
    }
}

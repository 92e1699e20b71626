//! The offset between this page's wall clock and the server's, estimated
//! from ping round trips the way NTP does it: a ping leaves at `sent`, the
//! server stamps its answer at `server`, the answer arrives at `received`;
//! if the server stamped half-way through, its clock is ahead of ours by
//! `server - (sent + received) / 2`, give or take half the round trip. Of
//! the last [`SAMPLES`] round trips the shortest is the one trusted (a slow
//! one was held up somewhere, most likely on one leg only). All times are
//! microseconds since the Unix epoch; the page's own comes from
//! [`local_now_us`]. [`now_ms`] is the page's monotonic clock, the one
//! every interval and timer of the app is measured on.

use std::collections::VecDeque;

/// How many recent round trips the estimate picks from.
pub const SAMPLES: usize = 10;

/// One ping's round trip.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Sample {
    /// Round-trip time, µs.
    round_trip: f64,
    /// Server clock minus local clock, µs.
    offset: f64,
}

/// The clock offset estimator.
#[derive(Debug, Default, Clone)]
pub struct ClockOffset {
    samples: VecDeque<Sample>,
}

impl ClockOffset {
    /// Adds a round trip: sent and received on the local clock, `server`
    /// on the server's. A reply that seems to arrive before it was sent
    /// (the local clock jumped) is ignored.
    pub fn add(&mut self, sent: f64, received: f64, server: f64) {
        if received < sent {
            return;
        }
        if self.samples.len() == SAMPLES {
            self.samples.pop_front();
        }
        self.samples.push_back(Sample {
            round_trip: received - sent,
            offset: server - (sent + received) / 2.0,
        });
    }

    /// Server clock minus local clock, µs, from the shortest recent round
    /// trip; `None` before the first answer.
    pub fn offset_us(&self) -> Option<f64> {
        self.samples
            .iter()
            .min_by(|a, b| a.round_trip.total_cmp(&b.round_trip))
            .map(|s| s.offset)
    }

    /// Forgets every sample (a new connection may reach another server).
    pub fn clear(&mut self) {
        self.samples.clear();
    }
}

/// Milliseconds on the page's monotonic clock (`performance.now()`): for
/// intervals and timers, never for dates.
pub fn now_ms() -> f64 {
    leptos::prelude::window()
        .performance()
        .map_or(0.0, |p| p.now())
}

/// The page's wall clock in µs since the Unix epoch, with
/// `performance.now()`'s resolution (`performance.timeOrigin + now()`, so
/// it does not jump with the system clock while the page is open).
pub fn local_now_us() -> f64 {
    leptos::prelude::window()
        .performance()
        .map_or_else(js_sys::Date::now, |p| p.time_origin() + p.now())
        * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symmetric_round_trip_gives_the_exact_offset() {
        let mut clock = ClockOffset::default();
        assert_eq!(clock.offset_us(), None);
        // Server 5 s ahead; 2 ms each way.
        clock.add(1_000_000.0, 1_004_000.0, 6_002_000.0);
        assert_eq!(clock.offset_us(), Some(5_000_000.0));
    }

    #[test]
    fn the_shortest_round_trip_wins() {
        let mut clock = ClockOffset::default();
        // Held up 40 ms on the way back: the estimate is 20 ms off.
        clock.add(0.0, 42_000.0, 1_000.0);
        // A quick one: 1 ms each way, true offset 0.
        clock.add(100_000.0, 102_000.0, 101_000.0);
        clock.add(200_000.0, 230_000.0, 201_000.0);
        assert_eq!(clock.offset_us(), Some(0.0));
    }

    #[test]
    fn old_samples_fall_out() {
        let mut clock = ClockOffset::default();
        // A very quick round trip long ago, offset 7 ms.
        clock.add(0.0, 0.0, 7_000.0);
        for i in 1..=SAMPLES {
            let sent = i as f64 * 1e6;
            clock.add(sent, sent + 10_000.0, sent + 5_000.0 - 3_000.0);
        }
        // Only the newer ones (offset -3 ms) count now.
        assert_eq!(clock.offset_us(), Some(-3_000.0));
    }

    #[test]
    fn a_backwards_reply_is_ignored_and_clear_forgets() {
        let mut clock = ClockOffset::default();
        clock.add(10.0, 5.0, 0.0);
        assert_eq!(clock.offset_us(), None);
        clock.add(0.0, 2.0, 101.0);
        assert_eq!(clock.offset_us(), Some(100.0));
        clock.clear();
        assert_eq!(clock.offset_us(), None);
    }
}

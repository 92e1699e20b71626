//! The running time of a recording between the server's updates. The server
//! re-sends the elapsed time about once a second; in between, the clock
//! adds the local time since. Each update gives an estimate of when the
//! recording started on the local clock (arrival time minus elapsed time);
//! a late or stale update can only make that estimate later, so the
//! earliest one is kept, and the time shown never runs backwards. Times are
//! milliseconds from `performance.now()`.

use crate::format;

/// The start of one recording on the local clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecordingClock {
    /// The recording's catalogue id.
    id: i64,
    /// Local time at which it started.
    started_at: f64,
}

impl RecordingClock {
    /// Takes the server's `elapsed_ms` for recording `id`, received at
    /// `now`, into account; a clock for another recording is replaced.
    pub fn observe(previous: Option<Self>, id: i64, elapsed_ms: u64, now: f64) -> Self {
        let started_at = now - elapsed_ms as f64;
        match previous {
            Some(clock) if clock.id == id => RecordingClock {
                id,
                started_at: clock.started_at.min(started_at),
            },
            _ => RecordingClock { id, started_at },
        }
    }

    /// Milliseconds since the recording started, at local time `now`.
    pub fn elapsed_ms(&self, now: f64) -> u64 {
        (now - self.started_at).max(0.0) as u64
    }
}

/// The indicator's text: "● REC 01:05 · 1.2 MB".
pub fn indicator(elapsed_ms: u64, bytes: u64) -> String {
    format!(
        "● REC {} · {}",
        format::duration(elapsed_ms),
        format::size(bytes)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_on_between_updates() {
        let clock = RecordingClock::observe(None, 1, 2_000, 10_000.0);
        assert_eq!(clock.elapsed_ms(10_000.0), 2_000);
        assert_eq!(clock.elapsed_ms(10_999.0), 2_999);
        assert_eq!(clock.elapsed_ms(11_500.0), 3_500);
    }

    #[test]
    fn a_late_update_does_not_turn_it_back() {
        let clock = RecordingClock::observe(None, 1, 2_000, 10_000.0);
        // Sent at 3 s but delivered 300 ms late.
        let clock = RecordingClock::observe(Some(clock), 1, 3_000, 11_300.0);
        assert_eq!(clock.elapsed_ms(11_300.0), 3_300);
        // The first update was itself 50 ms late: a quicker one wins.
        let clock = RecordingClock::observe(Some(clock), 1, 4_000, 11_950.0);
        assert_eq!(clock.elapsed_ms(11_950.0), 4_000);
    }

    #[test]
    fn a_new_recording_starts_afresh() {
        let clock = RecordingClock::observe(None, 1, 60_000, 100_000.0);
        let clock = RecordingClock::observe(Some(clock), 2, 0, 120_000.0);
        assert_eq!(clock.elapsed_ms(121_000.0), 1_000);
        assert_eq!(clock.elapsed_ms(119_000.0), 0);
    }

    #[test]
    fn indicator_shows_time_and_size() {
        assert_eq!(indicator(65_400, 1_234_567), "● REC 01:05 · 1.2 MB");
        assert_eq!(indicator(0, 0), "● REC 00:00 · 0 B");
    }
}

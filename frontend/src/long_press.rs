//! Telling a long press from a tap, for the quick bar's Snapshot and
//! Record buttons (a long press asks for a name). A press becomes long
//! when it is held [`HOLD`] without moving more than [`SLOP_PX`]; the click
//! that ends it is then swallowed, so it does not also take an unnamed
//! capture. Pure state, tested on the host; the buttons feed it pointer
//! events and a timer.

use std::time::Duration;

/// How long a press must be held.
pub const HOLD: Duration = Duration::from_millis(500);

/// How far the pointer may move before the press is no longer held still.
pub const SLOP_PX: f64 = 10.0;

/// One button's press.
#[derive(Debug, Default)]
pub struct LongPress {
    /// Where the press started, while it is held still.
    start: Option<(f64, f64)>,
    /// Counts presses, so an old press's timer does nothing.
    serial: u32,
    /// The press became long: the next click is its end, not a tap.
    fired: bool,
}

impl LongPress {
    /// A pointer went down at `(x, y)`; returns the press's serial, which
    /// its timer hands to [`LongPress::held`].
    pub fn down(&mut self, x: f64, y: f64) -> u32 {
        self.serial = self.serial.wrapping_add(1);
        self.start = Some((x, y));
        self.fired = false;
        self.serial
    }

    /// The pointer moved to `(x, y)`; too far, and the press is no longer
    /// a long one.
    pub fn moved(&mut self, x: f64, y: f64) {
        if let Some((sx, sy)) = self.start
            && (x - sx).hypot(y - sy) > SLOP_PX
        {
            self.start = None;
        }
    }

    /// The pointer went up or was cancelled.
    pub fn up(&mut self) {
        self.start = None;
    }

    /// The timer of press `serial` ran out: true when that press is still
    /// held still, which makes it a long press.
    pub fn held(&mut self, serial: u32) -> bool {
        if serial != self.serial || self.start.take().is_none() {
            return false;
        }
        self.fired = true;
        true
    }

    /// A click arrived: true when it ends a long press and must be
    /// ignored.
    pub fn swallow_click(&mut self) -> bool {
        std::mem::take(&mut self.fired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_press_held_still_is_long_and_its_click_is_swallowed() {
        let mut press = LongPress::default();
        let serial = press.down(10.0, 10.0);
        press.moved(14.0, 13.0);
        assert!(press.held(serial));
        press.up();
        assert!(press.swallow_click());
        // Only that one click.
        assert!(!press.swallow_click());
    }

    #[test]
    fn a_tap_is_not_long() {
        let mut press = LongPress::default();
        let serial = press.down(0.0, 0.0);
        press.up();
        assert!(!press.held(serial));
        assert!(!press.swallow_click());
    }

    #[test]
    fn moving_away_cancels_the_press() {
        let mut press = LongPress::default();
        let serial = press.down(0.0, 0.0);
        press.moved(8.0, 8.0);
        assert!(!press.held(serial));
        assert!(!press.swallow_click());
    }

    #[test]
    fn an_old_timer_does_not_fire_a_new_press() {
        let mut press = LongPress::default();
        let first = press.down(0.0, 0.0);
        press.up();
        let second = press.down(0.0, 0.0);
        assert!(!press.held(first));
        assert!(press.held(second));
    }
}

//! Digital zoom of the live picture on this screen only, and the gestures
//! that drive it: pinch about the fingers' midpoint, one finger pans while
//! zoomed, a short still touch is a tap (it shows or hides the controls).
//! The zoom is a scale of 1 to [`MAX`] and an offset, kept so the picture
//! always covers its frame; it is applied as a CSS transform on the
//! canvas, so snapshots and recordings keep the whole picture. Pure state,
//! tested on the host; the live view feeds it pointer events.

use std::collections::BTreeMap;

use crate::decimal::fixed;

/// The largest scale.
pub const MAX: f64 = 8.0;

/// A touch shorter than this (ms) that moved less than [`TAP_SLOP_PX`] is
/// a tap.
pub const TAP_MS: f64 = 300.0;

/// How far a tap may move.
pub const TAP_SLOP_PX: f64 = 10.0;

/// Scale and offset of the picture in its frame (CSS pixels; the
/// transform's origin is the frame's top left corner).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Zoom {
    /// 1 (the whole picture) to [`MAX`].
    pub scale: f64,
    /// Horizontal offset, from `width * (1 - scale)` to 0.
    pub x: f64,
    /// Vertical offset, from `height * (1 - scale)` to 0.
    pub y: f64,
}

impl Default for Zoom {
    fn default() -> Self {
        Zoom {
            scale: 1.0,
            x: 0.0,
            y: 0.0,
        }
    }
}

impl Zoom {
    /// Whether the picture is zoomed in.
    pub fn zoomed(&self) -> bool {
        self.scale > 1.0 + 1e-6
    }

    /// Scaled by `factor` about the point `(px, py)` of a `width` x
    /// `height` frame, which stays where it is on the screen.
    pub fn about(self, factor: f64, px: f64, py: f64, width: f64, height: f64) -> Zoom {
        let scale = (self.scale * factor).clamp(1.0, MAX);
        let k = scale / self.scale;
        Zoom {
            scale,
            x: px - (px - self.x) * k,
            y: py - (py - self.y) * k,
        }
        .within(width, height)
    }

    /// Moved by `(dx, dy)`, as far as the picture still covers the frame.
    pub fn pan(self, dx: f64, dy: f64, width: f64, height: f64) -> Zoom {
        Zoom {
            x: self.x + dx,
            y: self.y + dy,
            ..self
        }
        .within(width, height)
    }

    /// The offset limited so the picture covers the frame.
    fn within(self, width: f64, height: f64) -> Zoom {
        let clamp = |v: f64, size: f64| v.clamp((size * (1.0 - self.scale)).min(0.0), 0.0);
        Zoom {
            x: clamp(self.x, width),
            y: clamp(self.y, height),
            ..self
        }
    }

    /// The CSS transform.
    pub fn css(&self) -> String {
        format!(
            "translate({}px, {}px) scale({})",
            fixed(self.x, 1),
            fixed(self.y, 1),
            fixed(self.scale, 3)
        )
    }
}

/// What a pointer event did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    /// Nothing to show.
    None,
    /// The zoom changed.
    Zoom(Zoom),
    /// A tap ended.
    Tap,
}

/// The pointers on the picture (two at most count) and the zoom.
#[derive(Debug, Default)]
pub struct Gesture {
    /// Pointer id → where it is now.
    pointers: BTreeMap<i32, (f64, f64)>,
    /// The tap candidate: where and when (ms) its only pointer went down.
    tap: Option<(f64, f64, f64)>,
}

impl Gesture {
    /// Pointer `id` went down at `(x, y)` at `ms`; `taps` when this kind of
    /// pointer may tap (touch and pen: a mouse click hides nothing).
    pub fn down(&mut self, id: i32, x: f64, y: f64, ms: f64, taps: bool) {
        if self.pointers.len() >= 2 {
            return;
        }
        self.pointers.insert(id, (x, y));
        self.tap = (taps && self.pointers.len() == 1).then_some((x, y, ms));
    }

    /// Pointer `id` moved to `(x, y)`: pans (one pointer, zoomed) or
    /// pinches (two) `zoom` in a `width` x `height` frame.
    pub fn moved(
        &mut self,
        id: i32,
        x: f64,
        y: f64,
        zoom: Zoom,
        width: f64,
        height: f64,
    ) -> Outcome {
        let Some(&(ox, oy)) = self.pointers.get(&id) else {
            return Outcome::None;
        };
        if let Some((tx, ty, _)) = self.tap
            && (x - tx).hypot(y - ty) > TAP_SLOP_PX
        {
            self.tap = None;
        }
        let other = self
            .pointers
            .iter()
            .find(|(k, _)| **k != id)
            .map(|(_, p)| *p);
        self.pointers.insert(id, (x, y));
        match other {
            None if zoom.zoomed() => Outcome::Zoom(zoom.pan(x - ox, y - oy, width, height)),
            None => Outcome::None,
            Some((px, py)) => {
                let before = (ox - px).hypot(oy - py);
                let after = (x - px).hypot(y - py);
                if before < 1.0 {
                    return Outcome::None;
                }
                // The midpoint moves by half this pointer's move; the
                // picture follows it and scales about it.
                let moved = zoom.pan((x - ox) / 2.0, (y - oy) / 2.0, width, height);
                let (mx, my) = ((x + px) / 2.0, (y + py) / 2.0);
                Outcome::Zoom(moved.about(after / before, mx, my, width, height))
            }
        }
    }

    /// Pointer `id` went up (or was cancelled) at `ms`.
    pub fn up(&mut self, id: i32, ms: f64) -> Outcome {
        if self.pointers.remove(&id).is_none() {
            return Outcome::None;
        }
        if self.pointers.is_empty()
            && let Some((_, _, at)) = self.tap.take()
            && ms - at < TAP_MS
        {
            return Outcome::Tap;
        }
        if !self.pointers.is_empty() {
            // A pinch ended: what remains is no tap.
            self.tap = None;
        }
        Outcome::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: f64 = 400.0;
    const H: f64 = 300.0;

    #[test]
    fn zooming_keeps_the_point_under_the_fingers_and_stays_in_range() {
        let zoom = Zoom::default().about(2.0, 100.0, 50.0, W, H);
        assert_eq!(zoom.scale, 2.0);
        // The point (100, 50) of the frame shows the same picture point.
        assert_eq!((zoom.x, zoom.y), (-100.0, -50.0));
        assert_eq!(zoom.about(100.0, 0.0, 0.0, W, H).scale, MAX);
        assert_eq!(zoom.about(0.01, 0.0, 0.0, W, H), Zoom::default());
    }

    #[test]
    fn the_picture_always_covers_the_frame() {
        let zoom = Zoom::default().about(2.0, 200.0, 150.0, W, H);
        let far = zoom.pan(10_000.0, -10_000.0, W, H);
        assert_eq!((far.x, far.y), (0.0, -H));
        assert_eq!(Zoom::default().pan(50.0, 50.0, W, H), Zoom::default());
    }

    #[test]
    fn a_pinch_zooms_and_a_tap_is_a_tap() {
        let mut gesture = Gesture::default();
        let mut zoom = Zoom::default();
        gesture.down(1, 150.0, 150.0, 0.0, true);
        gesture.down(2, 250.0, 150.0, 10.0, true);
        if let Outcome::Zoom(z) = gesture.moved(2, 350.0, 150.0, zoom, W, H) {
            zoom = z;
        }
        assert!((zoom.scale - 2.0).abs() < 1e-9, "{zoom:?}");
        assert_eq!(gesture.up(2, 100.0), Outcome::None);
        assert_eq!(gesture.up(1, 110.0), Outcome::None, "a pinch is no tap");

        gesture.down(3, 10.0, 10.0, 1000.0, true);
        assert_eq!(gesture.up(3, 1100.0), Outcome::Tap);
        gesture.down(4, 10.0, 10.0, 2000.0, true);
        assert_eq!(gesture.up(4, 2400.0), Outcome::None, "too long");
        gesture.down(5, 10.0, 10.0, 3000.0, false);
        assert_eq!(gesture.up(5, 3050.0), Outcome::None, "a mouse");
    }

    #[test]
    fn one_finger_pans_only_while_zoomed() {
        let mut gesture = Gesture::default();
        gesture.down(1, 100.0, 100.0, 0.0, true);
        assert_eq!(
            gesture.moved(1, 150.0, 100.0, Zoom::default(), W, H),
            Outcome::None
        );
        let zoomed = Zoom::default().about(2.0, 200.0, 150.0, W, H);
        let Outcome::Zoom(panned) = gesture.moved(1, 130.0, 100.0, zoomed, W, H) else {
            panic!("no pan");
        };
        assert_eq!(panned.x, zoomed.x - 20.0);
        assert_eq!(gesture.up(1, 50.0), Outcome::None, "moved: no tap");
    }
}

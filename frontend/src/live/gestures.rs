//! The live picture's gestures, glue between pointer events on the
//! picture's frame and [`crate::zoom`]: pinch and pan change this
//! screen's zoom, a tap (touch or pen) shows or hides the controls, and
//! Ctrl + wheel (a trackpad's pinch on a desktop) zooms about the cursor.
//! Coordinates are relative to the frame, whose size bounds the pan.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, MouseEvent, PointerEvent, WheelEvent};

use crate::clock::now_ms;
use crate::live::screen::LiveScreen;
use crate::zoom::{Gesture, Outcome};

/// How much one wheel notch (100 px of delta) zooms.
const WHEEL_ZOOM: f64 = 1.25;

/// The gestures on one picture; `Copy`.
#[derive(Clone, Copy)]
pub struct Gestures {
    gesture: StoredValue<Gesture>,
    screen: LiveScreen,
}

impl Gestures {
    /// Gestures changing `screen`'s zoom and controls.
    pub fn new(screen: LiveScreen) -> Self {
        Gestures {
            gesture: StoredValue::new(Gesture::default()),
            screen,
        }
    }

    /// A pointer went down on the frame.
    pub fn down(&self, ev: &PointerEvent) {
        let Some((x, y, _, _)) = place(ev) else {
            return;
        };
        let taps = ev.pointer_type() != "mouse";
        let now = now_ms();
        self.gesture
            .update_value(|g| g.down(ev.pointer_id(), x, y, now, taps));
    }

    /// A pointer moved over the frame.
    pub fn moved(&self, ev: &PointerEvent) {
        let Some((x, y, width, height)) = place(ev) else {
            return;
        };
        let zoom = self.screen.zoom.get_untracked();
        let outcome = self
            .gesture
            .try_update_value(|g| g.moved(ev.pointer_id(), x, y, zoom, width, height));
        if let Some(Outcome::Zoom(zoom)) = outcome {
            ev.prevent_default();
            self.screen.zoom.set(zoom);
        }
    }

    /// A pointer went up or was cancelled.
    pub fn up(&self, ev: &PointerEvent) {
        let now = now_ms();
        if self
            .gesture
            .try_update_value(|g| g.up(ev.pointer_id(), now))
            == Some(Outcome::Tap)
        {
            self.screen.chrome.update(|shown| *shown = !*shown);
        }
    }

    /// The wheel turned over the frame: with Ctrl held (a trackpad pinch
    /// arrives so), zoom about the cursor.
    pub fn wheel(&self, ev: &WheelEvent) {
        if !ev.ctrl_key() {
            return;
        }
        let Some((x, y, width, height)) = place(ev) else {
            return;
        };
        ev.prevent_default();
        let factor = WHEEL_ZOOM.powf(-ev.delta_y() / 100.0);
        self.screen.zoom.update(|zoom| {
            *zoom = zoom.about(factor, x, y, width, height);
        });
    }
}

/// Zooms `screen`'s picture by `factor` about the middle of its frame (the
/// `+` and `-` keys).
pub fn zoom_by(screen: LiveScreen, factor: f64) {
    let Some(frame) = document().query_selector(".stage .frame").ok().flatten() else {
        return;
    };
    let rect = frame.get_bounding_client_rect();
    let (width, height) = (rect.width(), rect.height());
    screen.zoom.update(|zoom| {
        *zoom = zoom.about(factor, width / 2.0, height / 2.0, width, height);
    });
}

/// Where `ev` is in its frame, and the frame's size.
fn place(ev: &MouseEvent) -> Option<(f64, f64, f64, f64)> {
    let frame = frame_of(ev.as_ref())?;
    let rect = frame.get_bounding_client_rect();
    let (x, y) = client_xy(ev);
    Some((x - rect.left(), y - rect.top(), rect.width(), rect.height()))
}

/// Where the pointer of `ev` is in the window, in CSS pixels. (web-sys
/// gives whole pixels, or fractions with the unstable APIs the wasm build
/// enables.)
#[allow(clippy::useless_conversion)]
pub fn client_xy(ev: &MouseEvent) -> (f64, f64) {
    (f64::from(ev.client_x()), f64::from(ev.client_y()))
}

/// The element the listener is on: the picture's frame.
fn frame_of(ev: &web_sys::Event) -> Option<Element> {
    ev.current_target()?.dyn_into::<Element>().ok()
}

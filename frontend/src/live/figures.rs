//! The live view's figures that the status bar shows (the bar outlives
//! the view: other routes show it too): measured frame rate, the codec in
//! use, and the latency from capture to paint. Provided once by the app,
//! written by the live view, cleared when it goes.

use leptos::prelude::*;

use crate::live::choice::Codec;
use crate::live::latency::Percentiles;

/// Handle to the figures; `Copy`.
#[derive(Debug, Clone, Copy)]
pub struct LiveFigures {
    /// Frames painted per second.
    pub fps: RwSignal<f64>,
    /// The codec chosen, once known.
    pub codec: RwSignal<Option<Codec>>,
    /// Latency over the last few seconds, once frames and the clock
    /// offset are known.
    pub latency: RwSignal<Option<Percentiles>>,
}

impl LiveFigures {
    /// No live view yet: nothing to show.
    pub fn new() -> Self {
        LiveFigures {
            fps: RwSignal::new(0.0),
            codec: RwSignal::new(None),
            latency: RwSignal::new(None),
        }
    }

    /// The live view went: no frames, no rate, no codec.
    pub fn clear(&self) {
        self.fps.try_set(0.0);
        self.codec.try_set(None);
        self.latency.try_set(None);
    }
}

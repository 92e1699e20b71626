//! The canvas both decoders paint on, and what follows every painted
//! frame: the counters the page shows (`data-frames`, `data-sequence`,
//! the resolution), the frame rate, and the latency from capture to paint
//! — the frame's capture time is on the server's clock, so the
//! connection's clock offset turns the local paint time into the server's
//! before the two are compared.

use std::cell::{Cell, RefCell};

use leptos::html::Canvas;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::CanvasRenderingContext2d;

use crate::clock::{self, now_ms};
use crate::connection::Connection;
use crate::fps::FpsMeter;
use crate::live::figures::LiveFigures;
use crate::live::latency::LatencyWindow;

/// How often the latency figures are re-published (not every frame: the
/// status bar need not re-render 30 times a second).
const PUBLISH_EVERY_MS: f64 = 500.0;

/// The newest painted frame.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Drawn {
    /// Its sequence number.
    pub sequence: u64,
    /// How many frames this view has painted.
    pub count: u64,
    /// Its size.
    pub width: u16,
    /// Its size.
    pub height: u16,
}

/// The canvas and its counters, shared by the decoders.
pub struct Picture {
    canvas: NodeRef<Canvas>,
    paused: RwSignal<bool>,
    drawn: RwSignal<Drawn>,
    figures: LiveFigures,
    connection: Connection,
    meter: RefCell<FpsMeter>,
    latency: RefCell<LatencyWindow>,
    published_at: Cell<f64>,
}

impl Picture {
    /// A picture on `canvas`, frozen while `paused`.
    pub fn new(
        canvas: NodeRef<Canvas>,
        paused: RwSignal<bool>,
        drawn: RwSignal<Drawn>,
        figures: LiveFigures,
        connection: Connection,
    ) -> Self {
        Picture {
            canvas,
            paused,
            drawn,
            figures,
            connection,
            meter: RefCell::new(FpsMeter::default()),
            latency: RefCell::new(LatencyWindow::default()),
            published_at: Cell::new(f64::NEG_INFINITY),
        }
    }

    /// Whether the picture is frozen (or the view gone).
    pub fn is_paused(&self) -> bool {
        self.paused.try_get_untracked().unwrap_or(true)
    }

    /// The canvas's 2D context, the canvas resized to `width` × `height`
    /// first when it has another size. Fails once the view is gone (a
    /// decode may finish after that).
    pub fn context(&self, width: u32, height: u32) -> Result<CanvasRenderingContext2d, String> {
        let canvas = self
            .canvas
            .try_get_untracked()
            .flatten()
            .ok_or("no canvas")?;
        if canvas.width() != width || canvas.height() != height {
            canvas.set_width(width);
            canvas.set_height(height);
        }
        Ok(canvas
            .get_context("2d")
            .ok()
            .flatten()
            .ok_or("no 2d context")?
            .unchecked_into())
    }

    /// Counts a frame just painted: captured at `captured_us` (server
    /// clock, µs since the epoch), `width` × `height`.
    pub fn painted(&self, sequence: u64, captured_us: u64, width: u16, height: u16) {
        let now = now_ms();
        let rate = self.meter.borrow_mut().tick(now);
        self.figures.fps.try_set(rate);
        if let Some(offset) = self.connection.clock_offset_us() {
            let age_ms = (clock::local_now_us() + offset - captured_us as f64) / 1000.0;
            self.latency.borrow_mut().add(now, age_ms);
        }
        if now - self.published_at.get() >= PUBLISH_EVERY_MS {
            self.published_at.set(now);
            let figures = self.latency.borrow_mut().percentiles(now);
            self.figures.latency.try_set(figures);
        }
        self.drawn.try_update(|d| {
            d.sequence = sequence;
            d.count += 1;
            d.width = width;
            d.height = height;
        });
    }
}

//! The scrolling pulse waveform: the last five seconds of the sensor's
//! samples on a canvas, scaled to fit vertically (see
//! [`PulseTrace`](crate::pulse_trace::PulseTrace)). Batches pushed by the
//! server go straight to the trace, not through the page's signals;
//! animation frames run only while samples wait to be revealed, and
//! `data-samples` counts the samples drawn so far (for tests).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::html::Canvas;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use crate::connection::Connection;
use crate::pulse_trace::PulseTrace;

/// Colour of the trace.
const TRACE_COLOUR: &str = "#ff6b6e";
/// Width of the trace in CSS pixels.
const TRACE_WIDTH: f64 = 2.0;

/// What the animation shares between frames.
struct Chart {
    canvas: NodeRef<Canvas>,
    trace: RefCell<PulseTrace>,
    /// Whether an animation frame is scheduled.
    running: Cell<bool>,
    /// Time of the last frame, milliseconds from `performance.now()`.
    last_frame: Cell<f64>,
    /// Samples drawn so far; disposed when the chart goes away, which
    /// stops the animation.
    drawn: RwSignal<u64>,
}

/// The waveform canvas.
#[component]
pub fn PulseChart() -> impl IntoView {
    let connection = expect_context::<Connection>();
    let canvas = NodeRef::<Canvas>::new();
    let drawn = RwSignal::new(0u64);
    let chart = Rc::new(Chart {
        canvas,
        trace: RefCell::new(PulseTrace::default()),
        running: Cell::new(false),
        last_frame: Cell::new(0.0),
        drawn,
    });
    connection.on_pulse(move |batch| {
        chart
            .trace
            .borrow_mut()
            .receive(&batch.samples, batch.rate_hz);
        Chart::start(&chart);
    });
    view! {
        <canvas
            class="pulse-chart"
            node_ref=canvas
            data-testid="pulse-chart"
            data-samples=move || drawn.get().to_string()
            role="img"
            aria-label="Pulse waveform, last 5 seconds"
        ></canvas>
    }
}

impl Chart {
    /// Starts the animation unless it runs already.
    fn start(this: &Rc<Self>) {
        if this.running.replace(true) {
            return;
        }
        this.last_frame.set(now_ms());
        Self::schedule(Rc::clone(this));
    }

    fn schedule(this: Rc<Self>) {
        request_animation_frame(move || Self::frame(this));
    }

    /// One animation frame: reveal what is due, draw, and go on while
    /// samples wait.
    fn frame(this: Rc<Self>) {
        if this.drawn.is_disposed() {
            this.running.set(false);
            return;
        }
        let now = now_ms();
        let elapsed = now - this.last_frame.replace(now);
        let changed = this.trace.borrow_mut().advance(elapsed);
        if changed {
            this.draw();
        }
        if this.trace.borrow().has_queued() {
            Self::schedule(this);
        } else {
            this.running.set(false);
        }
    }

    fn draw(&self) {
        let Some(canvas) = self.canvas.try_get_untracked().flatten() else {
            return;
        };
        let Some(context) = context(&canvas) else {
            return;
        };
        let ratio = window().device_pixel_ratio().max(1.0);
        let width = f64::from(canvas.client_width().max(1)) * ratio;
        let height = f64::from(canvas.client_height().max(1)) * ratio;
        // Sized to the element on every draw, so it stays sharp when the
        // page is resized or turned.
        if f64::from(canvas.width()) != width.round() {
            canvas.set_width(width.round() as u32);
        }
        if f64::from(canvas.height()) != height.round() {
            canvas.set_height(height.round() as u32);
        }
        context.clear_rect(0.0, 0.0, width, height);
        let line = TRACE_WIDTH * ratio;
        let trace = self.trace.borrow();
        let points = trace.points(width, height - 2.0 * line);
        let mut points = points.iter().map(|&(x, y)| (x, y + line));
        if let Some((x, y)) = points.next() {
            context.begin_path();
            context.move_to(x, y);
            for (x, y) in points {
                context.line_to(x, y);
            }
            context.set_line_width(line);
            context.set_line_join("round");
            context.set_stroke_style_str(TRACE_COLOUR);
            context.stroke();
        }
        self.drawn.try_set(trace.shown_total());
    }
}

/// The canvas's 2D drawing context.
fn context(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas
        .get_context("2d")
        .ok()
        .flatten()?
        .dyn_into::<CanvasRenderingContext2d>()
        .ok()
}

/// Milliseconds on the page's monotonic clock.
fn now_ms() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

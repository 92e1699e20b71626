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

use crate::clock::now_ms;
use crate::connection::Connection;
use crate::pulse_trace::PulseTrace;
use crate::waveform;

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
        let trace = self.trace.borrow();
        waveform::draw(&canvas, |width, height| trace.points(width, height), None);
        self.drawn.try_set(trace.shown_total());
    }
}

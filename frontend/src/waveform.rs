//! Drawing a pulse waveform on a canvas, shared by the live pulse chart and
//! the recorded heart chart under a video: the canvas is sized to its
//! element (sharp at any device pixel ratio), cleared, and the trace
//! stroked; optionally a vertical marker line (the current playback time).
//! The colours are the theme's (`--chart-trace`, `--chart-marker` in
//! style/main.css), read from the canvas's computed style.

use leptos::prelude::window;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// Colour of the trace where the theme gives none.
const TRACE_COLOUR: &str = "#ff6b6e";
/// Width of the trace in CSS pixels.
const TRACE_WIDTH: f64 = 2.0;
/// Colour of the marker line where the theme gives none.
const MARKER_COLOUR: &str = "rgba(255, 255, 255, 0.7)";
/// Width of the marker line in CSS pixels.
const MARKER_WIDTH: f64 = 1.0;

/// Draws on `canvas` the points `points(width, height)` gives for a box of
/// that size in canvas pixels (oldest first), and, with `marker`, a
/// vertical line at that fraction of the width.
pub fn draw(
    canvas: &HtmlCanvasElement,
    points: impl FnOnce(f64, f64) -> Vec<(f64, f64)>,
    marker: Option<f64>,
) {
    let Some(context) = context(canvas) else {
        return;
    };
    let ratio = window().device_pixel_ratio().max(1.0);
    let width = f64::from(canvas.client_width().max(1)) * ratio;
    let height = f64::from(canvas.client_height().max(1)) * ratio;
    // Sized to the element on every draw, so it stays sharp when the page
    // is resized or turned.
    if f64::from(canvas.width()) != width.round() {
        canvas.set_width(width.round() as u32);
    }
    if f64::from(canvas.height()) != height.round() {
        canvas.set_height(height.round() as u32);
    }
    context.clear_rect(0.0, 0.0, width, height);
    let style = window().get_computed_style(canvas).ok().flatten();
    let colour = |property: &str, fallback: &str| {
        style
            .as_ref()
            .and_then(|style| style.get_property_value(property).ok())
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
            .unwrap_or_else(|| fallback.to_owned())
    };
    let line = TRACE_WIDTH * ratio;
    let points = points(width, height - 2.0 * line);
    let mut points = points.iter().map(|&(x, y)| (x, y + line));
    if let Some((x, y)) = points.next() {
        context.begin_path();
        context.move_to(x, y);
        for (x, y) in points {
            context.line_to(x, y);
        }
        context.set_line_width(line);
        context.set_line_join("round");
        context.set_stroke_style_str(&colour("--chart-trace", TRACE_COLOUR));
        context.stroke();
    }
    if let Some(fraction) = marker {
        let x = (fraction * width).round() + 0.5;
        context.begin_path();
        context.move_to(x, 0.0);
        context.line_to(x, height);
        context.set_line_width(MARKER_WIDTH * ratio);
        context.set_stroke_style_str(&colour("--chart-marker", MARKER_COLOUR));
        context.stroke();
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

//! The status bar: link status, camera status (with the reason when it is
//! offline) and the recording indicator while the server records — a
//! polite live region, so assistive technology announces their changes —
//! then, outside it (they change every second), the live view's figures:
//! measured frame rate, the codec in use (with the reason when it is the
//! JPEG fallback), the latency from capture to paint (median and 95th
//! percentile over the last few seconds), and the number of viewers.

use leptos::prelude::*;
use shared::CameraStatus;

use crate::components::recording_indicator::RecordingIndicator;
use crate::connection::{Connection, LinkStatus};
use crate::live::figures::LiveFigures;

/// Badges for the link and the camera, and the figures.
#[component]
pub fn StatusBar() -> impl IntoView {
    let connection = expect_context::<Connection>();
    let figures = expect_context::<LiveFigures>();
    let link = connection.status();
    let server = connection.server();
    let camera = move || {
        if link.get() != LinkStatus::Live {
            return ("unknown", String::from("camera unknown"));
        }
        match server.get().map(|s| s.camera) {
            None => ("unknown", String::from("camera unknown")),
            Some(c) => match c.status {
                CameraStatus::Live => ("live", format!("{} camera live", c.source.as_str())),
                CameraStatus::Starting => {
                    ("starting", format!("{} camera starting", c.source.as_str()))
                }
                CameraStatus::Offline => (
                    "offline",
                    format!("camera offline: {}", c.reason.unwrap_or_default()),
                ),
            },
        }
    };
    let viewers = move || server.get().map(|s| s.viewers).unwrap_or(0);
    let codec = figures.codec;
    let latency = figures.latency;
    // Whole milliseconds, as text for the data attributes.
    let ms = move |pick: fn(&crate::live::latency::Percentiles) -> f64| {
        move || latency.get().map(|p| format!("{:.0}", pick(&p)))
    };
    view! {
        <div class="status">
            // Only the badges are announced; the figures below change every second.
            <span
                role="status"
                aria-live="polite"
                style="display: inline-flex; flex-wrap: wrap; gap: 0.4rem; align-items: center;"
            >
                <span class="badge" data-testid="connection" data-state=move || link.get().as_str()>
                    {move || link.get().as_str()}
                </span>
                <span class="badge" data-testid="camera-status" data-state=move || camera().0>
                    {move || camera().1}
                </span>
                <RecordingIndicator/>
            </span>
            <span class="figure" data-testid="fps">
                {move || format!("{:.1} fps", figures.fps.get())}
            </span>
            <Show when=move || codec.with(Option::is_some)>
                <span
                    class="figure"
                    data-testid="codec"
                    data-codec=move || codec.get().map(|c| c.as_str())
                >
                    {move || codec.get().map(|c| c.label())}
                </span>
            </Show>
            <Show when=move || latency.with(Option::is_some)>
                <span
                    class="figure"
                    data-testid="latency"
                    data-latency-p50=ms(|p| p.p50)
                    data-latency-p95=ms(|p| p.p95)
                    title="From capture on the camera to the picture painted here"
                >
                    {move || {
                        latency
                            .get()
                            .map(|p| format!("latency p50 {:.0} ms · p95 {:.0} ms", p.p50, p.p95))
                    }}
                </span>
            </Show>
            <span class="figure" data-testid="viewers">
                {move || format!("{} viewing", viewers())}
            </span>
        </div>
    }
}

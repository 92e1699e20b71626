//! The status bar: link status, camera status (with the reason when it is
//! offline), the recording indicator while the server records, measured
//! frame rate and number of viewers.

use leptos::prelude::*;
use shared::CameraStatus;

use crate::components::live_view::MeasuredFps;
use crate::components::recording_indicator::RecordingIndicator;
use crate::connection::{Connection, LinkStatus};

/// Badges for the link and the camera, and the figures.
#[component]
pub fn StatusBar() -> impl IntoView {
    let connection = expect_context::<Connection>();
    let fps = expect_context::<MeasuredFps>().0;
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
    view! {
        <div class="status" role="status" aria-live="polite">
            <span class="badge" data-testid="connection" data-state=move || link.get().as_str()>
                {move || link.get().as_str()}
            </span>
            <span class="badge" data-testid="camera-status" data-state=move || camera().0>
                {move || camera().1}
            </span>
            <RecordingIndicator/>
            <span class="figure" data-testid="fps">
                {move || format!("{:.1} fps", fps.get())}
            </span>
            <span class="figure" data-testid="viewers">
                {move || format!("{} viewing", viewers())}
            </span>
        </div>
    }
}

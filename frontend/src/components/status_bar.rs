//! The status bar: one chip for the link or the camera (with the reason
//! when it is offline), the recording indicator while the server records,
//! and the number of viewers. None of it is a live region: the
//! [announcer](crate::components::announcer) says the changes once, at a
//! calm pace. The live picture's own figures (frame rate, codec, latency)
//! are the live page's
//! ([`PictureInfo`](crate::components::picture_info::PictureInfo)).

use leptos::prelude::*;
use shared::CameraStatus;

use crate::components::recording_indicator::RecordingIndicator;
use crate::connection::{Connection, LinkStatus};

/// Badges for the link and the camera, and the viewers.
#[component]
pub fn StatusBar() -> impl IntoView {
    let connection = expect_context::<Connection>();
    let link = connection.status();
    let server = connection.server();
    let camera = move || {
        if link.get() != LinkStatus::Live {
            return ("unknown", String::from("Camera unknown"));
        }
        match server.get().map(|s| s.camera) {
            None => ("unknown", String::from("Camera unknown")),
            Some(c) => match c.status {
                CameraStatus::Live => ("live", String::from("Live")),
                CameraStatus::Starting => ("starting", String::from("Camera starting")),
                CameraStatus::Offline => (
                    "offline",
                    format!("Camera offline: {}", c.reason.unwrap_or_default()),
                ),
            },
        }
    };
    let viewers = move || server.get().map(|s| s.viewers).unwrap_or(0);
    view! {
        <div class="status">
            // Not a live region: the app's announcer says what changes, at
            // a calm pace, once (and can be turned off).
            <span
                style="display: inline-flex; flex-wrap: wrap; gap: 0.4rem; align-items: center;"
            >
                // One chip: the link's while it is not live, else the camera's.
                <span class="badge" data-testid="connection" data-state=move || link.get().as_str()>
                    {move || link_text(link.get())}
                </span>
                <span
                    class="badge"
                    data-testid="camera-status"
                    data-state=move || camera().0
                    title=move || server.get().map(|s| format!("{} camera", s.camera.source.as_str()))
                >
                    {move || camera().1}
                </span>
            </span>
            // Outside the region: its time ticks (the announcer says when
            // a recording starts and stops).
            <RecordingIndicator/>
            <span class="figure" data-testid="viewers">
                {move || format!("{} viewing", viewers())}
            </span>
        </div>
    }
}

/// What the link's chip says.
fn link_text(link: LinkStatus) -> &'static str {
    match link {
        LinkStatus::Live => "Connected",
        LinkStatus::Connecting => "Connecting…",
        LinkStatus::Offline => "Offline",
        LinkStatus::Reconnecting => "Reconnecting…",
    }
}

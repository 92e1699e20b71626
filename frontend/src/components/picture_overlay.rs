//! What is drawn over the live picture, so the state of the rig can be
//! read at a glance from the picture itself. In the middle, the one thing
//! that matters most, in this order: not connected (with the time of the
//! last picture shown), the camera offline (with the server's reason),
//! starting, or no picture yet. In the corners: "Frozen here" while this
//! screen is frozen (others see live), the light and pulse device's
//! trouble while it is not connected, the zoom with its reset while the
//! picture is zoomed here, and the full-screen button.

use leptos::prelude::*;
use shared::CameraStatus;

use crate::components::device_panels::RigDevice;
use crate::connection::{Connection, LinkStatus};
use crate::decimal::fixed;
use crate::device_status;
use crate::format;
use crate::fullscreen;
use crate::live::screen::LiveScreen;
use crate::zoom::Zoom;

/// The overlays of the live picture.
#[component]
pub fn PictureOverlay() -> impl IntoView {
    let connection = expect_context::<Connection>();
    let screen = expect_context::<LiveScreen>();
    let device = expect_context::<RigDevice>();
    let link = connection.status();
    let opened = connection.opened();
    let server = connection.server();
    let drawn = screen.drawn;
    let paused = screen.paused;
    let zoom = screen.zoom;
    fullscreen::follow(screen);
    // When the link went down: the picture shown is from about then.
    let lost_at = RwSignal::new(None::<f64>);
    Effect::new(move |_| {
        if link.get() == LinkStatus::Live {
            lost_at.set(None);
        } else if lost_at.get_untracked().is_none() {
            lost_at.set(Some(js_sys::Date::now()));
        }
    });
    let camera = Memo::new(move |_| {
        server.with(|s| {
            s.as_ref()
                .map(|s| (s.camera.status, s.camera.reason.clone()))
        })
    });
    let message = move || -> Option<(&'static str, String)> {
        let has_picture = drawn.with(|d| d.count > 0);
        if link.get() != LinkStatus::Live && opened.get() > 0 {
            let text = match (has_picture, lost_at.get()) {
                (true, Some(at)) => {
                    format!("Not connected · last picture {}", format::time_of_day(at))
                }
                _ => "Not connected".to_owned(),
            };
            return Some(("disconnected", text));
        }
        match camera.get() {
            Some((CameraStatus::Offline, reason)) => Some((
                "offline",
                match reason {
                    Some(reason) => format!("Camera offline: {reason}"),
                    None => "Camera offline".to_owned(),
                },
            )),
            Some((CameraStatus::Starting, _)) => Some(("starting", "Camera starting…".to_owned())),
            _ if !has_picture => Some(("waiting", "Waiting for the camera…".to_owned())),
            _ => None,
        }
    };
    let device_trouble = move || {
        if !device.present() || link.get() != LinkStatus::Live {
            return None;
        }
        device.state.with(|d| {
            (!device_status::connected(d))
                .then(|| capitalised(&device_status::heart_status(d).text))
        })
    };
    view! {
        {move || {
            message()
                .map(|(state, text)| {
                    view! {
                        <p class="overlay" data-testid="no-picture" data-state=state>
                            {text}
                        </p>
                    }
                })
        }}
        <div class="picture-chips">
            <Show when=move || paused.get()>
                <p class="chip" data-testid="frozen">"Frozen here · others see live"</p>
            </Show>
            {move || {
                device_trouble()
                    .map(|text| view! { <p class="chip trouble" data-testid="device-chip">{text}</p> })
            }}
            <span class="chip-gap"></span>
            <Show when=move || zoom.with(Zoom::zoomed)>
                <button
                    type="button"
                    class="chip chip-button"
                    data-testid="zoom-reset"
                    aria-label="Zoomed in on this screen only; reset the zoom"
                    on:click=move |_| zoom.set(Zoom::default())
                >
                    {move || fixed(zoom.get().scale, 1) + "× only here · reset"}
                </button>
            </Show>
            <button
                type="button"
                class="chip chip-button"
                data-testid="fullscreen"
                aria-pressed=move || screen.fullscreen.get().to_string()
                aria-label=move || if screen.fullscreen.get() { "Leave full screen" } else { "Full screen" }
                on:click=move |_| fullscreen::toggle(screen)
            >
                {move || if screen.fullscreen.get() { "⤡" } else { "⤢" }}
            </button>
        </div>
    }
}

/// `text` with its first letter in capitals.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

//! The rig's light and pulse-sensor device on the live page. [`RigDevice`]
//! is the device as this page sees it (while the link to the server is
//! down, out of reach) and whether one is configured; the live page makes
//! it once and hands it to the heart-rate panel under the picture
//! ([`DevicePanels`]), the light panel in the control sheet and the quick
//! bar's light button. Nothing shows until the server's state has
//! arrived; without a device, one line says so.

use leptos::prelude::*;
use shared::device::{DeviceMode, DeviceState};

use crate::components::heart_rate::HeartRate;
use crate::connection::Connection;
use crate::device_status;

/// The device as seen from this page; `Copy`.
#[derive(Clone, Copy)]
pub struct RigDevice {
    /// Its state, disconnected while the server is out of reach.
    pub state: Memo<DeviceState>,
    /// Whether a device is configured; `None` until the state arrives.
    pub configured: Memo<Option<bool>>,
}

impl RigDevice {
    /// The device of the server this page is connected to.
    pub fn new() -> Self {
        let connection = expect_context::<Connection>();
        let server = connection.server();
        let stale = connection.stale();
        RigDevice {
            state: Memo::new(move |_| {
                server
                    .with(|s| {
                        s.as_ref()
                            .map(|s| device_status::as_seen(&s.device, !stale.get()))
                    })
                    .unwrap_or_default()
            }),
            configured: Memo::new(move |_| {
                server.with(|s| s.as_ref().map(|s| s.device.mode != DeviceMode::None))
            }),
        }
    }

    /// Whether a device is configured (false until the state arrives).
    pub fn present(&self) -> bool {
        self.configured.get() == Some(true)
    }
}

/// The heart-rate panel, or the note that there is no device.
#[component]
pub fn DevicePanels() -> impl IntoView {
    let device = expect_context::<RigDevice>();
    move || match device.configured.get() {
        None => ().into_any(),
        Some(false) => view! {
            <p class="hint no-device" data-testid="no-device">
                "No light/pulse device configured"
            </p>
        }
        .into_any(),
        Some(true) => view! { <HeartRate device=device.state/> }.into_any(),
    }
}

//! The rig's light and pulse-sensor device on the live page: the
//! [heart-rate](crate::components::heart_rate) and
//! [light](crate::components::light_controls) panels side by side, or one
//! line saying no device is configured. Nothing shows until the server's
//! state has arrived; while the link to the server is down, the device is
//! shown as out of reach. The light's controls are for operators.

use leptos::prelude::*;
use shared::device::DeviceMode;

use crate::components::heart_rate::HeartRate;
use crate::components::light_controls::LightControls;
use crate::components::operator_only::OperatorOnly;
use crate::connection::Connection;
use crate::device_status;

/// The device panels, or the note that there is no device.
#[component]
pub fn DevicePanels() -> impl IntoView {
    let connection = expect_context::<Connection>();
    let server = connection.server();
    let stale = connection.stale();
    let device = Memo::new(move |_| {
        server
            .with(|s| {
                s.as_ref()
                    .map(|s| device_status::as_seen(&s.device, !stale.get()))
            })
            .unwrap_or_default()
    });
    // Whether a device is configured; `None` until the state arrives.
    let configured =
        Memo::new(move |_| server.with(|s| s.as_ref().map(|s| s.device.mode != DeviceMode::None)));
    move || match configured.get() {
        None => ().into_any(),
        Some(false) => view! {
            <p class="hint no-device" data-testid="no-device">
                "No light/pulse device configured"
            </p>
        }
        .into_any(),
        Some(true) => view! {
            <div class="device-panels">
                <HeartRate device/>
                <OperatorOnly>
                    <LightControls device/>
                </OperatorOnly>
            </div>
        }
        .into_any(),
    }
}

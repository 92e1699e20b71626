//! The heart-rate panel on the live page: a large beats-per-minute
//! readout with a heart that pulses on every beat, a status line (device
//! disconnected and why, no pulse sensor, no signal, or the signal
//! quality), a "simulated" badge when the data comes from the built-in
//! simulator, and the scrolling pulse waveform when a sensor is attached.
//! Everything follows the server's device state; while the link is down
//! the panel is greyed out and marked stale.

use leptos::prelude::*;
use shared::device::DeviceState;

use crate::components::beat_indicator::BeatIndicator;
use crate::components::pulse_chart::PulseChart;
use crate::connection::Connection;
use crate::device_status;

/// The heart-rate panel for `device`.
#[component]
pub fn HeartRate(device: Memo<DeviceState>) -> impl IntoView {
    let bpm = Memo::new(move |_| device.with(device_status::bpm_text));
    let status = Memo::new(move |_| device.with(device_status::heart_status));
    let connected = Signal::derive(move || device.with(device_status::connected));
    let beats = Signal::derive(move || device.with(|d| d.heart.beats));
    let simulated = Memo::new(move |_| device.with(DeviceState::simulated));
    let sensor = Memo::new(move |_| device.with(|d| d.pulse_sensor));
    let stale = expect_context::<Connection>().stale();
    view! {
        <section
            class="panel heart"
            class:stale=move || stale.get()
            data-testid="heart"
            data-stale=move || stale.get().to_string()
            aria-label="Heart rate"
        >
            <div class="panel-head">
                <h2>"Heart rate"</h2>
                <Show when=move || simulated.get()>
                    <span class="badge simulated" data-testid="simulated" title="Data from the built-in simulator, not a sensor">
                        "simulated"
                    </span>
                </Show>
            </div>
            <div class="heart-readout">
                <BeatIndicator beats active=connected/>
                <span class="bpm" data-testid="bpm">{move || bpm.get()}</span>
                <span class="unit">"bpm"</span>
            </div>
            <p
                class="heart-status"
                data-testid="heart-status"
                data-state=move || status.with(|s| s.state)
            >
                {move || status.with(|s| s.text.clone())}
            </p>
            <Show when=move || sensor.get()>
                <PulseChart/>
            </Show>
        </section>
    }
}

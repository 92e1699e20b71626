//! The quick bar's light switch: "Light on" or "Light off" as the device
//! confirmed it (`aria-pressed`), a tap asks for the opposite; its name
//! says both ("Light off, turn on"). Disabled, with the reason as its
//! title, while the device is not connected. It sends through
//! [`LiveCommands`] (as `l` does), whose state shows on it; its failure
//! above the bar.

use leptos::prelude::*;

use crate::command::SlotState;
use crate::components::device_panels::RigDevice;
use crate::device_status;
use crate::live::commands::LiveCommands;

/// The switch.
#[component]
pub fn LightButton() -> impl IntoView {
    let live = expect_context::<LiveCommands>();
    let commands = live.light;
    let device = expect_context::<RigDevice>().state;
    let on = Memo::new(move |_| device.with(|d| d.light.on));
    let usable = Memo::new(move |_| device.with(device_status::connected));
    let state = commands.state();
    view! {
        <button
            type="button"
            class="quick light-switch"
            data-testid="light-power"
            data-state=move || state.get().as_str()
            aria-busy=move || (state.get() == SlotState::Busy).to_string()
            aria-pressed=move || on.get().to_string()
            aria-label=move || if on.get() { "Light on, turn off" } else { "Light off, turn on" }
            disabled=move || !usable.get()
            title=move || (!usable.get()).then_some("The light's device is not connected")
            on:click=move |_| live.toggle_light()
        >
            <span class="quick-icon" aria-hidden="true">{move || if on.get() { "☀" } else { "☼" }}</span>
            <span class="quick-label">{move || if on.get() { "Light on" } else { "Light off" }}</span>
        </button>
    }
}

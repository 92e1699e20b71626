//! The quick bar's light switch: "Light on" or "Light off" as the device
//! confirmed it (`aria-pressed`), a tap asks for the opposite. Disabled,
//! with the reason as its title, while the device is not connected. Its
//! command's state shows on it; its failure above the bar.

use leptos::prelude::*;

use crate::actions::LightChange;
use crate::command::{CommandSlot, SlotState};
use crate::components::device_panels::RigDevice;
use crate::device_status;

/// The switch, sending through `commands`.
#[component]
pub fn LightButton(commands: CommandSlot) -> impl IntoView {
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
            disabled=move || !usable.get()
            title=move || (!usable.get()).then_some("The light's device is not connected")
            on:click=move |_| commands.send(LightChange::Power(!on.get_untracked()).command(), |_| {})
        >
            <span class="quick-icon" aria-hidden="true">{move || if on.get() { "☀" } else { "☼" }}</span>
            <span class="quick-label">{move || if on.get() { "Light on" } else { "Light off" }}</span>
        </button>
    }
}

//! The light panel in the control sheet: brightness, colour and, for RGBW
//! lights, white (the switch is the quick bar's
//! [`LightButton`](crate::components::light_button::LightButton)). Each change is sent at once as the `light`
//! action; the controls show the state the device confirmed, so every
//! browser follows, and they are disabled while the device is not
//! connected (or the server is out of reach).

use leptos::prelude::*;
use shared::device::{DeviceState, LightState};

use crate::actions::{self, LightChange};
use crate::color::Rgb;
use crate::command::CommandSlot;
use crate::components::color_input::ColorInput;
use crate::components::control_error::ControlError;
use crate::components::range_input::RangeInput;
use crate::decimal::fixed;
use crate::device_status;

/// The light panel for `device`.
#[component]
pub fn LightControls(device: Memo<DeviceState>) -> impl IntoView {
    let light = Memo::new(move |_| device.with(|d| d.light));
    let usable = Memo::new(move |_| device.with(device_status::connected));
    let disabled = Signal::derive(move || !usable.get());
    let white_channel = Memo::new(move |_| device.with(|d| d.white_channel));
    let slot = CommandSlot::new();
    let failures = slot.failures();
    let change = move |change: LightChange| slot.send(change.command(), |_| {});
    let level =
        move |get: fn(&LightState) -> u8| Signal::derive(move || f64::from(light.with(get)));
    let colour = Signal::derive(move || {
        light.with(|l| Rgb {
            r: l.r,
            g: l.g,
            b: l.b,
        })
    });
    view! {
        <section class="panel light" data-testid="light" aria-label="Light">
            <div class="panel-head">
                <h2>"Light"</h2>
                <span class="meta" data-testid="light-on">
                    {move || if light.with(|l| l.on) { "on" } else { "off" }}
                </span>
            </div>
            <LevelRow
                label="Brightness"
                testid="light-brightness"
                value_testid="light-brightness-value"
                value=level(|l| l.brightness)
                disabled
                failures
                on_change=Callback::new(move |v| change(LightChange::Brightness(v)))
            />
            <div class="light-row">
                <span class="light-label">"Colour"</span>
                <ColorInput
                    testid="light-color"
                    label="Light colour"
                    value=colour
                    disabled
                    failures
                    on_change=Callback::new(move |rgb| change(LightChange::Color(rgb)))
                />
                <output class="meta" data-testid="light-color-value">
                    {move || colour.get().to_css()}
                </output>
            </div>
            <Show when=move || white_channel.get()>
                <LevelRow
                    label="White"
                    testid="light-white"
                    value_testid="light-white-value"
                    value=level(|l| l.w)
                    disabled
                    failures
                    on_change=Callback::new(move |v| change(LightChange::White(v)))
                />
            </Show>
            <ControlError commands=slot testid="light-error"/>
        </section>
    }
}

/// One 0-255 slider of the panel (brightness, white).
#[component]
fn LevelRow(
    /// Shown before the slider; also its accessible name, after "Light".
    label: &'static str,
    /// `data-testid` of the slider.
    testid: &'static str,
    /// `data-testid` of the shown value.
    value_testid: &'static str,
    /// The confirmed value.
    value: Signal<f64>,
    /// Whether it cannot be changed now.
    disabled: Signal<bool>,
    /// Counts the panel's failed changes (the slider then shows the
    /// confirmed value again).
    failures: Signal<u64>,
    /// Runs with the level the slider was released at.
    on_change: Callback<u8>,
) -> impl IntoView {
    view! {
        <div class="light-row">
            <span class="light-label">{label}</span>
            <RangeInput
                testid
                value_testid
                label=format!("Light {}", label.to_ascii_lowercase())
                min=0.0
                max=255.0
                step=1.0
                value
                disabled
                show=|v| fixed(v, 0)
                failures
                on_change=Callback::new(move |v| on_change.run(actions::level(v)))
            />
        </div>
    }
}

//! The light panel on the live page: a power switch, brightness, colour
//! and, for RGBW lights, white. Each change is sent at once as the `light`
//! action; the controls show the state the device confirmed, so every
//! browser follows, and they are disabled while the device is not
//! connected (or the server is out of reach). Switching on sends only
//! `on`: the device restores the colour and brightness it had.

use leptos::prelude::*;
use shared::device::{DeviceState, LightState};

use crate::actions::{self, LightChange};
use crate::color::Rgb;
use crate::components::color_input::ColorInput;
use crate::components::range_input::RangeInput;
use crate::components::toggle::toggle_when;
use crate::connection::Connection;
use crate::device_status;

/// The light panel for `device`.
#[component]
pub fn LightControls(device: Memo<DeviceState>) -> impl IntoView {
    let connection = expect_context::<Connection>();
    let light = Memo::new(move |_| device.with(|d| d.light));
    let usable = Memo::new(move |_| device.with(device_status::connected));
    let disabled = Signal::derive(move || !usable.get());
    let white_channel = Memo::new(move |_| device.with(|d| d.white_channel));
    let change = move |change: LightChange| connection.action(actions::LIGHT, change.args());
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
                {toggle_when(
                    "Power",
                    "light-power",
                    move || light.with(|l| l.on),
                    move || usable.get(),
                    move |on| change(LightChange::Power(on)),
                )}
            </div>
            <div class="light-row">
                <span class="light-label">"Brightness"</span>
                <RangeInput
                    testid="light-brightness"
                    value_testid="light-brightness-value"
                    label="Light brightness".to_owned()
                    min=0.0
                    max=255.0
                    step=1.0
                    value=level(|l| l.brightness)
                    disabled
                    show=|v| format!("{v:.0}")
                    on_change=Callback::new(move |v| {
                        change(LightChange::Brightness(actions::level(v)))
                    })
                />
            </div>
            <div class="light-row">
                <span class="light-label">"Colour"</span>
                <ColorInput
                    testid="light-color"
                    label="Light colour"
                    value=colour
                    disabled
                    on_change=Callback::new(move |rgb| change(LightChange::Color(rgb)))
                />
                <output class="meta" data-testid="light-color-value">
                    {move || colour.get().to_css()}
                </output>
            </div>
            <Show when=move || white_channel.get()>
                <div class="light-row">
                    <span class="light-label">"White"</span>
                    <RangeInput
                        testid="light-white"
                        value_testid="light-white-value"
                        label="Light white channel".to_owned()
                        min=0.0
                        max=255.0
                        step=1.0
                        value=level(|l| l.w)
                        disabled
                        show=|v| format!("{v:.0}")
                        on_change=Callback::new(move |v| change(LightChange::White(actions::level(v))))
                    />
                </div>
            </Show>
        </section>
    }
}

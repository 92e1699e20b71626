//! The lens focus in the control sheet, shown only for a camera whose
//! focus can be driven: an Autofocus toggle (when the camera has
//! autofocus), a slider for the lens position and the position as a
//! number (the − and + steps are the quick bar's
//! [`FocusStepper`](crate::components::focus_stepper::FocusStepper)).
//! Everything shows the server's state, so other browsers follow; manual
//! focus is disabled while autofocus is on.

use leptos::prelude::*;
use shared::FocusState;

use crate::actions::FocusChange;
use crate::command::CommandSlot;
use crate::components::control_error::ControlError;
use crate::components::range_input::RangeInput;
use crate::components::toggle::toggle;
use crate::connection::Connection;
use crate::decimal::fixed;

/// The focus panel.
#[component]
pub fn FocusControls() -> impl IntoView {
    let connection = expect_context::<Connection>();
    let focus = Memo::new(move |_| connection.server().get().and_then(|s| s.camera.focus));
    let slot = CommandSlot::new();
    let change = move |change: FocusChange| slot.send(change.command(), |_| {});
    view! {
        <Show when=move || focus.with(Option::is_some)>
            <FocusPanel focus commands=slot change/>
        </Show>
    }
}

/// The controls for a camera that has focus.
#[component]
fn FocusPanel(
    focus: Memo<Option<FocusState>>,
    commands: CommandSlot,
    change: impl Fn(FocusChange) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let auto = move || focus.get().and_then(|f| f.auto);
    let auto_on = Signal::derive(move || auto().unwrap_or(false));
    let position = Signal::derive(move || focus.get().map_or(0.0, |f| f.position));
    view! {
        <section class="panel focus" data-testid="focus-panel" aria-label="Focus">
            <h2>"Focus"</h2>
            <Show when=move || auto().is_some()>
                {toggle("Autofocus", "focus-auto", move || auto_on.get(), move |on| {
                    change(FocusChange::Auto(on))
                })}
            </Show>
            <div class="focus-manual">
                <RangeInput
                    testid="focus-slider"
                    value_testid="focus-value"
                    label="Focus position".to_owned()
                    min=0.0
                    max=1.0
                    step=0.01
                    value=position
                    disabled=auto_on
                    show=|v| fixed(v, 2)
                    failures=commands.failures()
                    on_change=Callback::new(move |v| change(FocusChange::Position(v)))
                />
            </div>
            <ControlError commands testid="focus-error"/>
        </section>
    }
}

//! "Picture for everyone" in the control sheet: grayscale and
//! half-resolution toggles that show the server's real setting (so a
//! second browser's buttons follow). They change the picture every viewer
//! sees and what is recorded, and the section says so; a failure shows
//! under the toggles.

use leptos::prelude::*;

use crate::actions::ViewChange;
use crate::components::control_error::ControlError;
use crate::components::toggle::toggle;
use crate::live::commands::LiveCommands;

/// The toggles.
#[component]
pub fn ViewControls() -> impl IntoView {
    // Shared with the keyboard (`g`, `h`), so a failure shows here.
    let commands = expect_context::<LiveCommands>();
    let grayscale = move || commands.view_settings().grayscale;
    let half = move || commands.view_settings().half_resolution;
    let view = commands.view;
    view! {
        <section class="sheet-part" data-testid="view-controls" aria-labelledby="everyone-title">
            <h2 id="everyone-title">"Picture for everyone"</h2>
            <p class="hint">"Changes what every viewer sees and what is recorded."</p>
            <div class="controls">
            {toggle("Grayscale", "grayscale", grayscale, move |on| {
                commands.set_view(ViewChange::Grayscale(on))
            })}
            {toggle("Half size", "half-resolution", half, move |on| {
                commands.set_view(ViewChange::HalfSize(on))
            })}
            </div>
            <ControlError commands=view testid="view-error"/>
        </section>
    }
}

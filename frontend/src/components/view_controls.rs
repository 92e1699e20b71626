//! "Picture for everyone" in the control sheet: grayscale and
//! half-resolution toggles that show the server's real setting (so a
//! second browser's buttons follow). They change the picture every viewer
//! sees and what is recorded, and the section says so; a failure shows
//! under the toggles.

use leptos::prelude::*;
use shared::Command;

use crate::command::CommandSlot;
use crate::components::control_error::ControlError;
use crate::components::toggle::toggle;
use crate::connection::Connection;

/// The toggles.
#[component]
pub fn ViewControls() -> impl IntoView {
    let connection = expect_context::<Connection>();
    let view_settings = move || {
        connection
            .server()
            .get()
            .map(|s| s.camera.view)
            .unwrap_or_default()
    };
    let grayscale = move || view_settings().grayscale;
    let half = move || view_settings().half_resolution;
    let view = CommandSlot::new();
    let set_view = move |grayscale, half_resolution| {
        view.send(
            Command::SetView {
                grayscale,
                half_resolution,
            },
            |_| {},
        )
    };
    view! {
        <section class="sheet-part" data-testid="view-controls" aria-labelledby="everyone-title">
            <h2 id="everyone-title">"Picture for everyone"</h2>
            <p class="hint">"Changes what every viewer sees and what is recorded."</p>
            <div class="controls">
            {toggle("Grayscale", "grayscale", grayscale, move |on| set_view(Some(on), None))}
            {toggle("Half size", "half-resolution", half, move |on| set_view(None, Some(on)))}
            </div>
            <ControlError commands=view testid="view-error"/>
        </section>
    }
}

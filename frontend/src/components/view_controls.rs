//! Camera controls on the live page: grayscale and half-resolution toggles
//! that show the server's real setting (so a second browser's buttons
//! follow), and a snapshot button with an optional name. Results and
//! failures from the server appear in the message bar.

use leptos::prelude::*;
use shared::Command;

use crate::actions;
use crate::components::name_form::NameForm;
use crate::components::toggle::toggle;
use crate::connection::Connection;

/// The toggles and the snapshot form.
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
    let snapshot = Callback::new(move |name: String| {
        connection.action(actions::SNAPSHOT, actions::named(&name));
    });
    view! {
        <div class="controls" data-testid="view-controls">
            {toggle("Grayscale", "grayscale", grayscale, move |on| {
                connection.send(Command::SetView {
                    grayscale: Some(on),
                    half_resolution: None,
                })
            })}
            {toggle("Half size", "half-resolution", half, move |on| {
                connection.send(Command::SetView {
                    grayscale: None,
                    half_resolution: Some(on),
                })
            })}
            <NameForm
                input_testid="snapshot-name"
                label="Snapshot name"
                placeholder="Name (optional)".to_owned()
                locked=false
                on_submit=snapshot
            >
                <button type="submit" data-testid="snapshot">
                    "Snapshot"
                </button>
            </NameForm>
        </div>
    }
}

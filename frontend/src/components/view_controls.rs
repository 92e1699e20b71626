//! Camera controls on the live page: grayscale and half-resolution toggles
//! that show the server's real setting (so a second browser's buttons
//! follow), and a snapshot button with an optional name. A saved photo is
//! reported in the message bar; a failure shows under the control that
//! caused it.

use leptos::prelude::*;
use shared::Command;

use crate::actions;
use crate::command::CommandSlot;
use crate::components::control_error::ControlError;
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
    let view = CommandSlot::new();
    let photo = CommandSlot::new();
    let set_view = move |grayscale, half_resolution| {
        view.send(
            Command::SetView {
                grayscale,
                half_resolution,
            },
            |_| {},
        )
    };
    let snapshot = Callback::new(move |name: String| {
        photo.send_and_report(actions::snapshot(&name), |r| {
            actions::capture_summary(false, r)
        });
    });
    view! {
        <div class="controls" data-testid="view-controls">
            {toggle("Grayscale", "grayscale", grayscale, move |on| set_view(Some(on), None))}
            {toggle("Half size", "half-resolution", half, move |on| set_view(None, Some(on)))}
            <ControlError commands=view testid="view-error"/>
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
            <ControlError commands=photo testid="snapshot-error"/>
        </div>
    }
}

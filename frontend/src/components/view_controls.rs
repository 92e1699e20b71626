//! Camera controls on the live page: grayscale and half-resolution toggles
//! that show the server's real setting (so a second browser's buttons
//! follow), and a snapshot button with an optional name. Results and
//! failures from the server appear in the message bar.

use leptos::prelude::*;
use shared::Command;

use crate::connection::Connection;
use crate::notice::Notices;

/// The toggles and the snapshot form.
#[component]
pub fn ViewControls() -> impl IntoView {
    let connection = expect_context::<Connection>();
    let notices = expect_context::<Notices>();
    let view_settings = move || {
        connection
            .server()
            .get()
            .map(|s| s.camera.view)
            .unwrap_or_default()
    };
    let grayscale = move || view_settings().grayscale;
    let half = move || view_settings().half_resolution;
    // Bridge the connection's replies to the message bar.
    Effect::new(move |_| {
        if let Some(message) = connection.last_error().get() {
            notices.error(message);
        }
    });
    Effect::new(move |_| {
        if let Some(message) = connection.last_result().get() {
            notices.ok(message);
        }
    });
    let name = RwSignal::new(String::new());
    let snapshot = move || {
        let wanted = name.get_untracked();
        let args = if wanted.trim().is_empty() {
            serde_json::json!({})
        } else {
            serde_json::json!({ "name": wanted })
        };
        connection.send(Command::Action {
            name: "snapshot".into(),
            args,
        });
        name.set(String::new());
    };
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
            <form
                class="snapshot"
                on:submit=move |ev| {
                    ev.prevent_default();
                    snapshot();
                }
            >
                <input
                    type="text"
                    data-testid="snapshot-name"
                    placeholder="Name (optional)"
                    aria-label="Snapshot name"
                    maxlength="80"
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))
                />
                <button type="submit" data-testid="snapshot">
                    "Snapshot"
                </button>
            </form>
        </div>
    }
}

/// A button showing `pressed` (the server's setting) that asks for the
/// opposite when clicked.
fn toggle(
    label: &'static str,
    testid: &'static str,
    pressed: impl Fn() -> bool + Copy + Send + Sync + 'static,
    set: impl Fn(bool) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <button
            type="button"
            data-testid=testid
            aria-pressed=move || pressed().to_string()
            on:click=move |_| set(!pressed())
        >
            {label}
        </button>
    }
}

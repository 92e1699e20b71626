//! "Camera controls": a collapsible panel on the live page listing every
//! control the camera offers (brightness, exposure, ...) as a
//! [`ControlRow`], hidden when there are none (or the camera is offline).
//! Whether it is open survives the camera going away and coming back. For
//! a camera whose focus can be driven, the focus controls are left out:
//! the Focus panel shows them once, as 0-1 and Autofocus.

use leptos::prelude::*;
use shared::CameraControl;
use wasm_bindgen::JsCast;
use web_sys::HtmlDetailsElement;

use crate::components::control_row::ControlRow;
use crate::connection::Connection;

/// The panel.
#[component]
pub fn CameraControls() -> impl IntoView {
    let connection = expect_context::<Connection>();
    let controls = Memo::new(move |_| {
        connection
            .server()
            .get()
            .map(|s| {
                let focus = s.camera.focus.is_some();
                let mut controls = s.camera.controls;
                controls.retain(|c| !(focus && shared::protocol::is_focus_control(&c.name)));
                controls
            })
            .unwrap_or_default()
    });
    // Rows are keyed by name and follow their own control's changes.
    let names =
        Memo::new(move |_| controls.with(|c| c.iter().map(|c| c.name.clone()).collect::<Vec<_>>()));
    let open = RwSignal::new(false);
    view! {
        <Show when=move || names.with(|n| !n.is_empty())>
            <details
                class="panel camera-controls"
                data-testid="controls-panel"
                prop:open=move || open.get()
                on:toggle=move |ev| {
                    if let Some(details) = ev
                        .target()
                        .and_then(|t| t.dyn_into::<HtmlDetailsElement>().ok())
                    {
                        open.set(details.open());
                    }
                }
            >
                <summary>
                    <h2>"Camera controls"</h2>
                </summary>
                <div class="control-list">
                    <For each=move || names.get() key=String::clone let:name>
                        <ControlRow control=find(controls, name)/>
                    </For>
                </div>
            </details>
        </Show>
    }
}

/// The control called `name`, following the list.
fn find(controls: Memo<Vec<CameraControl>>, name: String) -> Memo<Option<CameraControl>> {
    Memo::new(move |_| controls.with(|c| c.iter().find(|c| c.name == name).cloned()))
}

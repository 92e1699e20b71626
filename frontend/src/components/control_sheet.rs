//! The control sheet: everything on the live page that is not in the quick
//! bar, in the order it is reached for. On a phone it opens over the
//! captures under the picture (More, or `m`), so the picture stays in
//! view while anything that changes it is adjusted; on a desktop it is a
//! column beside the picture, always open. Operators get: the picture for
//! everyone (grayscale, half size), naming the next capture, the light
//! panel, focus, and the camera's own controls; everyone gets "On this
//! screen only": Freeze and the picture's figures. Escape closes it and
//! puts focus back on More.

use leptos::html::Section;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    FocusOptions, HtmlElement, KeyboardEvent, ScrollIntoViewOptions, ScrollLogicalPosition,
};

use crate::captures::{CaptureKind, Captures};
use crate::components::camera_controls::CameraControls;
use crate::components::device_panels::RigDevice;
use crate::components::focus_controls::FocusControls;
use crate::components::light_controls::LightControls;
use crate::components::operator_only::OperatorOnly;
use crate::components::picture_info::PictureInfo;
use crate::components::view_controls::ViewControls;
use crate::live::screen::LiveScreen;

/// The sheet.
#[component]
pub fn ControlSheet() -> impl IntoView {
    let screen = expect_context::<LiveScreen>();
    let device = expect_context::<RigDevice>();
    let captures = expect_context::<Captures>();
    let sheet = screen.sheet;
    let paused = screen.paused;
    let element = NodeRef::<Section>::new();
    // Opened from More: the sheet takes focus, so it is read out, and is
    // scrolled into view under the picture (phone upright).
    Effect::new(move |was_open: Option<bool>| {
        let open = sheet.get();
        if open
            && was_open == Some(false)
            && let Some(element) = element.get()
        {
            let options = FocusOptions::new();
            options.set_prevent_scroll(true);
            let _ = element.focus_with_options(&options);
            let position = ScrollIntoViewOptions::new();
            position.set_block(ScrollLogicalPosition::Nearest);
            element.scroll_into_view_with_scroll_into_view_options(&position);
        }
        open
    });
    let close = move |ev: KeyboardEvent| {
        if ev.key() == "Escape" && sheet.get_untracked() {
            sheet.set(false);
            focus_more();
        }
    };
    let naming = move |kind: CaptureKind| captures.naming.set(Some(kind));
    view! {
        <section
            node_ref=element
            id="control-sheet"
            class="sheet"
            data-testid="sheet"
            aria-label="Controls"
            tabindex="-1"
            on:keydown=close
        >
            <OperatorOnly>
                <ViewControls/>
                <section class="sheet-part" aria-labelledby="name-title">
                    <h2 id="name-title">"Named captures"</h2>
                    <p class="hint">"Or hold Snapshot or Record."</p>
                    <div class="controls">
                        <button
                            type="button"
                            data-testid="snapshot-name-open"
                            on:click=move |_| naming(CaptureKind::Snapshot)
                        >
                            "Name a snapshot…"
                        </button>
                        <button
                            type="button"
                            data-testid="record-name-open"
                            disabled=move || {
                                captures.recording.with(Option::is_some)
                                    || captures.cannot_record.with(Option::is_some)
                            }
                            on:click=move |_| naming(CaptureKind::Recording)
                        >
                            "Name a recording…"
                        </button>
                    </div>
                </section>
                <Show when=move || device.present()>
                    <LightControls device=device.state/>
                </Show>
                <FocusControls/>
                <CameraControls/>
            </OperatorOnly>
            <section class="sheet-part" aria-labelledby="here-title">
                <h2 id="here-title">"On this screen only"</h2>
                <div class="controls">
                    <button
                        type="button"
                        data-testid="pause"
                        aria-pressed=move || paused.get().to_string()
                        on:click=move |_| paused.update(|p| *p = !*p)
                    >
                        {move || if paused.get() { "Resume" } else { "Freeze" }}
                    </button>
                </div>
                <PictureInfo/>
            </section>
        </section>
    }
}

/// Puts focus on the quick bar's More button.
pub fn focus_more() {
    if let Some(more) = document()
        .query_selector("[data-testid=more]")
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
    {
        let _ = more.focus();
    }
}

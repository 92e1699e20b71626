//! The name dialog: opened by a long press on Snapshot or Record, or the
//! sheet's "Name…" buttons, it asks for an optional name and then takes
//! the snapshot or starts the recording ([`Captures::named`]). A modal
//! `<dialog>`: the page behind is inert, Escape or Cancel closes it
//! without a capture, and focus goes back to what opened it.

use leptos::html::Dialog;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::captures::{CaptureKind, Captures};

/// The dialog (closed until a name is asked for).
#[component]
pub fn NameDialog() -> impl IntoView {
    let captures = expect_context::<Captures>();
    let naming = captures.naming;
    let dialog = NodeRef::<Dialog>::new();
    let name = RwSignal::new(String::new());
    // The kind on show, kept while the dialog closes.
    let kind = RwSignal::new(CaptureKind::Snapshot);
    let opener = StoredValue::new_local(None::<HtmlElement>);
    Effect::new(move |_| {
        let Some(element) = dialog.get() else {
            return;
        };
        match naming.get() {
            Some(asked) if !element.open() => {
                kind.set(asked);
                name.set(String::new());
                opener.set_value(
                    document()
                        .active_element()
                        .and_then(|e| e.dyn_into::<HtmlElement>().ok()),
                );
                if let Err(err) = element.show_modal() {
                    leptos::logging::warn!("cannot open the name dialog: {err:?}");
                    naming.set(None);
                }
            }
            None if element.open() => element.close(),
            _ => {}
        }
    });
    let closed = move |_| {
        naming.set(None);
        if let Some(opener) = opener.get_value() {
            let _ = opener.focus();
        }
    };
    let texts = move || match kind.get() {
        CaptureKind::Snapshot => ("Name the snapshot", "snapshot-name", "Take snapshot"),
        CaptureKind::Recording => ("Name the recording", "record-name", "Start recording"),
    };
    view! {
        <dialog
            node_ref=dialog
            class="name-dialog"
            data-testid="name-dialog"
            aria-labelledby="name-dialog-title"
            on:close=closed
        >
            <form
                class="name-dialog-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    if let Some(asked) = naming.get_untracked() {
                        captures.named(asked, &name.get_untracked());
                    }
                    naming.set(None);
                }
            >
                <h2 id="name-dialog-title">{move || texts().0}</h2>
                <label class="field">
                    <span>"Name (optional; the time when left blank)"</span>
                    <input
                        type="text"
                        data-testid=move || texts().1
                        maxlength="80"
                        autocomplete="off"
                        prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))
                    />
                </label>
                <div class="actions">
                    <button type="button" data-testid="name-cancel" on:click=move |_| naming.set(None)>
                        "Cancel"
                    </button>
                    <button type="submit" class="primary" data-testid="name-save">
                        {move || texts().2}
                    </button>
                </div>
            </form>
        </dialog>
    }
}

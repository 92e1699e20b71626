//! The name dialog: opened by a long press on Snapshot or Record, or the
//! sheet's "Name…" buttons, it asks for an optional name and then takes
//! the snapshot or starts the recording ([`Captures::named`]). A modal
//! `<dialog>` ([`crate::dialog`]): the page behind is inert, Escape or
//! Cancel closes it without a capture, and focus goes back to what opened
//! it.

use leptos::html::Dialog;
use leptos::prelude::*;

use crate::captures::{CaptureKind, Captures};
use crate::dialog;

/// The dialog (closed until a name is asked for).
#[component]
pub fn NameDialog() -> impl IntoView {
    let captures = expect_context::<Captures>();
    let naming = captures.naming;
    let node = NodeRef::<Dialog>::new();
    let name = RwSignal::new(String::new());
    // The kind on show, kept while the dialog closes.
    let kind = RwSignal::new(CaptureKind::Snapshot);
    Effect::new(move |_| {
        if let Some(asked) = naming.get() {
            kind.set(asked);
            name.set(String::new());
        }
    });
    dialog::modal(
        node,
        Signal::derive(move || naming.with(Option::is_some)),
        Callback::new(move |_| naming.set(None)),
        || None,
    );
    let texts = move || match kind.get() {
        CaptureKind::Snapshot => ("Name the snapshot", "snapshot-name", "Take snapshot"),
        CaptureKind::Recording => ("Name the recording", "record-name", "Start recording"),
    };
    view! {
        <dialog
            node_ref=node
            class="name-dialog"
            data-testid="name-dialog"
            aria-labelledby="name-dialog-title"
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

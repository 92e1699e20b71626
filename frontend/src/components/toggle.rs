//! An on/off button that shows a setting of the server (`aria-pressed`) and
//! asks for the opposite when clicked; it changes only when the server's
//! state does, so every browser shows the same.

use leptos::prelude::*;

/// A button showing `pressed` (the server's setting) that asks for the
/// opposite when clicked.
pub fn toggle(
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

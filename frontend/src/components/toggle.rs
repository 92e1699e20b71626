//! An on/off button that shows a setting of the server (`aria-pressed`) and
//! asks for the opposite when clicked; it changes only when the server's
//! state does, so every browser shows the same. [`toggle_when`] also
//! disables it while the setting cannot be changed.

use leptos::prelude::*;

/// A button showing `pressed` (the server's setting) that asks for the
/// opposite when clicked.
pub fn toggle(
    label: &'static str,
    testid: &'static str,
    pressed: impl Fn() -> bool + Copy + Send + Sync + 'static,
    set: impl Fn(bool) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    toggle_when(label, testid, pressed, || true, set)
}

/// A [`toggle`] that can be clicked only while `enabled`.
pub fn toggle_when(
    label: &'static str,
    testid: &'static str,
    pressed: impl Fn() -> bool + Copy + Send + Sync + 'static,
    enabled: impl Fn() -> bool + Send + Sync + 'static,
    set: impl Fn(bool) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <button
            type="button"
            data-testid=testid
            aria-pressed=move || pressed().to_string()
            disabled=move || !enabled()
            on:click=move |_| set(!pressed())
        >
            {label}
        </button>
    }
}

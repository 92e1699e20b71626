//! A colour picker for a server setting (`<input type="color">`). It shows
//! the server's colour and sends the one picked when the picker closes
//! (`change`), not while it is dragged; if the server refuses it, the
//! picker returns to the server's colour.

use leptos::html::Input;
use leptos::prelude::*;

use crate::color::Rgb;

/// The colour picker.
#[component]
pub fn ColorInput(
    /// `data-testid` of the input.
    testid: &'static str,
    /// Accessible name.
    label: &'static str,
    /// The server's colour.
    #[prop(into)]
    value: Signal<Rgb>,
    /// Whether it cannot be changed now.
    #[prop(into)]
    disabled: Signal<bool>,
    /// Counts the panel's failed changes; after one, the picker shows the
    /// confirmed colour again.
    #[prop(into)]
    failures: Signal<u64>,
    /// Runs with the colour picked.
    on_change: Callback<Rgb>,
) -> impl IntoView {
    let input = NodeRef::<Input>::new();
    Effect::new(move |previous: Option<u64>| {
        let now = failures.get();
        if previous.is_some_and(|p| p != now)
            && let Some(input) = input.get_untracked()
        {
            input.set_value(&value.get_untracked().to_css());
        }
        now
    });
    view! {
        <input
            type="color"
            class="color"
            node_ref=input
            data-testid=testid
            aria-label=label
            prop:value=move || value.get().to_css()
            disabled=move || disabled.get()
            on:change=move |ev| {
                if let Some(rgb) = Rgb::parse(&event_target_value(&ev)) {
                    on_change.run(rgb);
                }
            }
        />
    }
}

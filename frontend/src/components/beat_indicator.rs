//! The heart that pulses once each time the device counts a beat (the
//! server's `heart.beats` grows). Each new beat switches between two
//! identical CSS animations, which restarts the pulse even when beats come
//! quickly; nothing pulses on first sight, before a beat was seen here.

use leptos::prelude::*;

/// The beat indicator.
#[component]
pub fn BeatIndicator(
    /// Beats counted so far by the device.
    #[prop(into)]
    beats: Signal<u64>,
    /// Whether beats are being counted now (the device is connected).
    #[prop(into)]
    active: Signal<bool>,
) -> impl IntoView {
    // 0 before the first beat seen here, then 1 and 2 in turn.
    let flash = RwSignal::new(0u8);
    Effect::new(move |previous: Option<u64>| {
        let now = beats.get();
        if previous.is_some_and(|p| now > p) && active.get_untracked() {
            flash.update(|f| *f = if *f == 1 { 2 } else { 1 });
        }
        now
    });
    view! {
        <span
            class="beat"
            class:idle=move || !active.get()
            data-testid="beat"
            data-beats=move || beats.get().to_string()
            data-flash=move || flash.get().to_string()
            aria-hidden="true"
        >
            "♥"
        </span>
    }
}

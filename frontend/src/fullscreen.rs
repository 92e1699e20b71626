//! Full screen for the live page: the browser's own full screen on the
//! page's layout (so the quick bar stays), held sideways where the phone
//! allows it; where a browser has no full screen for pages (iPhone
//! Safari), an immersive layout that hides the top bar instead (the
//! installed app is full screen there anyway). [`LiveScreen::fullscreen`]
//! follows the browser, also when full screen is left with its own
//! gesture.

use leptos::prelude::*;

use crate::live::screen::LiveScreen;

/// The element that goes full screen.
const LAYOUT: &str = ".live-layout";

/// Enters or leaves full screen.
pub fn toggle(screen: LiveScreen) {
    let document = document();
    if document.fullscreen_element().is_some() {
        document.exit_fullscreen();
        return;
    }
    if !document.fullscreen_enabled() {
        screen.fullscreen.update(|on| *on = !*on);
        return;
    }
    let Some(layout) = document.query_selector(LAYOUT).ok().flatten() else {
        return;
    };
    if let Err(err) = layout.request_fullscreen() {
        leptos::logging::warn!("full screen refused: {err:?}");
        screen.fullscreen.update(|on| *on = !*on);
        return;
    }
    // Sideways, where the phone lets a page turn itself; refusal is fine.
    if let Ok(screen) = window().screen() {
        let _ = screen
            .orientation()
            .lock(web_sys::OrientationLockType::Landscape);
    }
}

/// Keeps `screen.fullscreen` in step with the browser while the calling
/// component lives.
pub fn follow(screen: LiveScreen) {
    // `fullscreenchange` bubbles from the element up to the window.
    let listener = window_event_listener_untyped("fullscreenchange", move |_| {
        screen
            .fullscreen
            .try_set(document().fullscreen_element().is_some());
    });
    on_cleanup(move || listener.remove());
}

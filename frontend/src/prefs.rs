//! This browser's display preferences, kept in `localStorage` so they
//! outlive the page: the theme ([`crate::theme`]) and whether changes are
//! spoken ([`crate::components::announcer`]). Reading or writing fails
//! quietly (storage turned off, private windows that refuse it): the
//! default applies, and the choice lasts until the page is left.

/// The stored value of `key`, if any.
pub fn get(key: &str) -> Option<String> {
    window()
        .local_storage()
        .ok()
        .flatten()
        .and_then(|storage| storage.get_item(key).ok().flatten())
}

/// Stores `value` under `key`, if the browser lets us.
pub fn set(key: &str, value: &str) {
    if let Some(storage) = window().local_storage().ok().flatten() {
        let _ = storage.set_item(key, value);
    }
}

fn window() -> web_sys::Window {
    leptos::prelude::window()
}

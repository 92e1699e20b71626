//! The colour theme chosen in the help overlay: dark (the default: scopes
//! are used in dim rooms), light, or the system's. The choice is stored
//! under [`KEY`]; the inline script in `index.html` reads it before the
//! first paint and sets `data-theme` on `<html>`, and [`choose`] asks it
//! to apply a new choice at once (`window.camrigTheme()`). The names are
//! pure and tested on the host.

use wasm_bindgen::JsCast;

use crate::prefs;

/// Where the choice is stored (the inline script reads the same key).
pub const KEY: &str = "camrig.theme";

/// A theme choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    /// Light words on dark (the default).
    Dark,
    /// Dark words on light.
    Light,
    /// Whatever the system prefers, following it as it changes.
    System,
}

impl Theme {
    /// Every choice, in the order offered.
    pub const ALL: [Theme; 3] = [Theme::Dark, Theme::Light, Theme::System];

    /// The stored value's choice; dark for none or anything unknown.
    pub fn parse(stored: Option<&str>) -> Theme {
        match stored {
            Some("light") => Theme::Light,
            Some("system") => Theme::System,
            _ => Theme::Dark,
        }
    }

    /// The stored value (what the inline script understands).
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Dark => "dark",
            Theme::Light => "light",
            Theme::System => "system",
        }
    }

    /// The choice in words.
    pub fn label(self) -> &'static str {
        match self {
            Theme::Dark => "Dark",
            Theme::Light => "Light",
            Theme::System => "System",
        }
    }
}

/// The stored choice.
pub fn current() -> Theme {
    Theme::parse(prefs::get(KEY).as_deref())
}

/// Stores `theme` and applies it to the page now.
pub fn choose(theme: Theme) {
    prefs::set(KEY, theme.as_str());
    let window = leptos::prelude::window();
    if let Ok(apply) = js_sys::Reflect::get(&window, &"camrigTheme".into())
        && let Some(apply) = apply.dyn_ref::<js_sys::Function>()
    {
        let _ = apply.call0(&window);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_values_round_trip_and_default_to_dark() {
        for theme in Theme::ALL {
            assert_eq!(Theme::parse(Some(theme.as_str())), theme);
        }
        assert_eq!(Theme::parse(None), Theme::Dark);
        assert_eq!(Theme::parse(Some("purple")), Theme::Dark);
        assert_eq!(Theme::parse(Some("Light")), Theme::Dark);
    }
}

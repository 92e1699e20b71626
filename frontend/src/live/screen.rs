//! What the live page keeps for this screen only, shared by the picture,
//! the quick bar and the control sheet: whether the picture is frozen
//! here (others keep watching live), what was last painted (size, count),
//! whether the control sheet is open, whether the bars are shown, the
//! picture's zoom and whether the page is full screen. Provided as context by the live
//! page; nothing here is sent to the server.

use leptos::prelude::*;

use crate::live::picture::Drawn;
use crate::zoom::Zoom;

/// The live page's own state on this screen; `Copy`.
#[derive(Clone, Copy)]
pub struct LiveScreen {
    /// The picture is frozen on this screen.
    pub paused: RwSignal<bool>,
    /// What the canvas last painted.
    pub drawn: RwSignal<Drawn>,
    /// The control sheet is open (phones; always shown on a desktop).
    pub sheet: RwSignal<bool>,
    /// The bars are shown (a tap on the picture hides and shows them).
    pub chrome: RwSignal<bool>,
    /// The picture's digital zoom here.
    pub zoom: RwSignal<Zoom>,
    /// The page is full screen (or immersive, where browsers have no full
    /// screen for pages).
    pub fullscreen: RwSignal<bool>,
}

impl LiveScreen {
    /// A live, unfrozen, unzoomed screen with nothing painted, the bars
    /// shown and the sheet closed.
    pub fn new() -> Self {
        LiveScreen {
            paused: RwSignal::new(false),
            drawn: RwSignal::new(Drawn::default()),
            sheet: RwSignal::new(false),
            chrome: RwSignal::new(true),
            zoom: RwSignal::new(Zoom::default()),
            fullscreen: RwSignal::new(false),
        }
    }
}

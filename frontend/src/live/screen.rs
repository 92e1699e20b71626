//! What the live page keeps for this screen only, shared by the picture,
//! the quick bar and the control sheet: whether the picture is frozen
//! here (others keep watching live), what was last painted (size, count),
//! and whether the control sheet is open. Provided as context by the live
//! page; nothing here is sent to the server.

use leptos::prelude::*;

use crate::live::picture::Drawn;

/// The live page's own state on this screen; `Copy`.
#[derive(Clone, Copy)]
pub struct LiveScreen {
    /// The picture is frozen on this screen.
    pub paused: RwSignal<bool>,
    /// What the canvas last painted.
    pub drawn: RwSignal<Drawn>,
    /// The control sheet is open (phones; always shown on a desktop).
    pub sheet: RwSignal<bool>,
}

impl LiveScreen {
    /// A live, unfrozen screen with nothing painted and the sheet closed.
    pub fn new() -> Self {
        LiveScreen {
            paused: RwSignal::new(false),
            drawn: RwSignal::new(Drawn::default()),
            sheet: RwSignal::new(false),
        }
    }
}

//! `/`: the live page, laid out for one hand on a phone. The picture comes
//! first and as large as the screen allows; the quick bar (snapshot,
//! record, light, focus, More) sits within thumb reach; the control sheet
//! holds the rest; the heart rate and the recent captures follow the
//! picture. The same page is three layouts in `style/main.css`: a phone
//! upright (picture on top, bar at the bottom, sheet between), a phone on
//! its side (picture full height, bar beside it, sheet over the right),
//! and a desktop (sheet as a column on the right, always open). Viewers
//! see the picture, the heart rate, the captures and "On this screen".

use leptos::html::Div;
use leptos::prelude::*;

use crate::captures::Captures;
use crate::components::control_sheet::ControlSheet;
use crate::components::device_panels::{DevicePanels, RigDevice};
use crate::components::live_view::LiveView;
use crate::components::quick_bar::QuickBar;
use crate::components::recent_captures::RecentCaptures;
use crate::live::commands::LiveCommands;
use crate::live::screen::LiveScreen;

/// The layout of a phone held sideways (as in `style/main.css`).
const SIDEWAYS_PHONE: &str = "(orientation: landscape) and (max-height: 540px)";

/// The live page.
#[component]
pub fn LivePage() -> impl IntoView {
    let screen = LiveScreen::new();
    provide_context(screen);
    provide_context(RigDevice::new());
    provide_context(Captures::new());
    provide_context(LiveCommands::new());
    crate::live::keys::bind();
    let stage = NodeRef::<Div>::new();
    // A phone on its side: the picture fills the screen, the top bar just
    // above it, out of view until scrolled back.
    Effect::new(move |_| {
        if let Some(stage) = stage.get()
            && window()
                .match_media(SIDEWAYS_PHONE)
                .ok()
                .flatten()
                .is_some_and(|query| query.matches())
        {
            stage.scroll_into_view();
        }
    });
    view! {
        <h2 class="visually-hidden">"Live picture"</h2>
        <div
            class="live-layout"
            data-testid="live-layout"
            data-sheet=move || if screen.sheet.get() { "open" } else { "closed" }
            data-chrome=move || if screen.chrome.get() { "shown" } else { "hidden" }
            data-fullscreen=move || if screen.fullscreen.get() { "on" } else { "off" }
        >
            <div class="stage" node_ref=stage>
                <LiveView/>
            </div>
            <QuickBar/>
            <ControlSheet/>
            <div class="live-more">
                <DevicePanels/>
                <RecentCaptures/>
            </div>
        </div>
    }
}

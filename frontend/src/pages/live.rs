//! `/`: the live picture, and the recent captures below it.

use leptos::prelude::*;

use crate::components::live_view::LiveView;
use crate::components::recent_captures::RecentCaptures;
use crate::components::view_controls::ViewControls;

/// The live page.
#[component]
pub fn LivePage() -> impl IntoView {
    view! {
        <LiveView/>
        <ViewControls/>
        <RecentCaptures/>
    }
}

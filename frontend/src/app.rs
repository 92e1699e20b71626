//! The root component: opens the connection once, provides it as context,
//! and lays out the page.

use leptos::prelude::*;

use crate::components::live_view::{LiveView, MeasuredFps};
use crate::components::status_bar::StatusBar;
use crate::connection::Connection;

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    let connection = Connection::open();
    provide_context(connection);
    provide_context(MeasuredFps(RwSignal::new(0.0)));
    view! {
        <header class="topbar">
            <h1>"camrig"</h1>
            <StatusBar/>
        </header>
        <main class="page">
            <LiveView/>
        </main>
    }
}

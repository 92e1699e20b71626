//! The navigation in the top bar: Live, Gallery, Database. The link of the
//! page on show is marked with `aria-current="page"`.

use leptos::prelude::*;
use leptos_router::components::A;

/// Links to the three pages.
#[component]
pub fn NavBar() -> impl IntoView {
    view! {
        <nav class="nav" aria-label="Pages">
            <A href="/" exact=true {..} data-testid="nav-live">
                "Live"
            </A>
            <A href="/gallery" {..} data-testid="nav-gallery">
                "Gallery"
            </A>
            <A href="/database" {..} data-testid="nav-database">
                "Database"
            </A>
        </nav>
    }
}

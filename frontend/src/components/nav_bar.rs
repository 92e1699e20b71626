//! The navigation in the top bar: Live, Gallery, Database, and System for
//! operators. The link of the page on show is marked with
//! `aria-current="page"`.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::access::Access;

/// Links to the pages.
#[component]
pub fn NavBar() -> impl IntoView {
    let operator = expect_context::<Access>().is_operator();
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
            <Show when=move || operator.get()>
                <A href="/system" {..} data-testid="nav-system">
                    "System"
                </A>
            </Show>
        </nav>
    }
}

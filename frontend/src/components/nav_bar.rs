//! The navigation in the top bar: Live, Gallery, Database, and System for
//! operators. The link of the page on show is marked with
//! `aria-current="page"`.

use leptos::prelude::*;

use crate::access::Access;
use crate::router::{Router, is_current};

/// Links to the pages.
#[component]
pub fn NavBar() -> impl IntoView {
    let operator = expect_context::<Access>().is_operator();
    let path = Router::get().path();
    let current = move |href: &'static str, exact: bool| {
        move || path.with(|p| is_current(href, p, exact)).then_some("page")
    };
    view! {
        <nav class="nav" aria-label="Pages">
            <a href="/" aria-current=current("/", true) data-testid="nav-live">
                "Live"
            </a>
            <a href="/gallery" aria-current=current("/gallery", false) data-testid="nav-gallery">
                "Gallery"
            </a>
            <a href="/database" aria-current=current("/database", false) data-testid="nav-database">
                "Database"
            </a>
            <Show when=move || operator.get()>
                <a href="/system" aria-current=current("/system", false) data-testid="nav-system">
                    "System"
                </a>
            </Show>
        </nav>
    }
}

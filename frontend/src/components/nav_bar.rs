//! The navigation in the top bar: Live, Gallery, Database, and System for
//! operators. The link of the page on show is marked with
//! `aria-current="page"`. On a phone, where the links scroll sideways,
//! that link is scrolled into view.

use leptos::html::Nav;
use leptos::prelude::*;

use crate::access::Access;
use crate::router::{Router, is_current};

/// Width of the fade at the nav's right edge on phones (1.25rem).
const FADE_PX: f64 = 20.0;

/// Links to the pages.
#[component]
pub fn NavBar() -> impl IntoView {
    let operator = expect_context::<Access>().is_operator();
    let path = Router::get().path();
    let current = move |href: &'static str, exact: bool| {
        move || path.with(|p| is_current(href, p, exact)).then_some("page")
    };
    let nav = NodeRef::<Nav>::new();
    Effect::new(move |_| {
        path.track();
        // After the links' aria-current has been updated. Sideways only:
        // scrolling the page would undo the live page's own scrolling.
        request_animation_frame(move || {
            let Some(nav) = nav.get_untracked() else {
                return;
            };
            let Some(link) = nav.query_selector("[aria-current=page]").ok().flatten() else {
                return;
            };
            let (bar, link) = (
                nav.get_bounding_client_rect(),
                link.get_bounding_client_rect(),
            );
            // Clear of the fade at the right edge (style/main.css).
            let over = link.right() - (bar.right() - FADE_PX);
            let under = bar.left() - link.left();
            if over > 0.0 {
                nav.set_scroll_left(nav.scroll_left() + over.ceil());
            } else if under > 0.0 {
                nav.set_scroll_left(nav.scroll_left() - under.ceil());
            }
        });
    });
    view! {
        <nav class="nav" aria-label="Pages" node_ref=nav>
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

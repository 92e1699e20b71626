//! Any other path: says so and links home.

use leptos::prelude::*;

/// The not-found page.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="panel" data-testid="not-found">
            <h2>"Page not found"</h2>
            <p>
                "There is no page here. " <a href="/">"Go to the live view"</a> "."
            </p>
        </section>
    }
}

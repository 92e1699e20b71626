//! The "Load more" button under a paged media list: shown while the
//! server has more entries, disabled while a page is loading.

use leptos::prelude::*;

use crate::media_list::MediaList;

/// The button; `busy_text` replaces its label while a page loads.
#[component]
pub fn LoadMore(
    list: MediaList,
    #[prop(optional)] busy_text: Option<&'static str>,
) -> impl IntoView {
    let label = move || match busy_text {
        Some(busy) if list.loading().get() => busy,
        _ => "Load more",
    };
    view! {
        <Show when=move || list.has_more()>
            <div class="more">
                <button
                    type="button"
                    data-testid="load-more"
                    disabled=move || list.loading().get()
                    on:click=move |_| list.load_more()
                >
                    {label}
                </button>
            </div>
        </Show>
    }
}

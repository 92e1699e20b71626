//! A grid of [`MediaCard`]s for a [`MediaList`], with its loading, empty
//! and error states and a "Load more" button when more entries exist.

use leptos::prelude::*;

use crate::components::list_error::ListError;
use crate::components::load_more::LoadMore;
use crate::components::media_card::MediaCard;
use crate::media_list::MediaList;

/// The cards of `list`.
#[component]
pub fn MediaGrid(
    /// The entries shown.
    list: MediaList,
    /// Compact cards (the recent strip).
    #[prop(optional)]
    compact: bool,
    /// `data-testid` of the grid.
    testid: &'static str,
    /// Shown when there are no entries.
    empty: &'static str,
) -> impl IntoView {
    let entries = list.entries();
    let is_empty = move || list.loaded().get() && entries.with(Vec::is_empty);
    view! {
        <ListError list=list what="list"/>
        <div class="grid" class:compact=compact data-testid=testid aria-busy=move || list.loading().get().to_string()>
            <For
                each=move || entries.get()
                key=|e| (e.id, e.title.clone(), e.date_label.clone(), e.status, e.size_bytes, e.duration_ms)
                let:entry
            >
                <MediaCard entry compact/>
            </For>
        </div>
        <Show when=is_empty>
            <p class="empty" data-testid="empty">{empty}</p>
        </Show>
        <LoadMore list busy_text="Loading…"/>
    }
}

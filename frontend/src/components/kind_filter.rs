//! Filter buttons for a [`MediaList`]: All, Photos, Videos. The chosen one
//! is pressed (`aria-pressed`).

use leptos::prelude::*;
use shared::media::MediaKind;

use crate::media_list::MediaList;

/// The three filter buttons.
#[component]
pub fn KindFilter(
    /// The list filtered.
    list: MediaList,
) -> impl IntoView {
    let choices: [(Option<MediaKind>, &str, &str); 3] = [
        (None, "All", "filter-all"),
        (Some(MediaKind::Photo), "Photos", "filter-photo"),
        (Some(MediaKind::Video), "Videos", "filter-video"),
    ];
    view! {
        <div class="filter" role="group" aria-label="Show">
            {choices
                .into_iter()
                .map(|(kind, label, testid)| {
                    view! {
                        <button
                            type="button"
                            data-testid=testid
                            aria-pressed=move || (list.kind().get() == kind).to_string()
                            on:click=move |_| list.set_kind(kind)
                        >
                            {label}
                        </button>
                    }
                })
                .collect_view()}
        </div>
    }
}

//! The error line of a [`MediaList`] that failed to load, with a Retry
//! button; shows nothing while the list is fine.

use leptos::prelude::*;

use crate::media_list::MediaList;

/// "Could not load the {what}: reason [Retry]".
#[component]
pub fn ListError(
    /// The list whose error is shown.
    list: MediaList,
    /// What the list is, for the message.
    what: &'static str,
) -> impl IntoView {
    move || {
        list.error().get().map(|error| {
            view! {
                <p class="inline-error" role="alert" data-testid="list-error">
                    {format!("Could not load the {what}: {error}")}
                    " "
                    <button type="button" on:click=move |_| list.reload()>
                        "Retry"
                    </button>
                </p>
            }
        })
    }
}

//! The error line of a [`MediaList`] that failed to load, with a Retry
//! button; shows nothing while the list is fine.

use leptos::prelude::*;

use crate::components::inline_error::InlineError;
use crate::media_list::MediaList;

/// "Could not load the {what}: reason [Retry]".
#[component]
pub fn ListError(
    /// The list whose error is shown.
    list: MediaList,
    /// What the list is, for the message.
    what: &'static str,
) -> impl IntoView {
    let error = list.error();
    let message = Signal::derive(move || {
        error
            .get()
            .map(|error| format!("Could not load the {what}: {error}"))
    });
    view! {
        <InlineError message testid="list-error">
            <button type="button" on:click=move |_| list.reload()>
                "Retry"
            </button>
        </InlineError>
    }
}

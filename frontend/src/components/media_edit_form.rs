//! The form that edits an entry's title, date label and notes and saves
//! them with `PATCH /api/media/{id}`. It starts from the entry as it was
//! when opened, so a change from another browser does not overwrite what
//! is being typed; saving shows the result in the message bar, naming the
//! entry by its new title.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::MediaEvent;
use shared::media::{MediaEntry, MediaUpdate};

use crate::connection::Connection;
use crate::notice::Notices;
use crate::{api, format};

/// Edit form for `entry`.
#[component]
pub fn MediaEditForm(
    /// The entry edited, as it was when the form opened.
    entry: MediaEntry,
    /// Runs after a successful save and on Cancel.
    on_close: Callback<()>,
) -> impl IntoView {
    let connection = expect_context::<Connection>();
    let notices = expect_context::<Notices>();
    let id = entry.id;
    let title = RwSignal::new(entry.title);
    let date_label = RwSignal::new(entry.date_label);
    let notes = RwSignal::new(entry.notes);
    let saving = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        saving.set(true);
        let changes = MediaUpdate {
            title: Some(title.get_untracked()),
            notes: Some(notes.get_untracked()),
            date_label: Some(date_label.get_untracked()),
        };
        spawn_local(async move {
            match api::update(id, &changes).await {
                Ok(entry) => {
                    notices.ok(format!("Saved {}", format::title(&entry)));
                    connection.announce(MediaEvent::Updated {
                        entry: Box::new(entry),
                    });
                    on_close.run(());
                }
                Err(err) => notices.error(format!("Could not save: {err}")),
            }
            saving.set(false);
        });
    };
    view! {
        <form class="edit-form" data-testid="edit-form" on:submit=save>
            <label>
                <span>"Title"</span>
                <input type="text" data-testid="edit-title" maxlength="10000" bind:value=title/>
            </label>
            <label>
                <span>"Date label"</span>
                <input type="text" data-testid="edit-date" maxlength="10000" bind:value=date_label/>
            </label>
            <label>
                <span>"Notes"</span>
                <textarea data-testid="edit-notes" rows="4" maxlength="10000" bind:value=notes></textarea>
            </label>
            <div class="actions">
                <button type="submit" class="primary" data-testid="save" disabled=move || saving.get()>
                    {move || if saving.get() { "Saving…" } else { "Save" }}
                </button>
                <button type="button" data-testid="cancel-edit" on:click=move |_| on_close.run(())>
                    "Cancel"
                </button>
            </div>
        </form>
    }
}

//! One untracked file: its name, an optional date label, and Add, which
//! catalogues it with `POST /api/media/import`.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::MediaEvent;

use crate::api;
use crate::connection::Connection;
use crate::notice::Notices;

/// The row for the file `name`.
#[component]
pub fn UntrackedRow(
    /// The file name.
    name: String,
) -> impl IntoView {
    let connection = expect_context::<Connection>();
    let notices = expect_context::<Notices>();
    let date_label = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let file = name.clone();
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let file = file.clone();
        let label = date_label.get_untracked();
        spawn_local(async move {
            match api::import(&file, label.trim()).await {
                Ok(entry) => {
                    notices.ok(format!("Added {}", entry.file_name));
                    connection.announce(MediaEvent::Added {
                        entry: Box::new(entry),
                    });
                }
                Err(err) => notices.error(format!("Could not add {file}: {err}")),
            }
            busy.set(false);
        });
    };
    let input_label = format!("Date label for {name}");
    let data_name = name.clone();
    view! {
        <li data-testid="untracked-row" data-name=data_name>
            <form class="untracked-form" on:submit=add>
                <span class="name">{name}</span>
                <input
                    type="text"
                    data-testid="date-label"
                    placeholder="Date label (optional)"
                    aria-label=input_label
                    bind:value=date_label
                />
                <button type="submit" class="primary" data-testid="add" disabled=move || busy.get()>
                    "Add"
                </button>
            </form>
        </li>
    }
}

//! One row of the catalogue table: id, title (with the file name under it
//! when the title is not the file name), date (as the gallery shows it:
//! the date label, else the capture time), kind, status, and Remove
//! (deletes the entry and its file, after a confirming second click).

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::MediaEvent;
use shared::media::MediaEntry;

use crate::components::confirm_button::ConfirmButton;
use crate::components::operator_only::OperatorOnly;
use crate::connection::Connection;
use crate::notice::Notices;
use crate::{api, format};

/// The row for `entry`.
#[component]
pub fn DbRow(
    /// The entry shown.
    entry: MediaEntry,
) -> impl IntoView {
    let connection = expect_context::<Connection>();
    let notices = expect_context::<Notices>();
    let busy = RwSignal::new(false);
    let id = entry.id;
    let title = format::title(&entry).to_owned();
    let file_name = (title != entry.file_name).then(|| {
        view! { <span class="meta" data-testid="db-file">" "{entry.file_name.clone()}</span> }
    });
    let date = format::date(&entry);
    let name = entry.file_name.clone();
    let remove = Callback::new(move |()| {
        let name = name.clone();
        busy.set(true);
        spawn_local(async move {
            match api::delete(id).await {
                Ok(()) => {
                    notices.ok(format!("Removed {name}"));
                    connection.announce(MediaEvent::Removed { id });
                }
                Err(err) => notices.error(format!("Could not remove {name}: {err}")),
            }
            busy.set(false);
        });
    });
    view! {
        <tr data-testid="db-row" data-id=id.to_string()>
            <td class="num" data-label="Id">{id}</td>
            <td class="name" data-label="Title">
                <a href=format!("/gallery/{id}") data-testid="db-title">{title}</a>
                {file_name}
            </td>
            <td data-label="Date" data-testid="db-date">{date}</td>
            <td data-label="Kind">{entry.kind.as_str()}</td>
            <td data-label="Status">
                <span class="state" data-state=entry.status.as_str()>{entry.status.as_str()}</span>
            </td>
            <td class="act">
                <OperatorOnly>
                    <ConfirmButton
                        label="Remove"
                        confirm_label="Really remove?"
                        testid="remove"
                        confirm_testid="confirm-remove"
                        busy
                        on_confirm=remove
                    />
                </OperatorOnly>
            </td>
        </tr>
    }
}

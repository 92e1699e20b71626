//! "New database": forgets every entry (titles, notes, date labels) and
//! catalogues the files in the media folder afresh, after an explicit
//! confirming second click; sends `POST /api/media/reset` with
//! `{"confirm": "reset"}`.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::MediaEvent;

use crate::api;
use crate::components::confirm_button::ConfirmButton;
use crate::connection::Connection;
use crate::notice::Notices;

/// The section.
#[component]
pub fn ResetDatabase() -> impl IntoView {
    let connection = expect_context::<Connection>();
    let notices = expect_context::<Notices>();
    let busy = RwSignal::new(false);
    let reset = Callback::new(move |()| {
        busy.set(true);
        spawn_local(async move {
            match api::reset().await {
                Ok(entries) => {
                    let n = entries.len();
                    notices.ok(format!(
                        "New database: {n} {} catalogued from the media folder",
                        if n == 1 { "entry" } else { "entries" }
                    ));
                    connection.announce(MediaEvent::Reload);
                }
                Err(err) => notices.error(format!("Could not start a new database: {err}")),
            }
            busy.set(false);
        });
    });
    view! {
        <section class="panel danger-zone" aria-labelledby="reset-title">
            <h2 id="reset-title">"New database"</h2>
            <p class="hint">
                "Forgets every title, note and date label, then catalogues the files in the media folder again. The files themselves are kept."
            </p>
            <ConfirmButton
                label="New database…"
                confirm_label="Really forget everything"
                testid="reset"
                confirm_testid="confirm-reset"
                busy
                on_confirm=reset
            />
        </section>
    }
}

//! "Untracked files": media files in the folder that are not in the
//! catalogue (`GET /api/media/untracked`), each with an Add button. The
//! list follows catalogue changes; Refresh picks up files copied into the
//! folder since.

use leptos::prelude::*;
use shared::MediaEvent;

use crate::api;
use crate::components::inline_error::InlineError;
use crate::components::untracked_row::UntrackedRow;
use crate::connection::Connection;
use crate::loader::Loader;

/// The section.
#[component]
pub fn UntrackedFiles() -> impl IntoView {
    let connection = expect_context::<Connection>();
    let files = RwSignal::new(Vec::<String>::new());
    let loader = Loader::new();
    let load = move || loader.load(api::untracked(), move |names| files.set(names));
    load();
    connection.on_media(move |event| match event {
        // Catalogued now, here or elsewhere.
        MediaEvent::Added { entry } => files.update(|f| f.retain(|n| *n != entry.file_name)),
        // A removed entry's file is deleted with it: nothing becomes
        // untracked. A reset catalogues every file.
        MediaEvent::Removed { .. } | MediaEvent::Updated { .. } => {}
        MediaEvent::Reload => load(),
    });
    view! {
        <section class="panel" aria-labelledby="untracked-title">
            <div class="section-head">
                <h2 id="untracked-title">"Untracked files"</h2>
                <button
                    type="button"
                    data-testid="refresh-untracked"
                    disabled=loader.loading()
                    on:click=move |_| load()
                >
                    "Refresh"
                </button>
            </div>
            <p class="hint">"Files in the media folder that are not in the catalogue yet."</p>
            <InlineError message=loader.error() lead="Could not list the untracked files"/>
            <ul class="untracked" data-testid="untracked">
                <For each=move || files.get() key=|name| name.clone() let:name>
                    <UntrackedRow name/>
                </For>
            </ul>
            <Show when=move || loader.loaded().get() && files.with(Vec::is_empty)>
                <p class="empty" data-testid="no-untracked">"Every file is catalogued."</p>
            </Show>
        </section>
    }
}

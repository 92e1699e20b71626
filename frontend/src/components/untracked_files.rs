//! "Untracked files": media files in the folder that are not in the
//! catalogue (`GET /api/media/untracked`), each with an Add button. The
//! list follows catalogue changes; Refresh picks up files copied into the
//! folder since.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::MediaEvent;

use crate::api;
use crate::components::untracked_row::UntrackedRow;
use crate::connection::Connection;

/// The section.
#[component]
pub fn UntrackedFiles() -> impl IntoView {
    let connection = expect_context::<Connection>();
    let files = RwSignal::new(Vec::<String>::new());
    let loaded = RwSignal::new(false);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let generation = StoredValue::new(0u64);
    let load = move || {
        generation.update_value(|g| *g += 1);
        let current = generation.get_value();
        loading.set(true);
        spawn_local(async move {
            let result = api::untracked().await;
            if generation.try_get_value() != Some(current) {
                return;
            }
            match result {
                Ok(names) => {
                    files.set(names);
                    error.set(None);
                }
                Err(err) => error.set(Some(err.message)),
            }
            loading.set(false);
            loaded.set(true);
        });
    };
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
                    disabled=move || loading.get()
                    on:click=move |_| load()
                >
                    "Refresh"
                </button>
            </div>
            <p class="hint">"Files in the media folder that are not in the catalogue yet."</p>
            {move || {
                error
                    .get()
                    .map(|error| {
                        view! {
                            <p class="inline-error" role="alert">
                                {format!("Could not list the untracked files: {error}")}
                            </p>
                        }
                    })
            }}
            <ul class="untracked" data-testid="untracked">
                <For each=move || files.get() key=|name| name.clone() let:name>
                    <UntrackedRow name/>
                </For>
            </ul>
            <Show when=move || loaded.get() && files.with(Vec::is_empty)>
                <p class="empty" data-testid="no-untracked">"Every file is catalogued."</p>
            </Show>
        </section>
    }
}

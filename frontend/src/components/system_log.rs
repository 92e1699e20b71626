//! The system log tab: what the server's configured command prints (the
//! kernel log by default), read when the tab opens and on Refresh, with
//! the command named; its failure is said in its place.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::operations::SystemLog;

use crate::api;

/// The system log and its Refresh button.
#[component]
pub fn SystemLogView() -> impl IntoView {
    let log = RwSignal::new(None::<SystemLog>);
    let error = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    let load = move || {
        if loading.get_untracked() {
            return;
        }
        loading.set(true);
        spawn_local(async move {
            let result = api::system_log().await;
            match result {
                Ok(text) => {
                    log.try_set(Some(text));
                    error.try_set(None);
                }
                Err(err) => _ = error.try_set(Some(err.message)),
            }
            loading.try_set(false);
        });
    };
    load();
    view! {
        <div class="log-toolbar">
            <span class="meta" data-testid="system-log-command">
                {move || log.with(|l| l.as_ref().map(|l| format!("$ {}", l.command)))}
            </span>
            <button
                type="button"
                data-testid="system-log-refresh"
                disabled=move || loading.get()
                on:click=move |_| load()
            >
                {move || if loading.get() { "Reading…" } else { "Refresh" }}
            </button>
        </div>
        {move || {
            error
                .get()
                .map(|error| {
                    view! {
                        <p class="inline-error" role="alert" data-testid="system-log-error">
                            {format!("Could not read the system log: {error}")}
                        </p>
                    }
                })
        }}
        <pre class="log-lines system-log" data-testid="system-log" tabindex="0">
            {move || log.with(|l| l.as_ref().map(|l| l.text.clone()))}
        </pre>
    }
}

//! The system log tab: what the server's configured command prints (the
//! kernel log by default), read when the tab opens and on Refresh, with
//! the command named; its failure is said in its place.

use leptos::prelude::*;
use shared::operations::SystemLog;

use crate::api;
use crate::components::inline_error::InlineError;
use crate::loader::Loader;

/// The system log and its Refresh button.
#[component]
pub fn SystemLogView() -> impl IntoView {
    let log = RwSignal::new(None::<SystemLog>);
    let loader = Loader::new();
    let loading = loader.loading();
    let load = move || loader.load(api::system_log(), move |text| log.set(Some(text)));
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
        <InlineError
            message=loader.error()
            lead="Could not read the system log"
            testid="system-log-error"
        />
        <pre class="log-lines system-log" data-testid="system-log" tabindex="0">
            {move || log.with(|l| l.as_ref().map(|l| l.text.clone()))}
        </pre>
    }
}

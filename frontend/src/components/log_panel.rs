//! The System page's log panel: two tabs, the server's own log (live,
//! [`ServerLog`]) and the machine's system log ([`SystemLogView`], read
//! on demand). Only the tab on show is mounted, so the live stream is open
//! only while its tab is.

use leptos::prelude::*;

use crate::components::server_log::ServerLog;
use crate::components::system_log::SystemLogView;

/// The tabs and the log on show.
#[component]
pub fn LogPanel() -> impl IntoView {
    let system = RwSignal::new(false);
    let tab =
        move |is_system: bool, label: &'static str, testid: &'static str, panel: &'static str| {
            view! {
                <button
                    type="button"
                    role="tab"
                    id=format!("{panel}-tab")
                    aria-controls=panel
                    aria-selected=move || (system.get() == is_system).to_string()
                    data-testid=testid
                    on:click=move |_| system.set(is_system)
                >
                    {label}
                </button>
            }
        };
    view! {
        <section class="panel log-panel" aria-labelledby="log-title" data-testid="log-panel">
            <div class="section-head">
                <h2 id="log-title">"Logs"</h2>
                <div class="tabs" role="tablist" aria-label="Which log">
                    {tab(false, "Server", "log-tab-server", "server-log")}
                    {tab(true, "System", "log-tab-system", "system-log")}
                </div>
            </div>
            <Show
                when=move || system.get()
                fallback=|| {
                    view! {
                        <div id="server-log" role="tabpanel" aria-labelledby="server-log-tab">
                            <ServerLog/>
                        </div>
                    }
                }
            >
                <div id="system-log" role="tabpanel" aria-labelledby="system-log-tab">
                    <SystemLogView/>
                </div>
            </Show>
        </section>
    }
}

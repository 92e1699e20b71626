//! The audit trail on the System page: operator actions, newest first
//! (`GET /api/audit`), as a table ([`AuditRow`]), filtered by action and
//! by result. It is read again when a filter changes, on Refresh, after
//! every action answered on this page (`changes`), and when the link to
//! the server comes back.

use leptos::prelude::*;
use shared::Command;
use shared::commands::Role;
use shared::operations::{AuditEntry, AuditQuery};

use crate::api;
use crate::components::audit_row::AuditRow;
use crate::components::inline_error::InlineError;
use crate::connection::{Connection, LinkStatus};
use crate::format;
use crate::loader::Loader;

/// Rows read at a time.
const LIMIT: u64 = 200;

/// The filter, the table and Refresh.
#[component]
pub fn AuditPanel(
    /// Changes whenever an action on this page was answered.
    #[prop(into)]
    changes: Signal<u64>,
) -> impl IntoView {
    let status = expect_context::<Connection>().status();
    let rows = RwSignal::new(Vec::<AuditEntry>::new());
    let loader = Loader::new();
    let action = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<bool>);
    let load = move || {
        let query = AuditQuery {
            action: Some(action.get_untracked()).filter(|a| !a.is_empty()),
            ok: outcome.get_untracked(),
            limit: Some(LIMIT),
            ..AuditQuery::default()
        };
        loader.load(async move { api::audit(&query).await }, move |entries| {
            rows.set(entries)
        });
    };
    // Read at first, and again on a new filter or a new answer.
    Effect::new(move |_| {
        action.track();
        outcome.track();
        changes.track();
        load();
    });
    // Read again when the link comes back (the server may have restarted).
    Effect::new(move |was: Option<LinkStatus>| {
        let now = status.get();
        if now == LinkStatus::Live && was.is_some_and(|was| was != LinkStatus::Live) {
            load();
        }
        now
    });
    let actions = Command::examples()
        .into_iter()
        .filter(|c| c.role() == Role::Operator && !matches!(c, Command::Action { .. }))
        .map(|c| c.name().to_owned())
        .collect::<Vec<_>>();
    let on_action = move |ev: leptos::ev::Event| action.set(event_target_value(&ev));
    let on_outcome = move |ev: leptos::ev::Event| {
        outcome.set(match event_target_value(&ev).as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        })
    };
    view! {
        <section class="panel" aria-labelledby="audit-title" data-testid="audit-panel">
            <div class="section-head">
                <h2 id="audit-title">"Audit trail"</h2>
                <span class="meta" data-testid="audit-count">
                    {move || format::count(rows.with(Vec::len), "action", "actions")}
                </span>
            </div>
            <div class="log-toolbar">
                <label class="log-filter">
                    <span>"Action"</span>
                    <select data-testid="audit-action-filter" on:change=on_action>
                        <option value="" prop:selected=move || action.with(String::is_empty)>
                            "All actions"
                        </option>
                        {actions
                            .into_iter()
                            .map(|name| {
                                let shown = name.clone();
                                let value = name.clone();
                                view! {
                                    <option
                                        value=value
                                        prop:selected=move || action.with(|a| *a == name)
                                    >
                                        {shown}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                <label class="log-filter">
                    <span>"Result"</span>
                    <select data-testid="audit-result-filter" on:change=on_outcome>
                        <option value="" prop:selected=move || outcome.get().is_none()>
                            "Any"
                        </option>
                        <option value="true" prop:selected=move || outcome.get() == Some(true)>
                            "OK"
                        </option>
                        <option value="false" prop:selected=move || outcome.get() == Some(false)>
                            "Failed"
                        </option>
                    </select>
                </label>
                <button
                    type="button"
                    data-testid="audit-refresh"
                    disabled=loader.loading()
                    on:click=move |_| load()
                >
                    "Refresh"
                </button>
            </div>
            <InlineError
                message=loader.error()
                lead="Could not read the audit trail"
                testid="audit-error"
            />
            <div class="table-scroll">
                <table class="db-table audit-table" data-testid="audit-table">
                    <thead>
                        <tr>
                            <th scope="col">"Time"</th>
                            <th scope="col">"Who"</th>
                            <th scope="col">"Address"</th>
                            <th scope="col">"Action"</th>
                            <th scope="col">"Arguments"</th>
                            <th scope="col">"Result"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=move || rows.get() key=|entry| entry.id let:entry>
                            <AuditRow entry/>
                        </For>
                    </tbody>
                </table>
            </div>
            <Show when=move || loader.loaded().get() && rows.with(Vec::is_empty)>
                <p class="empty" data-testid="audit-empty">"No operator actions match."</p>
            </Show>
        </section>
    }
}

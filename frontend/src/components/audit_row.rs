//! One operator action in the audit table: when (local time), who, from
//! where, what with which arguments, and whether it worked with what came
//! of it.

use leptos::prelude::*;
use shared::operations::AuditEntry;

use crate::format;

/// The row.
#[component]
pub fn AuditRow(
    /// What to show.
    entry: AuditEntry,
) -> impl IntoView {
    let result = if entry.ok { "ok" } else { "failed" };
    let action = entry.action.clone();
    view! {
        <tr data-testid="audit-row" data-action=action data-ok=entry.ok.to_string()>
            <td class="audit-time">
                <time>{format::date_time(entry.at_ms)}</time>
            </td>
            <td data-testid="audit-who">{entry.who}</td>
            <td class="audit-address">{entry.address.unwrap_or_else(|| String::from("—"))}</td>
            <td data-testid="audit-action">{entry.action}</td>
            <td class="audit-args" data-testid="audit-args">
                {format::arguments(&entry.arguments)}
            </td>
            <td class="audit-result" data-testid="audit-result">
                <span class="state" data-state=result>{result}</span>
                {(!entry.detail.is_empty())
                    .then(|| view! { <span class="audit-detail">{entry.detail}</span> })}
            </td>
        </tr>
    }
}

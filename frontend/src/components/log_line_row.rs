//! One line of the server's log in the log panel: local time, level,
//! where it came from and the message.

use leptos::prelude::*;
use shared::operations::LogLine;

use crate::format;

/// The line.
#[component]
pub fn LogLineRow(
    /// What to show.
    line: LogLine,
) -> impl IntoView {
    let level = line.level.as_str();
    view! {
        <li class="log-line" data-testid="log-line" data-level=level>
            <time class="log-time">{format::clock(line.at_ms)}</time>
            " "
            <span class="log-level">{level.to_ascii_uppercase()}</span>
            " "
            <span class="log-target">{line.target}</span>
            " "
            <span class="log-message">{line.message}</span>
        </li>
    }
}

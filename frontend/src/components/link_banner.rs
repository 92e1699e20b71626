//! "Connection lost": a banner under the top bar on every page while the
//! link to the server is down after having been up, with the seconds until
//! the next attempt, so nobody mistakes a frozen picture or heart rate for
//! a live one. [`retry_countdown`] is shared with the
//! [rig-unreachable page](crate::components::rig_unreachable).

use std::time::Duration;

use leptos::prelude::*;

use crate::connection::{Connection, LinkStatus};

/// How often the countdown is recomputed.
const TICK: Duration = Duration::from_millis(250);

/// Whole seconds until the connection's next attempt (rounded up), while
/// one is scheduled; ticks while mounted.
pub fn retry_countdown(connection: Connection) -> Signal<Option<u64>> {
    let now = RwSignal::new(now_ms());
    if let Ok(handle) = set_interval_with_handle(move || now.set(now_ms()), TICK) {
        on_cleanup(move || handle.clear());
    }
    let retry_at = connection.retry_at();
    Signal::derive(move || {
        retry_at
            .get()
            .map(|at| ((at - now.get()).max(0.0) / 1000.0).ceil() as u64)
    })
}

/// The banner, while the link is down after having been up.
#[component]
pub fn LinkBanner() -> impl IntoView {
    let connection = expect_context::<Connection>();
    let status = connection.status();
    let opened = connection.opened();
    let down = move || opened.get() > 0 && status.get() != LinkStatus::Live;
    view! {
        <Show when=down>
            <LinkDown connection/>
        </Show>
    }
}

/// The banner's text (mounted only while the link is down, so the
/// countdown ticks only then).
#[component]
fn LinkDown(connection: Connection) -> impl IntoView {
    let countdown = retry_countdown(connection);
    let text = move || match countdown.get() {
        Some(0) | None => "Connection to the rig lost · reconnecting…".to_owned(),
        Some(s) => format!("Connection to the rig lost · retrying in {s} s"),
    };
    view! {
        <p class="link-banner" role="status" data-testid="link-banner">
            {text}
        </p>
    }
}

/// Milliseconds on the page's monotonic clock.
fn now_ms() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

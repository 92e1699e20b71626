//! "Connection lost": a banner under the top bar on every page while the
//! link to the server has been down for a second after having been up,
//! with the seconds until the next attempt, so nobody mistakes a frozen
//! picture or heart rate for a live one. [`retry_countdown`] is shared with the
//! [rig-unreachable page](crate::components::rig_unreachable).

use std::time::Duration;

use leptos::prelude::*;

use crate::clock::now_ms;
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

/// How long the link must be down before the banner shows: a login or
/// logout reconnects on purpose, in a blink.
const GRACE: Duration = Duration::from_secs(1);

/// The banner, while the link has been down for [`GRACE`] after having
/// been up.
#[component]
pub fn LinkBanner() -> impl IntoView {
    let connection = expect_context::<Connection>();
    let status = connection.status();
    let opened = connection.opened();
    let down = Memo::new(move |_| opened.get() > 0 && status.get() != LinkStatus::Live);
    let shown = RwSignal::new(false);
    Effect::new(move |_| {
        if down.get() {
            set_timeout(
                move || {
                    // Still down (and the banner still there to show it).
                    if let Some(still) = down.try_get_untracked() {
                        let _ = shown.try_set(still);
                    }
                },
                GRACE,
            );
        } else {
            shown.set(false);
        }
    });
    view! {
        <Show when=move || shown.get()>
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

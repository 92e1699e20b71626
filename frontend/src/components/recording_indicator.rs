//! "● REC 01:05 · 1.2 MB" in the status bar while the server records, for
//! every browser (also those that did not start it). The time runs on
//! smoothly between the server's once-a-second updates (see
//! [`RecordingClock`]); the timer ticks only while a recording runs.

use std::time::Duration;

use leptos::prelude::*;

use crate::clock::now_ms;
use crate::connection::{Connection, LinkStatus};
use crate::recording_clock::{self, RecordingClock};

/// How often the shown time is recomputed; well under a second, so the
/// seconds change on time.
const TICK: Duration = Duration::from_millis(250);

/// The indicator, present only while recording.
#[component]
pub fn RecordingIndicator() -> impl IntoView {
    let connection = expect_context::<Connection>();
    let link = connection.status();
    let server = connection.server();
    // Nothing is known about a recording while the link is down.
    let active = Memo::new(move |_| {
        (link.get() == LinkStatus::Live)
            .then(|| server.get().and_then(|s| s.recording.active))
            .flatten()
    });
    let clock = RwSignal::new(None::<RecordingClock>);
    let now = RwSignal::new(now_ms());
    let ticker = StoredValue::new(None::<IntervalHandle>);
    let stop_ticker = move || {
        if let Some(handle) = ticker.try_update_value(Option::take).flatten() {
            handle.clear();
        }
    };
    Effect::new(move |_| match active.get() {
        Some(recording) => {
            let arrived = now_ms();
            now.set(arrived);
            clock.update(|c| {
                *c = Some(RecordingClock::observe(
                    *c,
                    recording.id,
                    recording.elapsed_ms,
                    arrived,
                ))
            });
            if ticker.with_value(Option::is_none) {
                let handle = set_interval_with_handle(move || now.set(now_ms()), TICK).ok();
                ticker.set_value(handle);
            }
        }
        None => {
            stop_ticker();
            clock.set(None);
        }
    });
    on_cleanup(stop_ticker);
    let text = Memo::new(move |_| {
        let bytes = active.with(|a| a.as_ref().map(|a| a.bytes))?;
        let elapsed = clock.get()?.elapsed_ms(now.get());
        Some(recording_clock::indicator(elapsed, bytes))
    });
    let file = move || active.with(|a| a.as_ref().map(|a| a.file_name.clone()));
    view! {
        <Show when=move || text.with(Option::is_some)>
            <span
                class="badge rec"
                data-testid="recording-indicator"
                data-state="recording"
                title=file
            >
                {move || text.get().unwrap_or_default()}
            </span>
        </Show>
    }
}

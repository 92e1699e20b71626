//! The quick bar's Snapshot and Record buttons. A tap takes an unnamed
//! snapshot, or starts (or stops) a recording; a long press (held still
//! for half a second, see [`crate::long_press`]) opens the name dialog
//! instead, with a short vibration where the phone can. Each button shows
//! its own command's state (`data-state`: busy, done, failed) and Record
//! becomes Stop while the server records, started here or anywhere else.
//! Record is disabled, with the reason as its title, when this server
//! cannot record at all.

use leptos::prelude::*;
use web_sys::PointerEvent;

use crate::captures::{CaptureKind, Captures};
use crate::command::SlotState;
use crate::live::gestures::client_xy;
use crate::long_press::{HOLD, LongPress};

/// The Snapshot or the Record button.
#[component]
pub fn CaptureButton(kind: CaptureKind) -> impl IntoView {
    let captures = expect_context::<Captures>();
    let slot = match kind {
        CaptureKind::Snapshot => captures.photo,
        CaptureKind::Recording => captures.record,
    };
    let state = slot.state();
    let waiting = slot.waiting();
    let recording = Signal::derive(move || {
        kind == CaptureKind::Recording && captures.recording.with(Option::is_some)
    });
    let cannot = move || {
        (kind == CaptureKind::Recording)
            .then(|| captures.cannot_record.get())
            .flatten()
    };
    let press = StoredValue::new(LongPress::default());
    let held = move || {
        // A name is for a new capture, not for stopping one.
        if !recording.get_untracked() {
            captures.naming.set(Some(kind));
            vibrate();
        }
    };
    let down = move |ev: PointerEvent| {
        let at = client_xy(&ev);
        if let Some(serial) = press.try_update_value(|p| p.down(at.0, at.1)) {
            set_timeout(
                move || {
                    if press.try_update_value(|p| p.held(serial)) == Some(true) {
                        held();
                    }
                },
                HOLD,
            );
        }
    };
    let (testid, icon) = match kind {
        CaptureKind::Snapshot => ("snapshot", "◎"),
        CaptureKind::Recording => ("record", "●"),
    };
    let label = move || match (kind, recording.get()) {
        (CaptureKind::Snapshot, _) => "Snapshot",
        (CaptureKind::Recording, false) => "Record",
        (CaptureKind::Recording, true) => "Stop",
    };
    view! {
        <button
            type="button"
            class="quick"
            class:record=kind == CaptureKind::Recording
            class:recording=move || recording.get()
            data-testid=testid
            data-state=move || state.get().as_str()
            aria-busy=move || (state.get() == SlotState::Busy).to_string()
            aria-label=move || match (kind, recording.get()) {
                (CaptureKind::Snapshot, _) => "Snapshot (hold to name it)",
                (CaptureKind::Recording, false) => "Record (hold to name it)",
                (CaptureKind::Recording, true) => "Stop recording",
            }
            disabled=move || {
                kind == CaptureKind::Recording && (waiting.get() || cannot().is_some())
            }
            title=cannot
            on:pointerdown=down
            on:pointermove=move |ev: PointerEvent| {
                let (x, y) = client_xy(&ev);
                press.update_value(|p| p.moved(x, y))
            }
            on:pointerup=move |_| press.update_value(LongPress::up)
            on:pointercancel=move |_| press.update_value(LongPress::up)
            on:pointerleave=move |_| press.update_value(LongPress::up)
            on:contextmenu=move |ev| ev.prevent_default()
            on:click=move |_| {
                if press.try_update_value(LongPress::swallow_click) == Some(true) {
                    return;
                }
                match kind {
                    CaptureKind::Snapshot => captures.snapshot(""),
                    CaptureKind::Recording => captures.record(""),
                }
            }
        >
            <span class="quick-icon" aria-hidden="true">
                {move || if recording.get() { "■" } else { icon }}
            </span>
            <span class="quick-label">{label}</span>
        </button>
    }
}

/// A short buzz where the phone can (a long press was recognised).
fn vibrate() {
    let _ = window().navigator().vibrate_with_duration(10);
}

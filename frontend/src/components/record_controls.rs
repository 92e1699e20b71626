//! Recording on the live page: a name field and a Record button that
//! becomes Stop while the server records (started here or in any other
//! browser), and the reason the last recording ended early, if it did. The
//! running time is shown by the [recording
//! indicator](crate::components::recording_indicator) in the status bar.
//! After a click the button waits for the server's answer (the recorder
//! state changes, or an error comes), so a double tap cannot start twice.
//! When the server cannot record at all (an encoder it needs is not
//! installed), the button is disabled and the reason is shown under it.

use std::time::Duration;

use leptos::prelude::*;
use shared::Feature;

use crate::actions;
use crate::components::name_form::NameForm;
use crate::connection::Connection;

/// How long the button waits at most for the server's answer.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(5);

/// The recording form and the recorder's error.
#[component]
pub fn RecordControls() -> impl IntoView {
    let connection = expect_context::<Connection>();
    let recorder = Memo::new(move |_| {
        connection
            .server()
            .get()
            .map(|s| s.recording)
            .unwrap_or_default()
    });
    // Only the file name: the elapsed time changes every second.
    let file =
        Memo::new(move |_| recorder.with(|r| r.active.as_ref().map(|a| a.file_name.clone())));
    let recording = Signal::derive(move || file.with(Option::is_some));
    let error =
        Memo::new(move |_| recorder.with(|r| r.error.clone().filter(|_| r.active.is_none())));
    let placeholder = Signal::derive(move || match file.get() {
        Some(name) => format!("Recording {name}"),
        None => "Name (optional)".to_owned(),
    });
    // Why this server cannot record at all, if it cannot.
    let cannot = Memo::new(move |_| {
        connection.server().with(|s| {
            s.as_ref()
                .and_then(|s| s.unavailable_reason(Feature::Recording))
                .map(str::to_owned)
        })
    });
    let waiting = RwSignal::new(false);
    // Any answer ends the wait; a lost answer only holds it for a while.
    Effect::new(move |_| {
        recording.track();
        waiting.set(false);
    });
    Effect::new(move |_| {
        if connection.last_error().with(Option::is_some) {
            waiting.set(false);
        }
    });
    let submit = Callback::new(move |name: String| {
        if waiting.get_untracked() {
            return;
        }
        waiting.set(true);
        set_timeout(
            move || {
                waiting.try_set(false);
            },
            ANSWER_TIMEOUT,
        );
        if recording.get_untracked() {
            connection.action(actions::RECORD_STOP, serde_json::json!({}));
        } else {
            connection.action(actions::RECORD_START, actions::named(&name));
        }
    });
    view! {
        <div class="controls recorder">
            <NameForm
                input_testid="record-name"
                label="Recording name"
                placeholder
                locked=recording
                on_submit=submit
            >
                <button
                    type="submit"
                    data-testid="record"
                    class="record"
                    class:recording=move || recording.get()
                    disabled=move || waiting.get() || cannot.with(Option::is_some)
                    title=move || cannot.get()
                >
                    {move || if recording.get() { "Stop" } else { "Record" }}
                </button>
            </NameForm>
            {move || {
                cannot
                    .get()
                    .map(|why| {
                        view! {
                            <p class="inline-error" data-testid="recording-unavailable">
                                {format!("Recording is not available: {why}")}
                            </p>
                        }
                    })
            }}
            {move || {
                error
                    .get()
                    .map(|why| {
                        view! {
                            <p class="inline-error" data-testid="recording-error" role="alert">
                                {format!("Recording ended early: {why}")}
                            </p>
                        }
                    })
            }}
        </div>
    }
}

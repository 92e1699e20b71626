//! Recording on the live page: a name field and a Record button that
//! becomes Stop while the server records (started here or in any other
//! browser), and the reason the last recording ended early, if it did. The
//! running time is shown by the [recording
//! indicator](crate::components::recording_indicator) in the status bar.
//! After a click the button waits for the server's answer to that click
//! (or the command deadline), so a double tap cannot start twice; a
//! refusal shows under the button.
//! When the server cannot record at all (an encoder it needs is not
//! installed), the button is disabled and the reason is shown under it.

use leptos::prelude::*;
use shared::{Command, Feature};

use crate::actions;
use crate::command::CommandSlot;
use crate::components::control_error::ControlError;
use crate::components::inline_error::InlineError;
use crate::components::name_form::NameForm;
use crate::connection::Connection;

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
    let slot = CommandSlot::new();
    let waiting = slot.waiting();
    let submit = Callback::new(move |name: String| {
        if waiting.get_untracked() {
            return;
        }
        if recording.get_untracked() {
            slot.send_and_report(Command::RecordStop, |r| actions::capture_summary(false, r));
        } else {
            slot.send_and_report(actions::record_start(&name), |r| {
                actions::capture_summary(true, r)
            });
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
            <ControlError commands=slot testid="record-refused"/>
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
            <InlineError message=error lead="Recording ended early" testid="recording-error"/>
        </div>
    }
}

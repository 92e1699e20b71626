//! The quick bar: the live page's most used controls within thumb reach
//! (under the picture on a phone held upright, beside it held sideways,
//! under it on a desktop). Operators get Snapshot, Record, the light
//! switch (with a device) and the focus steps (with a driven lens);
//! everyone gets More, which opens the control sheet (not shown on a
//! desktop, where the sheet is always open). A failure of one of the
//! bar's controls is said just above the bar, naming the control.

use leptos::prelude::*;

use crate::captures::{CaptureKind, Captures};
use crate::components::capture_button::CaptureButton;
use crate::components::control_error::ControlError;
use crate::components::device_panels::RigDevice;
use crate::components::focus_stepper::FocusStepper;
use crate::components::inline_error::InlineError;
use crate::components::light_button::LightButton;
use crate::components::name_dialog::NameDialog;
use crate::components::operator_only::OperatorOnly;
use crate::live::commands::LiveCommands;
use crate::live::screen::LiveScreen;

/// The bar.
#[component]
pub fn QuickBar() -> impl IntoView {
    let screen = expect_context::<LiveScreen>();
    let captures = expect_context::<Captures>();
    let device = expect_context::<RigDevice>();
    // Shared with the keyboard (`l`, `[`, `]`, `a`).
    let commands = expect_context::<LiveCommands>();
    let (light, focus) = (commands.light, commands.focus);
    let sheet = screen.sheet;
    view! {
        // Tabbing into hidden bars shows them again.
        <div class="quick-bar" data-testid="quick-bar" on:focusin=move |_| screen.chrome.set(true)>
            <OperatorOnly>
                <div class="quick-errors">
                    <InlineError message=captures.photo.error() lead="Snapshot" testid="snapshot-error"/>
                    <InlineError message=captures.record.error() lead="Record" testid="record-refused"/>
                    <InlineError
                        message=captures.cannot_record
                        lead="Recording is not available"
                        testid="recording-unavailable"
                    />
                    <InlineError
                        message=captures.record_error
                        lead="Recording ended early"
                        testid="recording-error"
                    />
                    <InlineError message=light.error() lead="Light" testid="light-power-error"/>
                    <ControlError commands=focus testid="focus-step-error"/>
                </div>
            </OperatorOnly>
            <div class="quick-buttons" role="toolbar" aria-label="Quick controls">
                <OperatorOnly>
                    <CaptureButton kind=CaptureKind::Snapshot/>
                    <CaptureButton kind=CaptureKind::Recording/>
                    <Show when=move || device.present()>
                        <LightButton/>
                    </Show>
                    <FocusStepper/>
                </OperatorOnly>
                <button
                    type="button"
                    class="quick sheet-toggle"
                    data-testid="more"
                    aria-controls="control-sheet"
                    aria-expanded=move || sheet.get().to_string()
                    on:click=move |_| sheet.update(|open| *open = !*open)
                >
                    <span class="quick-icon" aria-hidden="true">"☰"</span>
                    <span class="quick-label">"More"</span>
                </button>
            </div>
            <OperatorOnly>
                <NameDialog/>
            </OperatorOnly>
        </div>
    }
}

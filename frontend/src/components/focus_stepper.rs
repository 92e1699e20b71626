//! The quick bar's focus steps: − and + move the lens by one step
//! ([`FOCUS_STEP`]); between them the word Focus, or AF while autofocus is
//! on, when the steps are disabled. Shown only for a camera whose focus
//! can be driven. The sheet has the slider and the Autofocus switch. The
//! steps go through [`LiveCommands`], as `[` and `]` do.

use leptos::prelude::*;

use crate::actions::FOCUS_STEP;
use crate::connection::Connection;
use crate::live::commands::LiveCommands;

/// The steps.
#[component]
pub fn FocusStepper() -> impl IntoView {
    let live = expect_context::<LiveCommands>();
    let commands = live.focus;
    let connection = expect_context::<Connection>();
    let focus = Memo::new(move |_| connection.server().get().and_then(|s| s.camera.focus));
    let auto = Memo::new(move |_| focus.with(|f| f.as_ref().and_then(|f| f.auto) == Some(true)));
    let state = commands.state();
    let step = move |symbol: &'static str, testid: &'static str, name: &'static str, delta: f64| {
        view! {
            <button
                type="button"
                class="quick step"
                data-testid=testid
                aria-label=name
                disabled=move || auto.get()
                on:click=move |_| live.focus_step(delta)
            >
                {symbol}
            </button>
        }
    };
    view! {
        <Show when=move || focus.with(Option::is_some)>
            <div
                class="focus-stepper"
                role="group"
                aria-label="Focus"
                data-state=move || state.get().as_str()
            >
                {step("−", "focus-out", "Focus out", -FOCUS_STEP)}
                <span class="quick-label" aria-hidden="true">
                    {move || if auto.get() { "AF" } else { "Focus" }}
                </span>
                {step("+", "focus-in", "Focus in", FOCUS_STEP)}
            </div>
        </Show>
    }
}

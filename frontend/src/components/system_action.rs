//! One machine-level action of the System page (Reboot, Shut down, Restart
//! camera, Restart server): a [`ConfirmButton`] whose second step names
//! what will happen, the command sent through the connection like every
//! other ([`CommandSlot`]), and the server's answer on the control itself:
//! its message when it worked ("the machine is rebooting", with what the
//! command printed), its refusal when not.

use leptos::prelude::*;
use serde_json::Value;
use shared::Command;

use crate::command::CommandSlot;
use crate::components::confirm_button::ConfirmButton;
use crate::components::control_error::ControlError;

/// What a successful action answered, for people.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    message: String,
    output: String,
}

impl Outcome {
    fn of(result: &Value) -> Outcome {
        let text = |key: &str| {
            result
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .trim()
                .to_owned()
        };
        let message = text("message");
        Outcome {
            message: if message.is_empty() {
                String::from("done")
            } else {
                message
            },
            output: text("output"),
        }
    }
}

/// The action's button, its confirmation and its answer.
#[component]
pub fn SystemAction(
    /// Label of the first button ("Reboot…").
    label: &'static str,
    /// What the confirmation asks.
    question: &'static str,
    /// Label of the button that does it.
    confirm_label: &'static str,
    /// `data-testid` of the first button; the group is `action-{testid}`.
    testid: &'static str,
    /// `data-testid` of the button that does it.
    confirm_testid: &'static str,
    /// What to send.
    command: Command,
    /// One line on what the action does.
    hint: &'static str,
    /// Runs after every answer, good or bad (the audit trail has a new row).
    on_answer: Callback<()>,
) -> impl IntoView {
    let slot = CommandSlot::new();
    let outcome = RwSignal::new(None::<Outcome>);
    let failures = slot.failures();
    Effect::new(move |seen: Option<u64>| {
        let now = failures.get();
        if seen.is_some_and(|seen| seen != now) {
            on_answer.run(());
        }
        now
    });
    let run = Callback::new(move |()| {
        outcome.set(None);
        slot.send(command.clone(), move |result| {
            outcome.try_set(Some(Outcome::of(&result)));
            on_answer.run(());
        });
    });
    view! {
        <div
            class="system-action"
            role="group"
            aria-label=label
            data-testid=format!("action-{testid}")
        >
            <div class="system-action-head">
                <ConfirmButton
                    label
                    confirm_label
                    question
                    testid
                    confirm_testid
                    busy=slot.waiting()
                    on_confirm=run
                />
            </div>
            <p class="hint">{hint}</p>
            {move || {
                outcome
                    .get()
                    .map(|outcome| {
                        view! {
                            <p class="action-result" role="status" data-testid="action-result">
                                {outcome.message}
                            </p>
                            {(!outcome.output.is_empty())
                                .then(|| {
                                    view! {
                                        <pre class="action-output" data-testid="action-output">
                                            {outcome.output}
                                        </pre>
                                    }
                                })}
                        }
                    })
            }}
            <ControlError commands=slot testid="action-error"/>
        </div>
    }
}

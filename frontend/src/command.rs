//! One control's commands and their answers. A [`CommandSlot`] belongs to
//! one control (the Record button, the light panel, a camera control's
//! row): it sends through [`Connection::request`], which matches the
//! server's reply by request id, and keeps that control's last failure and
//! whether an answer is awaited. A failure shows on its own control only
//! ([`ControlError`](crate::components::control_error::ControlError)), and
//! every command gets an answer: the server's, or a clear failure when the
//! link is down, drops, or no answer comes within the deadline.
//! [`CommandSlot::state`] gives the control its own feedback: busy while
//! an answer is awaited, done for a moment after a success, failed until
//! the next command.

use leptos::prelude::*;
use serde_json::Value;
use shared::Command;

use crate::connection::Connection;
use crate::notice::Notices;

/// How long a control shows that its command succeeded.
const DONE_VISIBLE: std::time::Duration = std::time::Duration::from_millis(1500);

/// What a control shows about its last command (its `data-state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotState {
    /// Nothing sent, or the last success was a while ago.
    Idle,
    /// An answer is awaited.
    Busy,
    /// The last command succeeded just now.
    Done,
    /// The last command failed (the error says why).
    Failed,
}

impl SlotState {
    /// The name used in `data-state`.
    pub fn as_str(self) -> &'static str {
        match self {
            SlotState::Idle => "idle",
            SlotState::Busy => "busy",
            SlotState::Done => "done",
            SlotState::Failed => "failed",
        }
    }
}

/// A control's command state; `Copy`.
#[derive(Clone, Copy)]
pub struct CommandSlot {
    connection: Connection,
    notices: Notices,
    error: RwSignal<Option<String>>,
    waiting: RwSignal<bool>,
    failures: RwSignal<u64>,
    /// Counts successes; `done` is the count whose success is on show.
    successes: RwSignal<u64>,
    done: RwSignal<Option<u64>>,
}

impl CommandSlot {
    /// A slot with no command sent yet; call it in a component, where the
    /// connection and the message bar are in context.
    pub fn new() -> Self {
        CommandSlot {
            connection: expect_context::<Connection>(),
            notices: expect_context::<Notices>(),
            error: RwSignal::new(None),
            waiting: RwSignal::new(false),
            failures: RwSignal::new(0),
            successes: RwSignal::new(0),
            done: RwSignal::new(None),
        }
    }

    /// Sends `command`; `on_ok` runs with the result if it succeeds, and a
    /// failure becomes this slot's error. A new command clears the old
    /// error.
    pub fn send(&self, command: Command, on_ok: impl FnOnce(Value) + 'static) {
        let connection = self.connection;
        let slot = *self;
        slot.error.set(None);
        slot.done.set(None);
        slot.waiting.set(true);
        connection.request(command, move |answer| {
            slot.waiting.try_set(false);
            match answer {
                Ok(result) => {
                    slot.show_done();
                    on_ok(result)
                }
                Err(message) => {
                    slot.error.try_set(Some(message));
                    slot.failures.try_update(|n| *n += 1);
                }
            }
        });
    }

    /// Marks the latest success as on show, until [`DONE_VISIBLE`] has
    /// passed or another command is sent.
    fn show_done(&self) {
        let Some(serial) = self.successes.try_update(|n| {
            *n += 1;
            *n
        }) else {
            return;
        };
        self.done.try_set(Some(serial));
        let done = self.done;
        set_timeout(
            move || {
                if done.try_get_untracked().flatten() == Some(serial) {
                    done.try_set(None);
                }
            },
            DONE_VISIBLE,
        );
    }

    /// What the control shows about its last command.
    pub fn state(&self) -> Signal<SlotState> {
        let slot = *self;
        Signal::derive(move || {
            if slot.waiting.get() {
                SlotState::Busy
            } else if slot.error.with(Option::is_some) {
                SlotState::Failed
            } else if slot.done.with(Option::is_some) {
                SlotState::Done
            } else {
                SlotState::Idle
            }
        })
    }

    /// Sends `command` and, on success, says `summary(result)` in the
    /// message bar (when it says anything).
    pub fn send_and_report(&self, command: Command, summary: fn(&Value) -> Option<String>) {
        let notices = self.notices;
        self.send(command, move |result| {
            if let Some(text) = summary(&result) {
                notices.ok(text);
            }
        });
    }

    /// This control's last failure.
    pub fn error(&self) -> Signal<Option<String>> {
        self.error.into()
    }

    /// Whether an answer is awaited.
    pub fn waiting(&self) -> Signal<bool> {
        self.waiting.into()
    }

    /// Counts failures, so a widget can put back the server's value after
    /// one (a slider dragged to a value the server refused).
    pub fn failures(&self) -> Signal<u64> {
        self.failures.into()
    }
}

impl Default for CommandSlot {
    fn default() -> Self {
        Self::new()
    }
}

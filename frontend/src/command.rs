//! One control's commands and their answers. A [`CommandSlot`] belongs to
//! one control (the Record button, the light panel, a camera control's
//! row): it sends through [`Connection::request`], which matches the
//! server's reply by request id, and keeps that control's last failure and
//! whether an answer is awaited. A failure shows on its own control only
//! ([`ControlError`](crate::components::control_error::ControlError)), and
//! every command gets an answer: the server's, or a clear failure when the
//! link is down, drops, or no answer comes within the deadline.

use leptos::prelude::*;
use serde_json::Value;
use shared::Command;

use crate::connection::Connection;
use crate::notice::Notices;

/// A control's command state; `Copy`.
#[derive(Clone, Copy)]
pub struct CommandSlot {
    connection: Connection,
    notices: Notices,
    error: RwSignal<Option<String>>,
    waiting: RwSignal<bool>,
    failures: RwSignal<u64>,
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
        }
    }

    /// Sends `command`; `on_ok` runs with the result if it succeeds, and a
    /// failure becomes this slot's error. A new command clears the old
    /// error.
    pub fn send(&self, command: Command, on_ok: impl FnOnce(Value) + 'static) {
        let connection = self.connection;
        let slot = *self;
        slot.error.set(None);
        slot.waiting.set(true);
        connection.request(command, move |answer| {
            slot.waiting.try_set(false);
            match answer {
                Ok(result) => on_ok(result),
                Err(message) => {
                    slot.error.try_set(Some(message));
                    slot.failures.try_update(|n| *n += 1);
                }
            }
        });
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

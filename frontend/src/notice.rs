//! The result of the user's last action ("Added clip.mp4", or the server's
//! error message), shown by the message bar on every page. Successes fade
//! after a while; errors stay until replaced or dismissed, so no failure
//! goes unseen.

use std::time::Duration;

use leptos::prelude::*;

use crate::generation::Generation;

/// How long a success message stays.
const OK_VISIBLE: Duration = Duration::from_secs(10);

/// One message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// What to show.
    pub text: String,
    /// Whether it reports a failure.
    pub error: bool,
}

/// Handle to the current message; `Copy`, provided once as context.
#[derive(Clone, Copy)]
pub struct Notices {
    current: RwSignal<Option<Notice>>,
    /// Counts messages, so a timer only clears the one it was set for.
    serial: Generation,
}

impl Default for Notices {
    /// No message yet.
    fn default() -> Self {
        Notices {
            current: RwSignal::new(None),
            serial: Generation::new(),
        }
    }
}

impl Notices {
    /// The message on show.
    pub fn current(&self) -> Signal<Option<Notice>> {
        self.current.into()
    }

    /// Shows a success, for a while.
    pub fn ok(&self, text: impl Into<String>) {
        let serial = self.show(text.into(), false);
        let this = *self;
        set_timeout(
            move || {
                if this.serial.is_current(serial) {
                    this.current.set(None);
                }
            },
            OK_VISIBLE,
        );
    }

    /// Shows a failure until it is replaced or dismissed.
    pub fn error(&self, text: impl Into<String>) {
        self.show(text.into(), true);
    }

    /// Hides the message.
    pub fn dismiss(&self) {
        self.serial.next();
        self.current.set(None);
    }

    fn show(&self, text: String, error: bool) -> u64 {
        let serial = self.serial.next();
        self.current.set(Some(Notice { text, error }));
        serial
    }
}

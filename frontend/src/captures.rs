//! Snapshots and recordings from the live page, shared by everything that
//! starts them: the quick bar's Snapshot and Record buttons (a tap), their
//! long press and the sheet's "Name…" buttons (through the
//! [`NameDialog`](crate::components::name_dialog::NameDialog)). One
//! [`CommandSlot`] each, so every way of asking shows the same busy, done
//! and failed state, and a double tap cannot start a recording twice.
//! Provided as context by the live page for operators.

use leptos::prelude::*;
use shared::{Command, Feature};

use crate::actions;
use crate::command::CommandSlot;
use crate::connection::Connection;

/// What a name is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaptureKind {
    /// A photo.
    Snapshot,
    /// A recording.
    Recording,
}

/// The live page's captures; `Copy`.
#[derive(Clone, Copy)]
pub struct Captures {
    /// The snapshot's commands.
    pub photo: CommandSlot,
    /// The recording's commands (start and stop).
    pub record: CommandSlot,
    /// The capture a name is being asked for, while the dialog is open.
    pub naming: RwSignal<Option<CaptureKind>>,
    /// The file being recorded, while the server records (any browser's).
    pub recording: Memo<Option<String>>,
    /// Why this server cannot record at all, if it cannot.
    pub cannot_record: Memo<Option<String>>,
    /// Why the last recording ended early, until the next one starts.
    pub record_error: Memo<Option<String>>,
}

impl Captures {
    /// The captures of the server this page is connected to.
    pub fn new() -> Self {
        let connection = expect_context::<Connection>();
        let recorder = Memo::new(move |_| {
            connection
                .server()
                .get()
                .map(|s| s.recording)
                .unwrap_or_default()
        });
        Captures {
            photo: CommandSlot::new(),
            record: CommandSlot::new(),
            naming: RwSignal::new(None),
            // Only the file name: the elapsed time changes every second.
            recording: Memo::new(move |_| {
                recorder.with(|r| r.active.as_ref().map(|a| a.file_name.clone()))
            }),
            cannot_record: Memo::new(move |_| {
                connection.server().with(|s| {
                    s.as_ref()
                        .and_then(|s| s.unavailable_reason(Feature::Recording))
                        .map(str::to_owned)
                })
            }),
            record_error: Memo::new(move |_| {
                recorder.with(|r| r.error.clone().filter(|_| r.active.is_none()))
            }),
        }
    }

    /// Takes a photo named `name` (blank: the capture time).
    pub fn snapshot(&self, name: &str) {
        self.photo.send_and_report(actions::snapshot(name), |r| {
            actions::capture_summary(false, r)
        });
    }

    /// Starts a recording named `name`, or stops the one running; nothing
    /// while the answer to the last click is awaited.
    pub fn record(&self, name: &str) {
        if self.record.waiting().get_untracked() {
            return;
        }
        if self.recording.with_untracked(Option::is_some) {
            self.record
                .send_and_report(Command::RecordStop, |r| actions::capture_summary(false, r));
        } else {
            self.record
                .send_and_report(actions::record_start(name), |r| {
                    actions::capture_summary(true, r)
                });
        }
    }

    /// Runs what the name dialog was opened for, with `name`.
    pub fn named(&self, kind: CaptureKind, name: &str) {
        match kind {
            CaptureKind::Snapshot => self.snapshot(name),
            CaptureKind::Recording => self.record(name),
        }
    }
}

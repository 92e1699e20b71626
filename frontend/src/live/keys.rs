//! What the keyboard shortcuts do on the live page ([`bind`]): each
//! action goes the way its button goes — [`Captures`] for snapshots and
//! recordings (and the name dialog), [`LiveCommands`] for the picture,
//! the light and the focus, [`LiveScreen`] for freezing and the sheet —
//! and is skipped where its button would be disabled; full screen and
//! zoom as the picture's own buttons and gestures do.

use leptos::prelude::*;

use crate::actions::FOCUS_STEP;
use crate::captures::{CaptureKind, Captures};
use crate::components::control_sheet;
use crate::fullscreen;
use crate::keys::Keys;
use crate::live::commands::LiveCommands;
use crate::live::gestures;
use crate::live::screen::LiveScreen;
use crate::shortcuts::Action;
use crate::zoom::Zoom;

/// How much `+` and `-` zoom.
const KEY_ZOOM: f64 = 1.25;

/// Makes the live page answer the shortcuts, until it is left. Needs
/// [`LiveScreen`], [`Captures`] and [`LiveCommands`] in context.
pub fn bind() {
    let keys = expect_context::<Keys>();
    let screen = expect_context::<LiveScreen>();
    let captures = expect_context::<Captures>();
    let commands = expect_context::<LiveCommands>();
    keys.page_does(move |action| match action {
        Action::Snapshot => captures.snapshot(""),
        Action::NamedSnapshot => captures.naming.set(Some(CaptureKind::Snapshot)),
        Action::Record => {
            if captures.cannot_record.with_untracked(Option::is_none) {
                captures.record("");
            }
        }
        Action::NamedRecording => {
            // A name is for a new recording, not for stopping one.
            if captures.recording.with_untracked(Option::is_none)
                && captures.cannot_record.with_untracked(Option::is_none)
            {
                captures.naming.set(Some(CaptureKind::Recording));
            }
        }
        Action::Grayscale => commands.toggle_grayscale(),
        Action::HalfSize => commands.toggle_half_size(),
        Action::Light => commands.toggle_light(),
        Action::FocusOut => commands.focus_step(-FOCUS_STEP),
        Action::FocusIn => commands.focus_step(FOCUS_STEP),
        Action::Autofocus => commands.toggle_autofocus(),
        Action::Freeze => screen.paused.update(|p| *p = !*p),
        Action::Sheet => {
            let open = !screen.sheet.get_untracked();
            screen.sheet.set(open);
            // Focus must not stay in a sheet that is going away.
            if !open && focus_in_sheet() {
                control_sheet::focus_more();
            }
        }
        Action::FullScreen => fullscreen::toggle(screen),
        Action::ZoomIn => gestures::zoom_by(screen, KEY_ZOOM),
        Action::ZoomOut => gestures::zoom_by(screen, 1.0 / KEY_ZOOM),
        Action::ZoomReset => screen.zoom.set(Zoom::default()),
        // The app opens the help itself.
        Action::Help => {}
    });
}

/// Whether focus is inside the control sheet.
fn focus_in_sheet() -> bool {
    document()
        .active_element()
        .and_then(|e| e.closest("#control-sheet").ok().flatten())
        .is_some()
}

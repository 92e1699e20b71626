//! The keyboard shortcuts: one table ([`SHORTCUTS`]) from keys to
//! [`Action`]s, read both by the key handler ([`crate::keys`]) and by the
//! help overlay that lists them, so the two cannot disagree; and the rules
//! for when a key press is not a shortcut at all ([`action`]): typing in
//! a field, a dialog open, Ctrl, Alt or Meta held, Space on a button, or
//! a key held down for an action that should happen once. Pure, tested on
//! the host.

/// What a shortcut does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Take a snapshot.
    Snapshot,
    /// Open the name dialog for a snapshot.
    NamedSnapshot,
    /// Start a recording, or stop the one running.
    Record,
    /// Open the name dialog for a recording.
    NamedRecording,
    /// Grayscale on or off (every viewer's picture).
    Grayscale,
    /// Half size on or off (every viewer's picture).
    HalfSize,
    /// The light on or off.
    Light,
    /// Move the lens one step out.
    FocusOut,
    /// Move the lens one step in.
    FocusIn,
    /// Autofocus on or off.
    Autofocus,
    /// Freeze the picture on this screen, or let it run again.
    Freeze,
    /// Full screen on or off.
    FullScreen,
    /// Zoom into the picture on this screen.
    ZoomIn,
    /// Zoom out.
    ZoomOut,
    /// Back to the whole picture.
    ZoomReset,
    /// Open or close the control sheet.
    Sheet,
    /// Open the help overlay.
    Help,
}

impl Action {
    /// Whether only an operator may do it (it changes the rig, or what
    /// every viewer sees).
    pub fn for_operators(self) -> bool {
        matches!(
            self,
            Action::Snapshot
                | Action::NamedSnapshot
                | Action::Record
                | Action::NamedRecording
                | Action::Grayscale
                | Action::HalfSize
                | Action::Light
                | Action::FocusOut
                | Action::FocusIn
                | Action::Autofocus
        )
    }

    /// Whether holding the key down repeats it (steps), rather than
    /// doing it once (a snapshot, a toggle).
    pub fn repeats(self) -> bool {
        matches!(
            self,
            Action::FocusOut | Action::FocusIn | Action::ZoomIn | Action::ZoomOut
        )
    }
}

/// One line of the table.
#[derive(Debug)]
pub struct Shortcut {
    /// The values of `KeyboardEvent.key` that do it.
    pub keys: &'static [&'static str],
    /// The keys as the help shows them.
    pub shown: &'static str,
    /// What it does.
    pub action: Action,
    /// What it does, in words.
    pub does: &'static str,
}

/// Every shortcut, in the order the help lists them.
pub const SHORTCUTS: &[Shortcut] = &[
    Shortcut {
        keys: &["s"],
        shown: "S",
        action: Action::Snapshot,
        does: "Take a snapshot",
    },
    Shortcut {
        keys: &["S"],
        shown: "Shift+S",
        action: Action::NamedSnapshot,
        does: "Take a named snapshot",
    },
    Shortcut {
        keys: &["r"],
        shown: "R",
        action: Action::Record,
        does: "Start or stop recording",
    },
    Shortcut {
        keys: &["R"],
        shown: "Shift+R",
        action: Action::NamedRecording,
        does: "Start a named recording",
    },
    Shortcut {
        keys: &["g"],
        shown: "G",
        action: Action::Grayscale,
        does: "Grayscale on or off, for everyone",
    },
    Shortcut {
        keys: &["h"],
        shown: "H",
        action: Action::HalfSize,
        does: "Half size on or off, for everyone",
    },
    Shortcut {
        keys: &["l"],
        shown: "L",
        action: Action::Light,
        does: "Light on or off",
    },
    Shortcut {
        keys: &["["],
        shown: "[",
        action: Action::FocusOut,
        does: "Focus out one step",
    },
    Shortcut {
        keys: &["]"],
        shown: "]",
        action: Action::FocusIn,
        does: "Focus in one step",
    },
    Shortcut {
        keys: &["a"],
        shown: "A",
        action: Action::Autofocus,
        does: "Autofocus on or off",
    },
    Shortcut {
        keys: &["p", " "],
        shown: "P or Space",
        action: Action::Freeze,
        does: "Freeze the picture on this screen, or resume",
    },
    Shortcut {
        keys: &["f"],
        shown: "F",
        action: Action::FullScreen,
        does: "Full screen on or off",
    },
    Shortcut {
        keys: &["+", "="],
        shown: "+",
        action: Action::ZoomIn,
        does: "Zoom in, this screen only",
    },
    Shortcut {
        keys: &["-"],
        shown: "−",
        action: Action::ZoomOut,
        does: "Zoom out",
    },
    Shortcut {
        keys: &["0"],
        shown: "0",
        action: Action::ZoomReset,
        does: "Whole picture again",
    },
    Shortcut {
        keys: &["m"],
        shown: "M",
        action: Action::Sheet,
        does: "Open or close the controls",
    },
    Shortcut {
        keys: &["?"],
        shown: "?",
        action: Action::Help,
        does: "This help",
    },
];

/// The action of `key` (a `KeyboardEvent.key`), if it has one.
pub fn action_for(key: &str) -> Option<Action> {
    SHORTCUTS
        .iter()
        .find(|s| s.keys.contains(&key))
        .map(|s| s.action)
}

/// What a key press was aimed at (the focused element).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Something that takes typing or its own keys: an input, a text
    /// area, a select, editable content.
    Field,
    /// Something that Space activates: a button, a link, a summary.
    Button,
    /// Anything else (the page itself, a picture, a heading).
    Other,
}

/// A key press, as far as the shortcuts care.
#[derive(Clone, Copy, Debug)]
pub struct Press<'a> {
    /// `KeyboardEvent.key`.
    pub key: &'a str,
    /// Ctrl, Alt or Meta held (Shift is part of the key: `S`, `?`).
    pub modified: bool,
    /// The key is held down and repeating.
    pub repeat: bool,
    /// What had focus.
    pub target: Target,
    /// A dialog is open (it has its own keys).
    pub dialog_open: bool,
}

/// The shortcut `press` asks for, or `None` when it is no shortcut: an
/// unknown key, a modifier held (the browser's and the system's own
/// shortcuts), typing in a field, a dialog open, Space on a button (which
/// presses it), or a held key repeating an action that should happen
/// once.
pub fn action(press: &Press) -> Option<Action> {
    if press.modified || press.dialog_open || press.target == Target::Field {
        return None;
    }
    if press.key == " " && press.target == Target::Button {
        return None;
    }
    let action = action_for(press.key)?;
    (!press.repeat || action.repeats()).then_some(action)
}

/// What happens when `action` is asked for by a browser that is an
/// operator or not: `true` when it is refused ("Log in to do this").
pub fn refused(action: Action, operator: bool) -> bool {
    action.for_operators() && !operator
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(key: &str) -> Press<'_> {
        Press {
            key,
            modified: false,
            repeat: false,
            target: Target::Other,
            dialog_open: false,
        }
    }

    #[test]
    fn keys_map_to_their_actions() {
        let expected = [
            ("s", Action::Snapshot),
            ("S", Action::NamedSnapshot),
            ("r", Action::Record),
            ("R", Action::NamedRecording),
            ("g", Action::Grayscale),
            ("h", Action::HalfSize),
            ("l", Action::Light),
            ("[", Action::FocusOut),
            ("]", Action::FocusIn),
            ("a", Action::Autofocus),
            ("p", Action::Freeze),
            (" ", Action::Freeze),
            ("f", Action::FullScreen),
            ("+", Action::ZoomIn),
            ("=", Action::ZoomIn),
            ("-", Action::ZoomOut),
            ("0", Action::ZoomReset),
            ("m", Action::Sheet),
            ("?", Action::Help),
        ];
        for (key, action) in expected {
            assert_eq!(action_for(key), Some(action), "key {key:?}");
        }
        assert_eq!(action_for("x"), None);
        assert_eq!(action_for("Enter"), None);
        assert_eq!(action_for("Escape"), None);
    }

    #[test]
    fn each_key_and_action_is_in_the_table_once() {
        let mut keys: Vec<&str> = SHORTCUTS
            .iter()
            .flat_map(|s| s.keys.iter().copied())
            .collect();
        let count = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), count, "a key is in the table twice");
        for (i, s) in SHORTCUTS.iter().enumerate() {
            assert!(
                SHORTCUTS[i + 1..].iter().all(|t| t.action != s.action),
                "{:?} is in the table twice",
                s.action
            );
            assert!(!s.keys.is_empty() && !s.shown.is_empty() && !s.does.is_empty());
        }
    }

    #[test]
    fn fields_dialogs_and_modifiers_keep_their_keys() {
        assert_eq!(action(&press("s")), Some(Action::Snapshot));
        let in_field = Press {
            target: Target::Field,
            ..press("s")
        };
        assert_eq!(action(&in_field), None);
        let in_dialog = Press {
            dialog_open: true,
            ..press("?")
        };
        assert_eq!(action(&in_dialog), None);
        let with_ctrl = Press {
            modified: true,
            ..press("r")
        };
        assert_eq!(action(&with_ctrl), None);
        // Letters still work with a button focused; Space presses it.
        let on_button = Press {
            target: Target::Button,
            ..press("g")
        };
        assert_eq!(action(&on_button), Some(Action::Grayscale));
        let space_on_button = Press {
            target: Target::Button,
            ..press(" ")
        };
        assert_eq!(action(&space_on_button), None);
        assert_eq!(action(&press(" ")), Some(Action::Freeze));
    }

    #[test]
    fn only_steps_repeat_while_a_key_is_held() {
        let held = |key| Press {
            repeat: true,
            ..press(key)
        };
        assert_eq!(action(&held("s")), None);
        assert_eq!(action(&held("r")), None);
        assert_eq!(action(&held("l")), None);
        assert_eq!(action(&held("]")), Some(Action::FocusIn));
        assert_eq!(action(&held("[")), Some(Action::FocusOut));
        assert_eq!(action(&held("+")), Some(Action::ZoomIn));
    }

    #[test]
    fn viewers_may_only_change_their_own_screen() {
        for s in SHORTCUTS {
            assert!(
                !refused(s.action, true),
                "{:?} refused to an operator",
                s.action
            );
        }
        for action in [
            Action::Snapshot,
            Action::Record,
            Action::Light,
            Action::FocusIn,
        ] {
            assert!(refused(action, false), "{action:?} allowed to a viewer");
        }
        for action in [
            Action::Freeze,
            Action::FullScreen,
            Action::ZoomIn,
            Action::Sheet,
            Action::Help,
        ] {
            assert!(!refused(action, false), "{action:?} refused to a viewer");
        }
    }
}

//! The keyboard shortcuts at work: one `keydown` listener on the window,
//! put there by the app ([`Keys::listen`]), turns a key press into an
//! [`Action`] through [`crate::shortcuts`] (which also says which presses
//! are left alone: typing in a field, a dialog open, a modifier held).
//! `?` opens the help overlay on every page; the other actions belong to
//! the page on show, which says how it does them with [`Keys::page_does`]
//! (the live page: [`crate::live::keys`]); on other pages they do
//! nothing. An operator's action pressed by a viewer is refused in the
//! message bar: "Log in to do this".

use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, KeyboardEvent};

use crate::access::Access;
use crate::notice::Notices;
use crate::shortcuts::{self, Action, Press, Target};

/// What the page on show does for an action.
type PageActions = Rc<dyn Fn(Action)>;

/// The shortcuts' state, as context; `Copy`.
#[derive(Clone, Copy)]
pub struct Keys {
    /// The help overlay is open.
    pub help: RwSignal<bool>,
    /// The page's actions, with the serial they were set under.
    page: StoredValue<Option<(u64, PageActions)>, LocalStorage>,
    serial: StoredValue<u64>,
}

/// What a viewer is told when pressing an operator's key.
pub const LOG_IN_FIRST: &str = "Log in to do this";

impl Keys {
    /// Starts listening for shortcuts on the window, until the calling
    /// component (the app) is cleaned up. Needs [`Access`] and [`Notices`]
    /// in context.
    pub fn listen() -> Self {
        let keys = Keys {
            help: RwSignal::new(false),
            page: StoredValue::new_local(None),
            serial: StoredValue::new(0),
        };
        let operator = expect_context::<Access>().is_operator();
        let notices = expect_context::<Notices>();
        let handle = window_event_listener(leptos::ev::keydown, move |ev: KeyboardEvent| {
            if ev.default_prevented() {
                return;
            }
            let key = ev.key();
            let press = Press {
                key: &key,
                modified: ev.ctrl_key() || ev.alt_key() || ev.meta_key(),
                repeat: ev.repeat(),
                target: target(&ev),
                dialog_open: dialog_open(),
            };
            let Some(action) = shortcuts::action(&press) else {
                return;
            };
            if action == Action::Help {
                ev.prevent_default();
                keys.help.set(true);
                return;
            }
            let Some(page) = keys.page.with_value(|p| p.as_ref().map(|(_, f)| f.clone())) else {
                return;
            };
            // Space would also scroll the page.
            ev.prevent_default();
            if shortcuts::refused(action, operator.get_untracked()) {
                notices.error(LOG_IN_FIRST);
            } else {
                page(action);
            }
        });
        on_cleanup(move || handle.remove());
        keys
    }

    /// Makes `actions` the page's answer to its shortcuts, until the
    /// calling component (the page) is cleaned up.
    pub fn page_does(&self, actions: impl Fn(Action) + 'static) {
        let serial = self.serial.with_value(|n| n + 1);
        self.serial.set_value(serial);
        self.page.set_value(Some((serial, Rc::new(actions))));
        let page = self.page;
        on_cleanup(move || {
            // Only ours: the next page may have set its own already.
            page.try_update_value(|p| {
                if p.as_ref().is_some_and(|(s, _)| *s == serial) {
                    *p = None;
                }
            });
        });
    }
}

/// Elements that take typing or their own keys.
const FIELDS: &str = "input, textarea, select, [contenteditable]:not([contenteditable=false])";
/// Elements that Space presses.
const BUTTONS: &str = "button, a[href], summary, [role=button], [role=link], [role=switch], \
    [role=checkbox], [role=radio], [role=tab], [role=menuitem]";

/// What the key press was aimed at.
fn target(ev: &KeyboardEvent) -> Target {
    let Some(element) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
        return Target::Other;
    };
    if element.matches(FIELDS).unwrap_or(false) {
        Target::Field
    } else if element.matches(BUTTONS).unwrap_or(false) {
        Target::Button
    } else {
        Target::Other
    }
}

/// Whether a dialog is open (it has the keys then).
fn dialog_open() -> bool {
    document()
        .query_selector("dialog[open]")
        .ok()
        .flatten()
        .is_some()
}

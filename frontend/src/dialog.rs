//! Glue for modal dialogs: a `<dialog>` element shown with `showModal()`,
//! so the browser makes the page behind it inert; Tab and Shift+Tab go
//! round the dialog's controls (the browser alone would let Tab leave the
//! last one for its own toolbar); Escape (the `cancel` event, or the
//! browser closing the dialog by itself, which it does when a page refuses
//! `cancel` twice without the user doing anything in between) asks the
//! owner to dismiss it; and when it goes (the owner closes it or removes
//! it from the page) focus returns to the element the owner names, else to
//! the element that had focus when it opened. Used by the gallery's
//! viewer; meant for every modal dialog (help, names).

use std::rc::Rc;

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Element, Event, HtmlDialogElement, HtmlElement, KeyboardEvent};

/// Where focus goes when a dialog closes; `None` for "where it was when
/// the dialog opened".
type FocusAfter = Rc<dyn Fn() -> Option<HtmlElement>>;

/// An event listener on the dialog, with the event's name.
type Listener = (&'static str, Closure<dyn FnMut(Event)>);

/// What one modal dialog needs to remember.
struct Modal {
    /// The element, once its listeners are on it.
    dialog: Option<HtmlDialogElement>,
    /// Whether it is shown by us and not closed yet (focus goes back once).
    shown: bool,
    /// The element that had focus when it opened.
    opener: Option<HtmlElement>,
    focus_after: FocusAfter,
    /// `cancel`, `close` and `keydown`, removed on cleanup.
    listeners: Vec<Listener>,
}

/// Why the owner of a dialog is asked to dismiss it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dismissal {
    /// Escape (the `cancel` event, refused): the owner closes the dialog,
    /// or backs out of a step first (a form being filled in) and keeps it
    /// open.
    Asked,
    /// The browser closed the dialog by itself: the owner must now treat
    /// it as closed.
    Closed,
}

/// Shows the `<dialog>` of `node` modally while `open` is true (pass
/// `Signal::stored(true)` for a dialog that is in the page only while it is
/// open), until the calling component is cleaned up.
///
/// `on_dismiss` runs when the user asks to close the dialog (Escape) or
/// the browser closed it by itself ([`Dismissal`]); the owner then sets
/// `open` to false or removes the dialog.
///
/// When the dialog closes, `focus_after` names the element to focus (it
/// is asked then, so it can follow what happened meanwhile); `None`
/// focuses the element that had focus when the dialog opened, if it is
/// still in the page.
pub fn modal(
    node: NodeRef<html::Dialog>,
    open: Signal<bool>,
    on_dismiss: Callback<Dismissal>,
    focus_after: impl Fn() -> Option<HtmlElement> + 'static,
) {
    let state = StoredValue::new_local(Modal {
        dialog: None,
        shown: false,
        opener: None,
        focus_after: Rc::new(focus_after),
        listeners: Vec::new(),
    });
    Effect::new(move |_| {
        let open = open.get();
        let Some(dialog) = node.get() else {
            return;
        };
        listen(state, &dialog, on_dismiss);
        if open && !dialog.open() {
            show(state, &dialog);
        } else if !open {
            finish(state);
        }
    });
    on_cleanup(move || {
        finish(state);
        unlisten(state);
    });
}

/// Puts the `cancel`, `close` and `keydown` listeners on `dialog`, once.
fn listen(
    state: StoredValue<Modal, LocalStorage>,
    dialog: &HtmlDialogElement,
    on_dismiss: Callback<Dismissal>,
) {
    if state.with_value(|s| s.dialog.as_ref() == Some(dialog)) {
        return;
    }
    unlisten(state);
    // Escape: the owner decides what closes.
    let on_cancel = Closure::<dyn FnMut(Event)>::new(move |ev: Event| {
        ev.prevent_default();
        on_dismiss.try_run(Dismissal::Asked);
    });
    // Closed, but not by us: the browser did it; the owner catches up.
    // The event comes a task after the closing, and a key press may come
    // first (input goes ahead of other tasks): a dialog closed by us and
    // shown again meanwhile is open now, and that late event is not about
    // it.
    let on_close = Closure::<dyn FnMut(Event)>::new({
        let dialog = dialog.clone();
        move |_| {
            let shown = state.try_with_value(|s| s.shown).unwrap_or(false);
            if shown && !dialog.open() {
                finish(state);
                on_dismiss.try_run(Dismissal::Closed);
            }
        }
    });
    let on_key = Closure::<dyn FnMut(Event)>::new({
        let dialog = dialog.clone();
        move |ev: Event| {
            if let Some(ev) = ev.dyn_ref::<KeyboardEvent>() {
                keep_tab_inside(&dialog, ev);
            }
        }
    });
    let listeners = vec![
        ("cancel", on_cancel),
        ("close", on_close),
        ("keydown", on_key),
    ];
    for (name, listener) in &listeners {
        let _ = dialog.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
    }
    state.update_value(|s| {
        s.dialog = Some(dialog.clone());
        s.listeners = listeners;
    });
}

/// What Tab can reach, before the visibility check.
const TABBABLE: &str = "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), \
    select:not([disabled]), textarea:not([disabled]), audio[controls], video[controls], \
    summary, [contenteditable]:not([contenteditable=false]), [tabindex]:not([tabindex^='-'])";

/// Tab on the dialog's last control goes to its first, Shift+Tab on the
/// first to the last; elsewhere the browser moves focus as usual.
fn keep_tab_inside(dialog: &HtmlDialogElement, ev: &KeyboardEvent) {
    if ev.key() != "Tab" || ev.ctrl_key() || ev.alt_key() || ev.meta_key() {
        return;
    }
    let mut tabbable = Vec::new();
    collect_tabbable(dialog, &mut tabbable);
    let (Some(first), Some(last)) = (tabbable.first(), tabbable.last()) else {
        return;
    };
    let active = document().active_element();
    let inside = active
        .as_ref()
        .is_some_and(|a| dialog.contains(Some(a)) && a != dialog.unchecked_ref::<Element>());
    let at = |e: &HtmlElement| active.as_ref() == Some(e.unchecked_ref::<Element>());
    let to = if ev.shift_key() {
        (!inside || at(first)).then_some(last)
    } else {
        (!inside || at(last)).then_some(first)
    };
    if let Some(to) = to {
        ev.prevent_default();
        let _ = to.focus();
    }
}

/// The elements under `parent` that Tab reaches, in document order: those
/// matching [`TABBABLE`] that are shown and not taken out of the order.
fn collect_tabbable(parent: &Element, out: &mut Vec<HtmlElement>) {
    let mut child = parent.first_element_child();
    while let Some(element) = child {
        if element.matches(TABBABLE).unwrap_or(false)
            && let Some(e) = element.dyn_ref::<HtmlElement>()
            && e.tab_index() >= 0
            && (e.offset_width() > 0 || e.offset_height() > 0)
        {
            out.push(e.clone());
        }
        collect_tabbable(&element, out);
        child = element.next_element_sibling();
    }
}

/// Takes the listeners off the dialog they are on.
fn unlisten(state: StoredValue<Modal, LocalStorage>) {
    let Some((Some(dialog), listeners)) =
        state.try_update_value(|s| (s.dialog.take(), std::mem::take(&mut s.listeners)))
    else {
        return;
    };
    for (name, listener) in &listeners {
        let _ = dialog.remove_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
    }
}

/// Opens `dialog` modally, remembering what had focus.
fn show(state: StoredValue<Modal, LocalStorage>, dialog: &HtmlDialogElement) {
    let opener = document()
        .active_element()
        .and_then(|e| e.dyn_into::<HtmlElement>().ok());
    // Fails only for a dialog not in the page, which cannot be shown.
    if dialog.show_modal().is_ok() {
        state.update_value(|s| {
            s.shown = true;
            s.opener = opener;
        });
    }
}

/// Closes the dialog if we showed it and it is still open, then moves
/// focus back to the page.
fn finish(state: StoredValue<Modal, LocalStorage>) {
    let Some(Some((dialog, opener, focus_after))) = state.try_update_value(|s| {
        std::mem::take(&mut s.shown)
            .then(|| (s.dialog.clone(), s.opener.take(), s.focus_after.clone()))
    }) else {
        return;
    };
    // Closed first: until then the page is inert and refuses focus.
    if let Some(dialog) = dialog.filter(HtmlDialogElement::open) {
        dialog.close();
    }
    let target = focus_after().or_else(|| opener.filter(|e| e.is_connected()));
    if let Some(target) = target {
        let _ = target.focus();
    }
}

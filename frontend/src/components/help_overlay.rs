//! The help overlay: a `?` button in the top bar (and the `?` key, on
//! every page) opens a modal `<dialog>` ([`crate::dialog`]) listing the
//! keyboard shortcuts (from [`SHORTCUTS`], the table the keys work from),
//! the touch gestures, and the display settings of this browser: the
//! theme (dark, light or the system's; [`crate::theme`]) and whether
//! changes are spoken ([`Announcements`]); on a phone the settings and
//! the gestures come first. Escape or Close closes it and focus goes back
//! to what had it.

use leptos::html::Dialog;
use leptos::prelude::*;

use crate::components::announcer::Announcements;
use crate::dialog;
use crate::keys::Keys;
use crate::shortcuts::SHORTCUTS;
use crate::theme::{self, Theme};

/// The touch gestures, as the help lists them.
const GESTURES: &[(&str, &str)] = &[
    ("Tap the picture", "Hide or show the bars"),
    ("Pinch the picture", "Zoom in or out, this screen only"),
    ("Hold Snapshot or Record", "Name the snapshot or recording"),
];

/// The button and the dialog.
#[component]
pub fn HelpOverlay() -> impl IntoView {
    let open = expect_context::<Keys>().help;
    let announcements = expect_context::<Announcements>();
    let spoken = announcements.on();
    let chosen = RwSignal::new(theme::current());
    let node = NodeRef::<Dialog>::new();
    dialog::modal(
        node,
        open.into(),
        Callback::new(move |_| open.set(false)),
        || None,
    );
    let rows = SHORTCUTS
        .iter()
        .map(|s| {
            view! {
                <tr>
                    <th scope="row"><kbd>{s.shown}</kbd></th>
                    <td>
                        {s.does}
                        {s.action.for_operators().then_some(" (operators)")}
                    </td>
                </tr>
            }
        })
        .collect_view();
    let gestures = GESTURES
        .iter()
        .map(|(gesture, does)| view! { <dt>{*gesture}</dt><dd>{*does}</dd> })
        .collect_view();
    let themes = Theme::ALL
        .iter()
        .map(|&choice| {
            view! {
                <label class="choice">
                    <input
                        type="radio"
                        name="theme"
                        value=choice.as_str()
                        data-testid=format!("theme-{}", choice.as_str())
                        prop:checked=move || chosen.get() == choice
                        on:change=move |_| {
                            chosen.set(choice);
                            theme::choose(choice);
                        }
                    />
                    {choice.label()}
                </label>
            }
        })
        .collect_view();
    view! {
        <button
            type="button"
            class="help-open"
            data-testid="help-open"
            aria-label="Keyboard shortcuts and settings"
            aria-haspopup="dialog"
            on:click=move |_| open.set(true)
        >
            "?"
        </button>
        <dialog
            node_ref=node
            class="help-dialog"
            data-testid="help"
            aria-labelledby="help-title"
        >
            <div class="help-head">
                <h2 id="help-title">"Keyboard shortcuts and settings"</h2>
                <button
                    type="button"
                    data-testid="help-close"
                    aria-label="Close"
                    on:click=move |_| open.set(false)
                >
                    "×"
                </button>
            </div>
            <div class="help-body">
            <section class="help-keys" aria-labelledby="help-keys-title">
                <h3 id="help-keys-title">"Keys on the live page"</h3>
                <p class="hint">
                    "Not while typing in a field or with a dialog open. "
                    "Keys marked for operators need you to log in."
                </p>
                <table class="shortcut-table" data-testid="shortcut-table">
                    <thead>
                        <tr>
                            <th scope="col">"Key"</th>
                            <th scope="col">"Does"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </section>
            <section class="help-touch" aria-labelledby="help-touch-title">
                <h3 id="help-touch-title">"Touch"</h3>
                <dl class="gestures">{gestures}</dl>
            </section>
            <section class="help-display" aria-labelledby="help-display-title">
                <h3 id="help-display-title">"Display on this device"</h3>
                <fieldset class="theme-choice">
                    <legend>"Theme"</legend>
                    {themes}
                </fieldset>
                <label class="choice">
                    <input
                        type="checkbox"
                        role="switch"
                        data-testid="announce-toggle"
                        prop:checked=move || spoken.get()
                        on:change=move |ev| announcements.set(event_target_checked(&ev))
                    />
                    "Speak changes to screen readers"
                </label>
            </section>
            </div>
        </dialog>
    }
}

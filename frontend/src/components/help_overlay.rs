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

/// The keys section: its heading, the hint and the table of
/// [`SHORTCUTS`]. Static text as one HTML string the browser parses: as
/// nodes built one by one in a `view!` it cost the wasm several KB. The
/// texts need no escaping (the tests check).
fn keys_html() -> String {
    let mut html = String::from(
        "<h3 id=\"help-keys-title\">Keys on the live page</h3>\
         <p class=\"hint\">Not while typing in a field or with a dialog open. \
         Keys marked for operators need you to log in.</p>\
         <table class=\"shortcut-table\" data-testid=\"shortcut-table\">\
         <thead><tr><th scope=\"col\">Key</th><th scope=\"col\">Does</th></tr></thead>\
         <tbody>",
    );
    for s in SHORTCUTS {
        html += "<tr><th scope=\"row\"><kbd>";
        html += s.shown;
        html += "</kbd></th><td>";
        html += s.does;
        if s.action.for_operators() {
            html += " (operators)";
        }
        html += "</td></tr>";
    }
    html + "</tbody></table>"
}

/// The touch section: its heading and [`GESTURES`], as HTML like
/// [`keys_html`].
fn touch_html() -> String {
    let mut html = String::from("<h3 id=\"help-touch-title\">Touch</h3><dl class=\"gestures\">");
    for (gesture, does) in GESTURES {
        html += "<dt>";
        html += gesture;
        html += "</dt><dd>";
        html += does;
        html += "</dd>";
    }
    html + "</dl>"
}

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
            <section
                class="help-keys"
                aria-labelledby="help-keys-title"
                inner_html=keys_html()
            ></section>
            <section
                class="help-touch"
                aria-labelledby="help-touch-title"
                inner_html=touch_html()
            ></section>
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_need_no_escaping() {
        let texts = SHORTCUTS
            .iter()
            .flat_map(|s| [s.shown, s.does])
            .chain(GESTURES.iter().flat_map(|&(gesture, does)| [gesture, does]));
        for text in texts {
            assert!(!text.contains(['<', '>', '&', '"']), "{text:?}");
        }
    }

    #[test]
    fn the_table_lists_every_shortcut_in_order() {
        let html = keys_html();
        let mut rest = html.as_str();
        for s in SHORTCUTS {
            let row = format!("<kbd>{}</kbd></th><td>{}", s.shown, s.does);
            let at = rest.find(&row).unwrap_or_else(|| panic!("no row {row:?}"));
            rest = &rest[at + row.len()..];
            assert_eq!(
                rest.starts_with(" (operators)"),
                s.action.for_operators(),
                "{row:?}"
            );
        }
        assert_eq!(html.matches("<tr>").count(), SHORTCUTS.len() + 1);
        assert!(html.ends_with("</tbody></table>"));
    }

    #[test]
    fn the_touch_list_has_every_gesture() {
        let html = touch_html();
        for (gesture, does) in GESTURES {
            assert!(html.contains(&format!("<dt>{gesture}</dt><dd>{does}</dd>")));
        }
        assert!(html.ends_with("</dl>"));
    }
}

//! The viewer for one entry, shown over the gallery at `/gallery/{id}`:
//! the photo at full size or the video with controls (the server answers
//! Range requests, so seeking works) and the heart rate recorded with it,
//! details, Download, Edit and Delete (with a confirming second click). It
//! follows changes from other browsers and says so when the entry is
//! deleted elsewhere. It is a modal `<dialog>` ([`crate::dialog`]): the
//! gallery behind is inert and Tab stays inside. Close (or Escape, or the
//! browser's Back) returns to the gallery, with focus on the card that
//! opened the viewer; after a deletion the address is `/gallery` and focus
//! goes to the next card (the previous one for the last), else to the
//! gallery's heading.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::MediaEvent;
use shared::media::{MediaEntry, MediaKind, MediaStatus};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

use crate::components::confirm_button::ConfirmButton;
use crate::components::media_card::kind_icon;
use crate::components::media_edit_form::MediaEditForm;
use crate::components::operator_only::OperatorOnly;
use crate::components::video_heart::VideoHeart;
use crate::connection::Connection;
use crate::dialog::{self, Dismissal};
use crate::generation::Generation;
use crate::notice::Notices;
use crate::pages::gallery::TITLE_ID;
use crate::router::Router;
use crate::{api, format};

/// What the viewer knows about its entry.
#[derive(Debug, Clone, PartialEq)]
enum Shown {
    Loading,
    Entry(Box<MediaEntry>),
    /// Deleted, missing, or unreadable: the message says which.
    Gone(String),
}

/// Where focus goes when the viewer closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReturnTo {
    /// The card with this id, else the gallery's heading.
    Card(i64),
    /// The gallery's heading.
    Heading,
}

/// The overlay for the entry in the route's `id` parameter.
#[component]
pub fn Viewer() -> impl IntoView {
    let connection = expect_context::<Connection>();
    let notices = expect_context::<Notices>();
    let router = Router::get();
    let entry = router.entry();
    let id = Memo::new(move |_| entry.with(|e| e.as_deref().and_then(|s| s.parse::<i64>().ok())));
    let shown = RwSignal::new(Shown::Loading);
    let editing = RwSignal::new(false);
    let deleting = RwSignal::new(false);
    // Bumped per load, so a slow answer for a previous id is dropped.
    let generation = Generation::new();

    let load = move |id: Option<i64>| {
        let current = generation.next();
        let Some(id) = id else {
            shown.set(Shown::Gone("There is no such entry.".into()));
            return;
        };
        shown.set(Shown::Loading);
        spawn_local(async move {
            let result = api::get(id).await;
            if !generation.is_current(current) {
                return;
            }
            shown.set(match result {
                Ok(entry) => Shown::Entry(Box::new(entry)),
                Err(err) => Shown::Gone(err.message),
            });
        });
    };
    let return_to = StoredValue::new(ReturnTo::Heading);
    Effect::new(move |_| {
        editing.set(false);
        let id = id.get();
        if let Some(id) = id {
            return_to.set_value(ReturnTo::Card(id));
        }
        load(id);
    });
    connection.on_media(move |event| {
        let Some(current) = id.try_get_untracked().flatten() else {
            return;
        };
        match event {
            MediaEvent::Updated { entry } if entry.id == current => {
                shown.set(Shown::Entry(entry.clone()));
            }
            MediaEvent::Removed { id } if *id == current => {
                // The card is still in the page (the list's change shows
                // later): its neighbour takes the focus.
                if let Some(card) = card(current) {
                    return_to.set_value(neighbour(&card).map_or(ReturnTo::Heading, ReturnTo::Card));
                }
                editing.set(false);
                shown.set(Shown::Gone("This entry has been deleted.".into()));
            }
            MediaEvent::Reload => load(Some(current)),
            _ => {}
        }
    });

    let close = Callback::new(move |()| router.navigate("/gallery", false, false));
    // Escape backs out of the edit form first, then closes.
    let edit_button = NodeRef::<leptos::html::Button>::new();
    let close_form = move || {
        editing.set(false);
        if let Some(button) = edit_button.get_untracked() {
            let _ = button.focus();
        }
    };
    let dismiss = Callback::new(move |why| {
        if why == Dismissal::Asked && editing.get_untracked() {
            close_form();
        } else {
            close.run(());
        }
    });
    let dialog_ref = NodeRef::<leptos::html::Dialog>::new();
    dialog::modal(dialog_ref, Signal::stored(true), dismiss, move || {
        let card = match return_to.try_get_value() {
            Some(ReturnTo::Card(id)) => card(id),
            _ => None,
        };
        card.or_else(|| document().get_element_by_id(TITLE_ID))
            .and_then(|e| e.dyn_into::<HtmlElement>().ok())
    });

    let entry = move || match shown.get() {
        Shown::Entry(entry) => Some(*entry),
        _ => None,
    };
    let entry_untracked = move || match shown.get_untracked() {
        Shown::Entry(entry) => Some(*entry),
        _ => None,
    };
    // The picture or player changes only with the file, not with edits, so
    // playback survives a title change; so do the buttons.
    let media = Memo::new(move |_| entry().map(|e| (e.id, e.kind, e.status)));
    let actions = Memo::new(move |_| entry().map(|e| (e.id, e.file_name)));
    let delete = Callback::new(move |()| {
        let Some(entry) = entry_untracked() else {
            return;
        };
        deleting.set(true);
        spawn_local(async move {
            match api::delete(entry.id).await {
                Ok(()) => {
                    notices.ok(format!("Deleted {}", entry.file_name));
                    connection.announce(MediaEvent::Removed { id: entry.id });
                    // In place of the deleted entry's address, which now
                    // leads nowhere.
                    router.navigate("/gallery", true, false);
                }
                Err(err) => notices.error(format!("Could not delete {}: {err}", entry.file_name)),
            }
            deleting.set(false);
        });
    });

    view! {
        <dialog
            class="viewer-dialog"
            node_ref=dialog_ref
            aria-labelledby="viewer-title"
            data-testid="viewer"
            data-id=move || id.get().map(|i| i.to_string())
        >
            <div class="viewer">
                <header class="viewer-bar">
                    <h2 id="viewer-title" data-testid="viewer-title">
                        {move || match shown.get() {
                            Shown::Entry(e) => format::title(&e).to_owned(),
                            Shown::Loading => "Loading…".to_owned(),
                            Shown::Gone(_) => "Not available".to_owned(),
                        }}
                    </h2>
                    <button
                        type="button"
                        class="close"
                        autofocus=true
                        data-testid="close"
                        aria-label="Close"
                        on:click=move |_| close.run(())
                    >
                        "×"
                    </button>
                </header>
                {move || match shown.get() {
                    Shown::Gone(why) => Some(view! { <p class="gone" data-testid="gone">{why}</p> }),
                    _ => None,
                }}
                <div class="viewer-media">
                    {move || media.get().map(|(id, kind, status)| media_view(id, kind, status))}
                </div>
                {move || entry().map(|e| view! { <dl class="details">{details(&e)}</dl> })}
                {move || {
                    actions
                        .get()
                        .map(|(id, file_name)| {
                            view! {
                                <div class="actions">
                                    <a
                                        class="button"
                                        data-testid="download"
                                        href=api::download_url(id)
                                        download=file_name
                                    >
                                        "Download"
                                    </a>
                                    <OperatorOnly>
                                        <button
                                            type="button"
                                            node_ref=edit_button
                                            data-testid="edit"
                                            aria-expanded=move || editing.get().to_string()
                                            on:click=move |_| editing.update(|x| *x = !*x)
                                        >
                                            "Edit"
                                        </button>
                                        <ConfirmButton
                                            label="Delete"
                                            confirm_label="Really delete?"
                                            testid="delete"
                                            confirm_testid="confirm-delete"
                                            busy=deleting
                                            on_confirm=delete
                                        />
                                    </OperatorOnly>
                                </div>
                            }
                        })
                }}
                <Show when=move || editing.get()>
                    // Untracked: an edit from elsewhere must not reset the
                    // form while it is being filled in.
                    {move || {
                        entry_untracked()
                            .map(|e| {
                                view! {
                                    <MediaEditForm
                                        entry=e
                                        on_close=Callback::new(move |()| close_form())
                                    />
                                }
                            })
                    }}
                </Show>
            </div>
        </dialog>
    }
}

/// The gallery's card for entry `id`, if it is in the page.
fn card(id: i64) -> Option<Element> {
    document()
        .query_selector(&format!(".gallery-page .card[data-id=\"{id}\"]"))
        .ok()
        .flatten()
}

/// The id of the card after `card`, or before it when it is the last.
fn neighbour(card: &Element) -> Option<i64> {
    let id = |e: Element| e.get_attribute("data-id")?.parse().ok();
    card.next_element_sibling()
        .and_then(id)
        .or_else(|| card.previous_element_sibling().and_then(id))
}

/// The photo, or the video player with its heart trace.
fn media_view(id: i64, kind: MediaKind, status: MediaStatus) -> AnyView {
    if status == MediaStatus::Missing {
        return view! {
            <div class="placeholder large">
                {kind_icon(kind)}
                <p>"The file is missing from the media folder."</p>
            </div>
        }
        .into_any();
    }
    let src = api::file_url(id);
    match kind {
        MediaKind::Photo => view! { <img src=src alt="" data-testid="viewer-photo"/> }.into_any(),
        MediaKind::Video => view! { <VideoHeart id=id src=src/> }.into_any(),
    }
}

/// Label and value pairs for the details list.
fn details(entry: &MediaEntry) -> impl IntoView + use<> {
    let mut rows: Vec<(&str, String)> = vec![
        ("File", entry.file_name.clone()),
        ("Kind", entry.kind.as_str().to_owned()),
        ("Size", format::size(entry.size_bytes)),
        ("Date", format::date(entry)),
        ("Captured", format::timestamp(entry.created_us)),
    ];
    if let (Some(w), Some(h)) = (entry.width, entry.height) {
        rows.push(("Pixels", format!("{w}×{h}")));
    }
    if let Some(ms) = entry.duration_ms {
        rows.push(("Duration", format::duration(ms)));
    }
    if entry.status != MediaStatus::Complete {
        rows.push(("Status", entry.status.as_str().to_owned()));
    }
    if let Some(camera) = &entry.metadata.camera {
        rows.push(("Camera", camera.clone()));
    }
    if !entry.notes.trim().is_empty() {
        rows.push(("Notes", entry.notes.clone()));
    }
    rows.into_iter()
        .map(|(label, value)| {
            view! {
                <div>
                    <dt>{label}</dt>
                    <dd>{value}</dd>
                </div>
            }
        })
        .collect_view()
}

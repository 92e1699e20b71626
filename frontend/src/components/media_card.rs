//! One catalogue entry as a card: picture (or a video placeholder),
//! title, date, kind, size and duration. The card links to the entry's
//! viewer (`/gallery/{id}`). Used by the gallery and, compact, by the
//! recent-captures strip.

use leptos::prelude::*;
use shared::media::{MediaEntry, MediaKind, MediaStatus};

use crate::{api, format};

/// A card for `entry`.
#[component]
pub fn MediaCard(
    /// The entry shown.
    entry: MediaEntry,
    /// Smaller, with less text (the recent strip).
    #[prop(optional)]
    compact: bool,
) -> impl IntoView {
    let href = format!("/gallery/{}", entry.id);
    let title = format::title(&entry).to_owned();
    let tooltip = title.clone();
    // No picture for a missing file, or when the thumbnail fails to load
    // (a file the server cannot decode): the kind's symbol instead.
    let thumbnail = api::thumbnail_url(&entry).filter(|_| entry.status != MediaStatus::Missing);
    let failed = RwSignal::new(false);
    let kind = entry.kind;
    let picture = move || match (thumbnail.clone(), failed.get()) {
        (Some(src), false) => view! {
            <img src=src alt="" loading="lazy" decoding="async" on:error=move |_| failed.set(true)/>
        }
        .into_any(),
        _ => view! { <span class="placeholder" aria-hidden="true">{kind_icon(kind)}</span> }
            .into_any(),
    };
    let play = (kind == MediaKind::Video)
        .then(|| view! { <span class="play" aria-hidden="true">"▶"</span> });
    let duration = entry
        .duration_ms
        .map(|ms| view! { <span class="duration">{format::duration(ms)}</span> });
    let status = (entry.status != MediaStatus::Complete)
        .then(|| view! { <span class="state" data-state=entry.status.as_str()>{entry.status.as_str()}</span> });
    let meta = format!(
        "{} · {} · {}",
        entry.kind.as_str(),
        format::size(entry.size_bytes),
        format::date(&entry)
    );
    view! {
        <a
            class="card"
            class:compact=compact
            href=href
            data-noscroll="true"
            data-testid="media-card"
            data-id=entry.id.to_string()
            data-kind=entry.kind.as_str()
            title=tooltip
        >
            <span class="thumb">{picture} {play} {duration} {status}</span>
            <span class="card-text">
                <span class="card-title" data-testid="card-title">{title}</span>
                <span class="card-meta">{meta}</span>
            </span>
        </a>
    }
}

/// A large symbol for an entry without a picture.
pub fn kind_icon(kind: MediaKind) -> impl IntoView {
    let path = match kind {
        // A play triangle in a frame.
        MediaKind::Video => "M4 5h16v14H4z M10 9v6l5-3z",
        // A mountain in a frame.
        MediaKind::Photo => "M4 5h16v14H4z M6 17l4-5 3 3 2-2 3 4z",
    };
    view! {
        <svg viewBox="0 0 24 24" width="40" height="40" fill="none" stroke="currentColor"
            stroke-width="1.5" stroke-linejoin="round">
            <path d=path></path>
        </svg>
    }
}

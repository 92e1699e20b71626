//! `/gallery`: every photo and video as cards, filtered by kind, loaded 24
//! at a time. `/gallery/{id}` opens the viewer over it (rendered after
//! the list), so the list and its scroll position stay.

use leptos::prelude::*;
use shared::media::MediaKind;

use crate::components::kind_filter::KindFilter;
use crate::components::media_grid::MediaGrid;
use crate::components::viewer::Viewer;
use crate::media_list::MediaList;
use crate::router::Router;

/// The `id` of the page's heading, which takes the focus when the viewer
/// closes with no card to return to.
pub const TITLE_ID: &str = "gallery-title";

/// Entries fetched per page.
const PER_PAGE: u64 = 24;

/// The gallery page.
#[component]
pub fn GalleryPage() -> impl IntoView {
    let list = MediaList::new(PER_PAGE, None);
    // The viewer stays while only the entry changes (`/gallery/3` to `/4`).
    let entry = Router::get().entry();
    let viewing = Memo::new(move |_| entry.with(Option::is_some));
    let count = move || {
        let total = list.total().get();
        let noun = match list.kind().get() {
            None => "item",
            Some(MediaKind::Photo) => "photo",
            Some(MediaKind::Video) => "video",
        };
        let plural = if total == 1 { "" } else { "s" };
        format!("{total} {noun}{plural}")
    };
    view! {
        <section class="gallery-page" aria-labelledby=TITLE_ID>
            <div class="section-head">
                <h2 id=TITLE_ID tabindex="-1">"Gallery"</h2>
                <span class="meta" data-testid="count">{count}</span>
            </div>
            <KindFilter list/>
            <MediaGrid list testid="gallery" empty="No photos or videos here yet."/>
        </section>
        {move || viewing.get().then(|| view! { <Viewer/> })}
    }
}

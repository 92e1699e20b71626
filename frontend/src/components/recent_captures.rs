//! "Recent captures" below the live view: the six newest entries as compact
//! cards, kept current as captures are added, edited or deleted anywhere.

use leptos::prelude::*;

use crate::components::media_grid::MediaGrid;
use crate::media_list::MediaList;

/// How many entries the strip shows.
const RECENT: usize = 6;

/// The strip.
#[component]
pub fn RecentCaptures() -> impl IntoView {
    let list = MediaList::new(RECENT as u64, Some(RECENT));
    view! {
        <section class="recent" aria-labelledby="recent-title">
            <div class="section-head">
                <h2 id="recent-title">"Recent captures"</h2>
                <a href="/gallery" class="button">
                    "All"
                </a>
            </div>
            <MediaGrid list compact=true testid="recent" empty="Nothing captured yet."/>
        </section>
    }
}

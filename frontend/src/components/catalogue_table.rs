//! The catalogue as a compact table (one [`DbRow`] per entry), kept
//! current with changes from every browser, with "Load more" for long
//! catalogues.

use leptos::prelude::*;

use crate::components::db_row::DbRow;
use crate::components::list_error::ListError;
use crate::components::load_more::LoadMore;
use crate::format;
use crate::media_list::MediaList;

/// Entries fetched per page.
const PER_PAGE: u64 = 100;

/// The table.
#[component]
pub fn CatalogueTable() -> impl IntoView {
    let list = MediaList::new(PER_PAGE, None);
    let entries = list.entries();
    view! {
        <section class="panel" aria-labelledby="catalogue-title">
            <div class="section-head">
                <h2 id="catalogue-title">"Catalogue"</h2>
                <span class="meta" data-testid="db-count">
                    {move || format::count(list.total().get(), "entry", "entries")}
                </span>
            </div>
            <p class="hint">"Remove deletes the entry and its file."</p>
            <ListError list=list what="catalogue"/>
            <table class="db-table" data-testid="db-table">
                <thead>
                    <tr>
                        <th scope="col">"Id"</th>
                        <th scope="col">"Title"</th>
                        <th scope="col">"Date"</th>
                        <th scope="col">"Kind"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=move || entries.get()
                        key=|e| (e.id, e.title.clone(), e.date_label.clone(), e.status)
                        let:entry
                    >
                        <DbRow entry/>
                    </For>
                </tbody>
            </table>
            <Show when=move || list.loaded().get() && entries.with(Vec::is_empty)>
                <p class="empty">"The catalogue is empty."</p>
            </Show>
            <LoadMore list/>
        </section>
    }
}

//! `/database`: the catalogue editor (the original "Media Listing
//! Editor"): the catalogue table with Remove, the untracked files with Add,
//! and "New database"; the changes are for operators.

use leptos::prelude::*;

use crate::components::catalogue_table::CatalogueTable;
use crate::components::operator_only::OperatorOnly;
use crate::components::reset_database::ResetDatabase;
use crate::components::untracked_files::UntrackedFiles;

/// The database page.
#[component]
pub fn DatabasePage() -> impl IntoView {
    view! {
        <div class="database-page">
            <CatalogueTable/>
            <OperatorOnly>
                <UntrackedFiles/>
                <ResetDatabase/>
            </OperatorOnly>
        </div>
    }
}

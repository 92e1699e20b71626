//! Shows its children to operators only; viewers see nothing in their
//! place (or the `fallback`, when given). While the link to the server is
//! down the controls stay in place but are disabled (a disabled fieldset),
//! so nothing is offered that cannot be sent.

use leptos::prelude::*;

use crate::access::Access;
use crate::connection::Connection;

/// The children, for operators.
#[component]
pub fn OperatorOnly(
    /// What operators see.
    children: ChildrenFn,
    /// What viewers see instead (nothing by default).
    #[prop(optional, into)]
    fallback: Option<ViewFn>,
) -> impl IntoView {
    let operator = expect_context::<Access>().is_operator();
    let stale = expect_context::<Connection>().stale();
    let fallback = fallback.unwrap_or_else(|| ViewFn::from(|| ()));
    view! {
        <Show when=move || operator.get() fallback=fallback>
            <fieldset class="operator-controls" disabled=move || stale.get()>
                {children()}
            </fieldset>
        </Show>
    }
}

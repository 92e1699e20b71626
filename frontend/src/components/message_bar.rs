//! The message bar: the result of the user's last action, fixed at the
//! bottom of the screen on every page, with a button to dismiss it. Errors
//! are announced as alerts, successes as status.

use leptos::prelude::*;

use crate::notice::Notices;

/// Shows the current [`Notice`](crate::notice::Notice), if any.
#[component]
pub fn MessageBar() -> impl IntoView {
    let notices = expect_context::<Notices>();
    move || {
        notices.current().get().map(|notice| {
            let kind = if notice.error { "error" } else { "ok" };
            view! {
                <div class="message-bar" class:error=notice.error>
                    <p
                        data-testid="message"
                        data-kind=kind
                        role=if notice.error { "alert" } else { "status" }
                    >
                        {notice.text}
                    </p>
                    <button
                        type="button"
                        aria-label="Dismiss message"
                        on:click=move |_| notices.dismiss()
                    >
                        "×"
                    </button>
                </div>
            }
        })
    }
}

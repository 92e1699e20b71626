//! A failure said in its place, under what failed: a line in the error
//! colour, announced to screen readers, with what was being done before
//! the reason ("Could not read the audit trail: …") and, when given, a
//! way out after it (a Retry button); nothing while there is no failure.

use leptos::prelude::*;

/// "{lead}: {message}", or the message alone, then the children.
#[component]
pub fn InlineError(
    /// The failure's reason; nothing is shown while it is `None`.
    #[prop(into)]
    message: Signal<Option<String>>,
    /// What failed, put before the reason.
    #[prop(optional)]
    lead: Option<&'static str>,
    /// `data-testid` of the line.
    #[prop(optional)]
    testid: Option<&'static str>,
    /// Shown after the message, behind a space (a Retry button).
    #[prop(optional)]
    children: Option<ChildrenFn>,
) -> impl IntoView {
    move || {
        message.get().map(|message| {
            let text = match lead {
                Some(lead) => format!("{lead}: {message}"),
                None => message,
            };
            let after = children.clone().map(|children| view! { " " {children()} });
            view! {
                <p class="inline-error" role="alert" data-testid=testid>
                    {text}
                    {after}
                </p>
            }
        })
    }
}

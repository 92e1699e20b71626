//! A field for an optional name next to the button that uses it (the
//! snapshot and the recording forms). Submitting hands the typed text to
//! the caller and empties the field; [`crate::actions::named`] turns it
//! into the action's arguments.

use leptos::prelude::*;

/// The field, followed by `children` (the submit button).
#[component]
pub fn NameForm(
    /// `data-testid` of the field.
    input_testid: &'static str,
    /// Accessible name of the field.
    label: &'static str,
    /// Shown in the empty field.
    #[prop(into)]
    placeholder: Signal<String>,
    /// While true the field cannot be edited (there is nothing to name).
    #[prop(into)]
    locked: Signal<bool>,
    /// Runs on submit with the text typed.
    on_submit: Callback<String>,
    /// The submit button.
    children: Children,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    view! {
        <form
            class="name-form"
            on:submit=move |ev| {
                ev.prevent_default();
                on_submit.run(name.get_untracked());
                name.set(String::new());
            }
        >
            <input
                type="text"
                data-testid=input_testid
                placeholder=move || placeholder.get()
                aria-label=label
                maxlength="80"
                disabled=move || locked.get()
                prop:value=move || name.get()
                on:input=move |ev| name.set(event_target_value(&ev))
            />
            {children()}
        </form>
    }
}

//! A button for something that cannot be undone: the first click only asks
//! ("Really delete?", with the `question` spelt out when given), the
//! second, on a separate button, does it; Cancel backs out. Both steps are
//! ordinary buttons, so they work by touch and can be driven by tests.

use leptos::prelude::*;

/// Two-step button.
#[component]
pub fn ConfirmButton(
    /// Label of the first button.
    label: &'static str,
    /// Label of the button that does it.
    confirm_label: &'static str,
    /// `data-testid` of the first button.
    testid: &'static str,
    /// `data-testid` of the button that does it.
    confirm_testid: &'static str,
    /// What the second step asks, naming what will happen ("Reboot the
    /// machine the rig runs on?"); shown next to the confirming button.
    #[prop(optional)]
    question: Option<&'static str>,
    /// While true, both buttons are disabled (the action is under way).
    #[prop(into)]
    busy: Signal<bool>,
    /// Runs on the second click.
    on_confirm: Callback<()>,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    view! {
        <span class="confirm">
            <Show
                when=move || asking.get()
                fallback=move || {
                    view! {
                        <button
                            type="button"
                            class="danger-outline"
                            data-testid=testid
                            disabled=move || busy.get()
                            on:click=move |_| asking.set(true)
                        >
                            {label}
                        </button>
                    }
                }
            >
                {question
                    .map(|question| {
                        view! {
                            <span class="confirm-question" data-testid="confirm-question">
                                {question}
                            </span>
                        }
                    })}
                <button
                    type="button"
                    class="danger"
                    data-testid=confirm_testid
                    disabled=move || busy.get()
                    on:click=move |_| {
                        asking.set(false);
                        on_confirm.run(());
                    }
                >
                    {confirm_label}
                </button>
                <button type="button" data-testid="cancel" on:click=move |_| asking.set(false)>
                    "Cancel"
                </button>
            </Show>
        </span>
    }
}

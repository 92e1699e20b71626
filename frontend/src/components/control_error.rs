//! The failure of one control's last command, shown under that control
//! only (see [`CommandSlot`]); nothing while there is none.

use leptos::prelude::*;

use crate::command::CommandSlot;

/// The slot's error, if any.
#[component]
pub fn ControlError(
    /// The control's commands.
    commands: CommandSlot,
    /// `data-testid` of the message.
    testid: &'static str,
) -> impl IntoView {
    let error = commands.error();
    move || {
        error.get().map(|message| {
            view! {
                <p class="inline-error" data-testid=testid role="alert">
                    {message}
                </p>
            }
        })
    }
}

//! The failure of one control's last command, shown under that control
//! only (see [`CommandSlot`]); nothing while there is none.

use leptos::prelude::*;

use crate::command::CommandSlot;
use crate::components::inline_error::InlineError;

/// The slot's error, if any.
#[component]
pub fn ControlError(
    /// The control's commands.
    commands: CommandSlot,
    /// `data-testid` of the message.
    testid: &'static str,
) -> impl IntoView {
    view! { <InlineError message=commands.error() testid/> }
}

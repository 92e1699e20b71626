//! The System page's machine-level actions: Reboot, Shut down, Restart
//! camera and Restart server, each asking first and answering on itself
//! (see [`SystemAction`]).

use leptos::prelude::*;
use shared::Command;

use crate::components::system_action::SystemAction;

/// The panel of actions.
#[component]
pub fn SystemActions(
    /// Runs after every answer (so the audit trail can be read again).
    on_answer: Callback<()>,
) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="actions-title" data-testid="system-actions">
            <div class="section-head">
                <h2 id="actions-title">"System actions"</h2>
            </div>
            <div class="system-action-list">
                <SystemAction
                    label="Reboot…"
                    question="Reboot the machine the rig runs on?"
                    confirm_label="Reboot now"
                    testid="reboot"
                    confirm_testid="confirm-reboot"
                    command=Command::Reboot
                    hint="Every viewer loses the picture until the machine is back, in a minute or two."
                    on_answer
                />
                <SystemAction
                    label="Shut down…"
                    question="Shut down the machine the rig runs on?"
                    confirm_label="Shut down now"
                    testid="shutdown"
                    confirm_testid="confirm-shutdown"
                    command=Command::Shutdown
                    hint="It stays off until someone switches it on again at the rig."
                    on_answer
                />
                <SystemAction
                    label="Restart camera…"
                    question="Restart the camera? The picture stops for a few seconds."
                    confirm_label="Restart camera"
                    testid="restart-camera"
                    confirm_testid="confirm-restart-camera"
                    command=Command::RestartCamera
                    hint="Rebuilds the camera pipeline, for a camera that was unplugged or stopped answering."
                    on_answer
                />
                <SystemAction
                    label="Restart server…"
                    question="Restart the camrig server? Every browser reconnects within a few seconds."
                    confirm_label="Restart server"
                    testid="restart-server"
                    confirm_testid="confirm-restart-server"
                    command=Command::RestartServer
                    hint="Stops and starts the server in place; a recording under way ends."
                    on_answer
                />
            </div>
        </section>
    }
}

//! `/system`: running the rig, for operators: the machine-level actions
//! (reboot, shut down, restart the camera or the server), the logs (the
//! server's, live, and the system's) and the audit trail of operator
//! actions, read again after every action taken here. Viewers get a
//! message asking them to log in instead: the server refuses all of it to
//! them anyway.

use leptos::prelude::*;

use crate::components::audit_panel::AuditPanel;
use crate::components::log_panel::LogPanel;
use crate::components::operator_only::OperatorOnly;
use crate::components::system_actions::SystemActions;

/// The System page.
#[component]
pub fn SystemPage() -> impl IntoView {
    let answers = RwSignal::new(0u64);
    let on_answer = Callback::new(move |()| answers.update(|n| *n += 1));
    view! {
        <div class="system-page">
            <OperatorOnly fallback=|| {
                view! {
                    <section class="panel" aria-labelledby="system-title" data-testid="system-operators-only">
                        <div class="section-head">
                            <h2 id="system-title">"System"</h2>
                        </div>
                        <p class="hint">
                            "Operators only: log in with the operator key (Log in, at the top) to reboot or shut down the rig, restart the camera or the server, and read the logs and the audit trail."
                        </p>
                    </section>
                }
            }>
                <SystemActions on_answer/>
                <LogPanel/>
                <AuditPanel changes=answers/>
            </OperatorOnly>
        </div>
    }
}

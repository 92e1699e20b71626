//! "Rig unreachable, retrying": the whole page when nothing has connected
//! within a few seconds of loading (the rig is off, on another network,
//! or its certificate is not trusted here), instead of an empty live page
//! that looks broken. It counts down to the next attempt and says what to
//! check. The first connection reloads the page, so an app shell the
//! service worker kept from an older visit never runs against a newer
//! server.

use std::time::Duration;

use leptos::prelude::*;

use crate::components::link_banner::retry_countdown;
use crate::connection::Connection;

/// How long a fresh page waits for its first connection before saying the
/// rig is unreachable.
pub const GRACE: Duration = Duration::from_secs(3);

/// Whether the page should show [`RigUnreachable`]: nothing connected
/// within [`GRACE`] of loading. Once shown, the first connection reloads
/// the page.
pub fn unreachable(connection: Connection) -> Signal<bool> {
    let waited = RwSignal::new(false);
    set_timeout(move || waited.set(true), GRACE);
    let opened = connection.opened();
    let shown = Memo::new(move |_| waited.get() && opened.get() == 0);
    Effect::new(move |was_shown: Option<bool>| {
        let now = shown.get();
        if was_shown == Some(true) && !now {
            let _ = window().location().reload();
        }
        now
    });
    shown.into()
}

/// The page.
#[component]
pub fn RigUnreachable() -> impl IntoView {
    let connection = expect_context::<Connection>();
    let countdown = retry_countdown(connection);
    view! {
        <main class="page unreachable" data-testid="rig-unreachable">
            <h1>"Rig unreachable, retrying"</h1>
            <p class="unreachable-next" role="status">
                {move || match countdown.get() {
                    Some(s) if s > 0 => format!("Next try in {s} s."),
                    _ => "Trying now…".to_owned(),
                }}
            </p>
            <h2>"Things to check"</h2>
            <ul>
                <li>"This phone or computer is on the same network (Wi-Fi) as the rig."</li>
                <li>"The rig is switched on, and its camrig server is running."</li>
                <li>
                    "The address is the one the rig printed or showed as a QR code. Over HTTPS, this device trusts the rig's certificate ("
                    <a href="/tls">"how to install it"</a>
                    ")."
                </li>
            </ul>
            <button type="button" on:click=move |_| {
                let _ = window().location().reload();
            }>"Try now"</button>
        </main>
    }
}

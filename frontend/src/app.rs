//! The root component: opens the connection once per page load, provides it
//! (and the message bar's notices) as context, and lays out the top bar,
//! the routed page and the message bar, which shows the server's replies to
//! commands. Routes ([`crate::router`]): `/` live, `/gallery` (with
//! `/gallery/{id}` as the viewer over it), `/database`, `/system`
//! (operators: actions, logs, audit trail), `/login` (the start-up QR
//! code's link).
//! While the link is down after having been up, a banner says so on
//! every page; when nothing connects within seconds of loading, the page
//! is replaced by "Rig unreachable, retrying".
//! The session ([`Access`]) is context too; the top bar shows it. The connection lives outside the router,
//! so changing route never reconnects. The app listens for the keyboard
//! shortcuts ([`Keys`]), holds the help overlay (its `?` button is in the
//! top bar) and the [`Announcer`], the one live region that says what
//! changed.

use leptos::prelude::*;

use crate::access::Access;
use crate::components::access_bar::AccessBar;
use crate::components::announcer::{Announcements, Announcer};
use crate::components::help_overlay::HelpOverlay;
use crate::components::link_banner::LinkBanner;
use crate::components::message_bar::MessageBar;
use crate::components::nav_bar::NavBar;
use crate::components::rig_unreachable::{self, RigUnreachable};
use crate::components::status_bar::StatusBar;
use crate::connection::Connection;
use crate::keys::Keys;
use crate::live::figures::LiveFigures;
use crate::notice::Notices;
use crate::pages::database::DatabasePage;
use crate::pages::gallery::GalleryPage;
use crate::pages::live::LivePage;
use crate::pages::login::LoginPage;
use crate::pages::not_found::NotFound;
use crate::pages::system::SystemPage;
use crate::router::{Page, Router};

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let connection = Connection::open();
    provide_context(connection);
    provide_context(Access::load(connection));
    provide_context(LiveFigures::new());
    let notices = Notices::default();
    provide_context(notices);
    report_replies(connection, notices);
    provide_context(Keys::listen());
    provide_context(Announcements::load());
    let page = Router::start().page();
    let unreachable = rig_unreachable::unreachable(connection);
    view! {
        <Show when=move || !unreachable.get() fallback=|| view! { <RigUnreachable/> }>
        <header class="topbar">
            <h1>"camrig"</h1>
            <NavBar/>
            <StatusBar/>
            <AccessBar/>
            <HelpOverlay/>
            <LinkBanner/>
        </header>
        <main class="page">
            {move || match page.get() {
                Page::Live => view! { <LivePage/> }.into_any(),
                Page::Gallery => view! { <GalleryPage/> }.into_any(),
                Page::Database => view! { <DatabasePage/> }.into_any(),
                Page::System => view! { <SystemPage/> }.into_any(),
                Page::Login => view! { <LoginPage/> }.into_any(),
                Page::NotFound => view! { <NotFound/> }.into_any(),
            }}
        </main>
        <MessageBar/>
        <Announcer/>
        </Show>
    }
}

/// Shows in the message bar what the server said that answers no command
/// of this page (each control shows its own answers).
fn report_replies(connection: Connection, notices: Notices) {
    Effect::new(move |_| {
        if let Some(message) = connection.last_error().get() {
            notices.error(message);
        }
    });
}

//! The camrig web app: a Leptos client-side-rendered single-page app built
//! by Trunk. `connection` owns the WebSocket; components render what it
//! receives.

mod app;
mod components;
mod connection;
mod fps;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}

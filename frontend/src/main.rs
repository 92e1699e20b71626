//! The camrig web app: a Leptos client-side-rendered single-page app built
//! by Trunk. `connection` owns the WebSocket and `api` makes the HTTP
//! requests; `media_list` keeps catalogue lists current; `live` decodes
//! and paints the live picture; pages and components render what they
//! receive.

mod access;
mod actions;
mod announce;
mod api;
mod app;
mod captures;
mod clock;
mod color;
mod command;
mod components;
mod connection;
mod decimal;
mod device_status;
mod dialog;
mod format;
mod fps;
mod fullscreen;
mod generation;
mod heart_window;
mod keys;
mod live;
mod loader;
mod log_feed;
mod log_lines;
mod long_press;
mod media_list;
mod notice;
mod pages;
mod prefs;
mod pulse_trace;
mod recording_clock;
mod router;
mod shortcuts;
mod subscribers;
mod sw;
mod theme;
mod waveform;
mod wire;
mod zoom;

fn main() {
    console_error_panic_hook::set_once();
    sw::register();
    leptos::mount::mount_to_body(app::App);
}

//! The live picture behind [`LiveView`](crate::components::live_view::LiveView):
//! which format to watch and why ([`choice`], [`watch`]), the frames as
//! they arrive ([`frame`]), the two ways to paint them — JPEG through
//! `createImageBitmap` ([`jpeg`]) and H.264 through WebCodecs ([`h264`]) —
//! onto one shared canvas with its counters ([`picture`]), and the figures
//! the status bar shows: frame rate, codec and latency ([`figures`],
//! [`latency`]).

pub mod choice;
pub mod commands;
pub mod figures;
pub mod frame;
pub mod gestures;
// WebCodecs exists in web-sys only for wasm builds with
// `--cfg=web_sys_unstable_apis` (.cargo/config.toml); host builds (the
// unit tests) get a stand-in that reports no WebCodecs.
#[cfg(target_arch = "wasm32")]
pub mod h264;
#[cfg(not(target_arch = "wasm32"))]
#[path = "h264_host.rs"]
pub mod h264;
pub mod jpeg;
pub mod keys;
pub mod latency;
pub mod picture;
pub mod screen;
pub mod watch;

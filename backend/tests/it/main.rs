//! The backend's integration tests, one module per area, in one test
//! binary: each used to be its own binary that linked the whole server,
//! which on two cores cost about 45 s after every backend change.
//! The tests start real servers (in this process or as the built `camrig`
//! binary), real GStreamer pipelines, SQLite files and pseudo-terminals;
//! `common` has the helpers they share. Run one area with a filter:
//! `cargo test -p backend --test it recording::`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod access;
mod allocator;
mod bad_input;
mod camera_loss;
mod camera_offline;
mod catalogue;
mod device;
mod focus;
mod http_streams;
mod legacy_import;
mod live_h264;
mod media_api;
mod media_cli;
mod mjpeg_passthrough;
mod operations;
mod orientation;
mod original_urls;
mod recorder_tasks;
mod recording;
mod restream;
mod service;
mod shutdown;
mod simulated_lens;
mod snapshot;
mod stalled_viewer;
mod thumbnails;
mod tls;
mod view_controls;
mod web_app;
mod ws_viewers;

//! Page components, one per file.

pub mod live_view;
pub mod status_bar;

//! Components, one per file; the pages built from them are in
//! [`crate::pages`].

pub mod beat_indicator;
pub mod camera_controls;
pub mod catalogue_table;
pub mod color_input;
pub mod confirm_button;
pub mod control_row;
pub mod db_row;
pub mod device_panels;
pub mod focus_controls;
pub mod heart_rate;
pub mod kind_filter;
pub mod light_controls;
pub mod list_error;
pub mod live_view;
pub mod load_more;
pub mod media_card;
pub mod media_edit_form;
pub mod media_grid;
pub mod message_bar;
pub mod name_form;
pub mod nav_bar;
pub mod pulse_chart;
pub mod range_input;
pub mod recent_captures;
pub mod record_controls;
pub mod recording_indicator;
pub mod reset_database;
pub mod status_bar;
pub mod toggle;
pub mod untracked_files;
pub mod untracked_row;
pub mod video_heart;
pub mod view_controls;
pub mod viewer;

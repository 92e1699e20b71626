//! Components, one per file; the pages built from them are in
//! [`crate::pages`].

pub mod catalogue_table;
pub mod confirm_button;
pub mod db_row;
pub mod kind_filter;
pub mod list_error;
pub mod live_view;
pub mod media_card;
pub mod media_edit_form;
pub mod media_grid;
pub mod message_bar;
pub mod nav_bar;
pub mod recent_captures;
pub mod reset_database;
pub mod status_bar;
pub mod untracked_files;
pub mod untracked_row;
pub mod view_controls;
pub mod viewer;

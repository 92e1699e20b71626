//! The pages, one per route (see [`crate::app`]), one per file.

pub mod database;
pub mod gallery;
pub mod live;
pub mod login;
pub mod not_found;
pub mod system;

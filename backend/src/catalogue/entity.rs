//! The `media` table as a sea-orm entity. Kind and status are stored as
//! their stable names (`shared::media`), capture metadata as JSON, times as
//! µs since the Unix epoch: types that mean the same in SQLite and
//! PostgreSQL.

use sea_orm::entity::prelude::*;

/// One row of the `media` table.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "media")]
pub struct Model {
    /// Catalogue id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// File name inside the media folder; unique.
    #[sea_orm(unique)]
    pub file_name: String,
    /// `photo` or `video`.
    pub kind: String,
    /// Creation time, µs since the Unix epoch.
    pub created_us: i64,
    /// User-supplied date label.
    pub date_label: String,
    /// File size in bytes.
    pub size_bytes: i64,
    /// Width in pixels.
    pub width: Option<i32>,
    /// Height in pixels.
    pub height: Option<i32>,
    /// Video duration in milliseconds.
    pub duration_ms: Option<i64>,
    /// Video frame count.
    pub frame_count: Option<i64>,
    /// `complete`, `recording`, `interrupted`, `missing` or `deleting`.
    pub status: String,
    /// Capture metadata (`shared::media::CaptureMetadata`) as JSON.
    pub metadata: Json,
    /// User title.
    pub title: String,
    /// User notes.
    pub notes: String,
}

/// No relations yet.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! The `heart_trace` table as a sea-orm entity, and its two queries: the
//! heart rate and pulse waveform of a recording, stored as one JSON
//! document per video (`shared::media::HeartTrace`).

use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, sea_query::OnConflict};
use shared::media::HeartTrace;

use super::CatalogueError;

/// One row: the trace of one recording.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "heart_trace")]
pub struct Model {
    /// The recording's catalogue id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub media_id: i64,
    /// The trace as JSON.
    pub trace: Json,
}

/// No relations are navigated from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Stores (or replaces) the trace of `media_id`.
pub async fn save(
    db: &impl ConnectionTrait,
    media_id: i64,
    trace: &HeartTrace,
) -> Result<(), CatalogueError> {
    let json = serde_json::to_value(trace).map_err(|e| CatalogueError::Corrupt(e.to_string()))?;
    let row = ActiveModel {
        media_id: Set(media_id),
        trace: Set(json),
    };
    Entity::insert(row)
        .on_conflict(
            OnConflict::column(Column::MediaId)
                .update_column(Column::Trace)
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// The trace of `media_id`, if one was recorded.
pub async fn get(
    db: &impl ConnectionTrait,
    media_id: i64,
) -> Result<Option<HeartTrace>, CatalogueError> {
    let Some(row) = Entity::find_by_id(media_id).one(db).await? else {
        return Ok(None);
    };
    serde_json::from_value(row.trace)
        .map(Some)
        .map_err(|e| CatalogueError::Corrupt(format!("heart trace of media {media_id}: {e}")))
}

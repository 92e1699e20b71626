//! Queries on the `media` table. Every function takes the connection and
//! returns typed results; nothing here touches files or knows about HTTP.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use shared::media::{CaptureMetadata, MediaEntry, MediaKind, MediaStatus, MediaUpdate};

use super::CatalogueError;
use super::entity::{self, ActiveModel, Column, Entity as Media};

/// A row to insert.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMedia {
    /// File name inside the media folder.
    pub file_name: String,
    /// Photo or video.
    pub kind: MediaKind,
    /// Creation time, µs since the Unix epoch.
    pub created_us: i64,
    /// User date label.
    pub date_label: String,
    /// Size in bytes.
    pub size_bytes: u64,
    /// Size, duration and frame count, as far as known.
    pub info: super::probe::MediaInfo,
    /// Initial status.
    pub status: MediaStatus,
    /// Capture metadata.
    pub metadata: CaptureMetadata,
    /// Title.
    pub title: String,
}

/// Converts a row to the wire type; unknown names become errors, not panics.
pub fn to_entry(row: entity::Model) -> Result<MediaEntry, CatalogueError> {
    let corrupt = |what: &str| CatalogueError::Corrupt(format!("media {}: {what}", row.id));
    Ok(MediaEntry {
        id: row.id,
        kind: MediaKind::from_name(&row.kind).ok_or_else(|| corrupt("unknown kind"))?,
        status: MediaStatus::from_name(&row.status).ok_or_else(|| corrupt("unknown status"))?,
        metadata: serde_json::from_value(row.metadata.clone()).unwrap_or_default(),
        created_us: row.created_us,
        date_label: row.date_label,
        size_bytes: u64::try_from(row.size_bytes).unwrap_or(0),
        width: row.width.and_then(|v| u32::try_from(v).ok()),
        height: row.height.and_then(|v| u32::try_from(v).ok()),
        duration_ms: row.duration_ms.and_then(|v| u64::try_from(v).ok()),
        frame_count: row.frame_count.and_then(|v| u64::try_from(v).ok()),
        file_name: row.file_name,
        title: row.title,
        notes: row.notes,
    })
}

/// Inserts a row and returns the stored entry.
pub async fn insert(
    db: &impl ConnectionTrait,
    new: NewMedia,
) -> Result<MediaEntry, CatalogueError> {
    let metadata =
        serde_json::to_value(&new.metadata).map_err(|e| CatalogueError::Corrupt(e.to_string()))?;
    let mut row = ActiveModel {
        file_name: Set(new.file_name),
        kind: Set(new.kind.as_str().to_owned()),
        created_us: Set(new.created_us),
        date_label: Set(new.date_label),
        status: Set(new.status.as_str().to_owned()),
        metadata: Set(metadata),
        title: Set(new.title),
        notes: Set(String::new()),
        ..Default::default()
    };
    set_facts(&mut row, new.size_bytes, new.info);
    to_entry(row.insert(db).await?)
}

/// The entry with `id`.
pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<MediaEntry, CatalogueError> {
    let row = Media::find_by_id(id)
        .one(db)
        .await?
        .ok_or(CatalogueError::NotFound(id))?;
    to_entry(row)
}

/// The entry with file name `name`, if any.
pub async fn find_by_name(
    db: &impl ConnectionTrait,
    name: &str,
) -> Result<Option<MediaEntry>, CatalogueError> {
    match Media::find()
        .filter(Column::FileName.eq(name))
        .one(db)
        .await?
    {
        Some(row) => to_entry(row).map(Some),
        None => Ok(None),
    }
}

/// Every entry, newest first (for reconciliation and the legacy listing).
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<MediaEntry>, CatalogueError> {
    Media::find()
        .order_by_desc(Column::CreatedUs)
        .order_by_desc(Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(to_entry)
        .collect()
}

/// One page (from 1) of entries, newest first, optionally of one kind.
pub async fn list(
    db: &impl ConnectionTrait,
    kind: Option<MediaKind>,
    page: u64,
    per_page: u64,
) -> Result<shared::media::MediaPage, CatalogueError> {
    let mut query = Media::find()
        .filter(Column::Status.ne(MediaStatus::Deleting.as_str()))
        .order_by_desc(Column::CreatedUs)
        .order_by_desc(Column::Id);
    if let Some(kind) = kind {
        query = query.filter(Column::Kind.eq(kind.as_str()));
    }
    let per_page = per_page.clamp(1, 500);
    let page = page.max(1);
    let paginator = query.paginate(db, per_page);
    let total = paginator.num_items().await?;
    // A page past the end is empty; asking the database for it could
    // overflow its offset (page 2^64-1 times 500).
    let past_end = (page - 1)
        .checked_mul(per_page)
        .is_none_or(|skipped| skipped >= total);
    let entries = if past_end {
        Vec::new()
    } else {
        paginator
            .fetch_page(page - 1)
            .await?
            .into_iter()
            .map(to_entry)
            .collect::<Result<_, _>>()?
    };
    Ok(shared::media::MediaPage {
        entries,
        total,
        page,
        per_page,
    })
}

/// The row of `id`, ready to change.
async fn editable(db: &impl ConnectionTrait, id: i64) -> Result<ActiveModel, CatalogueError> {
    let row = Media::find_by_id(id)
        .one(db)
        .await?
        .ok_or(CatalogueError::NotFound(id))?;
    Ok(row.into())
}

/// Changes title, notes and date label.
pub async fn update(
    db: &impl ConnectionTrait,
    id: i64,
    changes: MediaUpdate,
) -> Result<MediaEntry, CatalogueError> {
    let mut row = editable(db, id).await?;
    if let Some(title) = changes.title {
        row.title = Set(title);
    }
    if let Some(notes) = changes.notes {
        row.notes = Set(notes);
    }
    if let Some(label) = changes.date_label {
        row.date_label = Set(label);
    }
    to_entry(row.update(db).await?)
}

/// Sets the status of an entry.
pub async fn set_status(
    db: &impl ConnectionTrait,
    id: i64,
    status: MediaStatus,
) -> Result<(), CatalogueError> {
    let result = Media::update_many()
        .col_expr(
            Column::Status,
            sea_orm::sea_query::Expr::value(status.as_str()),
        )
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    if result.rows_affected == 0 {
        return Err(CatalogueError::NotFound(id));
    }
    Ok(())
}

/// Records what a finished (or interrupted) recording holds.
pub async fn set_file_facts(
    db: &impl ConnectionTrait,
    id: i64,
    status: MediaStatus,
    size_bytes: u64,
    info: super::probe::MediaInfo,
) -> Result<MediaEntry, CatalogueError> {
    let mut row = editable(db, id).await?;
    row.status = Set(status.as_str().to_owned());
    set_facts(&mut row, size_bytes, info);
    to_entry(row.update(db).await?)
}

/// Puts a file's size and probed facts into a row.
fn set_facts(row: &mut ActiveModel, size_bytes: u64, info: super::probe::MediaInfo) {
    row.size_bytes = Set(i64::try_from(size_bytes).unwrap_or(i64::MAX));
    row.width = Set(info.size.and_then(|(w, _)| i32::try_from(w).ok()));
    row.height = Set(info.size.and_then(|(_, h)| i32::try_from(h).ok()));
    row.duration_ms = Set(info.duration_ms.and_then(|v| i64::try_from(v).ok()));
    row.frame_count = Set(info.frame_count.and_then(|v| i64::try_from(v).ok()));
}

/// Removes the row of an entry.
pub async fn delete_row(db: &impl ConnectionTrait, id: i64) -> Result<(), CatalogueError> {
    let result = Media::delete_by_id(id).exec(db).await?;
    if result.rows_affected == 0 {
        return Err(CatalogueError::NotFound(id));
    }
    Ok(())
}

/// Removes every row (the original's "New database"); files are untouched.
pub async fn delete_all(db: &impl ConnectionTrait) -> Result<u64, CatalogueError> {
    Ok(Media::delete_many().exec(db).await?.rows_affected)
}

/// Number of rows.
pub async fn count(db: &impl ConnectionTrait) -> Result<u64, CatalogueError> {
    Ok(Media::find().count(db).await?)
}

//! Creates the `heart_trace` table: the heart rate and pulse waveform
//! recorded with a video, one row per recording, removed with its entry.

use sea_orm_migration::prelude::*;

/// Creates `heart_trace`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum HeartTrace {
    Table,
    MediaId,
    Trace,
}

#[derive(DeriveIden)]
enum Media {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(HeartTrace::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(HeartTrace::MediaId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(HeartTrace::Trace).json().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(HeartTrace::Table, HeartTrace::MediaId)
                            .to(Media::Table, Media::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(HeartTrace::Table).to_owned())
            .await
    }
}

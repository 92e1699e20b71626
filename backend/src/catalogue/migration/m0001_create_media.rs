//! Creates the `media` table and its index on creation time.

use sea_orm_migration::prelude::*;

/// Creates `media`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Media {
    Table,
    Id,
    FileName,
    Kind,
    CreatedUs,
    DateLabel,
    SizeBytes,
    Width,
    Height,
    DurationMs,
    FrameCount,
    Status,
    Metadata,
    Title,
    Notes,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Media::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(Media::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Media::FileName)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Media::Kind).string_len(16).not_null())
                    .col(ColumnDef::new(Media::CreatedUs).big_integer().not_null())
                    .col(
                        ColumnDef::new(Media::DateLabel)
                            .string()
                            .not_null()
                            .default(""),
                    )
                    .col(
                        ColumnDef::new(Media::SizeBytes)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ColumnDef::new(Media::Width).integer().null())
                    .col(ColumnDef::new(Media::Height).integer().null())
                    .col(ColumnDef::new(Media::DurationMs).big_integer().null())
                    .col(ColumnDef::new(Media::FrameCount).big_integer().null())
                    .col(ColumnDef::new(Media::Status).string_len(16).not_null())
                    .col(ColumnDef::new(Media::Metadata).json().not_null())
                    .col(ColumnDef::new(Media::Title).string().not_null().default(""))
                    .col(ColumnDef::new(Media::Notes).text().not_null().default(""))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("media_created_us")
                    .table(Media::Table)
                    .col(Media::CreatedUs)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Media::Table).to_owned())
            .await
    }
}

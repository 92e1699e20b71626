//! Creates the `audit` table: one row per operator action (who, from
//! where, when, what, with which arguments, and what came of it), with an
//! index on the time for the newest-first listing and the pruning.

use sea_orm_migration::prelude::*;

/// Creates `audit`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Audit {
    Table,
    Id,
    AtMs,
    Who,
    Address,
    Action,
    Arguments,
    Ok,
    Detail,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Audit::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(Audit::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Audit::AtMs).big_integer().not_null())
                    .col(ColumnDef::new(Audit::Who).string().not_null())
                    .col(ColumnDef::new(Audit::Address).string())
                    .col(ColumnDef::new(Audit::Action).string().not_null())
                    .col(ColumnDef::new(Audit::Arguments).json().not_null())
                    .col(ColumnDef::new(Audit::Ok).boolean().not_null())
                    .col(ColumnDef::new(Audit::Detail).string().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("audit_at_ms")
                    .table(Audit::Table)
                    .col(Audit::AtMs)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Audit::Table).to_owned())
            .await
    }
}

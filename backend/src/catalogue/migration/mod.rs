//! Schema migrations, one file each, applied in order at start-up (and by
//! the CLI). The same migrations serve SQLite and PostgreSQL.

use sea_orm_migration::prelude::*;

mod m0001_create_media;
mod m0002_create_heart_trace;
mod m0003_create_audit;

/// All migrations of the catalogue.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_create_media::Migration),
            Box::new(m0002_create_heart_trace::Migration),
            Box::new(m0003_create_audit::Migration),
        ]
    }
}

//! The `audit` table as a sea-orm entity and its three queries: add an
//! operator action, list them newest first with filters, and remove those
//! older than the retention.

use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, QueryOrder, QuerySelect};
use shared::operations::{AuditEntry, AuditQuery};

use super::CatalogueError;

/// One operator action.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// When, in milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// Who.
    pub who: String,
    /// From which address.
    pub address: Option<String>,
    /// The command.
    pub action: String,
    /// Its arguments.
    pub arguments: Json,
    /// Whether it succeeded.
    pub ok: bool,
    /// The error's message, or a summary.
    pub detail: String,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl From<Model> for AuditEntry {
    fn from(m: Model) -> Self {
        AuditEntry {
            id: m.id,
            at_ms: m.at_ms,
            who: m.who,
            address: m.address,
            action: m.action,
            arguments: m.arguments,
            ok: m.ok,
            detail: m.detail,
        }
    }
}

/// Adds `entry` (its id is ignored); returns the stored row.
pub async fn add(
    db: &impl ConnectionTrait,
    entry: AuditEntry,
) -> Result<AuditEntry, CatalogueError> {
    let row = ActiveModel {
        at_ms: Set(entry.at_ms),
        who: Set(entry.who),
        address: Set(entry.address),
        action: Set(entry.action),
        arguments: Set(entry.arguments),
        ok: Set(entry.ok),
        detail: Set(entry.detail),
        ..Default::default()
    };
    Ok(row.insert(db).await?.into())
}

/// The rows matching `query`, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    query: &AuditQuery,
) -> Result<Vec<AuditEntry>, CatalogueError> {
    let mut select = Entity::find();
    if let Some(action) = &query.action {
        select = select.filter(Column::Action.eq(action.as_str()));
    }
    if let Some(who) = &query.who {
        select = select.filter(Column::Who.contains(who.as_str()));
    }
    if let Some(ok) = query.ok {
        select = select.filter(Column::Ok.eq(ok));
    }
    if let Some(since) = query.since_ms {
        select = select.filter(Column::AtMs.gt(since));
    }
    let limit = query.limit.unwrap_or(200).clamp(1, 1000);
    let rows = select
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(AuditEntry::from).collect())
}

/// Removes rows older than `before_ms`; how many.
pub async fn prune(db: &impl ConnectionTrait, before_ms: i64) -> Result<u64, CatalogueError> {
    let result = Entity::delete_many()
        .filter(Column::AtMs.lt(before_ms))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

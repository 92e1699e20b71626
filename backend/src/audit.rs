//! The audit trail: the command door ([`crate::dispatch`]) records every
//! operator command (who, from which address, when, what, with which
//! arguments, and what came of it) in the catalogue database's `audit`
//! table; viewers' commands change nothing and are not recorded. Operators
//! read it, filtered, at `GET /api/audit`. Rows older than
//! `audit.keep_days` are removed at start-up and every hour.

use std::net::IpAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde_json::Value;
use shared::Command;
use shared::commands::Role;
use shared::operations::{AuditEntry, AuditQuery};
use tokio_util::sync::CancellationToken;

use crate::auth::routes::Caller;
use crate::catalogue::{Catalogue, audit};
use crate::error::ApiError;
use crate::extract::Query;
use crate::state::AppState;

/// How often old rows are removed.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Who gives a command: the role it has, in words, and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    /// The role in force.
    pub role: Role,
    /// `operator key`, `token home-assistant`, `operator session ...`.
    pub name: String,
    /// The client's address, when known.
    pub address: Option<IpAddr>,
}

impl Who {
    /// The caller of a request, with its role now.
    pub fn of(app: &AppState, caller: &Caller) -> Result<Who, ApiError> {
        Ok(Who {
            role: caller.role(app)?,
            name: app.auth.describe(&caller.presented),
            address: caller.peer,
        })
    }
}

impl From<Role> for Who {
    /// A caller inside the server (tests, start-up work).
    fn from(role: Role) -> Self {
        Who {
            role,
            name: "the server".into(),
            address: None,
        }
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Most bytes of arguments a row keeps (an add-on's may be large).
const MAX_ARGUMENTS: usize = 4096;

/// A command's arguments as recorded: its JSON form without the tag, or a
/// note of their size when they are too large to keep.
fn arguments(command: &Command) -> Value {
    let arguments = match serde_json::to_value(command) {
        Ok(Value::Object(mut map)) => {
            map.remove("cmd");
            Value::Object(map)
        }
        _ => Value::Null,
    };
    let size = arguments.to_string().len();
    if size > MAX_ARGUMENTS {
        return Value::String(format!("({size} bytes of arguments, not kept)"));
    }
    arguments
}

/// What came of a successful command, in a few words; never the whole
/// result (a new token's secret must not be kept).
fn summary(result: Option<&Value>) -> String {
    let Some(result) = result else {
        return "done".into();
    };
    for field in ["message", "file_name"] {
        if let Some(text) = result.get(field).and_then(Value::as_str) {
            return text.chars().take(200).collect();
        }
    }
    "done".into()
}

/// Records an operator's command and its outcome. A failure to record is
/// logged; it never fails the command.
pub async fn record(
    catalogue: &Catalogue,
    who: &Who,
    command: &Command,
    outcome: Result<Option<&Value>, &ApiError>,
) {
    if command.role() < Role::Operator {
        return;
    }
    let (ok, detail) = match outcome {
        Ok(result) => (true, summary(result)),
        Err(err) => (false, err.to_string()),
    };
    let entry = AuditEntry {
        id: 0,
        at_ms: now_ms(),
        who: who.name.clone(),
        address: who.address.map(|a| a.to_string()),
        action: command.name().to_owned(),
        arguments: arguments(command),
        ok,
        detail,
    };
    if let Err(err) = audit::add(catalogue.db(), entry).await {
        tracing::warn!(%err, action = command.name(), "cannot record an operator action in the audit trail");
    }
}

/// The audit routes.
pub fn routes() -> Router<AppState> {
    Router::new().route("/api/audit", get(list))
}

/// `GET /api/audit`: operator actions, newest first (operators only).
#[utoipa::path(get, path = "/api/audit", tag = "operations", params(AuditQuery), responses((status = 200, description = "The matching actions, newest first", body = [AuditEntry]), (status = 401, description = "A key is needed", body = crate::error::ErrorBody), (status = 403, description = "Operators only", body = crate::error::ErrorBody)))]
pub(crate) async fn list(
    State(app): State<AppState>,
    caller: Caller,
    Query(query): Query<AuditQuery>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    crate::dispatch::require(&app, &caller, Role::Operator, "the audit trail")?;
    let rows = audit::list(app.catalogue.db(), &query)
        .await
        .map_err(|e| ApiError::internal("cannot read the audit trail", e))?;
    Ok(Json(rows))
}

/// Removes rows older than `keep_days` now and every hour until `stop`.
pub async fn prune(catalogue: Catalogue, keep_days: u32, stop: CancellationToken) {
    let keep_ms = i64::from(keep_days) * 24 * 3600 * 1000;
    loop {
        match audit::prune(catalogue.db(), now_ms() - keep_ms).await {
            Ok(0) => {}
            Ok(removed) => {
                tracing::info!(removed, keep_days, "removed old rows of the audit trail");
            }
            Err(err) => tracing::warn!(%err, "cannot remove old rows of the audit trail"),
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(PRUNE_EVERY) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_drop_the_tag_and_summaries_keep_no_secrets() {
        let command = Command::CreateToken {
            name: "home-assistant".into(),
        };
        assert_eq!(
            arguments(&command),
            serde_json::json!({"name": "home-assistant"})
        );
        let made = serde_json::json!({"name": "home-assistant", "secret": "s3cr3t"});
        assert_eq!(summary(Some(&made)), "done");
        let saved = serde_json::json!({"id": 3, "file_name": "left-eye.jpg"});
        assert_eq!(summary(Some(&saved)), "left-eye.jpg");
    }
}

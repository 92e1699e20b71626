//! What operators see of the running rig besides the picture: the server's
//! recent log lines ([`LogLine`], streamed live to the log panel) and the
//! audit trail of operator actions ([`AuditEntry`]), with the filters the
//! page and scripts pass as query parameters.

use serde::{Deserialize, Serialize};

use crate::names::deserialize_by_name;

/// Severity of a log line, from the most to the least severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Something failed.
    Error,
    /// Something is wrong but the server carries on.
    Warn,
    /// What the server does.
    Info,
    /// Detail for developers.
    Debug,
    /// Even more detail.
    Trace,
}

deserialize_by_name!(LogLevel {
    "error" => Error,
    "warn" => Warn,
    "info" => Info,
    "debug" => Debug,
    "trace" => Trace,
});

impl LogLevel {
    /// Every level, most severe first.
    pub const ALL: [LogLevel; 5] = [
        LogLevel::Error,
        LogLevel::Warn,
        LogLevel::Info,
        LogLevel::Debug,
        LogLevel::Trace,
    ];

    /// The level called `name` (any case).
    pub fn parse(name: &str) -> Option<LogLevel> {
        LogLevel::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(name))
    }
}

/// One line of the server's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogLine {
    /// Sequence number, rising by one per line since the server started.
    pub seq: u64,
    /// When, in milliseconds since the Unix epoch.
    pub at_ms: u64,
    /// Severity.
    pub level: LogLevel,
    /// The module that logged it (`camrig::camera`).
    pub target: String,
    /// The message with its fields (`camera offline reason="..."`).
    pub message: String,
}

impl LogLine {
    /// Whether the line is at least as severe as `level` and contains
    /// `search` (case-insensitive; empty matches all).
    pub fn matches(&self, level: LogLevel, search: &str) -> bool {
        self.level <= level
            && (search.is_empty()
                || self.message.to_lowercase().contains(&search.to_lowercase())
                || self.target.to_lowercase().contains(&search.to_lowercase()))
    }
}

/// One operator action as the audit trail keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// Row id, rising.
    pub id: i64,
    /// When, in milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// Who: `operator key`, `token home-assistant`, `operator session 1a2b3c4d`.
    pub who: String,
    /// The client's address, when known.
    pub address: Option<String>,
    /// The command (`snapshot`, `light`, `reboot`, ...).
    pub action: String,
    /// Its arguments as given.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub arguments: serde_json::Value,
    /// Whether it succeeded.
    pub ok: bool,
    /// What came of it: the error's message, or a short summary.
    pub detail: String,
}

/// The system log as `GET /api/logs/system` answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SystemLog {
    /// The command that printed it, as configured (`system.log_command`).
    pub command: String,
    /// What it printed (its last part when long).
    pub text: String,
}

/// Filters of the audit trail (`GET /api/audit?action=light&ok=false`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(default)]
pub struct AuditQuery {
    /// Only this action.
    pub action: Option<String>,
    /// Only callers whose description contains this text.
    pub who: Option<String>,
    /// Only successes (`true`) or failures (`false`).
    pub ok: Option<bool>,
    /// Only rows after this time (milliseconds since the Unix epoch).
    pub since_ms: Option<i64>,
    /// At most this many rows, newest first (default 200, at most 1000).
    pub limit: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_order_and_filter() {
        assert!(LogLevel::Error < LogLevel::Info);
        assert_eq!(LogLevel::parse("WARN"), Some(LogLevel::Warn));
        let line = LogLine {
            seq: 1,
            at_ms: 0,
            level: LogLevel::Warn,
            target: "camrig::camera".into(),
            message: "camera offline".into(),
        };
        assert!(line.matches(LogLevel::Info, "OFFLINE"));
        assert!(line.matches(LogLevel::Warn, "rig::cam"));
        assert!(!line.matches(LogLevel::Error, ""));
        assert!(!line.matches(LogLevel::Trace, "light"));
    }
}

//! The server's own log, for operators: [`init`] sends every log event both
//! to standard error and, through [`BufferLayer`], into an in-memory ring
//! of the last `server.log_lines` lines that the operator's log panel reads
//! (`GET /api/logs`, with a level filter, a search and a text download) and
//! follows live (`GET /api/logs/stream`, server-sent events). The system log
//! (`GET /api/logs/system`) is whatever `system.log_command` prints. All of
//! it is for operators only.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{LazyLock, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use shared::commands::Role;
use shared::operations::{LogLevel, LogLine, SystemLog};
use tokio::sync::broadcast;
use tracing::field::{Field, Visit};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;

use crate::auth::routes::Caller;
use crate::error::ApiError;
use crate::extract::Query;
use crate::state::AppState;

/// The recent log lines and the live feed of new ones.
pub struct LogBuffer {
    lines: Mutex<VecDeque<LogLine>>,
    capacity: AtomicUsize,
    next: AtomicU64,
    live: broadcast::Sender<LogLine>,
}

/// The process's one log buffer (the log itself is process-wide).
pub fn buffer() -> &'static LogBuffer {
    static BUFFER: LazyLock<LogBuffer> = LazyLock::new(|| LogBuffer {
        lines: Mutex::new(VecDeque::new()),
        capacity: AtomicUsize::new(2000),
        next: AtomicU64::new(1),
        live: broadcast::channel(256).0,
    });
    &BUFFER
}

impl LogBuffer {
    /// Keeps at most `lines` lines from now on.
    pub fn set_capacity(&self, lines: usize) {
        self.capacity.store(lines.max(1), Ordering::Relaxed);
    }

    /// Adds a line and passes it to live readers.
    pub fn push(&self, level: LogLevel, target: &str, message: String) {
        let line = LogLine {
            seq: self.next.fetch_add(1, Ordering::Relaxed),
            at_ms: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64),
            level,
            target: target.to_owned(),
            message,
        };
        {
            let mut lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner);
            let capacity = self.capacity.load(Ordering::Relaxed);
            while lines.len() >= capacity {
                lines.pop_front();
            }
            lines.push_back(line.clone());
        }
        let _ = self.live.send(line);
    }

    /// The kept lines matching `level` and `search`, after `after`.
    pub fn lines(&self, level: LogLevel, search: &str, after: u64) -> Vec<LogLine> {
        let lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner);
        lines
            .iter()
            .filter(|l| l.seq > after && l.matches(level, search))
            .cloned()
            .collect()
    }

    /// New lines as they come.
    pub fn subscribe(&self) -> broadcast::Receiver<LogLine> {
        self.live.subscribe()
    }
}

/// The `tracing` layer that copies every event into [`buffer`].
pub struct BufferLayer;

impl<S: tracing::Subscriber> Layer<S> for BufferLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let meta = event.metadata();
        let level = match *meta.level() {
            tracing::Level::ERROR => LogLevel::Error,
            tracing::Level::WARN => LogLevel::Warn,
            tracing::Level::INFO => LogLevel::Info,
            tracing::Level::DEBUG => LogLevel::Debug,
            tracing::Level::TRACE => LogLevel::Trace,
        };
        let mut text = Text::default();
        event.record(&mut text);
        buffer().push(level, meta.target(), text.message + &text.fields);
    }
}

/// An event's message and its other fields as `name=value`.
#[derive(Default)]
struct Text {
    message: String,
    fields: String,
}

impl Visit for Text {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }
}

/// Sets up logging for the process: `RUST_LOG` (default `default_filter`)
/// to standard error, and every kept event into [`buffer`].
pub fn init(default_filter: &str) {
    install(
        default_filter,
        tracing_subscriber::fmt::layer().with_writer(std::io::stderr),
    );
}

/// As [`init`], for a test binary: the lines go through the test
/// harness's output capture, so they show only for a test that fails
/// (tests in one binary share the process, and with it the log).
pub fn init_for_tests(default_filter: &str) {
    install(
        default_filter,
        tracing_subscriber::fmt::layer().with_test_writer(),
    );
}

/// Installs the process's subscriber, once: the filter, `print`, and the
/// layer that keeps events in [`buffer`].
fn install<L>(default_filter: &str, print: L)
where
    L: Layer<tracing_subscriber::Registry> + Send + Sync,
{
    use tracing_subscriber::prelude::*;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| default_filter.into());
    let _ = tracing_subscriber::registry()
        .with(print)
        .with(filter)
        .with(BufferLayer)
        .try_init();
}

/// The log routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/logs", get(server_log))
        .route("/api/logs/stream", get(stream_log))
        .route("/api/logs/system", get(system_log))
}

/// Filters of the log (`?level=warn&q=camera&after=120&format=text`).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct LogQuery {
    /// Least severe level shown: error, warn, info, debug or trace
    /// (default trace: all).
    level: Option<String>,
    /// Only lines containing this text (case-insensitive).
    q: Option<String>,
    /// Only lines after this sequence number.
    after: Option<u64>,
    /// `text` answers a plain-text download instead of JSON.
    format: Option<String>,
}

impl LogQuery {
    fn level(&self) -> Result<LogLevel, ApiError> {
        match &self.level {
            None => Ok(LogLevel::Trace),
            Some(name) => LogLevel::parse(name).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "unknown level {name:?}; expected error, warn, info, debug or trace"
                ))
            }),
        }
    }
}

/// One line as the text download shows it.
pub(crate) fn text_line(line: &LogLine) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(line.at_ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default();
    format!(
        "{at} {:>5} {}: {}\n",
        line.level.as_str().to_uppercase(),
        line.target,
        line.message
    )
}

/// `GET /api/logs`: the server's recent log lines (operators only).
#[utoipa::path(get, path = "/api/logs", tag = "operations", params(LogQuery), responses((status = 200, description = "The kept lines, oldest first (or text/plain with format=text)", body = [LogLine]), (status = 400, description = "An unknown level", body = crate::error::ErrorBody), (status = 401, description = "A key is needed", body = crate::error::ErrorBody), (status = 403, description = "Operators only", body = crate::error::ErrorBody)))]
pub(crate) async fn server_log(
    State(app): State<AppState>,
    caller: Caller,
    Query(query): Query<LogQuery>,
) -> Result<Response, ApiError> {
    crate::dispatch::require(&app, &caller, Role::Operator, "the log")?;
    let lines = buffer().lines(
        query.level()?,
        query.q.as_deref().unwrap_or_default(),
        query.after.unwrap_or(0),
    );
    if query.format.as_deref() == Some("text") {
        let text: String = lines.iter().map(text_line).collect();
        return Ok((
            [
                (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"camrig-log.txt\"",
                ),
            ],
            text,
        )
            .into_response());
    }
    Ok(Json(lines).into_response())
}

/// How often a quiet log stream checks that its reader may still read it.
const RECHECK: std::time::Duration = std::time::Duration::from_secs(5);

/// One operator following the log.
struct Follow {
    live: broadcast::Receiver<LogLine>,
    check: tokio::time::Interval,
    app: AppState,
    caller: Caller,
}

impl Follow {
    fn still_operator(&self) -> bool {
        self.caller
            .role(&self.app)
            .is_ok_and(|role| role >= Role::Operator)
    }
}

/// `GET /api/logs/stream`: new log lines as server-sent events, each a
/// JSON [`LogLine`] (operators only). Ends when the server stops.
#[utoipa::path(get, path = "/api/logs/stream", tag = "operations", params(LogQuery), responses((status = 200, description = "text/event-stream of LogLine JSON", content_type = "text/event-stream"), (status = 401, description = "A key is needed", body = crate::error::ErrorBody), (status = 403, description = "Operators only", body = crate::error::ErrorBody)))]
pub(crate) async fn stream_log(
    State(app): State<AppState>,
    caller: Caller,
    Query(query): Query<LogQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    crate::dispatch::require(&app, &caller, Role::Operator, "the log")?;
    let level = query.level()?;
    let search = query.q.unwrap_or_default();
    let follow = Follow {
        live: buffer().subscribe(),
        check: tokio::time::interval(RECHECK),
        app,
        caller,
    };
    let events = stream::unfold(follow, move |mut follow| {
        let search = search.clone();
        async move {
            loop {
                let line = tokio::select! {
                    _ = follow.app.shutdown.cancelled() => return None,
                    _ = follow.check.tick() => {
                        // A logout or a revoked token ends the stream.
                        if !follow.still_operator() {
                            return None;
                        }
                        continue;
                    }
                    line = follow.live.recv() => line,
                };
                let event = match line {
                    Ok(line) if line.matches(level, &search) => Event::default()
                        .id(line.seq.to_string())
                        .json_data(&line)
                        .unwrap_or_default(),
                    Ok(_) => continue,
                    Err(broadcast::error::RecvError::Lagged(missed)) => Event::default()
                        .event("gap")
                        .data(format!("{missed} lines were too many to follow")),
                    Err(broadcast::error::RecvError::Closed) => return None,
                };
                if !follow.still_operator() {
                    return None;
                }
                return Some((Ok(event), follow));
            }
        }
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

/// `GET /api/logs/system`: what `system.log_command` prints (operators
/// only).
#[utoipa::path(get, path = "/api/logs/system", tag = "operations", responses((status = 200, description = "What the command printed", body = SystemLog), (status = 401, description = "A key is needed", body = crate::error::ErrorBody), (status = 403, description = "Operators only", body = crate::error::ErrorBody), (status = 503, description = "The command failed; the message says how", body = crate::error::ErrorBody)))]
pub(crate) async fn system_log(
    State(app): State<AppState>,
    caller: Caller,
) -> Result<Json<SystemLog>, ApiError> {
    crate::dispatch::require(&app, &caller, Role::Operator, "the system log")?;
    Ok(Json(app.system.system_log().await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_buffer_keeps_the_newest_lines_and_filters() {
        let buffer = LogBuffer {
            lines: Mutex::new(VecDeque::new()),
            capacity: AtomicUsize::new(3),
            next: AtomicU64::new(1),
            live: broadcast::channel(4).0,
        };
        for i in 0..5 {
            let level = if i % 2 == 0 {
                LogLevel::Info
            } else {
                LogLevel::Warn
            };
            buffer.push(level, "camrig", format!("line {i}"));
        }
        let all = buffer.lines(LogLevel::Trace, "", 0);
        let texts: Vec<_> = all.iter().map(|l| l.message.as_str()).collect();
        assert_eq!(texts, ["line 2", "line 3", "line 4"]);
        assert_eq!(buffer.lines(LogLevel::Warn, "", 0).len(), 1);
        assert_eq!(buffer.lines(LogLevel::Trace, "LINE 4", 0).len(), 1);
        assert_eq!(buffer.lines(LogLevel::Trace, "", 4).len(), 1);
        assert!(text_line(&all[0]).contains(" INFO camrig: line 2"));
    }
}
